// Dispatcher controls from the configuration: max concurrent queries and the queue (53000 when
// full), query_timeout as the default statement timeout, activeQueries() and cancel(id), and
// executeConcurrent with bounded parallelism.
import { describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import type { Session } from '../../src/api/session.js';
import { failure } from '../support/failure.js';

// 1500 x 1500 rows: long enough to be seen running, and stopped within a slice when cancelled.
// 1500 x 1500 x 8 rows: long enough (~0.5 s here) to be seen running, queued and timed out.
const LONG = 'SELECT count(*) FROM a, b, c WHERE a.x + b.x + c.x >= 0';

async function fill(db: Database, n = 1500): Promise<void> {
  const s = await db.connect();
  await s.execute('SET statement_timeout = 0');
  await s.execute('CREATE TABLE a (x INTEGER)');
  await s.execute('CREATE TABLE b (x INTEGER)');
  await s.execute('CREATE TABLE c (x INTEGER)');
  await s.execute('BEGIN');
  for (let i = 0; i < 8; i++) await s.execute('INSERT INTO c VALUES ($1)', [i]);
  for (let i = 0; i < n; i++) {
    await s.execute('INSERT INTO a VALUES ($1)', [i]);
    await s.execute('INSERT INTO b VALUES ($1)', [i]);
  }
  await s.execute('COMMIT');
  await s.close();
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(cond()).toBe(true);
}

describe('admission and cancellation', () => {
  it('runs max_concurrent_queries at once, queues max_queued_queries, refuses the next with 53000', async () => {
    const db = await Database.open(':memory:', { config: { max_concurrent_queries: 1, max_queued_queries: 1 } });
    await fill(db);
    const [s1, s2, s3] = [await db.connect(), await db.connect(), await db.connect()] as [Session, Session, Session];
    const running = s1.execute(LONG);
    await until(() => db.activeQueries().some((q) => q.state === 'running'));
    const queued = s2.execute(LONG);
    await until(() => db.activeQueries().some((q) => q.state === 'queued'));
    const active = db.activeQueries();
    expect(active.map((q) => [q.state, q.text, q.kind])).toEqual([
      ['running', LONG, 'SELECT'],
      ['queued', LONG, 'SELECT'],
    ]);
    expect(new Set(active.map((q) => q.sessionId)).size).toBe(2);
    const full = await failure(s3.execute('SELECT 1'));
    expect(full.sqlState).toBe('53000');
    expect(full.code).toBe('RESOURCE_EXHAUSTED');
    // cancel(id) takes the queued one out of the queue, then stops the running one.
    const [first, second] = active as [(typeof active)[0], (typeof active)[0]];
    expect(db.cancel(987654321)).toBe(false);
    expect(db.cancel(second.queryId)).toBe(true);
    expect((await failure(queued)).sqlState).toBe('57014');
    db.cancel(String(first.queryId));
    expect((await failure(running)).sqlState).toBe('57014');
    expect(db.activeQueries()).toEqual([]);
    // The slot is free again.
    expect((await s3.execute('SELECT 1')).rows).toEqual([[1]]);
    await db.close();
  });

  it('query_timeout is the default statement timeout (57014), and SET overrides it', async () => {
    const db = await Database.open(':memory:', { config: { query_timeout: '100ms' } });
    await fill(db);
    const s = await db.connect();
    const e = await failure(s.execute(LONG));
    expect(e.sqlState).toBe('57014');
    expect(e.message).toContain('statement timeout');
    await s.execute('SET statement_timeout = 0');
    expect((await s.execute(LONG)).rows).toEqual([[1500 * 1500 * 8]]);
    await db.close();
  });
});

describe('executeConcurrent', () => {
  it('runs with bounded parallelism on separate sessions; results in order, errors per item', async () => {
    const db = await Database.open(':memory:');
    await fill(db, 300);
    let inFlight = 0;
    let maxInFlight = 0;
    const sessionsInFlight = new Set<string>();
    const sessionsSeen = new Set<string>();
    let sharedSession = false;
    await db.plugins.register({
      name: 'meter',
      beforeExecute: (ctx) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        if (sessionsInFlight.has(ctx.sessionId)) sharedSession = true;
        sessionsInFlight.add(ctx.sessionId);
        sessionsSeen.add(ctx.sessionId);
      },
      afterExecute: (ctx) => {
        inFlight--;
        sessionsInFlight.delete(ctx.sessionId);
      },
    });
    const slow = 'SELECT count(*) FROM a, b WHERE a.x <= b.x';
    const requests = [
      { sql: slow },
      { sql: 'SELECT x FROM a WHERE x = $1', params: [7] },
      { sql: 'SELECT * FROM nowhere' },
      { sql: slow },
      { sql: 'SELECT count(*) FROM a' },
      { sql: slow },
      { sql: 'SELEKT 1' },
    ];
    const results = await db.executeConcurrent(requests, { parallelism: 2 });
    expect(results).toHaveLength(requests.length);
    const summary = results.map((r) => (r.ok ? r.result.rows : r.error.sqlState));
    expect(summary).toEqual([[[45150]], [[7]], '42P01', [[45150]], [[300]], [[45150]], '42601']);
    expect(maxInFlight).toBe(2);
    expect(sharedSession).toBe(false);
    // A small pool: never more sessions than the parallelism, all closed afterwards.
    expect(sessionsSeen.size).toBeLessThanOrEqual(2);
    expect(db.system.sessions.size).toBe(0);
    await db.close();
  });

  it('runs each request as its user', async () => {
    const db = await Database.open(':memory:');
    const users: string[] = [];
    await db.plugins.register({ name: 'who', beforeExecute: (ctx) => void users.push(ctx.user) });
    const results = await db.executeConcurrent([{ sql: 'SELECT 1' }, { sql: 'SELECT 2', user: 'owner' }], { parallelism: 4 });
    expect(results.every((r) => r.ok)).toBe(true);
    expect(users).toEqual(['owner', 'owner']);
    expect(await db.executeConcurrent([])).toEqual([]);
    await db.close();
  });
});
