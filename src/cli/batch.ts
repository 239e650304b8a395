// Non-interactive input: a script on stdin (read line by line, so a long script streams) or the
// text of -c. Ctrl-C cancels the running statement and stops the script.
import { createInterface } from 'node:readline';
import type { LineOutcome, Shell } from './shell.js';
import type { StatementRunner } from './statement-runner.js';

export async function runStream(shell: Shell, runner: StatementRunner, input: NodeJS.ReadableStream): Promise<LineOutcome> {
  const rl = createInterface({ input, crlfDelay: Infinity, terminal: false });
  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
    runner.cancel();
    rl.close();
  };
  process.on('SIGINT', onSigint);
  try {
    for await (const line of rl) {
      const outcome = await shell.line(line);
      if (outcome !== 'continue') return outcome;
      if (interrupted) return 'failed';
    }
    if (interrupted) return 'failed';
    return await shell.finish();
  } finally {
    process.off('SIGINT', onSigint);
    rl.close();
  }
}

export async function runCommand(shell: Shell, runner: StatementRunner, text: string): Promise<LineOutcome> {
  const onSigint = (): void => {
    runner.cancel();
  };
  process.on('SIGINT', onSigint);
  try {
    return await shell.text(text);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
