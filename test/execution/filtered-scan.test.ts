// A filtered whole-table scan evaluates its filter on each leaf's values in place and makes rows
// only for those that pass (ScanOp in join-ops.ts): the rows are those a model of the table
// selects, whole and in table order, alone and as the first source of a join, committed and
// inside a transaction that changed the table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/index.js';
import type { Session } from '../../src/index.js';

const N = 4000;
let db: Database;
let s: Session;
type R = [number, number | null, number | null, string | null];
let rows: R[] = [];

beforeAll(async () => {
  db = await Database.open(':memory:');
  s = await db.connect();
  await s.execute('CREATE TABLE f (id INTEGER PRIMARY KEY, a INTEGER, r REAL, t TEXT)');
  await s.execute('CREATE TABLE g (id INTEGER PRIMARY KEY, w TEXT)');
  let x = 5;
  const rnd = (m: number): number => {
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
    return x % m;
  };
  rows = Array.from({ length: N }, (_, i): R => [i, rnd(9) === 0 ? null : rnd(200), rnd(11) === 0 ? null : rnd(10_000) / 100, rnd(13) === 0 ? null : `t${rnd(50)}`]);
  await (await s.prepare('INSERT INTO f VALUES ($1, $2, $3, $4)')).executeMany(rows);
  await (await s.prepare('INSERT INTO g VALUES ($1, $2)')).executeMany(Array.from({ length: 150 }, (_, i) => [i, `w${i}`]));
});

afterAll(async () => {
  await db.close();
});

const cases: [string, (r: R) => boolean][] = [
  ['r BETWEEN 25 AND 50', (r) => r[2] !== null && r[2] >= 25 && r[2] <= 50],
  ["t = 't7'", (r) => r[3] === 't7'],
  ['a > 150 AND r < 10', (r) => r[1] !== null && r[1] > 150 && r[2] !== null && r[2] < 10],
  ['a IS NULL OR t IS NULL', (r) => r[1] === null || r[3] === null],
  ['id % 97 = 3', (r) => r[0] % 97 === 3],
];

describe('filtered scans', () => {
  it('select the rows a model selects, in table order, whole', async () => {
    for (const [where, pred] of cases) {
      const got = (await s.execute(`SELECT * FROM f WHERE ${where}`)).rows;
      expect(got, where).toEqual(rows.filter(pred));
    }
  });

  it('feed a join as its first source', async () => {
    const got = (await s.execute('SELECT f.id, g.w FROM f JOIN g ON g.id = f.a WHERE f.r BETWEEN 25 AND 50 ORDER BY f.id')).rows;
    const want = rows.filter((r) => r[2] !== null && r[2] >= 25 && r[2] <= 50 && r[1] !== null && r[1] < 150).map((r) => [r[0], `w${r[1]}`]);
    expect(got).toEqual(want);
  });

  it('see a transaction’s own changes', async () => {
    await s.execute('BEGIN');
    try {
      await s.execute('UPDATE f SET r = 30 WHERE id % 10 = 0');
      await s.execute('DELETE FROM f WHERE id % 7 = 0');
      await s.execute("INSERT INTO f VALUES (99999, 1, 40, 'new')");
      const changed: R[] = rows
        .filter((r) => r[0] % 7 !== 0)
        .map((r): R => (r[0] % 10 === 0 ? [r[0], r[1], 30, r[3]] : r))
        .concat([[99999, 1, 40, 'new']]);
      const got = (await s.execute('SELECT * FROM f WHERE r BETWEEN 25 AND 50')).rows;
      expect(got).toEqual(changed.filter((r) => r[2] !== null && r[2] >= 25 && r[2] <= 50));
    } finally {
      await s.execute('ROLLBACK');
    }
  });
});
