// The catalog tree. A name is a catalog key and must fit a tree node like any key. A CREATE TABLE or CREATE VIEW of a
// 20,000-character name used to fail at commit with XX000 ("node does not fit a page"); it is now
// refused at once with 42622, and the file stays sound. Found by the fuzzer (properties/fuzz).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { DispatcherError } from '../../src/api/errors.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function stateOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    expect(e).toBeInstanceOf(DispatcherError);
    return (e as DispatcherError).sqlState;
  }
}

describe('catalog nodes read back from the file', () => {
  it('keep their size accounting when they hold statistics (objects), so they still split', async () => {
    // ANALYZE stores an object in the catalog; read back from a page its size was NaN, the node
    // never split again, and a later commit failed with XX000 "node does not fit a page".
    const dir = mkdtempSync(join(tmpdir(), 'dispatchdb-catalog-'));
    dirs.push(dir);
    const path = join(dir, 'catalog.db');
    const db = await Database.open(path, { durable: false });
    const s = await db.connect();
    await s.execute('CREATE TABLE a (x INTEGER)');
    await s.execute('INSERT INTO a VALUES (1), (2)');
    await s.execute('ANALYZE a');
    await db.close();
    const again = await Database.open(path, { durable: false });
    const s2 = await again.connect();
    for (let i = 0; i < 120; i++) {
      await s2.execute(`CREATE TABLE t_${String(i).padStart(3, '0')}_${'x'.repeat(60)} (id INTEGER PRIMARY KEY, v TEXT, w REAL)`);
    }
    await s2.execute('ANALYZE');
    expect(again.integrityCheck()).toEqual([]);
    await again.close();
    const third = await Database.open(path, { durable: false });
    expect(third.tables().length).toBe(121);
    expect(third.integrityCheck()).toEqual([]);
    await third.close();
  });
});

describe('catalog names', () => {
  it('refuses names too long for a catalog key with 42622, in and out of a transaction', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dispatchdb-names-'));
    dirs.push(dir);
    const path = join(dir, 'names.db');
    const db = await Database.open(path, { durable: false });
    const s = await db.connect();
    const long = 'n'.repeat(20_000);
    expect(await stateOf(s.execute(`CREATE TABLE ${long} (x INTEGER)`))).toBe('42622');
    expect(await stateOf(s.execute(`CREATE VIEW ${long} AS SELECT 1`))).toBe('42622');
    expect(await stateOf(s.execute(`CREATE TABLE "${'ü'.repeat(3000)}" (x INTEGER)`))).toBe('42622');
    await s.execute('BEGIN');
    await s.execute('CREATE TABLE kept (x INTEGER)');
    expect(await stateOf(s.execute(`CREATE TABLE ${long} (x INTEGER)`))).toBe('42622');
    await s.execute('ROLLBACK');
    // a long name that fits is fine
    const fits = 'f'.repeat(500);
    await s.execute(`CREATE TABLE ${fits} (x INTEGER)`);
    await s.execute(`INSERT INTO ${fits} VALUES (1)`);
    await db.close();
    const again = await Database.open(path, { durable: false });
    expect(again.integrityCheck()).toEqual([]);
    expect(again.tables().map((t) => t.name)).toEqual([fits]);
    await again.close();
  });
});
