import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { TestDb } from './harness.js';

let db: TestDb;
beforeAll(async () => {
  db = await TestDb.open();
});
afterAll(async () => {
  await db.close();
});

function columnsOf(table: string): string[] {
  const snap = db.engine.snapshot();
  try {
    return snap.getTable(table)!.columns.map((c) => c.name);
  } finally {
    snap.release();
  }
}

describe('ALTER TABLE', () => {
  it('RENAME TO moves the table, its rows and its indexes; the old name is gone', async () => {
    await db.run('CREATE TABLE rt(id INTEGER PRIMARY KEY, v TEXT UNIQUE)');
    await db.run("INSERT INTO rt VALUES (1, 'a'), (2, 'b')");
    await db.run('ALTER TABLE rt RENAME TO rt2');
    expect(await db.rows('SELECT * FROM rt2 ORDER BY id')).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
    expect(await db.state('SELECT * FROM rt')).toBe('42P01');
    expect(await db.state("INSERT INTO rt2 VALUES (3, 'a')")).toBe('23505');
    await db.run('CREATE TABLE other(x INTEGER)');
    expect(await db.state('ALTER TABLE rt2 RENAME TO other')).toBe('42P07');
    await db.run('CREATE VIEW rv AS SELECT * FROM rt2');
    expect(await db.state('ALTER TABLE rt2 RENAME TO rt3')).toBe('2BP01');
  });

  it('RENAME COLUMN keeps the values, keys and defaults in place', async () => {
    await db.run("CREATE TABLE rc(id INTEGER PRIMARY KEY, a INTEGER DEFAULT 4, b TEXT DEFAULT 'x')");
    await db.run('INSERT INTO rc(id) VALUES (1)');
    await db.run('ALTER TABLE rc RENAME COLUMN a TO aa');
    await db.run('ALTER TABLE rc RENAME b TO bb');
    expect(columnsOf('rc')).toEqual(['id', 'aa', 'bb']);
    await db.run('INSERT INTO rc(id) VALUES (2)');
    expect(await db.rows('SELECT id, aa, bb FROM rc ORDER BY id')).toEqual([
      [1, 4, 'x'],
      [2, 4, 'x'],
    ]);
    expect(await db.state('SELECT a FROM rc')).toBe('42703');
    expect(await db.state('ALTER TABLE rc RENAME COLUMN nope TO z')).toBe('42703');
    expect(await db.state('ALTER TABLE rc RENAME COLUMN aa TO bb')).toBe('42701');
  });

  it('ALTER COLUMN sets and drops defaults and NOT NULL, and changes types', async () => {
    await db.run('CREATE TABLE ac(id INTEGER PRIMARY KEY, n INTEGER, s TEXT)');
    await db.run("INSERT INTO ac VALUES (1, 10, '5'), (2, NULL, '6')");
    await db.run('ALTER TABLE ac ALTER COLUMN n SET DEFAULT 7');
    await db.run('INSERT INTO ac(id) VALUES (3)');
    await db.run('ALTER TABLE ac ALTER COLUMN n DROP DEFAULT');
    await db.run('INSERT INTO ac(id) VALUES (4)');
    expect(await db.rows('SELECT n FROM ac WHERE id >= 3 ORDER BY id')).toEqual([[7], [null]]);
    expect(await db.state('ALTER TABLE ac ALTER COLUMN n SET NOT NULL')).toBe('23502');
    await db.run('DELETE FROM ac WHERE n IS NULL');
    await db.run('ALTER TABLE ac ALTER COLUMN n SET NOT NULL');
    expect(await db.state('INSERT INTO ac VALUES (5, NULL, NULL)')).toBe('23502');
    await db.run('ALTER TABLE ac ALTER COLUMN n DROP NOT NULL');
    await db.run('INSERT INTO ac VALUES (5, NULL, NULL)');
    await db.run('ALTER TABLE ac ALTER COLUMN s TYPE INTEGER');
    expect(await db.rows('SELECT id, s + 1 FROM ac ORDER BY id')).toEqual([
      [1, 6],
      [3, null],
      [5, null],
    ]);
    expect(await db.state("INSERT INTO ac VALUES (6, 1, 'x')")).toBe('22P02');
    await db.run('UPDATE ac SET s = 99 WHERE id = 5');
    expect(await db.state('ALTER TABLE ac ALTER COLUMN s TYPE VARCHAR(1)')).toBe('22001');
    await db.run('ALTER TABLE ac ALTER COLUMN s TYPE TEXT USING s * 2');
    expect(await db.rows('SELECT s FROM ac ORDER BY id')).toEqual([['10'], [null], ['198']]);
  });

  it('ADD CONSTRAINT UNIQUE and PRIMARY KEY check the rows there', async () => {
    await db.run('CREATE TABLE ak(a INTEGER, b INTEGER)');
    await db.run('INSERT INTO ak VALUES (1, 1), (2, 1), (NULL, 2)');
    expect(await db.state('ALTER TABLE ak ADD CONSTRAINT ak_b UNIQUE (b)')).toBe('23505');
    await db.run('ALTER TABLE ak ADD UNIQUE (a)');
    expect(await db.state('INSERT INTO ak VALUES (1, 5)')).toBe('23505');
    expect(await db.state('ALTER TABLE ak ADD PRIMARY KEY (a)')).toBe('23502');
    await db.run('DELETE FROM ak WHERE a IS NULL');
    await db.run('ALTER TABLE ak ADD PRIMARY KEY (a)');
    expect(await db.state('INSERT INTO ak VALUES (NULL, 5)')).toBe('23502');
    await db.run('ALTER TABLE ak DROP CONSTRAINT ak_a_key');
    expect(await db.state('INSERT INTO ak VALUES (1, 5)')).toBe('23505');
  });

  it('IF EXISTS / IF NOT EXISTS forms are quiet', async () => {
    await db.run('ALTER TABLE IF EXISTS nope ADD COLUMN x INTEGER');
    await db.run('CREATE TABLE ie(a INTEGER)');
    await db.run('ALTER TABLE ie ADD COLUMN IF NOT EXISTS a INTEGER');
    await db.run('ALTER TABLE ie DROP COLUMN IF EXISTS zz');
    expect(columnsOf('ie')).toEqual(['a']);
  });
});

