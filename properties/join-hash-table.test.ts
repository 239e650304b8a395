// The hash join's table (join-hash-table.ts): every probe finds exactly the build rows with its
// key, in build order, in both forms (dense integer keys and the Map), and a SQL join through it
// equals a nested loop.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Database } from '../src/index.js';
import { JoinHashTable } from '../src/execution/join-hash-table.js';
import { hashValue } from '../src/execution/hash-join.js';

/** Keys as hashKey() gives them for one column: hashValue of the value, null for NULL. */
const denseKey = fc.oneof(fc.integer({ min: 0, max: 60 }), fc.constant(null));
const anyKey = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ min: -3, max: 3, noNaN: true }), fc.string({ maxLength: 2 }), fc.constant(null), fc.integer({ min: 2 ** 40, max: 2 ** 40 + 3 }));

function chainOf(t: JoinHashTable, k: unknown): number[] {
  const out: number[] = [];
  for (let j = t.first(k); j !== 0; j = t.next(j)) out.push(j - 1);
  return out;
}

function model(keys: readonly unknown[], k: unknown): number[] {
  const out: number[] = [];
  keys.forEach((b, i) => {
    if (b !== null && b === k) out.push(i);
  });
  return out;
}

describe('join hash table', () => {
  it('finds each key’s rows in build order (dense keys, then any keys)', () => {
    for (const arb of [denseKey, anyKey]) {
      fc.assert(
        fc.property(fc.array(arb, { maxLength: 200 }), fc.array(arb, { maxLength: 30 }), (raw, probes) => {
          const keys = raw.map((v) => (v === null ? null : hashValue(v)));
          const t = new JoinHashTable(keys);
          expect(t.size).toBe(keys.filter((k) => k !== null).length);
          for (const p of [...probes, ...raw.slice(0, 20)]) {
            if (p === null) continue;
            const k = hashValue(p);
            expect(chainOf(t, k)).toEqual(model(keys, k));
          }
        }),
      );
    }
  });

  it('takes a probe’s raw integer, bigint and out-of-range values in the dense form', () => {
    const t = new JoinHashTable([3, null, 7, 3, 0]);
    expect(t.hashed).toBe(false);
    expect(chainOf(t, 3)).toEqual([0, 3]);
    expect(chainOf(t, 3n)).toEqual([0, 3]);
    expect(chainOf(t, -0)).toEqual([4]);
    expect(chainOf(t, 3.5)).toEqual([]);
    expect(chainOf(t, -1)).toEqual([]);
    expect(chainOf(t, 8)).toEqual([]);
    expect(chainOf(t, 99n)).toEqual([]);
    expect(chainOf(t, '3')).toEqual([]);
    // A key far past the build's size turns the table to the Map form.
    const sparse = new JoinHashTable([1, 10_000_000]);
    expect(sparse.hashed).toBe(true);
    expect(chainOf(sparse, 10_000_000)).toEqual([1]);
  });

  it('joins tables as a nested loop does, for inner, left, right and full joins with duplicate and NULL keys', async () => {
    const db = await Database.open(':memory:');
    const s = await db.connect();
    try {
      await s.execute('CREATE TABLE a (id INTEGER PRIMARY KEY, x INTEGER)');
      await s.execute('CREATE TABLE b (id INTEGER PRIMARY KEY, y INTEGER, w TEXT)');
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.option(fc.integer({ min: -3, max: 40 }), { nil: null }), { minLength: 1, maxLength: 60 }),
          fc.array(fc.option(fc.integer({ min: -3, max: 40 }), { nil: null }), { minLength: 1, maxLength: 600, size: 'max' }),
          fc.boolean(),
          async (xs, ys, sparse) => {
            await s.execute('DELETE FROM a');
            await s.execute('DELETE FROM b');
            // Sparse keys (far apart) take the Map form; small ones the dense form.
            const key = (v: number | null): number | null => (v === null || !sparse ? v : v * 1_000_003);
            await (await s.prepare('INSERT INTO a VALUES ($1, $2)')).executeMany(xs.map((x, i) => [i, key(x)]));
            await (await s.prepare('INSERT INTO b VALUES ($1, $2, $3)')).executeMany(ys.map((y, i) => [i, key(y), `w${i}`]));
            const inner = (await s.execute('SELECT a.id, b.id FROM a JOIN b ON b.y = a.x ORDER BY 1, 2')).rows;
            const left = (await s.execute('SELECT a.id, b.id FROM a LEFT JOIN b ON b.y = a.x ORDER BY 1, 2')).rows;
            // RIGHT and FULL joins keep the build side's unmatched rows (read in place from its leaves).
            const right = (await s.execute('SELECT a.id, b.id, b.w FROM a RIGHT JOIN b ON b.y = a.x ORDER BY 2, 1')).rows;
            const full = (await s.execute('SELECT a.id, b.id FROM a FULL JOIN b ON b.y = a.x ORDER BY 1, 2')).rows;
            const wantInner: [number, number][] = [];
            const wantLeft: [number, number | null][] = [];
            const matchedB = new Set<number>();
            xs.forEach((x, i) => {
              let any = false;
              ys.forEach((y, j) => {
                if (x !== null && y !== null && key(x) === key(y)) {
                  wantInner.push([i, j]);
                  wantLeft.push([i, j]);
                  matchedB.add(j);
                  any = true;
                }
              });
              if (!any) wantLeft.push([i, null]);
            });
            const wantRight: [number | null, number, string][] = [];
            ys.forEach((_, j) => {
              const partners = wantInner.filter(([, b]) => b === j).map(([a]) => a);
              if (partners.length === 0) wantRight.push([null, j, `w${j}`]);
              for (const a of partners) wantRight.push([a, j, `w${j}`]);
            });
            const byNullsLast = (p: (number | null)[], q: (number | null)[]): number => {
              for (let c = 0; c < p.length; c++) {
                const u = p[c] ?? Infinity;
                const v = q[c] ?? Infinity;
                if (u !== v) return u - v;
              }
              return 0;
            };
            const wantFull = [...wantLeft, ...ys.flatMap((_, j) => (matchedB.has(j) ? [] : [[null, j] as [null, number]]))].sort(byNullsLast);
            expect(inner).toEqual(wantInner);
            expect(left).toEqual(wantLeft);
            expect(right).toEqual(wantRight);
            expect(full).toEqual(wantFull);
          },
        ),
        { numRuns: 40 },
      );
    } finally {
      await db.close();
    }
  });
});
