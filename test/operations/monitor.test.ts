// The performance monitor: per-shape statistics like pg_stat_statements, per-kind aggregates,
// cache hit ratios, and a metrics stream whose slow subscriber loses metrics (counted) instead of
// slowing statements.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoundedStream } from '../../src/observability/bounded-stream.js';
import { Database } from '../../src/api/database.js';
import type { Session } from '../../src/api/session.js';
import type { MonitorMsg } from '../../src/protocol/messages.js';

let db: Database;
let s: Session;

beforeAll(async () => {
  db = await Database.open(':memory:');
  s = await db.connect();
  await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  for (let i = 1; i <= 20; i++) await s.execute('INSERT INTO t VALUES ($1, $2)', [i, `v${i}`]);
});

afterAll(async () => {
  await db.close();
});

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
/** Lets deferred deliveries finish (each drain is time-bounded and may continue on a later turn). */
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await tick();
}

describe('statement statistics', () => {
  it('aggregates calls, times and rows per shape (literals lifted)', async () => {
    for (let i = 1; i <= 5; i++) await s.execute(`SELECT v FROM t WHERE id = ${i}`);
    await s.execute('SELECT v FROM t WHERE id > 10');
    const stats = db.monitor.statements();
    const point = stats.find((x) => x.shape.startsWith('SELECT v FROM t WHERE id = $1'));
    expect(point).toBeDefined();
    expect(point?.calls).toBe(5);
    expect(point?.rows).toBe(5);
    expect(point?.minMs).toBeLessThanOrEqual(point?.meanMs as number);
    expect(point?.meanMs).toBeLessThanOrEqual(point?.maxMs as number);
    expect(point?.meanMs).toBeCloseTo((point?.totalMs as number) / 5, 6);
    const range = stats.find((x) => x.shape.startsWith('SELECT v FROM t WHERE id > $1'));
    expect(range?.calls).toBe(1);
    expect(range?.rows).toBe(10);
    const insert = stats.find((x) => x.shape.startsWith('INSERT INTO t'));
    expect(insert?.calls).toBe(20);
    expect(insert?.rows).toBe(20);
  });

  it('aggregates per statement kind', () => {
    const k = db.monitor.byKind();
    expect(k.get('INSERT')?.calls).toBe(20);
    expect((k.get('SELECT')?.calls ?? 0) >= 6).toBe(true);
    expect(k.get('CREATE_TABLE')?.calls).toBe(1);
  });

  it('reports plan, parse, result and buffer cache hit ratios', async () => {
    const before = db.monitor.caches();
    await s.execute('SELECT v FROM t WHERE id = 3');
    await s.execute('SELECT v FROM t WHERE id = 4');
    const after = db.monitor.caches();
    expect(after.parse.hits).toBeGreaterThanOrEqual(before.parse.hits + 2);
    expect(after.plan.hits).toBeGreaterThanOrEqual(before.plan.hits + 2);
    expect(after.plan.hitRatio).toBeGreaterThan(0);
    expect(after.plan.hitRatio).toBeLessThanOrEqual(1);
    expect(after.result.enabled).toBe(false);
    expect(after.result.hits).toBe(0);
  });
});

describe('metrics$', () => {
  it('delivers every metric to a subscriber that keeps up, after the statement returned', async () => {
    const seen: MonitorMsg[] = [];
    const sub = db.monitor.metrics$.subscribe((m) => seen.push(m));
    const r = await s.execute('SELECT count(*) FROM t');
    // Delivery is deferred: the statement's caller never waits for a subscriber.
    expect(r.rows).toEqual([[20]]);
    await settle();
    sub.unsubscribe();
    expect(seen.map((m) => m.text)).toContain('SELECT count(*) FROM t');
  });

  it('a slow subscriber loses metrics and the loss is counted', async () => {
    const before = db.monitor.dropped().metrics;
    let calls = 0;
    const sub = db.monitor.metrics$.subscribe(() => {
      calls++;
      const until = performance.now() + 5;
      while (performance.now() < until) {
        // a subscriber far slower than the statements
      }
    });
    const n = 1500;
    for (let i = 0; i < n; i++) await s.execute('SELECT v FROM t WHERE id = $1', [1 + (i % 20)]);
    const dropped = db.monitor.dropped().metrics - before;
    sub.unsubscribe();
    expect(dropped).toBeGreaterThan(0);
    expect(calls + dropped).toBeLessThanOrEqual(n);
  });
});

describe('BoundedStream', () => {
  it('keeps at most capacity items per subscriber and counts the rest', async () => {
    const stream = new BoundedStream<number>({ capacity: 3 });
    const a: number[] = [];
    const b: number[] = [];
    stream.observable.subscribe((x) => a.push(x));
    for (let i = 0; i < 5; i++) stream.publish(i);
    stream.observable.subscribe((x) => b.push(x));
    stream.publish(5);
    await settle();
    expect(a).toEqual([0, 1, 2]);
    expect(b).toEqual([5]);
    expect(stream.dropped).toBe(3);
    expect(stream.droppedPerSubscriber()).toEqual([3, 0]);
  });

  it('stops delivering to a subscriber that unsubscribed', async () => {
    const stream = new BoundedStream<number>();
    const got: number[] = [];
    const sub = stream.observable.subscribe((x) => {
      got.push(x);
      if (x === 2) sub.unsubscribe();
    });
    for (let i = 1; i <= 4; i++) stream.publish(i);
    await settle();
    expect(got).toEqual([1, 2]);
    expect(stream.observed).toBe(false);
  });
});
