import { describe, expect, it } from 'vitest';
import { compareKeys, comparePrefix, compareValues } from '../../src/storage/key-order.js';

describe('key order', () => {
  it('orders types null < boolean < number < string < bytes', () => {
    const vals = [new Uint8Array([0]), 'a', 3, true, false, null, -1n];
    const sorted = [...vals].sort(compareValues);
    expect(sorted).toEqual([null, false, true, -1n, 3, 'a', new Uint8Array([0])]);
  });

  it('compares numbers and bigints numerically', () => {
    expect(compareValues(1, 1n)).toBe(0);
    expect(compareValues(2 ** 53, 2n ** 53n + 1n)).toBe(-1);
    expect(compareValues(1.5, 1n)).toBe(1);
    expect(compareValues(-(2n ** 63n), -1e300)).toBe(1);
  });

  it('compares strings by code point', () => {
    // U+FF5E (BMP, above the surrogates) sorts before U+1F600 (astral).
    expect(compareValues('\uff5e', '\u{1f600}')).toBe(-1);
    expect(compareValues('ab', 'abc')).toBe(-1);
    expect(compareValues('b', 'abc')).toBe(1);
  });

  it('compares bytes lexicographically', () => {
    expect(compareValues(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0]))).toBe(-1);
    expect(compareValues(new Uint8Array([2]), new Uint8Array([1, 9]))).toBe(1);
  });

  it('treats a shorter tuple as smaller and prefixes as equal in comparePrefix', () => {
    expect(compareKeys([1], [1, null])).toBe(-1);
    expect(comparePrefix([1, 'x'], [1])).toBe(0);
    expect(comparePrefix([2, 'x'], [1])).toBe(1);
    expect(comparePrefix([1], [1, 'x'])).toBe(-1);
  });
});
