import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDb } from './harness.js';

const BIG = 50_000;
/** Rows a scan reads per call. */
const BATCH_ROWS = 256;
let db: TestDb;
beforeAll(async () => {
  db = await TestDb.open();
  await db.run('CREATE TABLE big(id INTEGER PRIMARY KEY, k INTEGER, v INTEGER, s TEXT)');
  await db.run('CREATE INDEX big_k ON big(k)');
  // Loaded through storage directly: parsing 50k VALUES rows would dominate the test.
  const txn = db.engine.begin();
  for (let i = 0; i < BIG; i++) txn.insert('big', [i, i % 100, (i * 7919) % BIG, `s${i % 7}`]);
  await txn.commit();
  await db.run('CREATE TABLE small(id INTEGER PRIMARY KEY, k INTEGER, w INTEGER)');
  await db.run('INSERT INTO small VALUES (1, 5, 100), (2, 6, 200), (3, 7, 300)');
  await db.run('CREATE TABLE nokey(k INTEGER, w INTEGER)');
  await db.run('INSERT INTO nokey VALUES (5, 1), (6, 2), (99, 3)');
});
afterAll(async () => {
  await db.close();
});

describe('access paths', () => {
  it('uses a primary-key lookup for pk equality and IN', async () => {
    const r = await db.run('SELECT v FROM big WHERE id = 1234');
    expect(r.rows).toEqual([[(1234 * 7919) % BIG]]);
    expect(r.counters.rowsExamined).toBe(1);
    expect(r.compiled.explain().join('\n')).toContain('Primary Key Lookup on big');
    const r2 = await db.run('SELECT id FROM big WHERE id IN (3, 1, 2) ORDER BY id');
    expect(r2.rows).toEqual([[1], [2], [3]]);
    expect(r2.counters.rowsExamined).toBe(3);
  });

  it('probes equalities on one column joined by OR as an IN list, keeping the OR as the filter', async () => {
    const r = await db.run('SELECT id FROM big WHERE id = 7 OR 12 = id OR id = 7 OR id = -1 ORDER BY id');
    expect(r.rows).toEqual([[7], [12]]);
    expect(r.counters.rowsExamined).toBeLessThanOrEqual(3);
    expect(r.compiled.explain().join('\n')).toContain('Primary Key Lookup on big');
    // On an index, with another condition beside it: 500 rows each for k = 3 and k = 4, 5 of them below id 500.
    const k = await db.run('SELECT count(*) FROM big WHERE (k = 3 OR k = 4) AND id < 500');
    expect(k.rows).toEqual([[10]]);
    expect(k.compiled.explain().join('\n')).toContain('Index Scan using big_k');
    // Arms on different columns, or not all equalities, are one filter over a scan.
    const mixed = await db.run('SELECT count(*) FROM big WHERE k = 3 OR id = 4');
    expect(mixed.rows).toEqual([[501]]);
    const notEq = await db.run('SELECT count(*) FROM big WHERE k = 3 OR k > 97');
    expect(notEq.rows).toEqual([[1500]]);
  });

  it('scans a primary-key range', async () => {
    const r = await db.run('SELECT count(*) FROM big WHERE id >= 100 AND id < 150');
    expect(r.rows).toEqual([[50]]);
    expect(r.counters.rowsExamined).toBe(50);
  });

  it('uses a secondary index for equality and records it', async () => {
    const r = await db.run('SELECT count(*) FROM big WHERE k = 42');
    expect(r.rows).toEqual([[BIG / 100]]);
    expect(r.compiled.indexesUsed).toEqual(['big_k']);
    expect([...r.counters.indexesUsed]).toEqual(['big_k']);
    expect(r.counters.rowsExamined).toBe(BIG / 100);
    expect(r.compiled.explain().join('\n')).toContain('Index Scan using big_k on big');
  });

  it('reads a secondary-index range that holds much of the table as a table scan, unless its order is used', async () => {
    // k is 0..99: k >= 2 is 98% of the table (an entry and its row lookup cost ~20 scanned rows).
    const wide = await db.run('SELECT count(*), sum(v) FROM big WHERE k >= 2');
    const byExpr = await db.run('SELECT count(*), sum(v) FROM big WHERE k + 0 >= 2');
    expect(wide.rows).toEqual(byExpr.rows);
    expect(wide.compiled.explain().join('\n')).toContain('Index Scan using big_k on big');
    expect(wide.counters.rowsExamined).toBe(BIG);
    expect([...wide.counters.indexesUsed]).toEqual([]);
    // 3% of the table: the index.
    const narrow = await db.run('SELECT count(*), sum(v) FROM big WHERE k > 96');
    expect(narrow.rows).toEqual((await db.run('SELECT count(*), sum(v) FROM big WHERE k + 0 > 96')).rows);
    expect(narrow.counters.rowsExamined).toBe((BIG / 100) * 3);
    expect([...narrow.counters.indexesUsed]).toEqual(['big_k']);
    // The same wide range with ORDER BY k and no sort: read along the index.
    const ordered = await db.run('SELECT k, id FROM big WHERE k >= 2 ORDER BY k LIMIT 3');
    expect(ordered.rows).toEqual([
      [2, 2],
      [2, 102],
      [2, 202],
    ]);
    // An index read's first batch is small: a LIMIT of 3 looks up 16 rows, not 256.
    expect(ordered.counters.rowsExamined).toBeLessThanOrEqual(16);
    // Inside a join, the first table's wide range is scanned too; a range bound by the outer row
    // of a subquery is not measured per row.
    const joined = await db.run('SELECT count(*) FROM big b JOIN small s ON s.k = b.k WHERE b.k BETWEEN 1 AND 90');
    expect(joined.rows).toEqual([[(BIG / 100) * 3]]);
    const corr = await db.run('SELECT id, (SELECT count(*) FROM big WHERE k > small.k) FROM small ORDER BY id');
    expect(corr.rows).toEqual([
      [1, (BIG / 100) * 94],
      [2, (BIG / 100) * 93],
      [3, (BIG / 100) * 92],
    ]);
  });

  it('turns a hash join into index lookups when its left side ends small', async () => {
    await db.run('CREATE TABLE uq(id INTEGER PRIMARY KEY, k INTEGER)');
    await db.run('CREATE INDEX uq_k ON uq(k)');
    const txn = db.engine.begin();
    // k nearly unique: the sample at the index's ends sees ~1 row per value.
    for (let i = 0; i < 5000; i++) txn.insert('uq', [i, (i * 7) % 4999]);
    await txn.commit();
    const q = (where: string, on = 'a.k = b.k'): string => `SELECT count(*), sum(b.id) FROM uq a JOIN uq b ON ${on} WHERE ${where}`;
    // Planned as a hash join (a range on literals is taken as a third of the table).
    const few = await db.run(q('a.id < 10'));
    expect(few.compiled.explain().join('\n')).toContain('Hash Join (index lookups for a small left side)');
    expect(few.rows).toEqual((await db.run(q('a.id < 10', 'a.k = b.k + 0'))).rows);
    // 10 left rows and their partners, not the 5,000 rows of a hash join's other side.
    expect(few.counters.rowsExamined).toBeLessThan(40);
    const many = await db.run(q('a.id < 4000'));
    expect(many.rows).toEqual((await db.run(q('a.id < 4000', 'a.k = b.k + 0'))).rows);
    expect(many.counters.rowsExamined).toBeGreaterThanOrEqual(5000);
    // LEFT JOIN keeps the left rows without a partner either way (k of id 4999 is 0, as id 0's).
    const left = await db.run('SELECT a.id, b.id FROM uq a LEFT JOIN uq b ON a.k = b.k AND b.id > 4990 WHERE a.id < 3 ORDER BY 1, 2');
    expect(left.rows).toEqual([
      [0, 4999],
      [1, null],
      [2, null],
    ]);
  });

  it('falls back to a sequential scan without a usable predicate', async () => {
    const r = await db.run("SELECT count(*) FROM big WHERE s = 's1'");
    expect(r.compiled.indexesUsed).toEqual([]);
    expect(r.compiled.explain().join('\n')).toContain('Seq Scan on big');
    expect(r.counters.rowsExamined).toBe(BIG);
  });

  it('looks up the inner side by key in joins and hashes other equi-joins', async () => {
    const r = await db.run('SELECT small.id, big.v FROM small JOIN big ON big.id = small.w ORDER BY 1');
    expect(r.rows).toEqual([
      [1, (100 * 7919) % BIG],
      [2, (200 * 7919) % BIG],
      [3, (300 * 7919) % BIG],
    ]);
    expect(r.compiled.explain().join('\n')).toContain('index lookup');
    expect(r.counters.rowsExamined).toBeLessThan(10);
    const h = await db.run('SELECT small.id, nokey.w FROM small, nokey WHERE small.k = nokey.k ORDER BY 1');
    expect(h.rows).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(h.compiled.explain().join('\n')).toContain('Hash Join');
  });

  it('reads an index in order for ORDER BY when NULL placement allows it', async () => {
    const r = await db.run('SELECT k, id FROM big WHERE k >= 98 ORDER BY k DESC LIMIT 3');
    expect(r.rows.map((x) => x[0])).toEqual([99, 99, 99]);
    expect(r.compiled.explain().join('\n')).not.toContain('Sort');
    expect(r.counters.rowsExamined).toBeLessThanOrEqual(BATCH_ROWS);
    // k may hold NULLs, which the index keeps first: ASC NULLS LAST reads the non-NULL keys
    // first (and the NULL ones after them, when the LIMIT reaches them), still without a sort...
    const s = await db.run('SELECT k FROM big ORDER BY k LIMIT 2');
    expect(s.rows).toEqual([[0], [0]]);
    expect(s.compiled.explain().join('\n')).not.toContain('Sort');
    expect(s.counters.rowsExamined).toBeLessThanOrEqual(BATCH_ROWS);
    // ...and NULLS FIRST is the index order itself: a whole-index scan stops after a few rows.
    const t = await db.run('SELECT k FROM big ORDER BY k NULLS FIRST LIMIT 2');
    expect(t.rows).toEqual([[0], [0]]);
    expect(t.compiled.explain().join('\n')).not.toContain('Sort');
    expect(t.compiled.indexesUsed).toEqual(['big_k']);
    expect(t.counters.rowsExamined).toBeLessThanOrEqual(BATCH_ROWS);
  });

  it('reads a whole index in order without a LIMIT when it holds every column the query reads', async () => {
    // GROUP BY on the indexed column: groups stream from the index alone, no hash table, no sort.
    const g = await db.run('SELECT k, count(*), sum(id) FROM big GROUP BY k ORDER BY count(*) DESC, k LIMIT 3');
    expect(g.rows).toEqual([
      [0, 500, 12_475_000],
      [1, 500, 12_475_500],
      [2, 500, 12_476_000],
    ]);
    const gx = g.compiled.explain().join('\n');
    expect(gx).toContain('GroupAggregate');
    expect(gx).toContain('index only');
    // ORDER BY on the index's columns and the key: the entries are the rows, in order.
    const o = await db.run('SELECT k, id FROM big ORDER BY k, id');
    expect(o.rows.length).toBe(BIG);
    expect(o.rows[0]).toEqual([0, 0]);
    expect(o.rows[BIG - 1]).toEqual([99, BIG - 1]);
    expect(o.compiled.explain().join('\n')).not.toContain('Sort');
    expect(o.compiled.indexesUsed).toEqual(['big_k']);
    // A column the index lacks, read anywhere (a nested query too): the table is read and sorted or hashed.
    const h = await db.run('SELECT k, max(s) FROM big GROUP BY k');
    expect(h.rows.length).toBe(100);
    expect(h.compiled.explain().join('\n')).toContain('HashAggregate');
    const n = await db.run('SELECT k FROM big b WHERE EXISTS (SELECT 1 FROM small WHERE small.w = b.v) ORDER BY k');
    expect(n.compiled.explain().join('\n')).toContain('Sort');
    expect(n.compiled.indexesUsed).toEqual([]);
  });

  it('skips the sort when the primary key gives the order, and uses top-N with LIMIT', async () => {
    const r = await db.run('SELECT id FROM big WHERE id < 5 ORDER BY id');
    expect(r.rows).toEqual([[0], [1], [2], [3], [4]]);
    expect(r.compiled.explain().join('\n')).not.toContain('Sort');
    const d = await db.run('SELECT id FROM big WHERE id > 49990 ORDER BY id DESC LIMIT 3');
    expect(d.rows).toEqual([[49999], [49998], [49997]]);
    expect(d.compiled.explain().join('\n')).not.toContain('Sort');
    expect(d.counters.rowsExamined).toBeLessThanOrEqual(BATCH_ROWS);
    const t = await db.run('SELECT id, v FROM big ORDER BY v DESC, id LIMIT 3');
    expect(t.rows.map((x) => x[1])).toEqual([BIG - 1, BIG - 2, BIG - 3]);
    expect(t.compiled.explain().join('\n')).toContain('Top-N Sort');
  });
});

