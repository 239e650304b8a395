// Nested query parentheses make the grammar backtrack exponentially (found by the fuzzer: a 4 KB
// statement froze the process). Such texts parse on a guard worker under a time budget.
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/analyzer.js';
import { boundedParse, risksSlowParse } from '../../src/analysis/bounded-parse.js';
import { Parser } from '../../src/analysis/sql-parser.js';
import { DispatcherError } from '../../src/api/errors.js';

function stateOf(a: Analyzer, sql: string): string {
  try {
    a.analyze(sql);
  } catch (e) {
    expect(e).toBeInstanceOf(DispatcherError);
    return (e as DispatcherError).sqlState;
  }
  return 'ok';
}

describe('bounded parse', () => {
  it('refuses 200 nested scalar subqueries with 54001 instead of parsing forever', () => {
    const a = new Analyzer({ cacheSize: 0 });
    const sql = `SELECT ${'(SELECT 1 + '.repeat(200)}1${') AS x'.repeat(200)}`;
    expect(stateOf(a, sql)).toBe('54001');
    // the analyser keeps working afterwards, guarded or not
    expect(stateOf(a, `SELECT ${'(SELECT 1 + '.repeat(5)}1${') AS x'.repeat(5)}`)).toBe('ok');
    expect(stateOf(a, 'SELECT 1')).toBe('ok');
  });

  it('refuses a syntax error under 30 levels of parentheses with 54001 instead of backtracking forever', () => {
    const a = new Analyzer({ cacheSize: 0 });
    expect(stateOf(a, `SELECT ${'-('.repeat(30)}1 +${')'.repeat(30)}`)).toBe('54001');
    // the same depth, well formed, parses (on the guard worker)
    expect(stateOf(a, `SELECT ${'-('.repeat(30)}1${')'.repeat(30)}`)).toBe('ok');
  });

  it('answers unbalanced deep nesting with a syntax error at once, where the grammar would backtrack', () => {
    const a = new Analyzer({ cacheSize: 0 });
    const open = `SELECT ${'-('.repeat(40)}1`;
    const extra = `SELECT * FROM t WHERE (((((a = 1)))))) AND b = 2`;
    for (const [sql, position] of [
      [open, open.length + 1],
      [extra, extra.indexOf(') AND') + 1],
    ] as const) {
      try {
        a.analyze(sql);
        throw new Error('expected a syntax error');
      } catch (e) {
        expect(e).toBeInstanceOf(DispatcherError);
        expect((e as DispatcherError).sqlState).toBe('42601');
        expect((e as DispatcherError).position).toBe(position);
      }
    }
  });

  it('parses IS DISTINCT FROM operands under the guard (execution parses them again, unguarded)', () => {
    const a = new Analyzer({ cacheSize: 0 });
    expect(stateOf(a, `SELECT 1 IS DISTINCT FROM ${'-('.repeat(30)}1 +${')'.repeat(30)}`)).toBe('54001');
    expect(stateOf(a, 'SELECT 1 IS DISTINCT FROM (1 +')).toBe('42601');
    expect(stateOf(a, 'SELECT 1 IS NOT DISTINCT FROM (SELECT 2)')).toBe('ok');
  });

  it('guards by parenthesis depth and query parentheses, not by parentheses inside strings', () => {
    expect(risksSlowParse('SELECT ((((1))))')).toBe(false);
    expect(risksSlowParse('SELECT (((((1)))))')).toBe(true);
    expect(risksSlowParse("SELECT '((((((((((', \"((((((((\" FROM t")).toBe(false);
    expect(risksSlowParse(`INSERT INTO t VALUES ${Array.from({ length: 500 }, (_, i) => `(${i}, abs(${i}))`).join(', ')}`)).toBe(false);
    expect(risksSlowParse('SELECT (SELECT 1), (SELECT 2), (SELECT 3), (SELECT 4)')).toBe(false);
    expect(risksSlowParse('SELECT (SELECT 1), (SELECT 2), (SELECT 3), (SELECT 4), (SELECT 5)')).toBe(true);
  });

  it('gives a guarded parse the same tree as a parse in place', () => {
    const sql = 'SELECT (SELECT 1 AS x), (SELECT (SELECT 2) AS y), (SELECT a FROM t WHERE a IN (SELECT a FROM u)) FROM v WHERE EXISTS (SELECT 1 FROM w)';
    const options = { database: 'postgresql' };
    const guarded = boundedParse(sql, options, () => {
      throw new Error('five query parentheses must go to the guard worker');
    });
    expect(guarded).toEqual(new Parser().astify(sql, options));
    // a text with few query parentheses parses in place
    expect(boundedParse('SELECT (SELECT 1)', options, () => 'in place')).toBe('in place');
  });

  it('reports a syntax error found on the guard worker with its position', () => {
    const a = new Analyzer({ cacheSize: 0 });
    const sql = 'SELECT (SELECT 1), (SELECT 2), (SELECT 3), (SELECT 4), (SELECT 5) FROM t WHERE ) AND 1';
    try {
      a.analyze(sql);
      throw new Error('expected a syntax error');
    } catch (e) {
      expect(e).toBeInstanceOf(DispatcherError);
      expect((e as DispatcherError).sqlState).toBe('42601');
      expect((e as DispatcherError).position).toBe(sql.indexOf(') AND') + 1);
    }
  });
});
