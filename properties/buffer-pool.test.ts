// The buffer pool never evicts a pinned page, stays within capacity while unpinned frames exist,
// and always returns the node its loader gives for a page id.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferPool } from '../src/storage/buffer-pool.js';
import { newLeaf, type BNode } from '../src/storage/node.js';
import { insertKey, keyAt } from '../src/storage/leaf-keys.js';

type Op = { k: 'get'; id: number } | { k: 'pin'; id: number } | { k: 'unpin'; id: number } | { k: 'put'; id: number };

const opArb = (pages: number): fc.Arbitrary<Op> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ k: fc.constant('get' as const), id: fc.integer({ min: 1, max: pages }) }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('pin' as const), id: fc.integer({ min: 1, max: pages }) }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('unpin' as const), id: fc.integer({ min: 1, max: pages }) }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('put' as const), id: fc.integer({ min: 1, max: pages }) }) },
  );

function nodeFor(id: number, version: number): BNode {
  const n = newLeaf(0);
  n.id = id;
  insertKey(n, 0, [id, version]);
  return n;
}

describe('buffer pool', () => {
  it('never evicts a pinned page and serves the latest node of each page', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(opArb(24), { maxLength: 400, size: 'max' }), (capacity, ops) => {
        const version = new Map<number, number>();
        let loads = 0;
        const pool = new BufferPool(capacity, {
          loadNode(id: number) {
            loads++;
            return nodeFor(id, version.get(id) ?? 0);
          },
        });
        const pins = new Map<number, number>();
        // A pinned page's node object, which must stay the resident one until unpinned.
        const pinnedNode = new Map<number, BNode>();
        for (const op of ops) {
          const misses = pool.counters.misses;
          const sizeBefore = pool.size;
          switch (op.k) {
            case 'get': {
              const n = pool.get(op.id);
              const k = n.leaf ? keyAt(n, 0) : n.keys[0]!;
              if (k[0] !== op.id || k[1] !== (version.get(op.id) ?? 0)) expect(k).toEqual([op.id, version.get(op.id) ?? 0]);
              break;
            }
            case 'pin': {
              // Cursors pin the page they just loaded.
              const n = pool.get(op.id);
              pool.pin(op.id);
              pins.set(op.id, (pins.get(op.id) ?? 0) + 1);
              pinnedNode.set(op.id, n);
              break;
            }
            case 'unpin': {
              const p = pins.get(op.id) ?? 0;
              if (p === 0) break;
              pool.unpin(op.id);
              if (p === 1) {
                pins.delete(op.id);
                pinnedNode.delete(op.id);
              } else pins.set(op.id, p - 1);
              break;
            }
            case 'put': {
              if (pins.has(op.id)) break; // pages in use are never rewritten (snapshot rule)
              const v = (version.get(op.id) ?? 0) + 1;
              version.set(op.id, v);
              pool.put(op.id, nodeFor(op.id, v));
              break;
            }
          }
          for (const [id, p] of pins) {
            // Plain checks in the hot loop (expect() is slow); the message names the page.
            if (!pool.has(id) || pool.pinCount(id) !== p) expect({ id, pins: pool.pinCount(id) }).toEqual({ id, pins: p });
          }
          // A new frame goes over capacity only when pinned frames leave no choice.
          const inserted = pool.counters.misses > misses || pool.size > sizeBefore;
          if (inserted && pool.size > Math.max(capacity, pins.size + 1))
            expect(pool.size).toBeLessThanOrEqual(Math.max(capacity, pins.size + 1));
        }
        for (const [id, n] of pinnedNode) {
          const before = loads;
          expect(pool.get(id)).toBe(n);
          expect(loads).toBe(before);
        }
        const c = pool.counters;
        expect(c.hits + c.misses).toBeGreaterThanOrEqual(ops.filter((o) => o.k === 'get' || o.k === 'pin').length);
      }),
      { numRuns: 150 },
    );
  });

  it('counts hits, misses and evictions', () => {
    const pool = new BufferPool(2, { loadNode: (id: number) => nodeFor(id, 0) });
    pool.get(1);
    pool.get(2);
    pool.get(1);
    pool.get(3);
    expect(pool.counters).toEqual({ hits: 1, misses: 3, evictions: 1 });
    expect(pool.size).toBe(2);
  });
});
