// Errors as psql shows them: `ERROR:  message`, the statement line with a caret under the
// position when the error has one (syntax errors), and the SQLSTATE.

export interface ShownError {
  readonly message: string;
  readonly sqlState?: string | undefined;
  /** 1-based character position in the statement. */
  readonly position?: number | undefined;
}

/** Reads what the shell can show from anything thrown (DispatcherError or not). */
export function describeError(e: unknown): ShownError {
  if (e instanceof Error) {
    const { sqlState, position } = e as { sqlState?: unknown; position?: unknown };
    return {
      message: e.message,
      sqlState: typeof sqlState === 'string' ? sqlState : undefined,
      position: typeof position === 'number' ? position : undefined,
    };
  }
  return { message: String(e) };
}

const MAX_CONTEXT = 60;

/** The `LINE n: ...` line and the caret line under the 1-based position of `sql`. */
export function caretLines(sql: string, position: number): string[] {
  const index = Math.min(Math.max(position - 1, 0), sql.length);
  const lineStart = sql.lastIndexOf('\n', index - 1) + 1;
  let lineEnd = sql.indexOf('\n', index);
  if (lineEnd < 0) lineEnd = sql.length;
  const lineNo = sql.slice(0, lineStart).split('\n').length;
  let text = sql.slice(lineStart, lineEnd).replace(/\t/g, ' ');
  let column = index - lineStart;
  // Long lines are cut around the position, as psql does, so the caret stays on screen.
  let prefix = '';
  if (column > MAX_CONTEXT) {
    const cut = column - Math.floor(MAX_CONTEXT / 2);
    text = text.slice(cut);
    column -= cut;
    prefix = '...';
  }
  if (text.length > MAX_CONTEXT * 2) text = `${text.slice(0, MAX_CONTEXT * 2)}...`;
  const head = `LINE ${lineNo}: ${prefix}`;
  return [head + text, ' '.repeat(head.length + column) + '^'];
}

export function formatError(e: unknown, sql?: string): string {
  const err = describeError(e);
  const lines = [`ERROR:  ${err.message}`];
  if (sql !== undefined && err.position !== undefined && err.position > 0) lines.push(...caretLines(sql, err.position));
  if (err.sqlState !== undefined) lines.push(`SQLSTATE: ${err.sqlState}`);
  return lines.join('\n');
}
