// Runs a script file in a worker thread with a deadline. A file past its deadline is stopped
// (the worker is terminated) and every record that did not finish counts as failed; a worker
// that crashes is reported the same way, and the runner goes on with the next file.
import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { EngineName } from './engine.js';
import { isTestRecord, parseScript } from './parser.js';
import type { Counts, RecordFailure, ScriptReport } from './runner.js';

export interface WorkerJob {
  readonly file: string;
  readonly engine: EngineName;
  readonly dbPath?: string | undefined;
  readonly statementTimeoutMs?: number | undefined;
  readonly maxFailures: number;
}

export type WorkerMessage =
  | { readonly type: 'start'; readonly total: number }
  | { readonly type: 'counts'; readonly counts: Counts }
  | { readonly type: 'failure'; readonly failure: RecordFailure }
  | { readonly type: 'done'; readonly report: ScriptReport };

const WORKER_URL = new URL('./worker.ts', import.meta.url).href;

// The worker is TypeScript: a tiny bootstrap registers tsx's loader in the worker's own thread
// before importing it (a loader registered by the parent does not reach workers on Node 20).
const BOOTSTRAP = `import(${JSON.stringify(tsxApi())}).then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL)}); })`;

/** Resolved here, since a worker evaluated from a string resolves bare names from the cwd. */
function tsxApi(): string {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    return 'tsx/esm/api';
  }
}

export async function runFileIsolated(job: WorkerJob, timeoutMs: number): Promise<ScriptReport> {
  const started = performance.now();
  // Counted here too, so a worker that dies before reporting still fails every record.
  let total = parseScript(await readFile(job.file, 'utf8')).filter(isTestRecord).length;
  let counts: Counts = { passed: 0, failed: 0, skipped: 0 };
  const failures: RecordFailure[] = [];

  const worker = new Worker(BOOTSTRAP, {
    eval: true,
    workerData: job,
    // A runaway query must not take the whole runner's memory with it.
    resourceLimits: { maxOldGenerationSizeMb: 3072 },
    stdout: false,
    stderr: false,
  });

  return new Promise<ScriptReport>((resolve) => {
    let settled = false;
    const finish = (report: ScriptReport): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(report);
    };
    const stoppedReport = (reason: string): ScriptReport => {
      const failed = Math.max(counts.failed, total - counts.passed - counts.skipped);
      return {
        passed: counts.passed,
        failed,
        skipped: counts.skipped,
        total,
        failures: [...failures, { line: 0, sql: '', reason }],
        halted: false,
        stopped: reason,
        elapsedMs: performance.now() - started,
      };
    };

    const timer = setTimeout(() => {
      finish(stoppedReport(`timed out after ${Math.round(timeoutMs / 1000)} s`));
      void worker.terminate();
    }, timeoutMs);

    worker.on('message', (m: WorkerMessage) => {
      switch (m.type) {
        case 'start':
          total = m.total;
          break;
        case 'counts':
          counts = m.counts;
          break;
        case 'failure':
          failures.push(m.failure);
          break;
        case 'done':
          finish(m.report);
          void worker.terminate();
          break;
      }
    });
    worker.on('error', (e) => {
      finish(stoppedReport(`worker crashed: ${e instanceof Error ? e.message : String(e)}`));
    });
    worker.on('exit', (code) => {
      finish(stoppedReport(`worker exited with code ${code} before finishing`));
    });
  });
}
