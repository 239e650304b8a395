// The kill loop shared by the crash test (npm test, 20 kills) and the torture run (npm run
// torture, 1,000 kills). A child (mixed-writer.ts) runs the seeded workload on a database file
// and is killed with SIGKILL at a random moment: a random delay after it opened, the k-th
// acknowledgement, just after an explicit checkpoint began, while it opens (recovery), or by
// itself just before its N-th file write/truncate/fsync (any file; the data file, which is only
// written by checkpoints; or the WAL reset that ends a checkpoint). The
// parent then copies the files it left (so the next child recovers the crashed files itself),
// opens the copy, and checks it against the model: every acknowledged unit is there, nothing
// after the one unit in flight is, that unit is all or nothing, the tables and indexes are the
// expected ones, queries through every index agree, and the integrity check passes.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Database } from '../../src/api/database.js';
import type { SqlValue } from '../../src/api/types.js';
import type { CrashPoint, Go } from './child-io.js';
import { COLUMNS, mix, Model, Rng, Workload, type ModelTable, type MRow, type Unit } from './workload.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const WRITER = join(here, 'mixed-writer.ts');

export type KillMode = 'random' | 'ack' | 'checkpoint' | 'open' | 'io' | 'io-data' | 'io-wal-reset';

export interface CampaignOptions {
  readonly kills: number;
  readonly seed: number;
  /** Kills on one database file before a fresh one starts (new workload seed and settings). */
  readonly killsPerDatabase?: number;
  /** Upper bound of the random delay after the writer opened the database. */
  readonly maxDelayMs?: number;
  /** Self-kills happen before one of the first ioSpan file operations (default 300). */
  readonly ioSpan?: number;
  /** Children started ahead of time (their module loading overlaps the checks). */
  readonly warmChildren?: number;
  /** Kill modes in turn (default: drawn at random with fixed weights). */
  readonly modes?: readonly KillMode[];
  /** Where failing files are copied (default: kept in the work directory). */
  readonly keepFailuresIn?: string;
  readonly onKill?: (k: KillReport) => void;
}

export interface KillReport {
  readonly kill: number;
  readonly database: number;
  readonly mode: KillMode;
  readonly start: number;
  readonly acked: number;
  /** The unit in flight at the kill: its number and whether it turned out committed. */
  readonly pending: { readonly n: number; readonly applied: boolean } | null;
  readonly inCheckpoint: boolean;
  readonly beforeReady: boolean;
  /** Where a self-kill happened: "<file> <call>" (null when the parent killed). */
  readonly point: string | null;
  readonly checkpoints: number;
  readonly rows: number;
  readonly dbBytes: number;
  readonly walBytes: number;
  /** Time from "go" to the child's end, and of the check. */
  readonly runMs: number;
  readonly checkMs: number;
  readonly failure: string | null;
}

export interface Failure {
  readonly seed: number;
  readonly database: number;
  readonly kill: number;
  readonly mode: KillMode;
  readonly start: number;
  readonly message: string;
  readonly files: string | null;
}

export interface CampaignSummary {
  readonly seed: number;
  readonly kills: number;
  readonly databases: number;
  readonly unitsAcked: number;
  readonly unitsSubmitted: number;
  readonly pendingCommitted: number;
  readonly pendingLost: number;
  readonly checkpoints: number;
  readonly killsInCheckpoint: number;
  readonly killsDuringOpen: number;
  readonly modes: Readonly<Record<KillMode, number>>;
  /** Self-kills by file and call ("data writeSync", "wal writev", ...). */
  readonly points: Readonly<Record<string, number>>;
  readonly unitKinds: Readonly<Record<string, number>>;
  readonly maxRows: number;
  readonly maxDbBytes: number;
  readonly maxWalBytes: number;
  readonly failures: readonly Failure[];
  readonly elapsedMs: number;
}

export interface DatabaseSettings {
  readonly workloadSeed: number;
  readonly checkpointBytes: number;
  readonly poolPages: number;
}

export function settingsFor(seed: number, database: number): DatabaseSettings {
  const r = new Rng(mix(seed, 0x5eed + database));
  return {
    workloadSeed: mix(seed, database),
    // Small logs so that automatic checkpoints happen every few units; small pools so that
    // reads go to the WAL and the data file.
    checkpointBytes: r.pick([16 << 10, 64 << 10, 256 << 10, 4 << 20]),
    poolPages: r.pick([16, 64, 512, 4096]),
  };
}

