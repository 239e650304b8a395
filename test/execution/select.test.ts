import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDb } from './harness.js';

let db: TestDb;
beforeAll(async () => {
  db = await TestDb.open();
  await db.run('CREATE TABLE a(id INTEGER PRIMARY KEY, x INTEGER, g TEXT)');
  await db.run('CREATE TABLE b(id INTEGER PRIMARY KEY, x INTEGER, y TEXT)');
  await db.run("INSERT INTO a VALUES (1, 10, 'p'), (2, 20, 'p'), (3, NULL, 'q'), (4, 20, NULL)");
  await db.run("INSERT INTO b VALUES (1, 10, 'u'), (2, 30, 'v'), (5, NULL, 'w')");
});
afterAll(async () => {
  await db.close();
});

const sorted = (rows: unknown[][]): unknown[][] => [...rows].sort((p, q) => JSON.stringify(p).localeCompare(JSON.stringify(q)));

describe('FROM, WHERE and the select list', () => {
  it('expands * and t.* and resolves aliases', async () => {
    const r = await db.run('SELECT t.*, * FROM b AS t WHERE t.id = 1');
    expect(r.rows).toEqual([[1, 10, 'u', 1, 10, 'u']]);
    expect(r.columns.map((c) => c.name)).toEqual(['id', 'x', 'y', 'id', 'x', 'y']);
  });

  it('selects without FROM', async () => {
    expect(await db.rows("SELECT 1, 'x', NULL")).toEqual([[1, 'x', null]]);
  });

  it('reads subqueries in FROM', async () => {
    expect(await db.rows('SELECT s.k * 2 FROM (SELECT x AS k FROM a WHERE x > 10) AS s ORDER BY 1')).toEqual([[40], [40]]);
  });

  it('reads VALUES in FROM and renames a FROM item\'s columns with an alias list', async () => {
    const v = await db.run("SELECT * FROM (VALUES (1, 'one'), (3, 'three')) AS v");
    expect(v.columns.map((c) => c.name)).toEqual(['column1', 'column2']);
    expect(v.rows).toEqual([
      [1, 'one'],
      [3, 'three'],
    ]);
    expect(await db.rows("SELECT a.id, w FROM a JOIN (VALUES (1, 'one'), (3, 'three')) AS v(id, w) ON v.id = a.id ORDER BY 1")).toEqual([
      [1, 'one'],
      [3, 'three'],
    ]);
    expect(await db.rows('SELECT s.n, s.m FROM (SELECT 1 AS a, 2 AS b) AS s(n, m)')).toEqual([[1, 2]]);
    // A shorter list renames the first columns; a plain table takes one too.
    expect((await db.run('SELECT * FROM (SELECT 1 AS a, 2 AS b) AS s(n)')).columns.map((c) => c.name)).toEqual(['n', 'b']);
    expect(await db.rows('SELECT q.i FROM b AS q(i) WHERE q.i = 2')).toEqual([[2]]);
    await expect(db.run('SELECT * FROM (SELECT 1 AS a) AS s(n, m)')).rejects.toMatchObject({ sqlState: '42P10' });
    await expect(db.run('SELECT * FROM (VALUES (1), (2, 3)) AS v')).rejects.toMatchObject({ sqlState: '42601' });
  });

  it('reads generate_series in FROM: bounds, step, NULLs, alias as column, correlated arguments', async () => {
    expect(await db.rows('SELECT * FROM generate_series(1, 3)')).toEqual([[1], [2], [3]]);
    expect(await db.rows('SELECT n FROM generate_series(10, 1, -3) AS g(n)')).toEqual([[10], [7], [4], [1]]);
    expect(await db.rows('SELECT count(*), sum(g) FROM generate_series(1, 10000) AS g')).toEqual([[10000, 50005000]]);
    expect(await db.rows('SELECT * FROM generate_series(1, NULL)')).toEqual([]);
    expect(await db.rows('SELECT a.id, (SELECT count(*) FROM generate_series(1, a.id) AS g) FROM a ORDER BY 1')).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
    ]);
    await expect(db.run('SELECT * FROM generate_series(1, 5, 0)')).rejects.toMatchObject({ sqlState: '22023' });
    await expect(db.run('SELECT * FROM generate_series(1)')).rejects.toMatchObject({ sqlState: '42883' });
  });

  it('reports undefined and ambiguous names', async () => {
    expect(await db.state('SELECT nope FROM a')).toBe('42703');
    expect(await db.state('SELECT id FROM a, b')).toBe('42702');
    expect(await db.state('SELECT z.id FROM a')).toBe('42P01');
    expect(await db.state('SELECT 1 FROM missing')).toBe('42P01');
  });
});

