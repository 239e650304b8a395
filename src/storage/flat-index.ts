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
function compareFlat(a: readonly number[], ai: number, b: readonly number[], bi: number, ar: number): number {
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
export function sortFlat(nums: readonly number[], ar: number): number[] {
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
  const out: number[] = [];
  for (let j = 0; j < n; j++) {
    const at = order[j]! * ar;
    for (let c = 0; c < ar; c++) out.push(nums[at + c]!);
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

/** Sorts entries [from, to) of flat keys, unless they are in order already. */
function sortFlatRun(out: number[], from: number, to: number, ar: number): void {
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
function mergeFlat(src: NodeSource, root: BNode, adds: readonly number[], ar: number): number[] | null {
  let numeric = true;
  walkTree(src, root, (n) => {
    if (numeric && n.leaf && leafLength(n) > 0 && (n.nums === null || n.ar !== ar)) numeric = false;
  });
  if (!numeric) return null;
  const out: number[] = [];
  let a = 0;
  walkTree(src, root, (n) => {
    if (!n.leaf || leafLength(n) === 0) return;
    const nums = n.nums!;
    for (let at = 0; at < nums.length; at += ar) {
      while (a < adds.length && compareFlat(adds, a, nums, at, ar) < 0) {
        for (let c = 0; c < ar; c++) out.push(adds[a + c]!);
        a += ar;
      }
      for (let c = 0; c < ar; c++) out.push(nums[at + c]!);
    }
  });
  for (; a < adds.length; a++) out.push(adds[a]!);
  return out;
}

/** Encoded size of an index entry of numbers (its key and a null value), as tupleSize counts it. */
function flatEntrySize(nums: readonly number[], at: number, ar: number): number {
  let s = ar < 16 ? 2 : 4;
  for (let c = 0; c < ar; c++) s += valueSize(nums[at + c]!);
  return s;
}

/** buildIndexTree from keys of `ar` numbers each, flat and in order: leaves in the numeric form. */
export function buildFlatIndexTree(nums: readonly number[], ar: number, owner: number, capacity: number): BNode {
  const fillBytes = NODE_OVERHEAD + (capacity - NODE_OVERHEAD) * FILL;
  const leafEntries = Math.floor(MAX_LEAF_ENTRIES * FILL);
  const level: BNode[] = [];
  const firsts: Key[] = [];
  let leaf: LeafNode = newLeaf(owner);
  let start = 0;
  let count = 0;
  const close = (end: number): void => {
    leaf.nums = nums.slice(start, end);
    leaf.ar = ar;
    level.push(leaf);
    firsts.push(nums.slice(start, start + ar));
    start = end;
  };
  for (let at = 0; at < nums.length; at += ar) {
    const s = flatEntrySize(nums, at, ar);
    if (count > 0 && (count >= leafEntries || leaf.bytes + s > fillBytes)) {
      close(at);
      leaf = newLeaf(owner);
      count = 0;
    }
    count++;
    leaf.bytes += s;
  }
  if (count > 0) close(nums.length);
  else {
    level.push(leaf);
    firsts.push([]);
  }
  return buildUpperLevels(level, firsts, owner, capacity);
}

/**
 * changeIndexEntries for additions only, all `ar` numbers (flat, any order): few go in one by
 * one, in key order; more rebuild the tree from one merged walk, without a tuple per entry when
 * its leaves hold numbers.
 */
export function addFlatIndexEntries(src: NodeSource, writer: TreeWriter, root: ChildRef, adds: readonly number[], ar: number, existing: number): BNode {
  const n = adds.length / ar;
  let node = loadRef(src, root);
  if (n === 0) return node;
  const sorted = sortFlat(adds, ar);
  if (n * REBUILD_RATIO < existing) {
    for (let at = 0; at < sorted.length; at += ar) {
      const k = sorted.slice(at, at + ar);
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
