// WITH RECURSIVE: results worked out by hand (or in JS from the data), PostgreSQL's errors for
// malformed recursion, cancellation of an unbounded recursion, and a differential test against
// SQLite (better-sqlite3) on random graphs.
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDb } from './harness.js';

let db: TestDb;
beforeAll(async () => {
  db = await TestDb.open();
  // an org chart: 1 is the root; 9 and 10 form a cycle outside it
  await db.run('CREATE TABLE emp(id INTEGER PRIMARY KEY, boss INTEGER, name TEXT)');
  await db.run(
    "INSERT INTO emp VALUES (1, NULL, 'ann'), (2, 1, 'bob'), (3, 1, 'cid'), (4, 2, 'dan'), (5, 2, 'eve'), (6, 4, 'fay'), (7, 3, 'gus'), (9, 10, 'ivy'), (10, 9, 'jon')",
  );
  await db.run('CREATE TABLE edge(a INTEGER, b INTEGER)');
});
afterAll(async () => {
  await db.close();
});

describe('WITH RECURSIVE results', () => {
  it('counts with UNION ALL and a column list', async () => {
    const r = await db.run('WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 5) SELECT * FROM t');
    expect(r.columns).toEqual([{ name: 'n', type: 'integer' }]);
    expect(r.rows).toEqual([[1], [2], [3], [4], [5]]);
  });

  it('UNION drops rows seen in earlier iterations, so a cycle ends', async () => {
    expect(await db.rows('WITH RECURSIVE t(n) AS (SELECT 1 UNION SELECT n % 3 + 1 FROM t) SELECT n FROM t ORDER BY n')).toEqual([[1], [2], [3]]);
    // with UNION ALL the same cycle is cut by the consumer's LIMIT
    expect(await db.rows('WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n % 3 + 1 FROM t) SELECT n FROM t LIMIT 7')).toEqual([[1], [2], [3], [1], [2], [3], [1]]);
  });

  it('computes Fibonacci numbers with two columns', async () => {
    const r = await db.rows('WITH RECURSIVE f(i, a, b) AS (SELECT 1, 0, 1 UNION ALL SELECT i + 1, b, a + b FROM f WHERE i < 10) SELECT i, a FROM f ORDER BY i');
    expect(r.map((x) => x[1])).toEqual([0, 1, 1, 2, 3, 5, 8, 13, 21, 34]);
  });

  it('walks a hierarchy from a table, with depth and path', async () => {
    const r = await db.rows(
      "WITH RECURSIVE chain(id, name, depth, path) AS (SELECT id, name, 0, name FROM emp WHERE boss IS NULL UNION ALL SELECT e.id, e.name, c.depth + 1, c.path || '/' || e.name FROM emp e JOIN chain c ON e.boss = c.id) SELECT id, depth, path FROM chain ORDER BY path",
    );
    expect(r).toEqual([
      [1, 0, 'ann'],
      [2, 1, 'ann/bob'],
      [4, 2, 'ann/bob/dan'],
      [6, 3, 'ann/bob/dan/fay'],
      [5, 2, 'ann/bob/eve'],
      [3, 1, 'ann/cid'],
      [7, 2, 'ann/cid/gus'],
    ]);
  });

  it('follows a cycle in the data only as far as UNION lets it', async () => {
    const r = await db.rows('WITH RECURSIVE up(id) AS (SELECT 9 UNION SELECT e.boss FROM emp e JOIN up ON e.id = up.id) SELECT id FROM up ORDER BY id');
    expect(r).toEqual([[9], [10]]);
  });

  it('mixes recursive and plain WITH queries, in any order of reference', async () => {
    const r = await db.rows(
      'WITH RECURSIVE sq AS (SELECT n * n AS s FROM nums), nums(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM nums WHERE n < 4), total AS (SELECT sum(s) AS t FROM sq) SELECT t, (SELECT count(*) FROM nums) FROM total',
    );
    expect(r).toEqual([[30, 4]]);
  });

  it('serves several references, a join of two, and a subquery', async () => {
    expect(await db.rows('WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3) SELECT a.n, b.n FROM t a JOIN t b ON b.n = a.n + 1 ORDER BY 1')).toEqual([
      [1, 2],
      [2, 3],
    ]);
    expect(await db.rows('SELECT id, (WITH RECURSIVE d(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM d WHERE k < 4) SELECT sum(k) FROM d WHERE k <= emp.id) FROM emp WHERE id <= 3 ORDER BY id')).toEqual([
      [1, 1],
      [2, 3],
      [3, 6],
    ]);
  });

  it('accepts a derived table over the work table and a parenthesized LIMIT', async () => {
    expect(await db.rows('WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM (SELECT n FROM t) s WHERE n < 3) SELECT * FROM t')).toEqual([[1], [2], [3]]);
    expect(await db.rows('WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL (SELECT n + 1 FROM t WHERE n < 3 LIMIT 1)) SELECT * FROM t')).toEqual([[1], [2], [3]]);
  });

  it('takes the column names from the list, then from the non-recursive term', async () => {
    const r = await db.run('WITH RECURSIVE t(n) AS (SELECT 1, 2 AS two UNION ALL SELECT n + 1, 2 FROM t WHERE n < 2) SELECT * FROM t');
    expect(r.columns.map((c) => c.name)).toEqual(['n', 'two']);
    expect(r.rows).toEqual([
      [1, 2],
      [2, 2],
    ]);
  });

  it('runs a long recursion in bounded steps', async () => {
    const r = await db.run('WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 20000) SELECT n FROM t');
    expect(r.rows.length).toBe(20000);
    expect(r.rows[19999]).toEqual([20000]);
    expect(r.steps.length).toBeGreaterThan(5);
  });

  it('lets an unbounded recursion be cancelled', async () => {
    await expect(db.run('WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT count(*) FROM t', [], { cancelAfterSteps: 3 })).rejects.toMatchObject({
      sqlState: '57014',
    });
  });
});

