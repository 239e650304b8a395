// The fused equality lookup on every column of a secondary index must give exactly what a full
// scan with the same filter gives: many matches (past one batch), none, NULL and text parameters,
// residual filters, composite indexes, ordering, the transaction's own writes, and the index it
// reports as used.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import type { Session } from '../../src/api/session.js';

let db: Database;
let s: Session;
const N = 900;

beforeAll(async () => {
  db = await Database.open(':memory:');
  s = await db.connect();
  await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER, g INTEGER, c TEXT)');
  await s.execute('CREATE INDEX t_k ON t (k)');
  await s.execute('CREATE INDEX t_gc ON t (g, c)');
  const ins = await s.prepare('INSERT INTO t VALUES ($1, $2, $3, $4)');
  await s.execute('BEGIN');
  // k = 0 matches 300 rows (more than one batch); g/c pairs repeat.
  for (let i = 1; i <= N; i++) await ins.execute([i, i % 3 === 0 ? 0 : i, i % 5, `c${i % 4}`]);
  await s.execute("INSERT INTO t VALUES (1000, NULL, NULL, 'n')");
  await s.execute('COMMIT');
});

afterAll(async () => {
  await db.close();
});

const rows = async (sql: string, params: unknown[] = []): Promise<unknown[][]> =>
  (await s.execute(sql, params as never)).rows as unknown[][];

/** The same query as a full scan (the filter through an expression no index can serve). */
const scanned = (sql: string, params: unknown[] = []): Promise<unknown[][]> => rows(sql.replace(/\bk = /g, 'k + 0 = '), params);

describe('secondary index equality lookup', () => {
  it('returns every matching row, across batches, and reports the index', async () => {
    const p = await s.prepare('SELECT id, c FROM t WHERE k = $1');
    const r = await p.execute([0]);
    expect(r.rows.length).toBe(300);
    expect((r.rows as unknown[][]).map((x) => x[0])).toEqual(Array.from({ length: 300 }, (_, i) => 3 * (i + 1)));
    expect(r.metrics.indexesUsed).toEqual(['t_k']);
    expect(r.metrics.rowsExamined).toBe(300);
    expect((await p.execute([7])).rows).toEqual([[7, 'c3']]);
    expect((await p.execute([3])).rows).toEqual([]);
    expect((await p.execute([N + 5])).rows).toEqual([]);
  });

  it('matches no row for NULL and compares text parameters as the scan does', async () => {
    const p = await s.prepare('SELECT id FROM t WHERE k = $1');
    expect((await p.execute([null])).rows).toEqual([]);
    expect((await p.execute(['7'])).rows).toEqual([[7]]);
    expect((await p.execute([7.0])).rows).toEqual([[7]]);
    expect((await p.execute(['x7'])).rows).toEqual(await scanned('SELECT id FROM t WHERE k = $1', ['x7']));
  });

  it('keeps residual filters, ORDER BY and LIMIT', async () => {
    expect(await rows('SELECT id FROM t WHERE k = 0 AND g = 2 ORDER BY id DESC LIMIT 3')).toEqual(
      await scanned('SELECT id FROM t WHERE k = 0 AND g = 2 ORDER BY id DESC LIMIT 3'),
    );
    expect(await rows('SELECT id FROM t WHERE k = 0 AND g = 2 ORDER BY id DESC LIMIT 3')).toEqual([[897], [882], [867]]);
    expect(await rows("SELECT count(*) FROM t WHERE k = 0 AND c = 'c1'")).toEqual(await scanned("SELECT count(*) FROM t WHERE k = 0 AND c = 'c1'"));
    expect(await rows('SELECT id FROM t WHERE k = $1 LIMIT 2', [0])).toEqual([[3], [6]]);
    const withC = await rows("SELECT id FROM t WHERE k = $1 AND c = 'c1'", [0]);
    expect(withC.map((x) => x[0])).toEqual(Array.from({ length: N }, (_, i) => i + 1).filter((i) => i % 3 === 0 && i % 4 === 1));
    expect(withC).toEqual(await scanned("SELECT id FROM t WHERE k = $1 AND c = 'c1'", [0]));
  });

  it('works on a composite index when every column is bound', async () => {
    const got = await rows("SELECT id FROM t WHERE g = 2 AND c = 'c3'");
    const want = Array.from({ length: N }, (_, i) => i + 1).filter((i) => i % 5 === 2 && i % 4 === 3);
    expect(got.map((x) => x[0])).toEqual(want);
    expect(await rows("SELECT id FROM t WHERE g = $1 AND c = $2", [9, 'c3'])).toEqual([]);
  });

  it('sees the transaction own writes', async () => {
    await s.execute('BEGIN');
    await s.execute('INSERT INTO t VALUES (5000, 7, 0, $1)', ['mine']);
    await s.execute('UPDATE t SET k = 8 WHERE id = 7');
    expect(await rows('SELECT id, c FROM t WHERE k = $1', [7])).toEqual([[5000, 'mine']]);
    expect(await rows('SELECT id FROM t WHERE k = 8 ORDER BY id')).toEqual([[7], [8]]);
    await s.execute('ROLLBACK');
    expect(await rows('SELECT id FROM t WHERE k = $1', [7])).toEqual([[7]]);
  });
});
