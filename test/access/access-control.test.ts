// Access control end to end: roles and users, membership, owners, GRANT / REVOKE to users, roles
// and PUBLIC, checks before anything runs (42501), login (28000), and the ACL kept in the catalog
// (transactional, durable across reopen).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import type { Session } from '../../src/api/session.js';
import { failure } from '../support/failure.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('privileges', () => {
  let db: Database;
  let owner: Session;
  beforeEach(async () => {
    db = await Database.open(':memory:');
    owner = await db.connect();
    await owner.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    await owner.execute("INSERT INTO t VALUES (1, 'a'), (2, 'b')");
    await owner.execute('CREATE TABLE u (id INTEGER PRIMARY KEY)');
    await owner.execute('CREATE USER alice');
    await owner.execute('CREATE USER bob');
  });
  afterEach(async () => {
    await db.close();
  });

  it('connect of an unknown role is 28000; a role without LOGIN may not log in', async () => {
    const e = await failure(db.connect({ user: 'mallory' }));
    expect(e.sqlState).toBe('28000');
    expect(e.message).toBe('role "mallory" does not exist');
    await owner.execute('CREATE ROLE staff');
    expect((await failure(db.connect({ user: 'staff' }))).sqlState).toBe('28000');
    const a = await db.connect({ user: 'alice' });
    expect(a.user).toBe('alice');
  });

  it('a user without grants can neither read nor write; the error names the table', async () => {
    const a = await db.connect({ user: 'alice' });
    const e = await failure(a.execute('SELECT * FROM t'));
    expect(e.sqlState).toBe('42501');
    expect(e.message).toBe('permission denied for table t');
    expect((await failure(a.execute("INSERT INTO t VALUES (3, 'c')"))).sqlState).toBe('42501');
    expect((await failure(a.execute('DELETE FROM t'))).sqlState).toBe('42501');
    expect((await failure(a.execute('DROP TABLE t'))).sqlState).toBe('42501');
    // nothing ran
    expect((await owner.execute('SELECT count(*) FROM t')).rows).toEqual([[2]]);
  });

  it('GRANT SELECT lets a user read; REVOKE takes it back', async () => {
    const a = await db.connect({ user: 'alice' });
    await owner.execute('GRANT SELECT ON t TO alice');
    expect((await a.execute('SELECT v FROM t ORDER BY id')).rows).toEqual([['a'], ['b']]);
    expect((await failure(a.execute("UPDATE t SET v = 'x'"))).sqlState).toBe('42501');
    // a join needs SELECT on every table
    expect((await failure(a.execute('SELECT * FROM t JOIN u ON t.id = u.id'))).sqlState).toBe('42501');
    await owner.execute('REVOKE SELECT ON t FROM alice');
    expect((await failure(a.execute('SELECT * FROM t'))).sqlState).toBe('42501');
  });

  it('INSERT without SELECT: an insert works, INSERT ... SELECT from an unreadable table does not', async () => {
    const a = await db.connect({ user: 'alice' });
    await owner.execute('GRANT INSERT ON u TO alice');
    await a.execute('INSERT INTO u VALUES (10)');
    expect((await failure(a.execute('INSERT INTO u SELECT id + 100 FROM t'))).sqlState).toBe('42501');
    // UPDATE / DELETE with a WHERE read the table: they need SELECT too (as in PostgreSQL)
    await owner.execute('GRANT DELETE ON u TO alice');
    await a.execute('DELETE FROM u');
    expect((await failure(a.execute('DELETE FROM u WHERE id = 10'))).sqlState).toBe('42501');
    expect((await owner.execute('SELECT count(*) FROM u')).rows).toEqual([[0]]);
  });

  it('grants to PUBLIC reach every user; grants to a role reach its members, transitively', async () => {
    const a = await db.connect({ user: 'alice' });
    const b = await db.connect({ user: 'bob' });
    await owner.execute('GRANT SELECT ON u TO PUBLIC');
    await a.execute('SELECT * FROM u');
    await b.execute('SELECT * FROM u');
    await owner.execute('CREATE ROLE readers');
    await owner.execute('CREATE ROLE staff IN ROLE readers');
    await owner.execute('GRANT SELECT ON t TO readers');
    expect((await failure(b.execute('SELECT * FROM t'))).sqlState).toBe('42501');
    await owner.execute('GRANT staff TO bob');
    expect((await b.execute('SELECT count(*) FROM t')).rows).toEqual([[2]]);
    expect((await failure(a.execute('SELECT * FROM t'))).sqlState).toBe('42501');
    await owner.execute('REVOKE staff FROM bob');
    expect((await failure(b.execute('SELECT * FROM t'))).sqlState).toBe('42501');
  });

  it('CREATE USER ... IN ROLE makes the user a member at once', async () => {
    await owner.execute('CREATE ROLE writers');
    await owner.execute('GRANT INSERT, SELECT ON u TO writers');
    await owner.execute('CREATE USER carol IN ROLE writers');
    const c = await db.connect({ user: 'carol' });
    await c.execute('INSERT INTO u VALUES (5)');
    expect((await c.execute('SELECT id FROM u')).rows).toEqual([[5]]);
  });

  it('ALL grants the four table privileges', async () => {
    const a = await db.connect({ user: 'alice' });
    await owner.execute('GRANT ALL PRIVILEGES ON TABLE t TO alice');
    await a.execute("INSERT INTO t VALUES (3, 'c')");
    await a.execute("UPDATE t SET v = 'z' WHERE id = 3");
    await a.execute('DELETE FROM t WHERE id = 1');
    expect((await a.execute('SELECT id, v FROM t ORDER BY id')).rows).toEqual([
      [2, 'b'],
      [3, 'z'],
    ]);
    await owner.execute('REVOKE ALL ON t FROM alice');
    expect((await failure(a.execute('SELECT 1 FROM t'))).sqlState).toBe('42501');
  });

  it('CREATE TABLE needs CREATE on the schema; the creator owns the table and may grant on it', async () => {
    const a = await db.connect({ user: 'alice' });
    const b = await db.connect({ user: 'bob' });
    const e = await failure(a.execute('CREATE TABLE mine (x INTEGER)'));
    expect(e.sqlState).toBe('42501');
    await owner.execute('GRANT CREATE ON SCHEMA public TO alice');
    await a.execute('CREATE TABLE mine (x INTEGER)');
    await a.execute('INSERT INTO mine VALUES (1)');
    expect((await failure(b.execute('SELECT * FROM mine'))).sqlState).toBe('42501');
    // bob may not grant on alice's table; alice may
    expect((await failure(b.execute('GRANT SELECT ON mine TO bob'))).sqlState).toBe('42501');
    await a.execute('GRANT SELECT ON mine TO bob');
    expect((await b.execute('SELECT x FROM mine')).rows).toEqual([[1]]);
    // only the owner drops it; the owner of the database can too
    expect((await failure(b.execute('DROP TABLE mine'))).sqlState).toBe('42501');
    // a role that owns objects cannot be dropped
    const d = await failure(owner.execute('DROP USER alice'));
    expect(d.sqlState).toBe('2BP01');
    await a.execute('DROP TABLE mine');
    await a.close();
    await owner.execute('DROP USER alice');
    expect((await failure(db.connect({ user: 'alice' }))).sqlState).toBe('28000');
  });

  it('views take grants like tables; creating one needs SELECT on what it reads', async () => {
    const a = await db.connect({ user: 'alice' });
    await owner.execute('CREATE VIEW ids AS SELECT id FROM t');
    expect((await failure(a.execute('SELECT * FROM ids'))).sqlState).toBe('42501');
    await owner.execute('GRANT SELECT ON ids TO alice');
    expect((await a.execute('SELECT id FROM ids ORDER BY id')).rows).toEqual([[1], [2]]);
    // the view does not open the table itself
    expect((await failure(a.execute('SELECT * FROM t'))).sqlState).toBe('42501');
    await owner.execute('GRANT CREATE ON SCHEMA public TO alice');
    expect((await failure(a.execute('CREATE VIEW leak AS SELECT v FROM t'))).sqlState).toBe('42501');
  });

  it('temporary tables need no CREATE privilege and belong to their creator', async () => {
    const a = await db.connect({ user: 'alice' });
    await a.execute('CREATE TEMP TABLE mine (x INTEGER)');
    await a.execute('INSERT INTO mine VALUES (1)');
    expect((await a.execute('SELECT x FROM mine')).rows).toEqual([[1]]);
    // reading a permanent table into one still needs SELECT on it
    expect((await failure(a.execute('CREATE TEMP TABLE copy AS SELECT * FROM t'))).sqlState).toBe('42501');
  });

  it('ON ALL TABLES IN SCHEMA covers every table; dropping a role drops its grants and memberships', async () => {
    const a = await db.connect({ user: 'alice' });
    await owner.execute('CREATE ROLE everything');
    await owner.execute('GRANT SELECT ON ALL TABLES IN SCHEMA public TO everything');
    await owner.execute('GRANT everything TO alice');
    await a.execute('SELECT * FROM t JOIN u ON t.id = u.id');
    await owner.execute('DROP ROLE everything');
    expect((await failure(a.execute('SELECT * FROM u'))).sqlState).toBe('42501');
    // a new role of the same name starts without the old one's grants or members
    await owner.execute('CREATE ROLE everything');
    await owner.execute('GRANT everything TO bob');
    const b = await db.connect({ user: 'bob' });
    expect((await failure(b.execute('SELECT * FROM t'))).sqlState).toBe('42501');
    expect((await failure(a.execute('SELECT * FROM t'))).sqlState).toBe('42501');
  });

  it('SET ROLE checks privileges as that role; only its members (or superusers) may take it', async () => {
    await owner.execute('CREATE ROLE readers');
    await owner.execute('GRANT SELECT ON t TO readers');
    await owner.execute('GRANT readers TO alice');
    await owner.execute('GRANT SELECT ON u TO alice');
    const a = await db.connect({ user: 'alice' });
    await a.execute('SET ROLE readers');
    expect((await a.execute('SHOW role')).rows).toEqual([['readers']]);
    await a.execute('SELECT * FROM t');
    // alice's own grants do not apply while she acts as readers
    expect((await failure(a.execute('SELECT * FROM u'))).sqlState).toBe('42501');
    await a.execute('RESET ROLE');
    await a.execute('SELECT * FROM u');
    const b = await db.connect({ user: 'bob' });
    expect((await failure(b.execute('SET ROLE readers'))).sqlState).toBe('42501');
    expect((await failure(b.execute('SET ROLE nobody'))).sqlState).toBe('42704');
    // a superuser can drop its privileges, within one script too
    expect((await failure(owner.execute('SET ROLE bob; SELECT * FROM t'))).sqlState).toBe('42501');
    await owner.execute('SET ROLE NONE');
    // tables created under SET ROLE belong to that role
    await owner.execute('GRANT CREATE ON SCHEMA public TO bob');
    await owner.execute('SET ROLE bob; CREATE TABLE bobs (x INTEGER); RESET ROLE');
    await b.execute('INSERT INTO bobs VALUES (1)');
    await b.execute('DROP TABLE bobs');
  });

  it('only roles with CREATEROLE (or superusers) manage roles', async () => {
    const a = await db.connect({ user: 'alice' });
    expect((await failure(a.execute('CREATE USER eve'))).sqlState).toBe('42501');
    expect((await failure(a.execute('GRANT SELECT ON t TO alice'))).sqlState).toBe('42501');
    await owner.execute('CREATE USER admin WITH CREATEROLE');
    const m = await db.connect({ user: 'admin' });
    await m.execute('CREATE USER eve');
    await db.connect({ user: 'eve' });
    await owner.execute('CREATE USER root WITH SUPERUSER');
    const r = await db.connect({ user: 'root' });
    expect((await r.execute('SELECT count(*) FROM t')).rows).toEqual([[2]]);
  });

  it('DDL and DCL errors carry PostgreSQL codes', async () => {
    expect((await failure(owner.execute('CREATE USER alice'))).sqlState).toBe('42710');
    expect((await failure(owner.execute('GRANT SELECT ON t TO nobody'))).sqlState).toBe('42704');
    expect((await failure(owner.execute('GRANT SELECT ON nosuch TO alice'))).sqlState).toBe('42P01');
    expect((await failure(owner.execute('DROP ROLE nobody'))).sqlState).toBe('42704');
    await owner.execute('DROP ROLE IF EXISTS nobody');
    await owner.execute('CREATE ROLE r1');
    await owner.execute('CREATE ROLE r2 IN ROLE r1');
    expect((await failure(owner.execute('GRANT r2 TO r1'))).sqlState).toBe('0LP01');
    expect((await failure(owner.execute('GRANT SELECT (v) ON t TO alice'))).sqlState).toBe('0A000');
  });

  it('a GRANT inside a rolled-back transaction never takes effect', async () => {
    const a = await db.connect({ user: 'alice' });
    await owner.execute('BEGIN');
    await owner.execute('GRANT SELECT ON t TO alice');
    // not committed: alice still cannot read
    expect((await failure(a.execute('SELECT * FROM t'))).sqlState).toBe('42501');
    await owner.execute('ROLLBACK');
    expect((await failure(a.execute('SELECT * FROM t'))).sqlState).toBe('42501');
    await owner.execute('BEGIN');
    await owner.execute('GRANT SELECT ON t TO alice');
    await owner.execute('COMMIT');
    await a.execute('SELECT * FROM t');
  });

  it('a GRANT among row changes takes effect at commit; one rolled back to a savepoint does not', async () => {
    const a = await db.connect({ user: 'alice' });
    await owner.execute('BEGIN');
    await owner.execute('SAVEPOINT s');
    await owner.execute('GRANT SELECT ON u TO alice');
    await owner.execute('ROLLBACK TO SAVEPOINT s');
    await owner.execute('GRANT SELECT ON t TO alice');
    for (let i = 3; i < 40; i++) await owner.execute('INSERT INTO t VALUES ($1, $2)', [i, `v${i}`]);
    await owner.execute('COMMIT');
    expect((await a.execute('SELECT count(*) FROM t')).rows).toEqual([[39]]);
    expect((await failure(a.execute('SELECT * FROM u'))).sqlState).toBe('42501');
  });

  it('EXPLAIN and PREPARE are checked as their statement; EXECUTE again when it runs', async () => {
    const a = await db.connect({ user: 'alice' });
    expect((await failure(a.execute('EXPLAIN SELECT * FROM t'))).sqlState).toBe('42501');
    expect((await failure(a.execute('PREPARE p AS SELECT * FROM t'))).sqlState).toBe('42501');
    await owner.execute('GRANT SELECT ON t TO alice');
    await a.execute('PREPARE p AS SELECT v FROM t WHERE id = $1');
    expect((await a.execute('EXECUTE p (2)')).rows).toEqual([['b']]);
    await owner.execute('REVOKE SELECT ON t FROM alice');
    expect((await failure(a.execute('EXECUTE p (2)'))).sqlState).toBe('42501');
  });

  it('a prepared statement (session.prepare) is checked at each execution', async () => {
    const a = await db.connect({ user: 'alice' });
    await owner.execute('GRANT SELECT ON t TO alice');
    const p = await a.prepare('SELECT v FROM t WHERE id = $1');
    expect((await p.execute([1])).rows).toEqual([['a']]);
    await owner.execute('REVOKE SELECT ON t FROM alice');
    expect((await failure(p.execute([1]))).sqlState).toBe('42501');
  });

  it('a prepared statement admitted before is checked again as the role SET ROLE takes', async () => {
    await owner.execute('CREATE ROLE nothing');
    await owner.execute('GRANT nothing TO alice');
    await owner.execute('GRANT SELECT ON t TO alice');
    const a = await db.connect({ user: 'alice' });
    const p = await a.prepare('SELECT v FROM t WHERE id = $1');
    expect((await p.execute([1])).rows).toEqual([['a']]);
    expect((await p.execute([1])).rows).toEqual([['a']]);
    await a.execute('SET ROLE nothing');
    expect((await failure(p.execute([1]))).sqlState).toBe('42501');
    await a.execute('RESET ROLE');
    expect((await p.execute([1])).rows).toEqual([['a']]);
  });
});

describe('the ACL in the catalog', () => {
  it('survives close and reopen', async () => {
    const d = mkdtempSync(join(tmpdir(), 'dispatchdb-acl-'));
    dirs.push(d);
    const path = join(d, 'acl.db');
    let db = await Database.open(path, { durable: false });
    let s = await db.connect();
    await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    await s.execute('CREATE ROLE readers');
    await s.execute('CREATE USER alice IN ROLE readers');
    await s.execute('GRANT SELECT ON t TO readers');
    await s.execute('GRANT CREATE ON DATABASE main TO alice');
    const a1 = await db.connect({ user: 'alice' });
    await a1.execute('CREATE TABLE hers (x INTEGER)');
    await db.close();

    db = await Database.open(path, { durable: false });
    const a = await db.connect({ user: 'alice' });
    await a.execute('SELECT * FROM t');
    expect((await failure(a.execute('INSERT INTO t VALUES (1)'))).sqlState).toBe('42501');
    await a.execute('INSERT INTO hers VALUES (1)');
    s = await db.connect();
    await s.execute('CREATE USER bob');
    const b = await db.connect({ user: 'bob' });
    expect((await failure(b.execute('SELECT * FROM hers'))).sqlState).toBe('42501');
    await db.close();
  });
});
