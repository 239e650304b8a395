// Leaves keep keys of numbers flat (leaf-keys.ts) and turn to tuples when another key arrives. A
// raw tree under random edits with keys that are mostly numbers, sometimes not (null, text, NaN,
// bigint, another length), against a sorted model: scans, ranges, lookups and prefix probes must
// answer as for tuples, whatever form each leaf is in.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PutMode, TreeWriter, hasPrefix, lookup, objectSource, prefixRun, walkTree } from '../src/storage/btree.js';
import { TreeCursor } from '../src/storage/cursor.js';
import { compareKeys, comparePrefix } from '../src/storage/key-order.js';
import { keyAt, leafKeys, leafLength } from '../src/storage/leaf-keys.js';
import { valuesHold } from '../src/storage/leaf-values.js';
import { newLeaf, newToken, tupleSize, type BNode } from '../src/storage/node.js';
import type { Key, KeyRange, SqlValue } from '../src/storage/ports.js';
import { RawTree } from './raw-tree.js';

const num = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: -3, max: 30 }) }, { weight: 1, arbitrary: fc.constantFrom(1.5, -0, 2 ** 53, -1e300) });
const odd: fc.Arbitrary<SqlValue> = fc.constantFrom<SqlValue>(null, 'a', 'b', Number.NaN, 3n, true);
/** Keys of mostly one length (a tree's keys all have one), now and then another or a non-number. */
const keyArb = (wide: boolean): fc.Arbitrary<Key> =>
  fc.oneof(
    { weight: 80, arbitrary: wide ? fc.tuple(num, num) : fc.tuple(num) },
    { weight: 1, arbitrary: fc.tuple(odd, num) },
    { weight: 1, arbitrary: fc.tuple(num, odd) },
    { weight: 1, arbitrary: wide ? fc.tuple(num) : fc.tuple(num, num) },
  );
const boundArb: fc.Arbitrary<Key> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(num) },
  { weight: 6, arbitrary: fc.tuple(num, num) },
  { weight: 1, arbitrary: fc.tuple(odd) },
  { weight: 1, arbitrary: fc.tuple(num, odd) },
);

type Op = { k: 'put'; key: Key } | { k: 'del'; key: Key } | { k: 'freeze' };
const opArb = (wide: boolean): fc.Arbitrary<Op> =>
  fc.oneof(
    { weight: 10, arbitrary: fc.record({ k: fc.constant('put' as const), key: keyArb(wide) }) },
    { weight: 4, arbitrary: fc.record({ k: fc.constant('del' as const), key: keyArb(wide) }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('freeze' as const) }) },
  );

/** A key's identity in the key order: 3 and 3n, 0 and -0 are one key (and NaN is itself). */
function valueName(v: SqlValue): string {
  if (typeof v === 'number' || typeof v === 'bigint') return Number.isNaN(v) ? 'NaN' : `n:${String(Number(v))}`;
  if (typeof v === 'string') return `s:${v}`;
  return String(v);
}
const name = (k: Key): string => k.map(valueName).join('|');

function inRange(k: Key, r: KeyRange): boolean {
  if (r.lower !== undefined) {
    const c = comparePrefix(k, r.lower);
    if (c < 0 || (c === 0 && r.lowerInclusive === false)) return false;
  }
  if (r.upper !== undefined) {
    const c = comparePrefix(k, r.upper);
    if (c > 0 || (c === 0 && r.upperInclusive === false)) return false;
  }
  return true;
}

describe('leaves with numeric keys', () => {
  it('answer scans, ranges, lookups and prefix probes as tuples would, in either form', () => {
    fc.assert(
      fc.property(
        fc.boolean().chain((wide) => fc.array(opArb(wide), { minLength: 1, maxLength: 400, size: 'max' })),
        fc.array(fc.record({ lo: fc.option(boundArb), hi: fc.option(boundArb), loInc: fc.boolean(), hiInc: fc.boolean(), rev: fc.boolean() }), { maxLength: 8 }),
        fc.array(boundArb, { maxLength: 8 }),
        (ops, ranges, probes) => {
          const t = new RawTree(200, name);
          for (const op of ops) {
            if (op.k === 'freeze') t.freeze();
            else if (op.k === 'put') t.put(op.key);
            else {
              const had = t.model.has(name(op.key));
              t.remove(op.key);
              expect(t.w.found).toBe(had);
            }
          }
          const { root, model } = t;
          const sorted = [...model.values()].sort(compareKeys);
          // Every leaf: numeric form only with keys of exactly `ar` non-NaN numbers.
          walkTree(objectSource, root, (n) => {
            if (!n.leaf) return;
            expect(valuesHold(n, leafLength(n))).toBe(true);
            if (n.nums !== null && leafLength(n) > 0)
              for (const k of leafKeys(n)) expect(k.length === n.ar && k.every((x) => typeof x === 'number' && !Number.isNaN(x))).toBe(true);
          });
          const all: Key[] = [];
          const c = new TreeCursor(objectSource, root, undefined, false);
          while (c.advance()) {
            all.push(c.key);
            expect(c.value).toEqual([name(c.key)]);
          }
          expect(all.map(name)).toEqual(sorted.map(name));
          for (const k of sorted) expect(lookup(objectSource, root, k)).toEqual([name(k)]);
          for (const r0 of ranges) {
            const r: KeyRange = {
              ...(r0.lo !== null ? { lower: r0.lo, lowerInclusive: r0.loInc } : {}),
              ...(r0.hi !== null ? { upper: r0.hi, upperInclusive: r0.hiInc } : {}),
            };
            const want = sorted.filter((k) => inRange(k, r));
            if (r0.rev) want.reverse();
            const got: Key[] = [];
            const rc = new TreeCursor(objectSource, root, r, r0.rev);
            while (rc.advance()) got.push(rc.key);
            expect(got.map(name)).toEqual(want.map(name));
          }
          for (const b of probes) {
            const starts = sorted.filter((k) => comparePrefix(k, b.slice(0, 1)) === 0);
            const run = prefixRun(objectSource, root, b, 1, false);
            if (run !== undefined) expect(run.map(name)).toEqual(starts.map(name));
            const except = b.length > 1 ? b.slice(1) : undefined;
            const has = hasPrefix(objectSource, root, b, 1, except);
            const want = starts.some((k) => except === undefined || name(k.slice(1)) !== name(except));
            if (has !== undefined) expect(has).toBe(want);
            expect(lookup(objectSource, root, b)).toEqual(model.has(name(b)) ? [name(b)] : undefined);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('build a key on demand that equals the one put in', () => {
    const w = new TreeWriter(objectSource, 4000);
    w.owner = newToken();
    let root: BNode = newLeaf(w.owner);
    for (const k of [[3, 1], [1, 2], [2, -0]] as Key[]) root = w.put(root, k, null, tupleSize(k) + 1, PutMode.Insert);
    if (!root.leaf) throw new Error('one leaf expected');
    expect(root.nums).toEqual([1, 2, 2, -0, 3, 1]);
    expect(Object.is(keyAt(root, 1)[1], -0)).toBe(true);
    // A text key turns the leaf to tuples, order kept.
    root = w.put(root, ['x', 0], null, tupleSize(['x', 0]) + 1, PutMode.Insert);
    if (!root.leaf) throw new Error('one leaf expected');
    expect(root.nums).toBeNull();
    expect(leafKeys(root)).toEqual([[1, 2], [2, -0], [3, 1], ['x', 0]]);
  });
});