// ---------------------------------------------------------------- the child

export class Writer {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly loaded: Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly acked: number[] = [];
  readonly submitted: number[] = [];
  ready = false;
  inCheckpoint = false;
  checkpoints = 0;
  errorLine: string | null = null;
  /** "<file> <call>" of a self-kill. */
  crashPoint: string | null = null;
  stderr = '';
  killed = false;
  #buf = '';
  #listeners: ((what: string, n: number) => void)[] = [];

  constructor(script: string = WRITER) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let onLoaded: () => void = () => {};
    this.loaded = new Promise((r) => (onLoaded = r));
    this.#listeners.push((what) => {
      if (what === 'loaded') onLoaded();
    });
    // 'close' comes after the exit and after stdout ended: every line the child wrote is read.
    this.exited = new Promise((r) => this.proc.on('close', (code, signal) => r({ code, signal })));
    // A child that dies before "loaded" must not leave the loop waiting.
    void this.exited.then(() => onLoaded());
    this.proc.stdin.on('error', () => {});
    this.proc.stdout.on('data', (d: Buffer) => this.#data(d));
    this.proc.stderr.on('data', (d: Buffer) => {
      if (this.stderr.length < 20000) this.stderr += d.toString();
    });
  }

  #data(d: Buffer): void {
    this.#buf += d.toString();
    let i = this.#buf.indexOf('\n');
    while (i >= 0) {
      const line = this.#buf.slice(0, i);
      this.#buf = this.#buf.slice(i + 1);
      i = this.#buf.indexOf('\n');
      // Lines written between the kill decision and the death still happened (a unit may even
      // have been acknowledged in between): all of them count.
      const sp = line.indexOf(' ');
      const what = sp < 0 ? line : line.slice(0, sp);
      const n = sp < 0 ? NaN : Number(line.slice(sp + 1).split(' ')[0]);
      switch (what) {
        case 'ready':
          this.ready = true;
          break;
        case 'submit':
          this.submitted.push(n);
          break;
        case 'ack':
          this.acked.push(n);
          break;
        case 'ckpt-begin':
          this.inCheckpoint = true;
          break;
        case 'ckpt-end':
          this.inCheckpoint = false;
          break;
        case 'cp':
          this.checkpoints = n;
          break;
        case 'error':
          this.errorLine = line;
          break;
        case 'crash': {
          const [, file, call] = line.split(' ');
          this.crashPoint = `${file} ${call}`;
          // Before open finished, or a data-file write or WAL reset after it: a checkpoint.
          this.inCheckpoint ||= this.ready && (file === 'data' || (file === 'wal' && call !== 'writev' && call !== 'datasync'));
          this.killed = true;
          break;
        }
        default:
      }
      for (const l of this.#listeners) l(what, n);
    }
  }

  on(listener: (what: string, n: number) => void): void {
    this.#listeners.push(listener);
  }

  go(start: number, path: string, s: DatabaseSettings, crashAt: CrashPoint | undefined, extra: Partial<Go> = {}): void {
    const go: Go = {
      start,
      path,
      seed: s.workloadSeed,
      checkpointBytes: s.checkpointBytes,
      poolPages: s.poolPages,
      ...(crashAt !== undefined ? { crashAt } : {}),
      ...extra,
    };
    this.proc.stdin.write(`go ${JSON.stringify(go)}\n`);
  }

  kill(): { inCheckpoint: boolean; beforeReady: boolean } {
    const at = { inCheckpoint: this.inCheckpoint, beforeReady: !this.ready };
    if (!this.killed) {
      this.killed = true;
      this.proc.kill('SIGKILL');
    }
    return at;
  }
}

// ---------------------------------------------------------------- reading and comparing

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

export function sizeOf(file: string): number {
  return existsSync(file) ? statSync(file).size : 0;
}

// ---------------------------------------------------------------- the loop

export const MODE_WEIGHTS: readonly [KillMode, number][] = [
  ['random', 0.3],
  ['ack', 0.1],
  ['checkpoint', 0.1],
  ['open', 0.07],
  ['io', 0.2],
  ['io-data', 0.15],
  ['io-wal-reset', 0.08],
];

