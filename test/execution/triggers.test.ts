// Row triggers through the public API: CREATE / DROP TRIGGER in the catalog (errors, IF [NOT]
// EXISTS, gone with their table, kept across reopen) and firing in INSERT / UPDATE / DELETE
// (BEFORE / AFTER, NEW / OLD, WHEN, UPDATE OF, in the firing statement's transaction, depth limit).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database, DispatcherError } from '../../src/index.js';
import type { Session } from '../../src/index.js';
import { createTableText } from '../../src/cli/schema-text.js';
import { scanStatements } from '../../src/cli/statement-splitter.js';
import { TestDb } from './harness.js';

let db: Database;
let s: Session;
beforeEach(async () => {
  db = await Database.open(':memory:');
  s = await db.connect();
  await s.execute('CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)');
  await s.execute('CREATE TABLE log(ev TEXT, a INTEGER, b TEXT, old_b TEXT)');
});
afterEach(async () => {
  await db.close();
});

async function rows(sql: string): Promise<unknown[][]> {
  return (await s.execute(sql)).rows as unknown[][];
}

async function state(sql: string): Promise<string> {
  try {
    await s.execute(sql);
    return 'ok';
  } catch (e) {
    if (e instanceof DispatcherError) return e.sqlState;
    throw e;
  }
}

