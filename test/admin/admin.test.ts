// Administration: ANALYZE statistics (kept in the catalog, read back through tableStatistics),
// VACUUM's page report, PRAGMA / SHOW of engine facts, and the change log db.changes$.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RowChange } from '../../actors/commit-observer.js';
import { Database } from '../../src/api/database.js';
import type { Session } from '../../src/api/session.js';
import { equalitySelectivity, rangeSelectivity, tableStatistics } from '../../src/execution/admin/analyze.js';
import { failure } from '../support/failure.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempPath(): string {
  const d = mkdtempSync(join(tmpdir(), 'dispatchdb-admin-'));
  dirs.push(d);
  return join(d, 'admin.db');
}

async function fill(s: Session, n: number, from = 0): Promise<void> {
  for (let b = from; b < from + n; b += 200) {
    const vals: string[] = [];
    for (let x = b + 1; x <= Math.min(from + n, b + 200); x++) vals.push(`(${x}, ${x % 4 === 0 ? 'NULL' : `'g${x % 7}'`}, ${x * 2})`);
    await s.execute(`INSERT INTO t VALUES ${vals.join(', ')}`);
  }
}

describe('ANALYZE', () => {
  let db: Database;
  let s: Session;
  beforeEach(async () => {
    db = await Database.open(':memory:');
    s = await db.connect();
    await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, g TEXT, n INTEGER)');
    await fill(s, 1000);
  });
  afterEach(async () => {
    await db.close();
  });

  it('stores row count, distinct values, null fraction, min and max per column', async () => {
    const r = await s.execute('ANALYZE t');
    expect(r.rows).toEqual([['t', 1000]]);
    const snap = db.system.storage.snapshot();
    const st = tableStatistics(snap, 't');
    snap.release();
    expect(st?.rowCount).toBe(1000);
    const [id, g, n] = st?.columns ?? [];
    expect(id).toMatchObject({ name: 'id', distinct: 1000, nullFraction: 0, min: 1, max: 1000 });
    // g: 'g0'..'g6' on rows not divisible by 4; NULL on the 250 others
    expect(g).toMatchObject({ name: 'g', distinct: 7, nullFraction: 0.25, min: 'g0', max: 'g6' });
    expect(n).toMatchObject({ distinct: 1000, min: 2, max: 2000 });
    // what the planner derives from them
    const stats = st as NonNullable<typeof st>;
    expect(equalitySelectivity(stats, 'g')).toBeCloseTo(0.75 / 7);
    expect(equalitySelectivity(stats, 'id')).toBeCloseTo(1 / 1000);
    expect(rangeSelectivity(stats, 'n', 2, 1001)).toBeCloseTo(0.5, 2);
    expect(rangeSelectivity(stats, 'n', 3000, null)).toBe(0);
    expect(rangeSelectivity(stats, 'g', null, null)).toBeUndefined();
    // the same facts through PRAGMA stats(t)
    const p = await s.execute('PRAGMA stats(t)');
    expect(p.rows[1]).toEqual(['g', 1000, 7, 0.25, 'g0', 'g6']);
  });

  it('without a table analyzes every table; statistics follow later changes only when run again', async () => {
    await s.execute('CREATE TABLE u (x INTEGER)');
    const r = await s.execute('ANALYZE');
    expect(r.rows.map((row) => row[0]).sort()).toEqual(['t', 'u']);
    await s.execute('DELETE FROM t WHERE id > 10');
    const stale = db.system.storage.snapshot();
    expect(tableStatistics(stale, 't')?.rowCount).toBe(1000);
    stale.release();
    await s.execute('ANALYZE t');
    const fresh = db.system.storage.snapshot();
    expect(tableStatistics(fresh, 't')?.rowCount).toBe(10);
    fresh.release();
  });

  it('is transactional: rolled back with its transaction; unknown table is 42P01', async () => {
    await s.execute('BEGIN');
    await s.execute('ANALYZE t');
    await s.execute('ROLLBACK');
    const snap = db.system.storage.snapshot();
    expect(tableStatistics(snap, 't')).toBeUndefined();
    snap.release();
    expect((await failure(s.execute('ANALYZE nosuch'))).sqlState).toBe('42P01');
  });
});

