// Query shapes beyond W1-W9, dispatchdb (memory) against better-sqlite3 (memory) and sql.js on
// the bench's data: a survey of what dispatchdb does worse than the peers, not a workload with a
// target. Each query is prepared once; the engines take turns (three rounds, the collector run
// before each turn, a few unmeasured runs first), and the table gives the median of each
// engine's timed runs, each peer's time over dispatchdb's (higher is better for dispatchdb) and
// whether the answers agree with better-sqlite3's. Ties in ORDER BY and float sums in another
// order can differ without either being wrong ("differs").
//   node --expose-gc dist/bench/shapes.js [rows]
import Bs3 from 'better-sqlite3';
import { createRequire } from 'node:module';
import type { SqlJsStatic } from 'sql.js';
import { Database } from '../src/api/database.js';
import { generateT, generateU } from './data.js';

const SHAPES: readonly (readonly [string, string])[] = [
  ['count(*)', 'SELECT count(*) FROM t'],
  ['min and max of an indexed column', 'SELECT min(k), max(k) FROM t'],
  ['max(id) in a scalar subquery', 'SELECT * FROM t WHERE id = (SELECT max(id) FROM t)'],
  ['ORDER BY indexed column DESC LIMIT', 'SELECT * FROM t ORDER BY k DESC LIMIT 10'],
  ['ORDER BY primary key DESC LIMIT', 'SELECT * FROM t ORDER BY id DESC LIMIT 10'],
  ['LIKE prefix', "SELECT count(*) FROM t WHERE c LIKE 'ab%'"],
  ['LIKE infix', "SELECT count(*) FROM t WHERE c LIKE '%abc%'"],
  ['index range of ~1,000', 'SELECT * FROM t WHERE k BETWEEN 5000 AND 5999'],
  ['GROUP BY many groups, top 10', 'SELECT k, count(*) AS n FROM t GROUP BY k ORDER BY n DESC, k LIMIT 10'],
  ['count(DISTINCT)', 'SELECT count(DISTINCT k) FROM t'],
  ['primary-key join', 'SELECT count(*), sum(u.v) FROM t JOIN u ON u.id = t.id WHERE t.id < 1000'],
  ['join without an index', 'SELECT count(*) FROM u JOIN t ON t.k = u.t_id WHERE u.id < 5000'],
  ['IN list of 20', 'SELECT * FROM t WHERE id IN (5,77,123,999,1500,2500,3333,4444,5555,6666,7777,8888,9999,12345,23456,34567,45678,56789,67890,78901)'],
  ['range and filter', "SELECT count(*) FROM t WHERE id BETWEEN 1000 AND 50000 AND c > 'm'"],
  ['correlated EXISTS', 'SELECT count(*) FROM t WHERE id < 2000 AND EXISTS (SELECT 1 FROM u WHERE u.id = t.id AND u.v > 50)'],
  ['NOT IN subquery', 'SELECT count(*) FROM t WHERE id < 5000 AND k NOT IN (SELECT t_id FROM u WHERE id < 5000)'],
  ['window row_number, LIMIT', 'SELECT id, row_number() OVER (ORDER BY k) AS r FROM t ORDER BY k LIMIT 10'],
  ['ORDER BY LIMIT OFFSET', 'SELECT id FROM t ORDER BY pad LIMIT 10 OFFSET 1000'],
  ['GROUP BY two expressions', 'SELECT k % 10, length(c) % 3, count(*) FROM t GROUP BY 1, 2 ORDER BY 1, 2'],
  ['DISTINCT, ORDER BY, LIMIT', 'SELECT DISTINCT k % 1000 FROM t ORDER BY 1 LIMIT 5'],
  ['UNION', 'SELECT id FROM t WHERE id < 3000 UNION SELECT t_id FROM u WHERE id < 3000 ORDER BY 1'],
  ['UPDATE of 100 rows by key range', 'UPDATE t SET k = k + 0 WHERE id BETWEEN 20000 AND 20099'],
  ['lag over the primary key, LIMIT', 'SELECT id, lag(k) OVER (ORDER BY id) FROM t LIMIT 10'],
  ['running sum, LIMIT', 'SELECT id, sum(k) OVER (ORDER BY id) FROM t LIMIT 10'],
  ['rank in partitions, ORDER BY LIMIT', 'SELECT k, id, rank() OVER (PARTITION BY k ORDER BY id) FROM t ORDER BY k, id LIMIT 10'],
  ['GROUP BY, HAVING, ORDER BY keys LIMIT', 'SELECT k, max(c) FROM t GROUP BY k HAVING count(*) > 4 ORDER BY k LIMIT 10'],
  ['OR of index equalities', 'SELECT id FROM t WHERE k = 5 OR k = 77 OR k = 999'],
  ['ORDER BY index column and key, LIMIT', 'SELECT * FROM t ORDER BY k, id LIMIT 10'],
  ['count over an index range', 'SELECT count(*) FROM t WHERE k < 1000'],
  ['self join on an indexed column', 'SELECT count(*) FROM t a JOIN t b ON a.k = b.k WHERE a.id < 1000'],
  ['IN subquery', 'SELECT sum(v) FROM u WHERE t_id IN (SELECT id FROM t WHERE k < 100)'],
  ['GROUP BY text, ~100k groups', 'SELECT c, count(*) FROM t GROUP BY c ORDER BY 2 DESC, 1 LIMIT 5'],
  ['ORDER BY an expression, LIMIT', 'SELECT id FROM t ORDER BY k * 3 % 1000, id LIMIT 10'],
  ['index range holding most rows, count', 'SELECT count(*) FROM t WHERE k > 500'],
  ['index range holding most rows, rows', 'SELECT sum(length(c)) FROM t WHERE k > 500'],
  ['IN list of 20 on an unindexed column', 'SELECT sum(v) FROM u WHERE t_id IN (1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20)'],
  ['join from a few rows on an indexed column', 'SELECT count(*) FROM t a JOIN t b ON a.k = b.k WHERE a.id < 100'],
  ['GROUP BY ~63k keys, sum, top 3', 'SELECT t_id, sum(v) FROM u GROUP BY t_id ORDER BY 2 DESC LIMIT 3'],
  ['correlated EXISTS, no index on its column', 'SELECT count(*) FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.t_id = t.id AND u.v > 0.5)'],
  ['correlated count per row, no index', 'SELECT sum((SELECT count(*) FROM u WHERE u.t_id = t.id)) FROM t WHERE id < 20000'],
  ['whole-table join without an index', 'SELECT count(*) FROM t JOIN u ON u.t_id = t.id'],
  ['LEFT JOIN anti-join', 'SELECT count(*) FROM t LEFT JOIN u ON u.t_id = t.id WHERE u.id IS NULL'],
  ['ORDER BY text, every row', 'SELECT id FROM t ORDER BY c'],
  ['ORDER BY indexed column, deep OFFSET', 'SELECT * FROM t ORDER BY k LIMIT 10 OFFSET 50000'],
  ['IN subquery over a whole table', 'SELECT count(*) FROM t WHERE id IN (SELECT t_id FROM u WHERE v > 0.9)'],
  ['UNION of integer columns', 'SELECT k FROM t WHERE id < 20000 UNION SELECT t_id FROM u WHERE id < 20000'],
  ['filtered scan of a REAL column, aggregate', 'SELECT avg(v), count(*) FROM u WHERE v BETWEEN 250 AND 260'],
  ['filtered scan of a REAL column, rows', 'SELECT id, t_id FROM u WHERE v < 1'],
  ['DISTINCT over an index range', 'SELECT DISTINCT k FROM t WHERE k < 2000'],
  ['every row of a table', 'SELECT id, t_id FROM u'],
  ['ORDER BY two columns, every row', 'SELECT id FROM t ORDER BY k DESC, id'],
];

