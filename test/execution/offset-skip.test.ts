// LIMIT ... OFFSET along an index drops the offset's rows without looking them up (Op.skip): the
// rows that remain are those of the whole ordered result, sliced, for any offset (inside the
// first batch, across batches, at and past the end), both directions, with NULL keys (read as a
// second index range), with a filter (which drops nothing early), and inside a transaction that
// changed the table.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/index.js';
import type { Session } from '../../src/api/session.js';

describe('OFFSET along an index', () => {
  let db: Database;
  let s: Session;
  const N = 3000;

  beforeAll(async () => {
    db = await Database.open(':memory:');
    s = await db.connect();
    await s.execute('CREATE TABLE o (id INTEGER PRIMARY KEY, k INTEGER, c TEXT)');
    await s.execute('CREATE INDEX o_k ON o (k)');
    await (await s.prepare('INSERT INTO o VALUES ($1, $2, $3)')).executeMany(
      Array.from({ length: N }, (_, i) => [i, i % 13 === 0 ? null : (i * 7919) % 500, `c${i % 17}`]),
    );
  });

  afterAll(async () => {
    await db.close();
  });

  // The key breaks ties: the whole result may come from a sort, the page from the index.
  const orders = ['k, id', 'k DESC, id DESC', 'k NULLS FIRST, id', 'k DESC NULLS LAST, id DESC'] as const;

  it('gives the rows of the whole ordered result, sliced', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...orders),
        fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: N + 10 })),
        fc.integer({ min: 0, max: 70 }),
        fc.constantFrom('*', 'id, c', "c || '!', id"),
        async (order, offset, limit, list) => {
          const all = (await s.execute(`SELECT ${list} FROM o ORDER BY ${order}`)).rows;
          const page = (await s.execute(`SELECT ${list} FROM o ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`)).rows;
          expect(page.length).toBe(Math.max(0, Math.min(limit, all.length - offset)));
          expect(page).toEqual(all.slice(offset, offset + limit));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('drops nothing early under a filter, and sees the transaction’s own changes', async () => {
    const filtered = (await s.execute("SELECT id FROM o WHERE c = 'c3' ORDER BY k, id LIMIT 5 OFFSET 40")).rows;
    const whole = (await s.execute("SELECT id FROM o WHERE c = 'c3' ORDER BY k, id")).rows;
    expect(filtered).toEqual(whole.slice(40, 45));
    await s.execute('BEGIN');
    try {
      await s.execute('DELETE FROM o WHERE id % 5 = 0');
      await s.execute('UPDATE o SET k = k + 1000 WHERE id % 7 = 0');
      await s.execute("INSERT INTO o VALUES (100000, 1, 'new'), (100001, NULL, 'new')");
      const all = (await s.execute('SELECT id, k FROM o ORDER BY k DESC, id DESC')).rows;
      for (const off of [0, 15, 16, 300, all.length - 3, all.length]) {
        const page = (await s.execute(`SELECT id, k FROM o ORDER BY k DESC, id DESC LIMIT 7 OFFSET ${off}`)).rows;
        expect(page).toEqual(all.slice(off, off + 7));
      }
    } finally {
      await s.execute('ROLLBACK');
    }
  });
});
