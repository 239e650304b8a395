// The bounded heap behind ORDER BY ... LIMIT must keep exactly what a stable sort and a cut keep:
// the same rows in the same order, ties in arrival order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RowHeap } from '../src/execution/row-heap.js';
import type { Row } from '../src/storage/ports.js';

describe('RowHeap', () => {
  it('keeps what a stable sort then a cut at the limit keeps', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 3 })), { maxLength: 200 }), fc.integer({ min: 0, max: 60 }), fc.boolean(), (pairs, limit, desc) => {
        // Each row carries its arrival number last, so ties are visible in the result.
        const rows: Row[] = pairs.map(([a, b], i) => [a, b, i]);
        const cmp = (x: Row, y: Row): number => {
          const d = (x[0] as number) - (y[0] as number) || (x[1] as number) - (y[1] as number);
          return desc ? -d : d;
        };
        const heap = new RowHeap(cmp, limit);
        for (const r of rows) heap.offer(r);
        expect(heap.sorted()).toEqual(rows.slice().sort(cmp).slice(0, limit));
      }),
      { numRuns: 1000 },
    );
  });
});
