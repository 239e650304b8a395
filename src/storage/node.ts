// Decoded B+tree nodes and the msgpack size accounting that keeps every node within its page.
// A node is mutable only by the writer whose current owner token it carries; every other node
// (committed, or frozen by a savepoint / open cursor) is shared and never changed.
import { packr } from './format.js';
import type { Key, Row, SqlValue } from './ports.js';
import type { TextPrefixes } from './text-prefixes.js';

/** A large row stored in a run of overflow pages; the leaf keeps only this reference. */
export interface OverflowRef {
  /** First page of the run. */
  readonly o: number;
  /** Number of pages. */
  readonly c: number;
  /** Encoded length in bytes. */
  readonly n: number;
}

/** A large row inserted by a not yet committed writer: spilled to overflow pages at commit. */
export interface PendingBig {
  readonly row: Row;
}

export type LeafValue = Row | OverflowRef | PendingBig | null;

/** Whether a leaf value is a reference to an overflow run. */
export function isOverflowRef(v: LeafValue): v is OverflowRef {
  return v !== null && !Array.isArray(v) && 'o' in v;
}
export type ChildRef = number | BNode;

export interface LeafNode {
  readonly leaf: true;
  /** The keys as tuples; null while the leaf holds them as numbers (see leaf-keys.ts). */
  keys: Key[] | null;
  /** The keys flattened, `ar` numbers each, when every key is `ar` non-NaN numbers; else null. */
  nums: number[] | null;
  /** Numbers per key in the numeric form (0 while a numeric leaf is empty). */
  ar: number;
  /** The values, one per entry, in the rows form; null in the flat and null forms (leaf-values.ts). */
  vals: LeafValue[] | null;
  /** Flat form: the rows' values, `w` per entry; null in the other forms. */
  flat: SqlValue[] | null;
  /** Flat form: values per row (0 in the other forms). */
  w: number;
  /** Rows form: accounted encoded size of each entry (key + value); else null (see leaf-values.ts). */
  sizes: number[] | null;
  /** Accounted encoded size of the whole node. */
  bytes: number;
  /** Page id once committed to a file; 0 while uncommitted (and always in memory). */
  id: number;
  /** Token of the writer allowed to mutate it in place; 0 = immutable. */
  owner: number;
  /** Tuple form only: readers' cache of the keys as numbers (see numericKeys); dropped by every edit of the keys. */
  nk: number[] | null | undefined;
  /** Tuple form only: the keys' first elements as numbers (see firstNumbers in number-caches.ts), kept in step by every edit. */
  n0: number[] | null | undefined;
  /** Tuple form only: the keys' text prefixes (text-prefixes.ts), kept in step by every edit. */
  tp: TextPrefixes | null | undefined;
  /** keys (or nums), n0 and tp are the arrays of the node this one was copied from (see cloneNode). */
  borrowed: boolean;
}

export interface InternalNode {
  readonly leaf: false;
  /** keys[i] separates children[i] (keys < it) from children[i + 1] (keys >= it). */
  keys: Key[];
  children: ChildRef[];
  sizes: number[];
  bytes: number;
  id: number;
  owner: number;
  nk: number[] | null | undefined;
  n0: number[] | null | undefined;
  /** The separators' text prefixes (text-prefixes.ts), kept in step by every edit. */
  tp: TextPrefixes | null | undefined;
  /** keys, sizes, n0 and tp are the arrays of the node this one was copied from (see cloneNode). */
  borrowed: boolean;
}

export type BNode = LeafNode | InternalNode;

/** Fixed per-node overhead of the encoded form (array headers and the kind tag). */
export const NODE_OVERHEAD = 24;
/** Encoded size of a child page id in an internal node (uint32). */
export const CHILD_SIZE = 5;
/** Encoded size upper bound of an OverflowRef. */
export const REF_SIZE = 24;

let tokenCounter = 0;
/** A fresh owner token (globally unique, so no writer ever owns another's nodes). */
export function newToken(): number {
  return ++tokenCounter;
}

export function newLeaf(owner: number): LeafNode {
  return { leaf: true, keys: null, nums: [], ar: 0, vals: null, flat: null, w: 0, sizes: null, bytes: NODE_OVERHEAD, id: 0, owner, nk: undefined, n0: undefined, tp: undefined, borrowed: false };
}

export function newInternal(owner: number): InternalNode {
  return { leaf: false, keys: [], children: [], sizes: [], bytes: NODE_OVERHEAD, id: 0, owner, nk: undefined, n0: undefined, tp: undefined, borrowed: false };
}

/**
 * A mutable copy of a node owned by `owner`. Most copies are made for an edit that leaves the keys
 * as they are (a row updated in a leaf, a child replaced in each node above it), so the copy
 * borrows the original's keys (and n0 cache, and an internal node's sizes) and takes its own only
 * when it first changes them (ownKeys): a one-row update of a 100k-row table copied a 256-child
 * node's four arrays, ~8 KB of garbage per commit, where one array is enough (nodes now hold at
 * most 64 children: tree-writer.ts).
 */
