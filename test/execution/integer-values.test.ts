// Values stored in an INTEGER column come out as small integers when they fit 32 bits, whatever
// number representation they came in with: -0 (a heap number) is stored as 0, as PostgreSQL has
// no negative zero for integers. One representation keeps rows and the keys built from them one
// kind of array (a heap number turned later key literals into arrays of doubles).
import { setFlagsFromString } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import type { Session } from '../../src/api/session.js';
import { castValue } from '../../src/execution/values.js';

setFlagsFromString('--allow-natives-syntax');
// Compiled after the flag: the natives syntax is read when this source is parsed.
const isSmi = new Function('v', 'return %IsSmi(v)') as (v: unknown) => boolean;

let db: Database;
let s: Session;
beforeAll(async () => {
  db = await Database.open(':memory:');
  s = await db.connect();
  await s.execute('CREATE TABLE z (id INTEGER PRIMARY KEY, n INTEGER, b BIGINT, r REAL)');
  await s.execute('CREATE INDEX z_n ON z (n)');
});
afterAll(async () => {
  await db.close();
});

describe('integer column values', () => {
  it('a cast to an integer type gives a small integer for every 32-bit value, -0 (a heap number) included', () => {
    for (const to of ['integer', 'bigint'] as const) {
      for (const v of [-0, 0, 7, -7, 2 ** 31 - 1, -(2 ** 31)]) {
        const out = castValue(v, to);
        expect(isSmi(out)).toBe(true);
        expect(Object.is(out, v + 0)).toBe(true);
      }
      // A fraction is rounded, and the result is a small integer too.
      expect(isSmi(castValue(2.5, to))).toBe(true);
      expect(isSmi(castValue(2 ** 40, to))).toBe(false);
      expect(castValue(2 ** 40, to)).toBe(2 ** 40);
    }
  });

  it('store -0 as 0 and 32-bit integers as small integers; wider integers and reals as given', async () => {
    const values = [-0, 0, 1, -1, 2 ** 31 - 1, -(2 ** 31)];
    for (let i = 0; i < values.length; i++) await s.execute('INSERT INTO z VALUES ($1, $2, $2, $2)', [i + 1, values[i]!]);
    const rows = (await s.execute('SELECT n, b, r FROM z ORDER BY id')).rows as [number, number, number][];
    for (let i = 0; i < values.length; i++) {
      const [n, b, r] = rows[i]!;
      // (Read through the index on n, a value may come back as a heap number of the same value.)
      expect(Object.is(n, values[i]! + 0)).toBe(true);
      expect(Object.is(b, values[i]! + 0)).toBe(true);
      // A real keeps its sign.
      expect(Object.is(r, values[i])).toBe(true);
    }
    await s.execute('INSERT INTO z VALUES (100, $1, $1, 0)', [2 ** 40]);
    expect((await s.execute('SELECT n FROM z WHERE id = 100')).rows).toEqual([[2 ** 40]]);
    // The index finds 0 whether -0 or 0 was stored.
    expect((await s.execute('SELECT count(*) FROM z WHERE n = 0')).rows).toEqual([[2]]);
  });
});
