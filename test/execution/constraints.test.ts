import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import type { Session } from '../../src/api/session.js';
import { DispatcherError } from '../../src/api/errors.js';
import { compiledChecks } from '../../src/execution/check-constraints.js';
import { keyPath } from '../../src/execution/foreign-keys.js';
import { TestDb } from './harness.js';

let db: TestDb;
beforeAll(async () => {
  db = await TestDb.open();
});
afterAll(async () => {
  await db.close();
});

async function failure(sql: string): Promise<DispatcherError> {
  const e = await db.run(sql).then(
    () => null,
    (x: unknown) => x,
  );
  if (!(e instanceof DispatcherError)) throw new Error(`expected a DispatcherError from ${sql}, got ${String(e)}`);
  return e;
}

function committedDef(name: string) {
  const snap = db.engine.snapshot();
  try {
    return snap.getTable(name)!;
  } finally {
    snap.release();
  }
}

describe('CHECK constraints', () => {
  it('names column and table checks as PostgreSQL does and reports the violated one (23514)', async () => {
    await db.run(
      'CREATE TABLE ck(id INTEGER PRIMARY KEY, a INTEGER CHECK (a > 0), b INTEGER, CONSTRAINT ab_order CHECK (a < b), CHECK (b <> 13), CHECK (a + b < 100), CHECK (b < 1000))',
    );
    await db.run('INSERT INTO ck VALUES (1, 1, 2)');
    const e = await failure('INSERT INTO ck VALUES (2, 0, 5)');
    expect(e.sqlState).toBe('23514');
    expect(e.message).toBe('new row for relation "ck" violates check constraint "ck_a_check"');
    expect(e.detail).toBe('Failing row contains (2, 0, 5).');
    expect((await failure('INSERT INTO ck VALUES (2, 5, 3)')).message).toContain('"ab_order"');
    // A table-level check on one column is named after it; on several columns after the table;
    // a second name taken gets a number. Of several failing checks, the first by name is reported.
    expect((await failure('INSERT INTO ck VALUES (2, 1, 13)')).message).toContain('"ck_b_check"');
    expect((await failure('INSERT INTO ck VALUES (2, 50, 60)')).message).toContain('"ck_check"');
    expect((await failure('INSERT INTO ck VALUES (2, 1, 2000)')).message).toContain('"ck_b_check1"');
    expect((await failure('UPDATE ck SET a = -1, b = 13')).message).toContain('"ck_a_check"');
    expect(await db.rows('SELECT * FROM ck')).toEqual([[1, 1, 2]]);
  });

  it('keeps every check of a column with several', async () => {
    await db.run('CREATE TABLE cm(a INTEGER CHECK (a > 0) CHECK (a < 10) CHECK (a <> 5), b INTEGER CHECK (b > 0))');
    expect((await failure('INSERT INTO cm VALUES (0, 1)')).message).toContain('"cm_a_check"');
    expect((await failure('INSERT INTO cm VALUES (10, 1)')).message).toContain('"cm_a_check1"');
    expect((await failure('INSERT INTO cm VALUES (5, 1)')).message).toContain('"cm_a_check2"');
    expect((await failure('INSERT INTO cm VALUES (3, 0)')).message).toContain('"cm_b_check"');
    await db.run('INSERT INTO cm VALUES (3, 1)');
  });

  it('passes a NULL result, checks UPDATE and ON CONFLICT DO UPDATE, and leaves failed statements without effect', async () => {
    await db.run('CREATE TABLE cn(id INTEGER PRIMARY KEY, v INTEGER CHECK (v BETWEEN 1 AND 10))');
    await db.run('INSERT INTO cn VALUES (1, NULL), (2, 5)');
    expect(await db.state('INSERT INTO cn VALUES (3, 4), (4, 11), (5, 6)')).toBe('23514');
    expect(await db.rows('SELECT id FROM cn ORDER BY id')).toEqual([[1], [2]]);
    expect(await db.state('UPDATE cn SET v = v + 6')).toBe('23514');
    expect(await db.rows('SELECT v FROM cn ORDER BY id')).toEqual([[null], [5]]);
    await db.run('UPDATE cn SET v = v + 5');
    expect(await db.state('INSERT INTO cn VALUES (2, 1) ON CONFLICT (id) DO UPDATE SET v = cn.v + 1')).toBe('23514');
    await db.run('INSERT INTO cn VALUES (2, 1) ON CONFLICT (id) DO UPDATE SET v = excluded.v');
    expect(await db.rows('SELECT v FROM cn ORDER BY id')).toEqual([[null], [1]]);
    // The proposed row is checked even when it then conflicts (PostgreSQL checks before arbitration).
    expect(await db.state('INSERT INTO cn VALUES (2, 99) ON CONFLICT DO NOTHING')).toBe('23514');
  });

  it('rejects bad check expressions when the table is created', async () => {
    expect(await db.state('CREATE TABLE bad(a INTEGER CHECK (a > (SELECT 1)))')).toBe('0A000');
    expect(await db.state('CREATE TABLE bad(a INTEGER CHECK (count(*) > 1))')).toBe('42803');
    expect(await db.state('CREATE TABLE bad(a INTEGER CHECK (zz > 1))')).toBe('42703');
    expect(await db.state('CREATE TABLE bad(a INTEGER CHECK (a + 1))')).toBe('42804');
    expect(await db.state('CREATE TABLE bad(a INTEGER CONSTRAINT x CHECK (a > 0), b INTEGER, CONSTRAINT x CHECK (b > 0))')).toBe('42710');
    expect(await db.state('SELECT * FROM bad')).toBe('42P01');
  });

  it('ADD CONSTRAINT validates existing rows; DROP CONSTRAINT removes the check', async () => {
    await db.run('CREATE TABLE ca(id INTEGER PRIMARY KEY, v INTEGER)');
    await db.run('INSERT INTO ca VALUES (1, 5), (2, -1)');
    const e = await failure('ALTER TABLE ca ADD CONSTRAINT v_pos CHECK (v > 0)');
    expect(e.sqlState).toBe('23514');
    expect(e.message).toBe('check constraint "v_pos" of relation "ca" is violated by some row');
    await db.run('DELETE FROM ca WHERE v < 0');
    await db.run('ALTER TABLE ca ADD CONSTRAINT v_pos CHECK (v > 0)');
    expect(await db.state('INSERT INTO ca VALUES (3, 0)')).toBe('23514');
    expect(await db.state('ALTER TABLE ca ADD CONSTRAINT v_pos CHECK (v > 1)')).toBe('42710');
    await db.run('ALTER TABLE ca ADD CHECK (v < 100)');
    expect((await failure('INSERT INTO ca VALUES (3, 100)')).message).toContain('"ca_v_check"');
    await db.run('ALTER TABLE ca DROP CONSTRAINT v_pos');
    await db.run('INSERT INTO ca VALUES (3, 0)');
    expect(await db.state('ALTER TABLE ca DROP CONSTRAINT v_pos')).toBe('42704');
    await db.run('ALTER TABLE ca ADD COLUMN w INTEGER DEFAULT 3 CHECK (w > 2)');
    expect(await db.state('INSERT INTO ca VALUES (4, 1, 2)')).toBe('23514');
    expect(await db.state('ALTER TABLE ca ADD COLUMN z INTEGER DEFAULT 0 CHECK (z > 2)')).toBe('23514');
  });

  it('compiles a check once per table definition', async () => {
    await db.run('CREATE TABLE cc1(a INTEGER CHECK (a > 0))');
    const def = committedDef('cc1');
    const first = compiledChecks(def);
    expect(first).toHaveLength(1);
    expect(compiledChecks(def)).toBe(first);
    expect(compiledChecks(committedDef('cc1'))).toBe(first);
    await db.run('ALTER TABLE cc1 ADD CHECK (a < 10)');
    const next = compiledChecks(committedDef('cc1'));
    expect(next).not.toBe(first);
    expect(next).toHaveLength(2);
  });

  it('follows RENAME COLUMN and goes with DROP COLUMN', async () => {
    await db.run('CREATE TABLE cr(id INTEGER PRIMARY KEY, a INTEGER CHECK (a > 0), b INTEGER CHECK (b < 0))');
    await db.run('ALTER TABLE cr RENAME COLUMN a TO aa');
    expect(await db.state('INSERT INTO cr VALUES (1, 0, -1)')).toBe('23514');
    await db.run('INSERT INTO cr VALUES (1, 1, -1)');
    await db.run('ALTER TABLE cr DROP COLUMN b');
    await db.run('INSERT INTO cr VALUES (2, 3)');
    expect(await db.state('INSERT INTO cr VALUES (3, -3)')).toBe('23514');
  });
});

