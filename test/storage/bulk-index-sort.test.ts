// The sorts of integer-first index keys (src/storage/bulk-index.ts): counting and the radix sort for first
// elements spanning less than 2^32, the packed native sort for wider spans at the edge of its
// range, and ties broken by the rest of the key — always exactly the order compareKeys gives.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { sortIndexKeys } from '../../src/storage/bulk-index.js';
import { compareKeys } from '../../src/storage/key-order.js';

function sortedLikeCompareKeys(keys: number[][]): void {
  const want = keys.map((k) => k.slice()).sort(compareKeys);
  sortIndexKeys(keys);
  expect(keys).toEqual(want);
}

it('orders keys whose first elements are near the packed range\'s limit exactly as compareKeys does', () => {
  const n = 1000;
  const big = Math.floor(Number.MAX_SAFE_INTEGER / (n + 1)) - 3;
  const keys: number[][] = [];
  for (let i = 0; i < n; i++) keys.push([i % 2 === 0 ? big - (i % 7) : -big + (i % 5), n - i]);
  sortedLikeCompareKeys(keys);
});

it('orders keys by counting or by the radix sort exactly as compareKeys does, for spans of one value to just under 2^32', () => {
  const span = fc.constantFrom(0, 1, 150, 599, 2047, 2048, 4_000_000, 2 ** 22, 2 ** 32 - 1);
  fc.assert(
    fc.property(
      span,
      fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
      fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: -5, max: 5 })), { minLength: 1, maxLength: 300 }),
      (s, base, parts) => {
        // First elements spread over [base, base + s], with the span's both ends present and ties.
        const keys = parts.map(([f, rest], i) => [base + (i === 0 ? 0 : i === 1 ? s : Math.floor(f * s)), rest, i]);
        sortedLikeCompareKeys(keys);
      },
    ),
    { numRuns: 300 },
  );
});

it('leaves no keys and one key as they are', () => {
  const none: number[][] = [];
  sortIndexKeys(none);
  expect(none).toEqual([]);
  sortedLikeCompareKeys([[5, 1]]);
});

it('takes the packed sort just past the radix span, and keeps keys equal in their first element in order of the rest', () => {
  const keys: number[][] = [];
  for (let i = 0; i < 500; i++) keys.push([i % 3 === 0 ? 2 ** 32 : i % 3 === 1 ? 0 : -7, (i * 7919) % 13, i]);
  sortedLikeCompareKeys(keys);
  const many: number[][] = [];
  for (let i = 0; i < 100_000; i++) many.push([1 + ((i * 7919) % 100_000), i]);
  sortedLikeCompareKeys(many);
});
