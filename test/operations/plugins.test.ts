// Plugins: initialise at register, beforeExecute on every statement before it reaches the
// dispatcher (a veto is a DispatcherError), afterExecute with the result, shutdown on close.
import { describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { DispatcherError } from '../../src/api/errors.js';
import type { Plugin, PluginContext, PluginResult } from '../../src/plugins/plugin.js';
import { failure } from '../support/failure.js';

describe('plugins', () => {
  it('see every statement before and every result after, in order', async () => {
    const db = await Database.open(':memory:');
    const events: string[] = [];
    const results: PluginResult[] = [];
    let config: unknown = null;
    const audit: Plugin = {
      name: 'audit',
      initialise: (c) => {
        config = c;
      },
      beforeExecute: (ctx: PluginContext) => {
        events.push(`before ${ctx.kind} ${ctx.tables.join(',')} by ${ctx.user}`);
      },
      afterExecute: (ctx, r) => {
        events.push(`after ${ctx.kind} ok=${r.ok}`);
        results.push(r);
      },
    };
    await db.plugins.register(audit, { level: 'all' });
    expect(config).toEqual({ level: 'all' });
    const s = await db.connect();
    await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    await s.execute('INSERT INTO t VALUES (1), (2)');
    const r = await s.execute('SELECT id FROM t ORDER BY id');
    expect(r.rows).toEqual([[1], [2]]);
    await failure(s.execute('SELECT * FROM missing'));
    expect(events).toEqual([
      'before CREATE_TABLE t by owner',
      'after CREATE_TABLE ok=true',
      'before INSERT t by owner',
      'after INSERT ok=true',
      'before SELECT t by owner',
      'after SELECT ok=true',
      'before SELECT missing by owner',
      'after SELECT ok=false',
    ]);
    expect(results[1]?.rowsAffected).toBe(2);
    expect(results[2]?.rows).toEqual([[1], [2]]);
    expect(results[3]?.error?.sqlState).toBe('42P01');
    await db.close();
  });

  it('a veto stops the statement before the dispatcher; the plugin error is kept or becomes 42501', async () => {
    const db = await Database.open(':memory:');
    const s = await db.connect();
    await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    await db.plugins.register({
      name: 'no-deletes',
      beforeExecute: (ctx) => (ctx.kind === 'DELETE' ? new Error('deletes are switched off') : undefined),
    });
    await db.plugins.register({
      name: 'quota',
      beforeExecute: (ctx) => {
        if (ctx.kind === 'INSERT' && ctx.params[0] === 666) throw new DispatcherError('P0001', 'quota exceeded');
      },
    });
    await s.execute('INSERT INTO t VALUES ($1)', [1]);
    const routedBefore = db.system.dispatcher.routed;
    const e1 = await failure(s.execute('DELETE FROM t'));
    expect(e1.sqlState).toBe('42501');
    expect(e1.message).toContain('no-deletes');
    expect(e1.message).toContain('deletes are switched off');
    const e2 = await failure(s.execute('INSERT INTO t VALUES ($1)', [666]));
    expect(e2.sqlState).toBe('P0001');
    expect(e2.message).toBe('quota exceeded');
    // Neither reached the dispatcher, and nothing changed.
    expect(db.system.dispatcher.routed).toBe(routedBefore);
    expect((await s.execute('SELECT id FROM t')).rows).toEqual([[1]]);
    // Each statement of a script is asked; one veto refuses the whole request.
    const e3 = await failure(s.execute('INSERT INTO t VALUES (2); DELETE FROM t'));
    expect(e3.sqlState).toBe('42501');
    expect((await s.execute('SELECT id FROM t')).rows).toEqual([[1]]);
    // Unregistered, the plugin no longer vetoes.
    expect(await db.plugins.unregister('no-deletes')).toBe(true);
    expect((await s.execute('DELETE FROM t')).rowsAffected).toBe(1);
    await db.close();
  });

  it('shutdown runs on unregister and on db.close(); afterExecute errors are contained', async () => {
    const db = await Database.open(':memory:');
    const down: string[] = [];
    await db.plugins.register({ name: 'a', shutdown: () => void down.push('a') });
    await db.plugins.register({
      name: 'b',
      afterExecute: () => {
        throw new Error('broken observer');
      },
      shutdown: () => void down.push('b'),
    });
    await expect(db.plugins.register({ name: 'a' })).rejects.toMatchObject({ sqlState: '42710' });
    const s = await db.connect();
    expect((await s.execute('SELECT 1')).rows).toEqual([[1]]);
    expect(db.plugins.errors).toBe(1);
    await db.plugins.unregister('a');
    expect(down).toEqual(['a']);
    await db.close();
    expect(down).toEqual(['a', 'b']);
  });

  it('a plugin that fails to initialise is not registered', async () => {
    const db = await Database.open(':memory:');
    const e = await failure(
      db.plugins.register({
        name: 'needs-key',
        initialise: (c) => {
          if (c['key'] === undefined) throw new Error('key missing');
        },
        beforeExecute: () => new Error('never'),
      }),
    );
    expect(e.message).toContain('needs-key');
    expect(db.plugins.size).toBe(0);
    const s = await db.connect();
    expect((await s.execute('SELECT 1')).rows).toEqual([[1]]);
    await db.close();
  });
});

describe('transformResult', () => {
  it('replaces the result the caller gets, cached results included; a failing transform fails the request', async () => {
    const db = await Database.open(':memory:', { config: { result_cache_size: 10 } });
    const s = await db.connect();
    await s.execute('CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT)');
    await s.execute("INSERT INTO people VALUES (1, 'ann@example.org')");
    let broken = false;
    await db.plugins.register({
      name: 'mask',
      transformResult: (ctx, r) => {
        if (broken) throw new Error('mask lost its key');
        if (!ctx.tables.includes('people')) return undefined;
        const i = r.columns.findIndex((c) => c.name === 'email');
        if (i < 0) return undefined;
        return { ...r, rows: r.rows.map((row) => (row as unknown[]).map((v, j) => (j === i ? '***' : v))) };
      },
    });
    const q = 'SELECT id, email FROM people WHERE id = $1';
    expect((await s.execute(q, [1])).rows).toEqual([[1, '***']]);
    // Second time from the result cache: still masked, and the cache kept the true value.
    expect((await s.execute(q, [1])).rows).toEqual([[1, '***']]);
    expect(db.monitor.caches().result.hits).toBe(1);
    expect((await s.execute('SELECT 1 AS email')).rows).toEqual([[1]]);
    broken = true;
    const e = await failure(s.execute(q, [1]));
    expect(e.sqlState).toBe('XX000');
    expect(e.message).toContain('mask');
    broken = false;
    expect((await s.execute('SELECT count(*) FROM people')).rows).toEqual([[1]]);
    await db.close();
  });
});
