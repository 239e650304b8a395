// Copy-on-write B+tree operations over decoded nodes. A writer changes a tree by copying the
// nodes on the path it touches (bottom-up, only once it knows a change happens), unless the node
// already carries its owner token, in which case it edits in place. Nodes split by accounted
// encoded size so each one fits its page.
import { compareKeys, comparePrefixN } from './key-order.js';
import {
  CHILD_SIZE,
  NODE_OVERHEAD,
  cloneNode,
  ownKeys,
  newInternal,
  newLeaf,
  tupleSize,
  type BNode,
  type ChildRef,
  type InternalNode,
  type LeafNode,
  isOverflowRef,
  type LeafValue,
  type OverflowRef,
} from './node.js';
import type { Key } from './ports.js';
import { cacheFor, cachedInsert, cachedRemove, numberEnd, numberRange, numericKeys } from './number-caches.js';

/**
 * Entry caps besides the byte capacity: a writer copies every node on its path, so wide nodes of
 * tiny entries would make each small update copy thousands of slots.
 */
export const MAX_LEAF_ENTRIES = 512;
export const MAX_CHILDREN = 256;

/** Where nodes come from: page ids resolve through the buffer pool, objects are themselves. */
export interface NodeSource {
  load(ref: ChildRef): BNode;
  pin(id: number): void;
  unpin(id: number): void;
}

/** A cache of decoded pages by id (the file store's buffer pool). */
export interface PageCache {
  get(id: number): BNode;
  pin(id: number): void;
  unpin(id: number): void;
}

/**
 * The node source of every tree: page ids resolve through the page cache, objects are
 * themselves; without a cache (in memory) a tree never holds page ids. One class for both kinds
 * of database, so the B-tree's calls to it see one shape and one method each; and methods rather
 * than closures of one store, which V8 compiled into those calls and threw away, with the
 * compiled descents and index probes, when that database closed.
 */
export class TreeSource implements NodeSource {
  readonly #pages: PageCache | null;

  constructor(pages: PageCache | null) {
    this.#pages = pages;
  }