describe('CREATE TRIGGER / DROP TRIGGER', () => {
  it('keeps definitions in the catalog: duplicate 42710, unknown table 42P01, unknown trigger 42704', async () => {
    await s.execute('CREATE TRIGGER t1r1 UPDATE ON t BEGIN SELECT 1; END;');
    expect(await state('CREATE TRIGGER t1r1 UPDATE ON t BEGIN SELECT 1; END;')).toBe('42710');
    expect(await state('CREATE TRIGGER IF NOT EXISTS t1r1 INSERT ON t BEGIN SELECT 1; END')).toBe('ok');
    expect(await state('CREATE TRIGGER tx AFTER INSERT ON nope BEGIN SELECT 1; END')).toBe('42P01');
    await s.execute('DROP TRIGGER t1r1');
    expect(await state('DROP TRIGGER t1r1')).toBe('42704');
    expect(await state('DROP TRIGGER IF EXISTS t1r1')).toBe('ok');
    expect(await state('DROP TRIGGER never_was')).toBe('42704');
  });

  it('accepts every timing and event form, FOR EACH ROW, WHEN, and PostgreSQL multi-event / ON table forms', async () => {
    for (const [i, form] of [
      'AFTER DELETE',
      'AFTER INSERT',
      'AFTER UPDATE',
      'BEFORE DELETE',
      'BEFORE INSERT',
      'BEFORE UPDATE OF b',
      'INSERT',
      'AFTER INSERT OR UPDATE',
    ].entries()) {
      await s.execute(`CREATE TRIGGER tr${i} ${form} ON t FOR EACH ROW WHEN 1 = 1 BEGIN SELECT 1; END`);
    }
    await s.execute('DROP TRIGGER tr7 ON t');
    expect(await state('DROP TRIGGER tr6 ON log')).toBe('42704');
    expect(await state('CREATE TRIGGER st AFTER INSERT ON t FOR EACH STATEMENT BEGIN SELECT 1; END')).toBe('0A000');
    expect(await state('CREATE TRIGGER nobody AFTER INSERT ON t BEGIN END')).toBe('42601');
    expect(await state('CREATE TRIGGER nosemi AFTER INSERT ON t BEGIN SELECT 1 END')).toBe('42601');
    expect(await state('CREATE TRIGGER params AFTER INSERT ON t BEGIN SELECT $1; END')).toBe('42P02');
    expect(await state('CREATE TRIGGER ddl AFTER INSERT ON t BEGIN CREATE TABLE x(a INT); END')).toBe('42601');
  });

  it('checks NEW / OLD references and UPDATE OF columns against the table', async () => {
    expect(await state("CREATE TRIGGER x AFTER DELETE ON t BEGIN INSERT INTO log VALUES ('d', new.a, NULL, NULL); END")).toBe('42P01');
    expect(await state("CREATE TRIGGER x AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('i', old.a, NULL, NULL); END")).toBe('42P01');
    expect(await state("CREATE TRIGGER x AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('i', new.zz, NULL, NULL); END")).toBe('42703');
    expect(await state('CREATE TRIGGER x AFTER UPDATE OF zz ON t BEGIN SELECT 1; END')).toBe('42703');
    expect(await state('CREATE TRIGGER x INSTEAD OF INSERT ON t BEGIN SELECT 1; END')).toBe('42809');
  });

  it('follow RENAME COLUMN and RENAME TO; a column they use cannot be dropped (2BP01)', async () => {
    await s.execute('ALTER TABLE t ADD COLUMN c INTEGER');
    await s.execute(
      "CREATE TRIGGER tr AFTER UPDATE OF b ON t WHEN new.b IS DISTINCT FROM old.b BEGIN INSERT INTO log VALUES ('b', new.a, new.b, old.b); END",
    );
    expect(await state('ALTER TABLE t DROP COLUMN b')).toBe('2BP01');
    await s.execute('ALTER TABLE t DROP COLUMN c');
    await s.execute('ALTER TABLE t RENAME COLUMN b TO bee');
    await s.execute("INSERT INTO t VALUES (1, 'x')");
    await s.execute("UPDATE t SET bee = 'y'");
    await s.execute('ALTER TABLE t RENAME TO t2');
    await s.execute("UPDATE t2 SET bee = 'z'");
    expect(await rows('SELECT b, old_b FROM log')).toEqual([
      ['y', 'x'],
      ['z', 'y'],
    ]);
  });

  it('only the table\'s owner creates or drops its triggers (42501); REINDEX of all is for superusers', async () => {
    await s.execute('CREATE USER alice');
    await s.execute('GRANT ALL ON t TO alice');
    await s.execute('GRANT CREATE ON SCHEMA public TO alice');
    await s.execute('CREATE TRIGGER mine AFTER INSERT ON t BEGIN SELECT 1; END');
    const a = await db.connect({ user: 'alice' });
    const code = async (sql: string): Promise<string> => {
      try {
        await a.execute(sql);
        return 'ok';
      } catch (e) {
        return (e as DispatcherError).sqlState;
      }
    };
    expect(await code('CREATE TRIGGER hers AFTER INSERT ON t BEGIN SELECT 1; END')).toBe('42501');
    expect(await code('DROP TRIGGER mine')).toBe('42501');
    expect(await code('REINDEX')).toBe('42501');
    expect(await code('REINDEX TABLE t')).toBe('42501');
    expect(await code("INSERT INTO t VALUES (1, 'x')")).toBe('ok');
    await a.execute('CREATE TABLE own(x INTEGER)');
    expect(await code('CREATE TRIGGER hers AFTER INSERT ON own BEGIN SELECT 1; END')).toBe('ok');
    expect(await code('DROP TRIGGER hers')).toBe('ok');
    expect(await code('REINDEX TABLE own')).toBe('ok');
  });

  it('are dropped with their table', async () => {
    await s.execute('CREATE TRIGGER t1r1 UPDATE ON t BEGIN SELECT 1; END;');
    await s.execute('DROP TABLE t');
    expect(await state('DROP TRIGGER t1r1')).toBe('42704');
    await s.execute('CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)');
    // the name is free again, and the new table fires nothing
    await s.execute('INSERT INTO t VALUES (1, $1)', ['x']);
    expect(await rows('SELECT count(*) FROM log')).toEqual([[0]]);
  });
});

