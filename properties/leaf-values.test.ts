// Leaves keep their values in three forms (leaf-values.ts): rows of one width flat, no values when
// all are NULL, one per entry otherwise, and measure entry sizes from keys and values in the first
// two. Random puts (rows of two widths, NULLs, wrapped and overflow values), removals (merging
// leaves of different forms) and freezes (copy-on-write clones) against a model: every value reads
// back, every leaf is well formed and its accounted bytes are the sum of its entries' sizes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PutMode, TreeWriter, lookup, objectSource, walkTree } from '../src/storage/btree.js';
import { TreeCursor } from '../src/storage/cursor.js';
import { leafLength } from '../src/storage/leaf-keys.js';
import { entrySize, leafValueSize, valuesHold } from '../src/storage/leaf-values.js';
import { NODE_OVERHEAD, newLeaf, newToken, tupleSize, type BNode, type LeafValue } from '../src/storage/node.js';

type Op = { k: 'put'; key: number; form: number } | { k: 'del'; key: number } | { k: 'freeze' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ k: fc.constant('put' as const), key: fc.integer({ min: 0, max: 150 }), form: fc.nat(9) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('del' as const), key: fc.integer({ min: 0, max: 150 }) }) },
  { weight: 1, arbitrary: fc.constant({ k: 'freeze' as const }) },
);

/** Mostly rows of width 3 (the flat form), sometimes another width, NULL or a reference. */
function valueOf(key: number, form: number): LeafValue {
  if (form <= 5) return [key, `v${key}`, form % 2 === 0 ? null : form * 1.5];
  if (form === 6) return [key, 'w'];
  if (form === 7) return null;
  if (form === 8) return { o: key + 1, c: 1, n: 40 };
  return { row: [key, 'big'] };
}

describe('leaf values', () => {
  it('read back as put, in well-formed leaves whose sizes add up', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(op, { minLength: 50, maxLength: 800 }), (allRows, ops) => {
        const w = new TreeWriter(objectSource, 200);
        w.owner = newToken();
        let root: BNode = newLeaf(w.owner);
        const model = new Map<number, LeafValue>();
        for (const o of ops) {
          if (o.k === 'freeze') w.owner = newToken();
          else if (o.k === 'del') {
            root = w.remove(root, [o.key]);
            model.delete(o.key);
          } else {
            // Some runs keep every value a row of width 3: the leaves then stay flat throughout.
            const v = valueOf(o.key, allRows ? o.form % 6 : o.form);
            root = w.put(root, [o.key], v, tupleSize([o.key]) + leafValueSize(v), PutMode.Upsert);
            model.set(o.key, v);
          }
        }
        for (const [k, v] of model) expect(lookup(objectSource, root, [k])).toEqual(v);
        const seen: [number, LeafValue][] = [];
        const c = new TreeCursor(objectSource, root, undefined, false);
        while (c.advance()) seen.push([c.key[0] as number, c.value]);
        expect(seen).toEqual([...model].sort((a, b) => a[0] - b[0]));
        walkTree(objectSource, root, (n) => {
          if (!n.leaf) return;
          const count = leafLength(n);
          expect(valuesHold(n, count)).toBe(true);
          let bytes = NODE_OVERHEAD;
          for (let i = 0; i < count; i++) bytes += entrySize(n, i);
          expect(n.bytes).toBe(bytes);
          if (allRows && count > 0) expect(n.flat).not.toBeNull();
        });
      }),
      { numRuns: 200 },
    );
  });
});
