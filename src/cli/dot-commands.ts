// The shell's own commands, written on a line of their own starting with a dot.
import type { TableDef } from '../storage/ports.js';
import { createTableText } from './schema-text.js';

/** A view as the shell lists it: its name and the statement that created it. */
export interface ViewInfo {
  readonly name: string;
  readonly sql: string;
}

export interface DotContext {
  tables(): readonly TableDef[];
  /** Views, when the database can list them. */
  views?: (() => readonly ViewInfo[]) | undefined;
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

function sortedViews(ctx: DotContext): ViewInfo[] {
  return [...(ctx.views?.() ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
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
      const names = [...sortedTables(ctx).map((t) => t.name), ...sortedViews(ctx).map((v) => v.name)].sort();
      if (names.length > 0) ctx.print(names.join('\n'));
      return 'continue';
    }
    case '.schema': {
      const wanted = args[0]?.toLowerCase();
      const match = (name: string): boolean => wanted === undefined || name.toLowerCase() === wanted;
      const texts = [
        ...sortedTables(ctx).filter((t) => match(t.name)).map(createTableText),
        ...sortedViews(ctx).filter((v) => match(v.name)).map((v) => `${v.sql.trim().replace(/;$/, '')};`),
      ];
      if (wanted !== undefined && texts.length === 0) ctx.printError(`Error: no such table: ${args[0] ?? ''}`);
      else if (texts.length > 0) ctx.print(texts.join('\n'));
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
