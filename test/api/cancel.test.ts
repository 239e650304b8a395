// A long SELECT stopped by cancel(), by an AbortSignal, by unsubscribing from rows$ and by a
// statement timeout: each fails with 57014 long before the query would have ended, and the
// session answers the next statement.
import { firstValueFrom, take, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { DispatcherError } from '../../src/api/errors.js';
import type { Session } from '../../src/api/session.js';

let db: Database;
let s: Session;
// A cross join of 3000 × 3000 rows: seconds of work, so a stop within a slice is visible.
const LONG = 'SELECT count(*) FROM a, b WHERE a.x + b.x >= 0';

beforeAll(async () => {
  db = await Database.open(':memory:');
  s = await db.connect();
  await s.execute('CREATE TABLE a (x INTEGER)');
  await s.execute('CREATE TABLE b (x INTEGER)');
  await s.execute('BEGIN');
  for (let i = 0; i < 3000; i++) {
    await s.execute('INSERT INTO a VALUES ($1)', [i]);
    await s.execute('INSERT INTO b VALUES ($1)', [i]);
  }
  await s.execute('COMMIT');
});

afterAll(async () => {
  await db.close();
});

async function expectCanceled(p: Promise<unknown>): Promise<DispatcherError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DispatcherError);
  expect((e as DispatcherError).sqlState).toBe('57014');
  return e as DispatcherError;
}

async function stillUsable(): Promise<void> {
  const r = await s.execute('SELECT count(*) FROM a');
  expect(r.rows).toEqual([[3000]]);
}

describe('cancellation', () => {
  it('cancel() stops a running query', async () => {
    const q = s.query(LONG);
    await new Promise((r) => setTimeout(r, 50));
    const t0 = performance.now();
    q.cancel();
    await expectCanceled(q.result);
    expect(performance.now() - t0).toBeLessThan(250);
    await stillUsable();
  });

  it('an AbortSignal stops a running query', async () => {
    const ac = new AbortController();
    const p = s.execute(LONG, [], { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 50));
    const t0 = performance.now();
    ac.abort();
    await expectCanceled(p);
    expect(performance.now() - t0).toBeLessThan(250);
    await stillUsable();
  });

  it('an already aborted signal never starts the query', async () => {
    const ac = new AbortController();
    ac.abort();
    await expectCanceled(s.execute('SELECT 1', [], { signal: ac.signal }));
    await stillUsable();
  });

  it('unsubscribing from rows$ cancels the statement', async () => {
    const q = s.query('SELECT a.x, b.x FROM a, b');
    const first = await firstValueFrom(q.rows$.pipe(take(5), toArray()));
    expect(first).toHaveLength(5);
    await expectCanceled(q.result);
    await stillUsable();
  });

  it('a statement timeout stops it with 57014', async () => {
    const e = await expectCanceled(s.execute(LONG, [], { timeoutMs: 30 }));
    expect(e.message).toMatch(/timeout/);
    await s.execute("SET statement_timeout = '30ms'");
    await expectCanceled(s.execute(LONG));
    await s.execute('RESET statement_timeout');
    await stillUsable();
  });

  it('a cancelled write inside a transaction leaves the block aborted, and ROLLBACK recovers', async () => {
    await s.execute('BEGIN');
    const p = s.execute('INSERT INTO a SELECT a.x FROM a, b');
    await new Promise((r) => setTimeout(r, 30));
    db.cancel(db.activeQueries()[0]?.queryId ?? -1);
    await expectCanceled(p);
    await expect(s.execute('SELECT 1')).rejects.toMatchObject({ sqlState: '25P02' });
    await s.execute('ROLLBACK');
    await stillUsable();
  });

  it('progress$ reports the phases and the rows examined', async () => {
    const q = s.query('SELECT count(*) FROM a, b WHERE a.x < 300');
    const phases = new Set<string>();
    let examined = 0;
    q.progress$.subscribe((p) => {
      phases.add(p.phase);
      examined = Math.max(examined, p.rowsExamined);
    });
    const r = await q.result;
    expect(r.rows).toEqual([[900000]]);
    expect(phases.has('executing')).toBe(true);
    expect(phases.has('completed')).toBe(true);
    expect(r.metrics.rowsExamined).toBeGreaterThan(0);
  });
});
