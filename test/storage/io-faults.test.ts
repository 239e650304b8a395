// I/O faults through the public API (Database.open({ fileIo })): a failed WAL write or fsync is
// a clear 58030 and the commit is not acknowledged; after it the database refuses writes until
// reopened; a failed read fails only its statement; a failed checkpoint keeps the WAL. After each
// fault a reopen without faults shows every acknowledged commit, nothing else, and passes the
// integrity check.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database, type DatabaseOptions } from '../../src/api/database.js';
import { DispatcherError } from '../../src/api/errors.js';
import type { Session } from '../../src/api/session.js';
import { FaultyFileIo, type FaultPlan } from '../../src/storage/faulty-file-io.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dispatchdb-io-faults-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});
let counter = 0;
const dbPath = (): string => path.join(dir, `f${++counter}.db`);

const small: DatabaseOptions = { pageSize: 4096, poolPages: 8 };

async function errorOf(p: Promise<unknown>): Promise<DispatcherError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DispatcherError);
    return e as DispatcherError;
  }
  throw new Error('expected an error');
}

const value = (i: number): string => `value-${i}-${'z'.repeat(60)}`;

/** A database with table t holding ids [0, n), checkpointed so the rows live in the data file. */
async function seeded(p: string, io: FaultyFileIo, n: number, options: DatabaseOptions = small): Promise<{ db: Database; s: Session }> {
  const db = await Database.open(p, { ...options, fileIo: io });
  const s = await db.connect();
  await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  await s.execute('CREATE INDEX t_v ON t (v)');
  await s.execute('BEGIN');
  for (let i = 0; i < n; i++) await s.execute('INSERT INTO t VALUES ($1, $2)', [i, value(i)]);
  await s.execute('COMMIT');
  await db.checkpoint();
  return { db, s };
}

