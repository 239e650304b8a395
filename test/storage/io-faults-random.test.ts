// Randomized I/O faults: each trial runs a seeded mixed workload (autocommit writes, blocks,
// bulk updates, reads, checkpoints) over a FaultyFileIo armed to fail the Nth read, write or
// fsync of a random kind (either file or one of them, once or persistently, whole or torn).
// Every error must be a DispatcherError with a SQLSTATE (never XX000), every successful read
// must match the model of acknowledged commits, and a reopen without faults must hold exactly
// the acknowledged commits and pass the integrity check.
// DISPATCHDB_IO_FAULT_TRIALS=N runs more trials (default 40); DISPATCHDB_IO_FAULT_SEED picks
// the first seed.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { DispatcherError } from '../../src/api/errors.js';
import type { Session } from '../../src/api/session.js';
import type { SqlValue } from '../../src/storage/ports.js';
import { FaultyFileIo, type FaultOp, type FaultPlan } from '../../src/storage/faulty-file-io.js';

const TRIALS = Number(process.env['DISPATCHDB_IO_FAULT_TRIALS'] ?? 40);
const FIRST_SEED = Number(process.env['DISPATCHDB_IO_FAULT_SEED'] ?? 1);
const STEPS = 40;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dispatchdb-io-random-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** mulberry32: a small seeded generator, so a failing trial can be replayed by its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Tally {
  trials: number;
  injected: number;
  byKind: Record<FaultOp, number>;
  errors: Map<string, number>;
  acknowledged: number;
  refused: number;
}

type Model = Map<number, string>;

function rowsOf(model: Model): [number, string][] {
  return [...model.entries()].sort((a, b) => a[0] - b[0]);
}

function noteError(t: Tally, e: unknown, where: string): DispatcherError {
  if (!(e instanceof DispatcherError)) throw new Error(`${where}: not a DispatcherError: ${String(e)}`, { cause: e });
  expect(e.sqlState).toMatch(/^[0-9A-Z]{5}$/);
  // An internal error would be a bug on the failure path, not a reported fault.
  if (e.sqlState === 'XX000') throw new Error(`${where}: internal error: ${e.message}`, { cause: e });
  t.errors.set(e.sqlState, (t.errors.get(e.sqlState) ?? 0) + 1);
  return e;
}

