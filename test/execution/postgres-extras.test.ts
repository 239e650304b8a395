// PostgreSQL features beyond the sqllogictest corpus: the variance family of aggregates, regular
// expression predicates (~, ~*, !~, !~*, SIMILAR TO), gen_random_uuid(), TRUNCATE.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDb } from './harness.js';

let db: TestDb;
beforeAll(async () => {
  db = await TestDb.open();
  await db.run('CREATE TABLE s(id INTEGER PRIMARY KEY, v INTEGER, r REAL, g TEXT)');
  await db.run("INSERT INTO s VALUES (1, 2, 1.5, 'x'), (2, 4, NULL, 'x'), (3, 4, 2.5, 'y'), (4, 4, NULL, 'y'), (5, 5, 4.0, 'z'), (6, 5, NULL, 'x'), (7, 7, NULL, 'x'), (8, 9, NULL, 'y')");
});
afterAll(async () => {
  await db.close();
});

const code = (sql: string): Promise<string> => db.outcome(sql);

describe('variance and standard deviation', () => {
  it('samples divide by n - 1, populations by n; too few values is NULL', async () => {
    // v: 2 4 4 4 5 5 7 9, mean 5, squared deviations 32.
    const r = await db.run('SELECT variance(v), var_samp(v), var_pop(v), stddev(v), stddev_samp(v), stddev_pop(v) FROM s');
    const [vs, vs2, vp, sd, sd2, sp] = r.rows[0] as number[];
    expect(vs).toBeCloseTo(32 / 7, 12);
    expect(vs2).toBeCloseTo(32 / 7, 12);
    expect(vp).toBe(4);
    expect(sd).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(sd2).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(sp).toBe(2);
    // r: 1.5 2.5 4.0 (NULLs skipped), mean 8/3.
    const q = await db.run('SELECT var_pop(r), variance(r) FROM s');
    expect(q.rows[0]![0]).toBeCloseTo(((1.5 - 8 / 3) ** 2 + (2.5 - 8 / 3) ** 2 + (4 - 8 / 3) ** 2) / 3, 12);
    expect(q.rows[0]![1]).toBeCloseTo(((1.5 - 8 / 3) ** 2 + (2.5 - 8 / 3) ** 2 + (4 - 8 / 3) ** 2) / 2, 12);
    const g = await db.run('SELECT g, variance(r), var_pop(r), stddev(v) FROM s GROUP BY g ORDER BY g');
    expect(g.rows.map((row) => [row[0], row[1], row[2]])).toEqual([
      ['x', null, 0],
      ['y', null, 0],
      ['z', null, 0],
    ]);
    expect(g.rows[0]![3]).toBeCloseTo(Math.sqrt(((2 - 4.5) ** 2 + (4 - 4.5) ** 2 + (5 - 4.5) ** 2 + (7 - 4.5) ** 2) / 3), 12);
    expect((await db.run('SELECT stddev(v) FROM s WHERE id < 0')).rows).toEqual([[null]]);
    expect(await code('SELECT stddev(g) FROM s')).toBe('42883');
  });
});

describe('regular expressions', () => {
  it('~ and ~* match anywhere, !~ and !~* negate; NULL is NULL', async () => {
    const ids = async (w: string): Promise<unknown[]> => (await db.run(`SELECT id FROM s WHERE ${w} ORDER BY id`)).rows.map((r) => r[0]);
    expect(await ids("g ~ '^[xz]$'")).toEqual([1, 2, 5, 6, 7]);
    expect(await ids("g ~* 'Y'")).toEqual([3, 4, 8]);
    expect(await ids("g !~ 'x|y'")).toEqual([5]);
    expect(await ids("g !~* 'X|Y'")).toEqual([5]);
    expect((await db.run("SELECT NULL ~ 'a', 'a' ~ NULL, 'a.c' ~ 'a\\.c', 'abc' ~ 'a\\.c'")).rows).toEqual([[null, null, true, false]]);
    expect(await code("SELECT 'a' ~ '('")).toBe('2201B');
  });

  it('SIMILAR TO matches the whole string with % and _ as in LIKE and regex alternation', async () => {
    const q = "SELECT 'abc' SIMILAR TO 'a%', 'abc' SIMILAR TO 'b%', 'abc' SIMILAR TO '(x|a)(b|y)_', 'a.c' SIMILAR TO 'a.c', 'abc' SIMILAR TO 'a.c', 'abc' NOT SIMILAR TO '%c'";
    expect((await db.run(q)).rows).toEqual([[true, false, true, true, false, false]]);
  });
});

