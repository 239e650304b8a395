// Window functions: results on a small fixed table (checked by hand and against PostgreSQL),
// PostgreSQL's errors, cancellation, and a differential test against SQLite (better-sqlite3)
// over random small tables and random window calls.
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlValue } from '../../src/storage/ports.js';
import { TestDb } from './harness.js';

let db: TestDb;
beforeAll(async () => {
  db = await TestDb.open();
  await db.run('CREATE TABLE t(id INTEGER PRIMARY KEY, g TEXT, x INTEGER, y REAL)');
  await db.run("INSERT INTO t VALUES (1, 'a', 10, 1.5), (2, 'a', 20, 2.5), (3, 'a', 20, NULL), (4, 'b', 5, 4.0), (5, 'b', NULL, 0.5), (6, NULL, 7, 7.0)");
  await db.run('CREATE TABLE big(id INTEGER PRIMARY KEY, k INTEGER, v INTEGER)');
  const txn = db.engine.begin();
  for (let i = 1; i <= 6000; i++) txn.insert('big', [i, i % 7, (i * 37) % 101]);
  await txn.commit();
});
afterAll(async () => {
  await db.close();
});

/** Columns of `rows` after the first (the id), rounded to 9 digits. */
const cols = (rows: unknown[][]): unknown[][] => rows.map((r) => r.slice(1).map((v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toFixed(9)) : v)));

describe('ranking functions', () => {
  it('numbers rows and ranks peers per partition', async () => {
    const r = await db.run(
      'SELECT id, row_number() OVER (PARTITION BY g ORDER BY x, id), rank() OVER (PARTITION BY g ORDER BY x), dense_rank() OVER (ORDER BY x), ' +
        'percent_rank() OVER (ORDER BY x), cume_dist() OVER (ORDER BY x), ntile(4) OVER (ORDER BY id) FROM t ORDER BY id',
    );
    expect(r.columns.map((c) => c.name)).toEqual(['id', 'row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile']);
    expect(r.columns.map((c) => c.type)).toEqual(['integer', 'bigint', 'bigint', 'bigint', 'real', 'real', 'bigint']);
    // x sorted: 5 (id 4), 7 (6), 10 (1), 20 (2), 20 (3), NULL (5): NULLs sort last
    expect(cols(r.rows)).toEqual([
      [1, 1, 3, 0.4, 0.5, 1],
      [2, 2, 4, 0.6, 0.833333333, 1],
      [3, 2, 4, 0.6, 0.833333333, 2],
      [1, 1, 1, 0, 0.166666667, 2],
      [2, 2, 5, 1, 1, 3],
      [1, 1, 2, 0.2, 0.333333333, 4],
    ]);
  });

  it('partitions by expressions, not only columns and calls', async () => {
    expect(
      cols(await db.rows('SELECT id, sum(x) OVER (PARTITION BY x % 2), row_number() OVER (PARTITION BY x > 9, g ORDER BY id) FROM t ORDER BY id')),
    ).toEqual([
      [50, 1],
      [50, 2],
      [50, 3],
      [12, 1],
      [null, 1],
      [12, 1],
    ]);
    expect(cols(await db.rows('SELECT id, count(*) OVER w FROM t WINDOW w AS (PARTITION BY (x + 1) % 3 ORDER BY id) ORDER BY id'))).toEqual([
      [1],
      [1],
      [2],
      [3],
      [1],
      [2],
    ]);
  });

  it('ntile spreads the remainder over the first buckets; one-row partitions rank 0', async () => {
    expect(await db.rows('SELECT ntile(3) OVER (ORDER BY id), ntile(10) OVER (ORDER BY id), percent_rank() OVER (PARTITION BY id) FROM t ORDER BY id')).toEqual([
      [1, 1, 0],
      [1, 2, 0],
      [2, 3, 0],
      [2, 4, 0],
      [3, 5, 0],
      [3, 6, 0],
    ]);
  });
});

