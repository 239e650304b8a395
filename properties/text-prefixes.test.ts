// Nodes whose keys start with text keep a packed cache of their next characters (text-prefixes.ts),
// built by searches and kept in step by every edit. A raw tree under random inserts, removals and
// freezes (later edits copy), with lookups between them so the caches exist while the tree
// changes, against a sorted model: keys with long common prefixes, prefixes of each other,
// surrogates and characters past them (code point order), tuples that go on after the text, and
// now and then a key that is not text; and index probes by the first value.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasPrefix, lookup, lookupShared, objectSource, prefixRun, walkTree } from '../src/storage/btree.js';
import { TreeCursor } from '../src/storage/cursor.js';
import { compareKeys, comparePrefix } from '../src/storage/key-order.js';
import type { Key, SqlValue } from '../src/storage/ports.js';
import { textPrefixesHold } from '../src/storage/text-prefixes.js';
import { RawTree } from './raw-tree.js';

const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: fc.constantFrom('a', 'b', 'z', '\u00e9', '\ud83d', '\ude00', '\uffff', '\ue000'), maxLength: 6 }).map((s) => `user_${s}`) },
  { weight: 2, arbitrary: fc.string({ maxLength: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom('', 'user_', 'user', 'use', 'user_a', 'user_ab', 'user_abc', 'user_abcd') },
);
const keyArb = (wide: boolean): fc.Arbitrary<Key> =>
  fc.oneof(
    { weight: 60, arbitrary: wide ? fc.tuple(text, fc.integer({ min: 0, max: 3 })) : fc.tuple(text) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom<SqlValue>(null, 7, 1.5)) },
  );
type Op = { k: 'put' | 'del' | 'get'; key: Key } | { k: 'freeze' };
const opArb = (wide: boolean): fc.Arbitrary<Op> =>
  fc.oneof(
    { weight: 10, arbitrary: fc.record({ k: fc.constant('put' as const), key: keyArb(wide) }) },
    { weight: 4, arbitrary: fc.record({ k: fc.constant('del' as const), key: keyArb(wide) }) },
    { weight: 4, arbitrary: fc.record({ k: fc.constant('get' as const), key: keyArb(wide) }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('freeze' as const) }) },
  );
const name = (k: Key): string => JSON.stringify(k);

describe('text prefixes', () => {
  it('keep in step with every edit and find what a sorted model holds', () => {
    fc.assert(
      fc.property(
        fc.boolean().chain((wide) => fc.array(opArb(wide), { minLength: 1, maxLength: 500, size: 'max' })),
        fc.integer({ min: 100, max: 600 }),
        (ops, capacity) => {
          const t = new RawTree(capacity, name);
          const model = t.model;
          for (const op of ops) {
            if (op.k === 'freeze') t.freeze();
            else if (op.k === 'put') t.put(op.key);
            else if (op.k === 'del') {
              const had = model.has(name(op.key));
              t.remove(op.key);
              expect(t.w.found).toBe(had);
            } else {
              const root = t.root;
              // Searches that build the caches of the nodes they pass, between edits.
              const want = model.has(name(op.key)) ? [name(model.get(name(op.key))!)] : undefined;
              expect(lookupShared(objectSource, root, op.key)).toEqual(want);
              expect(lookup(objectSource, root, op.key)).toEqual(want);
            }
          }
          const root = t.root;
          walkTree(objectSource, root, (n) => expect(textPrefixesHold(n)).toBe(true));
          const sorted = [...model.values()].sort(compareKeys);
          for (const k of sorted) expect(lookupShared(objectSource, root, k)).toEqual([name(k)]);
          const all: string[] = [];
          const c = new TreeCursor(objectSource, root, undefined, false);
          while (c.advance()) all.push(name(c.key));
          expect(all).toEqual(sorted.map(name));
          // Ranges with text bounds, both directions, over shared nodes (caches built) and not.
          for (const op of ops) {
            if (op.k === 'freeze') continue;
            const lo = op.key.slice(0, 1);
            const hi = [`${String(op.key[0])}\uffff`];
            for (const [rev, shared, strict] of [[false, true, false], [true, true, true], [false, false, true], [true, false, false]] as const) {
              const r = { lower: lo, lowerInclusive: !strict, upper: hi, upperInclusive: strict };
              const inRange = (k: Key): boolean => {
                const a = comparePrefix(k, lo);
                const b = comparePrefix(k, hi);
                return (strict ? a > 0 : a >= 0) && (strict ? b <= 0 : b < 0);
              };
              const want = sorted.filter(inRange).map(name);
              if (rev) want.reverse();
              const got: string[] = [];
              const rc = new TreeCursor(objectSource, root, r, rev, shared);
              while (rc.advance()) got.push(name(rc.key));
              expect(got).toEqual(want);
            }
          }
          // Index probes by the first value (an equality on an indexed text column).
          for (const op of ops) {
            if (op.k === 'freeze') continue;
            const bound = op.key.slice(0, 1);
            const want = sorted.filter((k) => comparePrefix(k, bound) === 0).map(name);
            // Only the first n values of a bound count, whatever follows them.
            for (const b of [bound, [...bound, 'zzz'], [...bound, -1]]) {
              const run = prefixRun(objectSource, root, b, 1, true);
              if (run !== undefined) expect(run.map(name)).toEqual(want);
            }
            // A unique-index check: a key with this first value and another rest than op.key's.
            const except = op.key.slice(1);
            const has = hasPrefix(objectSource, root, op.key, 1, except);
            const other = sorted.some((k) => comparePrefix(k, bound) === 0 && name(k.slice(1)) !== name(except));
            if (has !== undefined) expect(has).toBe(other);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