describe('FOREIGN KEY constraints', () => {
  it('checks references on INSERT and UPDATE (23503), MATCH SIMPLE lets any NULL pass', async () => {
    await db.run('CREATE TABLE fp(id INTEGER PRIMARY KEY, code TEXT UNIQUE, a INTEGER, b INTEGER, UNIQUE (a, b))');
    await db.run("INSERT INTO fp VALUES (1, 'x', 1, 1), (2, 'y', 1, 2)");
    await db.run(
      'CREATE TABLE fc(id INTEGER PRIMARY KEY, pid INTEGER REFERENCES fp(id), code TEXT REFERENCES fp(code), a INTEGER, b INTEGER, FOREIGN KEY (a, b) REFERENCES fp(a, b))',
    );
    await db.run("INSERT INTO fc VALUES (1, 1, 'x', 1, 2), (2, NULL, NULL, 1, NULL), (3, 2, NULL, 9, NULL)");
    const e = await failure('INSERT INTO fc VALUES (4, 3, NULL, NULL, NULL)');
    expect(e.sqlState).toBe('23503');
    expect(e.message).toBe('insert or update on table "fc" violates foreign key constraint "fc_pid_fkey"');
    expect(e.detail).toBe('Key (pid)=(3) is not present in table "fp".');
    expect((await failure("INSERT INTO fc VALUES (4, NULL, 'q', NULL, NULL)")).message).toContain('"fc_code_fkey"');
    expect((await failure('INSERT INTO fc VALUES (4, NULL, NULL, 2, 1)')).message).toContain('"fc_a_b_fkey"');
    expect(await db.state('UPDATE fc SET pid = 7 WHERE id = 1')).toBe('23503');
    expect(await db.state('UPDATE fc SET b = 1 WHERE id = 3')).toBe('23503');
    // An update that leaves the reference alone is not checked again; one onto a parent passes.
    await db.run('UPDATE fc SET pid = 2 WHERE id = 1');
    expect(await db.rows('SELECT id, pid FROM fc ORDER BY id')).toEqual([
      [1, 2],
      [2, null],
      [3, 2],
    ]);
  });

  it('REFERENCES t without columns means t\'s primary key', async () => {
    await db.run('CREATE TABLE kp(a INTEGER, b INTEGER, PRIMARY KEY (a, b))');
    await db.run('CREATE TABLE kc(x INTEGER, y INTEGER, FOREIGN KEY (x, y) REFERENCES kp ON DELETE CASCADE)');
    await db.run('CREATE TABLE kq(id INTEGER PRIMARY KEY)');
    await db.run('CREATE TABLE kd(z INTEGER REFERENCES kq, w INTEGER)');
    expect(await db.state('CREATE TABLE ke(z INTEGER REFERENCES kp)')).toBe('42830');
    await db.run('CREATE TABLE knopk(v INTEGER)');
    expect(await db.state('CREATE TABLE kf(z INTEGER REFERENCES knopk)')).toBe('42830');
    expect(await db.state('INSERT INTO kd VALUES (1, NULL)')).toBe('23503');
    await db.run('INSERT INTO kq VALUES (1)');
    await db.run('INSERT INTO kp VALUES (1, 2)');
    await db.run('INSERT INTO kd VALUES (1, 1)');
    await db.run('INSERT INTO kc VALUES (1, 2)');
    await db.run('ALTER TABLE kd ADD CONSTRAINT kd_w FOREIGN KEY (w) REFERENCES kq');
    expect(await db.state('UPDATE kd SET w = 2')).toBe('23503');
    await db.run('DELETE FROM kp');
    expect(await db.rows('SELECT count(*) FROM kc')).toEqual([[0]]);
  });

  it('MATCH FULL rejects a partly NULL reference', async () => {
    await db.run('CREATE TABLE mp(a INTEGER, b INTEGER, PRIMARY KEY (a, b))');
    await db.run('CREATE TABLE mc(a INTEGER, b INTEGER, FOREIGN KEY (a, b) REFERENCES mp (a, b) MATCH FULL)');
    await db.run('INSERT INTO mc VALUES (NULL, NULL)');
    const e = await failure('INSERT INTO mc VALUES (1, NULL)');
    expect(e.sqlState).toBe('23503');
    expect(e.detail).toContain('MATCH FULL');
  });

  it('rejects foreign keys that cannot be implemented', async () => {
    await db.run('CREATE TABLE rp(id INTEGER PRIMARY KEY, v INTEGER, w TEXT UNIQUE)');
    expect(await db.state('CREATE TABLE rc(x INTEGER REFERENCES rp(v))')).toBe('42830');
    expect(await db.state('CREATE TABLE rc(x INTEGER, y INTEGER, FOREIGN KEY (x, y) REFERENCES rp(id))')).toBe('42830');
    expect(await db.state('CREATE TABLE rc(x TEXT REFERENCES rp(id))')).toBe('42804');
    expect(await db.state('CREATE TABLE rc(x INTEGER REFERENCES nope(id))')).toBe('42P01');
    expect(await db.state('CREATE TABLE rc(x INTEGER REFERENCES rp(nope))')).toBe('42703');
    expect(await db.state('CREATE TABLE rc(x INTEGER, FOREIGN KEY (nope) REFERENCES rp(id))')).toBe('42703');
    expect(await db.state('SELECT * FROM rc')).toBe('42P01');
    // BIGINT against INTEGER is fine (both numbers), as in PostgreSQL.
    await db.run('CREATE TABLE rc(x BIGINT REFERENCES rp(id))');
    await db.run('INSERT INTO rp VALUES (1, 1, NULL)');
    await db.run('INSERT INTO rc VALUES (1)');
    expect(await db.state('INSERT INTO rc VALUES (2)')).toBe('23503');
  });

  it('finds parents through their unique index and children through an index when there is one', async () => {
    await db.run('CREATE TABLE ip(id INTEGER PRIMARY KEY, a INTEGER, b INTEGER, c INTEGER UNIQUE, UNIQUE (b, a))');
    await db.run('CREATE TABLE ic(id INTEGER PRIMARY KEY, x INTEGER, y INTEGER)');
    await db.run('CREATE INDEX ic_yx ON ic(y, x)');
    const p = committedDef('ip');
    const c = committedDef('ic');
    expect(keyPath(p, [0], true)).toMatchObject({ kind: 'pk', unique: true });
    expect(keyPath(p, [3], true)).toMatchObject({ kind: 'index', index: 'ip_c_key' });
    // Columns in another order than the index's: the values are reordered.
    expect(keyPath(p, [1, 2], true)).toMatchObject({ kind: 'index', index: 'ip_b_a_key', order: [1, 0] });
    expect(keyPath(p, [1], true)).toBeNull();
    expect(keyPath(c, [1, 2], false)).toMatchObject({ kind: 'index', index: 'ic_yx', order: [1, 0] });
    expect(keyPath(c, [1], false)).toMatchObject({ kind: 'scan' });
    expect(keyPath(c, [0], false)).toMatchObject({ kind: 'pk' });
  });

  it('ON DELETE NO ACTION and RESTRICT refuse a referenced delete; CASCADE goes down every level', async () => {
    await db.run('CREATE TABLE dp(id INTEGER PRIMARY KEY)');
    await db.run('CREATE TABLE dna(id INTEGER PRIMARY KEY, p INTEGER REFERENCES dp(id))');
    await db.run('CREATE TABLE dre(id INTEGER PRIMARY KEY, p INTEGER REFERENCES dp(id) ON DELETE RESTRICT)');
    await db.run('CREATE TABLE dca(id INTEGER PRIMARY KEY, p INTEGER REFERENCES dp(id) ON DELETE CASCADE)');
    await db.run('CREATE TABLE dgc(id INTEGER PRIMARY KEY, c INTEGER REFERENCES dca(id) ON DELETE CASCADE)');
    await db.run('INSERT INTO dp VALUES (1), (2), (3), (4)');
    await db.run('INSERT INTO dna VALUES (1, 1)');
    await db.run('INSERT INTO dre VALUES (1, 2)');
    await db.run('INSERT INTO dca VALUES (1, 3), (2, 3), (3, 4), (4, 2)');
    await db.run('INSERT INTO dgc VALUES (1, 1), (2, 2), (3, 3), (4, 4)');
    const e = await failure('DELETE FROM dp WHERE id = 1');
    expect(e.sqlState).toBe('23503');
    expect(e.message).toBe('update or delete on table "dp" violates foreign key constraint "dna_p_fkey" on table "dna"');
    expect(e.detail).toBe('Key (id)=(1) is still referenced from table "dna".');
    expect((await failure('DELETE FROM dp WHERE id = 2')).message).toContain('"dre_p_fkey"');
    // The failed delete of 2 would have cascaded into dca and dgc: nothing of it remains.
    expect(await db.rows('SELECT id FROM dca ORDER BY id')).toEqual([[1], [2], [3], [4]]);
    expect(await db.rows('SELECT id FROM dgc ORDER BY id')).toEqual([[1], [2], [3], [4]]);
    const r = await db.run('DELETE FROM dp WHERE id = 3');
    expect(r.rowsAffected).toBe(1);
    expect(await db.rows('SELECT id FROM dca ORDER BY id')).toEqual([[3], [4]]);
    expect(await db.rows('SELECT id FROM dgc ORDER BY id')).toEqual([[3], [4]]);
    // A statement that also removes the references passes NO ACTION (checked at its end).
    await db.run('DELETE FROM dna');
    await db.run('DELETE FROM dp WHERE id = 1');
    expect(await db.rows('SELECT id FROM dp ORDER BY id')).toEqual([[2], [4]]);
  });

  it('ON DELETE SET NULL and SET DEFAULT rewrite the references (and the default must exist)', async () => {
    await db.run('CREATE TABLE sp(a INTEGER, b INTEGER, PRIMARY KEY (a, b))');
    await db.run('INSERT INTO sp VALUES (0, 0), (1, 1), (1, 2)');
    await db.run('CREATE TABLE sn(id INTEGER PRIMARY KEY, a INTEGER, b INTEGER, FOREIGN KEY (a, b) REFERENCES sp (a, b) ON DELETE SET NULL)');
    await db.run(
      'CREATE TABLE sd(id INTEGER PRIMARY KEY, a INTEGER DEFAULT 0, b INTEGER DEFAULT 0, FOREIGN KEY (a, b) REFERENCES sp (a, b) ON DELETE SET DEFAULT)',
    );
    await db.run('CREATE TABLE snn(id INTEGER PRIMARY KEY, a INTEGER NOT NULL, b INTEGER, FOREIGN KEY (a, b) REFERENCES sp (a, b) ON DELETE SET NULL)');
    await db.run('INSERT INTO sn VALUES (1, 1, 1), (2, 1, 2)');
    await db.run('INSERT INTO sd VALUES (1, 1, 1), (2, 1, 2)');
    await db.run('INSERT INTO snn VALUES (1, 1, 2)');
    await db.run('DELETE FROM sp WHERE a = 1 AND b = 1');
    expect(await db.rows('SELECT * FROM sn ORDER BY id')).toEqual([
      [1, null, null],
      [2, 1, 2],
    ]);
    expect(await db.rows('SELECT * FROM sd ORDER BY id')).toEqual([
      [1, 0, 0],
      [2, 1, 2],
    ]);
    // SET NULL into a NOT NULL column fails the delete (23502), which then changes nothing.
    expect(await db.state('DELETE FROM sp WHERE b = 2')).toBe('23502');
    await db.run('DELETE FROM snn');
    // SET DEFAULT whose default row is gone: the new reference fails.
    await db.run('UPDATE sd SET a = 1, b = 2 WHERE id = 1');
    expect(await db.state('DELETE FROM sp')).toBe('23503');
    expect(await db.rows('SELECT count(*) FROM sp')).toEqual([[2]]);
  });

  it('ON UPDATE CASCADE and SET NULL follow a changed key; other updates of the parent pass', async () => {
    await db.run('CREATE TABLE up(id INTEGER PRIMARY KEY, code TEXT UNIQUE, note TEXT)');
    await db.run("INSERT INTO up VALUES (1, 'a', ''), (2, 'b', '')");
    await db.run('CREATE TABLE ucas(id INTEGER PRIMARY KEY, p INTEGER REFERENCES up(id) ON UPDATE CASCADE ON DELETE CASCADE)');
    await db.run('CREATE TABLE unul(id INTEGER PRIMARY KEY, code TEXT REFERENCES up(code) ON UPDATE SET NULL)');
    await db.run('CREATE TABLE unoa(id INTEGER PRIMARY KEY, code TEXT REFERENCES up(code))');
    await db.run('INSERT INTO ucas VALUES (1, 1), (2, 2)');
    await db.run("INSERT INTO unul VALUES (1, 'a'), (2, 'b')");
    await db.run("INSERT INTO unoa VALUES (1, 'b')");
    await db.run("UPDATE up SET note = 'changed'");
    await db.run("UPDATE up SET id = id + 10, code = code || 'x' WHERE id = 1");
    expect(await db.rows('SELECT * FROM ucas ORDER BY id')).toEqual([
      [1, 11],
      [2, 2],
    ]);
    expect(await db.rows('SELECT * FROM unul ORDER BY id')).toEqual([
      [1, null],
      [2, 'b'],
    ]);
    expect(await db.state("UPDATE up SET code = 'z' WHERE id = 2")).toBe('23503');
    expect(await db.rows('SELECT code FROM up ORDER BY id')).toEqual([['b'], ['ax']]);
    // NO ACTION passes when the statement puts the key back (checked at its end).
    await db.run("UPDATE up SET code = CASE code WHEN 'b' THEN 'bb' ELSE 'b' END");
    expect(await db.rows('SELECT id, code FROM up ORDER BY id')).toEqual([
      [2, 'bb'],
      [11, 'b'],
    ]);
  });

  it('handles self-references: parents later in the same statement, whole trees at once', async () => {
    await db.run('CREATE TABLE tree(id INTEGER PRIMARY KEY, parent INTEGER REFERENCES tree(id) ON DELETE CASCADE)');
    await db.run('INSERT INTO tree VALUES (2, 1), (1, NULL), (3, 2), (4, 1)');
    expect(await db.state('INSERT INTO tree VALUES (5, 4), (6, 9)')).toBe('23503');
    await db.run('DELETE FROM tree WHERE id = 2');
    expect(await db.rows('SELECT id FROM tree ORDER BY id')).toEqual([[1], [4]]);
    await db.run('CREATE TABLE chain(id INTEGER PRIMARY KEY, prev INTEGER REFERENCES chain(id))');
    await db.run('INSERT INTO chain VALUES (1, NULL), (2, 1), (3, 2)');
    expect(await db.state('DELETE FROM chain WHERE id = 1')).toBe('23503');
    await db.run('UPDATE chain SET id = id + 10, prev = prev + 10');
    expect(await db.rows('SELECT * FROM chain ORDER BY id')).toEqual([
      [11, null],
      [12, 11],
      [13, 12],
    ]);
    await db.run('DELETE FROM chain');
    expect(await db.rows('SELECT count(*) FROM chain')).toEqual([[0]]);
  });

  it('ADD FOREIGN KEY validates existing rows; DROP CONSTRAINT removes it at both ends', async () => {
    await db.run('CREATE TABLE ap(id INTEGER PRIMARY KEY)');
    await db.run('CREATE TABLE ac(id INTEGER PRIMARY KEY, p INTEGER)');
    await db.run('INSERT INTO ap VALUES (1)');
    await db.run('INSERT INTO ac VALUES (1, 1), (2, 2)');
    expect(await db.state('ALTER TABLE ac ADD CONSTRAINT ac_p FOREIGN KEY (p) REFERENCES ap(id)')).toBe('23503');
    await db.run('UPDATE ac SET p = NULL WHERE id = 2');
    await db.run('ALTER TABLE ac ADD CONSTRAINT ac_p FOREIGN KEY (p) REFERENCES ap(id) ON DELETE CASCADE');
    expect(await db.state('INSERT INTO ac VALUES (3, 5)')).toBe('23503');
    await db.run('ALTER TABLE ac DROP CONSTRAINT ac_p');
    await db.run('INSERT INTO ac VALUES (3, 5)');
    await db.run('DELETE FROM ap');
    expect(await db.rows('SELECT count(*) FROM ac')).toEqual([[3]]);
    await db.run('DROP TABLE ap');
  });

  it('DROP TABLE of a referenced table fails (2BP01) unless CASCADE, which drops the constraint', async () => {
    await db.run('CREATE TABLE xp(id INTEGER PRIMARY KEY)');
    await db.run('CREATE TABLE xc(id INTEGER PRIMARY KEY, p INTEGER REFERENCES xp(id))');
    await db.run('INSERT INTO xp VALUES (1)');
    await db.run('INSERT INTO xc VALUES (1, 1)');
    const e = await failure('DROP TABLE xp');
    expect(e.sqlState).toBe('2BP01');
    expect(e.detail).toBe('constraint xc_p_fkey on table xc depends on table xp');
    await db.run('DROP TABLE xp CASCADE');
    await db.run('INSERT INTO xc VALUES (2, 99)');
    expect(await db.rows('SELECT * FROM xc ORDER BY id')).toEqual([
      [1, 1],
      [2, 99],
    ]);
    // Dropping both ends in one statement, or the child first, needs no CASCADE.
    await db.run('CREATE TABLE yp(id INTEGER PRIMARY KEY)');
    await db.run('CREATE TABLE yc(p INTEGER REFERENCES yp(id))');
    await db.run('DROP TABLE yp, yc');
    await db.run('CREATE TABLE zp(id INTEGER PRIMARY KEY)');
    await db.run('CREATE TABLE zc(p INTEGER REFERENCES zp(id))');
    await db.run('DROP TABLE zc');
    await db.run('DROP TABLE zp');
    // A self-reference does not keep a table from being dropped.
    await db.run('CREATE TABLE zs(id INTEGER PRIMARY KEY, up INTEGER REFERENCES zs(id))');
    await db.run('DROP TABLE zs');
  });

  it('follows RENAME TO and RENAME COLUMN at both ends; a referenced column cannot be dropped', async () => {
    await db.run('CREATE TABLE np(id INTEGER PRIMARY KEY, other INTEGER)');
    await db.run('CREATE TABLE nc(id INTEGER PRIMARY KEY, p INTEGER REFERENCES np(id) ON DELETE CASCADE)');
    await db.run('INSERT INTO np VALUES (1, 0)');
    await db.run('INSERT INTO nc VALUES (1, 1)');
    await db.run('ALTER TABLE np RENAME TO np2');
    await db.run('ALTER TABLE np2 RENAME COLUMN id TO pid');
    await db.run('ALTER TABLE nc RENAME COLUMN p TO parent');
    await db.run('ALTER TABLE nc RENAME TO nc2');
    expect(await db.state('INSERT INTO nc2 VALUES (2, 2)')).toBe('23503');
    expect(await db.state('ALTER TABLE np2 DROP COLUMN pid')).toBe('2BP01');
    await db.run('ALTER TABLE np2 DROP COLUMN other');
    await db.run('DELETE FROM np2');
    expect(await db.rows('SELECT count(*) FROM nc2')).toEqual([[0]]);
    // Dropping the referencing column drops the constraint with it.
    await db.run('INSERT INTO np2 VALUES (5)');
    await db.run('ALTER TABLE nc2 DROP COLUMN parent');
    await db.run('DROP TABLE np2');
  });

  it('a unique constraint a foreign key uses cannot be dropped', async () => {
    await db.run('CREATE TABLE qp(id INTEGER PRIMARY KEY, code TEXT UNIQUE, x INTEGER UNIQUE)');
    await db.run('CREATE TABLE qc(code TEXT REFERENCES qp(code))');
    expect(await db.state('ALTER TABLE qp DROP CONSTRAINT qp_code_key')).toBe('2BP01');
    await db.run('ALTER TABLE qp DROP CONSTRAINT qp_x_key');
    await db.run('INSERT INTO qp VALUES (1, NULL, 1), (2, NULL, 1)');
    // The same holds for a unique index made by CREATE UNIQUE INDEX.
    await db.run('CREATE TABLE qi(a INTEGER, b INTEGER)');
    await db.run('CREATE UNIQUE INDEX qi_ab ON qi(a, b)');
    await db.run('CREATE TABLE qic(a INTEGER, b INTEGER, FOREIGN KEY (b, a) REFERENCES qi(b, a))');
    expect(await db.state('DROP INDEX qi_ab')).toBe('2BP01');
    await db.run('DROP TABLE qic');
    await db.run('DROP INDEX qi_ab');
  });
});

