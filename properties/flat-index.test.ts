// Pending index entries of numbers are sorted and built flat (flat-index.ts): the same order and
// the same tree as the tuple path gives, for any spread of values (counting, radix and comparison
// orders), widths and duplicated first elements.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildIndexTree, sortIndexKeys } from '../src/storage/bulk-index.js';
import { buildFlatIndexTree, sortFlat } from '../src/storage/flat-index.js';
import { leafKeys } from '../src/storage/leaf-keys.js';
import type { BNode } from '../src/storage/node.js';
import { flatTuples } from '../src/storage/pending-keys.js';
import type { Key } from '../src/storage/ports.js';

const value = (spread: number): fc.Arbitrary<number> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: spread }) },
    { weight: 1, arbitrary: fc.integer({ min: -spread, max: 0 }) },
    { weight: 1, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
  );

const entries = fc
  .tuple(fc.integer({ min: 1, max: 3 }), fc.constantFrom(5, 1000, 2 ** 20, 2 ** 40), fc.boolean())
  .chain(([ar, spread, ints]) =>
    fc.tuple(
      fc.constant(ar),
      fc.array(fc.array(ints ? fc.integer({ min: 0, max: spread }) : value(spread), { minLength: ar, maxLength: ar }), { maxLength: 2000 }),
    ),
  );

const shape = (n: BNode): unknown =>
  n.leaf
    ? { keys: leafKeys(n), sizes: n.sizes, bytes: n.bytes }
    : { keys: n.keys, sizes: n.sizes, bytes: n.bytes, children: n.children.map((c) => shape(c as BNode)) };

describe('flat index entries', () => {
  it('sort as their tuples sort and build the tree the tuples build', () => {
    fc.assert(
      fc.property(entries, ([ar, keys]) => {
        const tuples: Key[] = keys.map((k) => k.slice());
        const sorted = sortFlat(keys.flat(), ar);
        sortIndexKeys(tuples);
        expect(flatTuples(sorted, ar)).toEqual(tuples);
        const capacity = 1024 - 16;
        const flat = buildFlatIndexTree(sorted, ar, 1, capacity);
        expect(shape(flat)).toEqual(shape(buildIndexTree(tuples, 1, capacity)));
      }),
      { numRuns: 60 },
    );
  });
});
