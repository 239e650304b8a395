// Row-change commits are logged as redo records and replayed at open; schema changes, size
// bounds and checkpoints write page images (an image point). These tests copy the files as a
// crash leaves them and compare every reopened state with a model of the acknowledged commits.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DispatcherError } from '../../src/api/errors.js';
import { Engine, openStorage } from '../../src/storage/engine.js';
import { nodeFileIo } from '../../src/storage/file-io.js';
import { Wal } from '../../src/storage/wal.js';
import type { Key, Row, StorageOptions } from '../../src/storage/ports.js';
import { drain, tableDef } from './helpers.js';
import { Rng } from '../crash/workload.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dispatchdb-redo-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});
let counter = 0;
function dbPath(): string {
  return path.join(dir, `r${++counter}.db`);
}

/** Copies the database and its WAL as a crash would leave them (no checkpoint, no lock). */
function crashCopy(src: string): string {
  const dst = dbPath();
  fs.copyFileSync(src, dst);
  fs.copyFileSync(`${src}-wal`, `${dst}-wal`);
  return dst;
}

// A small pool makes image points come often (every 8 replaced pages).
const opts: StorageOptions = { durable: false, pageSize: 4096, poolPages: 16 };

const itemsDef = tableDef('items', [['id', 'integer'], ['name', 'text'], ['data', 'bytea'], ['n', 'bigint']], [0], [
  { name: 'items_name', table: 'items', columns: [1], unique: true, implicit: false },
]);
// No primary key: rows are keyed by a hidden row id the engine assigns.
const logsDef = tableDef('logs', [['msg', 'text'], ['at', 'integer']], []);

function sortRows(rows: Row[]): string[] {
  return rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? [...v] : v))).sort();
}

async function expectState(p: string, items: Map<number, Row>, logs: Row[]): Promise<void> {
  const db = (await openStorage(p, opts)) as Engine;
  try {
    const snap = db.snapshot();
    expect(drain(snap.scanTable('items'))).toEqual([...items.keys()].sort((a, b) => a - b).map((k) => items.get(k)));
    expect(sortRows(drain(snap.scanTable('logs')))).toEqual(sortRows(logs));
    // Every index entry matches a row and every page is used once or free.
    expect(db.integrityCheck()).toEqual([]);
    snap.release();
  } finally {
    await db.close();
  }
}

