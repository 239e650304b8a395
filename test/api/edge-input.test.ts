// Bad input at the edges of the public API, on a database file: over-long statements, wrong
// parameter counts and types, out-of-range values, foreign or newer files and unusable paths.
// Each is a DispatcherError with its SQLSTATE, the session goes on, and nothing committed is lost
// (checked after a reopen). Cases covered elsewhere are not repeated here: a configured
// max_statement_length (test/operations/security.test.ts), too few parameters of a prepared
// statement (test/api/database.test.ts), damaged pages and WAL (test/storage/).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { DispatcherError } from '../../src/api/errors.js';
import type { Session } from '../../src/api/session.js';
import { failure } from '../support/failure.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dispatchdb-edge-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const INT64_MAX = 2n ** 63n - 1n;

describe('bad statements and parameters on a database file', () => {
  let file: string;
  let db: Database;
  let s: Session;
  /** Rows committed before the bad input, as SELECT * FROM t ORDER BY id returns them. */
  let committed: unknown[][];

  beforeAll(async () => {
    file = path.join(dir, 'edge.db');
    db = await Database.open(file);
    s = await db.connect();
    await s.execute(
      'CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, b BIGINT, txt TEXT, vc VARCHAR(5), bt BYTEA, bo BOOLEAN)',
    );
    await s.execute("INSERT INTO t VALUES (1, 10, 100, 'one', 'abc', $1, true)", [new Uint8Array([1, 2])]);
    await s.execute('INSERT INTO t (id, i) VALUES (2, $1)', [INT64_MAX]);
    committed = (await s.execute('SELECT * FROM t ORDER BY id')).rows as unknown[][];
  });

  afterAll(async () => {
    await db.close();
  });

  async function unchanged(): Promise<void> {
    expect((await s.execute('SELECT * FROM t ORDER BY id')).rows).toEqual(committed);
  }

  it('a statement over the default length limit is 54000 before it is parsed, in and out of a block', async () => {
    const long = `INSERT INTO t (id, txt) VALUES (3, '${'x'.repeat(1024 * 1024 + 10)}')`;
    const e = await failure(s.execute(long));
    expect(e.sqlState).toBe('54000');
    expect(e.message).toMatch(/^statement too long: \d+ characters, max_statement_length is 1048576$/);
    // prepare() may accept the text (it is refused when run): either way it never runs.
    const prepared = await s.prepare(long).catch((err: unknown) => err);
    const viaPrepare = prepared instanceof DispatcherError ? prepared : await failure((prepared as Awaited<ReturnType<Session['prepare']>>).execute([]));
    expect(viaPrepare.sqlState).toBe('54000');
    await s.execute('BEGIN');
    expect((await failure(s.execute(long))).sqlState).toBe('54000');
    await s.execute('ROLLBACK');
    expect(s.transactionState).toBe('noTxn');
    // A long value passed as a parameter is not statement text: it is stored whole.
    const big = 'y'.repeat(2 * 1024 * 1024);
    await s.execute('INSERT INTO t (id, txt) VALUES (3, $1)', [big]);
    expect((await s.execute('SELECT length(txt) FROM t WHERE id = 3')).rows).toEqual([[big.length]]);
    await s.execute('DELETE FROM t WHERE id = 3');
    await unchanged();
  });

  it('too many or too few parameters, or a placeholder past any given, is 08P01', async () => {
    const more = await failure(s.execute('SELECT txt FROM t WHERE id = $1', [1, 2]));
    expect(more.sqlState).toBe('08P01');
    expect(more.message).toBe('bind message supplies 2 parameters, but the statement requires 1');
    const fewer = await failure(s.execute('INSERT INTO t (id, i) VALUES ($1, $2)', [9]));
    expect(fewer.sqlState).toBe('08P01');
    expect(fewer.message).toBe('bind message supplies 1 parameters, but the statement requires 2');
    expect((await failure(s.execute('SELECT $70000'))).sqlState).toBe('08P01');
    const p = await s.prepare('INSERT INTO t (id, i) VALUES ($1, $2)');
    expect((await failure(p.execute([7, 8, 9]))).sqlState).toBe('08P01');
    await unchanged();
  });

  it('parameters of a type SQL has no value for are 42804, a non-array is 22023', async () => {
    const bad: readonly [unknown, string][] = [
      [{ a: 1 }, 'object'],
      [[1, 2], 'object'],
      [new Date(0), 'object'],
      [undefined, 'undefined'],
      [() => 1, 'function'],
      [Symbol('s'), 'symbol'],
    ];
    for (const [v, type] of bad) {
      const e = await failure(s.execute('INSERT INTO t (id, txt) VALUES (4, $1)', [v as never]));
      expect(e.sqlState).toBe('42804');
      expect(e.message).toBe(`parameter $1 has an unsupported type (${type})`);
    }
    const e = await failure(s.execute('SELECT 1', 5 as never));
    expect(e.sqlState).toBe('22023');
    expect(e.message).toBe('parameters must be an array, not number');
    // executeMany: a set that is not an array, from an array of sets or any other iterable.
    function* sets(last: unknown): Generator<unknown> {
      yield [10];
      yield last;
    }
    for (const [given, type] of [
      [[[10], null], 'null'],
      [[[10], 7], 'number'],
      [[[10], undefined], 'undefined'],
      [sets(null), 'null'],
      [sets('x'), 'string'],
    ] as const) {
      const m = await failure(s.executeMany('INSERT INTO t (id) VALUES ($1)', given as never));
      expect(m.sqlState).toBe('22023');
      expect(m.message).toBe(`parameter set 2 must be an array, not ${type}`);
    }
    await unchanged();
  });

  it('parameters that do not fit the column: 22P02 for text that is no number or boolean, 42804 for a number as bytea', async () => {
    const notInt = await failure(s.execute('INSERT INTO t (id, i) VALUES (4, $1)', ['abc']));
    expect(notInt.sqlState).toBe('22P02');
    expect(notInt.message).toBe('invalid input syntax for type integer: "abc"');
    const notBool = await failure(s.execute('UPDATE t SET bo = $1 WHERE id = 1', ['maybe']));
    expect(notBool.sqlState).toBe('22P02');
    expect((await failure(s.execute('INSERT INTO t (id, bt) VALUES (4, $1)', [5]))).sqlState).toBe('42804');
    expect((await failure(s.execute('INSERT INTO t (id, vc) VALUES (4, $1)', ['abcdefgh']))).sqlState).toBe('22001');
    // The declared length holds for every way a value is assigned: updates, and sets of a batch.
    expect((await failure(s.execute('UPDATE t SET vc = $1 WHERE id = 1', ['abcdefgh']))).sqlState).toBe('22001');
    expect((await failure(s.executeMany('INSERT INTO t (id, vc) VALUES ($1, $2)', [[4, 'ab'], [5, 'abcdefgh']]))).sqlState).toBe('22001');
    expect((await failure(s.executeMany('UPDATE t SET vc = $1 WHERE id = $2', [['ab', 1], ['abcdefgh', 1]]))).sqlState).toBe('22001');
    await unchanged();
  });

  it('integers past the 64-bit range are 22003, from parameters, literals, arithmetic and casts', async () => {
    const cases: readonly [string, unknown[]][] = [
      ['INSERT INTO t (id, i) VALUES (5, $1)', [INT64_MAX + 1n]],
      ['INSERT INTO t (id, i) VALUES (5, $1)', [-INT64_MAX - 2n]],
      ['INSERT INTO t (id, b) VALUES (5, 9223372036854775808)', []],
      ['INSERT INTO t (id, i) VALUES (5, $1)', [1e300]],
      ['INSERT INTO t (id, i) VALUES (5, $1)', [Number.NaN]],
      ['INSERT INTO t (id, i) VALUES (5, $1)', [Number.POSITIVE_INFINITY]],
      ['INSERT INTO t (id, i) VALUES ($1, 1)', [2n ** 64n]],
      ['UPDATE t SET i = i + 1 WHERE id = 2', []],
      ['UPDATE t SET i = i * 2 WHERE id = 2', []],
      ["SELECT CAST('99999999999999999999' AS INTEGER)", []],
      ['SELECT CAST(1e20 AS BIGINT)', []],
    ];
    for (const [sql, params] of cases) {
      const e = await failure(s.execute(sql, params as never[]));
      expect(e.sqlState, sql).toBe('22003');
      expect(e.message, sql).toMatch(/out of range/);
    }
    // The same inside a block: the block is aborted, its earlier write goes with it.
    await s.execute('BEGIN');
    await s.execute('INSERT INTO t (id, i) VALUES (6, 1)');
    expect((await failure(s.execute('UPDATE t SET i = i + 1 WHERE id = 2'))).sqlState).toBe('22003');
    expect(s.transactionState).toBe('aborted');
    await s.execute('ROLLBACK');
    await unchanged();
  });

  it('text that UTF-8 cannot hold (an unpaired surrogate) is 22021, not silently changed on disk', async () => {
    for (const bad of ['\ud800', 'a\udc00b', 'x\ud83d']) {
      const e = await failure(s.execute('INSERT INTO t (id, txt) VALUES (7, $1)', [bad]));
      expect(e.sqlState).toBe('22021');
      expect(e.message).toContain('"txt"');
      expect((await failure(s.execute('UPDATE t SET txt = $1 WHERE id = 1', [bad]))).sqlState).toBe('22021');
    }
    expect((await failure(s.execute("INSERT INTO t (id, txt) VALUES (7, 'lit\ud800')"))).sqlState).toBe('22021');
    // Paired surrogates (an emoji) and NUL are kept exactly.
    await s.execute('INSERT INTO t (id, txt) VALUES (7, $1)', ['ok \u{1f600} a\u0000b']);
    expect((await s.execute('SELECT txt FROM t WHERE id = 7')).rows).toEqual([['ok \u{1f600} a\u0000b']]);
    committed = (await s.execute('SELECT * FROM t ORDER BY id')).rows as unknown[][];
  });

  it('after all of it, a reopen shows exactly the committed rows and passes the integrity check', async () => {
    await db.close();
    db = await Database.open(file);
    s = await db.connect();
    await unchanged();
    expect(db.integrityCheck()).toEqual([]);
  });
});

