import { describe, expect, it } from 'vitest';
import { appliesTo, isTestRecord, parseScript } from './parser.js';

const SCRIPT = `# a comment before the first record
hash-threshold 8

statement ok
CREATE TABLE t1(a INTEGER,
  b TEXT)

skipif mysql # not compatible
onlyif postgresql
statement error
INSERT INTO nowhere VALUES(1)

query IT rowsort label-1
SELECT a, b
FROM t1
----
1
x y
2
NULL

query I nosort
SELECT 1

query R valuesort
SELECT 1.5
----

onlyif mssql
halt
`;

describe('parseScript', () => {
  const records = parseScript(SCRIPT);

  it('reads every record in order with its line number', () => {
    expect(records.map((r) => [r.kind, r.line])).toEqual([
      ['hash-threshold', 2],
      ['statement', 4],
      ['statement', 10],
      ['query', 13],
      ['query', 22],
      ['query', 25],
      ['halt', 30],
    ]);
    expect(records.filter(isTestRecord)).toHaveLength(5);
  });

  it('keeps multi-line SQL and the expected values', () => {
    const [, create, , query] = records;
    expect(create).toMatchObject({ kind: 'statement', expectOk: true, sql: 'CREATE TABLE t1(a INTEGER,\n  b TEXT)' });
    expect(query).toMatchObject({
      kind: 'query',
      types: 'IT',
      sort: 'rowsort',
      label: 'label-1',
      sql: 'SELECT a, b\nFROM t1',
      expected: ['1', 'x y', '2', 'NULL'],
    });
  });

  it('tells a query without ---- from one expecting no rows', () => {
    expect(records[4]).toMatchObject({ kind: 'query', expected: undefined, sort: 'nosort' });
    expect(records[5]).toMatchObject({ kind: 'query', expected: [], sort: 'valuesort' });
  });

  it('collects skipif / onlyif conditions, ignoring trailing comments', () => {
    const stmt = records[2]!;
    expect(stmt).toMatchObject({ kind: 'statement', expectOk: false });
    expect(stmt.conditions).toEqual({ skipif: ['mysql'], onlyif: ['postgresql'] });
    expect(appliesTo(stmt.conditions, 'postgresql')).toBe(true);
    expect(appliesTo(stmt.conditions, 'mysql')).toBe(false);
    expect(appliesTo(stmt.conditions, 'sqlite')).toBe(false);
    expect(appliesTo(records[6]!.conditions, 'postgresql')).toBe(false);
    expect(appliesTo(records[6]!.conditions, 'mssql')).toBe(true);
  });

  it('reads CRLF files and marks unknown records invalid', () => {
    const r = parseScript('statement ok\r\nSELECT 1\r\n\r\nfrobnicate 3\r\n\r\nquery X nosort\r\nSELECT 1\r\n');
    expect(r[0]).toMatchObject({ kind: 'statement', sql: 'SELECT 1' });
    expect(r[1]).toMatchObject({ kind: 'invalid', line: 4 });
    expect(r[2]).toMatchObject({ kind: 'invalid', line: 6 });
  });
});
