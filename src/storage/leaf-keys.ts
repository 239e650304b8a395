// The keys of a leaf in either of its two forms. A leaf whose keys are all tuples of `ar` non-NaN
// numbers (a table's integer primary key, an index on integer columns) keeps them flat in one
// array of numbers — key i at nums[i*ar .. i*ar+ar) — instead of an array per key: a key tuple is
// 56-64 bytes of heap and a pointer to chase per comparison, the flat form 8 bytes a number.
// Any other key (text, null, NaN, bigint, another length) turns the leaf to the tuple form for
// good. Everything outside this file reads leaf keys through these functions.
import { compareKeys, comparePrefixN, compareValues } from './key-order.js';
import { tupleSize, valueSize, type LeafNode } from './node.js';
import type { Key, SqlValue } from './ports.js';

/** Number of entries. */
export function leafLength(l: LeafNode): number {
  const nums = l.nums;
  if (nums === null) return l.keys!.length;
  const ar = l.ar;
  return ar === 1 ? nums.length : ar === 0 ? 0 : nums.length / ar;
}

/** The key at i as a fresh tuple (numeric form) or the stored one (tuple form). */
export function keyAt(l: LeafNode, i: number): Key {
  const nums = l.nums;
  if (nums === null) return l.keys![i]!;
  const ar = l.ar;
  if (ar === 1) return [nums[i]!];
  const at = i * ar;
  if (ar === 2) return [nums[at]!, nums[at + 1]!];
  if (ar === 3) return [nums[at]!, nums[at + 1]!, nums[at + 2]!];
  const out: SqlValue[] = [];
  for (let j = 0; j < ar; j++) out.push(nums[at + j]!);
  return out.slice();
}

/** Elements from..to of the key at i (an index entry's table key, its indexed values). */
export function keySlice(l: LeafNode, i: number, from: number, to?: number): Key {
  const nums = l.nums;
  if (nums === null) return l.keys![i]!.slice(from, to);
  const ar = l.ar;
  const end = to === undefined || to > ar ? ar : to;
  const at = i * ar;
  if (end - from === 1) return [nums[at + from]!];
  const out: SqlValue[] = [];
  for (let j = from; j < end; j++) out.push(nums[at + j]!);
  return out;
}

/** Every key as tuples (a page image, an integrity walk). */
export function leafKeys(l: LeafNode): Key[] {
  if (l.nums === null) return l.keys!;
  const n = leafLength(l);
  const out: Key[] = [];
  for (let i = 0; i < n; i++) out.push(keyAt(l, i));
  return out;
}

/** Whether `key` fits the numeric form of a leaf of arity ar (0: an empty leaf, any arity). */
function fitsNumeric(key: Key, ar: number): boolean {
  const n = key.length;
  if (n === 0 || (ar !== 0 && n !== ar)) return false;
  for (let j = 0; j < n; j++) {
    const x = key[j];
    if (typeof x !== 'number' || x !== x) return false;
  }
  return true;
}

/** Turns a leaf to the tuple form (the caller owns its key storage). */
export function toTupleForm(l: LeafNode): void {
  if (l.nums === null) return;
  l.keys = leafKeys(l);
  l.nums = null;
  l.ar = 0;
  l.n0 = undefined;
  l.nk = undefined;
  l.tp = undefined;
}

/**
 * A leaf's key storage from tuples in order (a decoded page, a bulk build): the numeric form
 * when every key fits it.
 */
export function setLeafKeys(l: LeafNode, keys: Key[]): void {
  const ar = keys.length === 0 ? 0 : keys[0]!.length;
  let numeric = true;
  for (let i = 0; i < keys.length && numeric; i++) numeric = fitsNumeric(keys[i]!, ar);
  if (!numeric) {
    l.keys = keys;
    l.nums = null;
    l.ar = 0;
  } else {
    const nums: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      for (let j = 0; j < ar; j++) nums.push(k[j] as number);
    }
    l.keys = null;
    l.nums = nums;
    l.ar = ar;
  }
  l.n0 = undefined;
  l.nk = undefined;
  l.tp = undefined;
}

/** Inserts `key` at i (the caller owns the leaf's key storage: ownKeys). */
export function insertKey(l: LeafNode, i: number, key: Key): void {
  const nums = l.nums;
  if (nums !== null) {
    const ar = l.ar;
    if (fitsNumeric(key, ar)) {
      if (ar === 0) l.ar = key.length;
      const w = key.length;
      const at = i * w;
      if (at === nums.length) {
        for (let j = 0; j < w; j++) nums.push(key[j] as number);
      } else if (w === 1) nums.splice(at, 0, key[0] as number);
      else if (w === 2) nums.splice(at, 0, key[0] as number, key[1] as number);
      else nums.splice(at, 0, ...(key as number[]));
      return;
    }
    toTupleForm(l);
  }
  const keys = l.keys!;
  if (i === keys.length) keys.push(key);
  else keys.splice(i, 0, key);
}

