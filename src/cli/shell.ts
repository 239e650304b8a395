// The shell's handling of input, shared by the interactive prompt, stdin scripts and -c: a line
// starting with a dot (outside a statement) is a dot command, anything else is SQL that runs as
// soon as a semicolon completes a statement.
import type { TableDef } from '../storage/ports.js';
import type { DotContext, ViewInfo } from './dot-commands.js';
import { isDotCommand, runDotCommand } from './dot-commands.js';
import type { RunnerOutput, StatementRunner } from './statement-runner.js';
import { StatementSplitter } from './statement-splitter.js';

export type LineOutcome = 'continue' | 'quit' | 'failed';

export interface ShellOptions {
  readonly runner: StatementRunner;
  readonly tables: () => readonly TableDef[];
  readonly views?: (() => readonly ViewInfo[]) | undefined;
  readonly output: RunnerOutput;
  /** Stop at the first failing statement (scripts with --bail). */
  readonly stopOnError?: boolean;
}

export class Shell {
  readonly #splitter = new StatementSplitter();
  readonly #runner: StatementRunner;
  readonly #stopOnError: boolean;
  readonly #dot: DotContext;
  /** Statements that failed so far (the exit status of scripts). */
  failures = 0;

  constructor(opts: ShellOptions) {
    this.#runner = opts.runner;
    this.#stopOnError = opts.stopOnError ?? false;
    const runner = opts.runner;
    this.#dot = {
      tables: opts.tables,
      views: opts.views,
      get timing() {
        return runner.timing;
      },
      set timing(on: boolean) {
        runner.timing = on;
      },
      print: (t) => opts.output.out(t),
      printError: (t) => opts.output.err(t),
    };
  }

  /** A statement has been started and not finished. */
  get pending(): boolean {
    return this.#splitter.pending;
  }

  /** Drops the statement being typed (Ctrl-C at the prompt). */
  discardInput(): void {
    this.#splitter.reset();
  }

  async line(line: string): Promise<LineOutcome> {
    if (!this.#splitter.pending && isDotCommand(line)) {
      return runDotCommand(line, this.#dot) === 'quit' ? 'quit' : 'continue';
    }
    return this.#runAll(this.#splitter.push(`${line}\n`));
  }

  /** Text that may hold several statements (-c); a last one without ';' runs too. */
  async text(text: string): Promise<LineOutcome> {
    if (isDotCommand(text)) return runDotCommand(text, this.#dot) === 'quit' ? 'quit' : 'continue';
    const outcome = await this.#runAll(this.#splitter.push(text));
    if (outcome !== 'continue') return outcome;
    return this.finish();
  }

  /** End of input: runs an unterminated last statement, as psql does. */
  async finish(): Promise<LineOutcome> {
    const last = this.#splitter.flush();
    return last === undefined ? 'continue' : this.#runAll([last]);
  }

  async #runAll(statements: readonly string[]): Promise<LineOutcome> {
    for (const sql of statements) {
      if (!(await this.#runner.run(sql))) {
        this.failures++;
        if (this.#stopOnError) return 'failed';
      }
    }
    return 'continue';
  }
}