/** The self-kill point of the io modes. */
function crashPointFor(mode: KillMode, r: Rng, span: number): CrashPoint | undefined {
  switch (mode) {
    case 'io':
      return { nth: r.int(1, span) };
    case 'io-data':
      // The data file is written by checkpoints only (and its header when created).
      return { nth: r.int(1, Math.max(5, span >> 2)), file: 'data' };
    case 'io-wal-reset':
      // A checkpoint ends by rewriting the WAL header, truncating the log and syncing it.
      return { nth: r.int(1, 6), file: 'wal', calls: ['write', 'truncate', 'sync'] };
    default:
      return undefined;
  }
}

function pickMode(r: Rng): KillMode {
  let x = r.next();
  for (const [m, w] of MODE_WEIGHTS) {
    if (x < w) return m;
    x -= w;
  }
  return 'random';
}

/** Arms the kill for one run; resolves once the child is gone. */
function armKill(w: Writer, mode: KillMode, r: Rng, maxDelayMs: number): { at: Promise<{ inCheckpoint: boolean; beforeReady: boolean }> } {
  let timer: NodeJS.Timeout | null = null;
  let resolveAt: (v: { inCheckpoint: boolean; beforeReady: boolean }) => void = () => {};
  const at = new Promise<{ inCheckpoint: boolean; beforeReady: boolean }>((res) => (resolveAt = res));
  const fire = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (!w.killed) resolveAt(w.kill());
  };
  const later = (ms: number): void => {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(fire, ms);
  };
  const delay = r.int(0, maxDelayMs);
  const nthAck = r.int(1, 25);
  const nthCkpt = r.int(1, 2);
  const ckptDelay = r.int(0, 2);
  let ckpts = 0;
  w.on((what) => {
    if (w.killed) return;
    if (mode === 'open' && what === 'opening') later(delay % 40);
    if (what === 'ready') {
      // Every mode has a fallback so that a run always ends.
      later(mode === 'random' ? delay : mode === 'open' ? 0 : maxDelayMs * 2 + 500);
    }
    if (mode === 'ack' && what === 'ack' && w.acked.length >= nthAck) fire();
    if (mode === 'checkpoint' && what === 'ckpt-begin' && ++ckpts >= nthCkpt) {
      if (ckptDelay === 0) fire();
      else later(ckptDelay);
    }
  });
  // A child that never gets ready (or stalls) is killed too; the check then reports what it left.
  void w.exited.then(() => {
    if (timer !== null) clearTimeout(timer);
    resolveAt({ inCheckpoint: w.inCheckpoint, beforeReady: !w.ready });
  });
  return { at };
}