describe('value functions', () => {
  it('lag, lead, first_value, last_value and nth_value over a named window', async () => {
    const r = await db.rows(
      'SELECT id, lag(x) OVER w, lead(x, 2, -1) OVER w, first_value(x) OVER w, last_value(x) OVER w, nth_value(x, 2) OVER w, ' +
        'last_value(x) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) FROM t WINDOW w AS (ORDER BY id) ORDER BY id',
    );
    expect(cols(r)).toEqual([
      [null, 20, 10, 10, null, 7],
      [10, 5, 10, 20, 20, 7],
      [20, null, 10, 20, 20, 7],
      [20, 7, 10, 5, 20, 7],
      [5, -1, 10, null, 20, 7],
      [null, -1, 10, 7, 20, 7],
    ]);
  });

  it('lag with a NULL or negative offset', async () => {
    expect(await db.rows('SELECT lag(id, NULL) OVER (ORDER BY id), lag(id, -1) OVER (ORDER BY id) FROM t WHERE id < 4 ORDER BY id')).toEqual([
      [null, 2],
      [null, 3],
      [null, null],
    ]);
  });
});

describe('aggregates over windows and frames', () => {
  it('default frames: running with peers under ORDER BY, the whole partition without', async () => {
    const r = await db.rows(
      'SELECT id, sum(x) OVER (PARTITION BY g ORDER BY x), count(*) OVER (), sum(x) OVER (PARTITION BY g), avg(x) OVER (PARTITION BY g), ' +
        'min(x) OVER (ORDER BY id), max(y) OVER (ORDER BY id DESC) FROM t ORDER BY id',
    );
    expect(cols(r)).toEqual([
      [10, 6, 50, 16.666666667, 10, 7],
      [50, 6, 50, 16.666666667, 10, 7],
      [50, 6, 50, 16.666666667, 10, 7],
      [5, 6, 5, 5, 5, 7],
      [5, 6, 5, 5, 5, 7],
      [7, 6, 7, 7, 5, 7],
    ]);
  });

  it('ROWS frames, sliding and empty', async () => {
    const r = await db.rows(
      'SELECT id, sum(x) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING), sum(x) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND 1 PRECEDING), ' +
        'count(x) OVER (ORDER BY id ROWS 2 PRECEDING), max(x) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND 2 FOLLOWING), ' +
        'avg(y) OVER (ORDER BY id ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) FROM t ORDER BY id',
    );
    expect(cols(r)).toEqual([
      [30, null, 1, 20, 3.5],
      [50, 10, 2, 20, 3.833333333],
      [45, 30, 3, 20, 3.833333333],
      [25, 40, 3, 7, 3.75],
      [12, 25, 2, 7, 7],
      [7, 5, 2, 7, null],
    ]);
  });

  it('RANGE frames with offsets; a NULL key frames the NULL peers', async () => {
    const r = await db.rows(
      'SELECT id, sum(x) OVER (ORDER BY x RANGE BETWEEN 5 PRECEDING AND 3 FOLLOWING), ' +
        'count(*) OVER (ORDER BY x NULLS FIRST RANGE BETWEEN 3 PRECEDING AND CURRENT ROW), ' +
        'sum(x) OVER (ORDER BY x DESC RANGE BETWEEN CURRENT ROW AND 10 FOLLOWING), ' +
        'sum(x) OVER (ORDER BY x RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM t ORDER BY id',
    );
    expect(cols(r)).toEqual([
      [22, 2, 22, 62],
      [40, 2, 50, 62],
      [40, 2, 50, 62],
      [12, 1, 5, 62],
      [null, 1, null, 62],
      [22, 2, 12, 62],
    ]);
  });

  it('GROUPS frames and EXCLUDE', async () => {
    const r = await db.rows(
      'SELECT id, min(x) OVER (ORDER BY id GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW), ' +
        'sum(x) OVER (ORDER BY x GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW), ' +
        'sum(x) OVER (ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE TIES), ' +
        'count(*) OVER (ORDER BY x RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP) FROM t ORDER BY id',
    );
    expect(cols(r)).toEqual([
      [20, 17, 62, 2],
      [10, 50, 42, 3],
      [5, 50, 42, 3],
      [20, 5, 62, 0],
      [5, 40, 62, 5],
      [null, 12, 62, 1],
    ]);
  });

  it('frame offsets from parameters', async () => {
    expect(cols(await db.rows('SELECT id, sum(id) OVER (ORDER BY id ROWS BETWEEN $1 PRECEDING AND CURRENT ROW) FROM t ORDER BY id', [2]))).toEqual([
      [1],
      [3],
      [6],
      [9],
      [12],
      [15],
    ]);
  });
});