describe('errors as PostgreSQL gives them', () => {
  it.each([
    ['WITH RECURSIVE t(n) AS (SELECT n FROM t) SELECT * FROM t', '42P19'],
    ['WITH RECURSIVE t(n) AS (SELECT 1 INTERSECT SELECT n + 1 FROM t) SELECT * FROM t', '42P19'],
    ['WITH RECURSIVE t(n) AS (SELECT 1 EXCEPT SELECT n + 1 FROM t) SELECT * FROM t', '42P19'],
    ['WITH RECURSIVE t(n) AS (SELECT n FROM t UNION SELECT 1) SELECT * FROM t', '42P19'],
    ['WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3 UNION ALL SELECT 7) SELECT * FROM t', '42P19'],
    ['WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT a.n + 1 FROM t a, t b WHERE a.n < 5) SELECT * FROM t', '42P19'],
    ['WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT 2 WHERE EXISTS (SELECT 1 FROM t)) SELECT * FROM t', '42P19'],
    ['WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n IN (SELECT n FROM t)) SELECT * FROM t', '42P19'],
    ['WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT t.n FROM emp LEFT JOIN t ON true) SELECT * FROM t', '42P19'],
    ['WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT count(*) FROM t) SELECT * FROM t', '42P19'],
    ['WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3 ORDER BY 1) SELECT * FROM t', '0A000'],
    ['WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3 LIMIT 1) SELECT * FROM t', '0A000'],
    ['WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM u WHERE n < 3), u(n) AS (SELECT n FROM t) SELECT * FROM t', '0A000'],
    ['WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 0.5 FROM t WHERE n < 3) SELECT * FROM t', '42804'],
    ['WITH RECURSIVE t(n, m) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3) SELECT * FROM t', '42P10'],
    ['WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n, n FROM t WHERE n < 3) SELECT * FROM t', '42601'],
  ])('%s -> %s', async (sql, state) => {
    expect(await db.state(sql)).toBe(state);
  });

  it('without RECURSIVE a query cannot read itself', async () => {
    expect(await db.state('WITH t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3) SELECT * FROM t')).toBe('42P01');
  });
});

describe('differential: random graphs against SQLite', () => {
  it('agrees with SQLite on reachability (UNION) and bounded path counts (UNION ALL)', async () => {
    const lite = new Database(':memory:');
    lite.exec('CREATE TABLE edge(a INTEGER, b INTEGER)');
    const queries = [
      'WITH RECURSIVE r(a, b) AS (SELECT a, b FROM edge UNION SELECT r.a, e.b FROM r JOIN edge e ON r.b = e.a) SELECT a, b FROM r ORDER BY a, b',
      'WITH RECURSIVE p(s, d, n) AS (SELECT a, b, 1 FROM edge UNION ALL SELECT p.s, e.b, p.n + 1 FROM p JOIN edge e ON p.d = e.a WHERE p.n < 4) SELECT s, d, n, count(*) FROM p GROUP BY s, d, n ORDER BY s, d, n',
      'WITH RECURSIVE r(v) AS (SELECT min(a) FROM edge UNION SELECT e.b FROM edge e, r WHERE e.a = r.v) SELECT v FROM r WHERE v IS NOT NULL ORDER BY v',
      'WITH RECURSIVE r(v, depth) AS (SELECT 0, 0 UNION SELECT e.b, r.depth + 1 FROM r JOIN edge e ON e.a = r.v WHERE r.depth < 3) SELECT v, min(depth) FROM r GROUP BY v ORDER BY v',
    ];
    let cases = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 })), { maxLength: 12 }), async (edges) => {
          lite.exec('DELETE FROM edge');
          await db.run('DELETE FROM edge');
          const ins = lite.prepare('INSERT INTO edge VALUES (?, ?)');
          const txn = db.engine.begin();
          for (const [a, b] of edges) {
            ins.run(a, b);
            txn.insert('edge', [a, b]);
          }
          await txn.commit();
          for (const q of queries) {
            cases++;
            expect(await db.rows(q), `${q}\n${JSON.stringify(edges)}`).toEqual(lite.prepare(q).raw(true).all());
          }
        }),
        { numRuns: 60, seed: 42 },
      );
    } finally {
      lite.close();
    }
    expect(cases).toBe(240);
  });
});
