import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DispatcherError } from '../../src/api/errors.js';
import { Engine, openStorage } from '../../src/storage/engine.js';
import type { Row, StorageEngine, StorageOptions } from '../../src/storage/ports.js';
import { drain, tableDef } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dispatchdb-storage-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});
let counter = 0;
function dbPath(): string {
  return path.join(dir, `t${++counter}.db`);
}

const opts: StorageOptions = { durable: false, pageSize: 4096 };

const itemsDef = tableDef('items', [['id', 'integer'], ['name', 'text'], ['data', 'bytea'], ['n', 'bigint']], [0], [
  { name: 'items_name', table: 'items', columns: [1], unique: true, implicit: false },
]);

function itemRow(i: number): Row {
  return [i, `item-${i}`, new Uint8Array([i & 255, 1, 2]), 2n ** 60n + BigInt(i)];
}

async function fill(db: StorageEngine, from: number, to: number): Promise<void> {
  const tx = db.begin();
  if (!tx.getTable('items')) tx.createTable(itemsDef);
  for (let i = from; i < to; i++) tx.insert('items', itemRow(i));
  await tx.commit();
}

/** Copies the database and its WAL as a crash would leave them (no checkpoint, no lock). */
function crashCopy(src: string): string {
  const dst = dbPath();
  fs.copyFileSync(src, dst);
  if (fs.existsSync(`${src}-wal`)) fs.copyFileSync(`${src}-wal`, `${dst}-wal`);
  return dst;
}

async function errorOf(p: Promise<unknown> | (() => unknown)): Promise<DispatcherError> {
  try {
    if (typeof p === 'function') p();
    else await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DispatcherError);
    return e as DispatcherError;
  }
  throw new Error('expected an error');
}

