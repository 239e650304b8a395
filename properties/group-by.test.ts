// GROUP BY against a model in plain JavaScript: for any rows (NULL keys, repeated keys, small and
// large integers, text), each query's groups and aggregates must be what grouping the rows by
// hand gives. Run through the shared aggregation loop and through the generated one (from the
// first row), since groups are made and finished on both paths.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../src/api/database.js';
import { setGenerateAfter } from '../src/execution/agg-codegen.js';

interface Rec {
  readonly k: number | null;
  readonly k2: string | null;
  readonly v: number | null;
}

const recArb: fc.Arbitrary<Rec> = fc.record({
  // Small keys take the aggregation's dense array, others its map; NULL is a group of its own.
  k: fc.option(fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: -5, max: 100_000 })), { freq: 6 }),
  k2: fc.option(fc.constantFrom('a', 'b', 'é'), { freq: 4 }),
  v: fc.option(fc.integer({ min: -1000, max: 1000 }), { freq: 4 }),
});

type Agg = 'count(*)' | 'count(v)' | 'sum(v)' | 'min(v)' | 'max(v)' | 'count(*) FILTER (WHERE v > 0)';
const AGGS: readonly Agg[] = ['count(*)', 'count(v)', 'sum(v)', 'min(v)', 'max(v)', 'count(*) FILTER (WHERE v > 0)'];

function aggregate(a: Agg, rows: readonly Rec[]): number | null {
  const vs = rows.map((r) => r.v).filter((v): v is number => v !== null);
  switch (a) {
    case 'count(*)':
      return rows.length;
    case 'count(v)':
      return vs.length;
    case 'sum(v)':
      return vs.length === 0 ? null : vs.reduce((x, y) => x + y, 0);
    case 'min(v)':
      return vs.length === 0 ? null : Math.min(...vs);
    case 'max(v)':
      return vs.length === 0 ? null : Math.max(...vs);
    case 'count(*) FILTER (WHERE v > 0)':
      return vs.filter((v) => v > 0).length;
  }
}

function model(rows: readonly Rec[], keys: readonly ('k' | 'k2')[], aggs: readonly Agg[]): unknown[][] {
  const groups = new Map<string, Rec[]>();
  if (keys.length === 0) groups.set('[]', [...rows]);
  for (const r of rows) {
    if (keys.length === 0) break;
    const key = JSON.stringify(keys.map((c) => r[c]));
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = []));
    g.push(r);
  }
  return [...groups].map(([key, g]) => [...(JSON.parse(key) as unknown[]), ...aggs.map((a) => aggregate(a, g))]);
}

const canon = (rows: readonly unknown[][]): string[] => rows.map((r) => JSON.stringify(r)).sort();

const lit = (v: number | string | null): string => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${v}'`);

describe('GROUP BY', () => {
  const old = setGenerateAfter(8192);
  afterAll(() => {
    setGenerateAfter(old);
  });

  for (const generated of [false, true]) {
    it(`groups and aggregates as the model does (${generated ? 'generated' : 'shared'} loop)`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(recArb, { maxLength: 60 }),
          fc.constantFrom<readonly ('k' | 'k2')[]>(['k'], ['k2'], ['k', 'k2'], []),
          fc.subarray([...AGGS], { minLength: 1 }),
          async (recs, keys, aggs) => {
            setGenerateAfter(generated ? 0 : 1e12);
            const db = await Database.open(':memory:');
            try {
              const s = await db.connect();
              await s.execute('CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, k2 TEXT, v INTEGER)');
              if (recs.length > 0)
                await s.execute(`INSERT INTO t VALUES ${recs.map((r, i) => `(${i + 1}, ${lit(r.k)}, ${lit(r.k2)}, ${lit(r.v)})`).join(', ')}`);
              const sql = `SELECT ${[...keys, ...aggs].join(', ')} FROM t${keys.length > 0 ? ` GROUP BY ${keys.join(', ')}` : ''}`;
              // Twice: a plan's second execution starts from what its first one learned.
              for (let run = 0; run < 2; run++) {
                const got = (await s.execute(sql, [], { rowMode: 'array' })).rows as unknown[][];
                expect(canon(got.map((r) => r.map((x) => (typeof x === 'bigint' ? Number(x) : x))))).toEqual(canon(model(recs, keys, aggs)));
              }
            } finally {
              await db.close();
            }
          },
        ),
        { numRuns: 60 },
      );
    });
  }
});

describe('GROUP BY many integer keys', () => {
  // Thousands of groups of keys beyond the small dense ones: the integer table grows several
  // times within one execution; keys at and past the 32-bit edges and -0 go where SQL equality says.
  const keyArb = fc.oneof(
    fc.integer({ min: -3000, max: 3000 }),
    fc.integer({ min: 4000, max: 2_000_000 }),
    fc.constantFrom(-0, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 53 - 1, 0.5, -1.5),
  );
  for (const generated of [false, true]) {
    it(`counts and sums each key's rows as the model does (${generated ? 'generated' : 'shared'} loop)`, async () => {
      const old = setGenerateAfter(generated ? 0 : 1e12);
      try {
        await fc.assert(
          fc.asyncProperty(fc.array(fc.tuple(keyArb, fc.integer({ min: -50, max: 50 })), { minLength: 1500, maxLength: 4000 }), async (recs) => {
            const db = await Database.open(':memory:');
            try {
              const s = await db.connect();
              await s.execute('CREATE TABLE t(id INTEGER PRIMARY KEY, k REAL, v INTEGER)');
              const ins = await s.prepare('INSERT INTO t VALUES ($1, $2, $3)');
              await ins.executeMany(recs.map(([k, v], i) => [i + 1, k, v]));
              // One plan over more rows, then fewer, then more: each execution refills the groups
              // the one before it left (aggregate-node.ts, GenState.pool).
              const q = await s.prepare('SELECT k, count(*), sum(v) FROM t WHERE id <= $1 GROUP BY k');
              for (const upTo of [recs.length, Math.floor(recs.length / 3), recs.length, 0]) {
                const want = new Map<number, [number, number]>();
                for (const [k, v] of recs.slice(0, upTo)) {
                  const key = k === 0 ? 0 : k;
                  const g = want.get(key) ?? [0, 0];
                  g[0]++;
                  g[1] += v;
                  want.set(key, g);
                }
                const got = (await q.execute([upTo], { rowMode: 'array' })).rows as number[][];
                expect(got.length).toBe(want.size);
                for (const [k, n, sum] of got) {
                  expect(want.get(k === 0 ? 0 : k!), `key ${k}`).toEqual([n, Number(sum)]);
                }
              }
            } finally {
              await db.close();
            }
          }),
          { numRuns: 12 },
        );
      } finally {
        setGenerateAfter(old);
      }
    });
  }
});

