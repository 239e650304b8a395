import { describe, expect, it } from 'vitest';
import { DispatcherError } from '../../src/api/errors.js';
import { openStorage } from '../../src/storage/engine.js';
import type { Row, StorageEngine } from '../../src/storage/ports.js';
import { drain, tableDef } from './helpers.js';

async function withUsers(): Promise<StorageEngine> {
  const db = await openStorage(':memory:');
  const tx = db.begin();
  tx.createTable(
    tableDef('Users', [['id', 'integer'], ['email', 'text'], ['age', 'integer']], [0], [
      { name: 'users_email_key', table: 'users', columns: [1], unique: true, implicit: true },
      { name: 'users_age', table: 'users', columns: [2], unique: false, implicit: false },
    ]),
  );
  for (let i = 1; i <= 50; i++) tx.insert('users', [i, `u${i}@x`, i % 5]);
  await tx.commit();
  return db;
}

function sqlState(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DispatcherError);
    return (e as DispatcherError).sqlState;
  }
  return undefined;
}

describe('in-memory engine', () => {
  it('creates, reads, updates and deletes rows with index maintenance', async () => {
    const db = await withUsers();
    const s = db.snapshot();
    expect(s.getTable('USERS')?.name).toBe('Users');
    expect(s.rowCount('users')).toBe(50);
    expect(s.getRow('users', [7])).toEqual([7, 'u7@x', 2]);
    expect(drain(s.scanIndex('users', 'users_age', { lower: [3], upper: [3] }))).toEqual([[3], [8], [13], [18], [23], [28], [33], [38], [43], [48]]);
    s.release();

    const tx = db.begin();
    expect(tx.update('users', [7], [70, 'seven@x', 3])).toEqual([70]);
    tx.delete('users', [8]);
    expect(tx.getRow('users', [7])).toBeUndefined();
    expect(tx.getRow('users', [70])).toEqual([70, 'seven@x', 3]);
    expect(drain(tx.scanIndex('users', 'users_email_key', { lower: ['seven@x'], upper: ['seven@x'] }))).toEqual([[70]]);
    expect(drain(tx.scanIndex('users', 'users_age', { lower: [3], upper: [3] }))).toEqual([[3], [13], [18], [23], [28], [33], [38], [43], [48], [70]]);
    await tx.commit();
    const s2 = db.snapshot();
    expect(s2.rowCount('users')).toBe(49);
    expect(db.integrityCheck()).toEqual([]);
    s2.release();
  });

  it('rejects duplicate primary keys and unique values, leaving the transaction unchanged', async () => {
    const db = await withUsers();
    const tx = db.begin();
    expect(sqlState(() => tx.insert('users', [3, 'new@x', 1]))).toBe('23505');
    expect(sqlState(() => tx.insert('users', [100, 'u3@x', 1]))).toBe('23505');
    expect(sqlState(() => tx.update('users', [4], [4, 'u5@x', 1]))).toBe('23505');
    expect(sqlState(() => tx.update('users', [4], [5, 'u4@x', 1]))).toBe('23505');
    try {
      tx.insert('users', [100, 'u3@x', 1]);
    } catch (e) {
      expect((e as Error).message).toContain('users_email_key');
    }
    expect(tx.rowCount('users')).toBe(50);
    expect(tx.getRow('users', [100])).toBeUndefined();
    expect(tx.getRow('users', [4])).toEqual([4, 'u4@x', 4]);
    // NULLs never conflict in a unique index.
    tx.insert('users', [101, null, 1]);
    tx.insert('users', [102, null, 1]);
    await tx.commit();
    expect(db.integrityCheck()).toEqual([]);
  });

  it('rolls back to savepoints cheaply and repeatedly', async () => {
    const db = await withUsers();
    const tx = db.begin();
    const m0 = tx.savepoint();
    tx.insert('users', [200, 'a@x', 0]);
    const m1 = tx.savepoint();
    tx.delete('users', [1]);
    tx.update('users', [2], [2, 'b@x', 9]);
    tx.setMeta('k', 1);
    tx.rollbackTo(m1);
    expect(tx.getRow('users', [1])).toEqual([1, 'u1@x', 1]);
    expect(tx.getRow('users', [2])).toEqual([2, 'u2@x', 2]);
    expect(tx.getRow('users', [200])).toEqual([200, 'a@x', 0]);
    expect(tx.getMeta('k')).toBeUndefined();
    tx.delete('users', [3]);
    tx.rollbackTo(m1);
    expect(tx.getRow('users', [3])).toEqual([3, 'u3@x', 3]);
    tx.rollbackTo(m0);
    expect(tx.getRow('users', [200])).toBeUndefined();
    expect(tx.rowCount('users')).toBe(51 - 1);
    tx.insert('users', [201, 'c@x', 0]);
    await tx.commit();
    const s = db.snapshot();
    expect(s.getRow('users', [201])).toEqual([201, 'c@x', 0]);
    expect(s.getRow('users', [200])).toBeUndefined();
    s.release();
    expect(db.integrityCheck()).toEqual([]);
  });

  it('scans ranges with prefix bounds, exclusivity and reverse order', async () => {
    const db = await openStorage(':memory:');
    const tx = db.begin();
    tx.createTable(tableDef('p', [['a', 'integer'], ['b', 'text']], [0, 1]));
    const all: Row[] = [];
    for (let a = 0; a < 30; a++) for (const b of ['x', 'y', 'z']) {
      tx.insert('p', [a, b]);
      all.push([a, b]);
    }
    const keys = (rows: Row[]): string[] => rows.map((r) => `${String(r[0])}${String(r[1])}`);
    expect(keys(drain(tx.scanTable('p', { lower: [5], upper: [6] })))).toEqual(['5x', '5y', '5z', '6x', '6y', '6z']);
    expect(keys(drain(tx.scanTable('p', { lower: [5], lowerInclusive: false, upper: [7], upperInclusive: false })))).toEqual(['6x', '6y', '6z']);
    expect(keys(drain(tx.scanTable('p', { lower: [5, 'y'], upper: [6, 'x'] })))).toEqual(['5y', '5z', '6x']);
    expect(keys(drain(tx.scanTable('p', { lower: [5], upper: [6] }, true)))).toEqual(['6z', '6y', '6x', '5z', '5y', '5x']);
    expect(keys(drain(tx.scanTable('p', { upper: [1] }, true)))).toEqual(['1z', '1y', '1x', '0z', '0y', '0x']);
    expect(keys(drain(tx.scanTable('p', { lower: [28], lowerInclusive: false })))).toEqual(['29x', '29y', '29z']);
    expect(drain(tx.scanTable('p', { lower: [40] }))).toEqual([]);
    expect(drain(tx.scanTable('p')).length).toBe(90);
    expect(drain(tx.scanTable('p', undefined, true))).toEqual([...all].reverse());
    await tx.commit();
  });

  it('gives readers a stable snapshot while others commit', async () => {
    const db = await withUsers();
    const s = db.snapshot();
    const tx = db.begin();
    tx.update('users', [1], [1, 'changed@x', 1]);
    tx.insert('users', [500, 'z@x', 0]);
    const cur = s.scanTable('users');
    await tx.commit();
    const rows = drain(cur);
    expect(rows.length).toBe(50);
    expect(s.getRow('users', [1])).toEqual([1, 'u1@x', 1]);
    const s2 = db.snapshot();
    expect(s2.getRow('users', [1])).toEqual([1, 'changed@x', 1]);
    expect(s2.seq).toBeGreaterThan(s.seq);
    s.release();
    s2.release();
  });

  it('commits two concurrent transactions on different keys (re-apply)', async () => {
    const db = await withUsers();
    const a = db.begin();
    const b = db.begin();
    a.insert('users', [300, 'a300@x', 1]);
    a.update('users', [1], [1, 'a1@x', 1]);
    b.insert('users', [301, 'b301@x', 2]);
    b.delete('users', [2]);
    await a.commit();
    await b.commit();
    const s = db.snapshot();
    expect(s.getRow('users', [300])).toEqual([300, 'a300@x', 1]);
    expect(s.getRow('users', [301])).toEqual([301, 'b301@x', 2]);
    expect(s.getRow('users', [1])).toEqual([1, 'a1@x', 1]);
    expect(s.getRow('users', [2])).toBeUndefined();
    expect(s.rowCount('users')).toBe(51);
    s.release();
    expect(db.integrityCheck()).toEqual([]);
  });

  it('rejects a raced commit that would violate uniqueness, with no effect', async () => {
    const db = await withUsers();
    const a = db.begin();
    const b = db.begin();
    a.insert('users', [300, 'same@x', 1]);
    b.insert('users', [301, 'same@x', 2]);
    b.insert('users', [302, 'other@x', 2]);
    await a.commit();
    await expect(b.commit()).rejects.toMatchObject({ sqlState: '23505' });
    const s = db.snapshot();
    expect(s.getRow('users', [301])).toBeUndefined();
    expect(s.getRow('users', [302])).toBeUndefined();
    expect(s.rowCount('users')).toBe(51);
    s.release();
  });

  it('re-applies hidden row id inserts and their later updates', async () => {
    const db = await openStorage(':memory:');
    const t0 = db.begin();
    t0.createTable(tableDef('h', [['v', 'text']], []));
    await t0.commit();
    const a = db.begin();
    const b = db.begin();
    const ka = a.insert('h', ['a']);
    const kb = b.insert('h', ['b']);
    expect(ka).toEqual(kb);
    b.update('h', kb, ['b2']);
    await a.commit();
    await b.commit();
    const s = db.snapshot();
    expect(drain(s.scanTable('h'))).toEqual([['a'], ['b2']]);
    s.release();
  });

  it('handles DDL: create/drop index, alter with rewrite, drop table, meta', async () => {
    const db = await withUsers();
    const tx = db.begin();
    expect(sqlState(() => tx.createIndex({ name: 'age_u', table: 'users', columns: [2], unique: true, implicit: false }))).toBe('23505');
    tx.createIndex({ name: 'email2', table: 'users', columns: [1, 2], unique: true, implicit: false });
    expect(drain(tx.scanIndex('users', 'email2', { lower: ['u10@x'] })).length).toBeGreaterThan(0);
    tx.dropIndex('users', 'users_age');
    tx.alterTable(
      { ...tx.getTable('users')!, columns: [...tx.getTable('users')!.columns, { name: 'z', type: 'integer', declaredType: 'INT', notNull: false }] },
      (r) => [...r, 0],
    );
    expect(tx.getRow('users', [5])).toEqual([5, 'u5@x', 0, 0]);
    tx.setMeta('users:alice', { super: true });
    tx.createTable(tableDef('gone', [['a', 'integer']]));
    tx.insert('gone', [1]);
    tx.dropTable('gone');
    expect(sqlState(() => tx.getRow('gone', [1]))).toBe('42P01');
    expect(sqlState(() => tx.createTable(tableDef('USERS', [['a', 'integer']])))).toBe('42P07');
    await tx.commit();
    const s = db.snapshot();
    expect(s.getMeta('users:alice')).toEqual({ super: true });
    expect(s.getTable('users')!.indexes.map((i) => i.name)).toEqual(['users_email_key', 'email2']);
    expect(s.tables().map((t) => t.name)).toEqual(['Users']);
    s.release();
    expect(db.integrityCheck()).toEqual([]);
  });

  it('keeps a write transaction cursor stable while the transaction writes', async () => {
    const db = await withUsers();
    const tx = db.begin();
    const c = tx.scanTable('users');
    let n = 0;
    for (let r = c.next(); r; r = c.next()) {
      n++;
      tx.insert('users', [(r[0] as number) + 1000, `${String(r[1])}!`, 0]);
    }
    expect(n).toBe(50);
    expect(tx.rowCount('users')).toBe(100);
    await tx.commit();
    expect(db.integrityCheck()).toEqual([]);
  });
});
