// executeMany: one statement run once per parameter set, as one statement. Checks the sum of rows
// affected, rows in set order, all-or-nothing on a failure (naming the set), later sets seeing
// earlier ones' writes, refusals of what cannot be batched, cancellation, and a row lock wait
// that runs the batch again once (not twice) after the holder commits; a large batch names its
// first bad set across the copy's chunks.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import type { Session } from '../../src/api/session.js';
import { failure } from '../support/failure.js';

let db: Database;
let s: Session;

beforeEach(async () => {
  db = await Database.open(':memory:');
  s = await db.connect();
  await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER, c TEXT)');
  await s.execute('CREATE INDEX t_k ON t (k)');
});

afterEach(async () => {
  await db.close();
});

async function count(): Promise<unknown> {
  return (await s.execute('SELECT count(*) FROM t')).rows[0]?.[0];
}

describe('executeMany', () => {
  it('inserts every set and reports their sum', async () => {
    const ins = await s.prepare('INSERT INTO t VALUES ($1, $2, $3)');
    const sets = Array.from({ length: 1000 }, (_, i) => [i + 1, (i * 7) % 100, `c${i}`]);
    const r = await ins.executeMany(sets);
    expect(r.command).toBe('INSERT');
    expect(r.rowsAffected).toBe(1000);
    expect(await count()).toBe(1000);
    // The index was maintained for every row.
    expect((await s.execute('SELECT count(*) FROM t WHERE k = 7')).rows).toEqual([[10]]);
    expect((await s.execute('SELECT c FROM t WHERE id = 500')).rows).toEqual([['c499']]);
  });

  it('takes any iterable and copies each set when called', async () => {
    const set = [1, 1, 'a'];
    function* sets(): Generator<unknown[]> {
      yield set;
      yield [2, 2, 'b'];
    }
    const p = s.executeMany('INSERT INTO t VALUES ($1, $2, $3)', sets() as Iterable<[number, number, string]>);
    set[2] = 'changed after the call';
    expect((await p).rowsAffected).toBe(2);
    expect((await s.execute('SELECT c FROM t ORDER BY id')).rows).toEqual([['a'], ['b']]);
  });

  it('checks every set of a large batch and names the first bad one', async () => {
    // 5,000 sets of 3 values: the copy spans two chunks, so the names must count across them.
    const sets: unknown[][] = Array.from({ length: 5000 }, (_, i) => [i + 1, i % 10, `c${i}`]);
    const ins = await s.prepare('INSERT INTO t VALUES ($1, $2, $3)');
    sets[4321] = [4322, 1, {}];
    const badType = await failure(ins.executeMany(sets as never));
    expect(badType.sqlState).toBe('42804');
    expect(badType.message).toContain('parameter set 4322:');
    sets[4321] = [4322, 1, 'c'];
    sets[4999] = [5000, 1];
    const badCount = await failure(ins.executeMany(sets as never));
    expect(badCount.sqlState).toBe('08P01');
    expect(badCount.message).toContain('parameter set 5000:');
    expect(await count()).toBe(0);
    sets[4999] = [5000, 1, 'last'];
    expect((await ins.executeMany(sets as never)).rowsAffected).toBe(5000);
    expect((await s.execute('SELECT c FROM t WHERE id IN (1, 4322, 5000) ORDER BY id')).rows).toEqual([['c0'], ['c'], ['last']]);
  });

  it('is all or nothing: a failing set undoes the sets before it and is named', async () => {
    await s.execute('INSERT INTO t VALUES (3, 0, $1)', ['x']);
    const ins = await s.prepare('INSERT INTO t VALUES ($1, $2, $3)');
    const e = await failure(ins.executeMany([[1, 1, 'a'], [2, 2, 'b'], [3, 3, 'dup'], [4, 4, 'd']]));
    expect(e.sqlState).toBe('23505');
    expect(e.detail).toContain('in parameter set 3');
    expect(await count()).toBe(1);
    // The session goes on in autocommit.
    expect((await ins.executeMany([[1, 1, 'a']])).rowsAffected).toBe(1);
  });

  it('inside a transaction a failure aborts it like any failed statement', async () => {
    await s.execute('BEGIN');
    await s.execute('INSERT INTO t VALUES (1, 1, $1)', ['a']);
    const e = await failure(s.executeMany('INSERT INTO t VALUES ($1, 0, $2)', [[2, 'b'], [1, 'dup']]));
    expect(e.sqlState).toBe('23505');
    expect(s.transactionState).toBe('aborted');
    expect((await failure(s.execute('SELECT 1'))).sqlState).toBe('25P02');
    await s.execute('ROLLBACK');
    expect(await count()).toBe(0);
  });

  it('returns rows in the order of the sets, in either row mode', async () => {
    await s.executeMany('INSERT INTO t VALUES ($1, $2, $3)', [[1, 10, 'a'], [2, 20, 'b'], [3, 30, 'c']]);
    const r = await s.executeMany('SELECT id, c FROM t WHERE k = $1', [[30], [99], [10], [30]]);
    expect(r.rows).toEqual([[3, 'c'], [1, 'a'], [3, 'c']]);
    const o = await s.executeMany('SELECT c FROM t WHERE id = $1', [[2], [1]], { rowMode: 'object' });
    expect(o.rows).toEqual([{ c: 'b' }, { c: 'a' }]);
    const ret = await s.executeMany("INSERT INTO t VALUES ($1, 5, 'lit') RETURNING id, c", [[7], [8]]);
    expect(ret.rows).toEqual([[7, 'lit'], [8, 'lit']]);
  });

  it('runs the sets in order: each sees what the sets before it wrote', async () => {
    await s.execute('INSERT INTO t VALUES (1, 1, $1)', ['a']);
    const r = await s.executeMany('UPDATE t SET k = k * $1 WHERE id = 1', [[2], [3], [5]]);
    expect(r.rowsAffected).toBe(3);
    expect((await s.execute('SELECT k FROM t')).rows).toEqual([[30]]);
    const ins = await s.executeMany('INSERT INTO t SELECT max(id) + 1, $1, $2 FROM t', [[0, 'x'], [0, 'y']]);
    expect(ins.rowsAffected).toBe(2);
    expect((await s.execute('SELECT id, c FROM t WHERE k = 0 ORDER BY id')).rows).toEqual([[2, 'x'], [3, 'y']]);
  });

  it('an empty batch does nothing', async () => {
    const r = await s.executeMany('DELETE FROM t WHERE id = $1', []);
    expect(r.rowsAffected).toBe(0);
    expect(r.rows).toEqual([]);
  });

  it('refuses what it cannot run as one batched statement', async () => {
    expect((await failure(s.executeMany('BEGIN', [[]]))).sqlState).toBe('0A000');
    expect((await failure(s.executeMany('CREATE TABLE x (a INTEGER)', [[]]))).sqlState).toBe('0A000');
    expect((await failure(s.executeMany('SELECT $1; SELECT $1', [[1]]))).sqlState).toBe('0A000');
    const wrongCount = await failure(s.executeMany('SELECT $1', [[1], [2], [3, 4]]));
    expect(wrongCount.sqlState).toBe('08P01');
    expect(wrongCount.message).toContain('parameter set 3');
    expect((await failure(s.executeMany('SELECT $1', [[1], 5] as never))).sqlState).toBe('22023');
    expect((await failure(s.executeMany('SELECT $1', 5 as never))).sqlState).toBe('22023');
    expect((await failure(s.executeMany('SELECT $1', [[{}]] as never))).sqlState).toBe('42804');
    const ps = await s.prepare('SELECT $1');
    ps.close();
    expect((await failure(ps.executeMany([[1]]))).sqlState).toBe('22023');
    // Nothing above ran.
    expect(await count()).toBe(0);
  });

  it('is cancelled by its AbortSignal, and nothing of it stays', async () => {
    const sets = Array.from({ length: 300_000 }, (_, i) => [i + 1, i, 'x']);
    const ac = new AbortController();
    const p = s.executeMany('INSERT INTO t VALUES ($1, $2, $3)', sets, { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    expect((await failure(p)).sqlState).toBe('57014');
    expect(await count()).toBe(0);
  });

  it('waits for a row lock, then runs once on what it may see', async () => {
    await s.executeMany('INSERT INTO t VALUES ($1, 0, $2)', [[1, 'a'], [2, 'b']]);
    const other = await db.connect();
    await other.execute('BEGIN');
    await other.execute('UPDATE t SET k = k + 100 WHERE id = 1');
    let settled = false;
    const p = s.executeMany('UPDATE t SET k = k + 1 WHERE id = $1', [[2], [1]]).finally(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    await other.execute('COMMIT');
    expect((await p).rowsAffected).toBe(2);
    expect((await s.execute('SELECT id, k FROM t ORDER BY id')).rows).toEqual([
      [1, 101],
      [2, 1],
    ]);
    await other.close();
  });
});
