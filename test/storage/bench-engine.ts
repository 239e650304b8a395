// Storage engine micro-benchmark (not a test): npx tsx test/storage/bench-engine.ts [path|:memory:] [rows]
// Prints rows/s for a bulk insert, commit time, point-lookup latency, scan rate and small-commit
// rate, with better-sqlite3 doing the same work for scale.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import Database from 'better-sqlite3';
import { openStorage } from '../../src/storage/engine.js';
import type { TableDef } from '../../src/storage/ports.js';

const arg = process.argv[2] ?? ':memory:';
const N = Number(process.argv[3] ?? 100_000);
const tmp = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'dispatchdb-bench-'));
const file = arg === 'file' ? nodePath.join(tmp, 'bench.db') : arg;
const pad = 'x'.repeat(180);

function best(runs: number, f: () => number): number {
  let b = Infinity;
  for (let i = 0; i < runs; i++) b = Math.min(b, f());
  return b;
}

const def: TableDef = {
  name: 't',
  columns: [
    { name: 'id', type: 'integer', declaredType: 'INTEGER', notNull: true },
    { name: 'a', type: 'text', declaredType: 'TEXT', notNull: false },
    { name: 'b', type: 'integer', declaredType: 'INTEGER', notNull: false },
  ],
  primaryKey: [0],
  indexes: [],
};

const db = await openStorage(file, { durable: file !== ':memory:' });
const tx = db.begin();
tx.createTable(def);
let t0 = performance.now();
for (let i = 0; i < N; i++) tx.insert('t', [i, pad + i, i * 7]);
const insertRate = N / ((performance.now() - t0) / 1000);
t0 = performance.now();
await tx.commit();
const commitMs = performance.now() - t0;
const s = db.snapshot();
const getUs = best(5, () => {
  const t = performance.now();
  for (let i = 0; i < N; i++) s.getRow('t', [(i * 7919) % N]);
  return ((performance.now() - t) * 1000) / N;
});
const scanRate = best(5, () => {
  const t = performance.now();
  const c = s.scanTable('t');
  let sum = 0;
  for (let r = c.next(); r; r = c.next()) sum += r[2] as number;
  if (sum < 0) console.log(sum);
  return -N / ((performance.now() - t) / 1000);
});
s.release();
// Durable commits are fsync-bound: fewer of them.
const M = file === ':memory:' ? 20_000 : 300;
async function smallCommits(from: number, count: number): Promise<number> {
  const t = performance.now();
  for (let i = from; i < from + count; i++) {
    const w = db.begin();
    w.update('t', [i % N], [i % N, 'y', i]);
    await w.commit();
  }
  return count / ((performance.now() - t) / 1000);
}
await smallCommits(0, Math.min(M, 2000)); // warm-up
const smallRate = await smallCommits(M, M);
await db.close();

// better-sqlite3, same shape of work.
const lite = new Database(file === ':memory:' ? ':memory:' : nodePath.join(tmp, 'lite.db'));
// better-sqlite3 builds with WAL synchronous=NORMAL (no fsync per commit); FULL matches durable commits.
if (file !== ':memory:') {
  lite.pragma('journal_mode = WAL');
  lite.pragma('synchronous = FULL');
}
lite.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER)');
const ins = lite.prepare('INSERT INTO t VALUES (?, ?, ?)');
t0 = performance.now();
lite.transaction(() => {
  for (let i = 0; i < N; i++) ins.run(i, pad + i, i * 7);
})();
const liteInsert = N / ((performance.now() - t0) / 1000);
const get = lite.prepare('SELECT * FROM t WHERE id = ?').raw();
const liteGet = best(5, () => {
  const t = performance.now();
  for (let i = 0; i < N; i++) get.get((i * 7919) % N);
  return ((performance.now() - t) * 1000) / N;
});
const all = lite.prepare('SELECT * FROM t').raw();
const liteScan = best(3, () => {
  const t = performance.now();
  let sum = 0;
  for (const r of all.iterate()) sum += (r as number[])[2]!;
  if (sum < 0) console.log(sum);
  return -N / ((performance.now() - t) / 1000);
});
const upd = lite.prepare('UPDATE t SET a = ?, b = ? WHERE id = ?');
for (let i = 0; i < Math.min(M, 2000); i++) upd.run('y', i, i);
t0 = performance.now();
for (let i = M; i < 2 * M; i++) upd.run('y', i, i % N);
const liteSmall = M / ((performance.now() - t0) / 1000);
lite.close();
fs.rmSync(tmp, { recursive: true, force: true });

const f = (n: number): string => Math.round(n).toLocaleString('en-US');
console.log(`engine: ${file === ':memory:' ? ':memory:' : 'file (durable)'}, ${N} rows of ~200 bytes`);
console.log(`insert (one txn)   ${f(insertRate)} rows/s   better-sqlite3 ${f(liteInsert)} rows/s`);
console.log(`commit of that txn ${commitMs.toFixed(1)} ms`);
console.log(`getRow             ${getUs.toFixed(2)} µs      better-sqlite3 prepared get ${liteGet.toFixed(2)} µs`);
console.log(`full scan          ${f(-scanRate)} rows/s   better-sqlite3 iterate ${f(-liteScan)} rows/s`);
console.log(`1-row commits      ${f(smallRate)} /s       better-sqlite3 autocommit updates ${f(liteSmall)} /s`);
