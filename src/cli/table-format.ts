// Prints results the way psql does: an aligned table with a header rule and a row count for
// statements that return rows, a command tag ('INSERT 0 3', 'UPDATE 2', 'CREATE TABLE') for
// the others.
import type { ColumnInfo, QueryResult, SqlValue } from '../api/types.js';

const NUMERIC_TYPES: ReadonlySet<string> = new Set(['integer', 'bigint', 'real', 'numeric']);

/** A value as one table cell: NULL spelled out, bytes as \x hex, control characters escaped. */
export function renderValue(v: SqlValue): string {
  if (v === null) return 'NULL';
  switch (typeof v) {
    case 'string':
      return /[\x00-\x1f\x7f]/.test(v) ? escapeControl(v) : v;
    case 'number':
    case 'bigint':
      return String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      return `\\x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
  }
}

function escapeControl(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]/g, (c) => {
    switch (c) {
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
    }
  });
}

/** Display width: characters outside the BMP and combining marks are rare enough to count as one. */
function width(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    n += isWide(cp) ? 2 : 1;
  }
  return n;
}

/** East Asian wide and emoji ranges take two columns in a terminal. */
function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

function padEnd(s: string, w: number): string {
  return s + ' '.repeat(Math.max(0, w - width(s)));
}

function padStart(s: string, w: number): string {
  return ' '.repeat(Math.max(0, w - width(s))) + s;
}

function center(s: string, w: number): string {
  const space = Math.max(0, w - width(s));
  const left = Math.floor(space / 2);
  return ' '.repeat(left) + s + ' '.repeat(space - left);
}

function isNumericColumn(col: ColumnInfo, rows: readonly (readonly SqlValue[])[], index: number): boolean {
  if (NUMERIC_TYPES.has(col.type)) return true;
  if (col.type !== 'any') return false;
  // Untyped columns (expressions the engine could not type) are numeric if every value is.
  let seen = false;
  for (const row of rows) {
    const v = row[index];
    if (v === null || v === undefined) continue;
    if (typeof v !== 'number' && typeof v !== 'bigint') return false;
    seen = true;
  }
  return seen;
}

/** An aligned table: centred header, a rule, one line per row, then '(N rows)'. */
export function formatTable(columns: readonly ColumnInfo[], rows: readonly (readonly SqlValue[])[]): string {
  const cells = rows.map((row) => columns.map((_, i) => renderValue(row[i] ?? null)));
  const widths = columns.map((c, i) => Math.max(width(c.name), ...cells.map((r) => width(r[i]!))));
  const numeric = columns.map((c, i) => isNumericColumn(c, rows, i));
  const lines: string[] = [];
  lines.push(` ${columns.map((c, i) => center(c.name, widths[i]!)).join(' | ')}`.trimEnd());
  lines.push(widths.map((w) => '-'.repeat(w + 2)).join('+'));
  for (const row of cells) {
    const text = row.map((cell, i) => (numeric[i] ? padStart(cell, widths[i]!) : padEnd(cell, widths[i]!))).join(' | ');
    lines.push(` ${text}`.trimEnd());
  }
  lines.push(`(${rows.length} ${rows.length === 1 ? 'row' : 'rows'})`);
  return lines.join('\n');
}

/** psql's command tag: INSERT carries the legacy OID 0; row counts follow the verbs that change rows. */
export function commandTag(result: Pick<QueryResult, 'command' | 'rowsAffected'>): string {
  const command = result.command.toUpperCase();
  switch (command) {
    case 'INSERT':
      return `INSERT 0 ${result.rowsAffected}`;
    case 'UPDATE':
    case 'DELETE':
    case 'MERGE':
    case 'SELECT':
    case 'COPY':
    case 'FETCH':
    case 'MOVE':
      return `${command} ${result.rowsAffected}`;
    default:
      return command;
  }
}

/**
 * What the shell prints for a result: a table when the statement returns columns (followed by
 * an empty line, as psql separates result blocks), else its command tag.
 */
export function formatResult(result: QueryResult): string {
  if (result.columns.length === 0) return commandTag(result);
  const table = `${formatTable(result.columns, result.rows as readonly (readonly SqlValue[])[])}\n`;
  // A data change with RETURNING shows its rows and then its tag, as psql does.
  return RETURNING_TAGS.has(result.command.toUpperCase()) ? `${table}\n${commandTag(result)}` : table;
}

const RETURNING_TAGS: ReadonlySet<string> = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);
