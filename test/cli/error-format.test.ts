import { describe, expect, it } from 'vitest';
import { DispatcherError, SqlState } from '../../src/api/errors.js';
import { caretLines, formatError } from '../../src/cli/error-format.js';

describe('formatError', () => {
  it('shows message, caret under the position, and SQLSTATE', () => {
    const sql = 'SELECT *\nFRM t';
    const e = new DispatcherError(SqlState.SyntaxError, 'syntax error at or near "FRM"', { position: 10 });
    expect(formatError(e, sql)).toBe(
      ['ERROR:  syntax error at or near "FRM"', 'LINE 2: FRM t', '        ^', 'SQLSTATE: 42601'].join('\n'),
    );
  });

  it('omits the caret without a position and handles foreign errors', () => {
    const e = new DispatcherError(SqlState.UndefinedTable, 'relation "t" does not exist');
    expect(formatError(e, 'SELECT * FROM t')).toBe('ERROR:  relation "t" does not exist\nSQLSTATE: 42P01');
    expect(formatError(new Error('boom'))).toBe('ERROR:  boom');
  });

  it('keeps the caret on screen for long lines', () => {
    const sql = `SELECT ${'x, '.repeat(100)}oops`;
    const [line, caret] = caretLines(sql, sql.indexOf('oops') + 1);
    expect(line!.startsWith('LINE 1: ...')).toBe(true);
    expect(line!.slice(caret!.indexOf('^'), caret!.indexOf('^') + 4)).toBe('oops');
  });
});