/** Reopens without faults: the ids in t, and the integrity check. */
async function reopened(p: string): Promise<{ ids: number[]; problems: string[] }> {
  const db = await Database.open(p);
  try {
    const s = await db.connect();
    const r = await s.execute('SELECT id, v FROM t ORDER BY id');
    for (const [id, v] of r.rows as [number, string][]) expect(v).toBe(value(id));
    return { ids: (r.rows as [number, string][]).map((row) => row[0]), problems: db.integrityCheck() };
  } finally {
    await db.close();
  }
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('a failed WAL write or fsync at commit', () => {
  const cases: readonly (FaultPlan & { readonly name: string; readonly verb: RegExp })[] = [
    { name: 'write', op: 'write', file: 'wal', nth: 1, verb: /could not write .*-wal: EIO/ },
    { name: 'torn write', op: 'write', file: 'wal', nth: 1, torn: true, verb: /could not write .*-wal: EIO/ },
    { name: 'persistent write', op: 'write', file: 'wal', nth: 1, persistent: true, verb: /could not write .*-wal: EIO/ },
    { name: 'fsync', op: 'sync', file: 'wal', nth: 1, verb: /could not fsync .*-wal: EIO/ },
    { name: 'persistent fsync', op: 'sync', file: 'wal', nth: 1, persistent: true, verb: /could not fsync .*-wal: EIO/ },
  ];
  for (const c of cases) {
    it(`${c.name}: 58030 naming the file and operation, not acknowledged, writes refused until reopen`, async () => {
      const p = dbPath();
      const io = new FaultyFileIo();
      const { db, s } = await seeded(p, io, 50);
      await s.execute('INSERT INTO t VALUES (100, $1)', [value(100)]);
      io.fail(c);
      const e = await errorOf(s.execute('INSERT INTO t VALUES (101, $1)', [value(101)]));
      expect(e.sqlState).toBe('58030');
      expect(e.message).toMatch(c.verb);
      expect(e.message).toContain(`${p}-wal`);
      expect(io.injected.length).toBeGreaterThan(0);
      // Later writes: a clear error that says why and what to do, in autocommit and in a block.
      const later = await errorOf(s.execute('UPDATE t SET v = $1 WHERE id = 1', ['changed']));
      expect(later.sqlState).toBe('58030');
      expect(later.message).toMatch(/refuses writes after an I\/O failure .*close and reopen/);
      expect((await errorOf(s.execute('BEGIN'))).sqlState).toBe('58030');
      expect(s.transactionState).toBe('noTxn');
      // Reads of the acknowledged state go on, and its trees check out.
      const r = await s.execute('SELECT count(*), max(id) FROM t');
      expect(r.rows).toEqual([[51, 100]]);
      expect(db.integrityCheck()).toEqual([]);
      await db.close();
      const after = await reopened(p);
      expect(after.ids).toEqual([...range(0, 50), 100]);
      expect(after.problems).toEqual([]);
    });
  }

  it('after a failed commit a checkpoint is refused too (its state includes the lost write)', async () => {
    const p = dbPath();
    const io = new FaultyFileIo();
    const { db, s } = await seeded(p, io, 30);
    io.fail({ op: 'sync', file: 'wal', nth: 1, persistent: true });
    await errorOf(s.execute('INSERT INTO t VALUES (100, $1)', [value(100)]));
    const e = await errorOf(db.checkpoint());
    expect(e.sqlState).toBe('58030');
    expect(e.message).toMatch(/refuses writes after an I\/O failure/);
    await db.close();
    const after = await reopened(p);
    expect(after.ids).toEqual(range(0, 30));
    expect(after.problems).toEqual([]);
  });

  it('fsync failing at COMMIT of a block: not acknowledged, the session is out of the block', async () => {
    const p = dbPath();
    const io = new FaultyFileIo();
    const { db, s } = await seeded(p, io, 20);
    await s.execute('BEGIN');
    for (let i = 200; i < 260; i++) await s.execute('INSERT INTO t VALUES ($1, $2)', [i, value(i)]);
    await s.execute('DELETE FROM t WHERE id < 5');
    io.fail({ op: 'sync', nth: 1 });
    const e = await errorOf(s.execute('COMMIT'));
    expect(e.sqlState).toBe('58030');
    expect(e.message).toContain(`could not fsync ${p}-wal`);
    expect(s.transactionState).toBe('noTxn');
    expect((await s.execute('SELECT count(*) FROM t')).rows).toEqual([[20]]);
    await db.close();
    const after = await reopened(p);
    expect(after.ids).toEqual(range(0, 20));
    expect(after.problems).toEqual([]);
  });

  it('one failed fsync rejects every commit of a group commit, and none of them comes back', async () => {
    const p = dbPath();
    const io = new FaultyFileIo();
    const { db, s } = await seeded(p, io, 10);
    const others = await Promise.all([db.connect(), db.connect(), db.connect()]);
    io.fail({ op: 'sync', file: 'wal', nth: 1 });
    const results = await Promise.allSettled(
      [s, ...others].map((x, k) => x.execute('INSERT INTO t VALUES ($1, $2)', [1000 + k, value(1000 + k)])),
    );
    const acked = new Set<number>();
    results.forEach((r, k) => {
      if (r.status === 'fulfilled') acked.add(1000 + k);
      else {
        expect(r.reason).toBeInstanceOf(DispatcherError);
        expect((r.reason as DispatcherError).sqlState).toBe('58030');
      }
    });
    // The first write failed: whatever shared it failed with it, later ones were refused.
    expect(acked.size).toBe(0);
    await db.close();
    const after = await reopened(p);
    expect(after.ids).toEqual(range(0, 10));
    expect(after.problems).toEqual([]);
  });
});

describe('a failed read', () => {
  it('of the data file fails its statement; the session and later writes go on', async () => {
    const p = dbPath();
    const io = new FaultyFileIo();
    const { db, s } = await seeded(p, io, 1500);
    const before = io.counts.read;
    io.fail({ op: 'read', file: 'data', nth: 3 });
    const e = await errorOf(s.execute('SELECT count(*), sum(id) FROM t'));
    expect(e.sqlState).toBe('58030');
    expect(e.message).toMatch(new RegExp(`^could not read ${p}: EIO`));
    expect(io.counts.read - before).toBeGreaterThanOrEqual(3);
    expect((await s.execute('SELECT count(*), sum(id) FROM t')).rows).toEqual([[1500, (1499 * 1500) / 2]]);
    // A read fault is not fatal: writes (which read the pages they change) still work.
    io.fail({ op: 'read', file: 'data', nth: 1 });
    const u = await errorOf(s.execute('UPDATE t SET v = v WHERE id >= 700 AND id < 900'));
    expect(u.sqlState).toBe('58030');
    await s.execute('DELETE FROM t WHERE id >= 1000');
    await s.execute('INSERT INTO t VALUES (5000, $1)', [value(5000)]);
    await db.close();
    const after = await reopened(p);
    expect(after.ids).toEqual([...range(0, 1000), 5000]);
    expect(after.problems).toEqual([]);
  });

  it('of the WAL fails its statement the same way', async () => {
    const p = dbPath();
    const io = new FaultyFileIo();
    const { db, s } = await seeded(p, io, 10);
    await s.execute('BEGIN');
    for (let i = 10; i < 1500; i++) await s.execute('INSERT INTO t VALUES ($1, $2)', [i, value(i)]);
    await s.execute('COMMIT');
    // A schema change is a page-image commit: it writes the images of t's pages (so far held in
    // memory, logged as row changes) to the WAL, where the 8-page pool must read them back.
    await s.execute('CREATE TABLE other (x INTEGER)');
    io.fail({ op: 'read', file: 'wal', nth: 2 });
    const e = await errorOf(s.execute('SELECT count(*) FROM t WHERE v > $1', ['value-1']));
    expect(e.sqlState).toBe('58030');
    expect(e.message).toContain(`could not read ${p}-wal`);
    expect((await s.execute('SELECT count(*) FROM t')).rows).toEqual([[1500]]);
    await db.close();
    const after = await reopened(p);
    expect(after.ids).toEqual(range(0, 1500));
    expect(after.problems).toEqual([]);
  });

  it('while opening is a clear error that leaves the database openable', async () => {
    const p = dbPath();
    const seed = new FaultyFileIo();
    const { db } = await seeded(p, seed, 30);
    await db.close();
    for (const file of ['data', 'wal'] as const) {
      const io = new FaultyFileIo().fail({ op: 'read', file, nth: 1 });
      const e = await errorOf(Database.open(p, { fileIo: io }));
      expect(e.sqlState).toBe('58030');
      expect(e.message).toContain(`could not read ${file === 'wal' ? `${p}-wal` : p}:`);
      expect(fs.existsSync(`${p}-lock`)).toBe(false);
    }
    const after = await reopened(p);
    expect(after.ids).toEqual(range(0, 30));
    expect(after.problems).toEqual([]);
  });
});

describe('a failed checkpoint', () => {
  const cases: readonly (FaultPlan & { readonly name: string; readonly verb: string; readonly imaged?: boolean })[] = [
    { name: 'data-file write', op: 'write', file: 'data', nth: 2, verb: 'could not write' },
    { name: 'torn data-file write', op: 'write', file: 'data', nth: 3, torn: true, verb: 'could not write' },
    { name: 'data-file fsync', op: 'sync', file: 'data', nth: 1, verb: 'could not fsync' },
    { name: 'WAL reset', op: 'write', file: 'wal', nth: 1, verb: 'could not write', imaged: true },
    { name: 'WAL reset fsync', op: 'sync', file: 'wal', nth: 1, persistent: true, verb: 'could not fsync', imaged: true },
    // The checkpoint first writes page images of what redo commits changed: that write fails.
    { name: 'image point write', op: 'write', file: 'wal', nth: 1, verb: 'could not write' },
    { name: 'image point fsync', op: 'sync', file: 'wal', nth: 1, verb: 'could not fsync' },
  ];
  for (const c of cases) {
    it(`${c.name}: 58030, the WAL keeps every commit, writes refused until reopen`, async () => {
      const p = dbPath();
      const io = new FaultyFileIo();
      const { db, s } = await seeded(p, io, 40);
      await s.execute('BEGIN');
      for (let i = 40; i < 400; i++) await s.execute('INSERT INTO t VALUES ($1, $2)', [i, value(i)]);
      await s.execute('COMMIT');
      await s.execute('DELETE FROM t WHERE id < 10');
      // A schema change writes page images of everything: the checkpoint has none to write first.
      if (c.imaged === true) await s.execute('CREATE TABLE other (x INTEGER)');
      const walBefore = fs.statSync(`${p}-wal`).size;
      io.fail(c);
      const e = await errorOf(db.checkpoint());
      expect(e.sqlState).toBe('58030');
      expect(e.message).toContain(`checkpoint failed: ${c.verb} ${c.file === 'wal' ? `${p}-wal` : p}`);
      if (c.file === 'data') expect(fs.statSync(`${p}-wal`).size).toBe(walBefore);
      expect((await errorOf(s.execute('INSERT INTO t VALUES (9999, $1)', [value(9999)]))).sqlState).toBe('58030');
      expect((await s.execute('SELECT count(*) FROM t')).rows).toEqual([[390]]);
      await db.close();
      const after = await reopened(p);
      expect(after.ids).toEqual(range(10, 400));
      expect(after.problems).toEqual([]);
    });
  }

  it('an automatic checkpoint that fails after a commit keeps that acknowledged commit', async () => {
    const p = dbPath();
    const io = new FaultyFileIo();
    const { db, s } = await seeded(p, io, 10, { ...small, checkpointBytes: 64 * 1024 });
    io.fail({ op: 'write', file: 'data', nth: 1 });
    const acked: number[] = [];
    let refused: DispatcherError | undefined;
    for (let i = 10; i < 2000 && refused === undefined; i++) {
      try {
        await s.execute('INSERT INTO t VALUES ($1, $2)', [i, value(i)]);
        acked.push(i);
      } catch (e) {
        expect(e).toBeInstanceOf(DispatcherError);
        refused = e as DispatcherError;
      }
    }
    expect(io.injected).toHaveLength(1);
    expect(refused?.sqlState).toBe('58030');
    expect(refused?.message).toMatch(/refuses writes .*checkpoint failed: could not write/);
    await db.close();
    const after = await reopened(p);
    expect(after.ids).toEqual([...range(0, 10), ...acked]);
    expect(after.problems).toEqual([]);
  });
});
