// Parse errors: node-sql-parser's failures (PEG SyntaxErrors with a location in the shape text,
// plain Errors from its grammar actions) as the project's DispatcherError — 42601 with a
// position and caret line in the original text — and any other failure of analysis as one too.
import { DispatcherError, SqlState, isDispatcherError } from '../api/errors.js';
import { caretLine, syntaxErrorAt } from './cursor.js';
import { shapeOf } from './shape.js';
import { Tok, type Token } from './tokenizer.js';

/** A plain Error of node-sql-parser's grammar actions: a syntax error without a location. */
export class ParserRejection extends Error {
  constructor(cause: Error) {
    super(cause.message, { cause });
    this.name = 'SyntaxError';
  }
}

// node-sql-parser checks INSERT column and value counts itself, with a plain Error
const COUNT_MISMATCH = /column count doesn't match value count/;

/** Whether `e` is the text's fault (the grammar's), as opposed to a stack overflow or a bug. */
export function isParseError(e: unknown): boolean {
  if (e instanceof RangeError) return false;
  if (isDispatcherError(e)) return e.sqlState === SqlState.SyntaxError;
  return e instanceof Error && (e.name === 'SyntaxError' || 'location' in e || COUNT_MISMATCH.test(e.message));
}

/** node-sql-parser's SyntaxError as 42601 at the matching place of the original text; `mode` is
 *  the ShapeMode of the shape text that failed to parse. */
export function statementSyntaxError(e: unknown, sql: string, tokens: readonly Token[], from: number, to: number, mode: number): DispatcherError {
  if (e instanceof Error && COUNT_MISMATCH.test(e.message)) return countMismatch(sql, tokens, from, to, e);
  const positions: number[] = [];
  const s = shapeOf(sql, tokens, from, to, mode, positions);
  return mapSyntaxError(e, sql, tokens, from, to, positions, s.text.length, 0);
}

/** PostgreSQL's message for an INSERT whose rows and column list differ in width. */
function countMismatch(sql: string, tokens: readonly Token[], from: number, to: number, e: Error): DispatcherError {
  // width of the column list, and of the first row that differs
  let columns = 0;
  let k = from;
  while (k < to && !(tokens[k]!.type === Tok.Punct && tokens[k]!.text === '(')) k++;
  const before = tokens[k - 1];
  if (before !== undefined && before.type === Tok.Word && before.text === 'VALUES') {
    // no column list (ON CONFLICT gave it placeholder columns): rows of different widths
    return new DispatcherError(SqlState.SyntaxError, 'VALUES lists must all be the same length', { query: sql, cause: e });
  }
  for (k++; k < to && !(tokens[k]!.type === Tok.Punct && tokens[k]!.text === ')'); k++) if (tokens[k]!.type !== Tok.Punct) columns++;
  let more = true;
  let depth = 0;
  let width = 0;
  for (k++; k < to; k++) {
    const t = tokens[k]!;
    if (t.type !== Tok.Punct) continue;
    if (t.text === '(') {
      if (depth === 0) width = 1;
      depth++;
    } else if (t.text === ')') {
      depth--;
      if (depth === 0 && width !== columns) {
        more = width > columns;
        break;
      }
    } else if (t.text === ',' && depth === 1) width++;
  }
  const message = more ? 'INSERT has more expressions than target columns' : 'INSERT has more target columns than expressions';
  return new DispatcherError(SqlState.SyntaxError, message, { query: sql, cause: e });
}

interface PegLocation {
  start: { offset: number };
}

/**
 * Maps a parse error in normalized text back to the original: `positions` holds pairs
 * (offset in normalized text, offset in sql) for each emitted token; `skew` is the length of any
 * text put before the normalized text.
 */
export function mapSyntaxError(
  e: unknown,
  sql: string,
  tokens: readonly Token[],
  from: number,
  to: number,
  positions: readonly number[],
  normLength: number,
  skew: number,
): DispatcherError {
  if (isDispatcherError(e)) return e;
  const loc = (e as { location?: PegLocation }).location;
  if (loc === undefined) {
    // no location from the grammar: point at the statement
    const start = tokens[from]?.start ?? 0;
    return new DispatcherError(SqlState.SyntaxError, `syntax error: ${(e as Error).message}`, {
      query: sql,
      position: start + 1,
      detail: caretLine(sql, start),
      cause: e,
    });
  }
  const off = loc.start.offset - skew;
  let origin = -1;
  for (let k = 0; k < positions.length; k += 2) {
    if (positions[k]! <= off) origin = positions[k + 1]!;
    else break;
  }
  let tok: Token | undefined;
  if (off < normLength && origin >= 0) {
    for (let i = from; i < to; i++) {
      if (tokens[i]!.start === origin) {
        tok = tokens[i];
        break;
      }
    }
  }
  const lastTok = tokens[to - 1];
  const err = syntaxErrorAt(sql, tok, lastTok);
  return new DispatcherError(err.sqlState, err.message, {
    query: sql,
    ...(err.position !== undefined ? { position: err.position } : {}),
    detail: err.detail ?? caretLine(sql, 0),
    cause: e,
  });
}

/** Whatever analysis threw, as a DispatcherError carrying the text (RangeError: nesting too deep). */
export function asDispatcherError(e: unknown, sql: string): DispatcherError {
  if (isDispatcherError(e)) return e.query === undefined ? e.withQuery(sql) : e;
  if (e instanceof RangeError) {
    return new DispatcherError('54001', 'statement is too complex (stack depth limit exceeded)', { query: sql, cause: e });
  }
  const message = e instanceof Error ? e.message : String(e);
  return new DispatcherError(SqlState.InternalError, `internal error in analysis: ${message}`, { query: sql, cause: e });
}
