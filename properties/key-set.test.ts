// KeySet (DISTINCT, UNION) against text keys: a one-column row is new exactly when no earlier
// value is the same number (exactly: a double past 2^53 equals the bigint of its value, -0 is 0),
// or otherwise has the same groupKey, for any mix of numbers, bigints, text that reads as a
// number, bytes, booleans and NULL; wider rows as their rowKey says.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SqlValue } from '../src/storage/ports.js';
import { KeySet } from '../src/execution/key-set.js';
import { groupKey, rowKey } from '../src/execution/values.js';

const valueArb: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(-0, 0.5, NaN, Infinity, 2 ** 53, 2 ** 60, -(2 ** 63)),
  fc.bigInt({ min: -3n, max: 3n }),
  fc.constantFrom(2n ** 53n, 2n ** 60n, -(2n ** 63n), 2n ** 64n),
  fc.constantFrom('1', '0', 'n1', 'x01', '', 'a', 'true', 'N'),
  fc.constantFrom(new Uint8Array([1]), new Uint8Array([]), new Uint8Array([1, 2])),
  fc.boolean(),
  fc.constant(null),
);

describe('KeySet', () => {
  /** A number's exact value as text; anything else its groupKey. */
  const exact = (v: SqlValue): string =>
    typeof v === 'number' && Number.isInteger(v) ? 'n' + BigInt(v).toString() : typeof v === 'bigint' ? 'n' + v.toString() : groupKey(v);

  /** Adds each value as a one-column row; each must be new exactly when its exact value is. */
  const checkOneColumn = (vs: readonly SqlValue[]): void => {
    const set = new KeySet();
    const ref = new Set<string>();
    for (const v of vs) {
      const k = exact(v);
      const fresh = !ref.has(k);
      ref.add(k);
      expect(set.add([v], 1), `${String(v)} (${typeof v})`).toBe(fresh);
    }
  };

  it('takes a one-column row as new exactly when no earlier value equals it', () => {
    fc.assert(
      fc.property(fc.array(valueArb, { maxLength: 40 }), (vs) => {
        checkOneColumn(vs);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps integers apart across a range of sizes (the small-integer map grows, and ends at 2^20)', () => {
    const wide: fc.Arbitrary<SqlValue> = fc.oneof(
      fc.integer({ min: 0, max: 5000 }),
      fc.constantFrom(1023, 1024, 2 ** 20 - 1, 2 ** 20, 2 ** 20 + 1, -1, 0.5, -0),
      fc.bigInt({ min: 1000n, max: 1030n }),
      fc.constantFrom(2n ** 20n - 1n, 2n ** 20n, 0n),
      fc.constantFrom('1024', 'x'),
    );
    fc.assert(
      fc.property(fc.array(wide, { maxLength: 200 }), (vs) => {
        checkOneColumn(vs);
      }),
      { numRuns: 300 },
    );
  });

  it('takes a wider row as new exactly when its rowKey is', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(valueArb, valueArb), { maxLength: 40 }), (rows) => {
        const set = new KeySet();
        const ref = new Set<string>();
        for (const r of rows) {
          const k = rowKey(r, 2);
          const fresh = !ref.has(k);
          ref.add(k);
          expect(set.add(r, 2)).toBe(fresh);
        }
      }),
      { numRuns: 300 },
    );
  });
});
