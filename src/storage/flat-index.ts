// Pending index entries of numbers (pending-keys.ts) put into their tree without a tuple each:
// sorted as flat numbers, merged with the tree's leaves when those hold numbers too (leaf-keys.ts),
// and built bottom-up into leaves of the numeric form. Anything else goes the way of tuples
// (changeIndexEntries in bulk-index.ts).
import { PutMode, walkTree, type NodeSource, type TreeWriter } from './btree.js';
import { FILL, REBUILD_RATIO, buildUpperLevels, changeIndexEntries, countingOrder, radixOrder } from './bulk-index.js';
import { MAX_LEAF_ENTRIES } from './tree-writer.js';
import { NODE_OVERHEAD, newLeaf, valueSize, type BNode, type ChildRef, type LeafNode } from './node.js';
import { leafLength } from './leaf-keys.js';
import { flatTuples } from './pending-keys.js';
import type { Key } from './ports.js';
import { loadRef } from './view.js';

/** Order of flat keys a (at ai) and b (at bi), `ar` numbers each. */
function compareFlat(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number, ar: number): number {
  for (let j = 0; j < ar; j++) {
    const x = a[ai + j]!;
    const y = b[bi + j]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * The keys (`ar` non-NaN numbers each, flat) in tree order, as a new flat array. Integer first
 * elements are placed by counting or radix order (stable), as sortByIntegerFirst does for tuples;
 * then each run of equal first elements is put in order by the rest, if it is not already (a bulk
 * of rows inserted in key order has it so).
 */
export function sortFlat(nums: ArrayLike<number>, ar: number): Float64Array {
  const fast = ar <= 2 ? sortIntegerPairs(nums, ar) : null;
  if (fast !== null) return fast;
  const n = nums.length / ar;
  const firsts = new Float64Array(n);
  let min = Infinity;
  let max = -Infinity;
  let integers = true;
  for (let i = 0; i < n; i++) {
    const x = nums[i * ar]!;
    firsts[i] = x;
    if (!Number.isInteger(x)) integers = false;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  let order: ArrayLike<number>;
  if (n > 0 && integers && max - min < 2 ** 32) {
    order = (max - min <= 2 * n ? countingOrder(firsts, min, max - min) : radixOrder(firsts, min, max - min)).order;
  } else {
    const idx: number[] = [];
    for (let i = 0; i < n; i++) idx.push(i);
    // Stable: equal first elements keep their order, and the runs below settle the rest.
    idx.sort((a, b) => (firsts[a]! < firsts[b]! ? -1 : firsts[a]! > firsts[b]! ? 1 : 0));
    order = idx;
  }
  const out = new Float64Array(n * ar);
  for (let j = 0, o = 0; j < n; j++) {
    const at = order[j]! * ar;
    for (let c = 0; c < ar; c++) out[o++] = nums[at + c]!;
  }
  if (ar > 1) {
    let start = 0;
    for (let j = 1; j <= n; j++) {
      if (j < n && out[j * ar] === out[start * ar]) continue;
      if (j - start > 1) sortFlatRun(out, start, j, ar);
      start = j;
    }
  }
  return out;
}

/**
 * sortFlat of keys of one or two integers whose combined span fits 2^53 (an index on an integer
 * column: the value and the row id): each key becomes one number, (first - min) * span of the
 * second + (second - min), and a Float64Array's own sort orders them. A load sorts its index
 * entries once, at its commit, so the sort's loops run a handful of times in a process and
 * mostly in the interpreter (the counting order's took 30-70 ms for 100k entries; this one
 * ~17 ms, ~10 of them the native sort). Null when the keys do not qualify (fractions, -0, wide
 * spans).
 */
function sortIntegerPairs(nums: ArrayLike<number>, ar: number): Float64Array | null {
  const n = nums.length / ar;
  const spans = SPANS;
  if (!integerSpans(nums, ar, spans)) return null;
  if (n === 0) return new Float64Array(0);
  const min0 = spans[0]!;
  const min1 = spans[2]!;
  const span1 = spans[3]! - min1 + 1;
  if ((spans[1]! - min0 + 1) * span1 > 2 ** 53) return null;
  const keys = new Float64Array(n);
  combine(nums, ar, keys, min0, span1, min1);
  keys.sort();
  const out = ar === 1 ? keys : new Float64Array(2 * n);
  separate(keys, ar, out, min0, span1, min1);
  return out;
}

// Each loop of the sort is a function of its own: a loop run once per load is compiled on the
// stack (OSR), and code after it in the same function, met without type feedback, deoptimizes it.
const SPANS = new Float64Array(4);

/** Min and max of the first and (ar 2) second numbers into spans; false unless all are safe integers, none -0. */
function integerSpans(nums: ArrayLike<number>, ar: number, spans: Float64Array): boolean {
  let min0 = Infinity;
  let max0 = -Infinity;
  let min1 = ar === 2 ? Infinity : 0;
  let max1 = ar === 2 ? -Infinity : 0;
  for (let i = 0; i < nums.length; i += ar) {
    const x = nums[i]!;
    if (!Number.isSafeInteger(x) || (x === 0 && 1 / x < 0)) return false;
    if (x < min0) min0 = x;
    if (x > max0) max0 = x;
    if (ar === 2) {
      const y = nums[i + 1]!;
      if (!Number.isSafeInteger(y) || (y === 0 && 1 / y < 0)) return false;
      if (y < min1) min1 = y;
      if (y > max1) max1 = y;
    }
  }
  spans[0] = min0;
  spans[1] = max0;
  spans[2] = min1;
  spans[3] = max1;
  return true;
}

/** Each key as one number: (first - min0) * span1 + (second - min1). */
function combine(nums: ArrayLike<number>, ar: number, keys: Float64Array, min0: number, span1: number, min1: number): void {
  for (let i = 0, at = 0; i < keys.length; i++, at += ar) keys[i] = (nums[at]! - min0) * span1 + (ar === 2 ? nums[at + 1]! - min1 : 0);
}

/** The keys back from their combined numbers (in place when ar is 1). */
function separate(keys: Float64Array, ar: number, out: Float64Array, min0: number, span1: number, min1: number): void {
  if (ar === 1) {
    for (let i = 0; i < keys.length; i++) out[i] = keys[i]! + min0;
    return;
  }
  for (let i = 0, o = 0; i < keys.length; i++) {
    const c = keys[i]!;
    // The quotient of exact integers below 2^53, corrected if the division rounded up.
    let hi = Math.floor(c / span1);
    if (hi * span1 > c) hi--;
    out[o++] = hi + min0;
    out[o++] = c - hi * span1 + min1;
  }
}

/** Sorts entries [from, to) of flat keys, unless they are in order already. */
function sortFlatRun(out: Float64Array, from: number, to: number, ar: number): void {
  let sorted = true;
  for (let j = from + 1; j < to && sorted; j++) sorted = compareFlat(out, (j - 1) * ar, out, j * ar, ar) <= 0;
  if (sorted) return;
  const run = out.slice(from * ar, to * ar);
  const idx: number[] = [];
  for (let i = 0; i < to - from; i++) idx.push(i);
  idx.sort((a, b) => compareFlat(run, a * ar, run, b * ar, ar));
  for (let i = 0; i < idx.length; i++) for (let c = 0; c < ar; c++) out[(from + i) * ar + c] = run[idx[i]! * ar + c]!;
}

/**
 * The tree's entries merged with `adds` (sorted, none in the tree), flat; null unless every leaf
 * holds its keys as `ar` numbers (or none).
 */
function mergeFlat(src: NodeSource, root: BNode, adds: Float64Array, ar: number): Float64Array | null {
  let numeric = true;
  let total = adds.length;
  walkTree(src, root, (n) => {
    if (!n.leaf || leafLength(n) === 0) return;
    if (n.nums === null || n.ar !== ar) numeric = false;
    else total += n.nums.length;
  });
  if (!numeric) return null;
  if (total === adds.length) return adds;
  // Typed, not pushed: a JS array grown past ~128 KB costs ~100 ns a push (measured).
  const out = new Float64Array(total);
  let o = 0;
  let a = 0;
  walkTree(src, root, (n) => {
    if (!n.leaf || leafLength(n) === 0) return;
    const nums = n.nums!;
    for (let at = 0; at < nums.length; at += ar) {
      while (a < adds.length && compareFlat(adds, a, nums, at, ar) < 0) {
        for (let c = 0; c < ar; c++) out[o++] = adds[a + c]!;
        a += ar;
      }
      for (let c = 0; c < ar; c++) out[o++] = nums[at + c]!;
    }
  });
  for (; a < adds.length; a++) out[o++] = adds[a]!;
  return out;
}

/** nums[from .. to) as a packed array of numbers (a leaf's keys, a first key). */
function numbersOf(nums: ArrayLike<number>, from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(nums[i]!);
  return out;
}

/** Encoded size of an index entry of numbers (its key and a null value), as tupleSize counts it. */
function flatEntrySize(nums: ArrayLike<number>, at: number, ar: number): number {
  let s = ar < 16 ? 2 : 4;
  for (let c = 0; c < ar; c++) s += valueSize(nums[at + c]!);
  return s;
}

/** buildIndexTree from keys of `ar` numbers each, flat and in order: leaves in the numeric form. */
export function buildFlatIndexTree(nums: ArrayLike<number>, ar: number, owner: number, capacity: number): BNode {
  const fillBytes = NODE_OVERHEAD + (capacity - NODE_OVERHEAD) * FILL;
  const bounds = leafBounds(nums, ar, fillBytes, Math.floor(MAX_LEAF_ENTRIES * FILL));
  const level: BNode[] = [];
  const firsts: Key[] = [];
  for (let b = 0, start = 0; b < bounds.length; b += 2) {
    const end = bounds[b]!;
    const leaf: LeafNode = newLeaf(owner);
    leaf.nums = numbersOf(nums, start, end);
    leaf.ar = ar;
    leaf.bytes = bounds[b + 1]!;
    level.push(leaf);
    firsts.push(numbersOf(nums, start, start + ar));
    start = end;
  }
  if (level.length === 0) {
    level.push(newLeaf(owner));
    firsts.push([]);
  }
  return buildUpperLevels(level, firsts, owner, capacity);
}

/**
 * Where the leaves of buildFlatIndexTree end: pairs of (end offset in nums, the leaf's bytes).
 * A loop of its own, as sortIntegerPairs' are.
 */
function leafBounds(nums: ArrayLike<number>, ar: number, fillBytes: number, leafEntries: number): number[] {
  const bounds: number[] = [];
  let count = 0;
  let bytes = NODE_OVERHEAD;
  for (let at = 0; at < nums.length; at += ar) {
    const s = flatEntrySize(nums, at, ar);
    if (count > 0 && (count >= leafEntries || bytes + s > fillBytes)) {
      bounds.push(at, bytes);
      count = 0;
      bytes = NODE_OVERHEAD;
    }
    count++;
    bytes += s;
  }
  if (count > 0) bounds.push(nums.length, bytes);
  return bounds;
}

/**
 * changeIndexEntries for additions only, all `ar` numbers (flat, any order): few go in one by
 * one, in key order; more rebuild the tree from one merged walk, without a tuple per entry when
 * its leaves hold numbers.
 */
export function addFlatIndexEntries(src: NodeSource, writer: TreeWriter, root: ChildRef, adds: ArrayLike<number>, ar: number, existing: number): BNode {
  const n = adds.length / ar;
  let node = loadRef(src, root);
  if (n === 0) return node;
  const sorted = sortFlat(adds, ar);
  if (n * REBUILD_RATIO < existing) {
    for (let at = 0; at < sorted.length; at += ar) {
      const k = numbersOf(sorted, at, at + ar);
      node = writer.put(node, k, null, flatEntrySize(sorted, at, ar), PutMode.Upsert);
    }
    return node;
  }
  const merged = mergeFlat(src, node, sorted, ar);
  if (merged === null) return changeIndexEntries(src, writer, root, flatTuples(sorted, ar), [], existing);
  walkTree(src, node, (x) => {
    if (x.id !== 0) writer.freed.push(x.id);
  });
  return buildFlatIndexTree(merged, ar, writer.owner, writer.capacity);
}
