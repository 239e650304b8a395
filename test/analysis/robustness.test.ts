import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Analyzer } from '../../src/analysis/analyzer.js';
import { DispatcherError } from '../../src/api/errors.js';

const PIECES = [
  'SELECT', 'FROM', 'WHERE', 't', 'a', '"Q"', ',', '(', ')', ';', '=', '<>', '-', '+', '*', '/', '1', '2.5', '1e3',
  "'s'", "E'\\n'", '$1', '?', '::', 'int', 'ORDER', 'BY', 'GROUP', 'LIMIT', 'NULL', 'TRUE', 'NOT', 'IS', 'IN',
  'BEGIN', 'COMMIT', 'ROLLBACK', 'TO', 'SAVEPOINT', 'SET', 'SHOW', 'GRANT', 'ON', 'EXPLAIN', 'ANALYZE', 'PRAGMA',
  'CREATE', 'TABLE', 'INDEX', 'DROP', 'INSERT', 'INTO', 'VALUES', 'UPDATE', 'DELETE', 'ALL', 'DISTINCT', 'avg',
  'count', 'CASE', 'WHEN', 'THEN', 'END', 'FOR', 'PREPARE', 'AS', 'EXECUTE', '--x\n', '/* c */', '$$d$$',
  'JOIN', 'WITH', 'CONFLICT', 'FETCH', 'FIRST', 'ROWS', 'ONLY', 'NOT', 'DISTINCT', '()',
];

function analyzeOrDispatcherError(a: Analyzer, sql: string): void {
  try {
    a.analyze(sql);
  } catch (e) {
    if (!(e instanceof DispatcherError)) throw new Error(`non-DispatcherError for ${JSON.stringify(sql)}: ${String(e)}`);
    expect(e.sqlState).toMatch(/^[0-9A-Z]{5}$/);
    if (e.position !== undefined) {
      expect(e.position).toBeGreaterThanOrEqual(1);
      expect(e.position).toBeLessThanOrEqual(sql.length + 1);
    }
  }
}

describe('robustness', () => {
  it('any text: statements or a DispatcherError, never a crash', () => {
    const a = new Analyzer({ cacheSize: 50 });
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => analyzeOrDispatcherError(a, s)),
      { numRuns: 300 },
    );
  });

  it('token soups: statements or a DispatcherError, never a crash', () => {
    const a = new Analyzer({ cacheSize: 50, rejectUnimplemented: false });
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 14 }), (parts) => analyzeOrDispatcherError(a, parts.join(' '))),
      { numRuns: 400 },
    );
  });

  it('literal values never change the shape, and come back as lifted parameters', () => {
    const a = new Analyzer();
    const key = a.analyze("SELECT a FROM t WHERE b = 0 AND c = 'x' AND d > 0.5")[0]!.shapeKey;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.string({ minLength: 1, maxLength: 10 }).filter((s) => s !== String(0)),
        fc.double({ min: 0.001, max: 1e6, noNaN: true }).filter((d) => !Number.isInteger(d)),
        (i, s, d) => {
          const sql = `SELECT a FROM t WHERE b = ${i} AND c = '${s.replace(/'/g, "''")}' AND d > ${d}`;
          const r = a.analyze(sql)[0]!;
          expect(r.shapeKey).toBe(key);
          expect(r.liftedParams).toEqual([i, s, d]);
        },
      ),
      { numRuns: 200 },
    );
    expect(a.stats().parses).toBe(1);
  });
});
