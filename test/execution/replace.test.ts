// SQLite's statement forms: REPLACE INTO / INSERT OR REPLACE / INSERT OR IGNORE / OR ABORT, a
// column assigned twice in UPDATE (the rightmost wins), and REINDEX.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database, DispatcherError } from '../../src/index.js';
import type { Session } from '../../src/index.js';

let db: Database;
let s: Session;
beforeEach(async () => {
  db = await Database.open(':memory:');
  s = await db.connect();
});
afterEach(async () => {
  await db.close();
});

async function rows(sql: string): Promise<unknown[][]> {
  return (await s.execute(sql)).rows as unknown[][];
}

async function state(sql: string): Promise<string> {
  try {
    await s.execute(sql);
    return 'ok';
  } catch (e) {
    if (e instanceof DispatcherError) return e.sqlState;
    throw e;
  }
}

describe('REPLACE INTO / INSERT OR REPLACE', () => {
  it('replaces the row with the same key, inserts a new one otherwise', async () => {
    await s.execute('CREATE TABLE t1(x INTEGER PRIMARY KEY, y VARCHAR(16))');
    await s.execute("INSERT INTO t1 VALUES (1, 'true'), (2, 'insert')");
    expect(await state("INSERT INTO t1 VALUES (2, 'again')")).toBe('23505');
    expect((await s.execute("REPLACE INTO t1 VALUES (2, 'replace')")).rowsAffected).toBe(1);
    expect((await s.execute("INSERT OR REPLACE INTO t1 VALUES (3, 'new')")).rowsAffected).toBe(1);
    expect(await rows('SELECT x, y FROM t1 ORDER BY x')).toEqual([
      [1, 'true'],
      [2, 'replace'],
      [3, 'new'],
    ]);
  });

  it('deletes every row the new one collides with, on the key and on each unique index', async () => {
    await s.execute('CREATE TABLE u(id INTEGER PRIMARY KEY, email TEXT UNIQUE, nick TEXT UNIQUE, n INTEGER)');
    await s.execute("INSERT INTO u VALUES (1, 'a@x', 'a', 1), (2, 'b@x', 'b', 2), (3, 'c@x', 'c', 3)");
    // collides with row 1 on email and with row 2 on nick: both go, the new row is the only one left of them
    await s.execute("REPLACE INTO u(id, email, nick, n) VALUES (9, 'a@x', 'b', 9)");
    expect(await rows('SELECT id, email, nick, n FROM u ORDER BY id')).toEqual([
      [3, 'c@x', 'c', 3],
      [9, 'a@x', 'b', 9],
    ]);
    // NULLs collide with nothing
    await s.execute('REPLACE INTO u(id, email, nick, n) VALUES (10, NULL, NULL, 10)');
    await s.execute('REPLACE INTO u(id, email, nick, n) VALUES (11, NULL, NULL, 11)');
    expect(await rows('SELECT count(*) FROM u')).toEqual([[4]]);
  });

  it('works with a rowid table, an INSERT ... SELECT source and RETURNING', async () => {
    await s.execute('CREATE TABLE k(name TEXT UNIQUE, v INTEGER)');
    await s.execute("INSERT INTO k VALUES ('a', 1), ('b', 2)");
    const r = await s.execute("REPLACE INTO k SELECT name, v * 10 FROM k WHERE name = 'a' RETURNING name, v");
    expect(r.rows).toEqual([['a', 10]]);
    expect(await rows('SELECT name, v FROM k ORDER BY name')).toEqual([
      ['a', 10],
      ['b', 2],
    ]);
  });

  it('stores text as SQLite does: a VARCHAR(n) length is no limit in these forms', async () => {
    await s.execute('CREATE TABLE t1(x INTEGER PRIMARY KEY, y VARCHAR(16))');
    await s.execute("INSERT OR REPLACE INTO t1 VALUES (3, 'insert or replace (new)')");
    expect(await rows('SELECT y FROM t1')).toEqual([['insert or replace (new)']]);
    // the PostgreSQL form keeps PostgreSQL's rule
    expect(await state("INSERT INTO t1 VALUES (4, 'insert or replace (new)')")).toBe('22001');
  });
});

