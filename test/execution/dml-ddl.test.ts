import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockWaitSignal } from '../../src/api/errors.js';
import type { WriteTxn } from '../../src/storage/ports.js';
import { TestDb } from './harness.js';

let db: TestDb;
beforeAll(async () => {
  db = await TestDb.open();
});
afterAll(async () => {
  await db.close();
});

describe('INSERT', () => {
  it('inserts multi-row VALUES with column lists, defaults and coercion', async () => {
    await db.run("CREATE TABLE t(id INTEGER PRIMARY KEY, n INTEGER DEFAULT 7, s TEXT DEFAULT 'a' || 'b', r REAL)");
    const r = await db.run("INSERT INTO t(id, r) VALUES (1, 2), ('2', '1.5'), (3, DEFAULT) RETURNING *");
    expect(r.rowsAffected).toBe(3);
    expect(r.rows).toEqual([
      [1, 7, 'ab', 2],
      [2, 7, 'ab', 1.5],
      [3, 7, 'ab', null],
    ]);
    const r2 = await db.run('INSERT INTO t VALUES (4, 1.7, 12, NULL) RETURNING n, s');
    expect(r2.rows).toEqual([[2, '12']]);
    expect(await db.state("INSERT INTO t(id) VALUES ('x')")).toBe('22P02');
    expect(await db.state('INSERT INTO t(id, nope) VALUES (9, 1)')).toBe('42703');
    expect(await db.state('INSERT INTO t VALUES (9, 1, 2, 3, 4)')).toBe('42601');
    // Without a column list, fewer values fill the first columns; the rest take their defaults.
    const r3 = await db.run('INSERT INTO t VALUES (5, 8), (6, 9) RETURNING *');
    expect(r3.rows).toEqual([
      [5, 8, 'ab', null],
      [6, 9, 'ab', null],
    ]);
    await db.run('INSERT INTO t SELECT 7');
    expect((await db.run('SELECT n, s FROM t WHERE id = 7')).rows).toEqual([[7, 'ab']]);
    // With one, the counts must match.
    expect(await db.state('INSERT INTO t(id, n) VALUES (8)')).toBe('42601');
  });

  it('inserts from a SELECT, materialized before writing', async () => {
    await db.run('CREATE TABLE c(k INTEGER)');
    await db.run('INSERT INTO c VALUES (1), (2)');
    const r = await db.run('INSERT INTO c SELECT k + 10 FROM c');
    expect(r.rowsAffected).toBe(2);
    expect(await db.rows('SELECT k FROM c ORDER BY k')).toEqual([[1], [2], [11], [12]]);
  });

  it('enforces NOT NULL (23502, naming the column) and keys (23505)', async () => {
    await db.run('CREATE TABLE nn(id INTEGER PRIMARY KEY, name TEXT NOT NULL, u INTEGER UNIQUE)');
    await db.run("INSERT INTO nn VALUES (1, 'a', 1)");
    const e = await db.run('INSERT INTO nn VALUES (2, NULL, 2)').catch((x: unknown) => x);
    expect((e as { sqlState: string }).sqlState).toBe('23502');
    expect((e as Error).message).toContain('"name"');
    expect(await db.state("INSERT INTO nn VALUES (1, 'b', 3)")).toBe('23505');
    expect(await db.state("INSERT INTO nn VALUES (3, 'b', 1)")).toBe('23505');
    expect(await db.state('INSERT INTO nn(name) VALUES (NULL)')).toBe('23502');
  });
});

