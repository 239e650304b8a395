// The fused whole-primary-key lookup must give exactly what the general plan gives: one row,
// none, NULL keys, keys of another type, residual filters and composite keys.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import type { Session } from '../../src/api/session.js';

let db: Database;
let s: Session;

beforeAll(async () => {
  db = await Database.open(':memory:');
  s = await db.connect();
  await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER, c TEXT)');
  await s.execute('CREATE TABLE tx (name TEXT PRIMARY KEY, v INTEGER)');
  await s.execute('CREATE TABLE c2 (a INTEGER, b TEXT, v REAL, PRIMARY KEY (a, b))');
  for (let i = 1; i <= 50; i++) await s.execute('INSERT INTO t VALUES ($1, $2, $3)', [i, i % 7, `c${i}`]);
  await s.execute("INSERT INTO tx VALUES ('a', 1), ('10', 2), ('b', NULL)");
  await s.execute("INSERT INTO c2 VALUES (1, 'x', 1.5), (1, 'y', 2.5), (2, 'x', 3.5)");
});

afterAll(async () => {
  await db.close();
});

const rows = async (sql: string, params: unknown[] = []): Promise<unknown[][]> =>
  (await s.execute(sql, params as never)).rows as unknown[][];

describe('whole-primary-key lookup', () => {
  it('returns the row, or none, through a prepared statement', async () => {
    const p = await s.prepare('SELECT c, k * 2 FROM t WHERE id = $1');
    expect((await p.execute([5])).rows).toEqual([['c5', 10]]);
    expect((await p.execute([51])).rows).toEqual([]);
    expect((await p.execute([null])).rows).toEqual([]);
    // A text value that reads as a number is compared as that number, as the scan would.
    expect((await p.execute(['7'])).rows).toEqual([['c7', 0]]);
    expect((await p.execute([7.0])).rows).toEqual([['c7', 0]]);
  });

  it('keeps the residual filter', async () => {
    expect(await rows('SELECT id FROM t WHERE id = 8 AND k = 1')).toEqual([[8]]);
    expect(await rows('SELECT id FROM t WHERE id = 8 AND k = 2')).toEqual([]);
    expect(await rows('SELECT id FROM t WHERE k = 3 AND id = $1', [10])).toEqual([[10]]);
  });

  it('gives a number key on a text column what the general plan gives', async () => {
    // No index order exists between a number and text: the general path scans and filters.
    const general = await rows("SELECT name FROM tx WHERE name = '10'");
    expect(general).toEqual([['10']]);
    expect(await rows('SELECT name, v FROM tx WHERE name = $1', ['a'])).toEqual([['a', 1]]);
    expect(await rows('SELECT name, v FROM tx WHERE name = $1', ['zz'])).toEqual([]);
  });

  it('works on composite keys and keeps ORDER BY and LIMIT around it', async () => {
    expect(await rows("SELECT v FROM c2 WHERE a = 1 AND b = 'y'")).toEqual([[2.5]]);
    expect(await rows("SELECT v FROM c2 WHERE b = 'x' AND a = $1", [2])).toEqual([[3.5]]);
    expect(await rows("SELECT v FROM c2 WHERE a = 1 AND b = 'x' LIMIT 0")).toEqual([]);
    expect(await rows('SELECT id FROM t WHERE id = 3 ORDER BY c DESC LIMIT 1')).toEqual([[3]]);
  });

  it('sees the transaction own writes and explains like the general plan', async () => {
    await s.execute('BEGIN');
    await s.execute("UPDATE t SET c = 'changed' WHERE id = 4");
    expect(await rows('SELECT c FROM t WHERE id = $1', [4])).toEqual([['changed']]);
    await s.execute('ROLLBACK');
    expect(await rows('SELECT c FROM t WHERE id = $1', [4])).toEqual([['c4']]);
    const plan = (await rows('EXPLAIN SELECT c FROM t WHERE id = 4')).map((r) => String(r[0])).join('\n');
    expect(plan).toMatch(/Primary Key Lookup on t/);
  });
});

describe('whole-primary-key lookup: conjuncts the lookup answers', () => {
  it('still checks an equality whose value had to be converted, and every other conjunct', async () => {
    // '7' is converted to 7 for the lookup: the equality itself is evaluated again on the row.
    expect(await rows('SELECT id FROM t WHERE id = $1', ['7'])).toEqual([[7]]);
    expect(await rows('SELECT id FROM t WHERE id = $1 AND c = $2', [9, 'c9'])).toEqual([[9]]);
    expect(await rows('SELECT id FROM t WHERE id = $1 AND c = $2', [9, 'c8'])).toEqual([]);
    // Two equalities on the key column: the lookup answers one, the other is checked.
    expect(await rows('SELECT id FROM t WHERE id = $1 AND id = $2', [9, 9])).toEqual([[9]]);
    expect(await rows('SELECT id FROM t WHERE id = $1 AND id = $2', [9, 10])).toEqual([]);
    expect(await rows("SELECT v FROM c2 WHERE a = $1 AND b = $2 AND v > 2", [1, 'y'])).toEqual([[2.5]]);
    expect(await rows("SELECT v FROM c2 WHERE a = $1 AND b = $2 AND v > 3", [1, 'y'])).toEqual([]);
  });
});