describe('INSERT ... ON CONFLICT', () => {
  it('DO UPDATE may not touch one row twice in a statement (21000); DO NOTHING skips duplicates', async () => {
    await db.run('CREATE TABLE oc(k INTEGER PRIMARY KEY, v INTEGER)');
    await db.run('INSERT INTO oc VALUES (1, 0)');
    const e = await db.state('INSERT INTO oc VALUES (1, 1), (1, 2) ON CONFLICT (k) DO UPDATE SET v = excluded.v');
    expect(e).toBe('21000');
    expect(await db.state('INSERT INTO oc VALUES (2, 1), (2, 2) ON CONFLICT (k) DO UPDATE SET v = excluded.v')).toBe('21000');
    expect(await db.rows('SELECT * FROM oc ORDER BY k')).toEqual([[1, 0]]);
    const r = await db.run('INSERT INTO oc VALUES (2, 1), (2, 2), (1, 5) ON CONFLICT DO NOTHING');
    expect(r.rowsAffected).toBe(1);
    expect(await db.rows('SELECT * FROM oc ORDER BY k')).toEqual([
      [1, 0],
      [2, 1],
    ]);
  });
});

describe('ALTER TABLE through the public API', () => {
  it('runs (the statement kind is implemented)', async () => {
    const ddb = await Database.open(':memory:');
    try {
      const s = await ddb.connect();
      await s.execute('CREATE TABLE t(id INTEGER PRIMARY KEY)');
      await s.execute('INSERT INTO t VALUES (1)');
      await s.execute('ALTER TABLE t ADD COLUMN v TEXT DEFAULT 5');
      await s.execute('ALTER TABLE t RENAME COLUMN v TO w');
      await s.execute('ALTER TABLE t RENAME TO u');
      const r = await s.execute('SELECT id, w FROM u');
      expect(r.rows).toEqual([[1, '5']]);
    } finally {
      await ddb.close();
    }
  });
});