describe('where window functions go', () => {
  it('over GROUP BY results, including aggregates of aggregates', async () => {
    const r = await db.rows(
      'SELECT g, sum(x), rank() OVER (ORDER BY sum(x) DESC), sum(sum(x)) OVER (ORDER BY g NULLS FIRST) FROM t GROUP BY g ORDER BY g NULLS FIRST',
    );
    expect(r).toEqual([
      [null, 7, 2, 7],
      ['a', 50, 1, 57],
      ['b', 5, 3, 62],
    ]);
  });

  it('in ORDER BY, by alias, and filtered from a derived table', async () => {
    expect((await db.rows('SELECT id FROM t ORDER BY row_number() OVER (ORDER BY x DESC NULLS LAST, id)')).map((r) => r[0])).toEqual([2, 3, 1, 6, 4, 5]);
    expect((await db.rows('SELECT id, rank() OVER (ORDER BY y DESC) AS r FROM t ORDER BY r, id')).map((r) => r[0])).toEqual([3, 6, 4, 2, 1, 5]);
    const top = await db.rows('SELECT id FROM (SELECT id, rank() OVER (PARTITION BY g ORDER BY x DESC) AS r FROM t) s WHERE r = 1 ORDER BY id');
    expect(top).toEqual([[2], [3], [5], [6]]);
  });

  it('with DISTINCT, LIMIT and expressions around the call', async () => {
    expect(await db.rows('SELECT DISTINCT count(*) OVER (PARTITION BY g) FROM t ORDER BY 1')).toEqual([[1], [2], [3]]);
    expect(await db.rows('SELECT id, 100 * row_number() OVER (ORDER BY id DESC) + 1 FROM t ORDER BY id LIMIT 2')).toEqual([
      [1, 601],
      [2, 501],
    ]);
  });

  it('refines named windows as PostgreSQL allows', async () => {
    const r = await db.rows('SELECT id, sum(x) OVER w, rank() OVER (w ORDER BY x), count(*) OVER w2 FROM t WINDOW w AS (PARTITION BY g), w2 AS (w ORDER BY id ROWS 1 PRECEDING) ORDER BY id');
    expect(r).toEqual([
      [1, 50, 1, 1],
      [2, 50, 2, 2],
      [3, 50, 2, 2],
      [4, 5, 1, 1],
      [5, 5, 2, 2],
      [6, 7, 1, 1],
    ]);
  });

  it('names its plan node in EXPLAIN', async () => {
    const { compiled } = db.compile('SELECT rank() OVER (PARTITION BY g ORDER BY x) FROM t');
    expect(compiled.explain().join('\n')).toMatch(/WindowAgg \(1 partition keys, 1 order keys\)/);
  });
});

