// Session management: limits on open sessions (53300), the idle timeout (closes the session and
// rolls back its open work), SQL-level prepared statements, and temporary tables.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import type { Session } from '../../src/api/session.js';
import { failure } from '../support/failure.js';

/** Waits (by polling, no timing assertion) until the condition holds. */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

describe('session limits', () => {
  it('maxSessions and maxSessionsPerUser answer 53300; closing frees a slot', async () => {
    const db = await Database.open(':memory:', { maxSessions: 4, maxSessionsPerUser: 2 });
    try {
      const o = await db.connect();
      await o.execute('CREATE USER alice');
      const a1 = await db.connect({ user: 'alice' });
      await db.connect({ user: 'alice' });
      const e = await failure(db.connect({ user: 'alice' }));
      expect(e.sqlState).toBe('53300');
      expect(e.message).toBe('too many connections for role "alice"');
      expect(db.sessionCount('alice')).toBe(2);
      await db.connect();
      const all = await failure(db.connect());
      expect(all.sqlState).toBe('53300');
      expect(all.message).toBe('sorry, too many clients already');
      await a1.close();
      expect(db.sessionCount()).toBe(3);
      await db.connect({ user: 'alice' });
    } finally {
      await db.close();
    }
  });
});

describe('CONNECTION LIMIT', () => {
  it("limits a role's open sessions", async () => {
    const db = await Database.open(':memory:');
    try {
      const o = await db.connect();
      await o.execute('CREATE USER carol WITH CONNECTION LIMIT 1');
      const c = await db.connect({ user: 'carol' });
      expect((await failure(db.connect({ user: 'carol' }))).sqlState).toBe('53300');
      await c.close();
      await db.connect({ user: 'carol' });
    } finally {
      await db.close();
    }
  });
});

describe('idle timeout', () => {
  it('closes a session idle past idleSessionTimeoutMs and rolls back its open transaction', async () => {
    const db = await Database.open(':memory:', { idleSessionTimeoutMs: 30 });
    try {
      const s = await db.connect();
      await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY)');
      await s.execute('BEGIN');
      await s.execute('INSERT INTO t VALUES (1)');
      await until(() => s.closed);
      const e = await failure(s.execute('SELECT 1'));
      expect(e.sqlState).toBe('57P05');
      expect(e.message).toBe('terminating connection due to idle-session timeout');
      const other = await db.connect();
      expect((await other.execute('SELECT count(*) FROM t')).rows).toEqual([[0]]);
    } finally {
      await db.close();
    }
  });

  it('SET idle_session_timeout sets it for one session only', async () => {
    const db = await Database.open(':memory:');
    try {
      const a = await db.connect();
      const b = await db.connect();
      await a.execute("SET idle_session_timeout = '20ms'");
      await until(() => a.closed);
      expect(b.closed).toBe(false);
      expect((await b.execute('SELECT 1')).rows).toEqual([[1]]);
    } finally {
      await db.close();
    }
  });
});

describe('PREPARE / EXECUTE / DEALLOCATE', () => {
  let db: Database;
  let s: Session;
  beforeEach(async () => {
    db = await Database.open(':memory:');
    s = await db.connect();
    await s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')");
  });
  afterEach(async () => {
    await db.close();
  });

  it('runs the stored statement with the arguments as parameters', async () => {
    await s.execute('PREPARE byid (integer) AS SELECT v FROM t WHERE id = $1');
    expect((await s.execute('EXECUTE byid (2)')).rows).toEqual([['b']]);
    expect((await s.execute('EXECUTE byid (3)')).rows).toEqual([['c']]);
    // a text argument takes the declared type
    expect((await s.execute("EXECUTE byid ('1')")).rows).toEqual([['a']]);
    // the arguments may be the caller's own parameters
    expect((await s.execute('EXECUTE byid ($1)', [1])).rows).toEqual([['a']]);
  });

  it('data changes, literals of the stored statement, and transactions', async () => {
    await s.execute("PREPARE ins AS INSERT INTO t VALUES ($1, 'x' || $2)");
    await s.execute('BEGIN');
    const r = await s.execute("EXECUTE ins (10, 'y')");
    expect(r.rowsAffected).toBe(1);
    await s.execute('ROLLBACK');
    await s.execute("EXECUTE ins (11, 'z')");
    expect((await s.execute('SELECT id, v FROM t WHERE id >= 10')).rows).toEqual([[11, 'xz']]);
  });

  it('errors: duplicate name, unknown name, wrong argument count; DEALLOCATE ALL', async () => {
    await s.execute('PREPARE q AS SELECT count(*) FROM t');
    expect((await failure(s.execute('PREPARE q AS SELECT 1'))).sqlState).toBe('42P05');
    expect((await failure(s.execute('EXECUTE q (1)'))).sqlState).toBe('42601');
    expect((await s.execute('EXECUTE q')).rows).toEqual([[3]]);
    await s.execute('DEALLOCATE PREPARE q');
    expect((await failure(s.execute('EXECUTE q'))).sqlState).toBe('26000');
    expect((await failure(s.execute('DEALLOCATE q'))).sqlState).toBe('26000');
    await s.execute('PREPARE a AS SELECT 1; PREPARE b AS SELECT 2');
    await s.execute('DEALLOCATE ALL');
    expect((await failure(s.execute('EXECUTE a'))).sqlState).toBe('26000');
  });

  it('names belong to their session', async () => {
    await s.execute('PREPARE mine AS SELECT 1');
    const other = await db.connect();
    expect((await failure(other.execute('EXECUTE mine'))).sqlState).toBe('26000');
    await other.execute('PREPARE mine AS SELECT 2');
    expect((await other.execute('EXECUTE mine')).rows).toEqual([[2]]);
    expect((await s.execute('EXECUTE mine')).rows).toEqual([[1]]);
  });
});

