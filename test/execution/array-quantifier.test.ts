// `x op ANY (ARRAY[...])` / `x op ALL (ARRAY[...])` answer as PostgreSQL does, NULLs included, and
// `= ANY` probes an index as IN does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDb } from './harness.js';

let db: TestDb;
beforeAll(async () => {
  db = await TestDb.open();
  await db.run('CREATE TABLE a(id INTEGER PRIMARY KEY, v INTEGER)');
  await db.run('INSERT INTO a VALUES (1, 10), (2, 20), (3, 30), (4, NULL)');
});
afterAll(async () => {
  await db.close();
});

const ids = async (where: string, params: unknown[] = []): Promise<unknown[]> =>
  (await db.run(`SELECT id FROM a WHERE ${where} ORDER BY id`, params as never)).rows.map((r) => r[0]);

describe('ANY / ALL over an array literal', () => {
  it('= ANY is membership, <> ALL its negation, each with NULL as IN and NOT IN have it', async () => {
    expect(await ids('id = ANY (ARRAY[1, 3, 9])')).toEqual([1, 3]);
    expect(await ids('v = SOME (ARRAY[20, NULL])')).toEqual([2]);
    expect(await ids('id <> ALL (ARRAY[1, 3])')).toEqual([2, 4]);
    // A NULL element leaves no row for which <> ALL is true (it is NULL or false).
    expect(await ids('id <> ALL (ARRAY[1, NULL])')).toEqual([]);
    expect(await ids('NOT (v = ANY (ARRAY[10, 30]))')).toEqual([2]);
  });

  it('other comparisons are the OR (ANY) or AND (ALL) of each element', async () => {
    expect(await ids('v > ANY (ARRAY[15, 25])')).toEqual([2, 3]);
    expect(await ids('v > ALL (ARRAY[15, 25])')).toEqual([3]);
    expect(await ids('v <= ALL (ARRAY[20, NULL])')).toEqual([]);
    expect(await ids('(v <= ALL (ARRAY[20, NULL])) IS NULL')).toEqual([1, 2, 4]);
    expect(await ids('v < ANY (ARRAY[$1, $2])', [15, 5])).toEqual([1]);
  });

  it('an empty array makes ANY false and ALL true', async () => {
    const r = await db.run('SELECT 1 = ANY (ARRAY[]), 1 = ALL (ARRAY[])');
    expect(r.rows).toEqual([[false, true]]);
  });

  it('= ANY probes the primary key as IN does', async () => {
    const r = await db.run('SELECT v FROM a WHERE id = ANY (ARRAY[2, 4])');
    expect(r.rows).toEqual([[20], [null]]);
    expect(r.counters.rowsExamined).toBe(2);
    expect(r.compiled.explain().join('\n')).toContain('Primary Key Lookup');
  });
});
