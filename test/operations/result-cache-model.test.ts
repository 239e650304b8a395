// Model check of the result cache: random sequences of reads and writes from three sessions
// (autocommit writes, explicit transactions that commit or roll back, DDL) run on a database with
// the cache and on one without it; every SELECT must answer the same on both.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import type { Session } from '../../src/api/session.js';

type Op =
  | { readonly t: 'select'; readonly s: number; readonly q: number; readonly k: number }
  | { readonly t: 'insert'; readonly s: number; readonly table: 't' | 'u'; readonly k: number; readonly v: number }
  | { readonly t: 'update'; readonly s: number; readonly k: number; readonly v: number }
  | { readonly t: 'delete'; readonly s: number; readonly k: number }
  | { readonly t: 'txn'; readonly s: number; readonly k: number; readonly v: number; readonly commit: boolean }
  | { readonly t: 'index'; readonly s: number };

const QUERIES = [
  'SELECT count(*), sum(v) FROM t',
  'SELECT v FROM t WHERE k = $1',
  'SELECT k FROM t WHERE v > $1 ORDER BY k',
  'SELECT count(*) FROM t, u WHERE t.k = u.k',
  'SELECT count(*) FROM u',
];

const session = fc.integer({ min: 0, max: 2 });
const key = fc.integer({ min: 0, max: 6 });
const val = fc.integer({ min: 0, max: 50 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('select' as const), s: session, q: fc.integer({ min: 0, max: QUERIES.length - 1 }), k: key }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('insert' as const), s: session, table: fc.constantFrom('t' as const, 'u' as const), k: key, v: val }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('update' as const), s: session, k: key, v: val }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('delete' as const), s: session, k: key }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('txn' as const), s: session, k: key, v: val, commit: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('index' as const), s: session }) },
);

async function outcome(p: Promise<{ rows: unknown[] }>): Promise<unknown> {
  return p.then(
    (r) => r.rows,
    (e: unknown) => `error ${(e as { sqlState?: string }).sqlState}`,
  );
}

/** Runs the ops on one database; returns every statement's outcome in order. */
async function run(ops: readonly Op[], cached: boolean): Promise<unknown[]> {
  const db = await Database.open(':memory:', { config: { result_cache_size: cached ? 50 : 0 } });
  const ss: Session[] = [await db.connect(), await db.connect(), await db.connect()];
  const first = ss[0] as Session;
  await first.execute('CREATE TABLE t (k INTEGER PRIMARY KEY, v INTEGER)');
  await first.execute('CREATE TABLE u (k INTEGER PRIMARY KEY, v INTEGER)');
  const out: unknown[] = [];
  let indexes = 0;
  for (const o of ops) {
    const s = ss[o.s] as Session;
    switch (o.t) {
      case 'select': {
        const sql = QUERIES[o.q] as string;
        const params = sql.includes('$1') ? [o.k * 5] : [];
        out.push(await outcome(s.execute(sql, params)));
        break;
      }
      case 'insert':
        out.push(await outcome(s.execute(`INSERT INTO ${o.table} VALUES ($1, $2)`, [o.k, o.v])));
        break;
      case 'update':
        out.push(await outcome(s.execute('UPDATE t SET v = $2 WHERE k = $1', [o.k, o.v])));
        break;
      case 'delete':
        out.push(await outcome(s.execute('DELETE FROM t WHERE k = $1', [o.k])));
        break;
      case 'txn': {
        // Inside the block: a write, then reads (own write visible), from this session only.
        out.push(await outcome(s.execute('BEGIN')));
        out.push(await outcome(s.execute('UPDATE t SET v = v + $2 WHERE k >= $1', [o.k, o.v])));
        out.push(await outcome(s.execute('INSERT INTO u VALUES ($1, $2)', [o.k + 100, o.v])));
        out.push(await outcome(s.execute('SELECT count(*), sum(v) FROM t')));
        out.push(await outcome(s.execute('SELECT count(*) FROM u')));
        out.push(await outcome(s.execute(o.commit ? 'COMMIT' : 'ROLLBACK')));
        // Another session reads right after the end of the block.
        out.push(await outcome((ss[(o.s + 1) % 3] as Session).execute('SELECT count(*), sum(v) FROM t')));
        break;
      }
      case 'index':
        out.push(await outcome(s.execute(`CREATE INDEX i${indexes++} ON t (v)`)));
        break;
    }
  }
  const hits = db.monitor.caches().result.hits;
  await db.close();
  out.push(cached ? hits > 0 || 'no hits' : 'uncached');
  return out;
}

describe('result cache model check', () => {
  it('answers every statement as the database without a cache does', async () => {
    let anyHits = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 40 }), async (ops) => {
        const withCache = await run(ops, true);
        const without = await run(ops, false);
        const hit = withCache.pop();
        without.pop();
        if (hit === true) anyHits++;
        expect(withCache).toEqual(without);
      }),
      { numRuns: 40 },
    );
    // The property would hold vacuously if the cache never answered.
    expect(anyHits).toBeGreaterThan(10);
  });
});
