// Index entries of a bulk of inserts, put in at once. A row inserted at random index positions
// costs a descent and a shift of half a leaf per index (the biggest part of a bulk load into an
// indexed table); a write transaction therefore keeps a non-unique index's new entries aside until
// something reads or changes that index, then sorts them and either puts them in order (a few
// into a large tree) or rebuilds the tree bottom-up from one merged, sorted run. CREATE INDEX builds
// its tree the same way, from the table's entries sorted. Updates that change an indexed column
// keep both the old entry (to take out) and the new one aside the same way (changeIndexEntries).
import { DispatcherError, SqlState } from '../api/errors.js';
import { MAX_CHILDREN, MAX_LEAF_ENTRIES, TreeWriter, PutMode, walkTree, type NodeSource } from './btree.js';
import { TreeCursor } from './cursor.js';
import { compareKeys } from './key-order.js';
import { insertKey, keyAt, leafLength } from './leaf-keys.js';
import { CHILD_SIZE, NODE_OVERHEAD, newInternal, newLeaf, tupleSize, type BNode, type ChildRef, type LeafNode } from './node.js';
import type { Key } from './ports.js';
import { loadRef } from './view.js';

/** Below one new entry per this many in the tree, entries are put one by one (in key order). */
export const REBUILD_RATIO = 8;
/** Bulk-built nodes are filled to this share of their limits, leaving room for later inserts. */
export const FILL = 7 / 8;

/** Whether every key is the same number of non-NaN numbers (compareNumberKeys then orders them). */
function allNumbers(keys: readonly Key[]): boolean {
  const n = keys[0]?.length ?? 0;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (k.length !== n) return false;
    for (let j = 0; j < n; j++) {
      const v = k[j];
      if (typeof v !== 'number' || v !== v) return false;
    }
  }
  return true;
}

function compareNumberKeys(a: Key, b: Key): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Bits per pass of the radix sort: 2,048 buckets, so two passes cover first elements spread over 4 million. */
const RADIX_BITS = 11;
const RADIX_MASK = (1 << RADIX_BITS) - 1;

/**
 * Sorts number keys whose first elements are integers by their first elements alone, then each run
 * of equal first elements by the rest (a bulk of rows inserted in key order has them in order
 * already). First elements spanning at most twice the key count are placed by counting them, those
 * spanning less than 2^32 by a stable radix sort (the bulk load of 100,000 index entries: ~2.5 ms
 * against ~12 for the packed native sort below, which takes the wider spans); both leave the first
 * elements sorted, so runs of equal ones are found without reading a key. A comparator sort of
 * 100,000 keys is several times slower than any of them. False (nothing done) when none applies.
 */
function sortByIntegerFirst(keys: Key[]): boolean {
  const n = keys.length;
  if (n === 0) return true;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = keys[i]![0] as number;
    if (!Number.isInteger(x)) return false;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  let order: ArrayLike<number>;
  // The first elements in sorted order (less min), when the sort leaves them: runs of equal ones
  // are then found without reading a key.
  let sortedFirsts: Uint32Array | null = null;
  if (max - min < 2 ** 32) {
    const firsts = new Float64Array(n);
    for (let i = 0; i < n; i++) firsts[i] = keys[i]![0] as number;
    const r = max - min <= 2 * n ? countingOrder(firsts, min, max - min) : radixOrder(firsts, min, max - min);
    order = r.order;
    sortedFirsts = r.firsts;
  } else {
    const packed = packedOrder(keys, Math.max(-min, max));
    if (packed === null) return false;
    order = packed;
  }
  const sorted = new Array<Key>(n);
  for (let j = 0; j < n; j++) sorted[j] = keys[order[j]!]!;
  let start = 0;
  for (let j = 1; j <= n; j++) {
    if (j < n && (sortedFirsts !== null ? sortedFirsts[j] === sortedFirsts[start] : sorted[j]![0] === sorted[start]![0])) continue;
    if (j - start > 1) sortRun(sorted, start, j);
    start = j;
  }
  for (let j = 0; j < n; j++) keys[j] = sorted[j]!;
  return true;
}

/** A stable order of keys by first element, and those first elements (less min) in that order. */
export interface FirstOrder {
  readonly order: Uint32Array;
  readonly firsts: Uint32Array;
}

