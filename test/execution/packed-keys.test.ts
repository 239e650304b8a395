// Lookup keys reach storage as packed arrays of exact length, the kind storage builds and decodes:
// a key of the other kind (holey, from `new Array(n)`) made key comparisons and row locks
// polymorphic. Checked with V8's own %HasHoleyElements and %HaveSameMap.
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { packedKey } from '../../src/storage/key-order.js';
import type { SqlValue } from '../../src/storage/ports.js';

setFlagsFromString('--allow-natives-syntax');
// Compiled after the flag: the natives syntax is read when this source is parsed.
const holey = new Function('a', 'return %HasHoleyElements(a)') as (a: object) => boolean;
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

function filled(values: SqlValue[]): SqlValue[] {
  const a: SqlValue[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) a[i] = values[i]!;
  return a;
}

describe('packed lookup keys', () => {
  it('copies a filled key into a packed array of the same values', () => {
    for (const values of [[7], [1.5], ['a'], [3, 'x'], [null, 2], [1, 2, 3], ['a', 2, null, 4.5]] as SqlValue[][]) {
      const scratch = filled(values);
      expect(holey(scratch)).toBe(true);
      const key = packedKey(scratch);
      expect(key).toEqual(values);
      expect(holey(key)).toBe(false);
    }
  });

  it('gives an integer key the map of the keys storage makes ([id])', () => {
    const id = 42;
    expect(sameMap(packedKey(filled([id])), [id + 1])).toBe(true);
    expect(sameMap(packedKey(filled([1, 2])), [3, 4])).toBe(true);
  });
});
