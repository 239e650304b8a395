// The read side of the copy-on-write B+tree: key searches in a node (through its number cache
// when it has one), descents to the leaf that holds a key, point lookups, prefix probes for
// index checks, and a walk over every node. Nothing here changes a node except the number
// caches a writer's own descents build.
import { compareKeys, comparePrefixN } from './key-order.js';
import type { BNode, InternalNode, LeafNode, LeafValue } from './node.js';
import type { NodeSource } from './node-source.js';
import type { Key } from './ports.js';
import { cacheFor, numberEnd, numberRange, numericKeys } from './number-caches.js';
import { comparePrefixAt, keyAt, leafLength, lowerInLeaf, searchLeaf, searchNumber } from './leaf-keys.js';
import { textPosition, textPrefixes } from './text-prefixes.js';
import { valueAt } from './leaf-values.js';

/** Index of `key` in the sorted array, or -(insertion point) - 1. */
export function searchKeys(keys: readonly Key[], key: Key): number {
  let lo = 0;
  let hi = keys.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKeys(keys[mid]!, key);
    if (c < 0) lo = mid + 1;
    else if (c > 0) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

/** The child of an internal node that covers `key`: the number of separators <= key. */
export function childIndex(node: InternalNode, key: Key): number {
  const keys = node.keys;
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keys[mid]!, key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** searchKeys on a node: tuples are compared only among entries whose first number equals the key's. */
export function searchNode(node: BNode, key: Key, build: boolean): number {
  if (node.leaf && node.nums !== null) return searchLeaf(node, key);
  const x0 = key[0];
  if (typeof x0 === 'string') {
    const tp = textPrefixes(node, build);
    if (tp !== null) {
      const keys = node.keys!;
      const i = textPosition(keys, tp, x0, key, false);
      return i < keys.length && compareKeys(keys[i]!, key) === 0 ? i : -i - 1;
    }
  }
  const n0 = cacheFor(node, key, build);
  const keys = node.keys!;
  if (n0 === null) return searchKeys(keys, key);
  const x = key[0] as number;
  let lo = numberRange(n0, x);
  let hi = numberEnd(n0, x, lo) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKeys(keys[mid]!, key);
    if (c < 0) lo = mid + 1;
    else if (c > 0) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

/** childIndex on a node, through its number cache the same way. */
export function childOf(node: InternalNode, key: Key, build: boolean): number {
  const x0 = key[0];
  if (typeof x0 === 'string') {
    const tp = textPrefixes(node, build);
    if (tp !== null) return textPosition(node.keys, tp, x0, key, true);
  }
  const n0 = cacheFor(node, key, build);
  if (n0 === null) return childIndex(node, key);
  const x = key[0] as number;
  let lo = numberRange(n0, x);
  let hi = numberEnd(n0, x, lo);
  const keys = node.keys;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keys[mid]!, key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The leaf that would hold `key`, for a writer's own lookups: it builds the number caches of the
 * nodes it passes, which is safe for every node a writer sees (committed and frozen nodes never
 * change; its own keep the caches in step with each edit) and spares its next searches there.
 */
export function leafFor(src: NodeSource, root: BNode, key: Key): LeafNode {
  let node = root;
  while (!node.leaf) node = src.load(node.children[childOf(node, key, true)]!);
  return node;
}

/** Index of `key` in a leaf reached by leafFor, or -(insertion point) - 1. */
export function indexInLeaf(leaf: LeafNode, key: Key): number {
  return searchNode(leaf, key, true);
}

/** Point lookup; `undefined` when absent (index trees store null values). */
export function lookup(src: NodeSource, root: BNode, key: Key): LeafValue | undefined {
  let node = root;
  while (!node.leaf) node = src.load(node.children[childOf(node, key, false)]!);
  const i = searchNode(node, key, false);
  return i >= 0 ? valueAt(node, i) : undefined;
}

/**
 * lookup() on a tree no writer may change any more (a committed snapshot's): single-number keys
 * are searched through each node's numeric key cache.
 */
export function lookupShared(src: NodeSource, root: BNode, key: Key): LeafValue | undefined {
  const x = key[0];
  // Text: the searches build the nodes' text caches (no writer changes a shared node).
  if (typeof x === 'string') {
    let node = root;
    while (!node.leaf) node = src.load(node.children[childOf(node, key, true)]!);
    const i = searchNode(node, key, true);
    return i >= 0 ? valueAt(node, i) : undefined;
  }
  if (key.length !== 1 || typeof x !== 'number' || x !== x) return lookup(src, root, key);
  return lookupSharedNumber(src, root, x);
}

/** lookupShared of the key [x], x a number that is not NaN, without the key's array. */
export function lookupSharedNumber(src: NodeSource, root: BNode, x: number): LeafValue | undefined {
  let node = root;
  for (;;) {
    const nk = numericKeys(node);
    if (nk === null) return lookup(src, node, [x]);
    if (node.leaf) {
      const i = searchNumber(nk, x);
      return i >= 0 ? valueAt(node, i) : undefined;
    }
    // The child covering x: the number of separators <= x.
    let lo = 0;
    let hi = nk.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (nk[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    node = src.load(node.children[lo]!);
  }
}

/**
 * Whether a key starting with bound[0..n) exists whose remaining elements differ from `except`
 * (unique-index checks). One binary search per level; undefined when the answer lies past the
 * leaf reached (the caller then uses a cursor).
 */
export function hasPrefix(src: NodeSource, root: BNode, bound: Key, n: number, except: Key | undefined): boolean | undefined {
  let node = root;
  let upper: Key | undefined;
  // Each level through the node's number or text cache (built here: every edit keeps them in step).
  while (!node.leaf) {
    const keys = node.keys;
    const lo = prefixLowerBound(node, bound, n, true);
    if (lo < keys.length) upper = keys[lo];
    node = src.load(node.children[lo]!);
  }
  const count = leafLength(node);
  for (let i = prefixLowerBound(node, bound, n, true); i < count; i++) {
    if (comparePrefixAt(node, i, bound, n) !== 0) return false;
    if (except === undefined || !suffixEquals(keyAt(node, i), n, except)) return true;
  }
  // Ran off the leaf: later keys are >= the leaf's upper separator.
  if (upper === undefined || comparePrefixN(upper, bound, n) > 0) return false;
  return undefined;
}

/**
 * The keys starting with bound[0..n), in order, when they all lie in the leaf the descent reaches
 * (an equality probe of an index: one descent, no cursor); undefined when they may run past it
 * (the caller then uses a cursor).
 */
export function prefixRun(src: NodeSource, root: BNode, bound: Key, n: number, build: boolean): Key[] | undefined {
  let node = root;
  let upper: Key | undefined;
  while (!node.leaf) {
    const lo = prefixLowerBound(node, bound, n, build);
    if (lo < node.keys.length) upper = node.keys[lo];
    node = src.load(node.children[lo]!);
  }
  if (node.nums !== null) {
    const lo = lowerInLeaf(node, bound, n, false);
    const end = lowerInLeaf(node, bound, n, true);
    if (end === leafLength(node) && upper !== undefined && comparePrefixN(upper, bound, n) <= 0) return undefined;
    const out: Key[] = [];
    for (let i = lo; i < end; i++) out.push(keyAt(node, i));
    return out;
  }
  const keys = node.keys!;
  const lo = prefixLowerBound(node, bound, n, build);
  let end = lo;
  const n0 = n === 1 ? cacheFor(node, bound, false) : null;
  // One number to match: the run ends where the first numbers pass it (no key tuple read).
  if (n0 !== null && n0 !== undefined) end = numberEnd(n0, bound[0] as number, lo);
  else while (end < keys.length && comparePrefixN(keys[end]!, bound, n) === 0) end++;
  // Ran off the leaf: later keys are >= the leaf's upper separator, which may still match.
  if (end === keys.length && upper !== undefined && comparePrefixN(upper, bound, n) <= 0) return undefined;
  return keys.slice(lo, end);
}

/** The first key of a node that does not start below bound[0..n), through its number cache when it has one. */
function prefixLowerBound(node: BNode, bound: Key, n: number, build: boolean): number {
  if (node.leaf && node.nums !== null) return lowerInLeaf(node, bound, n, false);
  const x0 = bound[0];
  if (typeof x0 === 'string' && n > 0) {
    const tp = textPrefixes(node, build);
    if (tp !== null) return textPosition(node.keys!, tp, x0, bound, false, n);
  }
  const keys = node.keys!;
  const n0 = cacheFor(node, bound, build);
  let lo = 0;
  let hi = keys.length;
  if (n0 !== null) {
    const x = bound[0] as number;
    lo = numberRange(n0, x);
    if (n === 1) return lo;
    hi = numberEnd(n0, x, lo);
  }
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (comparePrefixN(keys[mid]!, bound, n) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function suffixEquals(k: Key, n: number, suffix: Key): boolean {
  if (k.length - n !== suffix.length) return false;
  for (let i = 0; i < suffix.length; i++) if (compareKeys([k[n + i]!], [suffix[i]!]) !== 0) return false;
  return true;
}

/** Calls `fn` on every node reachable from root (pre-order) with its depth. */
export function walkTree(src: NodeSource, root: BNode, fn: (n: BNode, depth: number) => void, depth = 0): void {
  fn(root, depth);
  if (!root.leaf) for (const c of root.children) walkTree(src, src.load(c), fn, depth + 1);
}