export async function runCampaign(o: CampaignOptions): Promise<CampaignSummary> {
  const t0 = performance.now();
  const perDb = o.killsPerDatabase ?? 50;
  const maxDelayMs = o.maxDelayMs ?? 300;
  const warmCount = Math.max(1, o.warmChildren ?? 2);
  const work = mkdtempSync(join(tmpdir(), 'dispatchdb-crash-'));
  const r = new Rng(mix(o.seed, 0xc0ffee));
  const warm: Writer[] = [];
  const refill = (): void => {
    while (warm.length < warmCount) warm.push(new Writer());
  };
  const failures: Failure[] = [];
  const modes: Record<KillMode, number> = { random: 0, ack: 0, checkpoint: 0, open: 0, io: 0, 'io-data': 0, 'io-wal-reset': 0 };
  const points: Record<string, number> = {};
  const unitKinds: Record<string, number> = {};
  let unitsAcked = 0;
  let unitsSubmitted = 0;
  let pendingCommitted = 0;
  let pendingLost = 0;
  let checkpoints = 0;
  let killsInCheckpoint = 0;
  let killsDuringOpen = 0;
  let maxRows = 0;
  let maxDbBytes = 0;
  let maxWalBytes = 0;

  let database = -1;
  let settings = settingsFor(o.seed, 0);
  let dbPath = '';
  let workload = new Workload(0);
  let model = new Model();
  let killsOnDb = perDb;
  let startFailures = 0;
  let abort = false;
  let performed = 0;
  try {
    refill();
    for (let kill = 0; kill < o.kills && !abort; kill++) {
      if (killsOnDb >= perDb) {
        database++;
        killsOnDb = 0;
        settings = settingsFor(o.seed, database);
        dbPath = join(work, `db${database}`, 'crash.db');
        mkdirSync(dirname(dbPath), { recursive: true });
        workload = new Workload(settings.workloadSeed);
        model = new Model();
      }
      killsOnDb++;
      performed++;
      const start = workload.next;
      const mode = o.modes !== undefined && o.modes.length > 0 ? o.modes[kill % o.modes.length]! : pickMode(r);
      modes[mode]++;
      const w = warm.shift()!;
      refill();
      await w.loaded;
      const tRun = performance.now();
      const armed = armKill(w, mode, r, maxDelayMs);
      w.go(start, dbPath, settings, crashPointFor(mode, r, o.ioSpan ?? 300));
      const at = await armed.at;
      const exit = await w.exited;
      if (w.crashPoint !== null) points[w.crashPoint] = (points[w.crashPoint] ?? 0) + 1;
      const inCheckpoint = at.inCheckpoint || w.inCheckpoint;
      if (inCheckpoint) killsInCheckpoint++;
      if (at.beforeReady) killsDuringOpen++;
      checkpoints += w.checkpoints;
      unitsAcked += w.acked.length;
      unitsSubmitted += w.submitted.length;

      const fail = (message: string, files: string | null): void => {
        failures.push({ seed: o.seed, database, kill, mode, start, message, files });
      };
      const tCheck = performance.now();
      let failure: string | null = null;
      let pending: KillReport['pending'] = null;
      let rows = 0;
      if (exit.signal !== 'SIGKILL' || !w.killed) {
        failure = `writer ended by itself (${exit.code ?? exit.signal}): ${w.errorLine ?? ''} ${w.stderr.slice(0, 2000)}`;
        // A writer that cannot even load (a broken build) fails every run: say so once and stop.
        if (!w.ready && w.errorLine === null && ++startFailures >= 3) abort = true;
      } else {
        startFailures = 0;
        const result = await checkRun(w, workload, model, dbPath, start, r);
        failure = result.failure;
        pending = result.pending;
        model = result.model;
        rows = result.rows;
        for (const u of result.units) unitKinds[u.kind] = (unitKinds[u.kind] ?? 0) + 1;
      }
      if (pending !== null) {
        if (pending.applied) pendingCommitted++;
        else pendingLost++;
      }
      const dbBytes = sizeOf(dbPath);
      const walBytes = sizeOf(`${dbPath}-wal`);
      maxRows = Math.max(maxRows, rows);
      maxDbBytes = Math.max(maxDbBytes, dbBytes);
      maxWalBytes = Math.max(maxWalBytes, walBytes);
      let files: string | null = null;
      if (failure !== null) {
        files = keepFiles(dbPath, o.keepFailuresIn ?? join(work, 'failures'), `seed${o.seed}-db${database}-kill${kill}`);
        fail(failure, files);
        killsOnDb = perDb; // the model no longer matches this file: go on with a fresh database
      }
      o.onKill?.({
        kill,
        database,
        mode,
        start,
        acked: w.acked.length,
        pending,
        inCheckpoint,
        beforeReady: at.beforeReady,
        point: w.crashPoint,
        checkpoints: w.checkpoints,
        rows,
        dbBytes,
        walBytes,
        runMs: tCheck - tRun,
        checkMs: performance.now() - tCheck,
        failure,
      });
    }
  } finally {
    for (const w of warm) w.kill();
    await Promise.all(warm.map((w) => w.exited));
    if (failures.length === 0 || o.keepFailuresIn !== undefined) rmSync(work, { recursive: true, force: true });
  }
  return {
    seed: o.seed,
    kills: performed,
    databases: database + 1,
    unitsAcked,
    unitsSubmitted,
    pendingCommitted,
    pendingLost,
    checkpoints,
    killsInCheckpoint,
    killsDuringOpen,
    modes,
    points,
    unitKinds,
    maxRows,
    maxDbBytes,
    maxWalBytes,
    failures,
    elapsedMs: performance.now() - t0,
  };
}

export function keepFiles(dbPath: string, dir: string, name: string): string {
  const to = join(dir, name);
  mkdirSync(to, { recursive: true });
  for (const suffix of ['', '-wal']) if (existsSync(dbPath + suffix)) copyFileSync(dbPath + suffix, join(to, `crash.db${suffix}`));
  return to;
}

interface CheckResult {
  readonly failure: string | null;
  readonly pending: KillReport['pending'];
  readonly model: Model;
  readonly units: readonly Unit[];
  readonly rows: number;
}

/** Replays the acknowledged units into the model and compares a copy of the crashed files with it. */
async function checkRun(w: Writer, workload: Workload, model: Model, dbPath: string, start: number, r: Rng): Promise<CheckResult> {
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
    let pending: KillReport['pending'] = null;
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