describe('foreign keys between sessions', () => {
  let ddb: Database;
  let a: Session;
  let b: Session;
  beforeAll(async () => {
    ddb = await Database.open(':memory:');
    a = await ddb.connect();
    b = await ddb.connect();
    await a.execute('CREATE TABLE p(id INTEGER PRIMARY KEY, v INTEGER)');
    await a.execute('CREATE TABLE c(id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id))');
  });
  afterAll(async () => {
    await ddb.close();
  });

  const settle = (p: Promise<unknown>): { done: () => boolean; result: Promise<unknown> } => {
    let done = false;
    const result = p.then(
      (r) => ((done = true), r),
      (e: unknown) => ((done = true), e),
    );
    return { done: () => done, result };
  };
  const turns = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
  };

  for (const [iso, expected] of [
    ['READ COMMITTED', '23503'],
    ['REPEATABLE READ', '40001'],
  ] as const) {
    it(`a parent delete waits for a transaction that referenced the parent (${iso}: ${expected})`, async () => {
      await a.execute('DELETE FROM c');
      await a.execute('DELETE FROM p');
      await a.execute('INSERT INTO p VALUES (1, 0), (2, 0)');
      await b.execute(`BEGIN ISOLATION LEVEL ${iso}`);
      await b.execute('SELECT count(*) FROM p');
      await a.execute('BEGIN');
      await a.execute('INSERT INTO c VALUES (1, 1)');
      const del = settle(b.execute('DELETE FROM p WHERE id = 1'));
      await turns(20);
      // Not a timing assertion: the delete cannot finish while the reference is uncommitted.
      expect(del.done()).toBe(false);
      await a.execute('COMMIT');
      const e = await del.result;
      expect(e).toBeInstanceOf(DispatcherError);
      expect((e as DispatcherError).sqlState).toBe(expected);
      await b.execute('ROLLBACK');
      expect((await a.execute('SELECT id FROM p ORDER BY id')).rows).toEqual([[1], [2]]);
    });

    it(`a reference to a parent being deleted waits, then fails (${iso}: ${expected})`, async () => {
      await a.execute('DELETE FROM c');
      await b.execute(`BEGIN ISOLATION LEVEL ${iso}`);
      await b.execute('SELECT count(*) FROM p');
      await a.execute('BEGIN');
      await a.execute('DELETE FROM p WHERE id = 2');
      const ins = settle(b.execute('INSERT INTO c VALUES (2, 2)'));
      await turns(20);
      expect(ins.done()).toBe(false);
      await a.execute('COMMIT');
      const e = await ins.result;
      expect((e as DispatcherError).sqlState).toBe(expected);
      await b.execute('ROLLBACK');
      expect((await a.execute('SELECT count(*) AS n FROM c')).rows).toEqual([[0]]);
    });
  }

  it('two transactions may reference the same parent at once', async () => {
    await a.execute('INSERT INTO p VALUES (3, 0)');
    await a.execute('BEGIN');
    await b.execute('BEGIN');
    await a.execute('INSERT INTO c VALUES (10, 3)');
    await b.execute('INSERT INTO c VALUES (11, 3)');
    await a.execute('COMMIT');
    await b.execute('COMMIT');
    expect((await a.execute('SELECT id FROM c WHERE pid = 3 ORDER BY id')).rows).toEqual([[10], [11]]);
  });
});

