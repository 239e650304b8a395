// Commits queued in one turn are written as one batch: their pages once, under one commit frame
// and one fsync. Whatever mix the batch holds (several writers of one table, a table created
// and dropped, large rows added and removed), recovery from the log alone gives the state the
// batch acknowledged.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { openStorage } from '../../src/storage/engine.js';
import type { StorageEngine } from '../../src/storage/ports.js';
import { drain, tableDef } from './helpers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dispatchdb-group-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function dump(db: StorageEngine): Record<string, unknown[]> {
  const s = db.snapshot();
  try {
    const out: Record<string, unknown[]> = {};
    for (const t of s.tables()) out[t.name] = drain(s.scanTable(t.name));
    return out;
  } finally {
    s.release();
  }
}

/** The database and its WAL copied as a crash would leave them, then opened (recovery runs). */
function reopenCrashCopy(p: string, name: string): Promise<StorageEngine> {
  const copy = path.join(dir, name);
  fs.copyFileSync(p, copy);
  fs.copyFileSync(`${p}-wal`, `${copy}-wal`);
  return openStorage(copy, { durable: true, pageSize: 4096 });
}

describe('group commit', () => {
  it('writes a batch of concurrent commits once and recovers exactly its result', async () => {
    const p = path.join(dir, 'g.db');
    const db = await openStorage(p, { durable: true, pageSize: 4096 });
    const setup = db.begin();
    setup.createTable(tableDef('t', [['id', 'integer'], ['v', 'text']]));
    setup.createTable(tableDef('doomed', [['id', 'integer']]));
    for (let i = 0; i < 500; i++) setup.insert('t', [i, `v${i}`]);
    setup.insert('doomed', [1]);
    await setup.commit();
    const fsyncs = db.stats().fsyncs;
    const big = 'x'.repeat(20_000);
    // Begun together, committed in the same turn: one batch.
    const a = db.begin();
    const b = db.begin();
    const c = db.begin();
    const d = db.begin();
    a.update('t', [1], [1, 'a']);
    a.insert('t', [1000, big]);
    b.update('t', [2], [2, 'b']);
    b.delete('t', [3]);
    c.createTable(tableDef('fresh', [['id', 'integer'], ['body', 'text']]));
    c.insert('fresh', [1, big]);
    c.dropTable('doomed');
    d.update('t', [499], [499, 'd']);
    d.setMeta('note', { by: 'd' });
    await Promise.all([a.commit(), b.commit(), c.commit(), d.commit()]);
    // One fsync for the four.
    expect(db.stats().fsyncs - fsyncs).toBe(1);
    // Then a batch that removes what the one before added.
    const e = db.begin();
    const f = db.begin();
    e.delete('t', [1000]);
    f.dropTable('fresh');
    await Promise.all([e.commit(), f.commit()]);
    const expected = dump(db);
    expect(Object.keys(expected).sort()).toEqual(['t']);
    expect(expected['t']).toHaveLength(499);
    const again = await reopenCrashCopy(p, 'copy.db');
    await db.close();
    try {
      expect(dump(again)).toEqual(expected);
      const s = again.snapshot();
      expect(s.getMeta('note')).toEqual({ by: 'd' });
      expect(s.getRow('t', [1])).toEqual([1, 'a']);
      s.release();
      expect(again.integrityCheck()).toEqual([]);
    } finally {
      await again.close();
    }
  });

  it('fails only the commit whose replay fails; the rest of the batch lands and recovers', async () => {
    const p = path.join(dir, 'fold.db');
    const db = await openStorage(p, { durable: true, pageSize: 4096 });
    const setup = db.begin();
    setup.createTable(tableDef('t', [['id', 'integer'], ['v', 'text']]));
    for (let i = 0; i < 400; i++) setup.insert('t', [i, `v${i}`]);
    await setup.commit();
    const fsyncs = db.stats().fsyncs;
    // All begun from the same state: the first commit keeps its own trees, the others are
    // replayed onto it in one shared transaction. No locks at this level, so two of them
    // collide: b updates the row a deletes, d inserts the key c inserts.
    const [a, b, c, d, e] = [db.begin(), db.begin(), db.begin(), db.begin(), db.begin()];
    a.delete('t', [5]);
    a.update('t', [6], [6, 'a']);
    b.update('t', [7], [7, 'b']);
    b.update('t', [5], [5, 'b']);
    c.insert('t', [1000, 'c']);
    c.update('t', [300], [300, 'c']);
    d.update('t', [8], [8, 'd']);
    d.insert('t', [1000, 'd']);
    e.update('t', [399], [399, 'e']);
    e.delete('t', [0]);
    const outcomes = await Promise.allSettled([a.commit(), b.commit(), c.commit(), d.commit(), e.commit()]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ sqlState: '40001' });
    expect((outcomes[3] as PromiseRejectedResult).reason).toMatchObject({ sqlState: '23505' });
    expect(db.stats().fsyncs - fsyncs).toBe(1);
    const s = db.snapshot();
    // Nothing of b or d is left, not even their first changes.
    expect(s.getRow('t', [5])).toBeUndefined();
    expect(s.getRow('t', [7])).toEqual([7, 'v7']);
    expect(s.getRow('t', [8])).toEqual([8, 'v8']);
    expect(s.getRow('t', [1000])).toEqual([1000, 'c']);
    expect(s.getRow('t', [6])).toEqual([6, 'a']);
    expect(s.getRow('t', [300])).toEqual([300, 'c']);
    expect(s.getRow('t', [399])).toEqual([399, 'e']);
    expect(s.getRow('t', [0])).toBeUndefined();
    s.release();
    // A later batch goes on from there.
    const f = db.begin();
    const g = db.begin();
    f.update('t', [10], [10, 'f']);
    g.update('t', [11], [11, 'g']);
    await Promise.all([f.commit(), g.commit()]);
    const expected = dump(db);
    expect(expected['t']).toHaveLength(399);
    const again = await reopenCrashCopy(p, 'fold-copy.db');
    await db.close();
    try {
      expect(dump(again)).toEqual(expected);
      expect(again.integrityCheck()).toEqual([]);
    } finally {
      await again.close();
    }
  });

  it('shares fsyncs among sessions committing autocommit statements at once, and not for a lone one', async () => {
    const p = path.join(dir, 'sessions.db');
    const db = await Database.open(p);
    try {
      const setup = await db.connect();
      await setup.execute('CREATE TABLE acc (id INTEGER PRIMARY KEY, n INTEGER)');
      await setup.execute('BEGIN');
      for (let i = 0; i < 64; i++) await setup.execute('INSERT INTO acc VALUES ($1, 0)', [i]);
      await setup.execute('COMMIT');
      // A lone session: one fsync per commit.
      let before = db.stats().fsyncs;
      for (let i = 0; i < 10; i++) await setup.execute('UPDATE acc SET n = n + 1 WHERE id = $1', [i]);
      expect(db.stats().fsyncs - before).toBe(10);
      // Eight sessions, each committing in turn: their commits share fsyncs.
      const sessions = await Promise.all(Array.from({ length: 8 }, () => db.connect()));
      before = db.stats().fsyncs;
      await Promise.all(
        sessions.map(async (s, j) => {
          for (let i = 0; i < 20; i++) await s.execute('UPDATE acc SET n = n + 1 WHERE id = $1', [j * 8 + (i % 8)]);
        }),
      );
      const fsyncs = db.stats().fsyncs - before;
      expect(fsyncs).toBeLessThanOrEqual(160 / 4);
      expect((await setup.execute('SELECT sum(n) FROM acc')).rows).toEqual([[170]]);
    } finally {
      await db.close();
    }
  });
});
