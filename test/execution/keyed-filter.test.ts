// A lookup by a whole key skips re-evaluating the equalities it was built from when the row it
// found holds exactly the values looked up; every other conjunct, and every equality whose value
// had to be converted or differs, is still evaluated. Each query here must answer what the same
// query answers as a full scan (the key column hidden in `col + 0`, which no path can use).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import type { Session } from '../../src/api/session.js';

let db: Database;
let s: Session;
const BIG = 9007199254740993n; // 2^53 + 1: held as a bigint

beforeAll(async () => {
  db = await Database.open(':memory:');
  s = await db.connect();
  await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER, c TEXT)');
  await s.execute('CREATE INDEX t_k ON t (k)');
  await s.execute('CREATE TABLE r (x REAL PRIMARY KEY, v INTEGER)');
  await s.execute('CREATE TABLE tx (name TEXT PRIMARY KEY, v INTEGER)');
  await s.execute('CREATE INDEX tx_v ON tx (v)');
  await s.execute('BEGIN');
  for (let i = 0; i <= 40; i++) await s.execute('INSERT INTO t VALUES ($1, $2, $3)', [i, i % 9, `c${i}`]);
  await s.execute('INSERT INTO t VALUES ($1, $2, $3)', [BIG, 5, 'big']);
  await s.execute('INSERT INTO t VALUES (-7, NULL, NULL)');
  await s.execute('INSERT INTO r VALUES (0.0, 1), (2.5, 2), (-1.5, 3)');
  await s.execute("INSERT INTO tx VALUES ('a', 1), ('10', 2), ('A', 3), ('b', NULL)");
  await s.execute('COMMIT');
});

afterAll(async () => {
  await db.close();
});

const rows = async (sql: string, params: unknown[] = []): Promise<unknown[][]> =>
  (await s.execute(sql, params as never)).rows as unknown[][];

/** `sql` answered through its lookup and as a scan (`hide` column names wrapped so no path applies). */
async function agree(sql: string, params: unknown[], hide: string[]): Promise<unknown[][]> {
  let scanSql = sql;
  for (const col of hide) scanSql = scanSql.replace(new RegExp(`\\b${col} = `, 'g'), `${col} + 0 = `);
  const viaScan = await rows(scanSql, params);
  const p = await s.prepare(sql);
  const viaLookup = (await p.execute(params as never)).rows as unknown[][];
  const sorted = (r: unknown[][]): unknown[][] => [...r].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  expect(sorted(viaLookup)).toEqual(sorted(viaScan));
  return viaLookup;
}

describe('primary-key lookup, equalities it answers', () => {
  it('finds the row by its key and still applies the other conjuncts', async () => {
    expect(await agree('SELECT id, c FROM t WHERE id = $1', [12], ['id'])).toEqual([[12, 'c12']]);
    expect(await agree('SELECT id FROM t WHERE id = $1 AND k = $2', [12, 3], ['id'])).toEqual([[12]]);
    expect(await agree('SELECT id FROM t WHERE id = $1 AND k = $2', [12, 4], ['id'])).toEqual([]);
    expect(await agree('SELECT id FROM t WHERE k = $2 AND id = $1 AND c IS NOT NULL', [13, 4], ['id'])).toEqual([[13]]);
  });

  it('checks a second equality on the key column that the lookup did not use', async () => {
    expect(await agree('SELECT id FROM t WHERE id = $1 AND id = $2', [8, 8], ['id'])).toEqual([[8]]);
    expect(await agree('SELECT id FROM t WHERE id = $1 AND id = $2', [8, 9], ['id'])).toEqual([]);
    expect(await agree('SELECT id FROM t WHERE id = $2 AND id = $1', [8, 9], ['id'])).toEqual([]);
    expect(await agree('SELECT id FROM t WHERE id = $1 AND id = 8', [8], ['id'])).toEqual([[8]]);
    expect(await agree('SELECT id FROM t WHERE 8 = id AND id = $1', [9], ['id'])).toEqual([]);
  });

  it('answers NULL, converted text, fractional, -0 and bigint keys as the scan does', async () => {
    expect(await agree('SELECT id FROM t WHERE id = $1', [null], ['id'])).toEqual([]);
    expect(await agree('SELECT id FROM t WHERE id = $1 AND id = $2', [3, null], ['id'])).toEqual([]);
    expect(await agree('SELECT id FROM t WHERE id = $1', ['14'], ['id'])).toEqual([[14]]);
    expect(await agree('SELECT id FROM t WHERE id = $1', [14.5], ['id'])).toEqual([]);
    expect(await agree('SELECT id FROM t WHERE id = $1', [-0], ['id'])).toEqual([[0]]);
    expect(await agree('SELECT id FROM t WHERE id = $1', [-7], ['id'])).toEqual([[-7]]);
    expect(await agree('SELECT id, c FROM t WHERE id = $1', [BIG], ['id'])).toEqual([[BIG, 'big']]);
    expect(await agree('SELECT id FROM t WHERE id = $1', [BIG - 1n], ['id'])).toEqual([]);
    expect(await agree('SELECT id FROM t WHERE id = $1 AND k = 5', [BIG], ['id'])).toEqual([[BIG]]);
    // A bigint parameter equal to a key stored as a number: not identical values, so evaluated.
    expect(await agree('SELECT id FROM t WHERE id = $1', [11n], ['id'])).toEqual([[11]]);
  });

  it('compares REAL and TEXT keys as the scan does', async () => {
    expect(await agree('SELECT v FROM r WHERE x = $1', [-0], ['x'])).toEqual([[1]]);
    expect(await agree('SELECT v FROM r WHERE x = $1', [2.5], ['x'])).toEqual([[2]]);
    expect(await agree('SELECT v FROM r WHERE x = $1 AND v = 3', [2.5], ['x'])).toEqual([]);
    expect(await agree('SELECT v FROM r WHERE x = $1', ['-1.5'], ['x'])).toEqual([[3]]);
    expect(await rows('SELECT v FROM tx WHERE name = $1', ['A'])).toEqual([[3]]);
    expect(await rows('SELECT v FROM tx WHERE name = $1 AND v > 2', ['a'])).toEqual([]);
    expect(await rows('SELECT v FROM tx WHERE name = $1 AND name = $2', ['a', 'A'])).toEqual([]);
  });
});