  load(ref: ChildRef): BNode {
    if (typeof ref !== 'number') return ref;
    if (this.#pages === null) throw new Error(`page ${ref} referenced by an in-memory tree`);
    return this.#pages.get(ref);
  }

  pin(id: number): void {
    this.#pages?.pin(id);
  }

  unpin(id: number): void {
    this.#pages?.unpin(id);
  }
}

/** In-memory trees never hold page ids. */
export const objectSource: NodeSource = new TreeSource(null);

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
function searchNode(node: BNode, key: Key, build: boolean): number {
  const n0 = cacheFor(node, key, build);
  if (n0 === null) return searchKeys(node.keys, key);
  const x = key[0] as number;
  let lo = numberRange(n0, x);
  let hi = numberEnd(n0, x, lo) - 1;
  const keys = node.keys;
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
function childOf(node: InternalNode, key: Key, build: boolean): number {
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
 * Bumped by every put and remove of any writer. A leaf a lookup reached from a root is still
 * reachable from it, and still holds the entry at the index found, while this is unchanged.
 */
let treeEpoch = 0;

export function currentTreeEpoch(): number {
  return treeEpoch;
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
  return i >= 0 ? node.vals[i] : undefined;
}

/**
 * lookup() on a tree no writer may change any more (a committed snapshot's): single-number keys
 * are searched through each node's numeric key cache.
 */
export function lookupShared(src: NodeSource, root: BNode, key: Key): LeafValue | undefined {
  const x = key[0];
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
      let lo = 0;
      let hi = nk.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const v = nk[mid]!;
        if (v < x) lo = mid + 1;
        else if (v > x) hi = mid - 1;
        else return node.vals[mid];
      }
      return undefined;
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
  while (!node.leaf) {
    const keys = node.keys;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (comparePrefixN(keys[mid]!, bound, n) < 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo < keys.length) upper = keys[lo];
    node = src.load(node.children[lo]!);
  }
  const keys = node.keys;
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (comparePrefixN(keys[mid]!, bound, n) < 0) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < keys.length; i++) {
    const k = keys[i]!;
    if (comparePrefixN(k, bound, n) !== 0) return false;
    if (except === undefined || !suffixEquals(k, n, except)) return true;
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
  const keys = node.keys;
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
  const keys = node.keys;
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

export const enum PutMode {
  /** Fails (writer.duplicate = true, tree unchanged) when the key exists. */
  Insert = 0,
  /** Replaces the value when the key exists, inserts otherwise. */
  Upsert = 1,
  /** Replaces the value when the key exists (writer.removed = the old one); else writer.missing = true, tree unchanged. */
  Replace = 2,
}

/** Mutable state of one writer's tree edits: owner token, capacity, and per-call results. */
export class TreeWriter {
  owner = 0;
  readonly capacity: number;
  readonly src: NodeSource;
  /** Page ids of committed nodes this writer replaced (freed when it commits). */
  freed: number[] = [];
  /**
   * Where overflow references removed from or replaced in a leaf go (their pages are freed at
   * commit); null: nowhere. An array rather than a callback: a callback is a closure of one
   * transaction, which V8 compiled into the leaf edits and threw away with them when it died.
   */
  droppedRefs: OverflowRef[] | null = null;

  duplicate = false;
  /** put(Replace) found no entry to replace. */
  missing = false;
  found = false;
  removed: LeafValue | undefined = undefined;
  #splitRight: BNode | null = null;
  #splitKey: Key | null = null;

  constructor(src: NodeSource, capacity: number) {
    this.src = src;
    this.capacity = capacity;
  }

  #own<N extends BNode>(n: N): N {
    if (n.owner === this.owner) return n;
    if (n.id !== 0) this.freed.push(n.id);
    return cloneNode(n, this.owner);
  }

  /** Inserts or replaces; returns the new root. `size` is the accounted size of the entry. */
  put(root: BNode, key: Key, val: LeafValue, size: number, mode: PutMode): BNode {
    treeEpoch++;
    this.duplicate = false;
    this.missing = false;
    this.removed = undefined;
    const res = this.#insert(root, key, val, size, mode);
    const right = this.#splitRight;
    if (right === null) return res;
    const sep = this.#splitKey!;
    this.#splitRight = null;
    this.#splitKey = null;
    const top = newInternal(this.owner);
    top.children.push(res, right);
    top.keys.push(sep);
    const s = tupleSize(sep) + CHILD_SIZE;
    top.sizes.push(s);
    top.bytes += s + CHILD_SIZE;
    return top;
  }

  #insert(node: BNode, key: Key, val: LeafValue, size: number, mode: PutMode): BNode {
    if (node.leaf) return this.#insertLeaf(node, key, val, size, mode);
    const idx = childOf(node, key, node.owner === this.owner);
    const child = this.src.load(node.children[idx]!);
    const res = this.#insert(child, key, val, size, mode);
    if (this.duplicate || this.missing) return node;
    const right = this.#splitRight;
    if (res === child && right === null) return node;
    const n = this.#own(node);
    n.children[idx] = res;
    if (right === null) return n;
    const sep = this.#splitKey!;
    this.#splitRight = null;
    this.#splitKey = null;
    const s = tupleSize(sep) + CHILD_SIZE;
    ownKeys(n);
    n.keys.splice(idx, 0, sep);
    cachedInsert(n, idx, sep);
    n.sizes.splice(idx, 0, s);
    n.children.splice(idx + 1, 0, right);
    n.bytes += s;
    if ((n.bytes > this.capacity || n.children.length > MAX_CHILDREN) && n.keys.length >= 3)
      this.#splitInternal(n, idx + 1 === n.children.length - 1);
    return n;
  }

  #insertLeaf(leaf: LeafNode, key: Key, val: LeafValue, size: number, mode: PutMode): LeafNode {
    const keys = leaf.keys;
    let i: number;
    const len = keys.length;
    // Appends (row ids, increasing keys) skip the binary search.
    if (len === 0 || compareKeys(keys[len - 1]!, key) < 0) i = -len - 1;
    else i = searchNode(leaf, key, leaf.owner === this.owner);
    if (i >= 0) {
      if (mode === PutMode.Insert) {
        this.duplicate = true;
        return leaf;
      }
      const n = this.#own(leaf);
      const old = n.vals[i]!;
      this.removed = old;
      if (this.droppedRefs !== null && isOverflowRef(old)) this.droppedRefs.push(old);
      n.vals[i] = val;
      n.bytes += size - n.sizes[i]!;
      n.sizes[i] = size;
      if (n.bytes > this.capacity && n.keys.length > 1) this.#splitLeaf(n, false);
      return n;
    }
    if (mode === PutMode.Replace) {
      this.missing = true;
      return leaf;
    }
    i = -i - 1;
    const n = this.#own(leaf);
    ownKeys(n);
    if (i === n.keys.length) {
      n.keys.push(key);
      n.vals.push(val);
      n.sizes.push(size);
    } else {
      n.keys.splice(i, 0, key);
      n.vals.splice(i, 0, val);
      n.sizes.splice(i, 0, size);
    }
    cachedInsert(n, i, key);
    n.bytes += size;
    if ((n.bytes > this.capacity || n.keys.length > MAX_LEAF_ENTRIES) && n.keys.length > 1)
      this.#splitLeaf(n, i === n.keys.length - 1);
    return n;
  }

