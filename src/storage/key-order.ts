// The total order of B+tree keys. Keys are tuples of SqlValues compared element by element;
// across types: null < boolean < number/bigint < string < bytes. Numbers and bigints compare
// numerically (an INTEGER column may hold both), strings by code point (not UTF-16 unit).
import type { Key, SqlValue } from './ports.js';

function typeRank(v: SqlValue): number {
  if (v === null || v === undefined) return 0;
  switch (typeof v) {
    case 'boolean':
      return 1;
    case 'number':
    case 'bigint':
      return 2;
    case 'string':
      return 3;
    default:
      return 4;
  }
}

/** Text order: by code point (as keys order), not by UTF-16 unit. */
export function compareText(a: string, b: string): number {
  // UTF-16 order differs from code point order only when surrogates meet BMP chars >= U+E000.
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1;
      return x < y ? -1 : 1;
    }
  }
  return a.length - b.length < 0 ? -1 : a.length === b.length ? 0 : 1;
}

function compareNumeric(a: number | bigint, b: number | bigint): number {
  if (typeof a === typeof b) return a < b ? -1 : a > b ? 1 : 0;
  // Mixed number/bigint: JS relational operators compare them exactly.
  // NaN (a number here, the other a bigint) sorts after every number, on either side.
  if (typeof a === 'number' && Number.isNaN(a)) return 1;
  if (typeof b === 'number' && Number.isNaN(b)) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** Compares two single values in the key order. */
export function compareValues(a: SqlValue, b: SqlValue): number {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a < b) return -1;
    if (a > b) return 1;
    if (a === b) return 0;
    // NaN sorts after every number (as in PostgreSQL) and equals itself.
    return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
  }
  if (typeof a === 'string' && typeof b === 'string') return a === b ? 0 : compareText(a, b);
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return a === b ? 0 : a ? 1 : -1;
    case 2:
      return compareNumeric(a as number | bigint, b as number | bigint);
    default:
      return compareBytes(a as Uint8Array, b as Uint8Array);
  }
}

/** Lexicographic tuple order; a shorter tuple that is a prefix of the other sorts first. */
export function compareKeys(a: Key, b: Key): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    // The common case (integer keys) without the general dispatch; NaN falls through to it.
    if (typeof x === 'number' && typeof y === 'number' && x === x && y === y) return x < y ? -1 : 1;
    const c = compareValues(x, y);
    if (c !== 0) return c;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/**
 * Compares `key` with a bound that may be a prefix: only the bound's first elements count, so
 * every key that starts with the bound compares equal to it.
 */
export function comparePrefix(key: Key, bound: Key): number {
  const n = key.length < bound.length ? key.length : bound.length;
  for (let i = 0; i < n; i++) {
    const x = key[i]!;
    const y = bound[i]!;
    if (x === y) continue;
    const c = compareValues(x, y);
    if (c !== 0) return c;
  }
  return key.length < bound.length ? -1 : 0;
}

/** comparePrefix against only the first `n` elements of `bound` (no slice needed). */
export function comparePrefixN(key: Key, bound: Key, n: number): number {
  const m = key.length < n ? key.length : n;
  for (let i = 0; i < m; i++) {
    const x = key[i]!;
    const y = bound[i]!;
    if (x === y) continue;
    const c = compareValues(x, y);
    if (c !== 0) return c;
  }
  return key.length < n ? -1 : 0;
}


/**
 * A key as the trees hold keys: a packed array of exact length. A key filled into `new Array(n)`
 * is holey, and code compiled on one kind deoptimizes ("wrong map") on meeting the other in the
 * same comparisons and lookups.
 */
export function packedKey<T>(k: readonly T[]): T[] {
  const n = k.length;
  if (n === 1) return [k[0]!];
  if (n === 2) return [k[0]!, k[1]!];
  if (n === 3) return [k[0]!, k[1]!, k[2]!];
  // Pushed, then copied to exact length: packed whatever path Array.prototype.map takes (see plainKey).
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(k[i]!);
  return out.slice();
}