describe('joins', () => {
  it('joins with comma lists and INNER JOIN ... ON / USING', async () => {
    const expected = [[1, 1]];
    expect(await db.rows('SELECT a.id, b.id FROM a, b WHERE a.x = b.x')).toEqual(expected);
    expect(await db.rows('SELECT a.id, b.id FROM a JOIN b ON a.x = b.x')).toEqual(expected);
    expect(await db.rows('SELECT id, a.x, b.y FROM a JOIN b USING (id) ORDER BY id')).toEqual([
      [1, 10, 'u'],
      [2, 20, 'v'],
    ]);
  });

  it('keeps unmatched rows in LEFT, RIGHT and FULL joins', async () => {
    expect(await db.rows('SELECT a.id, b.id FROM a LEFT JOIN b ON a.x = b.x ORDER BY 1')).toEqual([
      [1, 1],
      [2, null],
      [3, null],
      [4, null],
    ]);
    expect(await db.rows('SELECT a.id, b.id FROM a RIGHT JOIN b ON a.x = b.x ORDER BY 2')).toEqual([
      [1, 1],
      [null, 2],
      [null, 5],
    ]);
    expect(await db.rows('SELECT a.id, b.id FROM a FULL JOIN b ON a.x = b.x ORDER BY 1, 2')).toEqual([
      [1, 1],
      [2, null],
      [3, null],
      [4, null],
      [null, 2],
      [null, 5],
    ]);
  });

  it('merges USING columns of outer joins from both sides', async () => {
    expect(await db.rows('SELECT id, a.x, b.y FROM a RIGHT JOIN b USING (id) ORDER BY id')).toEqual([
      [1, 10, 'u'],
      [2, 20, 'v'],
      [5, null, 'w'],
    ]);
    expect((await db.rows('SELECT * FROM a FULL JOIN b USING (id) ORDER BY id')).map((r) => r[0])).toEqual([1, 2, 3, 4, 5]);
  });

  it('filters the nullable side after the join, not before', async () => {
    expect(await db.rows('SELECT a.id FROM a LEFT JOIN b ON a.x = b.x WHERE b.id IS NULL ORDER BY 1')).toEqual([[2], [3], [4]]);
    expect(await db.rows("SELECT a.id, b.id FROM a LEFT JOIN b ON a.x = b.x AND b.y = 'zz' ORDER BY 1")).toEqual([
      [1, null],
      [2, null],
      [3, null],
      [4, null],
    ]);
  });

  it('computes CROSS JOIN and non-equi joins', async () => {
    expect((await db.rows('SELECT 1 FROM a CROSS JOIN b')).length).toBe(12);
    expect(sorted(await db.rows('SELECT a.id, b.id FROM a JOIN b ON a.x > b.x'))).toEqual(sorted([[2, 1], [4, 1]]));
  });

  it('joins many tables with pushed-down predicates', async () => {
    const rows = await db.rows(
      'SELECT a1.id, a2.id, a3.id, b1.id FROM a a1, a a2, a a3, b b1 WHERE a1.id = a2.id AND a2.id = a3.id AND a3.id = b1.id AND b1.x > 5',
    );
    expect(sorted(rows)).toEqual([
      [1, 1, 1, 1],
      [2, 2, 2, 2],
    ]);
  });
});

describe('NATURAL joins and WITH', () => {
  it('joins on the common columns for NATURAL JOIN', async () => {
    expect(await db.rows('SELECT * FROM a NATURAL JOIN b ORDER BY id')).toEqual([
      [1, 10, 'p', 'u'],
    ]);
  });

  it('plans WITH queries as derived tables, shadowing tables', async () => {
    expect(
      await db.rows('WITH w AS (SELECT id, x * 2 AS d FROM a), v(k) AS (SELECT id FROM w WHERE d > 25) SELECT w.id, d FROM w JOIN v ON w.id = v.k ORDER BY 1'),
    ).toEqual([
      [2, 40],
      [4, 40],
    ]);
    expect(await db.rows('WITH a AS (SELECT 99 AS id) SELECT * FROM a')).toEqual([[99]]);
    // RECURSIVE on a query that does not read itself changes nothing (recursive-cte.test.ts)
    expect(await db.rows('WITH RECURSIVE r AS (SELECT 1) SELECT * FROM r')).toEqual([[1]]);
  });
});

