// Runs one statement for the shell: shows progress while it runs, lets Ctrl-C cancel it, then
// prints its result (table or command tag), its error, and its time.
import type { ArrayRow, ExecuteOptions, QueryHandle, QueryResult, SqlValue } from '../api/types.js';
import { formatError } from './error-format.js';
import type { ProgressTarget } from './progress-line.js';
import { ProgressLine } from './progress-line.js';
import { formatResult } from './table-format.js';

/** What the shell needs of a session. */
export interface ShellSession {
  query(sql: string, params?: readonly SqlValue[], options?: ExecuteOptions & { rowMode?: 'array' }): QueryHandle<ArrayRow>;
}

export interface RunnerOutput {
  out(text: string): void;
  err(text: string): void;
  /** Where the live progress line goes (a terminal); none in scripts. */
  readonly progress?: ProgressTarget | undefined;
}

export function formatTime(ms: number): string {
  return `Time: ${ms.toFixed(3)} ms`;
}

export class StatementRunner {
  readonly #session: ShellSession;
  readonly #output: RunnerOutput;
  readonly #progress: ProgressLine | undefined;
  #current: QueryHandle<ArrayRow> | undefined;
  timing: boolean;

  constructor(session: ShellSession, output: RunnerOutput, timing: boolean) {
    this.#session = session;
    this.#output = output;
    this.#progress = output.progress === undefined ? undefined : new ProgressLine(output.progress);
    this.timing = timing;
  }

  get running(): boolean {
    return this.#current !== undefined;
  }

  /** Cancels the running statement; false when none runs. */
  cancel(): boolean {
    const q = this.#current;
    if (q === undefined) return false;
    // Erase the progress line first, so what follows starts on a clean line.
    this.#progress?.stop();
    q.cancel();
    return true;
  }

  /** Runs one statement and prints what it gives; resolves false when it failed. */
  async run(sql: string): Promise<boolean> {
    const started = performance.now();
    let result: QueryResult<ArrayRow> | undefined;
    let error: unknown;
    try {
      const q = this.#session.query(sql, [], { rowMode: 'array' });
      this.#current = q;
      this.#progress?.start(q.progress$);
      result = await q.result;
    } catch (e) {
      error = e;
    } finally {
      this.#current = undefined;
      this.#progress?.stop();
    }
    const elapsed = performance.now() - started;
    if (result !== undefined) this.#output.out(formatResult(result));
    else this.#output.err(formatError(error, sql));
    if (this.timing) this.#output.out(formatTime(elapsed));
    return result !== undefined;
  }
}
