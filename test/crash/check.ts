// The check after a kill: open a copy of the files the child left, replay the acknowledged units
// into the model, decide whether the unit in flight committed (the state must equal the model
// without it or with it), then compare tables, indexes, columns and rows, query through every
// index, and run the integrity check (integrityCheck() and PRAGMA integrity_check).
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Database } from '../../src/api/database.js';
import type { SqlValue } from '../../src/api/types.js';
import { COLUMNS, Model, Rng, Workload, type ModelTable, type MRow, type Unit } from './workload.js';

/** The unit in flight at the kill: its number and whether it turned out committed. */
export type Pending = { readonly n: number; readonly applied: boolean } | null;

interface Observed {
  readonly tables: Map<string, { keyed: boolean; columns: string[]; indexes: Map<string, { cols: string[]; unique: boolean }> }>;
  readonly rows: Map<string, SqlValue[][]>;
}

async function observe(db: Database): Promise<Observed> {
  const s = await db.connect();
  try {
    const tables: Observed['tables'] = new Map();
    const rows = new Map<string, SqlValue[][]>();
    for (const t of db.tables()) {
      const columns = t.columns.map((c) => c.name);
      const indexes = new Map<string, { cols: string[]; unique: boolean }>();
      for (const ix of t.indexes) {
        if (!ix.implicit) indexes.set(ix.name, { cols: ix.columns.map((c) => columns[c]!), unique: ix.unique });
      }
      tables.set(t.name, { keyed: t.primaryKey.length > 0, columns, indexes });
      rows.set(t.name, (await s.execute(`SELECT * FROM ${t.name} ORDER BY id`)).rows);
    }
    return { tables, rows };
  } finally {
    await s.close();
  }
}

function show(row: readonly unknown[] | undefined): string {
  if (row === undefined) return 'nothing';
  return JSON.stringify(row.map((v) => (typeof v === 'string' && v.length > 40 ? `${v.slice(0, 30)}…(${v.length})` : v)));
}

/** The first difference between the model and what the database holds, or null. */
function diff(model: Model, seen: Observed): string | null {
  const want = [...model.tables.keys()].sort().join(',');
  const got = [...seen.tables.keys()].sort().join(',');
  if (want !== got) return `tables: expected [${want}], found [${got}]`;
  for (const [name, mt] of model.tables) {
    const t = seen.tables.get(name)!;
    const columns = [...COLUMNS, ...mt.extras.map((c) => c.name)].join(',');
    if (t.columns.join(',') !== columns) return `${name}: columns ${t.columns.join(',')}, expected ${columns}`;
    if (t.keyed !== mt.keyed) return `${name}: keyed ${t.keyed}, expected ${mt.keyed}`;
    const wantIx = [...mt.indexes].map(([n, s]) => `${n}(${s.cols.join(',')})${s.unique ? '!' : ''}`).sort().join(' ');
    const gotIx = [...t.indexes].map(([n, s]) => `${n}(${s.cols.join(',')})${s.unique ? '!' : ''}`).sort().join(' ');
    if (wantIx !== gotIx) return `${name}: indexes [${gotIx}], expected [${wantIx}]`;
    const expected = [...mt.rows.values()].sort((a, b) => a[0] - b[0]);
    const actual = seen.rows.get(name)!;
    const len = Math.max(expected.length, actual.length);
    for (let i = 0; i < len; i++) {
      const e = expected[i];
      const a = actual[i];
      if (e === undefined || a === undefined || e.length !== a.length || e.some((v, j) => v !== a[j])) {
        return `${name}: ${actual.length} rows for ${expected.length} expected; first difference at position ${i}: found ${show(a)}, expected ${show(e)}`;
      }
    }
  }
  return null;
}