describe('INSERT OR IGNORE / OR ABORT', () => {
  it('skips rows that would violate a unique, NOT NULL or CHECK constraint', async () => {
    await s.execute('CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT NOT NULL, c INTEGER CHECK (c > 0))');
    await s.execute("INSERT INTO t VALUES (1, 'one', 1)");
    const r = await s.execute("INSERT OR IGNORE INTO t VALUES (1, 'dup', 1), (2, NULL, 1), (3, 'neg', -1), (4, 'ok', 4), (4, 'dup in statement', 4)");
    expect(r.rowsAffected).toBe(1);
    expect(await rows('SELECT a, b FROM t ORDER BY a')).toEqual([
      [1, 'one'],
      [4, 'ok'],
    ]);
  });

  it('inserts normally into a table without unique constraints', async () => {
    await s.execute('CREATE TABLE bag(a INTEGER)');
    await s.execute('INSERT OR IGNORE INTO bag VALUES (1), (1)');
    expect(await rows('SELECT count(*) FROM bag')).toEqual([[2]]);
  });

  it('OR ABORT / FAIL / ROLLBACK fail the statement as a plain INSERT does; an unknown clause is 42601', async () => {
    await s.execute('CREATE TABLE t(a INTEGER PRIMARY KEY)');
    await s.execute('INSERT INTO t VALUES (1)');
    expect(await state('INSERT OR ABORT INTO t VALUES (2), (1)')).toBe('23505');
    expect(await state('INSERT OR FAIL INTO t VALUES (1)')).toBe('23505');
    expect(await state('INSERT OR ROLLBACK INTO t VALUES (1)')).toBe('23505');
    expect(await rows('SELECT a FROM t')).toEqual([[1]]);
    expect(await state('INSERT OR WHATEVER INTO t VALUES (3)')).toBe('42601');
  });
});

describe('UPDATE assigning a column twice', () => {
  it('keeps the rightmost assignment (SQLite and MySQL; PostgreSQL says 42601)', async () => {
    await s.execute('CREATE TABLE t1(x INTEGER, y TEXT)');
    await s.execute("INSERT INTO t1 VALUES (1, 'a'), (2, 'b')");
    await s.execute("UPDATE t1 SET x = 3, y = 'c', x = 4, x = x + 10");
    expect(await rows('SELECT x, y FROM t1 ORDER BY x')).toEqual([
      [11, 'c'],
      [12, 'c'],
    ]);
  });
});

describe('REINDEX', () => {
  it('rebuilds an index, a table\'s indexes or all of them; an unknown name is an error', async () => {
    await s.execute('CREATE TABLE t1(x INTEGER, y VARCHAR(8))');
    await s.execute("INSERT INTO t1 VALUES (1, 'true'), (0, 'false'), (NULL, 'NULL')");
    await s.execute('CREATE INDEX t1i1 ON t1(x)');
    await s.execute('CREATE UNIQUE INDEX t1i2 ON t1(y)');
    await s.execute('REINDEX t1i1');
    await s.execute('REINDEX t1');
    await s.execute('REINDEX TABLE t1');
    await s.execute('REINDEX INDEX t1i2');
    await s.execute('REINDEX');
    expect(await state('REINDEX tXiX')).toBe('42704');
    expect(await state('REINDEX TABLE nope')).toBe('42P01');
    expect(await state('REINDEX INDEX nope')).toBe('42704');
    // the indexes still answer, in their order, and the unique one still refuses duplicates
    expect(await rows('SELECT y FROM t1 WHERE x = 0')).toEqual([['false']]);
    expect(await rows("SELECT x FROM t1 WHERE y = 'true'")).toEqual([[1]]);
    expect(await state("INSERT INTO t1 VALUES (5, 'true')")).toBe('23505');
    const plan = (await s.execute('EXPLAIN SELECT y FROM t1 WHERE x = 0')).rows.flat().join('\n');
    expect(plan).toMatch(/t1i1/);
  });
});