describe('files that are not a database of this version', () => {
  /** Database.open fails with this error, and leaves the file byte for byte as it was. */
  async function refused(file: string): Promise<DispatcherError> {
    const read = (f: string): Buffer | null => (fs.existsSync(f) ? fs.readFileSync(f) : null);
    const before = read(file);
    const walBefore = read(`${file}-wal`);
    const e = await failure(Database.open(file));
    expect(read(file)).toEqual(before);
    expect(read(`${file}-wal`)).toEqual(walBefore);
    expect(fs.existsSync(`${file}-lock`)).toBe(false);
    return e;
  }

  it('a file of another format is XX001 "not a dispatchdb database file", and is not touched', async () => {
    const sqlite = path.join(dir, 'other.sqlite');
    fs.writeFileSync(sqlite, Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(4080, 7)]));
    const text = path.join(dir, 'notes.txt');
    fs.writeFileSync(text, 'not a database\n'.repeat(500));
    const tiny = path.join(dir, 'tiny.db');
    fs.writeFileSync(tiny, 'x');
    for (const f of [sqlite, text, tiny]) {
      const e = await refused(f);
      expect(e.sqlState).toBe('XX001');
      expect(e.message).toBe(`${f} is not a dispatchdb database file`);
    }
  });

  it('a database of a newer format version is 0A000 naming both versions, and is not touched', async () => {
    const file = path.join(dir, 'newer.db');
    const db = await Database.open(file);
    const s = await db.connect();
    await s.execute('CREATE TABLE keep (id INTEGER PRIMARY KEY)');
    await s.execute('INSERT INTO keep VALUES (1), (2)');
    await db.close();
    // The version field follows the 16-byte magic (src/storage/format.ts).
    const fd = fs.openSync(file, 'r+');
    const v = Buffer.alloc(4);
    fs.readSync(fd, v, 0, 4, 16);
    const original = Buffer.from(v);
    v.writeUInt32LE(original.readUInt32LE(0) + 1);
    fs.writeSync(fd, v, 0, 4, 16);
    fs.closeSync(fd);
    const e = await refused(file);
    expect(e.sqlState).toBe('0A000');
    expect(e.message).toMatch(/has database format version \d+, newer than the supported version \d+$/);
    // Put back, the data is all there.
    const fd2 = fs.openSync(file, 'r+');
    fs.writeSync(fd2, original, 0, 4, 16);
    fs.closeSync(fd2);
    const again = await Database.open(file);
    const s2 = await again.connect();
    expect((await s2.execute('SELECT id FROM keep ORDER BY id')).rows).toEqual([[1], [2]]);
    await again.close();
  });

  it('a directory, a missing folder or a bad page size is a clear error', async () => {
    const folder = path.join(dir, 'a-folder');
    fs.mkdirSync(folder);
    const e1 = await failure(Database.open(folder));
    expect(e1.sqlState).toBe('58030');
    expect(e1.message).toContain(folder);
    expect(fs.existsSync(`${folder}-lock`)).toBe(false);
    const e2 = await failure(Database.open(path.join(dir, 'missing', 'x.db')));
    expect(e2.sqlState).toBe('58030');
    expect(e2.message).toContain(path.join(dir, 'missing'));
    const e3 = await failure(Database.open(path.join(dir, 'ps.db'), { pageSize: 1000 }));
    expect(e3.sqlState).toBe('22023');
    expect(fs.existsSync(path.join(dir, 'ps.db'))).toBe(false);
  });
});