describe('grouping and aggregates', () => {
  it('computes aggregates per group with HAVING', async () => {
    expect(
      await db.rows('SELECT g, count(*), count(x), sum(x), min(x), max(x) FROM a GROUP BY g HAVING count(*) > 0 ORDER BY g'),
    ).toEqual([
      ['p', 2, 2, 30, 10, 20],
      ['q', 1, 0, null, null, null],
      [null, 1, 1, 20, 20, 20],
    ]);
  });

  it('groups by position, alias and expression', async () => {
    const want = [
      [0, 3],
      [null, 1],
    ];
    expect(await db.rows('SELECT x % 10, count(*) FROM a GROUP BY 1 ORDER BY 1')).toEqual(want);
    expect(await db.rows('SELECT x % 10 AS k, count(*) FROM a GROUP BY k ORDER BY k')).toEqual(want);
    expect(await db.rows('SELECT x % 10, count(*) FROM a GROUP BY x % 10 ORDER BY x % 10')).toEqual(want);
  });

  it('handles DISTINCT aggregates, avg and total, and empty input', async () => {
    expect(await db.rows('SELECT count(DISTINCT x), sum(DISTINCT x), avg(x), total(x) FROM a')).toEqual([[2, 30, 50 / 3, 50]]);
    expect(await db.rows('SELECT count(*), sum(x), max(x) FROM a WHERE id > 100')).toEqual([[0, null, null]]);
    expect(await db.rows('SELECT g, count(*) FROM a WHERE id > 100 GROUP BY g')).toEqual([]);
    // HAVING alone makes one group.
    expect(await db.rows('SELECT count(*) FROM a HAVING count(*) > 10')).toEqual([]);
    expect(await db.rows('SELECT 1 HAVING 1 = 1')).toEqual([[1]]);
  });

  it('counts DISTINCT numbers by value: 0 and -0, NaN and NaN, a bigint and the number it equals', async () => {
    await db.run('CREATE TABLE dv(id INTEGER PRIMARY KEY, x REAL, y BIGINT, s TEXT)');
    await db.run(
      "INSERT INTO dv VALUES (1, 1, 5, '1'), (2, 1.0, 5, '01'), (3, -0.0, 9007199254740993, '1'), (4, 0, 9007199254740993, NULL), (5, 'NaN', NULL, 'a'), (6, 'NaN', 7, 'a'), (7, NULL, 7, 'b')",
    );
    const [row] = await db.rows('SELECT count(DISTINCT x), count(DISTINCT y), count(DISTINCT s), sum(DISTINCT y), count(DISTINCT y + 0) FROM dv');
    expect(row).toEqual([3, 3, 4, 9007199254741005n, 3]);
    await db.run('DROP TABLE dv');
  });

  it('concatenates groups with string_agg, ordered or not', async () => {
    expect(await db.rows("SELECT g, string_agg(CAST(id AS text), ',') FROM a WHERE g IS NOT NULL GROUP BY g ORDER BY g")).toEqual([
      ['p', '1,2'],
      ['q', '3'],
    ]);
    expect(await db.rows("SELECT string_agg(y, '-' ORDER BY y DESC) FROM b")).toEqual([['w-v-u']]);
  });

  it('applies FILTER to aggregates; an aggregate with OVER is a window function (window.test.ts)', async () => {
    expect(await db.rows("SELECT count(*) FILTER (WHERE g = 'p'), sum(x) FILTER (WHERE id > 1), count(*) FROM a")).toEqual([[2, 40, 4]]);
    expect(await db.rows('SELECT id, sum(x) OVER () FROM a ORDER BY id')).toEqual([[1, 50], [2, 50], [3, 50], [4, 50]]);
  });

  it('rejects ungrouped columns with 42803', async () => {
    expect(await db.state('SELECT x FROM a GROUP BY g')).toBe('42803');
    expect(await db.state('SELECT x FROM a HAVING x > 1')).toBe('42803');
    expect(await db.state('SELECT 1 FROM a WHERE count(*) > 1')).toBe('42803');
  });
});