describe('temporary tables', () => {
  let db: Database;
  beforeEach(async () => {
    db = await Database.open(':memory:');
  });
  afterEach(async () => {
    await db.close();
  });

  it('are seen only by their session, hidden from tables(), dropped when it closes', async () => {
    const a = await db.connect();
    const b = await db.connect();
    await a.execute('CREATE TEMP TABLE scratch (x INTEGER)');
    await a.execute('INSERT INTO scratch VALUES (1), (2)');
    expect((await a.execute('SELECT sum(x) FROM scratch')).rows).toEqual([[3]]);
    expect((await failure(b.execute('SELECT * FROM scratch'))).sqlState).toBe('42P01');
    // the other session may have a temporary table of the same name
    await b.execute('CREATE TEMPORARY TABLE scratch (y TEXT)');
    await b.execute("INSERT INTO scratch VALUES ('b')");
    expect((await b.execute('SELECT y FROM scratch')).rows).toEqual([['b']]);
    expect((await a.execute('SELECT count(*) FROM scratch')).rows).toEqual([[2]]);
    expect(db.tables().map((t) => t.name)).toEqual([]);
    // the mangled name of another session's table is not reachable either
    const snap = db.system.storage.snapshot();
    const names = snap.tables().map((t) => t.name);
    snap.release();
    expect(names.length).toBe(2);
    const foreign = names.find((n) => !n.includes(`_${b.id}_`)) as string;
    expect((await failure(b.execute(`SELECT * FROM ${foreign}`))).sqlState).toBe('42P01');
    await a.close();
    const after = db.system.storage.snapshot();
    expect(after.tables().length).toBe(1);
    after.release();
  });

  it('a rolled-back CREATE TEMP TABLE leaves no name behind', async () => {
    const a = await db.connect();
    await a.execute("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('permanent')");
    await a.execute('BEGIN');
    await a.execute("CREATE TEMP TABLE t (v TEXT); INSERT INTO t VALUES ('temp')");
    expect((await a.execute('SELECT v FROM t')).rows).toEqual([['temp']]);
    await a.execute('ROLLBACK');
    expect((await a.execute('SELECT v FROM t')).rows).toEqual([['permanent']]);
    await a.execute('BEGIN');
    await a.execute('CREATE TEMP TABLE gone (x INTEGER)');
    await a.execute('ROLLBACK');
    const e = await failure(a.execute('SELECT * FROM gone'));
    expect(e.message).toBe('relation "gone" does not exist');
  });

  it('a prepared statement reads a temporary table created after it ran, and the permanent one once it is dropped', async () => {
    const a = await db.connect();
    await a.execute("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('permanent')");
    const p = await a.prepare('SELECT v FROM t');
    expect((await p.execute()).rows).toEqual([['permanent']]);
    expect((await p.execute()).rows).toEqual([['permanent']]);
    await a.execute("CREATE TEMP TABLE t (v TEXT); INSERT INTO t VALUES ('temp')");
    expect((await p.execute()).rows).toEqual([['temp']]);
    await a.execute('DROP TABLE t');
    expect((await p.execute()).rows).toEqual([['permanent']]);
  });

  it('indexes on temporary tables do not collide across sessions', async () => {
    const a = await db.connect();
    const b = await db.connect();
    for (const s of [a, b]) {
      await s.execute('CREATE TEMP TABLE tt (x INTEGER)');
      await s.execute('CREATE INDEX tt_x ON tt (x)');
      await s.execute('INSERT INTO tt VALUES (1), (2)');
      expect((await s.execute('SELECT x FROM tt WHERE x = 2')).rows).toEqual([[2]]);
    }
    await a.execute('DROP INDEX tt_x');
    await b.execute('DROP INDEX tt_x');
    expect((await failure(a.execute('DROP INDEX tt_x'))).sqlState).toBe('42704');
  });

  it('shadows a permanent table of the same name for its session only', async () => {
    const a = await db.connect();
    const b = await db.connect();
    await a.execute("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('permanent')");
    await a.execute("CREATE TEMP TABLE t (v TEXT); INSERT INTO t VALUES ('temp')");
    expect((await a.execute('SELECT v FROM t')).rows).toEqual([['temp']]);
    expect((await b.execute('SELECT v FROM t')).rows).toEqual([['permanent']]);
    await a.execute('DROP TABLE t');
    expect((await a.execute('SELECT v FROM t')).rows).toEqual([['permanent']]);
  });

  it('are dropped with the session even inside an open transaction, and after a reopen', async () => {
    const a = await db.connect();
    await a.execute('CREATE TEMP TABLE tt (x INTEGER)');
    await a.execute('BEGIN');
    await a.execute('INSERT INTO tt VALUES (1)');
    await a.close();
    const snap = db.system.storage.snapshot();
    expect(snap.tables().length).toBe(0);
    snap.release();
  });
});
