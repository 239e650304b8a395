// ORDER BY over many sorted runs merged at once (sort-node.ts): the order a stable sort of the
// input gives, for one and several keys, both directions, NULLs first and last, ties kept in
// input (primary-key) order, and the rows cut by LIMIT / OFFSET where the merge is under way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/index.js';
import type { Session } from '../../src/index.js';

const N = 30_000;
let db: Database;
let s: Session;
type R = { id: number; g: number | null; t: string | null };
const rows: R[] = [];

beforeAll(async () => {
  db = await Database.open(':memory:');
  s = await db.connect();
  await s.execute('CREATE TABLE x (id INTEGER PRIMARY KEY, g INTEGER, t TEXT)');
  let seed = 11;
  const rnd = (m: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed % m;
  };
  for (let i = 0; i < N; i++) rows.push({ id: i, g: rnd(15) === 0 ? null : rnd(40), t: rnd(20) === 0 ? null : `k${rnd(300)}` });
  await (await s.prepare('INSERT INTO x VALUES ($1, $2, $3)')).executeMany(rows.map((r) => [r.id, r.g, r.t]));
});

afterAll(async () => {
  await db.close();
});

/** Stable sort of the rows by one nullable key. */
function model<K extends number | string>(key: (r: R) => K | null, desc: boolean, nullsFirst: boolean): number[] {
  return [...rows]
    .sort((a, b) => {
      const x = key(a);
      const y = key(b);
      if (x === null || y === null) return x === y ? 0 : (x === null) === nullsFirst ? -1 : 1;
      const c = x < y ? -1 : x > y ? 1 : 0;
      return desc ? -c : c;
    })
    .map((r) => r.id);
}

const ids = async (sql: string): Promise<number[]> => (await s.execute(sql)).rows.map((r) => (r as unknown[])[0] as number);

describe('sort of many runs', () => {
  it('orders by one key with ties in input order, both directions and NULL placements', async () => {
    expect(await ids('SELECT id FROM x ORDER BY g')).toEqual(model((r) => r.g, false, false));
    expect(await ids('SELECT id FROM x ORDER BY g DESC')).toEqual(model((r) => r.g, true, true));
    expect(await ids('SELECT id FROM x ORDER BY g NULLS FIRST')).toEqual(model((r) => r.g, false, true));
    expect(await ids('SELECT id FROM x ORDER BY t DESC NULLS LAST')).toEqual(model((r) => r.t, true, false));
  });

  it('orders by two keys, and cuts with LIMIT and OFFSET', async () => {
    const both = [...rows].sort((a, b) => (a.g ?? Infinity) - (b.g ?? Infinity) || b.id - a.id).map((r) => r.id);
    expect(await ids('SELECT id FROM x ORDER BY g, id DESC')).toEqual(both);
    expect(await ids('SELECT id FROM x ORDER BY g, id DESC LIMIT 50 OFFSET 20000')).toEqual(both.slice(20_000, 20_050));
    // A filtered input: runs of unequal sizes.
    const odd = model((r) => r.t, false, false).filter((id) => id % 7 !== 3);
    expect(await ids('SELECT id FROM x WHERE id % 7 <> 3 ORDER BY t')).toEqual(odd);
  });
});