describe('file engine', () => {
  it('commits, closes and reopens with rows, indexes, meta and large values', async () => {
    const p = dbPath();
    const db = await openStorage(p, opts);
    await fill(db, 0, 3000);
    const big = 'x'.repeat(50_000);
    const tx = db.begin();
    tx.insert('items', [100000, 'big', new Uint8Array(20_000).fill(7), 1]);
    tx.createTable(tableDef('docs', [['id', 'integer'], ['body', 'text']]));
    tx.insert('docs', [1, big]);
    tx.insert('docs', [2, 'small']);
    tx.setMeta('setting', { a: [1, 2, 3] });
    tx.createTable(tableDef('empty', [['a', 'integer']], []));
    await tx.commit();
    expect(db.integrityCheck()).toEqual([]);
    await db.close();

    const db2 = await openStorage(p, opts);
    const s = db2.snapshot();
    expect(s.rowCount('items')).toBe(3001);
    expect(s.getRow('items', [1234])).toEqual([1234, 'item-1234', new Uint8Array([1234 & 255, 1, 2]), 2n ** 60n + 1234n]);
    const bigRow = s.getRow('items', [100000])!;
    expect(bigRow[2]).toEqual(new Uint8Array(20_000).fill(7));
    expect(s.getRow('docs', [1])).toEqual([1, big]);
    expect(drain(s.scanTable('docs'))).toEqual([[1, big], [2, 'small']]);
    expect(drain(s.scanIndex('items', 'items_name', { lower: ['item-2999'], upper: ['item-2999'] }))).toEqual([[2999]]);
    expect(s.getMeta('setting')).toEqual({ a: [1, 2, 3] });
    expect(s.tables().map((t) => t.name).sort()).toEqual(['docs', 'empty', 'items']);
    expect(drain(s.scanTable('items')).length).toBe(3001);
    s.release();
    expect(db2.integrityCheck()).toEqual([]);
    await db2.close();
  });

  it('recovers committed transactions from the WAL after a crash', async () => {
    const p = dbPath();
    const db = await openStorage(p, opts);
    await fill(db, 0, 500);
    await db.checkpoint();
    await fill(db, 500, 1000);
    const tx = db.begin();
    tx.delete('items', [10]);
    tx.update('items', [11], [11, 'eleven', null, 0]);
    await tx.commit();
    const crashed = crashCopy(p);
    // An uncommitted transaction's writes never reach the log.
    const open = db.begin();
    open.insert('items', [5000, 'never', null, 0]);
    await db.close();

    const db2 = await openStorage(crashed, opts);
    const s = db2.snapshot();
    expect(s.rowCount('items')).toBe(999);
    expect(s.getRow('items', [10])).toBeUndefined();
    expect(s.getRow('items', [11])).toEqual([11, 'eleven', null, 0]);
    expect(s.getRow('items', [999])).toEqual(itemRow(999));
    expect(s.getRow('items', [5000])).toBeUndefined();
    s.release();
    expect(db2.integrityCheck()).toEqual([]);
    await fill(db2, 1000, 1100);
    await db2.close();
    const db3 = await openStorage(crashed, opts);
    expect(db3.snapshot().rowCount('items')).toBe(1099);
    expect(db3.integrityCheck()).toEqual([]);
    await db3.close();
  });

  it('cuts a torn or corrupt WAL tail back to the last complete commit', async () => {
    const p = dbPath();
    const db = await openStorage(p, opts);
    await fill(db, 0, 100);
    const afterFirst = fs.statSync(`${p}-wal`).size;
    await fill(db, 100, 200);
    const full = fs.statSync(`${p}-wal`).size;

    // Torn: the second commit is cut in the middle.
    const torn = crashCopy(p);
    fs.truncateSync(`${torn}-wal`, afterFirst + Math.floor((full - afterFirst) / 2));
    // Corrupt: a byte of the second commit's frames flipped.
    const bad = crashCopy(p);
    const fd = fs.openSync(`${bad}-wal`, 'r+');
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, afterFirst + 100);
    b[0] = b[0]! ^ 0xff;
    fs.writeSync(fd, b, 0, 1, afterFirst + 100);
    fs.closeSync(fd);
    // Garbage appended after the last commit.
    const junk = crashCopy(p);
    fs.appendFileSync(`${junk}-wal`, Buffer.alloc(5000, 0xab));
    await db.close();

    for (const [file, rows] of [[torn, 100], [bad, 100], [junk, 200]] as const) {
      const d = await openStorage(file, opts);
      const s = d.snapshot();
      expect(s.rowCount('items')).toBe(rows);
      expect(drain(s.scanTable('items')).length).toBe(rows);
      s.release();
      expect(d.integrityCheck()).toEqual([]);
      await fill(d, 1000, 1010);
      await d.close();
      const again = await openStorage(file, opts);
      expect(again.snapshot().rowCount('items')).toBe(rows + 10);
      await again.close();
    }
  });

  it('reports a flipped byte in a data page as XX001 when the page is read', async () => {
    const p = dbPath();
    const db = await openStorage(p, opts);
    await fill(db, 0, 2000);
    await db.close();
    // Flip a byte in the middle of the file (a table page, not the header or catalog).
    const size = fs.statSync(p).size;
    const pageSize = 4096;
    const victim = Math.floor(size / pageSize / 2);
    const fd = fs.openSync(p, 'r+');
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, victim * pageSize + 200);
    b[0] = b[0]! ^ 0x01;
    fs.writeSync(fd, b, 0, 1, victim * pageSize + 200);
    fs.closeSync(fd);
    let db2: StorageEngine | undefined;
    let err: DispatcherError | undefined;
    try {
      db2 = await openStorage(p, opts);
      const s = db2.snapshot();
      drain(s.scanTable('items'));
      drain(s.scanIndex('items', 'items_name'));
    } catch (e) {
      err = e as DispatcherError;
    }
    expect(err).toBeInstanceOf(DispatcherError);
    expect(err!.sqlState).toBe('XX001');
    expect(err!.message).toBe(`page ${victim} of ${p} is corrupted`);
    if (db2) await db2.close();
  });

  it('refuses a second opener with 55006 and takes over a stale lock', async () => {
    const p = dbPath();
    const db = await openStorage(p, opts);
    const e = await errorOf(openStorage(p, opts));
    expect(e.sqlState).toBe('55006');
    expect(e.message).toBe(`database file is in use by process ${process.pid}`);
    await db.close();
    // A lock file left by a process that no longer exists.
    fs.writeFileSync(`${p}-lock`, '999999999');
    const db2 = await openStorage(p, opts);
    await db2.close();
    expect(fs.existsSync(`${p}-lock`)).toBe(false);
  });

  it('rejects foreign files and newer format versions with clear errors', async () => {
    const foreign = dbPath();
    fs.writeFileSync(foreign, Buffer.alloc(8192, 0x42));
    const e1 = await errorOf(openStorage(foreign, opts));
    expect(e1.sqlState).toBe('XX001');
    expect(e1.message).toContain('not a dispatchdb database file');

    const p = dbPath();
    const db = await openStorage(p, opts);
    await db.close();
    const fd = fs.openSync(p, 'r+');
    const v = Buffer.alloc(4);
    v.writeUInt32LE(99);
    fs.writeSync(fd, v, 0, 4, 16);
    fs.closeSync(fd);
    const e2 = await errorOf(openStorage(p, opts));
    expect(e2.sqlState).toBe('0A000');
    expect(e2.message).toContain('format version 99');

    const short = dbPath();
    fs.writeFileSync(short, 'hello');
    expect((await errorOf(openStorage(short, opts))).sqlState).toBe('XX001');
  });

  it('reuses freed pages and accounts for every page after reopen', async () => {
    const p = dbPath();
    const db = await openStorage(p, opts);
    await fill(db, 0, 2000);
    for (let round = 0; round < 5; round++) {
      const tx = db.begin();
      for (let i = 0; i < 2000; i += 3) tx.update('items', [i], [i, `item-${i}`, null, round]);
      await tx.commit();
    }
    const tx = db.begin();
    tx.dropTable('items');
    tx.createTable(itemsDef);
    await tx.commit();
    await fill(db, 0, 2000);
    const pages = db.stats().pageCount;
    expect(db.integrityCheck()).toEqual([]);
    await db.close();
    const db2 = await openStorage(p, opts);
    expect(db2.integrityCheck()).toEqual([]);
    await fill(db2, 5000, 5500);
    // Rewriting the same data again reuses free pages instead of growing the file much.
    expect(db2.stats().pageCount).toBeLessThan(pages * 1.2);
    expect(db2.stats().freePages).toBeGreaterThan(0);
    await db2.close();
    // The crash path rebuilds the free list by walking the trees.
    const db3 = await openStorage(p, opts);
    await fill(db3, 6000, 6100);
    const crashed = crashCopy(p);
    await db3.close();
    const db4 = await openStorage(crashed, opts);
    expect(db4.integrityCheck()).toEqual([]);
    await db4.close();
  });

  it('keeps readers on their snapshot across commits, page reuse and eviction', async () => {
    const p = dbPath();
    const db = await openStorage(p, { ...opts, poolPages: 16 });
    await fill(db, 0, 3000);
    const s = db.snapshot();
    const cur = s.scanTable('items');
    const first = cur.next();
    for (let round = 0; round < 3; round++) {
      const tx = db.begin();
      for (let i = 0; i < 3000; i += 2) tx.update('items', [i], [i, `v${round}-${i}`, null, round]);
      await tx.commit();
      await db.checkpoint();
    }
    const rest = drain(cur);
    expect([first, ...rest]).toEqual(Array.from({ length: 3000 }, (_, i) => itemRow(i)));
    expect(s.getRow('items', [2])).toEqual(itemRow(2));
    s.release();
    const s2 = db.snapshot();
    expect(s2.getRow('items', [2])).toEqual([2, 'v2-2', null, 2]);
    s2.release();
    const st = db.stats();
    expect(st.poolSize).toBeLessThanOrEqual(16);
    expect(st.evictions).toBeGreaterThan(0);
    expect(db.integrityCheck()).toEqual([]);
    await db.close();
  });

  it('batches concurrent commits into shared fsyncs and applies them all', async () => {
    const p = dbPath();
    const db = await openStorage(p, { pageSize: 4096, durable: true });
    await fill(db, 0, 10);
    const before = db.stats().fsyncs;
    const commits: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) {
      const tx = db.begin();
      tx.insert('items', itemRow(100 + i));
      tx.update('items', [i % 10], [i % 10, `w${i}`, null, i]);
      commits.push(tx.commit());
    }
    await Promise.all(commits);
    expect(db.stats().fsyncs - before).toBeLessThan(40);
    const s = db.snapshot();
    expect(s.rowCount('items')).toBe(50);
    s.release();
    await db.close();
    const db2 = await openStorage(p, opts);
    expect(db2.snapshot().rowCount('items')).toBe(50);
    expect(db2.integrityCheck()).toEqual([]);
    await db2.close();
  });

  it('checkpoints automatically past checkpointBytes', async () => {
    const p = dbPath();
    const db = (await openStorage(p, { ...opts, checkpointBytes: 64 * 1024 })) as Engine;
    // Row-change commits are logged as redo records (~40 bytes a row here): 4,000 rows pass 64 KiB.
    for (let i = 0; i < 40; i++) await fill(db, i * 100, i * 100 + 100);
    expect(db.stats().checkpoints).toBeGreaterThan(0);
    expect(fs.statSync(`${p}-wal`).size).toBeLessThan(200 * 1024);
    db.dropCache();
    expect(drain(db.snapshot().scanTable('items')).length).toBe(4000);
    await db.close();
  });
});

