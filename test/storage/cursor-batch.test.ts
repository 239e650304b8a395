// RowCursor.nextBatch (bulk reads over a leaf's array) yields exactly what next() yields, in
// both directions, over ranges, across leaves, with large (overflow) rows, committed or not.
import { describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/engine.js';
import type { KeyRange, ReadView, Row } from '../../src/storage/ports.js';
import { drain, tableDef } from './helpers.js';

const N = 3000;

function batched(view: ReadView, range: KeyRange | undefined, reverse: boolean, size: number): { rows: Row[]; keysOk: boolean } {
  const c = view.scanTable('t', range, reverse);
  const rows: Row[] = [];
  let keysOk = true;
  for (;;) {
    const before = rows.length;
    const n = c.nextBatch!(rows, before, size);
    expect(rows.length - before).toBe(n);
    if (n > 0 && c.key[0] !== rows[rows.length - 1]![0]) keysOk = false;
    if (n < size) break;
  }
  c.close();
  return { rows, keysOk };
}

describe('RowCursor.nextBatch', () => {
  it('agrees with next() for ranges, directions and batch sizes', async () => {
    const db = await openStorage(':memory:');
    const tx = db.begin();
    tx.createTable(tableDef('t', [['id', 'integer'], ['s', 'text']]));
    // Every 500th row is large enough to live in overflow pages.
    for (let i = 1; i <= N; i++) tx.insert('t', [i * 2, i % 500 === 0 ? 'x'.repeat(20_000) + i : `r${i}`]);
    const check = (view: ReadView): void => {
      const ranges: (KeyRange | undefined)[] = [
        undefined,
        { lower: [101], upper: [4001] },
        { lower: [100], lowerInclusive: false, upper: [4000], upperInclusive: false },
        { lower: [5000] },
        { upper: [77], upperInclusive: true },
        { lower: [7000] },
      ];
      for (const range of ranges) {
        for (const reverse of [false, true]) {
          const want = drain(view.scanTable('t', range, reverse));
          for (const size of [1, 7, 256, 10_000]) {
            const got = batched(view, range, reverse, size);
            expect(got.rows).toEqual(want);
            expect(got.keysOk).toBe(true);
          }
        }
      }
    };
    check(tx);
    await tx.commit();
    const s = db.snapshot();
    expect(s.rowCount('t')).toBe(N);
    check(s);
    s.release();
    await db.close();
  });
});