  /** Splits an over-full leaf in place; the right half goes to #splitRight. */
  #splitLeaf(n: LeafNode, appending: boolean): void {
    ownKeys(n);
    const count = n.keys.length;
    let at: number;
    if (appending) {
      // Sequential inserts: keep the left node full, start the right one with the new entry.
      at = count - 1;
    } else {
      const half = (n.bytes - NODE_OVERHEAD) / 2;
      let acc = 0;
      at = 0;
      while (at < count - 1 && acc + n.sizes[at]! <= half) acc += n.sizes[at++]!;
      if (at === 0) at = 1;
    }
    const right = newLeaf(this.owner);
    right.keys = n.keys.splice(at);
    n.nk = undefined;
    if (n.n0 !== undefined && n.n0 !== null) right.n0 = n.n0.splice(at);
    right.vals = n.vals.splice(at);
    right.sizes = n.sizes.splice(at);
    let rb = 0;
    for (const s of right.sizes) rb += s;
    right.bytes = NODE_OVERHEAD + rb;
    n.bytes -= rb;
    this.#splitRight = right;
    this.#splitKey = right.keys[0]!;
    // A single entry left behind may still be over capacity only if it alone is too big,
    // which the caller prevents by bounding entry sizes.
  }

  #splitInternal(n: InternalNode, appending: boolean): void {
    ownKeys(n);
    const count = n.keys.length;
    let m: number;
    if (appending) m = count - 1;
    else {
      const half = (n.bytes - NODE_OVERHEAD) / 2;
      let acc = 0;
      m = 0;
      while (m < count - 1 && acc + n.sizes[m]! <= half) acc += n.sizes[m++]!;
      if (m === 0) m = 1;
    }
    const right = newInternal(this.owner);
    const sep = n.keys[m]!;
    right.keys = n.keys.splice(m + 1);
    right.sizes = n.sizes.splice(m + 1);
    right.children = n.children.splice(m + 1);
    n.keys.pop();
    n.nk = undefined;
    if (n.n0 !== undefined && n.n0 !== null) {
      right.n0 = n.n0.splice(m + 1);
      n.n0.pop();
    }
    n.sizes.pop();
    n.bytes = recomputeBytes(n);
    right.bytes = recomputeBytes(right);
    this.#splitRight = right;
    this.#splitKey = sep;
  }

  /**
   * Replaces the value at `i` of a leaf this writer owns, in place and without a descent, when
   * the entry still fits the leaf (else nothing changes and the caller puts). The caller vouches
   * that the leaf is in its tree: it found it there under an unchanged currentTreeEpoch().
   */
  replaceAt(leaf: LeafNode, i: number, val: LeafValue, size: number): boolean {
    if (leaf.owner !== this.owner || this.owner === 0) return false;
    const bytes = leaf.bytes + size - leaf.sizes[i]!;
    if (bytes > this.capacity) return false;
    this.duplicate = false;
    this.missing = false;
    const old = leaf.vals[i]!;
    this.removed = old;
    if (this.droppedRefs !== null && isOverflowRef(old)) this.droppedRefs.push(old);
    leaf.vals[i] = val;
    leaf.bytes = bytes;
    leaf.sizes[i] = size;
    return true;
  }

  /** Removes `key`; sets `found`/`removed`; returns the new root. */
  remove(root: BNode, key: Key): BNode {
    treeEpoch++;
    this.found = false;
    this.removed = undefined;
    let res = this.#remove(root, key);
    if (!this.found) return root;
    while (!res.leaf && res.children.length <= 1) {
      if (res.children.length === 0) return newLeaf(this.owner);
      // A committed root dropped without a copy gives its page back.
      if (res.id !== 0) this.freed.push(res.id);
      res = this.src.load(res.children[0]!);
    }
    return res;
  }

  #remove(node: BNode, key: Key): BNode {
    if (node.leaf) {
      const i = searchNode(node, key, node.owner === this.owner);
      if (i < 0) return node;
      this.found = true;
      const n = this.#own(node);
      const old = n.vals[i]!;
      this.removed = old;
      if (this.droppedRefs !== null && isOverflowRef(old)) this.droppedRefs.push(old);
      n.bytes -= n.sizes[i]!;
      ownKeys(n);
      n.keys.splice(i, 1);
      cachedRemove(n, i);
      n.vals.splice(i, 1);
      n.sizes.splice(i, 1);
      return n;
    }
    const idx = childOf(node, key, node.owner === this.owner);
    const child = this.src.load(node.children[idx]!);
    const res = this.#remove(child, key);
    if (!this.found) return node;
    const empty = res.leaf ? res.keys.length === 0 : res.children.length === 0;
    const small = !empty && res.bytes < this.capacity / 4;
    if (res === child && !empty && !small) return node;
    const n = this.#own(node);
    if (empty) {
      n.children.splice(idx, 1);
      if (n.keys.length > 0) {
        ownKeys(n);
        const k = idx > 0 ? idx - 1 : 0;
        n.bytes -= n.sizes[k]!;
        n.keys.splice(k, 1);
        cachedRemove(n, k);
        n.sizes.splice(k, 1);
      }
      if (res.id !== 0) this.freed.push(res.id);
      return n;
    }
    n.children[idx] = res;
    if (small && n.children.length > 1) this.#tryMerge(n, idx, res);
    return n;
  }

  /** Merges an under-full child with a neighbour when both fit one node. */
  #tryMerge(n: InternalNode, idx: number, res: BNode): void {
    const li = idx > 0 ? idx - 1 : idx;
    const left = li === idx ? res : this.src.load(n.children[li]!);
    const right = li === idx ? this.src.load(n.children[idx + 1]!) : res;
    const sepSize = n.sizes[li]!;
    const extra = left.leaf ? 0 : sepSize;
    if (left.bytes + right.bytes - NODE_OVERHEAD + extra > this.capacity) return;
    if (left.keys.length + right.keys.length + 1 > (left.leaf ? MAX_LEAF_ENTRIES : MAX_CHILDREN - 1)) return;
    const m = this.#own(left);
    ownKeys(m);
    ownKeys(n);
    // Merged keys: the caches are rebuilt on the next search.
    m.nk = undefined;
    m.n0 = undefined;
    if (m.leaf) {
      const r = right as LeafNode;
      for (let i = 0; i < r.keys.length; i++) {
        m.keys.push(r.keys[i]!);
        m.vals.push(r.vals[i]!);
        m.sizes.push(r.sizes[i]!);
      }
    } else {
      const r = right as InternalNode;
      m.keys.push(n.keys[li]!);
      m.sizes.push(sepSize);
      for (let i = 0; i < r.keys.length; i++) {
        m.keys.push(r.keys[i]!);
        m.sizes.push(r.sizes[i]!);
      }
      for (const c of r.children) m.children.push(c);
    }
    m.bytes = recomputeBytes(m);
    // The right node is absorbed: a committed one's page becomes free.
    if (right.id !== 0) this.freed.push(right.id);
    n.children.splice(li, 2, m);
    n.bytes -= sepSize;
    n.keys.splice(li, 1);
    cachedRemove(n, li);
    n.sizes.splice(li, 1);
  }
}

function recomputeBytes(n: BNode): number {
  let b = NODE_OVERHEAD;
  for (const s of n.sizes) b += s;
  if (!n.leaf) b += CHILD_SIZE;
  return b;
}

/** Calls `fn` on every node reachable from root (pre-order) with its depth. */
export function walkTree(src: NodeSource, root: BNode, fn: (n: BNode, depth: number) => void, depth = 0): void {
  fn(root, depth);
  if (!root.leaf) for (const c of root.children) walkTree(src, src.load(c), fn, depth + 1);
}
