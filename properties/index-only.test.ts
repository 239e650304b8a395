// Rows answered from index entries alone (access.ts indexOnly, marked by ordered-read.ts
// markIndexOnly) must give what reading the table gives: for any rows and any query that reads
// an index, whichever columns it selects, aggregates, orders by or hands to a nested query.
// The reference hides the indexed columns in expressions, so it scans the table.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Database } from '../src/api/database.js';

interface Rec {
  readonly a: number | null;
  readonly b: string | null;
  readonly c: number | null;
}

const recArb: fc.Arbitrary<Rec> = fc.record({
  a: fc.option(fc.integer({ min: -3, max: 6 }), { freq: 6 }),
  b: fc.option(fc.constantFrom('x', 'y', 'zz', ''), { freq: 6 }),
  c: fc.option(fc.integer({ min: 0, max: 4 }), { freq: 6 }),
});

/** Predicates that an index serves (`ref` hides the columns from the planner), with the columns they read. */
const PREDICATES: readonly (readonly [(ref: boolean) => string, string])[] = [
  [(r) => (r ? 't.a + 0 = 2' : 't.a = 2'), 'a'],
  [(r) => (r ? 't.a + 0 BETWEEN 0 AND 3' : 't.a BETWEEN 0 AND 3'), 'a'],
  [(r) => (r ? 't.a + 0 IN (1, 4, 5)' : 't.a IN (1, 4, 5)'), 'a'],
  [(r) => (r ? "t.b || '' = 'y'" : "t.b = 'y'"), 'b'],
  [(r) => (r ? "t.b || '' = 'x' AND t.a + 0 > 0" : "t.b = 'x' AND t.a > 0"), 'ab'],
  [(r) => (r ? 't.a + 0 < 2 OR t.a + 0 = 5' : 't.a < 2 OR t.a = 5'), 'a'],
];

/** Select lists and tails, with the columns of t they read besides the predicate's (i: id). */
const SHAPES: readonly (readonly [string, string])[] = [
  ['SELECT id, a FROM t WHERE {p}', 'ia'],
  ['SELECT a, b FROM t WHERE {p}', 'ab'],
  ['SELECT count(*), sum(a), max(id) FROM t WHERE {p}', 'ai'],
  ['SELECT b, count(*) FROM t WHERE {p} GROUP BY b', 'b'],
  ['SELECT c FROM t WHERE {p}', 'c'],
  ['SELECT id FROM t WHERE {p} ORDER BY c, id', 'ic'],
  ['SELECT * FROM t WHERE {p}', 'iabc'],
  ['SELECT id FROM t WHERE {p} AND EXISTS (SELECT 1 FROM s WHERE s.c = t.c)', 'ic'],
  ['SELECT id, (SELECT count(*) FROM s WHERE s.a = t.a) FROM t WHERE {p}', 'ia'],
  ['SELECT t.id, s.c FROM t JOIN s ON s.a = t.a WHERE {p}', 'ia'],
  ['SELECT id, row_number() OVER (ORDER BY c, id) FROM t WHERE {p}', 'ic'],
];

/** The columns each index's entries hold, with the key (id). */
const COVERS: Readonly<Record<string, string>> = { t_a: 'ai', t_ba: 'bai' };

const lit = (v: number | string | null): string => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${v}'`);
const canon = (rows: readonly unknown[]): string[] => rows.map((r) => JSON.stringify(r)).sort();

describe('index-only reads', () => {
  it('return what reading the table returns', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(recArb, { maxLength: 40 }),
        fc.array(recArb, { maxLength: 8 }),
        fc.integer({ min: 0, max: PREDICATES.length - 1 }),
        fc.integer({ min: 0, max: SHAPES.length - 1 }),
        async (recs, others, pi, si) => {
          const db = await Database.open(':memory:');
          try {
            const s = await db.connect();
            await s.execute('CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c INTEGER)');
            await s.execute('CREATE INDEX t_a ON t(a)');
            await s.execute('CREATE INDEX t_ba ON t(b, a)');
            await s.execute('CREATE TABLE s(id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c INTEGER)');
            const rows = (rs: readonly Rec[]): string => rs.map((r, i) => `(${i + 1}, ${lit(r.a)}, ${lit(r.b)}, ${lit(r.c)})`).join(', ');
            if (recs.length > 0) await s.execute(`INSERT INTO t VALUES ${rows(recs)}`);
            if (others.length > 0) await s.execute(`INSERT INTO s VALUES ${rows(others)}`);
            const [shape, reads] = SHAPES[si]!;
            const [pred, predReads] = PREDICATES[pi]!;
            const sql = shape.replace('{p}', pred(false));
            const ref = shape.replace('{p}', pred(true));
            const want = (await s.execute(ref, [], { rowMode: 'array' })).rows;
            // In a transaction with its own changes too: entries and rows of the same snapshot.
            for (const open of [false, true]) {
              if (open) {
                await s.execute('BEGIN');
                await s.execute("UPDATE t SET a = a + 1, b = 'y' WHERE id % 3 = 0");
                await s.execute('DELETE FROM t WHERE id % 5 = 0');
              }
              const expected = open ? (await s.execute(ref, [], { rowMode: 'array' })).rows : want;
              const got = (await s.execute(sql, [], { rowMode: 'array' })).rows;
              expect(canon(got)).toEqual(canon(expected));
              if (open) await s.execute('ROLLBACK');
            }
            // The plan reads from the index alone exactly when the index holds every column read.
            const plan = ((await s.execute(`EXPLAIN ${sql}`, [], { rowMode: 'array' })).rows as string[][]).map((r) => r[0]).join('\n');
            const used = plan.match(/Index Scan using (t_\w+) on t /)?.[1];
            if (used !== undefined) {
              const covered = [...reads + predReads].every((col) => COVERS[used]!.includes(col));
              expect(plan.includes('(index only)')).toBe(covered);
            }
          } finally {
            await db.close();
          }
        },
      ),
      { numRuns: 250 },
    );
  });
});
