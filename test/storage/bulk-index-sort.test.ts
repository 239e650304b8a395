// The packed sort of integer-first index keys (src/storage/bulk-index.ts) at the edge of its range:
// first elements near the largest magnitude it accepts, negative ones, and ties.
import { expect, it } from 'vitest';
import { sortIndexKeys } from '../../src/storage/bulk-index.js';
import { compareKeys } from '../../src/storage/key-order.js';
it('orders keys whose first elements are near the packed range\'s limit exactly as compareKeys does', () => {
  const n = 1000;
  const big = Math.floor(Number.MAX_SAFE_INTEGER / (n + 1)) - 3;
  const keys: (number)[][] = [];
  for (let i = 0; i < n; i++) keys.push([(i % 2 === 0 ? big - (i % 7) : -big + (i % 5)), n - i]);
  const want = keys.map((k) => k.slice()).sort(compareKeys);
  sortIndexKeys(keys);
  expect(keys).toEqual(want);
});