describe('row comparisons', () => {
  it('compare pairwise, IN lists rows, and NULL pairs answer as PostgreSQL does', async () => {
    await db.run('CREATE TABLE rc(id INTEGER PRIMARY KEY, v INTEGER)');
    await db.run('INSERT INTO rc VALUES (1, 99), (2, 21), (3, NULL)');
    const ids = async (w: string): Promise<unknown[]> => (await db.run(`SELECT id FROM rc WHERE ${w} ORDER BY id`)).rows.map((r) => r[0]);
    expect(await ids('(id, v) IN ((1, 99), (2, 21))')).toEqual([1, 2]);
    expect(await ids('(id, v) NOT IN ((1, 99), (5, 5))')).toEqual([2, 3]);
    expect(await ids('(id, v) = (2, 21)')).toEqual([2]);
    expect(await ids('ROW(id, v) <> ROW(2, 21)')).toEqual([1, 3]);
    expect(await ids('(v, id) < (30, 2)')).toEqual([2]);
    expect(await ids('(id, v) >= (2, 0)')).toEqual([2, 3]);
    expect((await db.run('SELECT (1, NULL) = (1, 2), (1, NULL) <> (2, 2), (1, 2) < (1, NULL), (1, 2) < (2, NULL), (1, 2) <= (1, 2)')).rows).toEqual([
      [null, true, null, true, true],
    ]);
    expect(await code('SELECT (1, 2) = (1, 2, 3)')).toBe('42601');
  });
});

describe('substring and every', () => {
  it('substring(s FROM a FOR b) over any expression, FROM or FOR alone, nested', async () => {
    const r = await db.run('SELECT substring(g || g || g FROM 2 FOR 1), substring(g || \'bcd\' FROM id), substring(g FOR 1), substring(substring(\'hello\' FROM 2) FROM 2 FOR 2) FROM s WHERE id < 3 ORDER BY id');
    expect(r.rows).toEqual([
      ['x', 'xbcd', 'x', 'll'],
      ['x', 'bcd', 'x', 'll'],
    ]);
  });

  it('every is bool_and', async () => {
    expect((await db.run('SELECT every(v > 1), every(v > 2), every(v > 9) FROM s WHERE id > 0')).rows).toEqual([[true, false, false]]);
    expect((await db.run('SELECT every(v > 2) FROM s WHERE id < 0')).rows).toEqual([[null]]);
    expect((await db.run('SELECT g, every(v < 5) FROM s GROUP BY g ORDER BY g')).rows).toEqual([
      ['x', false],
      ['y', false],
      ['z', false],
    ]);
  });
});

describe('to_char', () => {
  it('formats dates and timestamps as PostgreSQL does', async () => {
    const r = await db.run(
      "SELECT to_char(TIMESTAMP '2024-03-05 14:07:09.123', 'YYYY-MM-DD HH24:MI:SS.MS'), to_char(TIMESTAMP '2024-03-05 14:07:09', 'Dy, DD Mon YYYY HH12:MI AM'), " +
        "to_char(DATE '2024-03-05', 'FMMonth FMDD, YYYY'), to_char(DATE '2024-03-05', 'Month|Day|DDD|D|Q|WW|\"W\"YY'), to_char(TIMESTAMP '2024-12-31 00:05:00', 'HH12 am MONTH mon')",
    );
    expect(r.rows).toEqual([['2024-03-05 14:07:09.123', 'Tue, 05 Mar 2024 02:07 PM', 'March 5, 2024', 'March    |Tuesday  |065|3|1|10|W24', '12 am DECEMBER  dec']]);
  });

  it('formats numbers through 9, 0, the point, group separators and FM', async () => {
    const r = await db.run("SELECT to_char(12, '999'), to_char(-12, '999'), to_char(12, 'FM999'), to_char(12.5, '999.99'), to_char(0.5, '9.99'), to_char(0.5, '0.99'), to_char(1234567, '9,999,999'), to_char(12, '0000'), to_char(12.5, 'FM999.99'), to_char(12345, '999')");
    expect(r.rows).toEqual([['  12', ' -12', '12', '  12.50', '  .50', ' 0.50', ' 1,234,567', ' 0012', '12.5', ' ###']]);
    expect((await db.run("SELECT to_char(NULL::integer, '999'), to_char(1, NULL)")).rows).toEqual([[null, null]]);
  });
});