describe('INSERT ... ON CONFLICT', () => {
  it('updates the conflicting row with EXCLUDED values, honouring WHERE', async () => {
    await db.run('CREATE TABLE kv(k TEXT PRIMARY KEY, v INTEGER, n INTEGER UNIQUE)');
    await db.run("INSERT INTO kv VALUES ('a', 1, 10)");
    const r = await db.run(
      "INSERT INTO kv VALUES ('a', 5, 11), ('b', 2, 12) ON CONFLICT (k) DO UPDATE SET v = kv.v + excluded.v RETURNING k, v",
    );
    expect(r.rows).toEqual([
      ['a', 6],
      ['b', 2],
    ]);
    expect(r.rowsAffected).toBe(2);
    const skipped = await db.run("INSERT INTO kv VALUES ('a', 1, 13) ON CONFLICT (k) DO UPDATE SET v = 0 WHERE kv.v > 100");
    expect(skipped.rowsAffected).toBe(0);
    expect(await db.rows('SELECT k, v, n FROM kv ORDER BY k')).toEqual([
      ['a', 6, 10],
      ['b', 2, 12],
    ]);
    // Arbiter on a unique index.
    await db.run("INSERT INTO kv VALUES ('z', 9, 12) ON CONFLICT (n) DO UPDATE SET v = excluded.v");
    expect(await db.rows("SELECT k, v FROM kv WHERE n = 12")).toEqual([['b', 9]]);
    expect(await db.state("INSERT INTO kv VALUES ('q', 1, 1) ON CONFLICT (v) DO UPDATE SET v = 1")).toBe('42P10');
  });
});