/** Removes the key at i (the caller owns the leaf's key storage). */
export function removeKey(l: LeafNode, i: number): void {
  const nums = l.nums;
  if (nums !== null) nums.splice(i * l.ar, l.ar);
  else l.keys!.splice(i, 1);
}

/** Moves the keys from `at` on into `right`, a fresh leaf, in the same form. */
export function splitKeys(l: LeafNode, at: number, right: LeafNode): void {
  const nums = l.nums;
  if (nums !== null) {
    right.nums = nums.splice(at * l.ar);
    right.ar = l.ar;
    right.keys = null;
  } else {
    right.keys = l.keys!.splice(at);
    right.nums = null;
    right.ar = 0;
  }
}

/** Appends the keys of `r` to `m` (a merge; the caller owns m's key storage). */
export function appendKeys(m: LeafNode, r: LeafNode): void {
  const rn = r.nums;
  const n = leafLength(r);
  if (n === 0) return;
  const mn = m.nums;
  if (mn !== null && rn !== null && (m.ar === r.ar || leafLength(m) === 0)) {
    m.ar = r.ar;
    for (let i = 0; i < rn.length; i++) mn.push(rn[i]!);
    return;
  }
  toTupleForm(m);
  const keys = m.keys!;
  for (let i = 0; i < n; i++) keys.push(keyAt(r, i));
}

/** compareKeys(keyAt(l, i), key) without building the tuple. */
export function compareAt(l: LeafNode, i: number, key: Key): number {
  const nums = l.nums;
  if (nums === null) return compareKeys(l.keys![i]!, key);
  const ar = l.ar;
  const kn = key.length;
  const c = compareNums(nums, i * ar, key, ar < kn ? ar : kn);
  return c !== 0 ? c : ar < kn ? -1 : ar > kn ? 1 : 0;
}

/** comparePrefixN(keyAt(l, i), bound, n) without building the tuple. */
export function comparePrefixAt(l: LeafNode, i: number, bound: Key, n: number): number {
  const nums = l.nums;
  if (nums === null) return comparePrefixN(l.keys![i]!, bound, n);
  const ar = l.ar;
  const c = compareNums(nums, i * ar, bound, ar < n ? ar : n);
  return c !== 0 ? c : ar < n ? -1 : 0;
}

/** The order of the m numbers at nums[at..] and the first m values of `key`, 0 when they tie. */
function compareNums(nums: readonly number[], at: number, key: Key, m: number): number {
  for (let j = 0; j < m; j++) {
    const x = nums[at + j]!;
    const y = key[j]!;
    if (x === y) continue;
    if (typeof y === 'number' && y === y) return x < y ? -1 : 1;
    const c = compareValues(x, y);
    if (c !== 0) return c;
  }
  return 0;
}

/** Index of `key` in the leaf, or -(insertion point) - 1. */
export function searchLeaf(l: LeafNode, key: Key): number {
  const nums = l.nums;
  if (nums !== null && l.ar === 1 && key.length === 1) {
    const x = key[0];
    if (typeof x === 'number' && x === x) return searchNumber(nums, x);
  }
  let lo = 0;
  let hi = leafLength(l) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareAt(l, mid, key);
    if (c < 0) lo = mid + 1;
    else if (c > 0) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

/** Index of x in a sorted array of numbers, or -(insertion point) - 1. */
export function searchNumber(nums: readonly number[], x: number): number {
  let lo = 0;
  let hi = nums.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = nums[mid]!;
    if (v < x) lo = mid + 1;
    else if (v > x) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

/**
 * The first index whose key's first n elements compare >= bound[0..n) (> when `strict`): a
 * range's start, or (strict) the end of the keys that start with the bound.
 */
export function lowerInLeaf(l: LeafNode, bound: Key, n: number, strict: boolean): number {
  const nums = l.nums;
  let lo = 0;
  let hi = leafLength(l);
  if (nums !== null && n === 1 && l.ar >= 1) {
    const x = bound[0];
    if (typeof x === 'number' && x === x) {
      const ar = l.ar;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const v = nums[mid * ar]!;
        if (v < x || (strict && v === x)) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    }
  }
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = comparePrefixAt(l, mid, bound, n);
    if (c < 0 || (strict && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** tupleSize of the key at i, without building it. */
export function keySizeAt(l: LeafNode, i: number): number {
  const nums = l.nums;
  if (nums === null) return tupleSize(l.keys![i]!);
  const ar = l.ar;
  let s = ar < 16 ? 1 : 3;
  for (let j = 0, at = i * ar; j < ar; j++) s += valueSize(nums[at + j]!);
  return s;
}