describe('firing', () => {
  it('AFTER INSERT / UPDATE / DELETE see NEW and OLD, once per row', async () => {
    await s.execute("CREATE TRIGGER ti AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('ins', new.a, new.b, NULL); END");
    await s.execute("CREATE TRIGGER tu AFTER UPDATE ON t BEGIN INSERT INTO log VALUES ('upd', new.a, new.b, old.b); END");
    await s.execute("CREATE TRIGGER td AFTER DELETE ON t BEGIN INSERT INTO log VALUES ('del', old.a, old.b, NULL); END");
    expect((await s.execute("INSERT INTO t VALUES (1, 'one'), (2, 'two')")).rowsAffected).toBe(2);
    expect((await s.execute("UPDATE t SET b = b || '!' WHERE a = 2")).rowsAffected).toBe(1);
    expect((await s.execute('DELETE FROM t WHERE a = 1')).rowsAffected).toBe(1);
    expect(await rows('SELECT * FROM log')).toEqual([
      ['ins', 1, 'one', null],
      ['ins', 2, 'two', null],
      ['upd', 2, 'two!', 'two'],
      ['del', 1, 'one', null],
    ]);
  });

  it('WHEN decides per row; UPDATE OF fires only for statements assigning one of its columns', async () => {
    await s.execute('ALTER TABLE t ADD COLUMN c INTEGER');
    await s.execute(
      "CREATE TRIGGER tu AFTER UPDATE OF b ON t WHEN new.b IS DISTINCT FROM old.b BEGIN INSERT INTO log VALUES ('b', new.a, new.b, old.b); END",
    );
    await s.execute("INSERT INTO t VALUES (1, 'x', 0), (2, 'y', 0)");
    await s.execute("UPDATE t SET b = 'x'"); // row 1 unchanged: WHEN is false for it
    await s.execute('UPDATE t SET c = 5'); // b not assigned: the trigger does not fire
    expect(await rows('SELECT ev, a, b, old_b FROM log')).toEqual([['b', 2, 'x', 'y']]);
  });

  it('BEFORE triggers run before the row is written; PostgreSQL orders triggers by name', async () => {
    await s.execute("CREATE TRIGGER b2 BEFORE INSERT ON t BEGIN INSERT INTO log VALUES ('b2', new.a, (SELECT count(*) FROM t), NULL); END");
    await s.execute("CREATE TRIGGER b1 BEFORE INSERT ON t BEGIN INSERT INTO log VALUES ('b1', new.a, (SELECT count(*) FROM t), NULL); END");
    await s.execute("CREATE TRIGGER a1 AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('a1', new.a, (SELECT count(*) FROM t), NULL); END");
    await s.execute("INSERT INTO t VALUES (1, 'one')");
    expect(await rows('SELECT ev, a, b FROM log')).toEqual([
      ['b1', 1, '0'],
      ['b2', 1, '0'],
      ['a1', 1, '1'],
    ]);
  });

  it('a trigger body may update and delete, and cascade through other triggers', async () => {
    await s.execute('CREATE TABLE totals(n INTEGER)');
    await s.execute('INSERT INTO totals VALUES (0)');
    await s.execute('CREATE TRIGGER add1 AFTER INSERT ON t BEGIN UPDATE totals SET n = n + new.a; END');
    await s.execute('CREATE TRIGGER sub1 AFTER DELETE ON t BEGIN UPDATE totals SET n = n - old.a; DELETE FROM log WHERE a = old.a; END');
    await s.execute("CREATE TRIGGER logit AFTER UPDATE ON totals BEGIN INSERT INTO log VALUES ('total', new.n, NULL, NULL); END");
    await s.execute("INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')");
    expect(await rows('SELECT n FROM totals')).toEqual([[6]]);
    expect(await rows("SELECT a FROM log WHERE ev = 'total' ORDER BY a")).toEqual([[1], [3], [6]]);
    await s.execute('DELETE FROM t WHERE a = 3');
    expect(await rows('SELECT n FROM totals')).toEqual([[3]]);
    // the body's UPDATE logged total 3 again, then its DELETE removed both log rows with a = 3
    expect(await rows("SELECT a FROM log WHERE ev = 'total' ORDER BY a")).toEqual([[1], [6]]);
  });

  it('INSERT ... ON CONFLICT DO UPDATE fires BEFORE INSERT for every row, UPDATE triggers for the rows it updates', async () => {
    await s.execute("CREATE TRIGGER bi BEFORE INSERT ON t BEGIN INSERT INTO log VALUES ('bi', new.a, new.b, NULL); END");
    await s.execute("CREATE TRIGGER ai AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('ai', new.a, new.b, NULL); END");
    await s.execute("CREATE TRIGGER au AFTER UPDATE OF b ON t BEGIN INSERT INTO log VALUES ('au', new.a, new.b, old.b); END");
    await s.execute("INSERT INTO t VALUES (1, 'one')");
    await s.execute("INSERT INTO t VALUES (1, 'uno'), (2, 'two') ON CONFLICT (a) DO UPDATE SET b = excluded.b");
    expect(await rows('SELECT ev, a, b, old_b FROM log')).toEqual([
      ['bi', 1, 'one', null],
      ['ai', 1, 'one', null],
      ['bi', 1, 'uno', null],
      ['au', 1, 'uno', 'one'],
      ['bi', 2, 'two', null],
      ['ai', 2, 'two', null],
    ]);
  });

  it('rows a trigger deleted before the statement reached them are skipped', async () => {
    await s.execute("INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')");
    await s.execute('CREATE TRIGGER zap BEFORE DELETE ON t WHEN old.a = 1 BEGIN DELETE FROM t WHERE a = old.a + 1; END');
    const r = await s.execute('DELETE FROM t');
    expect(await rows('SELECT count(*) FROM t')).toEqual([[0]]);
    expect(r.rowsAffected).toBe(2); // rows 1 and 3 by the statement, row 2 by the trigger
  });

  it('runs in the firing statement: a failing trigger undoes the whole statement, ROLLBACK undoes its writes', async () => {
    await s.execute('CREATE TABLE uniq(a INTEGER PRIMARY KEY)');
    await s.execute('CREATE TRIGGER dup AFTER INSERT ON t BEGIN INSERT INTO uniq VALUES (new.a % 2); END');
    expect(await state("INSERT INTO t VALUES (1, 'a'), (3, 'b')")).toBe('23505');
    expect(await rows('SELECT count(*) FROM t')).toEqual([[0]]);
    expect(await rows('SELECT count(*) FROM uniq')).toEqual([[0]]);
    await s.execute('BEGIN');
    await s.execute("INSERT INTO t VALUES (2, 'c')");
    expect(await rows('SELECT a FROM uniq')).toEqual([[0]]);
    await s.execute('ROLLBACK');
    expect(await rows('SELECT count(*) FROM uniq')).toEqual([[0]]);
  });

  it('what a trigger reads counts as read by the firing statement (SERIALIZABLE validation)', async () => {
    const other = await db.connect();
    await s.execute('CREATE TABLE cfg(v INTEGER)');
    await s.execute('INSERT INTO cfg VALUES (1)');
    await s.execute("CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log(ev, a) SELECT 'cfg', v FROM cfg; END");
    await s.execute('BEGIN ISOLATION LEVEL SERIALIZABLE');
    await s.execute("INSERT INTO t VALUES (1, 'x')");
    await other.execute('UPDATE cfg SET v = 2');
    expect(await state('COMMIT')).toBe('40001');
    expect(await rows('SELECT count(*) FROM log')).toEqual([[0]]);
  });

  it('a trigger firing itself stops at the depth limit with a clear error (54001); bounded recursion works', async () => {
    await s.execute('CREATE TABLE r(n INTEGER)');
    await s.execute('CREATE TRIGGER forever AFTER INSERT ON r BEGIN INSERT INTO r VALUES (new.n + 1); END');
    try {
      await s.execute('INSERT INTO r VALUES (0)');
      expect.unreachable();
    } catch (e) {
      expect((e as DispatcherError).sqlState).toBe('54001');
      expect((e as DispatcherError).message).toMatch(/trigger depth/);
    }
    expect(await rows('SELECT count(*) FROM r')).toEqual([[0]]);
    await s.execute('DROP TRIGGER forever');
    await s.execute('CREATE TRIGGER upto AFTER INSERT ON r WHEN new.n < 20 BEGIN INSERT INTO r VALUES (new.n + 1); END');
    await s.execute('INSERT INTO r VALUES (0)');
    expect(await rows('SELECT count(*), max(n) FROM r')).toEqual([[21, 20]]);
  });

  it('cached plans of the table see a new trigger and forget a dropped one (prepared statements too)', async () => {
    const p = await s.prepare('INSERT INTO t VALUES ($1, $2)');
    await p.execute([1, 'a']);
    await s.execute("CREATE TRIGGER ti AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('ins', new.a, new.b, NULL); END");
    await p.execute([2, 'b']);
    await s.execute('INSERT INTO t VALUES ($1, $2)', [3, 'c']);
    await s.execute('DROP TRIGGER ti');
    await p.execute([4, 'd']);
    expect(await rows('SELECT a FROM log ORDER BY a')).toEqual([[2], [3]]);
  });

  it('a compiled body is reused only while the relations it reads and writes are unchanged', async () => {
    await s.execute("CREATE VIEW src AS SELECT 'one' AS w");
    await s.execute("CREATE TRIGGER ti AFTER INSERT ON t BEGIN INSERT INTO log(ev, a) SELECT w, new.a FROM src; END");
    await s.execute("INSERT INTO t VALUES (1, 'x')");
    await s.execute("CREATE OR REPLACE VIEW src AS SELECT 'two' AS w");
    await s.execute("INSERT INTO t VALUES (2, 'x')");
    await s.execute('DROP TABLE log');
    expect(await state("INSERT INTO t VALUES (3, 'x')")).toBe('42P01');
    await s.execute('CREATE TABLE log(a INTEGER, ev TEXT)');
    await s.execute('BEGIN');
    await s.execute("INSERT INTO t VALUES (4, 'x')");
    await s.execute('ALTER TABLE log ADD COLUMN extra INTEGER DEFAULT 9');
    await s.execute("INSERT INTO t VALUES (5, 'x')");
    expect(await rows('SELECT a, ev, extra FROM log ORDER BY a')).toEqual([
      [4, 'two', 9],
      [5, 'two', 9],
    ]);
    await s.execute('ROLLBACK');
    await s.execute("INSERT INTO t VALUES (6, 'x')");
    expect(await rows('SELECT a, ev FROM log ORDER BY a')).toEqual([[6, 'two']]);
  });

  it('literals of the body keep their values; a body with a CASE ... END is one statement', async () => {
    await s.execute(
      "CREATE TRIGGER ti AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('ins', new.a * 100, CASE WHEN new.a > 1 THEN 'big' ELSE 'small' END, x'41'::text); END; INSERT INTO t VALUES (1, 'one'); INSERT INTO t VALUES (2, 'two')",
    );
    const r = await rows('SELECT a, b FROM log ORDER BY a');
    expect(r).toEqual([
      [100, 'small'],
      [200, 'big'],
    ]);
  });
});

