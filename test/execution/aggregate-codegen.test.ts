// Generated aggregation loops (agg-codegen.ts, leaf-columns.ts) against the shared loop: every
// query runs once with generation off (the reference), then with generation from the first row,
// twice (the second run reads the leaves' kept columns), and the answers (or errors) must be the
// same values in the same order, -0 and bigints included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DispatcherError } from '../../src/api/errors.js';
import { generatedLoops, setGenerateAfter } from '../../src/execution/agg-codegen.js';
import type { Row, SqlValue } from '../../src/storage/ports.js';
import { TestDb } from './harness.js';

const N = 3000;
let db: TestDb;

/** Deterministic pseudo-random numbers (the data must not change from run to run). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const TEXTS = ['', 'a', 'héllo', 'x😀y', '😀😀', 'plain text of some length', '\ud800', 'z'.repeat(70)];

beforeAll(async () => {
  db = await TestDb.open();
  await db.run('CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, c TEXT, r REAL, b BIGINT)');
  await db.run('CREATE TABLE e(id INTEGER PRIMARY KEY, k INTEGER, c TEXT)');
  await db.run('CREATE TABLE m(id INTEGER PRIMARY KEY, k INTEGER, c TEXT)');
  const next = rng(7);
  const txn = db.engine.begin();
  for (let i = 1; i <= N; i++) {
    const u = next();
    const k = u < 0.08 ? null : u < 0.12 ? -Math.floor(next() * 50) : u < 0.15 ? 5000 + Math.floor(next() * 20) : Math.floor(next() * 1000);
    const c = next() < 0.1 ? null : TEXTS[Math.floor(next() * TEXTS.length)]! + 'q'.repeat(Math.floor(next() * 5));
    const r = next() < 0.1 ? null : Math.floor(next() * 1e6) / 100 - 1000;
    const b = next() < 0.1 ? null : next() < 0.05 ? 2n ** 62n + BigInt(i) : Math.floor(next() * 2 ** 40) - 2 ** 39;
    txn.insert('t', [i, k, c, r, b]);
  }
  // Rows large enough to be stored out of line (their leaf entries are references).
  for (let i = N + 1; i <= N + 4; i++) txn.insert('t', [i, i % 9, 'L'.repeat(5000), 1.5, 3]);
  // A column whose values are not all integers (storage takes what it is given).
  const mixed: SqlValue[] = [7, 12, 2.5, 2n ** 60n, -0, 3, null, 40];
  mixed.forEach((k, i) => txn.insert('m', [i + 1, k, i % 2 === 0 ? 'ab' : null]));
  await txn.commit();
});

afterAll(async () => {
  setGenerateAfter(8192);
  await db.close();
});

type Outcome = { rows: Row[] } | { error: string };

async function outcome(sql: string, params: SqlValue[] = []): Promise<Outcome> {
  try {
    return { rows: (await db.run(sql, params)).rows };
  } catch (e) {
    if (e instanceof DispatcherError) return { error: e.sqlState };
    throw e;
  }
}

/** The answer of the shared loop, then the generated loop's (twice); the loops made are counted. */
async function compare(sql: string, params: SqlValue[] = []): Promise<Outcome> {
  setGenerateAfter(Infinity);
  const want = await outcome(sql, params);
  setGenerateAfter(0);
  try {
    const made = generatedLoops();
    const first = await outcome(sql, params);
    const second = await outcome(sql, params);
    expect(generatedLoops()).toBeGreaterThan(made);
    expect(first).toEqual(want);
    expect(second).toEqual(want);
  } finally {
    setGenerateAfter(Infinity);
  }
  return want;
}