describe('errors as PostgreSQL gives them', () => {
  it.each([
    ['SELECT id FROM t WHERE row_number() OVER () > 1', '42P20'],
    ['SELECT g FROM t GROUP BY g HAVING rank() OVER () > 0', '42P20'],
    ['SELECT count(*) FROM t GROUP BY rank() OVER ()', '42P20'],
    ['SELECT sum(rank() OVER ()) OVER () FROM t', '42P20'],
    ['SELECT sum(rank() OVER ()) FROM t', '42803'],
    ['SELECT rank() OVER w FROM t', '42704'],
    ['SELECT rank() OVER w FROM t WINDOW w AS (), w AS ()', '42P20'],
    ['SELECT rank() OVER (w PARTITION BY x) FROM t WINDOW w AS (PARTITION BY g)', '42P20'],
    ['SELECT rank() OVER (w ORDER BY x) FROM t WINDOW w AS (ORDER BY id)', '42P20'],
    ['SELECT count(*) OVER (w) FROM t WINDOW w AS (ORDER BY id ROWS 1 PRECEDING)', '42P20'],
    ['SELECT sum(x) OVER (ORDER BY x ROWS BETWEEN UNBOUNDED FOLLOWING AND CURRENT ROW) FROM t', '42P20'],
    ['SELECT sum(x) OVER (ORDER BY x ROWS BETWEEN CURRENT ROW AND 1 PRECEDING) FROM t', '42P20'],
    ['SELECT sum(x) OVER (ORDER BY x, id RANGE 1 PRECEDING) FROM t', '42P20'],
    ['SELECT sum(x) OVER (GROUPS 1 PRECEDING) FROM t', '42P20'],
    ['SELECT sum(x) OVER (ORDER BY id ROWS -1 PRECEDING) FROM t', '22013'],
    ['SELECT sum(x) OVER (ORDER BY id ROWS BETWEEN NULL PRECEDING AND CURRENT ROW) FROM t', '22004'],
    ['SELECT ntile(0) OVER () FROM t', '22014'],
    ['SELECT nth_value(x, 0) OVER () FROM t', '22016'],
    ['SELECT count(DISTINCT x) OVER () FROM t', '0A000'],
    ['SELECT sum(x) OVER (ORDER BY g RANGE 1 PRECEDING) FROM t', '0A000'],
    ['SELECT sum(x) OVER (ORDER BY id ROWS x PRECEDING) FROM t', '42P10'],
    ['SELECT nth_value(x) OVER () FROM t', '42883'],
  ])('%s -> %s', async (sql, state) => {
    expect(await db.state(sql)).toBe(state);
  });
});

describe('long inputs', () => {
  it('runs in bounded steps and matches a computation in JS', async () => {
    const r = await db.run('SELECT id, sum(v) OVER (PARTITION BY k ORDER BY id ROWS BETWEEN 3 PRECEDING AND CURRENT ROW), rank() OVER (ORDER BY v) FROM big ORDER BY id');
    expect(r.rows.length).toBe(6000);
    expect(r.steps.length).toBeGreaterThan(1);
    const v = (i: number): number => (i * 37) % 101;
    const sum4 = (i: number): number => {
      let s = 0;
      for (let j = i, n = 0; j >= 1 && n < 4; j -= 7, n++) s += v(j);
      return s;
    };
    const sorted = Array.from({ length: 6000 }, (_, i) => v(i + 1)).sort((a, b) => a - b);
    const rank = (x: number): number => sorted.indexOf(x) + 1;
    for (const i of [1, 2, 8, 29, 3000, 5999, 6000]) expect(r.rows[i - 1]).toEqual([i, sum4(i), rank(v(i))]);
  });

  it('hands out one big partition in slices', async () => {
    const r = await db.run('SELECT id, count(*) OVER (), sum(v) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE CURRENT ROW) FROM big');
    expect(r.rows.length).toBe(6000);
    expect(r.steps.length).toBeGreaterThan(2);
    expect(Math.max(...r.steps)).toBeLessThan(2100);
    let total = 0;
    for (let i = 1; i <= 6000; i++) total += (i * 37) % 101;
    const byId = new Map(r.rows.map((x) => [x[0], x]));
    expect(byId.get(77)).toEqual([77, 6000, total - ((77 * 37) % 101)]);
  });

  it('is cancelled between steps', async () => {
    await expect(db.run('SELECT sum(v) OVER (ORDER BY k, id), lag(v) OVER (ORDER BY v, id) FROM big', [], { cancelAfterSteps: 1 })).rejects.toMatchObject({ sqlState: '57014' });
  });
});

// ---------------------------------------------------------------- differential test vs SQLite

interface Spec {
  readonly sql: string;
}