describe('redo records', () => {
  it('replay every acknowledged row change after a crash, across image points and checkpoints', async () => {
    const p = dbPath();
    const db = (await openStorage(p, { ...opts, checkpointBytes: 256 * 1024 })) as Engine;
    const setup = db.begin();
    setup.createTable(itemsDef);
    setup.createTable(logsDef);
    await setup.commit();
    const items = new Map<number, Row>();
    const logs = new Map<string, Row>(); // by the row id the live engine gave it
    const rand = new Rng(42);
    const r = (): number => rand.next();
    let redoOnly = 0;
    let imaged = 0;
    for (let c = 1; c <= 400; c++) {
      const tx = db.begin();
      const ops = 1 + Math.floor(r() * 4);
      for (let o = 0; o < ops; o++) {
        const x = r();
        const id = Math.floor(r() * 600);
        if (x < 0.45) {
          // Large values go to overflow pages at the next image point.
          const big = r() < 0.1;
          const row: Row = [id, `n-${id}-${c}-${'x'.repeat(120)}`, new Uint8Array(big ? 3000 : 3).fill(c & 255), 2n ** 62n + BigInt(c)];
          if (items.has(id)) tx.update('items', [id], row);
          else tx.insert('items', row);
          items.set(id, row);
        } else if (x < 0.6) {
          if (items.has(id)) {
            tx.delete('items', [id]);
            items.delete(id);
          }
        } else if (x < 0.85) {
          const row: Row = [`log ${c}.${o}`, c];
          const k = tx.insert('logs', row);
          logs.set(JSON.stringify(k), row);
        } else {
          const keys = [...logs.keys()];
          if (keys.length > 0) {
            const k = keys[Math.floor(r() * keys.length)]!;
            tx.delete('logs', JSON.parse(k) as Key);
            logs.delete(k);
          }
        }
      }
      const before = db.stats();
      await tx.commit();
      const after = db.stats();
      if (after.pagesWritten === before.pagesWritten) redoOnly++;
      else imaged++;
      if (c % 40 === 0) await expectState(crashCopy(p), items, [...logs.values()]);
    }
    // Most commits wrote no page; the few that filled the log paid for an image point (and a
    // checkpoint) before they returned.
    expect(redoOnly).toBeGreaterThan(300);
    expect(imaged).toBeGreaterThan(1);
    expect(db.stats().checkpoints).toBeGreaterThan(0);
    expect(db.integrityCheck()).toEqual([]);
    await db.close();
    await expectState(p, items, [...logs.values()]);
  }, 60_000);

  it('keep redo past a quarter of checkpointBytes while an image point would rewrite more than it holds', async () => {
    // 2,000 rows of ~130 bytes: ~90 leaves of 4 KiB. checkpointBytes 256 KiB: redo alone would
    // take an image point at 64 KiB (~350 one-row commits).
    const rows = 2000;
    const firstImage = async (spread: boolean): Promise<{ at: number; copy: string; model: Map<number, Row> }> => {
      const p = dbPath();
      const db = (await openStorage(p, { durable: false, pageSize: 4096, poolPages: 4096, checkpointBytes: 256 * 1024 })) as Engine;
      const model = new Map<number, Row>();
      const setup = db.begin();
      setup.createTable(tableDef('t', [['id', 'integer'], ['v', 'text']]));
      for (let id = 0; id < rows; id++) {
        const row: Row = [id, `v${id}`.padEnd(120, '.')];
        setup.insert('t', row);
        model.set(id, row);
      }
      await setup.commit();
      let copy = '';
      let atCopy = new Map<number, Row>();
      let at = -1;
      for (let c = 1; c <= 3000 && at < 0; c++) {
        // Spread: every commit in another leaf. Concentrated: the same five rows.
        const id = spread ? (c * 7919) % rows : c % 5;
        const row: Row = [id, `c${c}`.padEnd(120, '-')];
        const before = db.stats().pagesWritten;
        const tx = db.begin();
        tx.update('t', [id], row);
        await tx.commit();
        model.set(id, row);
        if (db.stats().pagesWritten > before) at = c;
        else if (c === 1000) {
          // A crash now: the log holds the images of the load and 1,000 redo records after them.
          copy = crashCopy(p);
          atCopy = new Map(model);
        }
      }
      await db.close();
      return { at, copy, model: atCopy };
    };
    const concentrated = await firstImage(false);
    // Few pages changed: the image point comes at the quarter, as before.
    expect(concentrated.at).toBeGreaterThan(200);
    expect(concentrated.at).toBeLessThan(600);
    const spread = await firstImage(true);
    // Every leaf changed: the redo is kept until it is about as large as the image (capped at
    // checkpointBytes), so the first image point comes much later.
    expect(spread.at).toBeGreaterThan(1000);
    // A crash with that much redo in the log recovers exactly the commits acknowledged before it.
    const db = (await openStorage(spread.copy, { durable: false, pageSize: 4096, poolPages: 4096, checkpointBytes: 256 * 1024 })) as Engine;
    try {
      const snap = db.snapshot();
      expect(drain(snap.scanTable('t'))).toEqual([...spread.model.keys()].sort((a, b) => a - b).map((k) => spread.model.get(k)));
      snap.release();
      expect(db.integrityCheck()).toEqual([]);
    } finally {
      await db.close();
    }
  }, 60_000);

  it('replay a commit that raced another onto the same row ids the live engine gave it', async () => {
    const p = dbPath();
    const db = await openStorage(p, opts);
    const setup = db.begin();
    setup.createTable(logsDef);
    await setup.commit();
    const a = db.begin();
    const b = db.begin();
    a.insert('logs', ['a1', 1]);
    b.insert('logs', ['b1', 2]);
    const bKey = b.insert('logs', ['b2', 3]);
    b.update('logs', bKey, ['b2 changed', 4]);
    await a.commit();
    // b's row ids were taken by a: its commit re-applies it under new ones.
    await b.commit();
    const live = db.snapshot();
    const cursor = live.scanTable('logs');
    const liveRows: [Key, Row][] = [];
    for (let row = cursor.next(); row !== undefined; row = cursor.next()) liveRows.push([cursor.key, row]);
    live.release();
    expect(liveRows.map(([, row]) => row)).toEqual([['a1', 1], ['b1', 2], ['b2 changed', 4]]);
    const copy = await openStorage(crashCopy(p), opts);
    const snap = copy.snapshot();
    const c2 = snap.scanTable('logs');
    const replayed: [Key, Row][] = [];
    for (let row = c2.next(); row !== undefined; row = c2.next()) replayed.push([c2.key, row]);
    snap.release();
    expect(replayed).toEqual(liveRows);
    await copy.close();
    await db.close();
  });

  it('cut a torn last redo frame back to the commit before it, and refuse damage before a later write', async () => {
    const p = dbPath();
    const db = await openStorage(p, opts);
    const setup = db.begin();
    setup.createTable(itemsDef);
    await setup.commit();
    for (let i = 0; i < 5; i++) {
      const tx = db.begin();
      tx.insert('items', [i, `n${i}`, new Uint8Array([i]), BigInt(i)]);
      await tx.commit();
    }
    const walBefore = fs.statSync(`${p}-wal`).size;
    const tx = db.begin();
    tx.insert('items', [99, 'last', new Uint8Array(200).fill(1), 1n]);
    await tx.commit();
    const walAfter = fs.statSync(`${p}-wal`).size;
    expect(walAfter - walBefore).toBeLessThan(600); // one redo frame, no page image

    // Torn: the last write stops half-way.
    const torn = crashCopy(p);
    fs.truncateSync(`${torn}-wal`, walBefore + Math.floor((walAfter - walBefore) / 2));
    const t = await openStorage(torn, opts);
    const ids = drain(t.snapshot().scanTable('items')).map((row) => row[0]);
    expect(ids).toEqual([0, 1, 2, 3, 4]);
    await t.close();

    // A flipped byte in an earlier redo frame, with a durable write after it: corruption.
    const damaged = crashCopy(p);
    const fd = fs.openSync(`${damaged}-wal`, 'r+');
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, walBefore - 10);
    b[0] = b[0]! ^ 0x5a;
    fs.writeSync(fd, b, 0, 1, walBefore - 10);
    fs.closeSync(fd);
    const e = await openStorage(damaged, opts).then(
      () => null,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(DispatcherError);
    expect((e as DispatcherError).sqlState).toBe('XX001');
    expect((e as DispatcherError).message).toContain('-wal is corrupted');
    await db.close();
  });

  it('refuse a WAL write that begins while another is in flight (it would land on the same offset)', async () => {
    const { wal } = await Wal.open(nodeFileIo, `${dbPath()}-wal`, 4096, true);
    try {
      wal.addRedo(1, Buffer.from('first'));
      const first = wal.flush(false); // written now, its fsync in flight
      wal.addRedo(2, Buffer.from('second'));
      const e = await wal.flush(false).then(
        () => null,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(DispatcherError);
      expect((e as DispatcherError).sqlState).toBe('XX000');
      await first;
      // Once the first is durable the staged frame goes out after it.
      await wal.flush(false);
      expect(wal.frames).toBe(2);
    } finally {
      await wal.close();
    }
  });

  it('log a transaction of megabytes of row changes as one redo frame, cut whole when torn', async () => {
    const p = dbPath();
    // A pool that holds the table, so no image point follows the commit on its own.
    const db = (await openStorage(p, { durable: false, pageSize: 4096, poolPages: 4096 })) as Engine;
    const setup = db.begin();
    setup.createTable(itemsDef);
    setup.createTable(logsDef);
    const name = (i: number, v: string): string => `${i} ${v.repeat(100)}`;
    for (let i = 0; i < 40_000; i++) setup.insert('items', [i, name(i, 'a'), new Uint8Array(1), i]);
    await setup.commit();
    // The load's page images leave the log, so this test's commit does not fill it.
    await db.checkpoint();
    const items = new Map<number, Row>();
    for (let i = 0; i < 40_000; i++) items.set(i, [i, name(i, 'a'), new Uint8Array(1), i]);
    const walBefore = fs.statSync(`${p}-wal`).size;
    const before = db.stats();
    // Every other row: ~2.4 MB of changes, where page images would rewrite every leaf.
    const tx = db.begin();
    const after = new Map(items);
    for (let i = 0; i < 40_000; i += 2) {
      const row: Row = [i, name(i, 'b'), new Uint8Array(1), i];
      tx.update('items', [i], row);
      after.set(i, row);
    }
    await tx.commit();
    expect(db.stats().pagesWritten).toBe(before.pagesWritten);
    const walAfter = fs.statSync(`${p}-wal`).size;
    expect(walAfter - walBefore).toBeGreaterThan(2 << 20);

    const intact = crashCopy(p);
    await expectState(intact, after, []);
    const torn = crashCopy(p);
    fs.truncateSync(`${torn}-wal`, walBefore + Math.floor((walAfter - walBefore) * 0.7));
    await expectState(torn, items, []);
    await db.close();
  });

  it('a commit that fills the log returns after its checkpoint, and the next commit writes no page', async () => {
    const p = dbPath();
    const db = (await openStorage(p, { durable: false, pageSize: 4096, checkpointBytes: 64 * 1024 })) as Engine;
    const setup = db.begin();
    setup.createTable(itemsDef);
    await setup.commit();
    const before = db.stats();
    // A schema commit and then ~100 KB of new rows: past checkpointBytes.
    const big = db.begin();
    for (let i = 0; i < 400; i++) big.insert('items', [i, `item ${i} ${'y'.repeat(200)}`, new Uint8Array(4), BigInt(i)]);
    await big.commit();
    const afterBig = db.stats();
    expect(afterBig.checkpoints).toBe(before.checkpoints + 1);
    // The log was written back within the big commit: the small one after it goes out alone.
    const small = db.begin();
    small.update('items', [7], [7, 'seven', new Uint8Array(1), 7n]);
    await small.commit();
    const afterSmall = db.stats();
    expect(afterSmall.checkpoints).toBe(afterBig.checkpoints);
    expect(afterSmall.pagesWritten).toBe(afterBig.pagesWritten);
    expect(db.integrityCheck()).toEqual([]);
    await db.close();
  });
});