describe('DISTINCT, ORDER BY, LIMIT', () => {
  it('removes duplicates', async () => {
    expect(await db.rows('SELECT DISTINCT g FROM a ORDER BY g')).toEqual([['p'], ['q'], [null]]);
  });

  it('keeps the first row per key with DISTINCT ON', async () => {
    expect(await db.rows('SELECT DISTINCT ON (g) g, id FROM a ORDER BY g, x DESC')).toEqual([
      ['p', 2],
      ['q', 3],
      [null, 4],
    ]);
  });

  it('orders with NULLs last by default ascending and first descending', async () => {
    expect(await db.rows('SELECT id FROM a ORDER BY x, id')).toEqual([[1], [2], [4], [3]]);
    expect(await db.rows('SELECT id FROM a ORDER BY x DESC, id')).toEqual([[3], [2], [4], [1]]);
    expect(await db.rows('SELECT id FROM a ORDER BY x NULLS FIRST, id DESC')).toEqual([[3], [1], [4], [2]]);
  });

  it('orders by alias, position and expressions not selected', async () => {
    expect(await db.rows('SELECT id AS k FROM a ORDER BY k DESC')).toEqual([[4], [3], [2], [1]]);
    expect(await db.rows('SELECT id, g FROM a ORDER BY 2 DESC, 1')).toEqual([[4, null], [3, 'q'], [1, 'p'], [2, 'p']]);
    expect(await db.rows('SELECT g FROM a ORDER BY -id')).toEqual([[null], ['q'], ['p'], ['p']]);
  });

  it('applies LIMIT and OFFSET, also from parameters', async () => {
    expect(await db.rows('SELECT id FROM a ORDER BY id DESC LIMIT 2')).toEqual([[4], [3]]);
    expect(await db.rows('SELECT id FROM a ORDER BY id LIMIT $1 OFFSET $2', [2, 1])).toEqual([[2], [3]]);
    expect(await db.rows('SELECT id FROM a ORDER BY id OFFSET 3')).toEqual([[4]]);
  });
});

describe('subqueries', () => {
  it('evaluates scalar subqueries, correlated or not', async () => {
    expect(await db.rows('SELECT id, (SELECT count(*) FROM a AS z WHERE z.x < a.x) FROM a ORDER BY id')).toEqual([
      [1, 0],
      [2, 1],
      [3, 0],
      [4, 1],
    ]);
    expect(await db.rows('SELECT (SELECT max(x) FROM b)')).toEqual([[30]]);
    expect(await db.state('SELECT (SELECT id FROM b)')).toBe('21000');
  });

  it('evaluates IN, NOT IN and EXISTS subqueries', async () => {
    expect(await db.rows('SELECT id FROM a WHERE x IN (SELECT x FROM b) ORDER BY id')).toEqual([[1]]);
    // b.x holds a NULL: NOT IN is never true.
    expect(await db.rows('SELECT id FROM a WHERE x NOT IN (SELECT x FROM b)')).toEqual([]);
    expect(await db.rows('SELECT id FROM a WHERE x NOT IN (SELECT x FROM b WHERE x IS NOT NULL) ORDER BY id')).toEqual([[2], [4]]);
    expect(await db.rows('SELECT id FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.id = a.id) ORDER BY id')).toEqual([[1], [2]]);
    expect(await db.rows('SELECT id FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.id = a.id) ORDER BY id')).toEqual([[3], [4]]);
  });
});

describe('compound selects', () => {
  it('computes UNION, UNION ALL, INTERSECT and EXCEPT', async () => {
    expect(await db.rows('SELECT id FROM a UNION SELECT id FROM b ORDER BY 1')).toEqual([[1], [2], [3], [4], [5]]);
    expect((await db.rows('SELECT id FROM a UNION ALL SELECT id FROM b')).length).toBe(7);
    expect(await db.rows('SELECT id FROM a INTERSECT SELECT id FROM b ORDER BY id')).toEqual([[1], [2]]);
    expect(await db.rows('SELECT id FROM a EXCEPT SELECT id FROM b ORDER BY 1 DESC')).toEqual([[4], [3]]);
  });

  it('lets INTERSECT bind tighter than UNION', async () => {
    expect(await db.rows('SELECT 5 UNION SELECT id FROM a INTERSECT SELECT id FROM b ORDER BY 1')).toEqual([[1], [2], [5]]);
  });
});