describe('RAISE()', () => {
  it('RAISE(ABORT | FAIL, msg) fails the statement with the message (P0001), undoing it', async () => {
    await s.execute("CREATE TRIGGER chk BEFORE INSERT ON t BEGIN SELECT RAISE(ABORT, 'negative a: ' || new.a) WHERE new.a < 0; END");
    await s.execute("CREATE TRIGGER c2 BEFORE UPDATE ON t BEGIN SELECT CASE WHEN new.b = 'no' THEN RAISE(FAIL, 'no!') END; END");
    try {
      await s.execute("INSERT INTO t VALUES (1, 'a'), (-2, 'b')");
      expect.unreachable();
    } catch (e) {
      expect((e as DispatcherError).sqlState).toBe('P0001');
      expect((e as DispatcherError).message).toBe('negative a: -2');
    }
    expect(await rows('SELECT count(*) FROM t')).toEqual([[0]]);
    await s.execute("INSERT INTO t VALUES (1, 'a')");
    expect(await state("UPDATE t SET b = 'no'")).toBe('P0001');
    expect(await rows('SELECT b FROM t')).toEqual([['a']]);
    expect(await state('CREATE TRIGGER bad BEFORE INSERT ON t BEGIN SELECT RAISE(ABORT); END')).toBe('42601');
  });

  it('RAISE(IGNORE) skips the row and the rest of the program; what the trigger wrote stays', async () => {
    await s.execute(
      "CREATE TRIGGER skip BEFORE INSERT ON t WHEN new.b = 'skip' BEGIN INSERT INTO log VALUES ('skipped', new.a, NULL, NULL); SELECT RAISE(IGNORE); INSERT INTO log VALUES ('never', 0, NULL, NULL); END",
    );
    const r = await s.execute("INSERT INTO t VALUES (1, 'a'), (2, 'skip'), (3, 'c')");
    expect(r.rowsAffected).toBe(2);
    expect(await rows('SELECT a FROM t ORDER BY a')).toEqual([[1], [3]]);
    expect(await rows('SELECT ev, a FROM log')).toEqual([['skipped', 2]]);
    await s.execute('CREATE TRIGGER keep BEFORE DELETE ON t WHEN old.a = 3 BEGIN SELECT RAISE(IGNORE); END');
    expect((await s.execute('DELETE FROM t')).rowsAffected).toBe(1);
    expect(await rows('SELECT a FROM t')).toEqual([[3]]);
  });
});

