// UPDATE and DELETE whose target is named by its whole primary key read it with one lookup: the
// results must be those of the general scan (the same statements with the key hidden in an
// expression no path can use), for present, missing, NULL and text keys, residual filters,
// composite keys, RETURNING, added columns and rows written earlier in the transaction.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import type { Session } from '../../src/api/session.js';

let db: Database;
let s: Session;

beforeEach(async () => {
  db = await Database.open(':memory:');
  s = await db.connect();
  await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER, c TEXT)');
  await s.execute('CREATE TABLE c2 (a INTEGER, b TEXT, v INTEGER, PRIMARY KEY (a, b))');
  for (let i = 1; i <= 20; i++) await s.execute('INSERT INTO t VALUES ($1, $2, $3)', [i, i % 4, `c${i}`]);
  await s.execute("INSERT INTO c2 VALUES (1, 'x', 10), (1, 'y', 20), (2, 'x', 30)");
});

afterEach(async () => {
  await db.close();
});

const all = async (sql = 'SELECT * FROM t ORDER BY id'): Promise<unknown[][]> => (await s.execute(sql)).rows as unknown[][];

/** Runs `sql` with the point path, then on a fresh copy through the scan; both must agree. */
async function agree(sql: string, params: unknown[] = [], table = 't'): Promise<{ affected: number; rows: unknown[][] }> {
  const order = table === 't' ? 'id' : 'a, b';
  const before = await all(`SELECT * FROM ${table} ORDER BY ${order}`);
  await s.execute('BEGIN');
  const r = await s.execute(sql, params as never);
  const after = await all(`SELECT * FROM ${table} ORDER BY ${order}`);
  await s.execute('ROLLBACK');
  expect(await all(`SELECT * FROM ${table} ORDER BY ${order}`)).toEqual(before);
  await s.execute('BEGIN');
  const at = sql.indexOf(' WHERE ');
  const scanSql = sql.slice(0, at) + sql.slice(at).replace(/\bid = /g, 'id + 0 = ').replace(/\ba = /g, 'a + 0 = ');
  const g = await s.execute(scanSql, params as never);
  const gAfter = await all(`SELECT * FROM ${table} ORDER BY ${order}`);
  await s.execute('ROLLBACK');
  expect(r.rowsAffected).toBe(g.rowsAffected);
  expect(r.rows).toEqual(g.rows);
  expect(after).toEqual(gAfter);
  return { affected: r.rowsAffected, rows: r.rows as unknown[][] };
}

describe('UPDATE / DELETE by whole primary key', () => {
  it('updates and deletes the one row, or none', async () => {
    expect((await agree('UPDATE t SET c = $1 WHERE id = $2', ['new', 5])).affected).toBe(1);
    expect((await agree('UPDATE t SET c = $1 WHERE id = $2', ['new', 99])).affected).toBe(0);
    expect((await agree('UPDATE t SET c = $1 WHERE id = $2', ['new', null])).affected).toBe(0);
    expect((await agree('UPDATE t SET k = k + 1 WHERE id = $1', ['7'])).affected).toBe(1);
    expect((await agree('UPDATE t SET k = k + 1 WHERE id = $1', ['x7'])).affected).toBe(0);
    expect((await agree('DELETE FROM t WHERE id = $1', [3])).affected).toBe(1);
    expect((await agree('DELETE FROM t WHERE id = 300')).affected).toBe(0);
  });

  it('keeps residual filters, RETURNING and key changes', async () => {
    expect((await agree('UPDATE t SET c = $1 WHERE id = $2 AND k = 1', ['r', 5])).affected).toBe(1);
    expect((await agree('UPDATE t SET c = $1 WHERE id = $2 AND k = 2', ['r', 5])).affected).toBe(0);
    expect((await agree('UPDATE t SET id = 100, c = c || $1 WHERE id = $2 RETURNING id, c', ['!', 6])).rows).toEqual([[100, 'c6!']]);
    expect((await agree('DELETE FROM t WHERE id = $1 RETURNING c, k', [8])).rows).toEqual([['c8', 0]]);
  });

  it('works on composite keys', async () => {
    expect((await agree("UPDATE c2 SET v = v + 1 WHERE a = 1 AND b = 'y'", [], 'c2')).affected).toBe(1);
    expect((await agree('DELETE FROM c2 WHERE b = $1 AND a = $2', ['x', 2], 'c2')).affected).toBe(1);
    expect((await agree('DELETE FROM c2 WHERE b = $1 AND a = $2', ['z', 2], 'c2')).affected).toBe(0);
  });

  it('sees rows the transaction wrote and columns added later', async () => {
    await s.execute('BEGIN');
    await s.execute("INSERT INTO t VALUES (50, 1, 'mine')");
    expect((await s.execute('UPDATE t SET c = $1 WHERE id = $2', ['changed', 50])).rowsAffected).toBe(1);
    expect(await all('SELECT c FROM t WHERE id = 50')).toEqual([['changed']]);
    expect((await s.execute('DELETE FROM t WHERE id = $1', [50])).rowsAffected).toBe(1);
    await s.execute('COMMIT');
    expect(await all('SELECT count(*) FROM t WHERE id = 50')).toEqual([[0]]);
    await s.execute('ALTER TABLE t ADD COLUMN extra INTEGER');
    expect((await agree('UPDATE t SET extra = 7 WHERE id = $1', [2])).affected).toBe(1);
    expect((await agree('UPDATE t SET c = $1 WHERE id = $2 RETURNING *', ['z', 4])).rows).toEqual([[4, 0, 'z', null]]);
  });
});