async function trial(seed: number, t: Tally): Promise<void> {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const file = path.join(dir, `r${seed}.db`);
  const io = new FaultyFileIo({ realSync: false });
  const model: Model = new Map();
  let nextId = 0;
  const db = await Database.open(file, { pageSize: 4096, poolPages: 8, checkpointBytes: 40 * 1024, fileIo: io });
  const s: Session = await db.connect();
  await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  await s.execute('CREATE INDEX t_v ON t (v)');
  await s.execute('BEGIN');
  for (; nextId < 150; nextId++) {
    const v = `seed-${nextId}-${'s'.repeat(nextId % 50)}`;
    await s.execute('INSERT INTO t VALUES ($1, $2)', [nextId, v]);
    model.set(nextId, v);
  }
  await s.execute('COMMIT');
  await db.checkpoint();

  const op = pick<FaultOp>(['read', 'write', 'sync']);
  const persistent = r() < 0.3;
  const plan: FaultPlan = {
    op,
    nth: 1 + Math.floor(r() * (op === 'read' ? 120 : op === 'write' ? 40 : 25)),
    ...(r() < 0.6 ? { file: pick(['data', 'wal'] as const) } : {}),
    persistent,
    torn: op === 'write' && !persistent && r() < 0.5,
  };
  io.fail(plan);

  const anyId = (): number | undefined => {
    if (model.size === 0) return undefined;
    const ids = [...model.keys()];
    return ids[Math.floor(r() * ids.length)];
  };
  /** One random change: its effect on a model, or null when there was nothing to change. */
  const change = (step: number): { sql: string; params: SqlValue[]; apply: (m: Model) => void } => {
    const x = r();
    const id = anyId();
    if (x < 0.5 || id === undefined) {
      const nid = nextId++;
      const v = `v-${nid}-${step}-${'n'.repeat(Math.floor(r() * 200))}`;
      return { sql: 'INSERT INTO t VALUES ($1, $2)', params: [nid, v], apply: (m) => m.set(nid, v) };
    }
    if (x < 0.8) {
      const v = `u-${id}-${step}-${'u'.repeat(Math.floor(r() * 200))}`;
      return { sql: 'UPDATE t SET v = $1 WHERE id = $2', params: [v, id], apply: (m) => void (m.has(id) && m.set(id, v)) };
    }
    return { sql: 'DELETE FROM t WHERE id = $1', params: [id], apply: (m) => void m.delete(id) };
  };

  for (let step = 0; step < STEPS; step++) {
    const x = r();
    try {
      if (x < 0.4) {
        const c = change(step);
        try {
          await s.execute(c.sql, c.params);
          c.apply(model);
          t.acknowledged++;
        } catch (e) {
          noteError(t, e, `seed ${seed} step ${step} ${c.sql}`);
          t.refused++;
        }
      } else if (x < 0.65) {
        // A block: applied to the model only when COMMIT answers.
        const pending: ((m: Model) => void)[] = [];
        await s.execute('BEGIN');
        let ok = true;
        const n = 1 + Math.floor(r() * 12);
        for (let i = 0; i < n && ok; i++) {
          const c = change(step);
          try {
            await s.execute(c.sql, c.params);
            pending.push(c.apply);
          } catch (e) {
            noteError(t, e, `seed ${seed} step ${step} in block`);
            ok = false;
          }
        }
        if (!ok || r() < 0.15) {
          await s.execute('ROLLBACK');
        } else {
          try {
            await s.execute('COMMIT');
            for (const a of pending) a(model);
            t.acknowledged++;
          } catch (e) {
            noteError(t, e, `seed ${seed} step ${step} COMMIT`);
            t.refused++;
          }
        }
        expect(s.transactionState).toBe('noTxn');
      } else if (x < 0.75) {
        // Many rows in one statement (pages all over the tree, index entries moved).
        const k = Math.floor(r() * 5);
        try {
          await s.execute("UPDATE t SET v = v || '+' WHERE id % 5 = $1", [k]);
          for (const [id, v] of model) if (id % 5 === k) model.set(id, `${v}+`);
          t.acknowledged++;
        } catch (e) {
          noteError(t, e, `seed ${seed} step ${step} bulk update`);
          t.refused++;
        }
      } else if (x < 0.92) {
        try {
          const res = await s.execute('SELECT id, v FROM t ORDER BY id');
          expect(res.rows, `seed ${seed} step ${step}: read differs from the acknowledged state`).toEqual(rowsOf(model));
          const viaIndex = await s.execute('SELECT count(*) FROM t WHERE v >= $1', ['']);
          expect(viaIndex.rows).toEqual([[model.size]]);
        } catch (e) {
          if (!(e instanceof DispatcherError)) throw e;
          noteError(t, e, `seed ${seed} step ${step} select`);
        }
      } else {
        try {
          await db.checkpoint();
        } catch (e) {
          noteError(t, e, `seed ${seed} step ${step} checkpoint`);
        }
      }
    } catch (e) {
      // BEGIN / ROLLBACK themselves may be refused after a fault: still a DispatcherError.
      noteError(t, e, `seed ${seed} step ${step}`);
      if (s.transactionState !== 'noTxn') await s.execute('ROLLBACK');
    }
  }

  // The acknowledged state's trees (and, with no failed write, the page accounting) check out,
  // unless a read fault during the check itself is reported (then it names the failed read).
  try {
    const problems = db.integrityCheck();
    if (!problems.some((p) => /could not read .*EIO/.test(p))) expect(problems, `seed ${seed}: integrity before close`).toEqual([]);
  } catch (e) {
    if (!(e instanceof DispatcherError)) throw e;
    noteError(t, e, `seed ${seed} integrityCheck`);
  }
  // Half the trials close with the fault still armed (the closing checkpoint may fail too).
  if (r() < 0.5) io.heal();
  try {
    await db.close();
  } catch (e) {
    noteError(t, e, `seed ${seed} close`);
  }
  t.trials++;
  t.injected += io.injected.length;
  for (const f of io.injected) t.byKind[f.op]++;

  const again = await Database.open(file);
  try {
    const s2 = await again.connect();
    const res = await s2.execute('SELECT id, v FROM t ORDER BY id').catch((e: unknown) => {
      throw new Error(`seed ${seed} (${JSON.stringify(plan)}, injected ${JSON.stringify(io.injected)}): reopened: ${String(e)}`, { cause: e });
    });
    expect(res.rows, `seed ${seed} (${JSON.stringify(plan)}): reopened state differs from the acknowledged commits`).toEqual(
      rowsOf(model),
    );
    expect(again.integrityCheck(), `seed ${seed}`).toEqual([]);
  } finally {
    await again.close();
  }
}

describe('randomized I/O faults', () => {
  it(`${TRIALS} trials: clear errors, no unacknowledged or lost commit, integrity after reopen`, async () => {
    const t: Tally = {
      trials: 0,
      injected: 0,
      byKind: { read: 0, write: 0, sync: 0 },
      errors: new Map(),
      acknowledged: 0,
      refused: 0,
    };
    for (let i = 0; i < TRIALS; i++) await trial(FIRST_SEED + i, t);
    console.log(
      `io faults: ${t.trials} trials, ${t.injected} faults injected ` +
        `(read ${t.byKind.read}, write ${t.byKind.write}, fsync ${t.byKind.sync}); ` +
        `${t.acknowledged} commits acknowledged, ${t.refused} refused; errors by SQLSTATE ${JSON.stringify(Object.fromEntries(t.errors))}`,
    );
    expect(t.trials).toBe(TRIALS);
    // Most trials must actually hit their fault, or the test proves little.
    expect(t.injected).toBeGreaterThan(TRIALS / 2);
    expect(t.byKind.read).toBeGreaterThan(0);
    expect(t.byKind.write).toBeGreaterThan(0);
    expect(t.byKind.sync).toBeGreaterThan(0);
  }, Math.max(60_000, TRIALS * 1_000));
});
