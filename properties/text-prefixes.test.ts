// Point lookups by text through the nodes' text prefixes (text-prefixes.ts) answer as the plain
// lookup does: keys with long common prefixes, prefixes of each other, surrogates and characters
// past them (code point order), tuples that go on after the text, and nodes where some key does
// not start with text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PutMode, TreeWriter, lookup, lookupShared, objectSource } from '../src/storage/btree.js';
import { newLeaf, newToken, tupleSize, type BNode } from '../src/storage/node.js';
import type { Key, SqlValue } from '../src/storage/ports.js';

const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: fc.constantFrom('a', 'b', 'z', '\u00e9', '\ud83d', '\ude00', '\uffff', '\ue000'), maxLength: 6 }).map((s) => `user_${s}`) },
  { weight: 2, arbitrary: fc.string({ maxLength: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom('', 'user_', 'user', 'use', 'user_a', 'user_ab', 'user_abc', 'user_abcd') },
);
const keyArb = (wide: boolean): fc.Arbitrary<Key> =>
  fc.oneof(
    { weight: 30, arbitrary: wide ? fc.tuple(text, fc.integer({ min: 0, max: 3 })) : fc.tuple(text) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom<SqlValue>(null, 7, 1.5)) },
  );

describe('text prefixes', () => {
  it('find what the plain lookup finds', () => {
    fc.assert(
      fc.property(
        fc.boolean().chain((wide) => fc.tuple(fc.array(keyArb(wide), { maxLength: 400 }), fc.array(keyArb(wide), { maxLength: 60 }))),
        fc.integer({ min: 100, max: 600 }),
        ([keys, probes], capacity) => {
          const w = new TreeWriter(objectSource, capacity);
          w.owner = newToken();
          let root: BNode = newLeaf(w.owner);
          for (const k of keys) root = w.put(root, k, [JSON.stringify(k)], tupleSize(k) + tupleSize([JSON.stringify(k)]), PutMode.Upsert);
          // Committed: no writer changes these nodes any more.
          w.owner = newToken();
          for (const k of [...keys, ...probes]) expect(lookupShared(objectSource, root, k)).toEqual(lookup(objectSource, root, k));
          for (const k of keys) expect(lookupShared(objectSource, root, k)).toBeDefined();
        },
      ),
      { numRuns: 150 },
    );
  });
});
