// The shell's own commands, written on a line of their own starting with a dot.
import type { TableDef } from '../storage/ports.js';
import { createTableText } from './schema-text.js';

export interface DotContext {
  tables(): readonly TableDef[];
  timing: boolean;
  print(text: string): void;
  printError(text: string): void;
}

/** What the shell does after a dot command. */
export type DotOutcome = 'continue' | 'quit';

export const HELP_TEXT = `.help               this text
.tables             list the tables
.schema [table]     CREATE statements of every table, or of one
.timing on|off      show the time each statement takes
.quit               leave the shell (Ctrl-D does too)

SQL statements end with a semicolon; they may span lines.
Ctrl-C cancels the running statement, or clears the statement being typed.`;

export function isDotCommand(line: string): boolean {
  return line.trimStart().startsWith('.');
}

function sortedTables(ctx: DotContext): TableDef[] {
  return [...ctx.tables()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function runDotCommand(line: string, ctx: DotContext): DotOutcome {
  const [command = '', ...args] = line.trim().split(/\s+/);
  switch (command.toLowerCase()) {
    case '.quit':
    case '.exit':
    case '.q':
      return 'quit';
    case '.help':
    case '.h':
      ctx.print(HELP_TEXT);
      return 'continue';
    case '.tables': {
      const names = sortedTables(ctx).map((t) => t.name);
      if (names.length > 0) ctx.print(names.join('\n'));
      return 'continue';
    }
    case '.schema': {
      const wanted = args[0];
      const defs = sortedTables(ctx).filter((t) => wanted === undefined || t.name.toLowerCase() === wanted.toLowerCase());
      if (wanted !== undefined && defs.length === 0) ctx.printError(`Error: no such table: ${wanted}`);
      else if (defs.length > 0) ctx.print(defs.map(createTableText).join('\n'));
      return 'continue';
    }
    case '.timing': {
      const arg = args[0]?.toLowerCase();
      if (arg === 'on' || arg === 'off') {
        ctx.timing = arg === 'on';
        ctx.print(`Timing is ${arg}.`);
      } else if (arg === undefined) {
        // psql toggles when no argument is given.
        ctx.timing = !ctx.timing;
        ctx.print(`Timing is ${ctx.timing ? 'on' : 'off'}.`);
      } else ctx.printError('Usage: .timing on|off');
      return 'continue';
    }
    default:
      ctx.printError(`Error: unknown command: ${command}. Enter ".help" for help.`);
      return 'continue';
  }
}
