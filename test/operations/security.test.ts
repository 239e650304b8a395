// The security validator: statement length, the function allowlist (walking the AST, subqueries
// included), and what security_level adds; all before the dispatcher.
import { describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import type { ConfigObject } from '../../src/api/config.js';
import { failure } from '../support/failure.js';

async function open(config: ConfigObject): Promise<{ db: Database; s: Awaited<ReturnType<Database['connect']>> }> {
  const db = await Database.open(':memory:', { config });
  const s = await db.connect();
  await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)');
  await s.execute("INSERT INTO t VALUES (1, 'Ann'), (2, 'Bob')");
  return { db, s };
}

describe('security validator', () => {
  it('refuses a statement longer than max_statement_length with 54000', async () => {
    const { db, s } = await open({ max_statement_length: 100 });
    const e = await failure(s.execute(`SELECT id FROM t WHERE name = '${'x'.repeat(200)}'`));
    expect(e.sqlState).toBe('54000');
    expect(e.message).toContain('statement too long');
    // PREPARE refuses it too, before parsing (not at its first execution).
    const p = await failure(s.prepare(`SELECT id FROM t WHERE name = '${'y'.repeat(200)}'`));
    expect(p.sqlState).toBe('54000');
    expect((await s.execute('SELECT count(*) FROM t')).rows).toEqual([[2]]);
    await db.close();
  });

  it('allows only the listed functions, wherever they are called', async () => {
    const { db, s } = await open({ allowed_functions: ['count', 'lower'] });
    expect((await s.execute('SELECT lower(name) FROM t WHERE id = 1')).rows).toEqual([['ann']]);
    expect((await s.execute('SELECT count(*) FROM t')).rows).toEqual([[2]]);
    const e = await failure(s.execute('SELECT upper(name) FROM t'));
    expect(e.sqlState).toBe('42501');
    expect(e.message).toBe('function upper is not allowed');
    const nested = await failure(s.execute('SELECT id FROM t WHERE id IN (SELECT length(name) FROM t)'));
    expect(nested.message).toBe('function length is not allowed');
    const inWhere = await failure(s.execute('DELETE FROM t WHERE abs(id) = 1'));
    expect(inWhere.message).toBe('function abs is not allowed');
    expect((await s.execute('SELECT count(*) FROM t')).rows).toEqual([[2]]);
    await db.close();
  });

  it('low allows every function and stacked statements', async () => {
    const { db, s } = await open({});
    const r = await s.execute("SELECT upper(name) FROM t WHERE id = 1; SELECT 'done'");
    expect(r.rows).toEqual([['done']]);
    await db.close();
  });

  it('medium refuses stacked statements', async () => {
    const { db, s } = await open({ security_level: 'medium' });
    const e = await failure(s.execute('SELECT 1; DELETE FROM t'));
    expect(e.sqlState).toBe('42501');
    expect(e.message).toContain('multiple statements');
    expect((await s.execute('SELECT count(*) FROM t')).rows).toEqual([[2]]);
    await db.close();
  });

  it('high refuses injection-looking text and applies a default allowlist', async () => {
    const { db, s } = await open({ security_level: 'high' });
    expect((await failure(s.execute("SELECT * FROM t WHERE name = '' OR 1=1"))).message).toContain('tautology');
    expect((await failure(s.execute("SELECT * FROM t WHERE name = 'x' OR 'a'='a'"))).sqlState).toBe('42501');
    expect((await failure(s.execute("SELECT * FROM t WHERE name = 'x' -- '"))).message).toContain('comments');
    // Pure functions pass; others are not on the built-in list.
    expect((await s.execute('SELECT upper(name) FROM t WHERE id = $1', [2])).rows).toEqual([['BOB']]);
    expect((await failure(s.execute('SELECT random()'))).message).toBe('function random is not allowed');
    await db.close();
  });
});