describe('index equality lookup, equalities it answers', () => {
  it('applies the other conjuncts to every row found', async () => {
    const all = await agree('SELECT id FROM t WHERE k = $1', [4], ['k']);
    expect(all.map((r) => r[0])).toEqual([4, 13, 22, 31, 40]);
    expect(await agree('SELECT id FROM t WHERE k = $1 AND id = $2', [4, 22], ['k'])).toEqual([[22]]);
    expect(await agree('SELECT id FROM t WHERE k = $1 AND id > $2', [4, 20], ['k'])).toHaveLength(3);
    expect(await agree('SELECT id FROM t WHERE k = $1 AND k = $2', [4, 4], ['k'])).toHaveLength(5);
    expect(await agree('SELECT id FROM t WHERE k = $1 AND k = $2', [4, 5], ['k'])).toEqual([]);
  });

  it('answers NULL, converted text and mismatched values as the scan does', async () => {
    expect(await agree('SELECT id FROM t WHERE k = $1', [null], ['k'])).toEqual([]);
    expect(await agree('SELECT id FROM t WHERE k = $1', ['2'], ['k'])).toHaveLength(5);
    expect(await agree('SELECT id FROM t WHERE k = $1', [-0], ['k'])).toHaveLength(5);
    expect(await agree('SELECT id FROM t WHERE k = $1', [2.5], ['k'])).toEqual([]);
    expect(await rows('SELECT name FROM tx WHERE v = $1', [2])).toEqual([['10']]);
    expect(await rows('SELECT name FROM tx WHERE v = $1 AND name = $2', [2, 'a'])).toEqual([]);
  });

  it('sees the transaction own changes to the indexed column', async () => {
    await s.execute('BEGIN');
    await s.execute('UPDATE t SET k = 100 WHERE id = 4');
    expect(await rows('SELECT id FROM t WHERE k = $1', [100])).toEqual([[4]]);
    expect(await rows('SELECT id FROM t WHERE k = $1 AND id = $2', [4, 4])).toEqual([]);
    await s.execute('ROLLBACK');
    expect(await rows('SELECT id FROM t WHERE k = $1 AND id = $2', [4, 4])).toEqual([[4]]);
  });
});

describe('UPDATE and DELETE by whole key, equalities they answer', () => {
  it('change only rows every conjunct accepts', async () => {
    await s.execute('BEGIN');
    expect((await s.execute('UPDATE t SET c = $3 WHERE id = $1 AND id = $2', [20, 21, 'x'])).rowsAffected).toBe(0);
    expect((await s.execute('UPDATE t SET c = $3 WHERE id = $1 AND k = $2', [20, 3, 'x'])).rowsAffected).toBe(0);
    expect((await s.execute('UPDATE t SET c = $3 WHERE id = $1 AND k = $2', [20, 2, 'x'])).rowsAffected).toBe(1);
    expect((await s.execute('UPDATE t SET c = $2 WHERE id = $1', ['21', 'y'])).rowsAffected).toBe(1);
    expect((await s.execute('DELETE FROM t WHERE id = $1 AND c = $2', [BIG, 'no'])).rowsAffected).toBe(0);
    expect((await s.execute('DELETE FROM t WHERE id = $1 AND c = $2', [BIG, 'big'])).rowsAffected).toBe(1);
    expect(await rows('SELECT id, c FROM t WHERE id IN (20, 21) ORDER BY id')).toEqual([
      [20, 'x'],
      [21, 'y'],
    ]);
    await s.execute('ROLLBACK');
  });
});
