// The interactive prompt: readline with history, `dispatchdb> ` and `      ...> ` prompts,
// Ctrl-C cancelling the running statement (or the one being typed), Ctrl-D or .quit leaving.
import { createInterface } from 'node:readline';
import type { TableDef } from '../storage/ports.js';
import type { Completion } from './completion.js';
import { complete } from './completion.js';
import { HISTORY_SIZE, loadHistory, saveHistory } from './history.js';
import type { Shell } from './shell.js';
import type { StatementRunner } from './statement-runner.js';

export const PROMPT = 'dispatchdb> ';
export const CONTINUATION = '      ...> ';

export interface InteractiveOptions {
  readonly shell: Shell;
  /** Tables for tab completion. */
  readonly tables?: (() => readonly TableDef[]) | undefined;
  readonly runner: StatementRunner;
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
  readonly historyFile: string | undefined;
}

export async function runInteractive(opts: InteractiveOptions): Promise<void> {
  const { shell, runner, output } = opts;
  const history = opts.historyFile === undefined ? [] : loadHistory(opts.historyFile);
  const rl = createInterface({
    input: opts.input,
    output,
    prompt: PROMPT,
    terminal: true,
    history,
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    completer: (line: string): Completion => {
      try {
        return complete(line, opts.tables?.() ?? []);
      } catch {
        return [[], line];
      }
    },
  });
  if (opts.historyFile !== undefined) {
    const file = opts.historyFile;
    rl.on('history', (h: string[]) => saveHistory(file, h));
  }

  const reprompt = (): void => {
    rl.setPrompt(shell.pending ? CONTINUATION : PROMPT);
    rl.prompt();
  };

  rl.on('SIGINT', () => {
    // A running statement ends with a 'canceling statement' error, then the prompt comes back.
    if (runner.cancel()) return;
    if (shell.pending || rl.line !== '') {
      shell.discardInput();
      output.write('^C\n');
      // Clear what was typed on the current line too.
      rl.write(null, { ctrl: true, name: 'u' });
      reprompt();
      return;
    }
    output.write('\n(To exit, press Ctrl-D or type .quit)\n');
    reprompt();
  });

  // Lines of the statement being typed, so that once it is complete the history holds it as
  // one entry (Up then recalls the whole statement, not its last line).
  let typed: string[] = [];
  reprompt();
  for await (const line of rl) {
    if (line.trim() !== '') typed.push(line);
    const outcome = await shell.line(line);
    if (outcome === 'quit') break;
    if (!shell.pending) {
      if (typed.length > 1 && joinHistory(rl, typed) && opts.historyFile !== undefined) {
        saveHistory(opts.historyFile, historyOf(rl) ?? []);
      }
      typed = [];
    }
    reprompt();
  }
  rl.close();
  output.write('\n');
}

/** readline keeps its history in a public-at-runtime array the typings do not declare. */
function historyOf(rl: object): string[] | undefined {
  const h = (rl as { history?: unknown }).history;
  return Array.isArray(h) ? (h as string[]) : undefined;
}

/** Replaces the newest history entries, when they are exactly `lines`, by one joined entry. */
export function joinHistory(rl: object, lines: readonly string[]): boolean {
  const h = historyOf(rl);
  if (h === undefined || h.length < lines.length) return false;
  const newest = h.slice(0, lines.length).reverse();
  if (!newest.every((l, i) => l === lines[i])) return false;
  h.splice(0, lines.length, lines.map((l) => l.trim()).join(' '));
  return true;
}
