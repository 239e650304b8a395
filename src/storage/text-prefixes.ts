// The text cache of nodes whose keys start with text (a TEXT primary key, an index on a text
// column): the three characters of each key's first element that follow a prefix every key of the
// node has, packed into one number, in one array. A search compared whole key tuples before, each
// probe a pointer to a tuple and another to its string somewhere in the heap (a point lookup
// among 100k text keys spent ~4 µs in those misses); it now binary-searches the packed numbers and
// compares tuples only among the keys whose three characters tie. Like n0 (number-caches.ts) it is
// built on a search and kept in step by every edit of the node's keys: an insert packs the new key
// (or drops the cache when the key lacks the prefix), a removal cuts the array, a split drops it.
// The prefix may be shorter than what the keys share now (a removal can lengthen that); it only
// has to be shared.
import { compareKeys, comparePrefixN, compareValues } from './key-order.js';
import type { BNode } from './node.js';
import type { Key } from './ports.js';

export interface TextPrefixes {
  /** A prefix of every key's first element. */
  readonly lcp: string;
  /** Per key, the packed three characters after lcp (see pack). */
  p: number[];
}

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

/** The node's text cache, built now if `build`; null when some key does not start with text. */
export function textPrefixes(node: BNode, build: boolean): TextPrefixes | null {
  const have = node.tp;
  if (have !== undefined) return have;
  if (!build) return null;
  const keys = node.keys;
  let tp: TextPrefixes | null = null;
  if (keys !== null && keys.length > 0) {
    const n = keys.length;
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
  node.tp = tp;
  return tp;
}

/**
 * The first index of the node's keys that is >= key (`upper`: > key) in compareKeys order, for a
 * key whose first element is the text x; with `prefix`, in comparePrefixN(·, key, prefix) order
 * (an index probe by the first `prefix` values).
 */
export function textPosition(keys: readonly Key[], tp: TextPrefixes, x: string, key: Key, upper: boolean, prefix = -1): number {
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
    const c = prefix < 0 ? compareKeys(keys[mid]!, key) : comparePrefixN(keys[mid]!, key, prefix);
    if (c < 0 || (upper && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A key went in at position i of a node's keys. */
export function textInsert(n: BNode, i: number, key: Key): void {
  const tp = n.tp;
  if (tp === undefined) return;
  const x = key[0];
  if (tp === null || typeof x !== 'string' || !x.startsWith(tp.lcp)) n.tp = undefined;
  else if (i === tp.p.length) tp.p.push(pack(x, tp.lcp.length));
  else tp.p.splice(i, 0, pack(x, tp.lcp.length));
}

/** The key at position i of a node's keys went out. */
export function textRemove(n: BNode, i: number): void {
  const tp = n.tp;
  if (tp !== undefined && tp !== null) tp.p.splice(i, 1);
  // A node of no text keys may hold only text ones now: look again on the next search.
  else if (tp === null) n.tp = undefined;
}

/**
 * A split: both halves build their caches again on their next search, each from its own first
 * and last key (a half's keys share a longer prefix than the whole's, and the cache's characters
 * after a prefix too short for them would tie across most of the node).
 */
export function textSplit(n: BNode, right: BNode): void {
  n.tp = undefined;
  right.tp = undefined;
}

/** Whether a node's text cache says what its keys say (integrity checks, tests). */
export function textPrefixesHold(node: BNode): boolean {
  const tp = node.tp;
  if (tp === undefined || tp === null) return true;
  const keys = node.keys;
  if (keys === null || keys.length !== tp.p.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const x = keys[i]![0];
    if (typeof x !== 'string' || !x.startsWith(tp.lcp) || tp.p[i] !== pack(x, tp.lcp.length)) return false;
  }
  return true;
}