/** By counting: one pass to count each first element (min + 0..span, span at most ~2 keys each), one to place. */
export function countingOrder(values: ArrayLike<number>, min: number, span: number): FirstOrder {
  const n = values.length;
  const v = new Uint32Array(n);
  const count = new Uint32Array(span + 1);
  for (let i = 0; i < n; i++) count[(v[i] = values[i]! - min)]!++;
  let sum = 0;
  for (let b = 0; b <= span; b++) {
    const c = count[b]!;
    count[b] = sum;
    sum += c;
  }
  const order = new Uint32Array(n);
  const firsts = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const x = v[i]!;
    const at = count[x]!++;
    order[at] = i;
    firsts[at] = x;
  }
  return { order, firsts };
}

/** By a least-significant-digit radix sort of the first elements (min + 0..span). */
export function radixOrder(values: ArrayLike<number>, min: number, span: number): FirstOrder {
  const n = values.length;
  let v = new Uint32Array(n);
  let o = new Uint32Array(n);
  let v2 = new Uint32Array(n);
  let o2 = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    v[i] = values[i]! - min;
    o[i] = i;
  }
  const count = new Uint32Array(RADIX_MASK + 1);
  // Least significant digit first: each pass is stable, so the last leaves the whole order.
  for (let shift = 0; shift === 0 || (shift < 32 && span >= 2 ** shift); shift += RADIX_BITS) {
    count.fill(0);
    for (let i = 0; i < n; i++) count[(v[i]! >>> shift) & RADIX_MASK]!++;
    let sum = 0;
    for (let b = 0; b <= RADIX_MASK; b++) {
      const c = count[b]!;
      count[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const x = v[i]!;
      const at = count[(x >>> shift) & RADIX_MASK]!++;
      v2[at] = x;
      o2[at] = o[i]!;
    }
    [v, v2] = [v2, v];
    [o, o2] = [o2, o];
  }
  return { order: o, firsts: v };
}

/**
 * The same order by a native sort of one packed number per key (first element × count +
 * position: exact while it stays a safe integer); null when it would not be exact.
 */
function packedOrder(keys: readonly Key[], maxAbs: number): Float64Array | null {
  const n = keys.length;
  if ((maxAbs + 1) * n > Number.MAX_SAFE_INTEGER) return null;
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) packed[i] = (keys[i]![0] as number) * n + i;
  packed.sort();
  for (let j = 0; j < n; j++) {
    // The position is the packed number modulo the count (fmod is exact; a division could round).
    let i = packed[j]! % n;
    if (i < 0) i += n;
    packed[j] = i;
  }
  return packed;
}

/** Sorts keys[from, to) by compareNumberKeys, unless they are in order already. */
function sortRun(keys: Key[], from: number, to: number): void {
  for (let j = from + 1; j < to; j++) {
    if (compareNumberKeys(keys[j - 1]!, keys[j]!) > 0) {
      const run = keys.slice(from, to).sort(compareNumberKeys);
      for (let i = 0; i < run.length; i++) keys[from + i] = run[i]!;
      return;
    }
  }
}

/**
 * Puts `adds` (index keys, none present in the tree, in any order; sorted here) into the index
 * tree at `root`, which holds `existing` entries, and takes `removals` (entries of the tree: the
 * old entries of updated and deleted rows) out; returns the new root. Few changes go in one by
 * one, in key order; more rebuild the tree bottom-up from one merged walk. Nodes of the old tree
 * are never changed (a rebuild makes new ones, owned by `writer.owner`); committed pages it
 * replaces go to `writer.freed`, as a copy-on-write edit would free them.
 */
