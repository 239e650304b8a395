// A result of many batches: the run keeps a statement's rows in chunks and joins them at its end
// (query-run.ts). Every row arrives once, in order, in the result and in rows$, for a subscriber
// from the start and for one that subscribes after rows were produced (they are replayed).
import { firstValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/index.js';
import type { Session } from '../../src/index.js';

const N = 30_000;
let db: Database;
let s: Session;

beforeAll(async () => {
  db = await Database.open(':memory:');
  s = await db.connect();
  await s.execute('CREATE TABLE x (id INTEGER PRIMARY KEY, v TEXT)');
  await (await s.prepare('INSERT INTO x VALUES ($1, $2)')).executeMany(Array.from({ length: N }, (_, i) => [i, `v${i % 97}`]));
});

afterAll(async () => {
  await db.close();
});

const ids = (rows: readonly (readonly unknown[])[]): number[] => rows.map((r) => r[0] as number);
const all = Array.from({ length: N }, (_, i) => i);

describe('large results', () => {
  it('returns every row once, in order, across chunks', async () => {
    const r = await s.execute('SELECT id, v FROM x ORDER BY id');
    expect(r.rows.length).toBe(N);
    expect(ids(r.rows)).toEqual(all);
    expect(r.rows[N - 1]).toEqual([N - 1, `v${(N - 1) % 97}`]);
    const desc = await s.execute('SELECT id FROM x WHERE id % 3 <> 1 ORDER BY id DESC');
    expect(ids(desc.rows)).toEqual(all.filter((i) => i % 3 !== 1).reverse());
  });

  it('streams and replays the same rows the result holds', async () => {
    const q = s.query('SELECT id FROM x ORDER BY id');
    const live = firstValueFrom(q.rows$.pipe(toArray()));
    const result = await q.result;
    expect(ids(result.rows)).toEqual(all);
    expect(ids(await live)).toEqual(all);
    // Subscribed once the statement is done: every row is replayed from the result.
    expect(ids(await firstValueFrom(q.rows$.pipe(toArray())))).toEqual(all);
  });

  it('replays the rows produced before a subscription made while the statement runs', async () => {
    const q = s.query('SELECT a.id, b.id FROM x a JOIN x b ON b.id < 4');
    // Subscribed at the first progress report after more than a chunk of rows was produced.
    const late = new Promise<unknown[][]>((resolve, reject) => {
      const sub = q.progress$.subscribe((p) => {
        if (p.rowsProduced <= 10_000) return;
        sub.unsubscribe();
        firstValueFrom(q.rows$.pipe(toArray())).then(resolve as (v: unknown) => void, reject);
      });
    });
    const result = await q.result;
    expect(result.rows.length).toBe(4 * N);
    const got = await late;
    expect(got).toEqual(result.rows);
  });

  it('a script returns its last statement’s rows only', async () => {
    const r = await s.execute('SELECT id FROM x; SELECT id FROM x WHERE id < 10000 ORDER BY id');
    expect(ids(r.rows)).toEqual(all.slice(0, 10_000));
  });
});
