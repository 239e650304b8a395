// node-sql-parser's grammar backtracks exponentially on some nestings of parenthesized queries:
// `SELECT (SELECT 1 + (SELECT 1 + ...) AS x) AS x` doubles its parse time with each level, so a
// 4 KB statement never finishes and freezes the process. A parse cannot be interrupted on the
// thread that runs it, so texts with several query parentheses are parsed on a worker thread under
// a time budget: past it the worker is dropped and the statement is refused with 54001. The
// caller waits synchronously (Atomics.wait), as it would for a parse of its own.
import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { DispatcherError } from '../api/errors.js';

/** Texts with fewer query parentheses than this parse in place (their cost is at most ~2^4 parses). */
const SUSPICIOUS_QUERY_PARENS = 5;
const QUERY_PAREN = /\(\s*(?:SELECT|WITH|VALUES)\b/gi;
/** Time a guarded parse may take, after the worker is ready. */
const PARSE_BUDGET_MS = 2000;
const STARTUP_BUDGET_MS = 15_000;

// Plain JavaScript: the worker loads the same parser build as the analyser.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { Parser } = require(workerData.parserPath);
const parser = new Parser();
const flag = new Int32Array(workerData.flag);
const port = workerData.port;
const done = (reply) => {
  try { port.postMessage(reply); }
  catch (e) { port.postMessage({ id: reply.id, error: { name: 'Error', message: 'unclonable parse result: ' + e.message } }); }
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
};
port.on('message', ({ id, text, options }) => {
  try { done({ id, ast: parser.astify(text, options) }); }
  catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    done({ id, error: { name: err.name, message: err.message, location: err.location, expected: err.expected, found: err.found } });
  }
});
done({ id: 0, ready: true });
`;

interface Reply {
  readonly id: number;
  readonly ready?: boolean;
  readonly ast?: unknown;
  readonly error?: { readonly name: string; readonly message: string; readonly location?: unknown; readonly expected?: unknown; readonly found?: unknown };
}

function tooComplex(reason: string): DispatcherError {
  return new DispatcherError('54001', `statement is too complex (${reason})`);
}

/** The error the parser threw, rebuilt on this side with what the analyser reads of it. */
function rebuild(e: NonNullable<Reply['error']>): Error {
  const err = e.name === 'RangeError' ? new RangeError(e.message) : new Error(e.message);
  if (e.name !== 'RangeError') err.name = e.name;
  const extra = err as Error & { location?: unknown; expected?: unknown; found?: unknown };
  if (e.location !== undefined) extra.location = e.location;
  if (e.expected !== undefined) extra.expected = e.expected;
  if (e.found !== undefined) extra.found = e.found;
  return err;
}

class GuardWorker {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #flag = new Int32Array(new SharedArrayBuffer(4));
  #ready = false;
  #nextId = 1;

  constructor() {
    const { port1, port2 } = new MessageChannel();
    const parserPath = createRequire(import.meta.url).resolve('node-sql-parser/build/postgresql.js');
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { parserPath, flag: this.#flag.buffer, port: port2 },
      transferList: [port2],
    });
    this.#worker.unref();
    this.#port = port1;
    this.#port.unref();
  }

  /** Waits up to `ms` for the reply to `id`; undefined on timeout. */
  #await(id: number, ms: number): Reply | undefined {
    const deadline = performance.now() + ms;
    for (;;) {
      const m = receiveMessageOnPort(this.#port);
      if (m !== undefined) {
        const r = m.message as Reply;
        if (r.id === id) return r;
        continue;
      }
      const left = deadline - performance.now();
      if (left <= 0) return undefined;
      Atomics.wait(this.#flag, 0, 0, Math.min(left, 50));
      Atomics.store(this.#flag, 0, 0);
    }
  }

  parse(text: string, options: unknown): unknown {
    if (!this.#ready) {
      if (this.#await(0, STARTUP_BUDGET_MS) === undefined) throw tooComplex('the parser did not start');
      this.#ready = true;
    }
    const id = this.#nextId++;
    Atomics.store(this.#flag, 0, 0);
    this.#port.postMessage({ id, text, options });
    const r = this.#await(id, PARSE_BUDGET_MS);
    if (r === undefined) throw tooComplex(`parsing took longer than ${PARSE_BUDGET_MS} ms`);
    if (r.error !== undefined) throw rebuild(r.error);
    return r.ast;
  }

  terminate(): void {
    this.#port.close();
    void this.#worker.terminate();
  }
}

let guard: GuardWorker | null = null;

/** Parses `text` with `astify`, or on the guard worker when its shape risks exponential parse time. */
export function boundedParse(text: string, options: unknown, astify: (text: string) => unknown): unknown {
  QUERY_PAREN.lastIndex = 0;
  let n = 0;
  while (QUERY_PAREN.exec(text) !== null) if (++n >= SUSPICIOUS_QUERY_PARENS) break;
  if (n < SUSPICIOUS_QUERY_PARENS) return astify(text);
  guard ??= new GuardWorker();
  try {
    return guard.parse(text, options);
  } catch (e) {
    // a worker that ran out of time is still busy: drop it, the next guarded parse starts another
    if (e instanceof DispatcherError) {
      guard.terminate();
      guard = null;
    }
    throw e;
  }
}
