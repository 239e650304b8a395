// The public API end to end: results, row modes, prepared statements, transactions, errors with
// SQLSTATE codes, durability across reopen, exclusive open.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { DispatcherError } from '../../src/api/errors.js';
import type { Session } from '../../src/api/session.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempPath(name: string): string {
  const d = mkdtempSync(join(tmpdir(), 'dispatchdb-api-'));
  dirs.push(d);
  return join(d, name);
}

async function sqlState(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DispatcherError);
    return (e as DispatcherError).sqlState;
  }
  throw new Error('expected an error');
}

describe('a session on :memory:', () => {
  let db: Database;
  let s: Session;
  beforeEach(async () => {
    db = await Database.open(':memory:');
    s = await db.connect();
    await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL)');
  });
  afterEach(async () => {
    await db.close();
  });

  it('returns columns, rows, rowsAffected and metrics', async () => {
    const ins = await s.execute("INSERT INTO t VALUES (1, 'a', 1.5), (2, 'b', NULL), (3, 'c', 3)");
    expect(ins.rowsAffected).toBe(3);
    expect(ins.command).toBe('INSERT');
    const r = await s.execute('SELECT id, name, score FROM t WHERE id >= $1 ORDER BY id', [2]);
    expect(r.columns.map((c) => c.name)).toEqual(['id', 'name', 'score']);
    expect(r.columns.map((c) => c.type)).toEqual(['integer', 'text', 'real']);
    expect(r.rows).toEqual([
      [2, 'b', null],
      [3, 'c', 3],
    ]);
    expect(r.metrics.kind).toBe('SELECT');
    expect(r.metrics.rowsProduced).toBe(2);
    const o = await s.execute('SELECT id, name FROM t WHERE id = 1', [], { rowMode: 'object' });
    expect(o.rows).toEqual([{ id: 1, name: 'a' }]);
  });

  it('shares one parse and one plan between statements of one shape', async () => {
    await s.execute("INSERT INTO t VALUES (41, 'x', 0), (42, 'y', 0)");
    const a = await s.execute('SELECT name FROM t WHERE id = 41');
    const b = await s.execute('SELECT name FROM t WHERE id = 42');
    expect(a.rows).toEqual([['x']]);
    expect(b.rows).toEqual([['y']]);
    expect(b.metrics.parseCacheHit).toBe(true);
  });

  it('prepared statements run with parameters', async () => {
    const ins = await s.prepare('INSERT INTO t VALUES ($1, $2, $3)');
    for (let i = 0; i < 10; i++) await ins.execute([i, `n${i}`, i / 2]);
    const sel = await s.prepare('SELECT name FROM t WHERE id = ?');
    expect((await sel.execute([7])).rows).toEqual([['n7']]);
    const q = sel.query([3]);
    expect(await lastValueFrom(q.rows$.pipe(toArray()))).toEqual([['n3']]);
    expect(await sqlState(sel.execute([]))).toBe('08P01');
  });

  it('constraint violations carry their SQLSTATE and change nothing', async () => {
    await s.execute("INSERT INTO t VALUES (1, 'a', 0)");
    expect(await sqlState(s.execute("INSERT INTO t VALUES (2, 'b', 0), (1, 'dup', 0)"))).toBe('23505');
    expect(await sqlState(s.execute('INSERT INTO t VALUES (3, NULL, 0)'))).toBe('23502');
    expect((await s.execute('SELECT id FROM t ORDER BY id')).rows).toEqual([[1]]);
  });

  it('BEGIN / COMMIT / ROLLBACK, and an aborted block refuses statements', async () => {
    await s.execute('BEGIN');
    await s.execute("INSERT INTO t VALUES (1, 'a', 0)");
    expect((await s.execute('SELECT count(*) FROM t')).rows).toEqual([[1]]);
    await s.execute('ROLLBACK');
    expect((await s.execute('SELECT count(*) FROM t')).rows).toEqual([[0]]);
    await s.execute('BEGIN');
    await s.execute("INSERT INTO t VALUES (1, 'a', 0)");
    expect(await sqlState(s.execute("INSERT INTO t VALUES (1, 'b', 0)"))).toBe('23505');
    expect(s.transactionState).toBe('aborted');
    expect(await sqlState(s.execute('SELECT 1'))).toBe('25P02');
    await s.execute('ROLLBACK');
    await s.execute('BEGIN');
    await s.execute("INSERT INTO t VALUES (5, 'e', 0)");
    await s.execute('COMMIT');
    expect(s.transactionState).toBe('noTxn');
    expect((await s.execute('SELECT id FROM t')).rows).toEqual([[5]]);
  });

  it('syntax errors point at the position', async () => {
    try {
      await s.execute('SELECT * FROM t WHERE id = = 1');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DispatcherError);
      expect((e as DispatcherError).sqlState).toBe('42601');
      expect((e as DispatcherError).position).toBeGreaterThan(20);
    }
  });

  it('unknown tables, columns and unsupported statements are clear errors', async () => {
    expect(await sqlState(s.execute('SELECT * FROM nope'))).toBe('42P01');
    expect(await sqlState(s.execute('SELECT nope FROM t'))).toBe('42703');
    expect(await sqlState(s.execute('CREATE TRIGGER tr AFTER INSERT ON t FOR EACH STATEMENT BEGIN SELECT 1; END'))).toBe('0A000');
    expect((await s.execute('SELECT 1 + 1')).rows).toEqual([[2]]);
  });

  it('runs requests of one session in order', async () => {
    const ps = [];
    for (let i = 0; i < 50; i++) ps.push(s.execute('INSERT INTO t VALUES ($1, $2, 0)', [i, `v${i}`]));
    await Promise.all(ps);
    const r = await s.execute('SELECT count(*), min(id), max(id) FROM t');
    expect(r.rows).toEqual([[50, 0, 49]]);
  });

  it('a closed session refuses work', async () => {
    await s.close();
    expect(await sqlState(s.execute('SELECT 1'))).toBe('08003');
  });
});

describe('a database file', () => {
  it('keeps committed data across close and reopen, not rolled back data', async () => {
    const path = tempPath('keep.db');
    const db = await Database.open(path);
    const s = await db.connect();
    await s.execute('CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER)');
    await s.execute("INSERT INTO kv VALUES ('a', 1), ('b', 2)");
    await s.execute('CREATE INDEX kv_v ON kv (v)');
    await s.execute('BEGIN');
    await s.execute("INSERT INTO kv VALUES ('c', 3)");
    await s.execute('ROLLBACK');
    await db.close();
    const db2 = await Database.open(path);
    const s2 = await db2.connect();
    expect((await s2.execute('SELECT k, v FROM kv ORDER BY k')).rows).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect((await s2.execute('SELECT k FROM kv WHERE v = 2')).rows).toEqual([['b']]);
    expect(db2.integrityCheck()).toEqual([]);
    await db2.close();
  });

  it('refuses a second opener with a clear error', async () => {
    const path = tempPath('excl.db');
    const db = await Database.open(path);
    expect(await sqlState(Database.open(path))).toBe('55006');
    await db.close();
    const again = await Database.open(path);
    await again.close();
  });
});
