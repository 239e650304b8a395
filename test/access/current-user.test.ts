// current_user / session_user / current_role name the role a statement runs as: in expressions,
// in a column's DEFAULT (evaluated for the inserting session), and never from another session's
// cached result.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import type { Session } from '../../src/api/session.js';

let db: Database;
let admin: Session;
let alice: Session;
beforeAll(async () => {
  db = await Database.open(':memory:');
  admin = await db.connect();
  await admin.execute('CREATE USER alice');
  await admin.execute('CREATE TABLE notes(id INTEGER PRIMARY KEY, who TEXT DEFAULT current_user)');
  await admin.execute('GRANT ALL ON notes TO alice');
  alice = await db.connect({ user: 'alice' });
});
afterAll(async () => {
  await db.close();
});

const rows = async (s: Session, sql: string): Promise<unknown[][]> => (await s.execute(sql, [], { rowMode: 'array' })).rows as unknown[][];

describe('current_user', () => {
  it('is the session user, written bare as PostgreSQL has it', async () => {
    expect(await rows(alice, 'SELECT current_user, session_user, current_role')).toEqual([['alice', 'alice', 'alice']]);
    const owner = (await rows(admin, 'SELECT current_user'))[0]?.[0];
    expect(owner).not.toBe('alice');
    expect(typeof owner).toBe('string');
  });

  it('is evaluated per session: the same text, prepared or not, answers each its own', async () => {
    for (let i = 0; i < 3; i++) {
      expect(await rows(admin, 'SELECT upper(current_user) AS u')).not.toEqual([['ALICE']]);
      expect(await rows(alice, 'SELECT upper(current_user) AS u')).toEqual([['ALICE']]);
    }
    const p = await alice.prepare('SELECT current_user = $1');
    expect((await p.execute(['alice'], { rowMode: 'array' })).rows).toEqual([[true]]);
  });

  it('fills a DEFAULT with the inserting user, and compares in WHERE', async () => {
    await alice.execute('INSERT INTO notes (id) VALUES (1)');
    await admin.execute('INSERT INTO notes (id) VALUES (2)');
    expect(await rows(alice, 'SELECT id FROM notes WHERE who = current_user')).toEqual([[1]]);
    expect(await rows(admin, "SELECT id FROM notes WHERE who <> 'alice'")).toEqual([[2]]);
  });

  it('stays a column name where one is written qualified or quoted', async () => {
    await admin.execute('CREATE TABLE odd("current_user" TEXT)');
    await admin.execute("INSERT INTO odd VALUES ('col')");
    expect(await rows(admin, 'SELECT "current_user", odd."current_user" FROM odd')).toEqual([['col', 'col']]);
  });
});
