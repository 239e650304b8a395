// Query shapes beyond W1-W9, dispatchdb (memory) against better-sqlite3 (memory) on the bench's
// data: a survey for what the planner does badly, not a workload with a target. Each query is
// prepared once and run 7 times on each engine, alternating; the table gives the medians, the
// ratio (better-sqlite3 / dispatchdb: higher is better) and whether the answers agree. Ties in
// ORDER BY and float sums in another order can differ without either being wrong ("differs").
//   node --expose-gc dist/bench/shapes.js [rows]
import Bs3 from 'better-sqlite3';
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
];

const median = (a: number[]): number => a.slice().sort((x, y) => x - y)[a.length >> 1]!;

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
  const lines = ['| shape | dispatchdb ms | better-sqlite3 ms | ratio | answers |', '| --- | ---: | ---: | ---: | --- |'];
  for (const [name, sql] of SHAPES) {
    const ours = await s.prepare(sql);
    const theirs = q.prepare(sql);
    const ms: number[] = [];
    const bms: number[] = [];
    let a: unknown[][] = [];
    let b: unknown[][] = [];
    for (let i = 0; i < 7; i++) {
      let t0 = performance.now();
      a = (await ours.execute([], { rowMode: 'array' })).rows as unknown[][];
      ms.push(performance.now() - t0);
      t0 = performance.now();
      if (theirs.reader) b = theirs.raw().all() as unknown[][];
      else theirs.run();
      bms.push(performance.now() - t0);
    }
    const same = !theirs.reader || JSON.stringify(a) === JSON.stringify(b);
    const agree = same ? 'same' : a.length === b.length ? 'differs (same count)' : `differs (${a.length} / ${b.length} rows)`;
    lines.push(`| ${name} | ${median(ms).toFixed(2)} | ${median(bms).toFixed(2)} | ${(median(bms) / median(ms)).toFixed(2)} | ${agree} |`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  q.close();
  await db.close();
}

void main();
