import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/analyzer.js';

const a = new Analyzer({ rejectUnimplemented: false });
const meta = (sql: string) => a.analyze(sql)[0]!.metadata;

describe('metadata', () => {
  it('a single-table select is simple, read-only, IS-locked', () => {
    expect(meta('SELECT a FROM T WHERE b = 1')).toEqual({
      tablesAccessed: ['t'],
      isReadOnly: true,
      isTransactional: true,
      complexity: 'simple',
      estimatedCost: 1,
      requiredLocks: ['IS:t'],
    });
  });

  it('finds tables through joins, subqueries and derived tables', () => {
    const m = meta('SELECT * FROM a JOIN b ON a.id = b.id LEFT JOIN (SELECT * FROM c) d ON d.x = a.x WHERE a.y IN (SELECT y FROM e) AND EXISTS (SELECT 1 FROM f)');
    expect([...m.tablesAccessed].sort()).toEqual(['a', 'b', 'c', 'e', 'f']);
    expect(m.complexity).toBe('complex');
    expect(m.requiredLocks).toContain('IS:e');
  });

  it('joins without subqueries are moderate', () => {
    expect(meta('SELECT * FROM a, b WHERE a.x = b.x').complexity).toBe('moderate');
    expect(meta('SELECT * FROM a INNER JOIN b ON a.x = b.x').complexity).toBe('moderate');
  });

  it('aggregates and windows are complex', () => {
    expect(meta('SELECT count(*) FROM a').complexity).toBe('complex');
    expect(meta('SELECT rank() OVER (ORDER BY x) FROM a').complexity).toBe('complex');
  });

  it('CTEs are very complex, and CTE names are not tables', () => {
    const m = meta('WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5), c AS (SELECT * FROM base) SELECT * FROM r, c');
    expect(m.complexity).toBe('very_complex');
    expect(m.tablesAccessed).toEqual(['base']);
    expect(m.estimatedCost).toBeGreaterThan(meta('SELECT * FROM base').estimatedCost);
  });

  it('writes lock their target IX and read the others IS', () => {
    const m = meta('UPDATE t SET a = u.a FROM u WHERE t.id = u.id');
    expect(m.isReadOnly).toBe(false);
    expect(m.requiredLocks).toEqual(['IX:t', 'IS:u']);
    expect(meta('INSERT INTO t SELECT * FROM s').requiredLocks).toEqual(['IX:t', 'IS:s']);
    expect(meta('DELETE FROM t WHERE x IN (SELECT x FROM s)').requiredLocks).toEqual(['IX:t', 'IS:s']);
  });

  it('a locking SELECT takes IX on the tables whose rows it locks, named in OF by table or alias', () => {
    expect(meta('SELECT * FROM t JOIN u ON t.id = u.id FOR UPDATE').requiredLocks).toEqual(['IX:t', 'IX:u']);
    expect(meta('SELECT * FROM t JOIN u ON t.id = u.id FOR SHARE OF u').requiredLocks).toEqual(['IS:t', 'IX:u']);
    // An alias in OF: every table of the statement takes the intent (never fewer than it locks).
    expect(meta('SELECT * FROM t x JOIN u ON x.id = u.id FOR UPDATE OF x').requiredLocks).toEqual(['IX:t', 'IX:u']);
  });

  it('DDL takes the exclusive schema lock', () => {
    expect(meta('CREATE TABLE t (a INT)').requiredLocks).toEqual(['X:schema', 'X:t']);
    expect(meta('DROP TABLE IF EXISTS t, u').requiredLocks).toEqual(['X:schema', 'X:t', 'X:u']);
    expect(meta('CREATE INDEX i ON t (a)').requiredLocks).toEqual(['X:schema', 'S:t']);
    expect(meta('CREATE VIEW v AS SELECT * FROM t').tablesAccessed).toEqual(['v', 't']);
  });

  it('transaction control is not transactional data access', () => {
    expect(meta('BEGIN')).toMatchObject({ tablesAccessed: [], isTransactional: false, requiredLocks: [] });
  });

  it('EXPLAIN takes the inner statement metadata; without ANALYZE it is read-only', () => {
    expect(meta('EXPLAIN DELETE FROM t')).toMatchObject({ tablesAccessed: ['t'], isReadOnly: true });
    expect(meta('EXPLAIN ANALYZE DELETE FROM t')).toMatchObject({ isReadOnly: false, requiredLocks: ['IX:t'] });
  });

  it('a data-modifying CTE makes a SELECT not read-only', () => {
    expect(meta('WITH d AS (DELETE FROM t WHERE a = 1 RETURNING *) SELECT * FROM d').isReadOnly).toBe(false);
  });

  it('table names are folded like identifiers: unquoted lower-cased, quoted kept', () => {
    expect(meta('SELECT * FROM Foo JOIN "Bar" ON true').tablesAccessed).toEqual(['foo', 'Bar']);
  });
});
