#!/usr/bin/env node
// dispatchdb's SQL shell: `dispatchdb [file]` opens a database (default dispatch.db, or
// ':memory:'), then runs -c's text, a script (-f or stdin), or an interactive prompt on a terminal.
import { accessSync, constants, createReadStream } from 'node:fs';
import { Command } from 'commander';
import { Database } from '../api/database.js';
import { runCommand, runStream } from './batch.js';
import type { ViewInfo } from './dot-commands.js';
import { historyPath } from './history.js';
import { runInteractive } from './interactive.js';
import { Shell } from './shell.js';
import type { RunnerOutput } from './statement-runner.js';
import { StatementRunner } from './statement-runner.js';

interface CliOptions {
  readonly command?: string;
  readonly file?: string;
  readonly timing?: boolean;
  readonly bail?: boolean;
  readonly user?: string;
  readonly config?: string;
}

function line(stream: NodeJS.WriteStream): (text: string) => void {
  return (text) => {
    stream.write(`${text}\n`);
  };
}

/** Views for .tables / .schema, when this version of the Database can list them. */
function viewsOf(db: Database): (() => readonly ViewInfo[]) | undefined {
  const list = (db as { views?: unknown }).views;
  return typeof list === 'function' ? () => (list as () => readonly ViewInfo[]).call(db) : undefined;
}

async function main(argv: readonly string[]): Promise<number> {
  const program = new Command()
    .name('dispatchdb')
    .description('SQL shell of dispatchdb')
    .argument('[file]', "database file, or ':memory:'", 'dispatch.db')
    .option('-c, --command <sql>', 'run the SQL (or a dot command) and exit')
    .option('-f, --file <script>', 'run the statements of a script file and exit')
    .option('-t, --timing', 'print the time of each statement (the default at a terminal)')
    .option('--no-timing', 'do not print statement times')
    .option('-b, --bail', 'stop a script at its first failing statement')
    .option('-u, --user <name>', 'connect as this user instead of the owner')
    .option('--config <yaml>', 'configuration file (limits, timeouts, slow-query log, security level)')
    .showHelpAfterError();
  program.parse([...argv], { from: 'user' });
  const file = program.processedArgs[0] as string;
  const opts = program.opts<CliOptions>();

  const interactive = opts.command === undefined && opts.file === undefined && process.stdin.isTTY === true;
  if (opts.file !== undefined) {
    try {
      accessSync(opts.file, constants.R_OK);
    } catch (e) {
      process.stderr.write(`dispatchdb: cannot read ${opts.file}: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
  }
  let db: Database;
  try {
    db = await Database.open(file, opts.config === undefined ? {} : { config: opts.config });
  } catch (e) {
    process.stderr.write(`dispatchdb: cannot open ${file}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  try {
    const session = await db.connect(opts.user === undefined ? {} : { user: opts.user });
    const output: RunnerOutput = {
      out: line(process.stdout),
      err: line(process.stderr),
      progress: process.stderr.isTTY ? process.stderr : undefined,
    };
    // Times are shown at a terminal unless turned off; in scripts only when asked for.
    const timing = opts.timing ?? interactive;
    const runner = new StatementRunner(session, output, timing);
    const shell = new Shell({ runner, tables: () => db.tables(), views: viewsOf(db), output, stopOnError: opts.bail === true });

    if (opts.command !== undefined) {
      const outcome = await runCommand(shell, runner, opts.command);
      return outcome === 'failed' || shell.failures > 0 ? 1 : 0;
    }
    if (interactive) {
      process.stdout.write(`dispatchdb shell on ${file}. Enter ".help" for help.\n`);
      await runInteractive({
        shell,
        runner,
        tables: () => db.tables(),
        input: process.stdin,
        output: process.stdout,
        historyFile: historyPath(),
      });
      return 0;
    }
    const input = opts.file === undefined ? process.stdin : createReadStream(opts.file, 'utf8');
    const outcome = await runStream(shell, runner, input);
    return outcome === 'failed' || shell.failures > 0 ? 1 : 0;
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // Let stdout drain before leaving: a pipe reader must get every line.
    process.stdout.write('', () => process.exit(code));
  },
  (e: unknown) => {
    process.stderr.write(`dispatchdb: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  },
);