describe('INSTEAD OF triggers on views', () => {
  it('do the writes a view cannot do by itself; without one a write is 55000', async () => {
    await s.execute('CREATE VIEW v AS SELECT a, b, a * 2 AS dbl FROM t');
    expect(await state("INSERT INTO v(a, b) VALUES (1, 'x')")).toBe('55000');
    expect(await state('CREATE TRIGGER bad AFTER INSERT ON v BEGIN SELECT 1; END')).toBe('42809');
    await s.execute('CREATE TRIGGER vi INSTEAD OF INSERT ON v BEGIN INSERT INTO t VALUES (new.a, upper(new.b)); END');
    await s.execute('CREATE TRIGGER vu INSTEAD OF UPDATE ON v BEGIN UPDATE t SET b = new.b WHERE a = old.a; END');
    await s.execute('CREATE TRIGGER vd INSTEAD OF DELETE ON v WHEN old.a > 1 BEGIN DELETE FROM t WHERE a = old.a; END');
    expect((await s.execute("INSERT INTO v(a, b) VALUES (1, 'x'), (2, 'y')")).rowsAffected).toBe(2);
    await s.execute('INSERT INTO v SELECT a + 10, b, 0 FROM t');
    expect((await s.execute("UPDATE v SET b = b || '!' WHERE dbl > 2")).rowsAffected).toBe(3);
    expect(await rows('SELECT * FROM v ORDER BY a')).toEqual([
      [1, 'X', 2],
      [2, 'Y!', 4],
      [11, 'X!', 22],
      [12, 'Y!', 24],
    ]);
    // the WHEN keeps row 1: it is not deleted, and not counted
    expect((await s.execute('DELETE FROM v')).rowsAffected).toBe(3);
    expect(await rows('SELECT a FROM t')).toEqual([[1]]);
    await s.execute('DROP VIEW v');
    expect(await state('DROP TRIGGER vi')).toBe('42704');
  });
});