export function cloneNode<N extends BNode>(n: N, owner: number): N {
  if (n.leaf) {
    return {
      leaf: true,
      keys: n.keys,
      nums: n.nums,
      ar: n.ar,
      vals: n.vals === null ? null : n.vals.slice(),
      flat: n.flat === null ? null : n.flat.slice(),
      w: n.w,
      sizes: n.sizes === null ? null : n.sizes.slice(),
      bytes: n.bytes,
      id: 0,
      owner,
      nk: undefined,
      n0: n.n0,
      tp: n.tp,
      borrowed: true,
    } as N;
  }
  return {
    leaf: false,
    keys: n.keys,
    children: n.children.slice(),
    sizes: n.sizes,
    bytes: n.bytes,
    id: 0,
    owner,
    nk: undefined,
    n0: n.n0,
    tp: n.tp,
    borrowed: true,
  } as N;
}

/** Gives a copy its own keys (and n0, and an internal node's sizes) before it changes them. */
export function ownKeys(n: BNode): void {
  if (!n.borrowed) return;
  if (n.leaf) {
    if (n.keys !== null) n.keys = n.keys.slice();
    if (n.nums !== null) n.nums = n.nums.slice();
  } else {
    n.keys = n.keys.slice();
    n.sizes = n.sizes.slice();
  }
  const n0 = n.n0;
  if (n0 !== undefined && n0 !== null) n.n0 = n0.slice();
  const tp = n.tp;
  if (tp !== undefined && tp !== null) n.tp = { lcp: tp.lcp, p: tp.p.slice() };
  n.borrowed = false;
}

function utf8Length(s: string): number {
  // Short strings: a loop (exact for ASCII, an upper bound otherwise: 3 bytes per UTF-16 unit).
  // From ~10 characters on, Buffer.byteLength (a fast API call once compiled) is cheaper: 15 ns
  // against 85 for 60 characters.
  const n = s.length;
  if (n < 10) {
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
    }
    return bytes;
  }
  return Buffer.byteLength(s, 'utf8');
}

/** Upper bound of the msgpack size of one value. */
export function valueSize(v: SqlValue): number {
  switch (typeof v) {
    case 'number':
      if (Number.isInteger(v)) {
        if (v >= -32 && v < 128) return 1;
        if (v >= -2147483648 && v <= 4294967295) return 5;
      }
      return 9;
    case 'string': {
      const len = utf8Length(v);
      return len + (len < 32 ? 1 : len < 256 ? 2 : len < 65536 ? 3 : 5);
    }
    case 'boolean':
      return 1;
    case 'bigint':
      return 9;
    case 'object':
      if (v === null) return 1;
      if (v instanceof Uint8Array) return v.length + (v.length < 256 ? 2 : v.length < 65536 ? 3 : 5);
      // Catalog entries hold definitions and statistics (objects, arrays).
      return structureSize(v);
    default:
      return 9;
  }
}

/** Bytes of a msgpack string, array or map header for `n` (bytes or entries) at most. */
function headerSize(n: number, fix: number): number {
  return n < fix ? 1 : n < 65536 ? 3 : 5;
}

/**
 * Upper bound of the msgpack size of a catalog value: plain objects and arrays of strings,
 * numbers, booleans and nulls are walked (an in-memory database then never loads the codec);
 * anything else is measured by encoding it.
 */
function structureSize(v: unknown): number {
  if (v === null || v === undefined) return 3;
  switch (typeof v) {
    case 'bigint':
      // Past 64 bits msgpackr chooses another encoding: measure it.
      if (v < -(2n ** 63n) || v >= 2n ** 64n) break;
      return valueSize(v);
    case 'number':
    case 'string':
    case 'boolean':
      return valueSize(v);
    case 'object': {
      if (v instanceof Uint8Array) return valueSize(v);
      if (Array.isArray(v)) {
        let s = headerSize(v.length, 16);
        for (let i = 0; i < v.length; i++) s += structureSize(v[i]);
        return s;
      }
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) break;
      const keys = Object.keys(v);
      // msgpackr gives every object a map16 header at least.
      let s = headerSize(keys.length, 0);
      for (const k of keys) s += valueSize(k) + structureSize((v as Record<string, unknown>)[k]);
      return s;
    }
  }
  return packr().pack(v).length;
}

/** Upper bound of the msgpack size of a tuple (key or row). */
export function tupleSize(t: readonly SqlValue[]): number {
  const n = t.length;
  let s = n < 16 ? 1 : n < 65536 ? 3 : 5;
  for (let i = 0; i < n; i++) s += valueSize(t[i]!);
  return s;
}
