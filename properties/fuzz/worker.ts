// The child process of `npm run fuzz`: runs the batches its parent hands it and reports back.
// It runs in its own process so that a crash or a synchronous hang is seen by the parent (which
// kills a silent child) instead of taking the whole run down. Before each case it writes the
// case's index into a small file, so the parent can name the exact case of a crash or a hang.
import fc from 'fast-check';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchCases, runCases, Tally } from './batch.js';
import { misuseSequence, MisuseRunner } from './misuse.js';
import { EscapeTrap, FuzzTarget, Violation, verifyFile, type OracleOptions } from './oracle.js';

export interface BatchRequest {
  readonly type: 'batch';
  readonly seed: number;
  readonly batch: number;
  readonly count: number;
  readonly misuse: number;
  readonly oracle: OracleOptions;
  /** Keep the database files of a batch with a violation (their directory is reported). */
  readonly keep: boolean;
}

export interface BatchReport {
  readonly type: 'done';
  readonly batch: number;
  readonly tally: ReturnType<Tally['toJSON']>;
  readonly misuseOutcomes: [string, number][];
  readonly misuseSequences: number;
  readonly violations: string[];
  readonly cpuMs: number;
  readonly dir: string | null;
}

export interface ProgressReport {
  readonly type: 'progress';
  readonly batch: number;
  readonly index: number;
}

/** Case index positions: 'where am I' for the parent after a crash or hang. */
const MISUSE_MARK = 1_000_000_000;

export function misuseSeed(seed: number, batch: number): number {
  return (Math.imul(seed ^ 0x2c1b3c6d, 0x297a2d39) + batch * 7919) | 0;
}

async function runBatch(req: BatchRequest, markFd: number): Promise<BatchReport> {
  const cpu0 = process.cpuUsage();
  // under the parent's work directory, which it removes at the end (a killed child cannot clean up)
  const dir = mkdtempSync(join(process.env['FUZZ_WORK_DIR'] ?? tmpdir(), 'batch-'));
  const trap = new EscapeTrap().install();
  const tally = new Tally();
  const violations: string[] = [];
  const note = (v: Violation | unknown): void => {
    if (violations.length < 50) violations.push(v instanceof Violation ? v.message : `harness error: ${v instanceof Error ? (v.stack ?? v.message) : String(v)}`);
  };
  const mark = (i: number): void => {
    const b = Buffer.alloc(16);
    b.writeInt32LE(req.batch, 0);
    b.writeInt32LE(i, 4);
    writeSync(markFd, b, 0, 16, 0);
  };
  let lastSent = 0;
  const onCase = (i: number): void => {
    mark(i);
    const now = performance.now();
    if (now - lastSent > 250) {
      lastSent = now;
      process.send?.({ type: 'progress', batch: req.batch, index: i } satisfies ProgressReport);
    }
  };
  let misuseOutcomes = new Map<string, number>();
  try {
    const cases = batchCases(req.seed, req.batch, req.count);
    // Every eighth batch syncs for real, to run the fsync paths too.
    const target = new FuzzTarget(join(dir, 'fuzz.db'), { durable: req.batch % 8 === 7 });
    await target.open(true);
    // Half-way the file is closed, checked, and reopened: the second half runs on a reused file.
    const half = Math.floor(cases.length / 2);
    try {
      await runCases(target, cases.slice(0, half), req.oracle, trap, tally, 0, onCase, note);
      await target.closeAndVerify(`batch ${req.batch} half-way`, req.oracle.hangMs);
      await target.open(false);
      await runCases(target, cases.slice(half), req.oracle, trap, tally, half, onCase, note);
      const problems = target.db.integrityCheck();
      if (problems.length > 0) note(new Violation(`integrity check of the open database: ${problems.slice(0, 5).join('; ')}`, `batch ${req.batch}`));
      await target.closeAndVerify(`batch ${req.batch} end`, req.oracle.hangMs);
    } catch (e) {
      note(e);
    }
    const sequences = fc.sample(misuseSequence, { seed: misuseSeed(req.seed, req.batch), numRuns: req.misuse });
    for (let k = 0; k < sequences.length; k++) {
      mark(MISUSE_MARK + k);
      const path = join(dir, `misuse-${k}.db`);
      const runner = new MisuseRunner(path, req.oracle.hangMs, trap);
      try {
        await runner.run(sequences[k]!);
        await verifyFile(path, `misuse sequence ${k}`, req.oracle.hangMs);
      } catch (e) {
        note(e instanceof Violation ? new Violation(`misuse sequence ${k}: ${e.message.split('\n')[0]}`, e.detail) : e);
      }
      for (const [key, n] of runner.outcomes) misuseOutcomes.set(key, (misuseOutcomes.get(key) ?? 0) + n);
    }
  } catch (e) {
    note(e);
  } finally {
    trap.uninstall();
  }
  const keep = req.keep && violations.length > 0;
  if (!keep) rmSync(dir, { recursive: true, force: true });
  const cpu = process.cpuUsage(cpu0);
  const report: BatchReport = {
    type: 'done',
    batch: req.batch,
    tally: tally.toJSON(),
    misuseOutcomes: [...misuseOutcomes],
    misuseSequences: req.misuse,
    violations,
    cpuMs: (cpu.user + cpu.system) / 1000,
    dir: keep ? dir : null,
  };
  misuseOutcomes = new Map();
  return report;
}

/** Started by run.ts with FUZZ_MARK_FILE: serves batch requests until disconnected. */
export function serve(): void {
  const markFile = process.env['FUZZ_MARK_FILE'];
  if (markFile === undefined || process.send === undefined) throw new Error('worker.ts is started by run.ts');
  const markFd = openSync(markFile, 'w');
  let queue = Promise.resolve();
  process.on('message', (m: BatchRequest) => {
    if (m.type !== 'batch') return;
    queue = queue.then(async () => {
      const report = await runBatch(m, markFd);
      process.send?.(report);
    });
  });
  process.on('disconnect', () => {
    closeSync(markFd);
    process.exit(0);
  });
}

serve();
