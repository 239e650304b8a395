// Top-N over a whole table gives what a full sort gives whatever form the table's leaves are in
// (flat rows of one width, rows of two widths after ADD COLUMN, large rows kept by reference), on
// committed rows and on a transaction's own writes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import type { Session } from '../../src/api/session.js';

let db: Database;
let s: Session;

beforeEach(async () => {
  db = await Database.open(':memory:');
  s = await db.connect();
});

afterEach(async () => {
  await db.close();
});

async function same(sql: string, limit: number): Promise<void> {
  const all = (await s.execute(sql)).rows;
  const top = await s.execute(`${sql} LIMIT ${limit}`);
  expect(top.rows).toEqual(all.slice(0, limit));
}

describe('top-N over a whole table', () => {
  it('equals a full sort cut to the limit, over every leaf form', async () => {
    await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER, c TEXT)');
    const ins = await s.prepare('INSERT INTO t (id, k, c) VALUES ($1, $2, $3)');
    await ins.executeMany(Array.from({ length: 3000 }, (_, i) => [i + 1, (i * 7919) % 101, i % 17 === 0 ? null : `c${(i * 31) % 997}`]));
    for (const limit of [1, 10, 250]) {
      await same('SELECT * FROM t ORDER BY c', limit);
      await same('SELECT id, c FROM t ORDER BY k DESC, c NULLS FIRST', limit);
    }
    // Rows of another width from here on, and some too large to keep in a leaf.
    await s.execute('ALTER TABLE t ADD COLUMN d TEXT');
    await ins.executeMany(Array.from({ length: 500 }, (_, i) => [5000 + i, i % 50, `b${i}`]));
    await s.execute("UPDATE t SET d = repeat('x', 9000) || id::text, c = 'big' || id::text WHERE id % 97 = 0");
    for (const limit of [1, 10, 250]) {
      await same('SELECT * FROM t ORDER BY c DESC', limit);
      await same('SELECT id, d FROM t ORDER BY d, id', limit);
    }
    // A transaction's own rows, uncommitted.
    await s.execute('BEGIN');
    await s.execute("INSERT INTO t (id, k, c) VALUES (9001, -5, 'aaa'), (9002, 500, NULL)");
    await s.execute('DELETE FROM t WHERE id BETWEEN 10 AND 400');
    await same('SELECT * FROM t ORDER BY c', 25);
    await same('SELECT * FROM t ORDER BY k DESC', 25);
    await s.execute('ROLLBACK');
    const top = await s.execute('SELECT id FROM t ORDER BY k DESC, id LIMIT 3');
    expect(top.rows.length).toBe(3);
    expect((await s.execute('EXPLAIN SELECT * FROM t ORDER BY c LIMIT 3')).rows.flat().join('\n')).toContain('Top-N Sort');
  });
});