export function changeIndexEntries(src: NodeSource, writer: TreeWriter, root: ChildRef, adds: Key[], removals: Key[], existing: number): BNode {
  sortIndexKeys(adds);
  sortIndexKeys(removals);
  let node = loadRef(src, root);
  const missing = (): DispatcherError => new DispatcherError(SqlState.InternalError, 'index entry to replace not found');
  if ((adds.length + removals.length) * REBUILD_RATIO < existing) {
    for (let i = 0; i < removals.length; i++) {
      node = writer.remove(node, removals[i]!);
      if (!writer.found) throw missing();
    }
    for (let i = 0; i < adds.length; i++) {
      const k = adds[i]!;
      node = writer.put(node, k, null, tupleSize(k) + 1, PutMode.Upsert);
    }
    return node;
  }
  const merged: Key[] = [];
  const c = new TreeCursor(src, node, undefined, false);
  let j = 0;
  let r = 0;
  try {
    while (c.advance()) {
      const k = c.key;
      if (r < removals.length && compareKeys(removals[r]!, k) === 0) {
        r++;
        continue;
      }
      while (j < adds.length && compareKeys(adds[j]!, k) < 0) merged.push(adds[j++]!);
      merged.push(k);
    }
  } finally {
    c.close();
  }
  if (r !== removals.length) throw missing();
  while (j < adds.length) merged.push(adds[j++]!);
  walkTree(src, node, (n) => {
    if (n.id !== 0) writer.freed.push(n.id);
  });
  return buildIndexTree(merged, writer.owner, writer.capacity);
}

/** Sorts index keys in tree order, by the cheapest means that applies to them. */
export function sortIndexKeys(keys: Key[]): void {
  if (!allNumbers(keys)) keys.sort(compareKeys);
  else if (!sortByIntegerFirst(keys)) keys.sort(compareNumberKeys);
}

/** A B+tree of index entries (values null) from keys in ascending order, built bottom-up. */
export function buildIndexTree(keys: readonly Key[], owner: number, capacity: number): BNode {
  // Leaves and internal nodes alike are filled to FILL of the capacity and of their entry cap.
  const fillBytes = NODE_OVERHEAD + (capacity - NODE_OVERHEAD) * FILL;
  const leafEntries = Math.floor(MAX_LEAF_ENTRIES * FILL);
  const level: BNode[] = [];
  const firsts: Key[] = [];
  let leaf: LeafNode = newLeaf(owner);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const s = tupleSize(k) + 1;
    const count = leafLength(leaf);
    if (count > 0 && (count >= leafEntries || leaf.bytes + s > fillBytes)) {
      level.push(leaf);
      firsts.push(keyAt(leaf, 0));
      leaf = newLeaf(owner);
    }
    insertKey(leaf, count, k);
    leaf.bytes += s;
  }
  level.push(leaf);
  firsts.push(leafLength(leaf) > 0 ? keyAt(leaf, 0) : []);
  return buildUpperLevels(level, firsts, owner, capacity);
}

/** The internal levels over built leaves (`firsts`: each one's first key), up to one root. */
export function buildUpperLevels(level: BNode[], firsts: Key[], owner: number, capacity: number): BNode {
  const fillBytes = NODE_OVERHEAD + (capacity - NODE_OVERHEAD) * FILL;
  const innerChildren = Math.floor(MAX_CHILDREN * FILL);
  while (level.length > 1) {
    const up: BNode[] = [];
    const upFirsts: Key[] = [];
    let n = newInternal(owner);
    for (let i = 0; i < level.length; i++) {
      const child = level[i]!;
      const sep = firsts[i]!;
      const s = tupleSize(sep) + CHILD_SIZE;
      // Two children at least per node, so every level shrinks.
      if (n.children.length >= 2 && (n.children.length >= innerChildren || n.bytes + s > fillBytes)) {
        up.push(n);
        n = newInternal(owner);
      }
      if (n.children.length === 0) {
        upFirsts[up.length] = sep;
        n.children.push(child);
        n.bytes += CHILD_SIZE;
      } else {
        n.children.push(child);
        n.keys.push(sep);
        n.sizes.push(s);
        n.bytes += s;
      }
    }
    // A last node of one child takes one more from the node before it, when that keeps two.
    const prev = up[up.length - 1];
    if (n.children.length === 1 && prev !== undefined && !prev.leaf && prev.children.length > 2) {
      const moved = prev.children.pop()!;
      const sep = prev.keys.pop()!;
      prev.sizes.pop();
      prev.bytes -= tupleSize(sep) + CHILD_SIZE;
      const s = tupleSize(upFirsts[up.length]!) + CHILD_SIZE;
      n.children.unshift(moved);
      n.keys.unshift(upFirsts[up.length]!);
      n.sizes.unshift(s);
      n.bytes += s;
      upFirsts[up.length] = sep;
    }
    up.push(n);
    level = up;
    firsts = upFirsts;
  }
  return level[0]!;
}