describe('bounded, resumable execution', () => {
  const bounded = (perStep: number[]): void => {
    for (const n of perStep) expect(n).toBeLessThanOrEqual(4096);
  };

  it('sorts 50k rows across many bounded steps', async () => {
    const r = await db.run('SELECT id, v FROM big ORDER BY v');
    expect(r.rows.length).toBe(BIG);
    expect(r.rows[0]).toEqual([0, 0]);
    expect(r.rows[BIG - 1]![1]).toBe(BIG - 1);
    expect(r.examinedPerStep.length).toBeGreaterThan(BIG / 4096);
    bounded(r.examinedPerStep);
  });

  it('sorts with ties on several keys in order', async () => {
    const r = await db.run('SELECT k, id FROM big WHERE id < 5000 ORDER BY k DESC, id');
    expect(r.rows.length).toBe(5000);
    for (let i = 1; i < r.rows.length; i++) {
      const [k0, id0] = r.rows[i - 1] as [number, number];
      const [k1, id1] = r.rows[i] as [number, number];
      expect(k0 > k1 || (k0 === k1 && id0 < id1)).toBe(true);
    }
  });

  it('aggregates 50k rows across many bounded steps', async () => {
    const r = await db.run('SELECT k, count(*), sum(v) FROM big GROUP BY k ORDER BY k');
    expect(r.rows.length).toBe(100);
    expect(r.rows[0]![1]).toBe(BIG / 100);
    expect(r.examinedPerStep.length).toBeGreaterThan(BIG / 4096);
    bounded(r.examinedPerStep);
  });

  it('stops with 57014 when cancelled between steps', async () => {
    const e = await db.run('SELECT s, count(*) FROM big GROUP BY s', [], { cancelAfterSteps: 2 }).catch((x: unknown) => x);
    expect((e as { sqlState?: string }).sqlState).toBe('57014');
  });

  it('checks for interrupts inside correlated subqueries', async () => {
    const e = await db
      .run('SELECT id, (SELECT count(*) FROM big AS x WHERE x.k = big.k) FROM big', [], { cancelAfterSteps: 1 })
      .catch((x: unknown) => x);
    expect((e as { sqlState?: string }).sqlState).toBe('57014');
  });

  it('bounds steps that run correlated subqueries per row', async () => {
    const r = await db.run('SELECT id, (SELECT count(*) FROM big AS x WHERE x.k = big.k) FROM big WHERE id < 40');
    expect(r.rows.length).toBe(40);
    expect(r.rows.every((x) => x[1] === BIG / 100)).toBe(true);
    bounded(r.examinedPerStep);
  });
});

