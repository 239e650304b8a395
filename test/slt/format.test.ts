import { describe, expect, it } from 'vitest';
import { sqliteRealText } from './engines/sqlite.js';
import { compareValues, formatRows, formatValue, hashLine, hashValues, sortedValues } from './format.js';

describe('formatValue', () => {
  it('prints NULL and (empty) like the reference driver', () => {
    expect(formatValue(null, 'I')).toBe('NULL');
    expect(formatValue(null, 'T')).toBe('NULL');
    expect(formatValue('', 'T')).toBe('(empty)');
  });

  it('converts anything in an I column to a 64-bit integer', () => {
    expect(formatValue(42, 'I')).toBe('42');
    expect(formatValue(-3.9, 'I')).toBe('-3');
    expect(formatValue(3.9, 'I')).toBe('3');
    expect(formatValue(9007199254740993n, 'I')).toBe('9007199254740993');
    expect(formatValue(1e30, 'I')).toBe('9223372036854775807');
    expect(formatValue(-1e30, 'I')).toBe('-9223372036854775808');
    expect(formatValue('12abc', 'I')).toBe('12');
    expect(formatValue(' -7.5', 'I')).toBe('-7');
    expect(formatValue('abc', 'I')).toBe('0');
    expect(formatValue('', 'I')).toBe('0');
    expect(formatValue(true, 'I')).toBe('1');
  });

  it('prints R columns with three decimals, as SQLite printf does', () => {
    expect(formatValue(1.5, 'R')).toBe('1.500');
    expect(formatValue(7, 'R')).toBe('7.000');
    expect(formatValue(-0.0005, 'R')).toBe('-0.001');
    expect(formatValue(0.0625, 'R')).toBe('0.063');
    expect(formatValue(2n, 'R')).toBe('2.000');
    expect(formatValue('2.25x', 'R')).toBe('2.250');
    // Past 16 significant digits SQLite writes zeros.
    expect(formatValue(-9223372036854775808, 'R')).toBe('-9223372036854776000.000');
    expect(formatValue(12345678901234.567, 'R')).toBe('12345678901234.570');
  });

  it('prints T columns as text with non-printable bytes as @', () => {
    expect(formatValue('a b', 'T')).toBe('a b');
    expect(formatValue('tab\there', 'T')).toBe('tab@here');
    expect(formatValue('é', 'T')).toBe('@@'); // two UTF-8 bytes
    expect(formatValue(12, 'T')).toBe('12');
    expect(formatValue(3, 'T', { realToText: sqliteRealText })).toBe('3.0');
  });

  it('formats rows by the type string', () => {
    expect(formatRows([[1, 'x', 2.5], [null, '', 0]], 'ITR')).toEqual([
      ['1', 'x', '2.500'],
      ['NULL', '(empty)', '0.000'],
    ]);
  });
});

describe('sqliteRealText', () => {
  it('matches SQLite text of reals', () => {
    expect(sqliteRealText(3)).toBe('3.0');
    expect(sqliteRealText(0.1)).toBe('0.1');
    expect(sqliteRealText(-2.5)).toBe('-2.5');
    expect(sqliteRealText(1e20)).toBe('1.0e+20');
    expect(sqliteRealText(1.5e-7)).toBe('1.5e-07');
  });
});

describe('sorting and hashing', () => {
  const rows = [
    ['2', 'b'],
    ['10', 'a'],
    ['1', 'c'],
  ];

  it('rowsort orders rows by their text column by column', () => {
    expect(sortedValues(rows, 'rowsort')).toEqual(['1', 'c', '10', 'a', '2', 'b']);
  });

  it('valuesort orders every value; nosort keeps the order', () => {
    expect(sortedValues(rows, 'valuesort')).toEqual(['1', '10', '2', 'a', 'b', 'c']);
    expect(sortedValues(rows, 'nosort')).toEqual(['2', 'b', '10', 'a', '1', 'c']);
  });

  it('hashes every value followed by a newline', () => {
    // md5 of "1\n2\n"
    expect(hashValues(['1', '2'])).toBe('6ddb4095eb719e2a9f0a3f95677d24e0');
    expect(hashLine(['1', '2'])).toBe('2 values hashing to 6ddb4095eb719e2a9f0a3f95677d24e0');
  });
});

describe('compareValues', () => {
  it('compares one value per line', () => {
    expect(compareValues(['1', 'x y'], ['1', 'x y'], 0).ok).toBe(true);
    expect(compareValues(['1', 'x'], ['1', 'y'], 0).ok).toBe(false);
    expect(compareValues([], [], 0).ok).toBe(true);
    expect(compareValues(['1'], [], 0).ok).toBe(false);
  });

  it('accepts rows written on one line each', () => {
    expect(compareValues(['1', '2', '3', '4'], ['1 2', '3 4'], 0).ok).toBe(true);
    expect(compareValues(['1', '2', '3', '5'], ['1 2', '3 4'], 0).ok).toBe(false);
  });

  it('compares hash lines by the hash of the values', () => {
    const expected = ['2 values hashing to 6ddb4095eb719e2a9f0a3f95677d24e0'];
    expect(compareValues(['1', '2'], expected, 8).ok).toBe(true);
    expect(compareValues(['2', '1'], expected, 8).ok).toBe(false);
  });

  it('fails a long result listed value by value past the hash threshold', () => {
    const values = ['1', '2', '3'];
    expect(compareValues(values, values, 0).ok).toBe(true);
    const r = compareValues(values, values, 2);
    expect(r.ok).toBe(false);
    expect(r.got[0]).toMatch(/^3 values hashing to [0-9a-f]{32}$/);
  });
});
