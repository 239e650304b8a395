// The nodes' number caches (first elements of the keys as numbers, kept in step by every edit of
// a writer's own nodes) against the keys themselves, under random inserts, replacements and
// removes with many ties on the first element, keys of other types, freezes (later edits copy)
// and lookups of present and absent keys.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PutMode, TreeWriter, lookup, lookupShared, objectSource, walkTree } from '../src/storage/btree.js';
import { TreeCursor } from '../src/storage/cursor.js';
import { compareKeys } from '../src/storage/key-order.js';
import { newLeaf, newToken, tupleSize, type BNode } from '../src/storage/node.js';
import type { Key, SqlValue } from '../src/storage/ports.js';
import { leafKeys } from '../src/storage/leaf-keys.js';

type Edit =
  | { k: 'put'; a: SqlValue; b: number }
  | { k: 'replace'; a: SqlValue; b: number }
  | { k: 'del'; a: SqlValue; b: number }
  | { k: 'freeze' }
  | { k: 'read'; a: SqlValue; b: number };

const first: fc.Arbitrary<SqlValue> = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 0, max: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom<SqlValue>('s', null, 2.5, -0) },
);
const editArb: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ k: fc.constant('put' as const), a: first, b: fc.integer({ min: 0, max: 30 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('replace' as const), a: first, b: fc.integer({ min: 0, max: 30 }) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('del' as const), a: first, b: fc.integer({ min: 0, max: 30 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('freeze' as const) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('read' as const), a: first, b: fc.integer({ min: 0, max: 30 }) }) },
);

/** Every cache that exists says what the keys say. */
function checkCaches(root: BNode): void {
  walkTree(objectSource, root, (n) => {
    const keys = n.leaf ? leafKeys(n) : n.keys;
    if (n.leaf && n.nums !== null) {
      expect(n.n0).toBeUndefined();
      expect(keys.every((k) => k.length === n.ar && k.every((x) => typeof x === 'number' && !Number.isNaN(x)))).toBe(true);
    }
    if (Array.isArray(n.n0)) {
      expect(n.n0.length).toBe(keys.length);
      for (let i = 0; i < keys.length; i++) expect(n.n0[i]).toBe(keys[i]![0]);
    }
    if (Array.isArray(n.nk)) {
      expect(n.nk).toEqual(keys.map((k) => k[0]));
      expect(keys.every((k) => k.length === 1)).toBe(true);
    }
  });
}

const id = (k: Key): string => JSON.stringify(k.map((v) => (Object.is(v, -0) ? 0 : v)));

describe('node number caches', () => {
  it('stay in step with the keys of a writer\'s own nodes and answer searches like the keys', () => {
    fc.assert(
      fc.property(fc.array(editArb, { minLength: 1, maxLength: 500, size: 'max' }), fc.boolean(), (edits, singleKeys) => {
        const w = new TreeWriter(objectSource, 200);
        w.owner = newToken();
        let root: BNode = newLeaf(w.owner);
        const model = new Map<string, { key: Key; v: number }>();
        const keyOf = (a: SqlValue, b: number): Key => (singleKeys ? [typeof a === 'number' ? a * 100 + b : a] : [a, b]);
        let n = 0;
        for (const e of edits) {
          if (e.k === 'freeze') {
            w.owner = newToken();
            continue;
          }
          const key = keyOf(e.a, e.b);
          const m = model.get(id(key));
          if (e.k === 'put') {
            n++;
            root = w.put(root, key, [n], tupleSize(key) + 3, PutMode.Upsert);
            // An existing entry keeps its key (-0 and 0 are one key): only the value changes.
            model.set(id(key), { key: m?.key ?? key, v: n });
          } else if (e.k === 'replace') {
            n++;
            root = w.put(root, key, [n], tupleSize(key) + 3, PutMode.Replace);
            expect(w.missing).toBe(m === undefined);
            if (m !== undefined) {
              expect(w.removed).toEqual([m.v]);
              model.set(id(key), { key: m.key, v: n });
            }
          } else if (e.k === 'del') {
            root = w.remove(root, key);
            expect(w.found).toBe(m !== undefined);
            model.delete(id(key));
          } else {
            expect(lookup(objectSource, root, key)).toEqual(m === undefined ? undefined : [m.v]);
            // A reader may build caches on frozen nodes too; the writer's later copies keep them.
            expect(lookupShared(objectSource, root, key)).toEqual(m === undefined ? undefined : [m.v]);
          }
          checkCaches(root);
        }
        const keys: Key[] = [];
        const c = new TreeCursor(objectSource, root, undefined, false);
        while (c.advance()) keys.push(c.key);
        expect(keys).toEqual([...model.values()].map((x) => x.key).sort(compareKeys));
        for (const { key, v } of model.values()) expect(lookup(objectSource, root, key)).toEqual([v]);
      }),
      { numRuns: 150 },
    );
  });
});
