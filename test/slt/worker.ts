// Worker-thread entry: runs one script file and streams its progress to the parent, so the
// parent can stop a file that hangs (even in a synchronous loop) and still report what ran.
import { parentPort, workerData } from 'node:worker_threads';
import { loadEngine } from './engine.js';
import type { WorkerJob, WorkerMessage } from './isolated.js';
import { runFile } from './runner.js';

const job = workerData as WorkerJob;
const port = parentPort;
if (port === null) throw new Error('worker.ts runs only as a worker thread');
const post = (m: WorkerMessage): void => port.postMessage(m);

let lastPost = 0;
let kept = 0;
const factory = await loadEngine(job.engine);
const report = await runFile(job.file, factory, {
  ...(job.dbPath !== undefined ? { path: job.dbPath } : {}),
  ...(job.statementTimeoutMs !== undefined ? { statementTimeoutMs: job.statementTimeoutMs } : {}),
  maxFailures: job.maxFailures,
  onStart: (total) => post({ type: 'start', total }),
  onRecord: (counts, failure) => {
    // Failures go out at once (they are few and must survive a hang); counts at most every 100 ms.
    if (failure !== undefined && kept < job.maxFailures) {
      kept++;
      post({ type: 'failure', failure });
    }
    const now = performance.now();
    if (now - lastPost >= 100) {
      lastPost = now;
      post({ type: 'counts', counts: { ...counts } });
    }
  },
});
post({ type: 'done', report });