describe('lock waits', () => {
  it('lets a LockWaitSignal from storage through unwrapped', async () => {
    await db.run('CREATE TABLE lw(id INTEGER PRIMARY KEY)');
    const { compiled, params } = db.compile('INSERT INTO lw VALUES (1)');
    const txn = db.engine.begin();
    const signal = new LockWaitSignal('lw:1', 'X');
    const view = new Proxy(txn, {
      get(t, k) {
        if (k === 'insert') {
          return () => {
            throw signal;
          };
        }
        const v = Reflect.get(t, k) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    }) as WriteTxn;
    const ex = compiled.start({
      view,
      params,
      counters: { rowsExamined: 0, rowsProduced: 0, indexesUsed: new Set() },
      checkInterrupt: () => {},
    });
    let thrown: unknown;
    try {
      while (ex.step() !== null);
    } catch (e) {
      thrown = e;
    }
    txn.rollback();
    expect(thrown).toBe(signal);
  });
});

describe('UPDATE and DELETE', () => {
  it('updates rows with RETURNING, reading old values only', async () => {
    await db.run('CREATE TABLE u(id INTEGER PRIMARY KEY, v INTEGER)');
    await db.run('CREATE INDEX u_v ON u(v)');
    await db.run('INSERT INTO u VALUES (1, 10), (2, 20), (3, 30)');
    // The scan reads index u_v while the update moves rows further along it: each row must
    // still be updated exactly once.
    const r = await db.run('UPDATE u SET v = v + 100 + id WHERE v >= 10 RETURNING id, v');
    expect(r.rowsAffected).toBe(3);
    expect(r.rows).toEqual([
      [1, 111],
      [2, 122],
      [3, 133],
    ]);
    await db.run('UPDATE u SET id = id + 10, v = v - 100');
    expect(await db.rows('SELECT id, v FROM u ORDER BY id')).toEqual([
      [11, 11],
      [12, 22],
      [13, 33],
    ]);
    expect(await db.state('UPDATE u SET v = NULL, nope = 1')).toBe('42703');
  });

  it('computes every new value from the table as it was before the update', async () => {
    await db.run('CREATE TABLE snap(id INTEGER PRIMARY KEY, v INTEGER)');
    await db.run('INSERT INTO snap VALUES (1, 1), (2, 2), (3, 3)');
    await db.run('UPDATE snap SET v = (SELECT count(*) FROM snap AS o WHERE o.v < snap.v) * 10');
    expect(await db.rows('SELECT v FROM snap ORDER BY id')).toEqual([[0], [10], [20]]);
    await db.run('DROP TABLE snap');
  });

  it('updates from other tables with UPDATE ... FROM', async () => {
    await db.run('CREATE TABLE acc(id INTEGER PRIMARY KEY, bal INTEGER)');
    await db.run('CREATE TABLE mv(acc INTEGER, amt INTEGER)');
    await db.run('INSERT INTO acc VALUES (1, 100), (2, 200), (3, 300)');
    await db.run('INSERT INTO mv VALUES (1, 5), (3, 7), (3, 8)');
    const r = await db.run('UPDATE acc SET bal = bal + mv.amt FROM mv WHERE mv.acc = acc.id RETURNING acc.id, bal, mv.amt');
    // Account 3 joins two rows: it is updated once, from one of them (which one is unspecified).
    expect(r.rowsAffected).toBe(2);
    expect(r.rows.length).toBe(2);
    expect(r.rows[0]).toEqual([1, 105, 5]);
    const bals = await db.rows('SELECT bal FROM acc ORDER BY id');
    expect(bals.slice(0, 2)).toEqual([[105], [200]]);
    expect([307, 308]).toContain(bals[2]![0]);
    expect(r.rows[1]).toEqual([3, bals[2]![0], (bals[2]![0] as number) - 300]);
  });

  it('UPDATE ... FROM a smaller table keeps the target as the scan that yields row keys', async () => {
    // The join order put the smaller FROM table first, and the target's rows lost their keys (XX000).
    await db.run('CREATE TABLE ufbig(id INTEGER PRIMARY KEY, v INTEGER)');
    await db.run('CREATE TABLE ufsmall(k INTEGER, amt INTEGER)');
    await db.run('INSERT INTO ufbig VALUES (1, 10), (2, 20), (3, 30), (4, 40), (5, 50), (6, 60)');
    await db.run('INSERT INTO ufsmall VALUES (2, 1), (5, 2)');
    const r = await db.run('UPDATE ufbig SET v = v + ufsmall.amt FROM ufsmall WHERE ufsmall.k = ufbig.id RETURNING ufbig.id, v');
    expect(r.rows.sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([[2, 21], [5, 52]]);
    expect(await db.rows('SELECT v FROM ufbig ORDER BY id')).toEqual([[10], [21], [30], [40], [52], [60]]);
  });

  it('deletes with a predicate and RETURNING', async () => {
    const r = await db.run('DELETE FROM u WHERE v > 20 RETURNING id');
    expect(r.rowsAffected).toBe(2);
    expect(r.rows).toEqual([[12], [13]]);
    expect(await db.rows('SELECT id FROM u')).toEqual([[11]]);
    const all = await db.run('DELETE FROM u');
    expect(all.rowsAffected).toBe(1);
  });

  it('raises 23502 when an update nulls a NOT NULL column', async () => {
    expect(await db.state('UPDATE nn SET name = NULL')).toBe('23502');
  });
});

describe('DDL', () => {
  it('maps declared types and composite primary keys', async () => {
    await db.run(
      'CREATE TABLE ty(a INT, b BIGINT, c SMALLINT, d DOUBLE PRECISION, e FLOAT, f NUMERIC(10,2), g VARCHAR(3), h CHAR(2), i BOOLEAN, j BYTEA, k DATE, l TIMESTAMP, PRIMARY KEY (a, b))',
    );
    const def = db.engine.snapshot().getTable('ty')!;
    expect(def.columns.map((c) => c.type)).toEqual([
      'integer',
      'bigint',
      'integer',
      'real',
      'real',
      'numeric',
      'text',
      'text',
      'boolean',
      'bytea',
      'date',
      'timestamp',
    ]);
    expect(def.primaryKey).toEqual([0, 1]);
    expect(await db.state("INSERT INTO ty(a, b, g) VALUES (1, 1, 'abcd')")).toBe('22001');
  });

  it('reports duplicate and missing objects', async () => {
    expect(await db.state('CREATE TABLE ty(x INT)')).toBe('42P07');
    expect(await db.state('CREATE TABLE IF NOT EXISTS ty(x INT)')).toBe('ok');
    expect(await db.state('CREATE TABLE dup(x INT, x INT)')).toBe('42701');
    expect(await db.state('DROP TABLE nope')).toBe('42P01');
    expect(await db.state('DROP TABLE IF EXISTS nope')).toBe('ok');
    expect(await db.state('CREATE INDEX ix ON nope(x)')).toBe('42P01');
    expect(await db.state('CREATE INDEX ix ON ty(nope)')).toBe('42703');
    expect(await db.state('DROP INDEX nope')).toBe('42704');
  });

  it('creates and drops indexes, unique ones checked against existing rows', async () => {
    await db.run('CREATE TABLE ix(a INTEGER, b INTEGER)');
    await db.run('INSERT INTO ix VALUES (1, 1), (2, 1)');
    await db.run('CREATE INDEX ix_a ON ix(a)');
    expect(await db.state('CREATE INDEX ix_a ON ix(b)')).toBe('42P07');
    expect(await db.state('CREATE INDEX IF NOT EXISTS ix_a ON ix(b)')).toBe('ok');
    expect(await db.state('CREATE UNIQUE INDEX ix_b ON ix(b)')).toBe('23505');
    await db.run('DROP INDEX ix_a');
    expect(db.engine.snapshot().getTable('ix')!.indexes).toEqual([]);
  });

  it('builds an index over many rows sorted: NULLs and distinct pairs pass a unique check, a far duplicate fails it', async () => {
    await db.run('CREATE TABLE big(id INTEGER PRIMARY KEY, a INTEGER, b TEXT)');
    // a: every value twice, 1000 rows apart; b: distinct, with NULLs now and then.
    await db.run(
      'INSERT INTO big WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < 2000) ' +
        "SELECT x, x % 1000, CASE WHEN x % 7 = 0 THEN NULL ELSE 'b' || (2000 - x) END FROM g",
    );
    expect(await db.state('CREATE UNIQUE INDEX big_a ON big(a)')).toBe('23505');
    expect(await db.state('CREATE UNIQUE INDEX big_b ON big(b)')).toBe('ok');
    expect(await db.state('CREATE UNIQUE INDEX big_ab ON big(a, b)')).toBe('ok');
    expect(await db.state('CREATE INDEX big_a2 ON big(a)')).toBe('ok');
    expect(await db.rows('SELECT id FROM big WHERE a = 999 ORDER BY id')).toEqual([[999], [1999]]);
    expect(await db.rows("SELECT id FROM big WHERE b = 'b4'")).toEqual([[1996]]);
    expect(db.engine.integrityCheck()).toEqual([]);
  });

  it('creates a table from a query', async () => {
    await db.run('CREATE TABLE src(a INTEGER, b TEXT)');
    await db.run("INSERT INTO src VALUES (1, 'x'), (2, 'y')");
    await db.run('CREATE TABLE dst AS SELECT a * 10 AS k, b FROM src WHERE a > 1');
    expect(await db.rows('SELECT * FROM dst')).toEqual([[20, 'y']]);
    const def = db.engine.snapshot().getTable('dst')!;
    expect(def.columns.map((c) => [c.name, c.type])).toEqual([
      ['k', 'integer'],
      ['b', 'text'],
    ]);
    expect(await db.state('CREATE TABLE dst AS SELECT 1')).toBe('42P07');
  });

  it('drops several tables at once', async () => {
    await db.run('CREATE TABLE d1(x INT)');
    await db.run('CREATE TABLE d2(x INT)');
    await db.run('DROP TABLE d1, d2');
    expect(await db.state('SELECT * FROM d1')).toBe('42P01');
    expect(await db.state('SELECT * FROM d2')).toBe('42P01');
  });

  it('adds and drops columns with ALTER TABLE', async () => {
    await db.run('CREATE TABLE al(id INTEGER PRIMARY KEY, a INTEGER)');
    await db.run('INSERT INTO al VALUES (1, 10), (2, 20)');
    await db.run('ALTER TABLE al ADD COLUMN b TEXT DEFAULT 7');
    expect(await db.rows('SELECT * FROM al ORDER BY id')).toEqual([
      [1, 10, '7'],
      [2, 20, '7'],
    ]);
    expect(await db.state('ALTER TABLE al ADD COLUMN c INTEGER NOT NULL')).toBe('23502');
    expect(await db.state('ALTER TABLE al ADD COLUMN a INTEGER')).toBe('42701');
    await db.run('CREATE INDEX al_a ON al(a)');
    await db.run('ALTER TABLE al DROP COLUMN a');
    expect(await db.rows('SELECT * FROM al ORDER BY id')).toEqual([
      [1, '7'],
      [2, '7'],
    ]);
    expect(db.engine.snapshot().getTable('al')!.indexes).toEqual([]);
    expect(await db.state('ALTER TABLE al DROP COLUMN id')).toBe('2BP01');
    expect(await db.state('ALTER TABLE al DROP COLUMN nope')).toBe('42703');
  });
});