describe('file engine concurrency', () => {
  it('commits concurrent transactions on different keys through the re-apply path', async () => {
    const p = dbPath();
    const db = await openStorage(p, opts);
    await fill(db, 0, 100);
    const a = db.begin();
    const b = db.begin();
    const c = db.begin();
    a.update('items', [1], [1, 'a', null, 1]);
    b.update('items', [2], [2, 'b', null, 2]);
    b.insert('items', itemRow(500));
    c.insert('items', [501, 'fresh', null, 0]);
    const r = await Promise.allSettled([a.commit(), b.commit(), c.commit()]);
    expect(r.map((x) => x.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    await db.close();
    const db2 = await openStorage(p, opts);
    const s = db2.snapshot();
    expect(s.getRow('items', [1])).toEqual([1, 'a', null, 1]);
    expect(s.getRow('items', [2])).toEqual([2, 'b', null, 2]);
    expect(s.getRow('items', [500])).toEqual(itemRow(500));
    expect(s.getRow('items', [501])).toEqual([501, 'fresh', null, 0]);
    expect(s.rowCount('items')).toBe(102);
    s.release();
    expect(db2.integrityCheck()).toEqual([]);
    await db2.close();
  });
});

describe('file engine large rows', () => {
  it('rewrites large rows many times without growing the file without bound', async () => {
    const p = dbPath();
    const db = await openStorage(p, opts);
    const tx = db.begin();
    tx.createTable(tableDef('docs', [['id', 'integer'], ['body', 'text']]));
    for (let i = 0; i < 5; i++) tx.insert('docs', [i, `${i}`.repeat(3000)]);
    await tx.commit();
    for (let round = 0; round < 60; round++) {
      const w = db.begin();
      for (let i = 0; i < 5; i++) {
        const size = round % 2 === 0 ? 3000 : 9000; // one-page and multi-page runs
        w.update('docs', [i], [i, `${(round + i) % 10}`.repeat(size)]);
      }
      await w.commit();
      const s = db.snapshot();
      for (let i = 0; i < 5; i++) expect(s.getRow('docs', [i])![1]).toBe(`${(round + i) % 10}`.repeat(round % 2 === 0 ? 3000 : 9000));
      s.release();
    }
    expect(db.integrityCheck()).toEqual([]);
    const pages = db.stats().pageCount;
    // 5 rows of at most 3 pages each plus a few tree pages; page reuse keeps the file small.
    expect(pages).toBeLessThan(60);
    await db.close();
    const again = await openStorage(p, opts);
    expect(again.snapshot().getRow('docs', [3])![1]).toBe(`${(59 + 3) % 10}`.repeat(9000));
    expect(again.integrityCheck()).toEqual([]);
    await again.close();
  });
});

describe('file engine catalog', () => {
  it('persists many tables with large definitions, drops and meta values', async () => {
    const p = dbPath();
    const db = await openStorage(p, opts);
    const cols = Array.from({ length: 120 }, (_, i) => [`column_number_${i}`, 'text'] as const);
    const tx = db.begin();
    for (let t = 0; t < 150; t++) {
      tx.createTable(tableDef(`Table_${t}`, t % 2 === 0 ? cols : [['a', 'integer']], [0]));
      tx.insert(`table_${t}`, t % 2 === 0 ? cols.map((_, i) => `v${t}-${i}`) : [t]);
      tx.setMeta(`meta-${t}`, { t, big: 'm'.repeat(t * 40) });
    }
    await tx.commit();
    const tx2 = db.begin();
    for (let t = 0; t < 150; t += 3) {
      tx2.dropTable(`TABLE_${t}`);
      tx2.setMeta(`meta-${t}`, undefined);
    }
    tx2.renameTable!('table_1', 'renamed_one');
    await tx2.commit();
    expect(db.integrityCheck()).toEqual([]);
    await db.close();
    const again = await openStorage(p, opts);
    const s = again.snapshot();
    expect(s.tables().length).toBe(100);
    expect(s.getTable('table_3')).toBeUndefined();
    expect(s.getTable('renamed_one')?.name).toBe('renamed_one');
    expect(s.getRow('renamed_one', [1])).toEqual([1]);
    expect(s.getTable('table_2')?.columns.length).toBe(120);
    expect(s.getTable('TABLE_2')?.name).toBe('Table_2');
    expect(s.getRow('table_2', ['v2-0'])?.[119]).toBe('v2-119');
    expect(s.getMeta('meta-3')).toBeUndefined();
    expect(s.getMeta('meta-149')).toEqual({ t: 149, big: 'm'.repeat(149 * 40) });
    s.release();
    expect(again.integrityCheck()).toEqual([]);
    await again.close();
  });
});

describe('file engine buffer pool', () => {
  it('pins the leaf under an open cursor, counts hits, misses and reads', async () => {
    const p = dbPath();
    const db = (await openStorage(p, { ...opts, poolPages: 8 })) as Engine;
    await fill(db, 0, 2000);
    await db.checkpoint();
    db.dropCache();
    const pool = db.pool!;
    const before = db.stats();
    const s = db.snapshot();
    const cur = s.scanTable('items');
    cur.next();
    const pinned = [...Array(db.stats().pageCount).keys()].filter((id) => pool.pinCount(id) > 0);
    expect(pinned.length).toBe(1);
    // Evict around the cursor: reading the whole index churns the 8-page pool.
    drain(s.scanIndex('items', 'items_name'));
    expect(pool.pinCount(pinned[0]!)).toBe(1);
    expect(pool.has(pinned[0]!)).toBe(true);
    const rest = drain(cur);
    expect(rest.length).toBe(1999);
    expect(pool.pinCount(pinned[0]!)).toBe(0);
    cur.close();
    const after = db.stats();
    expect(after.misses).toBeGreaterThan(before.misses);
    expect(after.pagesRead - before.pagesRead).toBe(after.misses - before.misses);
    expect(after.evictions).toBeGreaterThan(before.evictions);
    const hits = after.hits;
    s.getRow('items', [5]);
    s.getRow('items', [5]);
    expect(db.stats().hits).toBeGreaterThan(hits);
    s.release();
    await db.close();
  });
});

describe('file engine WAL header', () => {
  it('refuses a WAL whose header is damaged instead of dropping its commits', async () => {
    const p = dbPath();
    const db = await openStorage(p, opts);
    await fill(db, 0, 50);
    const crashed = crashCopy(p);
    await db.close();
    const fd = fs.openSync(`${crashed}-wal`, 'r+');
    fs.writeSync(fd, Buffer.from('XXXX'), 0, 4, 0);
    fs.closeSync(fd);
    const e = await errorOf(openStorage(crashed, opts));
    expect(e.sqlState).toBe('XX001');
    expect(e.message).toBe(`${crashed}-wal is corrupted`);
    // The lock is released after the failed open.
    expect(fs.existsSync(`${crashed}-lock`)).toBe(false);
  });
});

describe('overflow runs a row leaves behind', () => {
  it('are freed and their pages reused: rewriting one large row many times does not grow the file', async () => {
    const file = dbPath();
    const db = await openStorage(file, opts);
    const big = (i: number): string => `${i}:`.padEnd(20_000, String.fromCharCode(97 + (i % 26)));
    try {
      const setup = db.begin();
      setup.createTable(tableDef('blobs', [['id', 'integer'], ['body', 'text']]));
      setup.insert('blobs', [1, big(0)]);
      await setup.commit();
      await db.checkpoint();
      const pagesAfter: number[] = [];
      for (let i = 1; i <= 12; i++) {
        const tx = db.begin();
        tx.update('blobs', [1], [1, big(i)]);
        // The second update replaces the run the first one made, within the transaction.
        tx.update('blobs', [1], [1, big(i + 100)]);
        await tx.commit();
        await db.checkpoint();
        pagesAfter.push(db.stats().pageCount);
      }
      const s = db.snapshot();
      expect(s.getRow('blobs', [1])).toEqual([1, big(112)]);
      s.release();
      // Each commit frees the run it replaced; later ones take those pages again.
      expect(pagesAfter[pagesAfter.length - 1]).toBe(pagesAfter[3]);
      expect(db.integrityCheck()).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