describe('GROUP BY in key order', () => {
  it('streams groups off an index as hashing them does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(recArb, { maxLength: 60 }),
        fc.constantFrom<readonly ('k' | 'k2')[]>(['k'], ['k2'], ['k', 'k2'], ['k2', 'k']),
        fc.subarray([...AGGS, 'max(k2)', "string_agg(k2, '/' ORDER BY v, k2)", 'count(DISTINCT v)'], { minLength: 1 }),
        fc.constantFrom('', ' DESC', ' NULLS FIRST', ' DESC NULLS LAST'),
        fc.option(fc.integer({ min: 0, max: 8 }), { nil: null }),
        fc.boolean(),
        async (recs, keys, aggs, dir, limit, having) => {
          const db = await Database.open(':memory:');
          try {
            const s = await db.connect();
            await s.execute('CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, k2 TEXT, v INTEGER)');
            await s.execute('CREATE INDEX t_k ON t(k)');
            await s.execute('CREATE INDEX t_k2k ON t(k2, k)');
            if (recs.length > 0)
              await s.execute(`INSERT INTO t VALUES ${recs.map((r, i) => `(${i + 1}, ${lit(r.k)}, ${lit(r.k2)}, ${lit(r.v)})`).join(', ')}`);
            const q = (wrap: (c: string) => string): string =>
              `SELECT ${keys.map((c) => `${wrap(c)} AS ${c}`).join(', ')}, ${aggs.join(', ')} FROM t GROUP BY ${keys.map(wrap).join(', ')}` +
              `${having ? ' HAVING count(*) > 1' : ''} ORDER BY ${keys.map((c) => `${c}${dir}`).join(', ')}${limit === null ? '' : ` LIMIT ${limit}`}`;
            // The reference groups by expressions, which no index orders: a hash aggregation and a sort.
            const want = (await s.execute(q((c) => (c === 'k' ? 'k + 0' : `k2 || ''`)), [], { rowMode: 'array' })).rows;
            const got = (await s.execute(q((c) => c), [], { rowMode: 'array' })).rows;
            expect(got).toEqual(want);
            const plan = ((await s.execute(`EXPLAIN ${q((c) => c)}`, [], { rowMode: 'array' })).rows as string[][]).map((r) => r[0]).join('\n');
            // One index serves k alone and (k2, k) either way; an index keeps NULLs first, and only
            // its first column's can be read apart, so k's must fall where the read puts them.
            const served = keys[0] === 'k' ? keys.length === 1 : dir === ' NULLS FIRST' || dir === ' DESC NULLS LAST';
            if (limit !== null && served) expect(plan).toContain('in key order');
          } finally {
            await db.close();
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('DISTINCT aggregates', () => {
  it('count and sum each distinct value once, through the bitset (small integers) and the Set (the rest) alike', async () => {
    const db = await Database.open(':memory:');
    try {
      const s = await db.connect();
      await s.execute('CREATE TABLE d(id INTEGER PRIMARY KEY, g INTEGER, x BIGINT)');
      // Around the bitset's limit (2^24), zero, negatives, values past 2^53's neighbourhood and NULL.
      const xArb = fc.option(fc.oneof(fc.integer({ min: -3, max: 40 }), fc.constantFrom(2 ** 24 - 1, 2 ** 24, 2 ** 24 + 1, 2 ** 40, 31, 32, 33, 1023, 1024)), { freq: 8 });
      await fc.assert(
        fc.asyncProperty(fc.array(fc.record({ g: fc.integer({ min: 0, max: 2 }), x: xArb }), { maxLength: 80 }), async (recs) => {
          await s.execute('DELETE FROM d');
          for (const [i, r] of recs.entries()) await s.execute('INSERT INTO d VALUES ($1, $2, $3)', [i, r.g, r.x]);
          const got = (await s.execute('SELECT g, count(DISTINCT x), sum(DISTINCT x), count(DISTINCT x % 7) FROM d GROUP BY g ORDER BY g', [], { rowMode: 'array' })).rows;
          const want = [0, 1, 2]
            .map((g) => recs.filter((r) => r.g === g))
            .filter((rs) => rs.length > 0)
            .map((rs) => {
              const xs = [...new Set(rs.map((r) => r.x).filter((x): x is number => x !== null))];
              const mods = new Set(xs.map((x) => x % 7 === 0 ? 0 : x % 7));
              return [rs[0]!.g, xs.length, xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0), mods.size];
            });
          expect(got.map((r) => (r as unknown[]).map((v) => (typeof v === 'bigint' ? Number(v) : v)))).toEqual(want);
        }),
        { numRuns: 100 },
      );
    } finally {
      await db.close();
    }
  });
});
