// The kill loop shared by the crash test (npm test, 20 kills) and the torture run (npm run
// torture, 1,000 kills). A child (mixed-writer.ts) runs the seeded workload on a database file
// and is killed with SIGKILL at a random moment: a random delay after it opened, the k-th
// acknowledgement, just after an explicit checkpoint began, while it opens (recovery), or by
// itself just before its N-th file write/truncate/fsync (any file; a commit's WAL write or fsync;
// the data file, which only checkpoints write; or the WAL reset that ends a checkpoint). The
// parent then copies the files it left (so the next child recovers the crashed files itself),
// opens the copy, and checks it against the model: every acknowledged unit is there, nothing
// after the one unit in flight is, that unit is all or nothing, the tables and indexes are the
// expected ones, queries through every index agree, and the integrity check passes.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkRun, type Pending } from './check.js';
import type { CrashPoint } from './child-io.js';
import { mix, Model, Rng, Workload } from './workload.js';
import { keepFiles, settingsFor, sizeOf, Writer } from './writer-process.js';

export type KillMode = 'random' | 'ack' | 'checkpoint' | 'open' | 'io' | 'io-wal' | 'io-data' | 'io-wal-reset';

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
  readonly pending: Pending;
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

// ---------------------------------------------------------------- the loop

export const MODE_WEIGHTS: readonly [KillMode, number][] = [
  ['random', 0.3],
  ['ack', 0.1],
  ['checkpoint', 0.1],
  ['open', 0.07],
  ['io', 0.1],
  ['io-wal', 0.1],
  ['io-data', 0.15],
  ['io-wal-reset', 0.08],
];

/** The self-kill point of the io modes. */
function crashPointFor(mode: KillMode, r: Rng, span: number): CrashPoint | undefined {
  switch (mode) {
    case 'io':
      return { nth: r.int(1, span) };
    case 'io-wal':
      // A commit's WAL write or its fsync (what a checkpoint writes to the log is a reset).
      return { nth: r.int(1, Math.max(5, span >> 1)), file: 'wal', calls: ['writev', 'writevSync', 'datasync', 'datasyncSync'] };
    case 'io-data':
      // The data file is written by checkpoints only (and its header when created).
      return { nth: r.int(1, Math.max(5, span >> 2)), file: 'data' };
    case 'io-wal-reset':
      // A checkpoint ends by rewriting the WAL header (the only positioned async write on the
      // log; commits use writev): a kill just before it follows the data file's fsync.
      return { nth: r.int(1, 3), file: 'wal', calls: ['write', 'truncate'] };
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

/** A child that has not opened the database after this long hangs in open or recovery. */
const OPEN_TIMEOUT_MS = 60_000;

/**
 * Arms the kill for one run; `at` resolves with where the child was when it was killed (or died
 * on its own). `stalled` is set when the child never got ready and had to be killed.
 */
function armKill(
  w: Writer,
  mode: KillMode,
  r: Rng,
  maxDelayMs: number,
): { at: Promise<{ inCheckpoint: boolean; beforeReady: boolean }>; stalled: () => boolean } {
  let timer: NodeJS.Timeout | null = null;
  let stalled = false;
  const openTimer = setTimeout(() => {
    stalled = true;
    fire();
  }, OPEN_TIMEOUT_MS);
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
      clearTimeout(openTimer);
      // Every mode has a fallback so that a run always ends.
      later(mode === 'random' ? delay : mode === 'open' ? 0 : maxDelayMs * 2 + 500);
    }
    if (mode === 'ack' && what === 'ack' && w.acked.length >= nthAck) fire();
    if (mode === 'checkpoint' && what === 'ckpt-begin' && ++ckpts >= nthCkpt) {
      if (ckptDelay === 0) fire();
      else later(ckptDelay);
    }
  });
  // A child that dies on its own (a self-kill, an error) ends the wait too.
  void w.exited.then(() => {
    if (timer !== null) clearTimeout(timer);
    clearTimeout(openTimer);
    resolveAt({ inCheckpoint: w.inCheckpoint, beforeReady: !w.ready });
  });
  return { at, stalled: () => stalled };
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
  const modes: Record<KillMode, number> = { random: 0, ack: 0, checkpoint: 0, open: 0, io: 0, 'io-wal': 0, 'io-data': 0, 'io-wal-reset': 0 };
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
      let pending: Pending = null;
      let rows = 0;
      if (armed.stalled()) {
        failure = `writer did not open the database within ${OPEN_TIMEOUT_MS / 1000} s (a hang in open or recovery?)`;
      } else if (exit.signal !== 'SIGKILL' || !w.killed) {
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
