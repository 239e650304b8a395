// SERIAL columns number the rows that omit them, as PostgreSQL's sequences do: outside
// transactions (a rolled-back insert leaves a gap, concurrent sessions never get one value twice),
// and after a reopen past the largest value the column holds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function file(): string {
  const d = mkdtempSync(join(tmpdir(), 'dispatchdb-serial-'));
  dirs.push(d);
  return join(d, 'serial.db');
}

describe('SERIAL columns', () => {
  it('number omitted values, skip what a rollback took, and go on past the largest after a reopen', async () => {
    const path = file();
    let db = await Database.open(path);
    let s = await db.connect();
    await s.execute('CREATE TABLE p(id SERIAL PRIMARY KEY, name TEXT NOT NULL, n BIGSERIAL)');
    const a = await s.execute("INSERT INTO p(name) VALUES ('a'), ('b') RETURNING id, n", [], { rowMode: 'array' });
    expect(a.rows).toEqual([
      [1, 1],
      [2, 2],
    ]);
    await s.execute('BEGIN');
    await s.execute("INSERT INTO p(name) VALUES ('rolled back')");
    await s.execute('ROLLBACK');
    const c = await s.execute("INSERT INTO p VALUES (DEFAULT, 'c', DEFAULT) RETURNING id", [], { rowMode: 'array' });
    expect(c.rows).toEqual([[4]]);
    // An explicit NULL is not an omission: SERIAL implies NOT NULL.
    await expect(s.execute("INSERT INTO p(id, name) VALUES (NULL, 'x')")).rejects.toMatchObject({ sqlState: '23502' });
    await s.execute("INSERT INTO p(id, name) VALUES (40, 'explicit')");
    await db.close();

    db = await Database.open(path);
    s = await db.connect();
    const d = await s.execute("INSERT INTO p(name) VALUES ('d') RETURNING id", [], { rowMode: 'array' });
    expect(d.rows).toEqual([[41]]);
    await db.close();
  });

  it('never gives two concurrent sessions the same value', async () => {
    const db = await Database.open(file());
    const s0 = await db.connect();
    await s0.execute('CREATE TABLE e(id SERIAL PRIMARY KEY, who INTEGER)');
    const sessions = await Promise.all([1, 2, 3, 4].map(() => db.connect()));
    // Interleaved autocommit inserts and open transactions: every one commits, no key conflict.
    await Promise.all(
      sessions.map(async (s, w) => {
        for (let i = 0; i < 25; i++) {
          if (i % 5 === 0) {
            await s.execute('BEGIN');
            await s.execute(`INSERT INTO e(who) VALUES (${w}), (${w})`);
            await s.execute('COMMIT');
          } else await s.execute(`INSERT INTO e(who) VALUES (${w})`);
        }
      }),
    );
    const r = await s0.execute('SELECT count(*), count(DISTINCT id), min(id), max(id) FROM e', [], { rowMode: 'array' });
    expect(r.rows).toEqual([[120, 120, 1, 120]]);
    // Two open transactions, neither seeing the other's row, still get different values.
    const [x, y] = sessions;
    await x!.execute('BEGIN');
    await y!.execute('BEGIN');
    const vx = await x!.execute('INSERT INTO e(who) VALUES (7) RETURNING id', [], { rowMode: 'array' });
    const vy = await y!.execute('INSERT INTO e(who) VALUES (8) RETURNING id', [], { rowMode: 'array' });
    await x!.execute('COMMIT');
    await y!.execute('COMMIT');
    expect([vx.rows, vy.rows]).toEqual([[[121]], [[122]]]);
    await db.close();
  });
});