const median = (a: number[]): number => a.slice().sort((x, y) => x - y)[a.length >> 1]!;
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const require = createRequire(import.meta.url);

/** A first run longer than this is the engine's only timed run of the shape. */
const SLOW_MS = 2000;

/** Timed runs per round: enough for a median of short queries, few for the long ones. */
function runsFor(firstMs: number): number {
  return firstMs < 1 ? 40 : firstMs < 20 ? 10 : 3;
}

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 100_000);
  const t = [...generateT(rows)].flat();
  const u = [...generateU(rows, rows)].flat();
  const db = await Database.open(':memory:');
  const s = await db.connect();
  await s.execute('CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, c TEXT, pad TEXT)');
  await s.execute('CREATE INDEX t_k ON t(k)');
  await s.execute('CREATE TABLE u(id INTEGER PRIMARY KEY, t_id INTEGER, v REAL)');
  const insT = await s.prepare('INSERT INTO t VALUES ($1, $2, $3, $4)');
  const insU = await s.prepare('INSERT INTO u VALUES ($1, $2, $3)');
  await s.execute('BEGIN');
  await insT.executeMany(t);
  await insU.executeMany(u);
  await s.execute('COMMIT');
  const q = new Bs3(':memory:');
  q.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, c TEXT, pad TEXT); CREATE INDEX t_k ON t(k); CREATE TABLE u(id INTEGER PRIMARY KEY, t_id INTEGER, v REAL)');
  const qt = q.prepare('INSERT INTO t VALUES (?, ?, ?, ?)');
  const qu = q.prepare('INSERT INTO u VALUES (?, ?, ?)');
  q.transaction(() => {
    for (const r of t) qt.run(r);
    for (const r of u) qu.run(r);
  })();
  const SQL = await (require('sql.js') as () => Promise<SqlJsStatic>)();
  const j = new SQL.Database();
  j.run('CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, c TEXT, pad TEXT); CREATE INDEX t_k ON t(k); CREATE TABLE u(id INTEGER PRIMARY KEY, t_id INTEGER, v REAL)');
  j.run('BEGIN');
  const jt = j.prepare('INSERT INTO t VALUES (?, ?, ?, ?)');
  const ju = j.prepare('INSERT INTO u VALUES (?, ?, ?)');
  for (const r of t) jt.run(r as (number | string)[]);
  for (const r of u) ju.run(r as number[]);
  jt.free();
  ju.free();
  j.run('COMMIT');
  const jrun = (sql: string): unknown[][] => {
    const st = j.prepare(sql);
    const out: unknown[][] = [];
    while (st.step()) out.push(st.get());
    st.free();
    return out;
  };
  const lines = [
    '| shape | dispatchdb ms | better-sqlite3 ms | sql.js ms | bs3 / ddb | sql.js / ddb | answers |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const [name, sql] of SHAPES) {
    const ours = await s.prepare(sql);
    const theirs = q.prepare(sql);
    const writes = !theirs.reader;
    let a: unknown[][] = [];
    let b: unknown[][] = [];
    const turns: [number[], () => Promise<void>][] = [
      [[], async () => void (a = (await ours.execute([], { rowMode: 'array' })).rows as unknown[][])],
      [[], async () => void (writes ? theirs.run() : (b = theirs.raw().all() as unknown[][]))],
      [[], async () => void jrun(sql)],
    ];
    // Each engine's first run: one that takes seconds (a peer without an automatic index reading
    // a table per outer row) is timed by it alone.
    const first: number[] = [];
    for (const [, run] of turns) {
      const t0 = performance.now();
      await run();
      first.push(performance.now() - t0);
    }
    const n = runsFor(first[0]!);
    for (let round = 0; round < 3; round++) {
      for (let e = 0; e < turns.length; e++) {
        const [ms, run] = turns[e]!;
        if (first[e]! > SLOW_MS) {
          if (round === 0) ms.push(first[e]!);
          continue;
        }
        gc();
        for (let i = 0; i < 2; i++) await run();
        for (let i = 0; i < n; i++) {
          const t0 = performance.now();
          await run();
          ms.push(performance.now() - t0);
        }
      }
    }
    const [d, bs, js] = turns.map(([ms]) => median(ms)) as [number, number, number];
    const same = writes || JSON.stringify(a) === JSON.stringify(b);
    const agree = same ? 'same' : a.length === b.length ? 'differs (same count)' : `differs (${a.length} / ${b.length} rows)`;
    lines.push(`| ${name} | ${d.toFixed(3)} | ${bs.toFixed(3)} | ${js.toFixed(3)} | ${(bs / d).toFixed(2)} | ${(js / d).toFixed(2)} | ${agree} |`);
  }
  j.close();
  process.stdout.write(lines.join('\n') + '\n');
  q.close();
  await db.close();
}

void main();