describe('ordered-set aggregates', () => {
  it('percentile_cont interpolates, percentile_disc picks, mode takes the most frequent', async () => {
    await db.run('CREATE TABLE os(id INTEGER PRIMARY KEY, g TEXT, v INTEGER)');
    await db.run("INSERT INTO os VALUES (1, 'x', 1), (2, 'x', 2), (3, 'x', 3), (4, 'x', 4), (5, 'y', 10), (6, 'y', NULL), (7, 'y', 10), (8, 'y', 20)");
    const all = 'percentile_cont(0.5) WITHIN GROUP (ORDER BY v), percentile_disc(0.5) WITHIN GROUP (ORDER BY v), percentile_cont(0.25) WITHIN GROUP (ORDER BY v DESC), mode() WITHIN GROUP (ORDER BY v)';
    expect((await db.run(`SELECT ${all} FROM os`)).rows).toEqual([[4, 4, 10, 10]]);
    expect((await db.run('SELECT g, percentile_cont(0.5) WITHIN GROUP (ORDER BY v), percentile_disc(1) WITHIN GROUP (ORDER BY v), mode() WITHIN GROUP (ORDER BY v) FROM os GROUP BY g ORDER BY g')).rows).toEqual([
      ['x', 2.5, 4, 1],
      ['y', 10, 20, 10],
    ]);
    expect((await db.run(`SELECT ${all} FROM os WHERE id < 0`)).rows).toEqual([[null, null, null, null]]);
    expect(await code('SELECT percentile_cont(1.5) WITHIN GROUP (ORDER BY v) FROM os')).toBe('22003');
    expect(await code('SELECT percentile_cont(v) FROM os')).toBe('42809');
  });
});

describe('DELETE ... USING', () => {
  it('deletes the rows the USING items join, RETURNING them', async () => {
    await db.run('CREATE TABLE du(id INTEGER PRIMARY KEY, v INTEGER)');
    await db.run('CREATE TABLE dv(id INTEGER PRIMARY KEY, w INTEGER)');
    await db.run('INSERT INTO du VALUES (1, 10), (2, 20), (3, 30)');
    await db.run('INSERT INTO dv VALUES (1, 5), (2, 6)');
    expect((await db.run('DELETE FROM du USING dv WHERE du.id = dv.id AND dv.w = 6 RETURNING du.id')).rows).toEqual([[2]]);
    await db.run('DELETE FROM du USING dv AS x, dv AS y WHERE du.id = x.id AND y.id = x.id');
    expect((await db.run('SELECT id FROM du ORDER BY id')).rows).toEqual([[3]]);
    await db.run('DELETE FROM dv');
    await db.run('DELETE FROM du USING dv');
    expect((await db.run('SELECT id FROM du')).rows).toEqual([[3]]);
  });
});

describe('partial indexes', () => {
  it('a plain one is built whole; a unique one is refused rather than refusing rows outside it', async () => {
    await db.run('CREATE TABLE pi(id INTEGER PRIMARY KEY, v INTEGER)');
    await db.run('INSERT INTO pi VALUES (1, 1), (2, 1), (3, 200)');
    await db.run('CREATE INDEX pi_v ON pi (v) WHERE v > 100');
    expect((await db.run('SELECT id FROM pi WHERE v = 1 ORDER BY id')).rows).toEqual([[1], [2]]);
    expect(await code('CREATE UNIQUE INDEX pi_u ON pi (v) WHERE v > 100')).toBe('0A000');
    await db.run('INSERT INTO pi VALUES (4, 1)');
    expect((await db.run('SELECT count(*) FROM pi WHERE v = 1')).rows).toEqual([[3]]);
  });
});

describe('LATERAL', () => {
  it('a FROM item reads the items before it, run again for each of their rows', async () => {
    await db.run('CREATE TABLE la(id INTEGER PRIMARY KEY, v INTEGER)');
    await db.run('CREATE TABLE lb(id INTEGER PRIMARY KEY, a_id INTEGER, x TEXT)');
    await db.run('INSERT INTO la VALUES (1, 10), (2, 20), (3, 30)');
    await db.run("INSERT INTO lb VALUES (1, 1, 'p'), (2, 1, 'q'), (3, 2, 'r')");
    expect((await db.run('SELECT la.id, s.w FROM la, LATERAL (SELECT v * 2 AS w) s ORDER BY la.id')).rows).toEqual([
      [1, 20],
      [2, 40],
      [3, 60],
    ]);
    // Top-1 per row, inner and outer.
    const top = 'SELECT x FROM lb WHERE lb.a_id = la.id ORDER BY lb.id DESC LIMIT 1';
    expect((await db.run(`SELECT la.id, s.x FROM la CROSS JOIN LATERAL (${top}) s ORDER BY la.id`)).rows).toEqual([
      [1, 'q'],
      [2, 'r'],
    ]);
    expect((await db.run(`SELECT la.id, s.x FROM la LEFT JOIN LATERAL (${top}) s ON true ORDER BY la.id`)).rows).toEqual([
      [1, 'q'],
      [2, 'r'],
      [3, null],
    ]);
    expect((await db.run('SELECT la.id, g FROM la JOIN LATERAL generate_series(1, la.id) g ON true ORDER BY 1, 2')).rows).toEqual([
      [1, 1],
      [2, 1],
      [2, 2],
      [3, 1],
      [3, 2],
      [3, 3],
    ]);
    const r = await db.run('SELECT la.id, c.n FROM la, LATERAL (SELECT count(*) AS n FROM lb WHERE lb.a_id = la.id) c WHERE c.n > 0 ORDER BY la.id');
    expect(r.rows).toEqual([
      [1, 2],
      [2, 1],
    ]);
    expect(r.compiled.explain().join('\n')).toContain('Nested Loop (lateral)');
  });
});

