// X'..' blob literals: bytea values through the public API (lifted as parameters in DML, written as
// the bytea input form in DDL), and PostgreSQL's bytea text input they rely on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database, DispatcherError } from '../../src/index.js';
import type { Session } from '../../src/index.js';

let db: Database;
let s: Session;
beforeAll(async () => {
  db = await Database.open(':memory:');
  s = await db.connect();
});
afterAll(async () => {
  await db.close();
});

const hex = (v: unknown): string => Buffer.from(v as Uint8Array).toString('hex');

async function state(sql: string): Promise<string> {
  try {
    await s.execute(sql);
    return 'ok';
  } catch (e) {
    if (e instanceof DispatcherError) return e.sqlState;
    throw e;
  }
}

describe('blob literals', () => {
  it('are bytea values in either case of X and of the digits', async () => {
    const r = await s.execute("SELECT x'303132', X'0A1b', x''");
    const row = r.rows[0] as unknown[];
    expect(row[0]).toBeInstanceOf(Uint8Array);
    expect(row.map(hex)).toEqual(['303132', '0a1b', '']);
    expect(r.columns.map((c) => c.type)).toEqual(['bytea', 'bytea', 'bytea']);
    expect((await s.execute("SELECT length(x'0001ff')")).rows).toEqual([[3]]);
  });

  it('compare as bytes and equal the bytea hex input form', async () => {
    const r = await s.execute("SELECT x'303132' = ('\\x303132'::bytea), x'01' < x'02', x'0102' > x'01', x'ab' = x'AB'");
    expect(r.rows).toEqual([[true, true, true, true]]);
  });

  it('are stored in bytea columns, also as a column DEFAULT, and found by index', async () => {
    await s.execute("CREATE TABLE blobs(id INTEGER PRIMARY KEY, b BYTEA DEFAULT x'ff00')");
    await s.execute('CREATE INDEX blobs_b ON blobs(b)');
    await s.execute("INSERT INTO blobs VALUES (1, x'00'), (2, X'DEADBEEF')");
    await s.execute('INSERT INTO blobs(id) VALUES (3)');
    const r = await s.execute('SELECT id, b FROM blobs ORDER BY id');
    expect(r.rows.map((x) => [(x as unknown[])[0], hex((x as unknown[])[1])])).toEqual([
      [1, '00'],
      [2, 'deadbeef'],
      [3, 'ff00'],
    ]);
    expect((await s.execute("SELECT id FROM blobs WHERE b = x'deadbeef'")).rows).toEqual([[2]]);
    // the same shape with another literal is another value, not a cached one
    expect((await s.execute("SELECT id FROM blobs WHERE b = x'ff00'")).rows).toEqual([[3]]);
  });

  it('are never equal to values of other types (IN over an integer column)', async () => {
    await s.execute('CREATE TABLE ints(x INTEGER)');
    await s.execute('INSERT INTO ints VALUES (1), (2), (3)');
    expect((await s.execute("SELECT x'303132' IN (SELECT * FROM ints)")).rows).toEqual([[false]]);
    expect((await s.execute("SELECT x'303132' NOT IN (SELECT * FROM ints)")).rows).toEqual([[true]]);
  });

  it('reject an odd digit count (42601) and a non-hex digit (22P02)', async () => {
    expect(await state("SELECT x'123'")).toBe('42601');
    expect(await state("SELECT x'0G'")).toBe('22P02');
    expect(await state("SELECT X'")).toBe('42601');
  });

  it('the bytea text input decodes hex and escape forms', async () => {
    const r = await s.execute("SELECT '\\x4142'::bytea, 'AB\\\\C'::bytea, '\\101'::bytea");
    expect((r.rows[0] as unknown[]).map(hex)).toEqual(['4142', '41425c43', '41']);
    expect(await state("SELECT '\\x4'::bytea")).toBe('22P02');
    expect(await state("SELECT '\\xzz'::bytea")).toBe('22P02');
  });
});
