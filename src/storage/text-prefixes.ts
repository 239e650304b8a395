// A read cache for nodes whose keys start with text (a TEXT primary key, an index on a text
// column): the three characters of each key's first element that follow the common prefix of the
// node's keys, packed into one number, in one array. A point lookup by text compared whole key
// tuples before, each probe a pointer to a tuple and another to its string somewhere in the heap
// (a lookup among 100k text keys spent ~4 µs in those misses); now it binary-searches the packed
// numbers and compares tuples only among the keys whose three characters tie. Like the number
// caches it is built only for nodes no writer changes any more (a committed snapshot's).
import { compareKeys, compareValues } from './key-order.js';
import type { BNode, LeafValue } from './node.js';
import type { NodeSource } from './node-source.js';
import type { Key } from './ports.js';

export interface TextPrefixes {
  /** The common prefix of the keys' first elements. */
  readonly lcp: string;
  /** Per key, the packed three characters after lcp (see pack). */
  readonly p: readonly number[];
}

const cache = new WeakMap<BNode, TextPrefixes | null>();

/**
 * One character for the packed order: 0 past the end (a shorter string sorts first), else its
 * UTF-16 unit + 1, surrogates above every other unit (code point order, as compareStrings has it).
 */
function unit(s: string, i: number): number {
  if (i >= s.length) return 0;
  const c = s.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdfff ? 0x10001 + (c - 0xd800) : c + 1;
}

/** The three characters of s from `from` as one number (17 bits each: exact in a double). */
function pack(s: string, from: number): number {
  return unit(s, from) * 0x400000000 + unit(s, from + 1) * 0x20000 + unit(s, from + 2);
}

/** The node's text prefixes, built on first use; null when some key does not start with text. */
function prefixesOf(node: BNode, keys: readonly Key[]): TextPrefixes | null {
  let tp = cache.get(node);
  if (tp !== undefined) return tp;
  tp = null;
  const n = keys.length;
  if (n > 0) {
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = typeof keys[i]![0] === 'string';
    if (ok) {
      const first = keys[0]![0] as string;
      const last = keys[n - 1]![0] as string;
      let l = 0;
      const m = Math.min(first.length, last.length);
      while (l < m && first.charCodeAt(l) === last.charCodeAt(l)) l++;
      const p: number[] = [];
      for (let i = 0; i < n; i++) p.push(pack(keys[i]![0] as string, l));
      tp = { lcp: first.slice(0, l), p };
    }
  }
  cache.set(node, tp);
  return tp;
}

/**
 * Where `key` (first element the text x) falls among the node's keys: the first index whose key
 * is >= key (`upper`: > key) in compareKeys order.
 */
function position(keys: readonly Key[], tp: TextPrefixes, x: string, key: Key, upper: boolean): number {
  const n = keys.length;
  const lcp = tp.lcp;
  if (!x.startsWith(lcp)) return compareValues(x, lcp) < 0 ? 0 : n;
  const px = pack(x, lcp.length);
  const p = tp.p;
  // The run of keys whose packed characters equal px, then whole keys inside it.
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (p[mid]! < px) lo = mid + 1;
    else hi = mid;
  }
  hi = lo;
  let end = n;
  while (hi < end) {
    const mid = (hi + end) >>> 1;
    if (p[mid]! <= px) hi = mid + 1;
    else end = mid;
  }
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKeys(keys[mid]!, key);
    if (c < 0 || (upper && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * lookupShared for a key whose first element is text, through each node's text prefixes;
 * `fallback` (the plain lookup) takes over at a node whose keys do not all start with text.
 */
export function lookupSharedText(
  src: NodeSource,
  root: BNode,
  key: Key,
  fallback: (src: NodeSource, node: BNode, key: Key) => LeafValue | undefined,
): LeafValue | undefined {
  const x = key[0] as string;
  let node = root;
  for (;;) {
    if (node.leaf) {
      const keys = node.keys;
      if (keys === null) return fallback(src, node, key);
      const tp = prefixesOf(node, keys);
      if (tp === null) return fallback(src, node, key);
      const i = position(keys, tp, x, key, false);
      return i < keys.length && compareKeys(keys[i]!, key) === 0 ? node.vals[i] : undefined;
    }
    const tp = prefixesOf(node, node.keys);
    if (tp === null) return fallback(src, node, key);
    // The child covering key: the number of separators <= key.
    node = src.load(node.children[position(node.keys, tp, x, key, true)]!);
  }
}