const KEYS = ['x', 'y', 'g'] as const;
const dir = fc.tuple(fc.constantFrom('ASC', 'DESC'), fc.constantFrom('NULLS FIRST', 'NULLS LAST'));
const orderKeys = fc.uniqueArray(fc.tuple(fc.constantFrom(...KEYS), dir), { maxLength: 2, selector: (k) => k[0] });
const partition = fc.constantFrom('', 'PARTITION BY g', 'PARTITION BY y', 'PARTITION BY g, y', 'PARTITION BY x % 2', 'PARTITION BY y + 1, g', 'PARTITION BY (x > 2), coalesce(g, y)');
const offset = fc.integer({ min: 0, max: 3 });
const exclusion = fc.constantFrom('', '', ' EXCLUDE CURRENT ROW', ' EXCLUDE GROUP', ' EXCLUDE TIES', ' EXCLUDE NO OTHERS');

/** A frame clause; `offsets` false when offsets are not allowed (RANGE over several keys). */
function frame(units: string, offsets: boolean): fc.Arbitrary<string> {
  const startA = offsets
    ? fc.oneof(fc.constant('UNBOUNDED PRECEDING'), offset.map((n) => `${n} PRECEDING`), fc.constant('CURRENT ROW'), offset.map((n) => `${n} FOLLOWING`))
    : fc.constantFrom('UNBOUNDED PRECEDING', 'CURRENT ROW');
  return fc.tuple(startA, fc.nat(), offset, exclusion, fc.boolean()).map(([start, pick, n, ex, short]) => {
    // ends allowed after this start (PostgreSQL's rules)
    const ends = start.endsWith('FOLLOWING')
      ? [`${n + 1} FOLLOWING`, 'UNBOUNDED FOLLOWING']
      : start === 'CURRENT ROW'
        ? ['CURRENT ROW', ...(offsets ? [`${n} FOLLOWING`] : []), 'UNBOUNDED FOLLOWING']
        : ['CURRENT ROW', ...(offsets ? [`${n} PRECEDING`, `${n} FOLLOWING`] : []), 'UNBOUNDED FOLLOWING'];
    if (short && !start.endsWith('FOLLOWING')) return `${units} ${start}${ex}`;
    return `${units} BETWEEN ${start} AND ${ends[pick % ends.length]!}${ex}`;
  });
}

const orderText = (keys: [string, [string, string]][], tail: string): string => {
  const parts = keys.map(([k, [d, nl]]) => `${k} ${d} ${nl}`);
  if (tail !== '') parts.push(tail);
  return parts.length > 0 ? `ORDER BY ${parts.join(', ')}` : '';
};

/** Calls whose result depends on the order of rows among peers: ORDER BY ends with the id. */
const ordered: fc.Arbitrary<Spec> = fc
  .tuple(
    fc.constantFrom(
      'row_number()',
      'ntile(3)',
      'lag(x)',
      'lag(x, 2, -1)',
      'lead(y, 1)',
      'lead(x, 3, 0)',
      'first_value(x)',
      'last_value(y)',
      'nth_value(x, 2)',
      'count(*)',
      'count(x)',
      'sum(x)',
      'min(y)',
      'max(x)',
      'avg(x)',
    ),
    partition,
    orderKeys,
    fc.constantFrom('rows', 'groups', 'range'),
    fc.boolean(),
  )
  .chain(([fn, part, keys, units, withFrame]) =>
    (withFrame ? frame(units.toUpperCase(), units !== 'range' || keys.length === 0) : fc.constant('')).map((fr) => ({
      sql: `${fn} OVER (${part} ${orderText(keys, 'id')} ${fr})`,
    })),
  );

/** Calls whose result depends only on values: ranks, and aggregates over RANGE / GROUPS frames. */
const valued: fc.Arbitrary<Spec> = fc
  .tuple(
    fc.constantFrom('rank()', 'dense_rank()', 'percent_rank()', 'cume_dist()', 'count(*)', 'count(y)', 'sum(x)', 'min(x)', 'max(y)', 'avg(y)'),
    partition,
    orderKeys,
    fc.constantFrom('range', 'groups', 'none'),
  )
  .chain(([fn, part, keys, units]) => {
    const numericSingle = keys.length === 1 && keys[0]![0] !== 'g';
    const aggregate = !fn.endsWith('()') && units !== 'none' && (units === 'range' || keys.length > 0);
    const fr = aggregate ? frame(units.toUpperCase(), units === 'groups' || numericSingle) : fc.constant('');
    return fr.map((f) => ({ sql: `${fn} OVER (${part} ${orderText(keys, '')} ${f})` }));
  });

