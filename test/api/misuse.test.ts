// Calls a JavaScript user can make that the types forbid: a text that is not a string, parameters
// that are not an array, options of the wrong shape, values that throw when inspected. Each is a
// DispatcherError (22023 / 42804) through the returned promise, and the session keeps working.
// Found by the fuzzer (properties/fuzz): these used to escape as XX000 internal errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { DispatcherError } from '../../src/api/errors.js';
import type { Session } from '../../src/api/session.js';
import type { SqlValue } from '../../src/storage/ports.js';

let db: Database;
let s: Session;
beforeAll(async () => {
  db = await Database.open(':memory:');
  s = await db.connect();
  await s.execute('CREATE TABLE m (id INTEGER PRIMARY KEY, v TEXT)');
});
afterAll(async () => {
  await db.close();
});

async function sqlState(call: () => Promise<unknown>): Promise<string> {
  let p: Promise<unknown>;
  try {
    p = call();
  } catch (e) {
    throw new Error(`threw synchronously: ${String(e)}`);
  }
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DispatcherError);
    return (e as DispatcherError).sqlState;
  }
  throw new Error('expected an error');
}

const anyCall = (x: unknown): never => x as never;

describe('API misuse from JavaScript', () => {
  it('refuses a statement text that is not a string', async () => {
    for (const sql of [null, undefined, 42, {}, ['SELECT 1']]) {
      expect(await sqlState(() => s.execute(anyCall(sql)))).toBe('22023');
      expect(await sqlState(() => s.prepare(anyCall(sql)))).toBe('22023');
    }
    expect((await s.execute('SELECT 1')).rows).toEqual([[1]]);
  });

  it('refuses parameters that are not an array, and options of the wrong shape', async () => {
    for (const params of [null, 'ab', 7, { length: 1, 0: 1 }, new Uint8Array(1)]) {
      expect(await sqlState(() => s.execute('SELECT $1', anyCall(params)))).toBe('22023');
    }
    expect(await sqlState(() => s.execute('SELECT 1', [], anyCall(null)))).toBe('22023');
    expect(await sqlState(() => s.execute('SELECT 1', [], anyCall({ signal: {} })))).toBe('22023');
    expect(await sqlState(() => s.execute('SELECT 1', [], anyCall({ timeoutMs: Number.NaN })))).toBe('22023');
    expect(await sqlState(() => s.execute('SELECT 1', [], anyCall({ rowMode: 'columns' })))).toBe('22023');
    const hostile = new Proxy({}, { get: () => { throw new Error('no'); } });
    expect(await sqlState(() => s.execute('SELECT 1', [], anyCall(hostile)))).toBe('22023');
    const query = s.query('SELECT 1', anyCall(null));
    expect(await sqlState(() => query.result)).toBe('22023');
  });

  it('refuses parameter values that throw when inspected', async () => {
    const throwingList = new Proxy([1], { get: (t, k) => (k === 'length' ? 1 : (() => { throw new Error('no'); })()) });
    expect(await sqlState(() => s.execute('SELECT $1', anyCall(throwingList)))).toBe('22023');
    const noProto = new Proxy({}, { getPrototypeOf: () => { throw new Error('no'); } });
    expect(await sqlState(() => s.execute('SELECT $1', [anyCall(noProto)]))).toBe('42804');
    expect(await sqlState(() => s.execute('SELECT $1', [anyCall(Object.create(null))]))).toBe('42804');
    expect((await s.execute('SELECT $1', [new Uint8Array([1, 2])])).rows).toEqual([[new Uint8Array([1, 2])]]);
  });

  it('binds the parameters as they were at the call, not as the caller changes them later', async () => {
    const params: SqlValue[] = [1, 'first'];
    const p = s.execute('INSERT INTO m VALUES ($1, $2)', params);
    params[0] = 2;
    params[1] = 'changed';
    await p;
    expect((await s.execute('SELECT id, v FROM m')).rows).toEqual([[1, 'first']]);
  });
});

describe('Database.open and connect misuse from JavaScript', () => {
  it('refuses a path or options of the wrong type, and numeric options out of range, with 22023', async () => {
    const openState = async (path: unknown, options?: unknown): Promise<string> => {
      try {
        const other = await Database.open(anyCall(path), anyCall(options));
        await other.close();
        return 'ok';
      } catch (e) {
        expect(e).toBeInstanceOf(DispatcherError);
        return (e as DispatcherError).sqlState;
      }
    };
    expect(await openState(42)).toBe('22023');
    expect(await openState(null)).toBe('22023');
    expect(await openState(':memory:', null)).toBe('22023');
    expect(await openState(':memory:', 'fast')).toBe('22023');
    // zero admission slots used to queue every statement forever
    expect(await openState(':memory:', { maxConcurrentQueries: 0 })).toBe('22023');
    expect(await openState(':memory:', { poolPages: Number.NaN })).toBe('22023');
    expect(await openState(':memory:', { planCacheSize: -1 })).toBe('22023');
    expect(await openState(':memory:', { durable: 'yes' })).toBe('22023');
    expect(await openState(':memory:', { maxConcurrentQueries: 1, poolPages: 8 })).toBe('ok');
  });

  it('refuses connect options of the wrong type with 22023', async () => {
    for (const options of [null, 'alice', { user: 42 }]) {
      expect(await sqlState(() => db.connect(anyCall(options)))).toBe('22023');
    }
    const other = await db.connect({});
    expect((await other.execute('SELECT 1')).rows).toEqual([[1]]);
    await other.close();
  });
});