describe('VACUUM and PRAGMA', () => {
  it('VACUUM checkpoints and reports pages, free pages and that the file is not shrunk', async () => {
    const db = await Database.open(tempPath(), { durable: false });
    try {
      const s = await db.connect();
      await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, g TEXT, n INTEGER)');
      await fill(s, 3000);
      await s.execute('DELETE FROM t WHERE id > 100');
      const r = await s.execute('VACUUM');
      expect(r.columns.map((c) => c.name)).toEqual([
        'table',
        'pages',
        'free_pages',
        'pages_freed',
        'wal_frames_checkpointed',
        'bytes_reusable',
        'file_shrunk',
      ]);
      const [table, pages, free, , walFrames, bytes, shrunk] = r.rows[0] as unknown[];
      const stats = db.stats();
      expect(table).toBeNull();
      expect(pages).toBe(stats.pageCount);
      expect(free).toBe(stats.freePages);
      expect(free as number).toBeGreaterThan(0);
      expect(walFrames as number).toBeGreaterThan(0);
      expect(stats.walFrames).toBe(0);
      expect(bytes).toBe((free as number) * stats.pageSize);
      expect(shrunk).toBe(false);
      expect((await s.execute('VACUUM t')).rows[0]?.[0]).toBe('t');
      await s.execute('BEGIN');
      expect((await failure(s.execute('VACUUM'))).sqlState).toBe('25001');
      await s.execute('ROLLBACK');
      // Free pages are reused by later writes: rounds of filling and emptying the table leave
      // the file no larger than the first round did.
      const sizes: number[] = [];
      for (let round = 0; round < 4; round++) {
        await fill(s, 3000, 10_000);
        await s.execute('DELETE FROM t WHERE id > 100');
        await db.checkpoint();
        sizes.push(db.stats().pageCount);
      }
      expect(sizes[3]).toBeLessThanOrEqual(sizes[0]!);
    } finally {
      await db.close();
    }
  });

  it('PRAGMA and SHOW answer engine facts; settings cannot change while open', async () => {
    const db = await Database.open(':memory:', { pageSize: 4096 });
    try {
      const s = await db.connect();
      await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL, score REAL DEFAULT 0)');
      await s.execute('CREATE INDEX t_name ON t (name)');
      expect((await s.execute('PRAGMA page_size')).rows).toEqual([[4096]]);
      expect((await s.execute('SHOW page_size')).rows).toEqual([[4096]]);
      expect((await s.execute('PRAGMA integrity_check')).rows).toEqual([['ok']]);
      expect((await s.execute('PRAGMA table_info(t)')).rows).toEqual([
        [0, 'id', 'INTEGER', true, null, 1],
        [1, 'name', 'VARCHAR(20)', true, null, 0],
        [2, 'score', 'REAL', false, '0', 0],
      ]);
      expect((await s.execute('PRAGMA index_list(t)')).rows).toContainEqual(['t_name', false, 'name', false]);
      const cache = await s.execute('SHOW cache_stats', [], { rowMode: 'object' });
      expect(cache.rows[0]?.pool_pages).toBe(db.stats().poolCapacity);
      expect((await failure(s.execute('PRAGMA page_size = 8192'))).sqlState).toBe('55P02');
      expect((await failure(s.execute('PRAGMA nosuch'))).sqlState).toBe('42704');
      expect((await failure(s.execute('PRAGMA table_info(nosuch)'))).sqlState).toBe('42P01');
      // session settings are still SHOW's
      expect((await s.execute('SHOW statement_timeout')).rows).toEqual([['0']]);
    } finally {
      await db.close();
    }
  });
});

describe('db.changes$', () => {
  let db: Database;
  let s: Session;
  let seen: RowChange[];
  beforeEach(async () => {
    db = await Database.open(':memory:');
    seen = [];
    db.changes$.subscribe((c) => seen.push(c));
    s = await db.connect();
    await s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a')");
    seen.length = 0;
  });
  afterEach(async () => {
    await db.close();
  });

  it('emits each committed change with before and after images, in commit order', async () => {
    await s.execute("UPDATE t SET v = 'b' WHERE id = 1");
    await s.execute("INSERT INTO t VALUES (2, 'c')");
    await s.execute('DELETE FROM t WHERE id = 1');
    expect(seen.map(({ table, operation, key, before, after }) => ({ table, operation, key, before, after }))).toEqual([
      { table: 't', operation: 'update', key: [1], before: [1, 'a'], after: [1, 'b'] },
      { table: 't', operation: 'insert', key: [2], before: null, after: [2, 'c'] },
      { table: 't', operation: 'delete', key: [1], before: [1, 'b'], after: null },
    ]);
    const commits = seen.map((c) => c.commit);
    expect([...commits].sort((a, b) => a - b)).toEqual(commits);
    expect(new Set(commits).size).toBe(3);
  });

  it('emits nothing for rolled-back work: a rolled-back transaction, savepoint or failed statement', async () => {
    await s.execute('BEGIN');
    await s.execute("INSERT INTO t VALUES (5, 'x')");
    await s.execute('ROLLBACK');
    expect(seen).toEqual([]);
    await s.execute('BEGIN');
    await s.execute("INSERT INTO t VALUES (6, 'keep')");
    await s.execute('SAVEPOINT sp');
    await s.execute("INSERT INTO t VALUES (7, 'drop')");
    await s.execute('ROLLBACK TO SAVEPOINT sp');
    // nothing before the commit is durable
    expect(seen).toEqual([]);
    await s.execute('COMMIT');
    expect(seen.map((c) => c.key)).toEqual([[6]]);
    seen.length = 0;
    await failure(s.execute("INSERT INTO t VALUES (8, 'ok'), (1, 'duplicate')"));
    expect(seen).toEqual([]);
  });

  it('one transaction of several statements is one commit, changes in statement order', async () => {
    await s.execute('BEGIN');
    await s.execute("INSERT INTO t VALUES (2, 'x')");
    await s.execute("UPDATE t SET v = 'y' WHERE id = 2");
    await s.execute('COMMIT');
    expect(seen.map((c) => [c.operation, c.before, c.after])).toEqual([
      ['insert', null, [2, 'x']],
      ['update', [2, 'x'], [2, 'y']],
    ]);
    expect(seen[0]?.commit).toBe(seen[1]?.commit);
  });
});

describe('statistics of a dropped table', () => {
  it('do not describe a new table of the same name', async () => {
    const db = await Database.open(':memory:');
    try {
      const s = await db.connect();
      await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, g TEXT, n INTEGER)');
      await fill(s, 100);
      await s.execute('ANALYZE t');
      await s.execute('DROP TABLE t');
      await s.execute('CREATE TABLE t (x TEXT)');
      const snap = db.system.storage.snapshot();
      expect(tableStatistics(snap, 't')).toBeUndefined();
      snap.release();
    } finally {
      await db.close();
    }
  });
});