describe('schema text', () => {
  it('.schema shows checks and foreign keys, and the text creates the same constraints', async () => {
    const { createTableText } = await import('../../src/cli/schema-text.js');
    await db.run('CREATE TABLE sp1(id INTEGER PRIMARY KEY)');
    await db.run(
      'CREATE TABLE sc1(id INTEGER PRIMARY KEY, p INTEGER REFERENCES sp1(id) ON DELETE CASCADE, v INTEGER CONSTRAINT v_small CHECK (v < 10 AND v > -10))',
    );
    const text = createTableText(committedDef('sc1'));
    expect(text).toContain('CONSTRAINT v_small CHECK (');
    expect(text).toContain('CONSTRAINT sc1_p_fkey FOREIGN KEY (p) REFERENCES sp1 (id) ON DELETE CASCADE');
    await db.run('DROP TABLE sc1');
    await db.run(text);
    expect(await db.state('INSERT INTO sc1 VALUES (1, NULL, 10)')).toBe('23514');
    expect(await db.state('INSERT INTO sc1 VALUES (1, 5, 1)')).toBe('23503');
    await db.run('INSERT INTO sp1 VALUES (5)');
    await db.run('INSERT INTO sc1 VALUES (1, 5, 1)');
    await db.run('DELETE FROM sp1');
    expect(await db.rows('SELECT count(*) FROM sc1')).toEqual([[0]]);
  });
});

describe('omitted columns without a default', () => {
  it('an omitted primary key or NOT NULL column is 23502 and nothing is stored; a nullable one is NULL', async () => {
    await db.run('CREATE TABLE omit_pk (id INTEGER PRIMARY KEY, v TEXT NOT NULL, w TEXT)');
    expect(await db.state("INSERT INTO omit_pk (v) VALUES ('a')")).toBe('23502');
    expect(await db.state('INSERT INTO omit_pk (id) VALUES (1)')).toBe('23502');
    expect(await db.state('INSERT INTO omit_pk DEFAULT VALUES')).toBe('23502');
    await db.run("INSERT INTO omit_pk (id, v) VALUES (2, 'b')");
    expect(await db.rows('SELECT id, v, w FROM omit_pk')).toEqual([[2, 'b', null]]);
    await db.run('CREATE TABLE omit_comp (a INTEGER, b TEXT, PRIMARY KEY (a, b))');
    expect(await db.state('INSERT INTO omit_comp (a) VALUES (1)')).toBe('23502');
    expect(await db.rows('SELECT count(*) FROM omit_comp')).toEqual([[0]]);
  });
});