describe('names', () => {
  it('resolves a quoted mixed-case column by any spelling, through * too, and orders * by an index', async () => {
    await db.run('CREATE TABLE mixed(id INTEGER PRIMARY KEY, "MixedCase" INTEGER NOT NULL)');
    await db.run('CREATE INDEX mixed_m ON mixed("MixedCase")');
    await db.run('INSERT INTO mixed VALUES (1, 30), (2, 10), (3, 20)');
    const star = await db.run('SELECT * FROM mixed ORDER BY "MixedCase" DESC LIMIT 2');
    expect(star.rows).toEqual([
      [1, 30],
      [3, 20],
    ]);
    expect(star.columns.map((c) => c.name)).toEqual(['id', 'MixedCase']);
    expect(star.compiled.explain().join('\n')).not.toContain('Sort');
    const spelled = await db.run('SELECT "MixedCase", mixedcase FROM mixed WHERE MIXEDCASE > 15 ORDER BY id');
    expect(spelled.rows).toEqual([
      [30, 30],
      [20, 20],
    ]);
    const byPk = await db.run('SELECT * FROM mixed ORDER BY id DESC LIMIT 1');
    expect(byPk.rows).toEqual([[3, 20]]);
    expect(byPk.compiled.explain().join('\n')).not.toContain('Sort');
  });
});