describe('.schema', () => {
  it('shows a table\'s triggers as they were written', async () => {
    const tdb = await TestDb.open();
    try {
      await tdb.run('CREATE TABLE t(a INTEGER)');
      await tdb.run('CREATE TRIGGER tr AFTER INSERT ON t WHEN new.a > 1 BEGIN SELECT 1; END');
      const snap = tdb.engine.snapshot();
      try {
        expect(createTableText(snap.getTable('t')!)).toContain('\nCREATE TRIGGER tr AFTER INSERT ON t WHEN new.a > 1 BEGIN SELECT 1; END;');
      } finally {
        snap.release();
      }
    } finally {
      await tdb.close();
    }
  });
});

describe("the shell's statement splitter", () => {
  it('keeps a trigger body (and a CASE ... END in it) in one statement', () => {
    const r = scanStatements(
      "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('a;', CASE WHEN 1 = 1 THEN 'x' END); DELETE FROM u; END; SELECT 1; create temp trigger t2 delete on t begin select 1; end;",
    );
    expect(r.statements).toEqual([
      "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('a;', CASE WHEN 1 = 1 THEN 'x' END); DELETE FROM u; END",
      'SELECT 1',
      'create temp trigger t2 delete on t begin select 1; end',
    ]);
    const open = scanStatements('CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1;');
    expect(open.statements).toEqual([]);
    expect(open.restHasContent).toBe(true);
  });
});

describe('persistence', () => {
  it('triggers survive closing and reopening the database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dispatchdb-triggers-'));
    try {
      const path = join(dir, 'db');
      let fdb = await Database.open(path);
      let fs = await fdb.connect();
      await fs.execute('CREATE TABLE t(a INTEGER)');
      await fs.execute('CREATE TABLE log(a INTEGER)');
      await fs.execute('CREATE TRIGGER tr AFTER INSERT ON t WHEN new.a > 0 BEGIN INSERT INTO log VALUES (new.a * 2); END');
      await fdb.close();
      fdb = await Database.open(path);
      fs = await fdb.connect();
      await fs.execute('INSERT INTO t VALUES (-1), (5)');
      expect((await fs.execute('SELECT a FROM log')).rows).toEqual([[10]]);
      await fdb.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
