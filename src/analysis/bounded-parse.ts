// node-sql-parser's grammar backtracks exponentially on nested parentheses: a syntax error under
// ten levels (`SELECT -(-(-(-(-(-(-(-(-(-(1`) or a few nested scalar subqueries
// (`SELECT (SELECT 1 + (SELECT ...) AS x) AS x`) take seconds, twenty levels never finish, and the
// process freezes. A parse cannot be interrupted on the thread that runs it, so texts nested that
// deep are parsed on a worker thread under a time budget: past it the worker is dropped and the
// statement is refused with 54001. The caller waits synchronously (Atomics.wait), as it would for
// a parse of its own.
import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { DispatcherError } from '../api/errors.js';
import { Tok, tokenize } from './tokenizer.js';

/** Parenthesis depth parsed in place: a failing parse costs at most a few dozen ms below it. */
const GUARDED_DEPTH = 5;
/** Parenthesized queries parsed in place: nested scalar subqueries cost ~2^n even when valid. */
const GUARDED_QUERIES = 5;
/** Time a guarded parse may take, after the worker is ready. */
const PARSE_BUDGET_MS = 2000;
const STARTUP_BUDGET_MS = 15_000;

interface ParenScan {
  /** Nested deep enough (or with enough parenthesized queries) to risk an exponential parse. */
  readonly risky: boolean;
  /** Offset of the first unmatched `)`, or the text's length when a `(` is never closed; null when balanced. */
  readonly unbalancedAt: number | null;
}

/** Parenthesis depth, query parentheses and balance of `text`, on the analyser's tokens. */
export function scanParens(text: string): ParenScan {
  let tokens;
  try {
    tokens = tokenize(text);
  } catch {
    return { risky: true, unbalancedAt: null };
  }
  let depth = 0;
  let max = 0;
  let queries = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type !== Tok.Punct) continue;
    if (t.text === '(') {
      if (++depth > max) max = depth;
      const next = tokens[i + 1];
      if (next !== undefined && next.type === Tok.Word && (next.text === 'SELECT' || next.text === 'WITH' || next.text === 'VALUES')) queries++;
    } else if (t.text === ')') {
      if (depth === 0) return { risky: true, unbalancedAt: t.start };
      depth--;
    }
  }
  return { risky: max >= GUARDED_DEPTH || queries >= GUARDED_QUERIES, unbalancedAt: depth > 0 ? text.length : null };
}

/** Whether `text` nests parentheses (or parenthesized queries) deep enough to risk an exponential parse. */
export function risksSlowParse(text: string): boolean {
  return scanParens(text).risky;
}

/** A syntax error shaped like the grammar's (the analyser maps `location` back to the statement). */
function unbalanced(text: string, offset: number): Error {
  const e = new Error(offset >= text.length ? 'unbalanced parentheses: end of input' : 'unbalanced parentheses: unexpected ")"') as Error & {
    location: { start: { offset: number; line: number; column: number } };
  };
  e.name = 'SyntaxError';
  e.location = { start: { offset, line: 1, column: offset + 1 } };
  return e;
}

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
  const scan = scanParens(text);
  if (!scan.risky) return astify(text);
  // Unbalanced nesting is the common way to make the grammar backtrack without end: no parse needed.
  if (scan.unbalancedAt !== null) throw unbalanced(text, scan.unbalancedAt);
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
