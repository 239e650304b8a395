// The write side of the copy-on-write B+tree. A writer changes a tree by copying the nodes on
// the path it touches (bottom-up, only once it knows a change happens), unless the node already
// carries its owner token, in which case it edits in place. Nodes split by accounted encoded size
// so each one fits its page, and merge with a neighbour when under-full.
import { compareKeys } from './key-order.js';
import {
  CHILD_SIZE,
  NODE_OVERHEAD,
  cloneNode,
  ownKeys,
  newInternal,
  newLeaf,
  tupleSize,
  type BNode,
  type InternalNode,
  type LeafNode,
  isOverflowRef,
  type LeafValue,
  type OverflowRef,
} from './node.js';
import type { NodeSource } from './node-source.js';
import type { Key } from './ports.js';
import { cachedInsert, cachedRemove } from './number-caches.js';
import { childOf, searchNode } from './tree-read.js';
import { textSplit } from './text-prefixes.js';
import { appendKeys, compareAt, insertKey, keyAt, leafLength, removeKey, splitKeys } from './leaf-keys.js';
import { appendValues, entrySize, insertValue, removeValue, replaceValue, splitValues, trimValues } from './leaf-values.js';

/**
 * Entry caps besides the byte capacity: a writer copies every node on its path, so wide nodes of
 * tiny entries would make each small update copy thousands of slots. Internal nodes stop at 64
 * children: at 256, a durable one-row update of a 100k-row table copied a 256-slot child array
 * twice (its own path, then the group commit's replay), ~30% of the garbage of a commit.
 */
export const MAX_LEAF_ENTRIES = 512;
export const MAX_CHILDREN = 64;

/**
 * Bumped by every put and remove of any writer. A leaf a lookup reached from a root is still
 * reachable from it, and still holds the entry at the index found, while this is unchanged.
 */
let treeEpoch = 0;

export function currentTreeEpoch(): number {
  return treeEpoch;
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
    let i: number;
    const len = leafLength(leaf);
    // Appends (row ids, increasing keys) skip the binary search.
    if (len === 0 || compareAt(leaf, len - 1, key) < 0) i = -len - 1;
    else i = searchNode(leaf, key, leaf.owner === this.owner);
    if (i >= 0) {
      if (mode === PutMode.Insert) {
        this.duplicate = true;
        return leaf;
      }
      const n = this.#own(leaf);
      n.bytes += size - entrySize(n, i);
      const old = replaceValue(n, i, val, len, size);
      this.removed = old;
      if (this.droppedRefs !== null && isOverflowRef(old)) this.droppedRefs.push(old);
      if (n.bytes > this.capacity && len > 1) this.#splitLeaf(n, false);
      return n;
    }
    if (mode === PutMode.Replace) {
      this.missing = true;
      return leaf;
    }
    i = -i - 1;
    const n = this.#own(leaf);
    ownKeys(n);
    insertValue(n, i, val, len, size);
    insertKey(n, i, key);
    cachedInsert(n, i, key);
    n.bytes += size;
    const count = len + 1;
    if ((n.bytes > this.capacity || count > MAX_LEAF_ENTRIES) && count > 1) this.#splitLeaf(n, i === count - 1);
    return n;
  }

  /** Splits an over-full leaf in place; the right half goes to #splitRight. */
  #splitLeaf(n: LeafNode, appending: boolean): void {
    ownKeys(n);
    const count = leafLength(n);
    let at: number;
    if (appending) {
      // Sequential inserts: keep the left node full, start the right one with the new entry.
      at = count - 1;
    } else {
      const half = (n.bytes - NODE_OVERHEAD) / 2;
      let acc = 0;
      at = 0;
      for (let s = entrySize(n, 0); at < count - 1 && acc + s <= half; s = entrySize(n, ++at)) acc += s;
      if (at === 0) at = 1;
    }
    const right = newLeaf(this.owner);
    splitValues(n, at, right);
    splitKeys(n, at, right);
    textSplit(n, right);
    n.nk = undefined;
    if (n.n0 !== undefined && n.n0 !== null) right.n0 = n.n0.splice(at);
    let rb = 0;
    for (let j = leafLength(right) - 1; j >= 0; j--) rb += entrySize(right, j);
    right.bytes = NODE_OVERHEAD + rb;
    n.bytes -= rb;
    if (appending) {
      // Sequential inserts never come back to the left node: drop its arrays' growth slack
      // (up to half of each; ~30 bytes a row for a table of 200-byte rows).
      trimValues(n);
      if (n.nums !== null) n.nums = n.nums.slice();
      else n.keys = n.keys!.slice();
    }
    this.#splitRight = right;
    this.#splitKey = keyAt(right, 0);
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
    textSplit(n, right);
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
    const bytes = leaf.bytes + size - entrySize(leaf, i);
    if (bytes > this.capacity) return false;
    this.duplicate = false;
    this.missing = false;
    const old = replaceValue(leaf, i, val, leafLength(leaf), size);
    this.removed = old;
    if (this.droppedRefs !== null && isOverflowRef(old)) this.droppedRefs.push(old);
    leaf.bytes = bytes;
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
      n.bytes -= entrySize(n, i);
      const old = removeValue(n, i);
      this.removed = old;
      if (this.droppedRefs !== null && isOverflowRef(old)) this.droppedRefs.push(old);
      ownKeys(n);
      removeKey(n, i);
      cachedRemove(n, i);
      return n;
    }
    const idx = childOf(node, key, node.owner === this.owner);
    const child = this.src.load(node.children[idx]!);
    const res = this.#remove(child, key);
    if (!this.found) return node;
    const empty = res.leaf ? leafLength(res) === 0 : res.children.length === 0;
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
    if (entries(left) + entries(right) + 1 > (left.leaf ? MAX_LEAF_ENTRIES : MAX_CHILDREN - 1)) return;
    const m = this.#own(left);
    ownKeys(m);
    ownKeys(n);
    // Merged keys: the caches are rebuilt on the next search.
    m.nk = undefined;
    m.n0 = undefined;
    m.tp = undefined;
    if (m.leaf) {
      const r = right as LeafNode;
      const ml = m as LeafNode;
      const d = leafLength(ml);
      const rl = leafLength(r);
      appendValues(ml, d, r, rl);
      appendKeys(ml, r);
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

/** Entries of a leaf, separators of an internal node. */
function entries(n: BNode): number {
  return n.leaf ? leafLength(n) : n.keys.length;
}

function recomputeBytes(n: BNode): number {
  let b = NODE_OVERHEAD;
  if (n.leaf) for (let i = leafLength(n) - 1; i >= 0; i--) b += entrySize(n, i);
  else {
    for (const s of n.sizes) b += s;
    b += CHILD_SIZE;
  }
  return b;
}