describe('generated aggregation loops give the shared loop\'s answers', () => {
  it('W6 shape: k % 100, count(*), avg(length(c)) (NULL keys and texts, surrogates, overflow rows)', async () => {
    const r = await compare('SELECT k % 100, count(*), avg(length(c)) FROM t GROUP BY k % 100');
    expect('rows' in r && r.rows.length).toBeGreaterThan(100);
  });

  it('integer sums, totals, averages and counts per key; keys past the first accumulator size', async () => {
    await compare('SELECT k % 7, sum(k), total(k), avg(k), count(k), count(c), count(*) FROM t GROUP BY k % 7');
    await compare('SELECT k % 4000, sum(k), count(*) FROM t GROUP BY k % 4000');
    await compare('SELECT k - 5, count(*), sum(length(c)) FROM t GROUP BY k - 5');
    await compare('SELECT k + 2, avg(k + 2) FROM t GROUP BY k + 2');
  });

  it('bigint sums beyond 2^53 and past the exact range of the accumulators', async () => {
    const r = await compare('SELECT k % 3, sum(b), avg(b), count(b) FROM t GROUP BY k % 3');
    expect(JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? 'big' : v))).toContain('big');
    await compare('SELECT sum(b), avg(b), total(b) FROM t');
  });

  it('REAL sums keep the shared loop\'s order of additions (equal to the last bit)', async () => {
    await compare('SELECT k % 10, sum(r), avg(r), total(r) FROM t GROUP BY k % 10');
    await compare('SELECT count(*), sum(r), avg(r) FROM t');
  });

  it('no group key, non-integer arguments, FILTER, DISTINCT, min/max next to inlined aggregates', async () => {
    await compare('SELECT count(*), avg(length(c)), min(c), max(k) FROM t');
    await compare('SELECT k % 3, avg(k * 1.5), sum(r + 0.5), count(DISTINCT k), sum(k) FILTER (WHERE k > 10), max(c) FROM t GROUP BY k % 3');
  });

  it('keys that are not small integers: negative, large, NULL, text', async () => {
    await compare('SELECT k, count(*), sum(b), avg(length(c)) FROM t GROUP BY k');
    await compare('SELECT c, count(*), sum(length(c)) FROM t GROUP BY c');
  });

  it('a filtered scan feeds the loop batches instead of leaves; HAVING and ORDER BY above it', async () => {
    await compare('SELECT k % 10, avg(length(c)), count(*) FROM t WHERE id > 100 GROUP BY k % 10');
    await compare('SELECT k % 10 AS g, count(*) FROM t GROUP BY k % 10 HAVING count(*) > 100 ORDER BY g');
  });

  it('empty input: one row without keys, none with', async () => {
    const r = await compare('SELECT count(*), sum(k), avg(length(c)) FROM e');
    expect(r).toEqual({ rows: [[0, null, null]] });
    expect(await compare('SELECT k % 10, count(*), avg(length(c)) FROM e GROUP BY k % 10')).toEqual({ rows: [] });
  });

  it('values of other types in an integer column take the closures (results or errors alike)', async () => {
    await compare('SELECT k % 10, count(*) FROM m GROUP BY k % 10');
    await compare('SELECT sum(k), avg(k), count(k) FROM m');
    await compare('SELECT k, count(*) FROM m GROUP BY k');
    // A group whose only value is -0: its sum stays -0, as the shared loop has it.
    await compare('SELECT k % 5, sum(k), avg(k) FROM m WHERE id = 5 GROUP BY k % 5');
    await compare('SELECT sum(k), avg(k) FROM m WHERE id = 5');
  });

  it('a parameter operand: the loop made for one value still answers for another', async () => {
    setGenerateAfter(0);
    try {
      const { compiled } = db.compile('SELECT k % $1, count(*), sum(k) FROM t GROUP BY k % $1', [100]);
      const run = (p: SqlValue): Row[] => {
        const txn = db.engine.snapshot();
        try {
          const ex = compiled.start({
            view: txn,
            params: [p],
            counters: { rowsExamined: 0, rowsProduced: 0, indexesUsed: new Set() },
            checkInterrupt: () => {},
          });
          const out: Row[] = [];
          for (let b = ex.step(); b !== null; b = ex.step()) out.push(...b);
          ex.close();
          return out;
        } finally {
          txn.release();
        }
      };
      const at100 = run(100);
      const at7 = run(7);
      setGenerateAfter(Infinity);
      expect(at100).toEqual(await db.rows('SELECT k % $1, count(*), sum(k) FROM t GROUP BY k % $1', [100]));
      expect(at7).toEqual(await db.rows('SELECT k % $1, count(*), sum(k) FROM t GROUP BY k % $1', [7]));
    } finally {
      setGenerateAfter(Infinity);
    }
  });

  it('values kept per leaf follow changes (changed leaves are new leaves)', async () => {
    const sql = 'SELECT k % 5, count(*), avg(length(c)), sum(length(c)) FROM t GROUP BY k % 5';
    await compare(sql);
    await db.run("UPDATE t SET c = 'w' || id WHERE id % 3 = 0");
    await db.run('DELETE FROM t WHERE id % 11 = 0');
    await db.run("INSERT INTO t VALUES (100001, 4, 'new', 1.0, 1), (100002, NULL, NULL, NULL, NULL)");
    await compare(sql);
  });
});