/** Queries through every index of the model's tables and compares with the model's rows. */
async function checkIndexes(db: Database, model: Model, r: Rng): Promise<string | null> {
  const s = await db.connect();
  try {
    const ids = async (sql: string, params: SqlValue[]): Promise<string> =>
      (await s.execute(sql, params)).rows
        .map((x) => Number(x[0]))
        .sort((a, b) => a - b)
        .join(',');
    const expect = (t: ModelTable, f: (row: MRow) => boolean): string =>
      [...t.rows.values()]
        .filter(f)
        .map((x) => x[0])
        .sort((a, b) => a - b)
        .join(',');
    for (const [name, t] of model.tables) {
      const rows = [...t.rows.values()];
      const samples: (MRow | undefined)[] = [undefined];
      for (let i = 0; i < 3 && rows.length > 0; i++) samples.push(r.pick(rows));
      for (const [ix, shape] of t.indexes) {
        for (const row of samples) {
          const k = row?.[1] ?? r.int(0, 999);
          let got: string;
          let want: string;
          let what: string;
          if (shape.cols.length === 2) {
            const v = row?.[3] ?? 'none';
            what = `k = ${k} AND v = ${JSON.stringify(v)}`;
            got = await ids(`SELECT id FROM ${name} WHERE k = $1 AND v = $2`, [k, v]);
            want = expect(t, (x) => x[1] === k && x[3] === v);
          } else if (shape.cols[0] === 'u') {
            const u = row?.[2] ?? 0;
            what = `u = ${u}`;
            got = await ids(`SELECT id FROM ${name} WHERE u = $1`, [u]);
            want = expect(t, (x) => x[2] === u);
          } else {
            what = `k BETWEEN ${k} AND ${k + 20}`;
            got = await ids(`SELECT id FROM ${name} WHERE k BETWEEN $1 AND $2`, [k, k + 20]);
            want = expect(t, (x) => x[1] !== null && x[1] >= k && x[1] <= k + 20);
          }
          if (got !== want) return `${name} through ${ix} (${what}): ids [${got}], expected [${want}]`;
        }
      }
    }
    return null;
  } finally {
    await s.close();
  }
}

export interface CheckResult {
  readonly failure: string | null;
  readonly pending: Pending;
  readonly model: Model;
  readonly units: readonly Unit[];
  readonly rows: number;
}

/** Replays the acknowledged units into the model and compares a copy of the crashed files with it. */
export async function checkRun(
  w: { readonly acked: readonly number[]; readonly submitted: readonly number[] },
  workload: Workload,
  model: Model,
  dbPath: string,
  start: number,
  r: Rng,
): Promise<CheckResult> {
  const units: Unit[] = [];
  // Acknowledged units come in order from `start`; the writer runs one unit at a time.
  for (let i = 0; i < w.acked.length; i++) {
    if (w.acked[i] !== start + i) return { failure: `acks out of order: ${w.acked.slice(0, 10).join(',')}`, pending: null, model, units, rows: 0 };
    const u = workload.peek();
    model.apply(u);
    workload.advance(u);
    units.push(u);
  }
  const last = w.submitted.at(-1);
  const inFlight = last !== undefined && last === workload.next ? workload.peek() : null;
  const copy = mkdtempSync(join(dirname(dbPath), 'check-'));
  const copyPath = join(copy, 'crash.db');
  for (const suffix of ['', '-wal']) if (existsSync(dbPath + suffix)) copyFileSync(dbPath + suffix, copyPath + suffix);
  let db: Database | null = null;
  try {
    // The copy is checked and thrown away: no fsync needed.
    db = await Database.open(copyPath, { poolPages: 256, durable: false });
    const seen = await observe(db);
    let rows = 0;
    for (const x of seen.rows.values()) rows += x.length;
    let pending: Pending = null;
    const before = diff(model, seen);
    let failure: string | null = null;
    if (inFlight !== null) {
      if (before === null) pending = { n: inFlight.n, applied: false };
      else {
        const after = model.clone();
        after.apply(inFlight);
        const d = diff(after, seen);
        if (d === null) {
          model = after;
          workload.advance(inFlight);
          units.push(inFlight);
          pending = { n: inFlight.n, applied: true };
        } else failure = `unit ${inFlight.n} (${inFlight.kind}) in flight; without it: ${before}; with it: ${d}`;
      }
    } else if (before !== null) failure = before;
    if (failure === null) {
      const problems = db.integrityCheck();
      if (problems.length > 0) failure = `integrity check: ${problems.slice(0, 5).join('; ')}`;
    }
    if (failure === null) {
      const s = await db.connect();
      const p = (await s.execute('PRAGMA integrity_check')).rows;
      await s.close();
      if (p.length !== 1 || p[0]![0] !== 'ok') failure = `PRAGMA integrity_check: ${JSON.stringify(p.slice(0, 3))}`;
    }
    if (failure === null) failure = await checkIndexes(db, model, r);
    if (failure !== null) failure = `after acknowledged units ${start}..${workload.next - 1}: ${failure}`;
    return { failure, pending, model, units, rows };
  } catch (e) {
    const err = e as { sqlState?: string; message?: string; stack?: string };
    return { failure: `reopen failed: ${err.sqlState ?? ''} ${err.message ?? String(e)}`, pending: null, model, units, rows: 0 };
  } finally {
    await db?.close().catch(() => {});
    rmSync(copy, { recursive: true, force: true });
  }
}

