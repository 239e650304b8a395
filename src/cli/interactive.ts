// The interactive prompt: readline with history, `dispatchdb> ` and `      ...> ` prompts,
// Ctrl-C cancelling the running statement (or the one being typed), Ctrl-D or .quit leaving.
import { createInterface } from 'node:readline';
import { HISTORY_SIZE, loadHistory, saveHistory } from './history.js';
import type { Shell } from './shell.js';
import type { StatementRunner } from './statement-runner.js';

export const PROMPT = 'dispatchdb> ';
export const CONTINUATION = '      ...> ';

export interface InteractiveOptions {
  readonly shell: Shell;
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

  reprompt();
  for await (const line of rl) {
    const outcome = await shell.line(line);
    if (outcome === 'quit') break;
    reprompt();
  }
  rl.close();
  output.write('\n');
}
