// row_number, rank and dense_rank computed as rows stream out of an index in the window's order
// (window.ts RankStreamNode) must give what numbering the sorted rows by hand gives: with NULL
// keys, ties, partitions, ascending and descending orders, NULLS FIRST / LAST, and ORDER BY ...
// LIMIT on the window's order (where the read stops early) or on another one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Database } from '../src/api/database.js';
import type { Session } from '../src/api/session.js';

interface Rec {
  readonly p: number | null;
  readonly k: number | null;
}

const recArb: fc.Arbitrary<Rec> = fc.record({
  p: fc.option(fc.integer({ min: 0, max: 3 }), { freq: 5 }),
  k: fc.option(fc.integer({ min: -5, max: 8 }), { freq: 5 }),
});

interface Dir {
  readonly sql: string;
  readonly desc: boolean;
  readonly nullsFirst: boolean;
}

const DIRS: readonly Dir[] = [
  { sql: '', desc: false, nullsFirst: false },
  { sql: ' DESC', desc: true, nullsFirst: true },
  { sql: ' NULLS FIRST', desc: false, nullsFirst: true },
  { sql: ' DESC NULLS LAST', desc: true, nullsFirst: false },
];

type Row = { readonly id: number } & Rec;

/** A session on `db` with t(id, p, k) holding `recs` (ids from 1), indexed on k and on (p, k). */
async function loaded(db: Database, recs: readonly Rec[]): Promise<Session> {
  const s = await db.connect();
  await s.execute('CREATE TABLE t(id INTEGER PRIMARY KEY, p INTEGER, k INTEGER)');
  await s.execute('CREATE INDEX t_k ON t(k)');
  await s.execute('CREATE INDEX t_pk ON t(p, k)');
  const lit = (v: number | null): string => (v === null ? 'NULL' : String(v));
  if (recs.length > 0) await s.execute(`INSERT INTO t VALUES ${recs.map((r, i) => `(${i + 1}, ${lit(r.p)}, ${lit(r.k)})`).join(', ')}`);
  return s;
}

function cmp(a: number | null, b: number | null, d: Dir): number {
  if (a === null || b === null) {
    if (a === b) return 0;
    return (a === null) === d.nullsFirst ? -1 : 1;
  }
  return d.desc ? b - a : a - b;
}

/** Per id: [row_number, rank, dense_rank] of the window (PARTITION BY p)? ORDER BY k d, id d. */
function model(rows: readonly Row[], partitioned: boolean, d: Dir): Map<number, [number, number, number]> {
  const out = new Map<number, [number, number, number]>();
  const parts = new Map<string, Row[]>();
  for (const r of rows) {
    const key = partitioned ? String(r.p) : '';
    const l = parts.get(key) ?? [];
    l.push(r);
    parts.set(key, l);
  }
  for (const l of parts.values()) {
    l.sort((a, b) => cmp(a.k, b.k, d) || (d.desc ? b.id - a.id : a.id - b.id));
    let rank = 0;
    let dense = 0;
    l.forEach((r, i) => {
      if (i === 0 || l[i - 1]!.k !== r.k) {
        rank = i + 1;
        dense++;
      }
      out.set(r.id, [i + 1, rank, dense]);
    });
  }
  return out;
}

