// An aggregate inside a subquery whose arguments name only columns of an enclosing query belongs
// to that query (SQL standard; PostgreSQL and SQLite agree): `SELECT (SELECT sum(a)) FROM t` is one
// row holding the sum, and the subquery itself does not aggregate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DispatcherError } from '../../src/api/errors.js';
import { TestDb } from './harness.js';

let db: TestDb;
beforeAll(async () => {
  db = await TestDb.open();
  await db.run('CREATE TABLE t (a INTEGER, b INTEGER)');
  await db.run('INSERT INTO t VALUES (1, 10), (2, 20), (3, 30)');
  await db.run('CREATE TABLE u (x INTEGER)');
  await db.run('INSERT INTO u VALUES (1), (2)');
});
afterAll(async () => {
  await db.close();
});

async function sqlState(sql: string): Promise<string> {
  try {
    await db.rows(sql);
  } catch (e) {
    expect(e).toBeInstanceOf(DispatcherError);
    return (e as DispatcherError).sqlState;
  }
  return 'no error';
}

describe('aggregates of an enclosing query inside subqueries', () => {
  it('makes the enclosing query an aggregate query: one row, the sum over its rows', async () => {
    expect(await db.rows('SELECT (SELECT sum(a)) FROM t')).toEqual([[6]]);
    expect(await db.rows('SELECT (SELECT sum(a) FROM u WHERE x = 1) FROM t')).toEqual([[6]]);
    expect(await db.rows('SELECT (SELECT (SELECT max(b) + min(a))) FROM t')).toEqual([[31]]);
    expect(await db.rows('SELECT count(*), (SELECT avg(b)) FROM t WHERE a > 1')).toEqual([[2, 25]]);
  });

  it('per group when the enclosing query groups', async () => {
    expect(await db.rows('SELECT a, (SELECT max(b)) FROM t GROUP BY a ORDER BY a')).toEqual([
      [1, 10],
      [2, 20],
      [3, 30],
    ]);
    expect(await db.rows('SELECT a % 2, (SELECT sum(b) * 10) FROM t GROUP BY a % 2 ORDER BY 1')).toEqual([
      [0, 200],
      [1, 400],
    ]);
    expect(await db.rows('SELECT a FROM t GROUP BY a HAVING (SELECT sum(b)) > 15 ORDER BY a')).toEqual([[2], [3]]);
  });

  it("leaves aggregates of the subquery's own columns (or of none) to the subquery", async () => {
    expect(await db.rows('SELECT (SELECT sum(a + x) FROM u) FROM t ORDER BY 1')).toEqual([[5], [7], [9]]);
    expect(await db.rows('SELECT (SELECT count(*) FROM u WHERE x < a) FROM t ORDER BY 1')).toEqual([[0], [1], [2]]);
    expect(await db.rows('SELECT (SELECT count(*)) FROM t')).toEqual([[1], [1], [1]]);
  });

  it('the subquery then yields one row per row of its own FROM (more than one is 21000)', async () => {
    expect(await sqlState('SELECT (SELECT sum(a) FROM u) FROM t')).toBe('21000');
  });

  it('is refused where the enclosing query cannot aggregate (WHERE), as a grouping error', async () => {
    expect(await sqlState('SELECT count(*) FROM t WHERE a > (SELECT avg(a))')).toBe('42803');
    // A plain outer column in a grouped query's subquery is still one that must be grouped.
    expect(await sqlState('SELECT a, (SELECT b) FROM t GROUP BY a')).toBe('42803');
  });
});
