// The result cache: off by default; when on, a repeated autocommit SELECT is answered from the
// cache, and never with a stale result: every commit that writes a table the query read (from any
// session), DDL, and a transaction's own uncommitted writes all bypass or invalidate it.
import { describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import type { Session } from '../../src/api/session.js';

async function setup(size = 100): Promise<{ db: Database; a: Session; b: Session }> {
  const db = await Database.open(':memory:', { config: { result_cache_size: size } });
  const a = await db.connect();
  const b = await db.connect();
  await a.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)');
  await a.execute('CREATE TABLE u (id INTEGER PRIMARY KEY)');
  await a.execute('INSERT INTO t VALUES (1, 10), (2, 20)');
  return { db, a, b };
}

const SUM = 'SELECT sum(v) FROM t';
const hits = (db: Database): number => db.monitor.caches().result.hits;

describe('result cache', () => {
  it('is off by default', async () => {
    const db = await Database.open(':memory:');
    const s = await db.connect();
    await s.execute('SELECT 1');
    await s.execute('SELECT 1');
    expect(db.monitor.caches().result).toMatchObject({ enabled: false, hits: 0 });
    await db.close();
  });

  it('answers a repeated SELECT from the cache, keyed by shape and parameters', async () => {
    const { db, a, b } = await setup();
    expect((await a.execute('SELECT v FROM t WHERE id = $1', [1])).rows).toEqual([[10]]);
    const h0 = hits(db);
    const routed = db.system.dispatcher.routed;
    expect((await a.execute('SELECT v FROM t WHERE id = $1', [1])).rows).toEqual([[10]]);
    // Another session of the same user shares the entry.
    expect((await b.execute('SELECT v FROM t WHERE id = $1', [1])).rows).toEqual([[10]]);
    expect(hits(db)).toBe(h0 + 2);
    expect(db.system.dispatcher.routed).toBe(routed);
    // Other parameters are another entry.
    expect((await a.execute('SELECT v FROM t WHERE id = $1', [2])).rows).toEqual([[20]]);
    expect(hits(db)).toBe(h0 + 2);
    // Row modes and a caller mutating its rows do not disturb the cached copy.
    const r = await a.execute('SELECT id, v FROM t WHERE id = $1', [1], { rowMode: 'object' });
    expect(r.rows).toEqual([{ id: 1, v: 10 }]);
    const again = await a.execute('SELECT id, v FROM t WHERE id = $1', [1]);
    again.rows[0]?.splice(0, 2, 99, 99);
    expect((await a.execute('SELECT id, v FROM t WHERE id = $1', [1])).rows).toEqual([[1, 10]]);
    expect(db.monitor.caches().result.hitRatio).toBeGreaterThan(0);
    await db.close();
  });

  it('is never stale under interleaved writes from two sessions', async () => {
    const { db, a, b } = await setup();
    let expected = 30;
    expect((await a.execute(SUM)).rows).toEqual([[expected]]);
    for (let i = 3; i < 23; i++) {
      const writer = i % 2 === 0 ? a : b;
      const reader = i % 3 === 0 ? a : b;
      expect((await reader.execute(SUM)).rows).toEqual([[expected]]);
      if (i % 4 === 0) {
        await writer.execute('UPDATE t SET v = v + 1 WHERE id = 1');
        expected += 1;
      } else if (i % 4 === 1) {
        await writer.execute('INSERT INTO t VALUES ($1, $2)', [i, i]);
        expected += i;
      } else if (i % 4 === 2) {
        await writer.execute('DELETE FROM t WHERE id = $1', [i - 1]);
        expected -= i - 1;
      }
      // A write to another table leaves the entry valid.
      else await writer.execute('INSERT INTO u VALUES ($1)', [i]);
      expect((await reader.execute(SUM)).rows).toEqual([[expected]]);
      expect((await writer.execute(SUM)).rows).toEqual([[expected]]);
    }
    expect(hits(db)).toBeGreaterThan(0);
    expect(db.monitor.caches().result.invalidations).toBeGreaterThan(0);
    await db.close();
  });

  it('a write committed by another session in an explicit transaction invalidates at its COMMIT', async () => {
    const { db, a, b } = await setup();
    expect((await a.execute(SUM)).rows).toEqual([[30]]);
    await b.execute('BEGIN');
    await b.execute('UPDATE t SET v = 100 WHERE id = 1');
    // Not committed yet: the other session still sees (and may be served) the committed sum.
    expect((await a.execute(SUM)).rows).toEqual([[30]]);
    // Inside the transaction the cache is bypassed: it sees its own write.
    expect((await b.execute(SUM)).rows).toEqual([[120]]);
    expect((await a.execute(SUM)).rows).toEqual([[30]]);
    await b.execute('COMMIT');
    expect((await a.execute(SUM)).rows).toEqual([[120]]);
    // A rolled-back write changes nothing and the entry stays.
    const h = hits(db);
    await b.execute('BEGIN');
    await b.execute('DELETE FROM t');
    await b.execute('ROLLBACK');
    expect((await a.execute(SUM)).rows).toEqual([[120]]);
    expect(hits(db)).toBe(h + 1);
    await db.close();
  });

  it('DDL invalidates; results read through a view are not cached', async () => {
    const { db, a } = await setup();
    expect((await a.execute('SELECT * FROM t WHERE id = 1')).rows).toEqual([[1, 10]]);
    expect((await a.execute('SELECT * FROM t WHERE id = 1')).rows).toEqual([[1, 10]]);
    await a.execute('DROP TABLE t');
    await a.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER, w INTEGER)');
    expect((await a.execute('SELECT * FROM t WHERE id = 1')).rows).toEqual([]);
    await a.execute('INSERT INTO t VALUES (1, 10, NULL), (2, 20, NULL)');
    await a.execute('CREATE VIEW big AS SELECT id FROM t WHERE v > 15');
    expect((await a.execute('SELECT count(*) FROM big')).rows).toEqual([[1]]);
    expect((await a.execute('SELECT count(*) FROM big')).rows).toEqual([[1]]);
    await a.execute('INSERT INTO t VALUES (3, 30, NULL)');
    expect((await a.execute('SELECT count(*) FROM big')).rows).toEqual([[2]]);
    await db.close();
  });

  it('serves query handles (rows$) and prepared statements too', async () => {
    const { db, a } = await setup();
    const p = await a.prepare('SELECT v FROM t WHERE id = $1');
    expect((await p.execute([2])).rows).toEqual([[20]]);
    const h = hits(db);
    expect((await p.execute([2])).rows).toEqual([[20]]);
    const q = a.query('SELECT v FROM t WHERE id = $1', [2]);
    const streamed: unknown[] = [];
    q.rows$.subscribe((r) => streamed.push(r));
    expect((await q.result).rows).toEqual([[20]]);
    expect(streamed).toEqual([[20]]);
    expect(hits(db)).toBe(h + 2);
    await a.execute('UPDATE t SET v = 21 WHERE id = 2');
    expect((await p.execute([2])).rows).toEqual([[21]]);
    await db.close();
  });

  it('keeps at most result_cache_size entries', async () => {
    const { db, a } = await setup(2);
    for (const id of [1, 2, 1, 2]) await a.execute('SELECT v FROM t WHERE id = $1', [id]);
    const h = hits(db);
    expect(h).toBe(2);
    await a.execute('SELECT id FROM t');
    expect(db.monitor.caches().result.size).toBe(2);
    await db.close();
  });
});