describe('ROLLUP and CUBE', () => {
  it('group by each grouping set, NULL for the columns a set leaves out, grouping() as their mask', async () => {
    await db.run('CREATE TABLE gs(id INTEGER PRIMARY KEY, x TEXT, y TEXT, v INTEGER)');
    await db.run("INSERT INTO gs VALUES (1, 'p', 'm', 1), (2, 'p', 'n', 2), (3, 'q', 'm', 4), (4, 'q', 'm', 8)");
    expect((await db.run('SELECT x, y, sum(v) FROM gs GROUP BY ROLLUP (x, y) ORDER BY x, y')).rows).toEqual([
      ['p', 'm', 1],
      ['p', 'n', 2],
      ['p', null, 3],
      ['q', 'm', 12],
      ['q', null, 12],
      [null, null, 15],
    ]);
    expect((await db.run('SELECT x, y, sum(v), grouping(x, y) FROM gs GROUP BY CUBE (x, y) ORDER BY 4, 1, 2')).rows).toEqual([
      ['p', 'm', 1, 0],
      ['p', 'n', 2, 0],
      ['q', 'm', 12, 0],
      ['p', null, 3, 1],
      ['q', null, 12, 1],
      [null, 'm', 13, 2],
      [null, 'n', 2, 2],
      [null, null, 15, 3],
    ]);
    expect((await db.run('SELECT y, x, count(*) AS n FROM gs GROUP BY y, ROLLUP (x) HAVING count(*) > 1 ORDER BY n DESC, y LIMIT 2')).rows).toEqual([
      ['m', null, 3],
      ['m', 'q', 2],
    ]);
    expect((await db.run('SELECT x, sum(v) FROM gs GROUP BY ROLLUP (x) ORDER BY sum(v)')).rows).toEqual([
      ['p', 3],
      ['q', 12],
      [null, 15],
    ]);
    // The grand total exists over no rows too.
    expect((await db.run('SELECT count(*) FROM gs WHERE id < 0 GROUP BY ROLLUP (x)')).rows).toEqual([[0]]);
    expect(await code('SELECT x FROM gs GROUP BY ROLLUP (x) UNION SELECT y FROM gs')).toBe('0A000');
  });
});

describe('gen_random_uuid and TRUNCATE', () => {
  it('gen_random_uuid gives a fresh version 4 UUID per call', async () => {
    const r = await db.run('SELECT gen_random_uuid(), gen_random_uuid() FROM s WHERE id < 3');
    const all = r.rows.flat() as string[];
    for (const u of all) expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(all).size).toBe(4);
  });

  it('TRUNCATE empties one table; several tables, RESTART IDENTITY and CASCADE are refused', async () => {
    await db.run('CREATE TABLE t2(id INTEGER PRIMARY KEY, v INTEGER)');
    await db.run('INSERT INTO t2 VALUES (1, 1), (2, 2)');
    expect(await code('TRUNCATE t2, s')).toBe('0A000');
    expect(await code('TRUNCATE t2 RESTART IDENTITY')).toBe('0A000');
    expect(await code('TRUNCATE t2 CASCADE')).toBe('0A000');
    expect(await code('TRUNCATE nosuch')).toBe('42P01');
    expect((await db.run('SELECT count(*) FROM t2')).rows).toEqual([[2]]);
    await db.run('TRUNCATE TABLE t2 CONTINUE IDENTITY RESTRICT');
    expect((await db.run('SELECT count(*) FROM t2')).rows).toEqual([[0]]);
    await db.run('INSERT INTO t2 VALUES (1, 5)');
    expect((await db.run('SELECT v FROM t2')).rows).toEqual([[5]]);
  });
});
