// Against a live database: any sequence of statements, transaction control, cancellations and
// closes over three sessions leaves no lock held, no page pinned and no transaction open, and a
// fresh session answers. Cancellation is also driven into each phase of a query on purpose.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../src/api/database.js';
import { DispatcherError } from '../src/api/errors.js';
import { checkDatabaseLifecycles, leftovers } from '../src/testing/index.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('live lifecycles', () => {
  it('leave nothing held on :memory:', async () => {
    const db = await Database.open(':memory:');
    try {
      await checkDatabaseLifecycles(db, { numRuns: 25 });
    } finally {
      await db.close();
    }
  }, 120_000);

  it('leave nothing held (and no page pinned) on a file database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dispatchdb-live-'));
    dirs.push(dir);
    const db = await Database.open(join(dir, 'live.db'), { durable: false });
    try {
      await checkDatabaseLifecycles(db, { numRuns: 15 });
    } finally {
      await db.close();
    }
  }, 120_000);

  it('cancelling a query in each phase (queued, waiting for a lock, executing) releases everything', async () => {
    const db = await Database.open(':memory:', { maxConcurrentQueries: 1 });
    try {
      const a = await db.connect();
      const b = await db.connect();
      const c = await db.connect();
      await a.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)');
      await a.execute('INSERT INTO t VALUES (1, 1), (2, 2), (3, 3)');
      await a.execute('CREATE TABLE big (x INTEGER)');
      for (let i = 0; i < 40; i++) await a.execute('INSERT INTO big VALUES ($1)', [i]);
      const cancelled = async (p: Promise<unknown>): Promise<void> => {
        const e = await p.then(() => null, (x: unknown) => x);
        expect(e).toBeInstanceOf(DispatcherError);
        expect((e as DispatcherError).sqlState).toBe('57014');
      };
      // waitingForLocks: b waits for a's row lock, then is cancelled.
      await a.execute('BEGIN');
      await a.execute('UPDATE t SET v = 10 WHERE id = 1');
      const waiting = b.query('UPDATE t SET v = 20 WHERE id = 1');
      const phases: string[] = [];
      waiting.progress$.subscribe((p) => phases.push(p.phase));
      await new Promise((r) => setTimeout(r, 30));
      waiting.cancel();
      await cancelled(waiting.result);
      expect(phases).toContain('waitingForLocks');
      await a.execute('COMMIT');
      // executing: a long cross join, cancelled mid-run.
      const long = b.query('SELECT count(*) FROM big a1, big a2, big a3, big a4, big a5');
      await new Promise((r) => setTimeout(r, 30));
      // queued: with one admission slot taken by the long query, c's statement waits in the queue.
      const queued = c.query('SELECT 1');
      await new Promise((r) => setTimeout(r, 10));
      queued.cancel();
      await cancelled(queued.result);
      long.cancel();
      await cancelled(long.result);
      // received: cancelled before it could even start.
      const early = c.query('SELECT 2');
      early.cancel();
      await early.result.then(() => undefined, () => undefined);
      await a.close();
      await b.close();
      await c.close();
      expect(leftovers(db)).toEqual({ locks: 0, openTransactions: 0, pinnedPages: 0 });
      const fresh = await db.connect();
      expect((await fresh.execute('SELECT count(*) FROM t')).rows).toEqual([[3]]);
    } finally {
      await db.close();
    }
  }, 60_000);
});
