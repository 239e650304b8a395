// The number caches of B-tree nodes: a node's keys' first elements as one packed array of numbers
// (n0), and the whole keys as numbers when every key is one number (nk). A search reads a packed
// array instead of following a pointer to a key tuple per probe (each a likely cache miss) and
// compares tuples only among the entries whose first numbers tie.
import type { BNode } from './node.js';
import type { Key } from './ports.js';
import { textInsert, textRemove } from './text-prefixes.js';

/**
 * A node's number cache (see firstNumbers) when a search for `key` can use it: the key starts with
 * a non-NaN number and the cache exists — or may be built now (`build`: a writer's own node, which
 * it searches again and again, keeping the cache in step with its edits).
 */
export function cacheFor(node: BNode, key: Key, build: boolean): number[] | null {
  if (node.leaf && node.nums !== null) return null;
  const x = key[0];
  if (typeof x !== 'number' || x !== x) return null;
  const n0 = node.n0;
  if (n0 !== undefined) return n0;
  return build ? firstNumbers(node) : null;
}

/** [first index whose first element is >= x, first index whose first element is > x). */
export function numberRange(n0: readonly number[], x: number): number {
  let lo = 0;
  let hi = n0.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (n0[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function numberEnd(n0: readonly number[], x: number, from: number): number {
  let lo = from;
  let hi = n0.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (n0[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A key went in at position i of a node's keys: its caches follow (or are dropped). */
export function cachedInsert(n: BNode, i: number, key: Key): void {
  if (n.leaf && n.nums !== null) return;
  textInsert(n, i, key);
  n.nk = undefined;
  const n0 = n.n0;
  if (n0 === undefined || n0 === null) return;
  const x = key[0];
  if (typeof x !== 'number' || x !== x) n.n0 = null;
  else if (i === n0.length) n0.push(x);
  else n0.splice(i, 0, x);
}

/** The key at position i of a node's keys went out. */
export function cachedRemove(n: BNode, i: number): void {
  if (n.leaf && n.nums !== null) return;
  textRemove(n, i);
  n.nk = undefined;
  const n0 = n.n0;
  if (n0 !== undefined && n0 !== null) n0.splice(i, 1);
}

/**
 * The keys of a shared (never again mutated) node as numbers, when each is a single non-NaN
 * number; null otherwise. Built on first use: a point lookup then binary-searches one packed
 * array instead of chasing a pointer to a key tuple per probe (each a likely cache miss).
 */
export function numericKeys(node: BNode): number[] | null {
  if (node.leaf && node.nums !== null) return node.ar <= 1 ? node.nums : null;
  if (node.nk === undefined) buildNumberCaches(node);
  return node.nk!;
}

/**
 * The first elements of a node's keys as numbers, when each is a non-NaN number; null otherwise
 * (null is also kept, conservatively, once an edit could not follow). Searches compare key tuples
 * only among entries whose first number ties, so a probe reads a packed array, not a tuple
 * somewhere in the heap. Every edit of a node's keys keeps it in step (cachedInsert/Remove, the
 * splits and merges); nk, the whole-key variant, is dropped on edits and rebuilt by readers.
 */
export function firstNumbers(node: BNode): number[] | null {
  // A numeric leaf of one number a key is its own cache; wider ones are searched by leaf-keys.ts.
  if (node.leaf && node.nums !== null) return node.ar <= 1 ? node.nums : null;
  if (node.n0 === undefined) buildNumberCaches(node);
  return node.n0!;
}

/** One pass for both caches: n0 (first elements), nk (n0 again when every key is one number). */
function buildNumberCaches(node: BNode): void {
  const keys = node.keys!;
  let n0: number[] | null = [];
  let single = true;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = k[0];
    if (typeof v !== 'number' || v !== v) {
      n0 = null;
      break;
    }
    if (k.length !== 1) single = false;
    n0.push(v);
  }
  node.n0 = n0;
  node.nk = n0 !== null && single ? n0 : null;
}
