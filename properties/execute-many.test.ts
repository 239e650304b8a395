// executeMany against its meaning, on random batches: running a statement once per parameter set
// as one statement must leave the same table, report the same rows affected and fail with the same
// SQLSTATE as running the sets one by one inside a savepoint that is rolled back on the first
// failure. Two databases of the engine: one takes the batches, the other the reference.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Database } from '../src/api/database.js';
import { DispatcherError } from '../src/api/errors.js';
import type { Session } from '../src/api/session.js';
import type { SqlValue } from '../src/api/types.js';

const STATEMENTS = [
  { sql: 'INSERT INTO t VALUES ($1, $2, $3)', params: 3 },
  { sql: 'UPDATE t SET v = v + $1 WHERE id = $2', params: 2 },
  { sql: 'UPDATE t SET u = $1 WHERE id = $2', params: 2 },
  { sql: 'UPDATE t SET v = $1 WHERE v >= $2', params: 2 },
  { sql: 'DELETE FROM t WHERE id = $1', params: 1 },
  // An update of the row a primary key names (set-batch.ts, one loop for every set): a new key,
  // a unique column, a subquery that must see the sets before it; c's CHECK keeps a set per execution.
  { sql: 'UPDATE t SET id = $1 WHERE id = $2', params: 2 },
  { sql: 'UPDATE t SET v = (SELECT count(*) FROM t WHERE v IS NOT NULL), u = $1 WHERE id = $2', params: 2 },
  { sql: 'UPDATE c SET v = $1 WHERE id = $2', params: 2 },
  { sql: 'INSERT INTO t SELECT max(id) + 1, $1, NULL FROM t', params: 1 },
  // One VALUES row per set (the bulk-load path, set-batch.ts): an omitted column, DEFAULT, a
  // subquery that must see the sets before it, and a table whose CHECK keeps an execution per set.
  { sql: 'INSERT INTO t (id, u) VALUES ($1, $2)', params: 2 },
  { sql: 'INSERT INTO t VALUES ($1, DEFAULT, $2)', params: 2 },
  { sql: 'INSERT INTO t VALUES ($1, (SELECT count(*) FROM t), $2)', params: 2 },
  { sql: 'INSERT INTO c VALUES ($1, $2)', params: 2 },
] as const;

const small = fc.integer({ min: 0, max: 12 });
const batchArb = fc.record({
  stmt: fc.nat(STATEMENTS.length - 1),
  sets: fc.array(fc.array(fc.option(small, { freq: 8 }), { minLength: 3, maxLength: 3 }), { maxLength: 8 }),
});

async function open(): Promise<{ db: Database; s: Session }> {
  const db = await Database.open(':memory:');
  const s = await db.connect();
  await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER, u INTEGER UNIQUE)');
  await s.execute('CREATE INDEX t_v ON t (v)');
  await s.execute('CREATE TABLE c (id INTEGER PRIMARY KEY, v INTEGER CHECK (v < 10))');
  return { db, s };
}

type Outcome = { ok: true; affected: number } | { ok: false; state: string };

async function outcome(p: Promise<{ rowsAffected: number }>): Promise<Outcome> {
  try {
    return { ok: true, affected: (await p).rowsAffected };
  } catch (e) {
    if (!(e instanceof DispatcherError)) throw e;
    return { ok: false, state: e.sqlState };
  }
}

/** The sets one by one in a savepoint, rolled back at the first failure. */
async function reference(s: Session, sql: string, sets: readonly (readonly SqlValue[])[]): Promise<Outcome> {
  await s.execute('BEGIN');
  await s.execute('SAVEPOINT batch');
  let affected = 0;
  for (const set of sets) {
    const o = await outcome(s.execute(sql, set));
    if (!o.ok) {
      await s.execute('ROLLBACK TO SAVEPOINT batch');
      await s.execute('COMMIT');
      return o;
    }
    affected += o.affected;
  }
  await s.execute('COMMIT');
  return { ok: true, affected };
}

async function contents(s: Session): Promise<unknown[]> {
  const t = (await s.execute('SELECT id, v, u FROM t ORDER BY id')).rows;
  return [...t, 'c', ...(await s.execute('SELECT id, v FROM c ORDER BY id')).rows];
}

describe('executeMany', () => {
  it('equals its sets run one by one, all or nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(batchArb, { minLength: 1, maxLength: 10 }), async (batches) => {
        const a = await open();
        const b = await open();
        try {
          for (const { stmt, sets } of batches) {
            const { sql, params } = STATEMENTS[stmt]!;
            const bound = sets.map((set) => set.slice(0, params));
            const got = await outcome(a.s.executeMany(sql, bound));
            const want = await reference(b.s, sql, bound);
            expect(got).toEqual(want);
            expect(await contents(a.s)).toEqual(await contents(b.s));
          }
          // The autocommit batches left no transaction open.
          expect(a.s.transactionState).toBe('noTxn');
        } finally {
          await a.db.close();
          await b.db.close();
        }
      }),
      { numRuns: 100 },
    );
  });
});