describe('ranking window functions streamed in index order', () => {
  it('number the rows as sorting them by hand does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(recArb, { maxLength: 50 }),
        fc.boolean(),
        fc.constantFrom(...DIRS),
        fc.constantFrom('none', 'same', 'other'),
        fc.option(fc.integer({ min: 0, max: 12 }), { nil: null }),
        async (recs, partitioned, d, outer, limit) => {
          const db = await Database.open(':memory:');
          try {
            const s = await loaded(db, recs);
            const rows: Row[] = recs.map((r, i) => ({ id: i + 1, ...r }));
            const ord = `k${d.sql}, id${d.desc ? ' DESC' : ''}`;
            const over = `${partitioned ? 'PARTITION BY p ' : ''}ORDER BY ${ord}`;
            // rank and dense_rank see the ties of k: a window ordered by k alone gives them.
            const rankOver = `${partitioned ? 'PARTITION BY p ' : ''}ORDER BY k${d.sql}`;
            const outerSql = outer === 'same' ? ` ORDER BY ${partitioned ? `p${d.desc ? ' DESC NULLS LAST' : ' NULLS FIRST'}, ` : ''}${ord}` : outer === 'other' ? ' ORDER BY id DESC' : '';
            const sql =
              `SELECT id, row_number() OVER (${over}), rank() OVER w, dense_rank() OVER w FROM t` +
              ` WINDOW w AS (${rankOver})${outerSql}${limit === null ? '' : ` LIMIT ${limit}`}`;
            const streamedSql = `SELECT id, row_number() OVER (${over}) FROM t${outerSql}${limit === null ? '' : ` LIMIT ${limit}`}`;
            const rankSql = `SELECT id, rank() OVER w, dense_rank() OVER w FROM t WINDOW w AS (${rankOver})${limit === null ? '' : ` LIMIT ${limit}`}`;
            const want = model(rows, partitioned, d);
            // The three calls together (two windows: sorted), and each window alone (streamed).
            for (const q of [sql, streamedSql, rankSql]) {
              const got = (await s.execute(q, [], { rowMode: 'array' })).rows as number[][];
              expect(got.length).toBe(limit === null ? rows.length : Math.min(limit, rows.length));
              for (const r of got) {
                const w = want.get(r[0]!)!;
                if (q === rankSql) expect([r[1], r[2]]).toEqual([w[1], w[2]]);
                else if (q === streamedSql) expect(r[1]).toBe(w[0]);
                else expect(r.slice(1)).toEqual(w);
              }
              if (outer !== 'none' && q !== rankSql) {
                const order = [...rows].sort((a, b) => {
                  if (outer === 'other') return b.id - a.id;
                  const byP = partitioned ? cmp(a.p, b.p, { sql: '', desc: d.desc, nullsFirst: !d.desc }) : 0;
                  return byP || cmp(a.k, b.k, d) || (d.desc ? b.id - a.id : a.id - b.id);
                });
                expect(got.map((r) => r[0])).toEqual(order.slice(0, got.length).map((r) => r.id));
              }
            }
            // With a LIMIT on its order, the streamed window's plan reads an index and sorts nothing
            // (so the test does test the streamed path). An index keeps NULLs first: only its
            // first column's can be read apart, so within partitions k's must fall where they lie.
            if (outer !== 'other' && limit !== null && (!partitioned || d.nullsFirst === !d.desc)) {
              const plan = ((await s.execute(`EXPLAIN ${streamedSql}`, [], { rowMode: 'array' })).rows as string[][]).map((r) => r[0]).join('\n');
              expect(plan).toContain('(streamed)');
              if (outer === 'same') expect(plan).not.toMatch(/Sort/);
            }
          } finally {
            await db.close();
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('compute lag, first and last values and running aggregates as the partition pass does', async () => {
    // Over a total order (k, id) any frame is deterministic; over k alone only peer frames are.
    const total = ['row_number() OVER w', 'lag(k) OVER w', 'first_value(k) OVER w', 'last_value(k) OVER (w ROWS UNBOUNDED PRECEDING)',
      'sum(k) OVER (w ROWS UNBOUNDED PRECEDING)', 'count(*) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)', 'min(k) OVER w',
      'avg(k) OVER (w ROWS UNBOUNDED PRECEDING)', 'first_value(id) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)'];
    const ties = ['rank() OVER w', 'dense_rank() OVER w', 'sum(k) OVER w', 'count(k) OVER w', 'max(id) OVER w', 'last_value(k) OVER w',
      'avg(k) OVER (w GROUPS UNBOUNDED PRECEDING)', 'count(*) OVER (w RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)'];
    await fc.assert(
      fc.asyncProperty(
        fc.array(recArb, { maxLength: 50 }),
        fc.boolean(),
        fc.constantFrom(...DIRS),
        fc.constantFrom(...DIRS),
        fc.boolean(),
        fc.subarray([...total.keys()], { minLength: 1 }),
        fc.option(fc.integer({ min: 0, max: 12 }), { nil: null }),
        async (recs, partitioned, d, pd, tied, picks, limit) => {
          const db = await Database.open(':memory:');
          try {
            const s = await loaded(db, recs);
            const list = tied ? ties : total;
            const calls = [...new Set(picks.map((i) => list[i % list.length]!))];
            const idDir = d.desc ? ' DESC' : '';
            const win = (plus: string): string =>
              `${partitioned ? 'PARTITION BY p ' : ''}ORDER BY k${plus}${d.sql}${tied ? '' : `, id${plus}${idDir}`}`;
            // One total order for the rows a LIMIT keeps, whatever the plan.
            const outer = ` ORDER BY ${partitioned ? `p${pd.sql}, ` : ''}k${d.sql}, id${idDir}${limit === null ? '' : ` LIMIT ${limit}`}`;
            const q = (plus: string): string => `SELECT id, ${calls.join(', ')} FROM t WINDOW w AS (${win(plus)})${outer}`;
            // The reference orders its window by expressions (the grammar takes only columns in
            // PARTITION BY): no index serves it, so it sorts and
            // computes partition by partition.
            const want = (await s.execute(q(' + 0'), [], { rowMode: 'array' })).rows;
            const got = (await s.execute(q(''), [], { rowMode: 'array' })).rows;
            expect(got).toEqual(want);
            const plan = ((await s.execute(`EXPLAIN ${q('')}`, [], { rowMode: 'array' })).rows as string[][]).map((r) => r[0]).join('\n');
            const nullsOk = !partitioned || (d.nullsFirst === !d.desc && pd.desc === d.desc);
            if (limit !== null && nullsOk) {
              expect(plan).toContain('(streamed)');
              expect(plan).not.toMatch(/Sort/);
            }
            expect((await s.execute(`EXPLAIN ${q(' + 0')}`, [], { rowMode: 'array' })).rows.join('\n')).not.toContain('(streamed)');
          } finally {
            await db.close();
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
