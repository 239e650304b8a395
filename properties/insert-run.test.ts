// The write log's runs of inserts (insert-run.ts) keep rows flat in chunks and one-number keys as
// numbers until a key of another kind: every row and key reads back as pushed, across chunk
// boundaries and the change of key form; a row of another width is refused.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newInsertRun, pushToRun, runKey, runRow } from '../src/storage/insert-run.js';
import type { Key, Row, SqlValue } from '../src/storage/ports.js';

const sqlValue: fc.Arbitrary<SqlValue> = fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 4 }), fc.constant(null), fc.boolean());
const key: fc.Arbitrary<Key> = fc.oneof(
  { weight: 8, arbitrary: fc.integer().map((x) => [x]) },
  { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 3 }), fc.integer()) },
  { weight: 1, arbitrary: fc.constant([Number.NaN]) },
);

describe('insert runs', () => {
  it('read back every row and key as pushed', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 1, 3, 1500, 9000), fc.integer({ min: 1, max: 120 }), fc.array(key, { minLength: 120, maxLength: 120 }), fc.array(sqlValue, { minLength: 1, maxLength: 40 }), (w, n, keys, pool) => {
        const rows: Row[] = [];
        for (let i = 0; i < n; i++) {
          const row: Row = [];
          for (let j = 0; j < w; j++) row.push(pool[(i * 7 + j) % pool.length]!);
          rows.push(row);
        }
        const run = newInsertRun('t', rows[0]!, keys[0]!);
        for (let i = 1; i < n; i++) expect(pushToRun(run, rows[i]!, keys[i]!)).toBe(true);
        expect(pushToRun(run, [...(rows[0] ?? []), 1], [1])).toBe(false);
        expect(run.count).toBe(n);
        for (let i = 0; i < n; i++) {
          expect(runRow(run, i)).toEqual(rows[i]);
          expect(runKey(run, i)).toEqual(keys[i]);
        }
        const numeric = keys.slice(0, n).every((k) => k.length === 1 && typeof k[0] === 'number' && !Number.isNaN(k[0]));
        expect(run.nums !== null).toBe(numeric);
      }),
      { numRuns: 100 },
    );
  });
});
