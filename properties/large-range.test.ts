// A range on an indexed column reads the index or, when the range holds much of the table, the
// whole table (access.ts, rangeIsLarge): either way the rows must be those the same condition
// selects on an expression no index serves. For any column values (NULLs, runs of one value,
// skew, a few non-integers), any range, in autocommit, inside a transaction with changes of its
// own, and for the rows an UPDATE over the range changes.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../src/api/database.js';
import type { SqlValue } from '../src/storage/ports.js';

/** Above the size where the switch is considered (LARGE_RANGE_MIN_ROWS). */
const ROWS = 2200;

const kArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 1000 }) },
  { weight: 2, arbitrary: fc.constant(7) },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constantFrom(2.5, 999.75) },
);

const rangeArb = fc.oneof(
  fc.record({ op: fc.constantFrom('>', '>=', '<', '<='), a: fc.integer({ min: -10, max: 1010 }) }).map(({ op, a }) => `k ${op} ${a}`),
  fc.tuple(fc.integer({ min: -10, max: 1010 }), fc.integer({ min: -10, max: 1010 })).map(([a, b]) => `k BETWEEN ${a} AND ${b}`),
);

describe('ranges on an indexed column, read from the index or the table', () => {
  let db: Database | undefined;
  afterAll(async () => db?.close());

  it('select the rows the unindexed condition selects', async () => {
    db = await Database.open(':memory:');
    const s = await db.connect();
    await s.execute('CREATE TABLE r(id INTEGER PRIMARY KEY, k REAL, v INTEGER)');
    await s.execute('CREATE INDEX r_k ON r(k)');
    const ids = async (sql: string): Promise<SqlValue[]> => (await s.execute(sql, undefined, { rowMode: 'array' })).rows.map((r) => (r as SqlValue[])[0]!);
    await fc.assert(
      fc.asyncProperty(fc.array(kArb, { minLength: ROWS, maxLength: ROWS }), fc.array(rangeArb, { minLength: 1, maxLength: 4 }), async (ks, ranges) => {
        await s.execute('DELETE FROM r');
        await (await s.prepare('INSERT INTO r VALUES ($1, $2, 0)')).executeMany(ks.map((k, i) => [i, k]));
        for (const range of ranges) {
          const plain = range.replace(/^k /, 'k + 0 ');
          const want = await ids(`SELECT id FROM r WHERE ${plain} ORDER BY id`);
          // No ORDER BY: the read's own order, whichever it is; compared as sets.
          const got = (await ids(`SELECT id FROM r WHERE ${range}`)).sort((a, b) => (a as number) - (b as number));
          expect(got).toEqual(want);
          // In a transaction whose own changes the read must see (deferred index entries, a moved row).
          await s.execute('BEGIN');
          await s.execute('INSERT INTO r VALUES ($1, 500, 0)', [ROWS + 1]);
          await s.execute('UPDATE r SET k = 3 WHERE id = 0');
          const inTxn = (await ids(`SELECT id FROM r WHERE ${range}`)).sort((a, b) => (a as number) - (b as number));
          expect(inTxn).toEqual(await ids(`SELECT id FROM r WHERE ${plain} ORDER BY id`));
          const updated = await s.execute(`UPDATE r SET v = v + 1 WHERE ${range}`);
          expect(updated.rowsAffected).toBe(inTxn.length);
          expect(await ids('SELECT id FROM r WHERE v = 1 ORDER BY id')).toEqual(inTxn);
          await s.execute('ROLLBACK');
        }
      }),
      { numRuns: 25 },
    );
  });
});