const rowArb = fc.record({
  g: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: null }),
  x: fc.option(fc.integer({ min: -4, max: 6 }), { nil: null }),
  y: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }),
});

function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'bigint') a = Number(a);
  if (typeof b === 'bigint') b = Number(b);
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));
  return a === b;
}

describe('differential: random windows against SQLite', () => {
  it('agrees with SQLite on random tables and window calls', async () => {
    const lite = new Database(':memory:');
    lite.exec('CREATE TABLE r(id INTEGER PRIMARY KEY, g TEXT, x INTEGER, y INTEGER)');
    await db.run('CREATE TABLE r(id INTEGER PRIMARY KEY, g TEXT, x INTEGER, y INTEGER)');
    let cases = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(rowArb, { minLength: 0, maxLength: 14 }), fc.array(fc.oneof(ordered, valued), { minLength: 1, maxLength: 3 }), async (rows, calls) => {
          lite.exec('DELETE FROM r');
          await db.run('DELETE FROM r');
          const ins = lite.prepare('INSERT INTO r VALUES (?, ?, ?, ?)');
          const txn = db.engine.begin();
          rows.forEach((r, i) => {
            const row: SqlValue[] = [i + 1, r.g, r.x, r.y];
            ins.run(...row);
            txn.insert('r', row);
          });
          await txn.commit();
          const sql = `SELECT id, ${calls.map((c) => c.sql).join(', ')} FROM r ORDER BY id`;
          const want = lite.prepare(sql).raw(true).all() as unknown[][];
          const got = await db.rows(sql);
          cases++;
          expect(got.length, sql).toBe(want.length);
          for (let i = 0; i < want.length; i++) {
            const ok = want[i]!.every((v, j) => same(got[i]![j], v));
            if (!ok) expect(got[i], `${sql}\nrow ${i + 1} of ${JSON.stringify(rows)}`).toEqual(want[i]);
          }
        }),
        { numRuns: 250, seed: 20261127 },
      );
    } finally {
      lite.close();
      await db.run('DROP TABLE r');
    }
    expect(cases).toBe(250);
  });

  it('agrees with SQLite on windows over GROUP BY', async () => {
    const lite = new Database(':memory:');
    lite.exec('CREATE TABLE q(id INTEGER PRIMARY KEY, g TEXT, x INTEGER, y INTEGER)');
    await db.run('CREATE TABLE q(id INTEGER PRIMARY KEY, g TEXT, x INTEGER, y INTEGER)');
    const sql =
      'SELECT g, count(*), sum(x), rank() OVER (ORDER BY count(*) DESC), dense_rank() OVER (ORDER BY sum(x) NULLS FIRST), ' +
      'sum(sum(y)) OVER (ORDER BY g NULLS LAST ROWS BETWEEN 1 PRECEDING AND CURRENT ROW), max(min(x)) OVER () FROM q GROUP BY g ORDER BY g NULLS LAST';
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(rowArb, { maxLength: 12 }), async (rows) => {
          lite.exec('DELETE FROM q');
          await db.run('DELETE FROM q');
          const ins = lite.prepare('INSERT INTO q VALUES (?, ?, ?, ?)');
          const txn = db.engine.begin();
          rows.forEach((r, i) => {
            ins.run(i + 1, r.g, r.x, r.y);
            txn.insert('q', [i + 1, r.g, r.x, r.y]);
          });
          await txn.commit();
          const want = lite.prepare(sql).raw(true).all() as unknown[][];
          expect(await db.rows(sql)).toEqual(want);
        }),
        { numRuns: 60, seed: 7 },
      );
    } finally {
      lite.close();
      await db.run('DROP TABLE q');
    }
  });
});
