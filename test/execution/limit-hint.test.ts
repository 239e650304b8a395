// LIMIT tells the scan below it how many rows will be taken (Op.want): a scan without a filter
// reads no more than LIMIT + OFFSET rows in its first batch, and the rows are those of the whole
// result, sliced, in both directions, with and without a filter, for limits past the end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDb } from './harness.js';

const N = 3000;
let db: TestDb;

beforeAll(async () => {
  db = await TestDb.open();
  await db.run('CREATE TABLE l (id INTEGER PRIMARY KEY, k INTEGER, c TEXT)');
  await db.run('CREATE INDEX l_k ON l (k)');
  const txn = db.engine.begin();
  for (let i = 0; i < N; i++) txn.insert('l', [i, (i * 7919) % 1000, `c${i % 17}`]);
  await txn.commit();
});

afterAll(async () => {
  await db.engine.close();
});

describe('LIMIT hint', () => {
  it('reads only the rows it returns along the table and its index, forwards and backwards', async () => {
    for (const order of ['', ' ORDER BY id', ' ORDER BY id DESC', ' ORDER BY k, id']) {
      const all = await db.rows(`SELECT id, c FROM l${order}`);
      for (const [limit, offset] of [
        [1, 0],
        [20, 0],
        [7, 30],
        [300, 0],
        [5, N - 2],
        [10, N + 5],
      ] as const) {
        const r = await db.run(`SELECT id, c FROM l${order} LIMIT ${limit} OFFSET ${offset}`);
        expect(r.rows).toEqual(all.slice(offset, offset + limit));
        // Each row read is a row returned or skipped (plus the end of the table).
        expect(r.counters.rowsExamined).toBeLessThanOrEqual(Math.min(N, limit + offset) + 1);
      }
    }
  });

  it('reads on past rows a filter drops', async () => {
    const all = await db.rows("SELECT id FROM l WHERE c = 'c3' ORDER BY id DESC");
    const r = await db.run("SELECT id FROM l WHERE c = 'c3' ORDER BY id DESC LIMIT 12");
    expect(r.rows).toEqual(all.slice(0, 12));
    expect(all.length).toBeGreaterThan(12);
  });
});
