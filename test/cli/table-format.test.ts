import { describe, expect, it } from 'vitest';
import type { ColumnInfo, QueryResult } from '../../src/api/types.js';
import { commandTag, formatResult, formatTable, renderValue } from '../../src/cli/table-format.js';

const cols = (...spec: [string, ColumnInfo['type']][]): ColumnInfo[] => spec.map(([name, type]) => ({ name, type }));

describe('formatTable', () => {
  it('aligns text left and numbers right under a centred header', () => {
    const text = formatTable(cols(['id', 'integer'], ['name', 'text']), [
      [1, 'alice'],
      [100, 'bo'],
      [null, null],
    ]);
    expect(text).toBe(
      [
        '  id  | name',
        '------+-------',
        '    1 | alice',
        '  100 | bo',
        ' NULL | NULL',
        '(3 rows)',
      ].join('\n'),
    );
  });

  it('says (1 row) and (0 rows)', () => {
    expect(formatTable(cols(['x', 'integer']), [[7]]).split('\n').at(-1)).toBe('(1 row)');
    expect(formatTable(cols(['x', 'integer']), [])).toBe(' x\n---\n(0 rows)');
  });

  it('widens columns for wide characters and types untyped numeric columns by value', () => {
    const text = formatTable(cols(['k', 'any'], ['v', 'text']), [
      [2.5, '日本'],
      [10n, 'x'],
    ]);
    expect(text.split('\n')).toEqual(['  k  |  v', '-----+------', ' 2.5 | 日本', '  10 | x', '(2 rows)']);
  });
});

describe('renderValue', () => {
  it('renders every kind of value', () => {
    expect(renderValue(null)).toBe('NULL');
    expect(renderValue(true)).toBe('true');
    expect(renderValue(12345678901234567890n)).toBe('12345678901234567890');
    expect(renderValue(0.1)).toBe('0.1');
    expect(renderValue(new Uint8Array([0, 255]))).toBe('\\x00ff');
    expect(renderValue('a\nb\tc')).toBe('a\\nb\\tc');
  });
});

describe('commandTag', () => {
  it('follows psql', () => {
    expect(commandTag({ command: 'INSERT', rowsAffected: 3 })).toBe('INSERT 0 3');
    expect(commandTag({ command: 'UPDATE', rowsAffected: 2 })).toBe('UPDATE 2');
    expect(commandTag({ command: 'DELETE', rowsAffected: 0 })).toBe('DELETE 0');
    expect(commandTag({ command: 'CREATE TABLE', rowsAffected: 0 })).toBe('CREATE TABLE');
    expect(commandTag({ command: 'BEGIN', rowsAffected: 0 })).toBe('BEGIN');
  });

  it('formatResult picks a table for statements with columns', () => {
    const base = { rows: [], rowsAffected: 0, metrics: {} as QueryResult['metrics'] };
    expect(formatResult({ ...base, command: 'INSERT', columns: [], rowsAffected: 1 })).toBe('INSERT 0 1');
    expect(formatResult({ ...base, command: 'SELECT', columns: cols(['a', 'integer']) })).toBe(' a\n---\n(0 rows)\n');
    // RETURNING: the rows, then the tag.
    expect(formatResult({ ...base, command: 'DELETE', columns: cols(['a', 'integer']), rows: [[4]], rowsAffected: 1 })).toBe(
      ' a\n---\n 4\n(1 row)\n\nDELETE 1',
    );
  });
});