describe('views', () => {
  it('expands a view and protects its tables', async () => {
    await db.run('CREATE TABLE vt(k INTEGER, v INTEGER)');
    await db.run('INSERT INTO vt VALUES (1, 5), (2, 50)');
    await db.run('CREATE VIEW big AS SELECT k, v * 2 AS dbl FROM vt WHERE v > 10');
    expect(await db.rows('SELECT * FROM big')).toEqual([[2, 100]]);
    expect(await db.state('CREATE VIEW big AS SELECT 1')).toBe('42P07');
    expect(await db.state('DROP TABLE vt')).toBe('2BP01');
    await db.run('DROP VIEW big');
    expect(await db.state('SELECT * FROM big')).toBe('42P01');
    await db.run('DROP TABLE vt');
  });
});

describe('a subquery whose select list starts with a parenthesis', () => {
  it('is a scalar subquery, nested or correlated (the grammar reads it as a call of SELECT)', async () => {
    const db = await TestDb.open();
    try {
      expect(await db.rows('SELECT (SELECT (SELECT 1))')).toEqual([[1]]);
      expect(await db.rows('SELECT 1 + (SELECT (SELECT 2))')).toEqual([[3]]);
      expect(await db.rows('SELECT (SELECT (SELECT 1) + 1)')).toEqual([[2]]);
      await db.run('CREATE TABLE sq (a INTEGER)');
      await db.run('INSERT INTO sq VALUES (1), (2), (3)');
      expect(await db.rows('SELECT (SELECT (a)) FROM sq ORDER BY 1')).toEqual([[1], [2], [3]]);
      expect(await db.rows('SELECT a FROM sq WHERE a = (SELECT (SELECT (2)))')).toEqual([[2]]);
    } finally {
      await db.close();
    }
  });

  it('is a subquery after IN, =, EXISTS and NOT EXISTS too (the grammar stops at its FROM)', async () => {
    const db = await TestDb.open();
    try {
      await db.run('CREATE TABLE sq (a INTEGER, b INTEGER)');
      await db.run('INSERT INTO sq VALUES (1, 2), (2, 3), (3, 4)');
      expect(await db.rows('SELECT a FROM sq WHERE a IN (SELECT (b) FROM sq) ORDER BY a')).toEqual([[2], [3]]);
      expect(await db.rows('SELECT a FROM sq WHERE a IN (SELECT (b) - 2 FROM sq) ORDER BY a')).toEqual([[1], [2]]);
      expect(await db.rows('SELECT a FROM sq WHERE a NOT IN (SELECT (b) + 0 FROM sq WHERE b < 4) ORDER BY a')).toEqual([[1]]);
      expect(await db.rows('SELECT a FROM sq WHERE a = (SELECT (max(b)) - 2 FROM sq)')).toEqual([[2]]);
      expect(await db.rows('SELECT a FROM sq s WHERE EXISTS (SELECT (b) FROM sq WHERE b = s.a) ORDER BY a')).toEqual([[2], [3]]);
      expect(await db.rows('SELECT a FROM sq s WHERE NOT EXISTS (SELECT (b) FROM sq WHERE b = s.a)')).toEqual([[1]]);
      expect(await db.rows('SELECT a FROM sq WHERE a IN (SELECT (b) FROM sq UNION SELECT (a) - 1 FROM sq) ORDER BY a')).toEqual([[1], [2], [3]]);
      // Token by token: the same letters in a string stay as they are.
      expect(await db.rows("SELECT '(SELECT (' || a FROM sq WHERE a IN (SELECT (b) - 2 FROM sq) ORDER BY a")).toEqual([['(SELECT (1'], ['(SELECT (2']]);
      // Still one column, and a real syntax error stays one, at its own position.
      expect(await db.state('SELECT a FROM sq WHERE a IN (SELECT (b), a FROM sq)')).toBe('42601');
      const e = await db.run('SELECT a FROM sq WHERE a IN (SELECT (b FROM sq)').then(
        () => null,
        (x: unknown) => x as { sqlState: string; message: string },
      );
      expect(e?.sqlState).toBe('42601');
      expect(e?.message).toContain('at or near "FROM"');
    } finally {
      await db.close();
    }
  });
});
