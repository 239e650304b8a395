// Range cursors over a B+tree. No sibling links (they would defeat copy-on-write), so a cursor
// keeps its path from the root; the current leaf is pinned in the buffer pool. Each time it
// enters a leaf it finds, by binary search, how far the range reaches there, so next() is a
// bounds check and an array read.
import { childIndex } from './btree.js';
import { firstNumbers } from './number-caches.js';
import { comparePrefix } from './key-order.js';

/** comparePrefix(key at i of a leaf, bound). */
function prefixAt(l: LeafNode, i: number, bound: Key): number {
  return l.nums !== null ? comparePrefixAt(l, i, bound, bound.length) : comparePrefix(l.keys![i]!, bound);
}
import type { BNode, InternalNode, LeafNode, LeafValue } from './node.js';
import type { NodeSource } from './btree.js';
import type { Key, KeyRange } from './ports.js';
import { comparePrefixAt, keyAt, keySlice, leafLength, lowerInLeaf } from './leaf-keys.js';
import { valueAt } from './leaf-values.js';
import { textPosition, textPrefixes } from './text-prefixes.js';

const EMPTY_KEY: Key = [];
/** runVals of a leaf whose values are all NULL: none to read. */
const NULL_VALUES: readonly unknown[] = [];

/** First index in keys[from..] whose prefix comparison with bound is >= 0 (or > 0 if strict). */
function lowerIndex(keys: readonly Key[], bound: Key, strict: boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = comparePrefix(keys[mid]!, bound);
    if (c < 0 || (strict && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** lowerIndex for a one-number bound over a node's first-element numbers (no key tuple read). */
function lowerNumber(n0: readonly number[], x: number, strict: boolean): number {
  let lo = 0;
  let hi = n0.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = n0[mid]!;
    if (v < x || (strict && v === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A bound's value when it is one non-NaN number (searchable through firstNumbers), else null. */
function numberOf(b: Key | undefined): number | null {
  if (b === undefined || b.length !== 1) return null;
  const v = b[0];
  return typeof v === 'number' && v === v ? v : null;
}

export class TreeCursor {
  readonly #src: NodeSource;
  readonly #lower: Key | undefined;
  readonly #lowerStrict: boolean;
  readonly #upper: Key | undefined;
  readonly #upperStrict: boolean;
  readonly #reverse: boolean;
  readonly #shared: boolean;
  /** One-number bounds, set only when every node the cursor reaches is shared (never edited). */
  readonly #lowerNum: number | null;
  readonly #upperNum: number | null;
  readonly #path: InternalNode[] = [];
  readonly #pathIdx: number[] = [];
  #leaf: LeafNode | null = null;
  #pinned = 0;
  #i = 0;
  /** Forward: exclusive end index in the leaf; reverse: inclusive start index. */
  #stop = 0;
  /** The range ends inside the current leaf: do not move to the next one. */
  #last = false;
  #done = false;
  /** Where the current key is: read (and, for a numeric leaf, built) only when asked for. */
  #keyLeaf: LeafNode | null = null;
  #keyIdx = 0;
  value: LeafValue = null;

  /** The key of the current entry. */
  get key(): Key {
    const l = this.#keyLeaf;
    return l === null ? EMPTY_KEY : keyAt(l, this.#keyIdx);
  }

  /** Elements from..to of the current key (no whole tuple built on the way). */
  protected keySlice(from: number, to?: number): Key {
    const l = this.#keyLeaf;
    return l === null ? EMPTY_KEY : keySlice(l, this.#keyIdx, from, to);
  }

  /**
   * `shared`: no writer edits the reachable nodes while the cursor is open (a snapshot's tree, or a
   * write transaction's frozen before the scan), so nodes may cache their keys as numbers.
   */
  constructor(src: NodeSource, root: BNode, range: KeyRange | undefined, reverse: boolean, shared = false) {
    this.#src = src;
    this.#lower = range?.lower;
    this.#lowerStrict = range?.lower !== undefined && range.lowerInclusive === false;
    this.#upper = range?.upper;
    this.#upperStrict = range?.upper !== undefined && range.upperInclusive === false;
    this.#reverse = reverse;
    this.#shared = shared;
    this.#lowerNum = shared ? numberOf(this.#lower) : null;
    this.#upperNum = shared ? numberOf(this.#upper) : null;
    this.#descend(root, true);
  }

  /** lowerIndex(node.keys, bound, strict), through the node's number cache when it can. */
  #lowerIn(node: BNode, bound: Key, num: number | null, strict: boolean): number {
    if (node.leaf && node.nums !== null) return lowerInLeaf(node, bound, bound.length, strict);
    const x0 = bound[0];
    if (typeof x0 === 'string') {
      // A shared node's text cache may be built now; another's is used if its writer built it.
      const tp = textPrefixes(node, this.#shared);
      if (tp !== null) return textPosition(node.keys!, tp, x0, bound, strict, bound.length);
    }
    if (num !== null) {
      const n0 = firstNumbers(node);
      if (n0 !== null) return lowerNumber(n0, num, strict);
    }
    return lowerIndex(node.keys!, bound, strict);
  }

  /** Descends from `node` to a leaf; `seek` positions by the start bound, else by direction. */
  #descend(start: BNode, seek: boolean): void {
    let node = start;
    const rev = this.#reverse;
    while (!node.leaf) {
      let idx: number;
      if (seek) {
        const b = rev ? this.#upper : this.#lower;
        if (b === undefined) idx = rev ? node.children.length - 1 : 0;
        else if (rev) idx = this.#lowerIn(node, b, this.#upperNum, !this.#upperStrict);
        else idx = this.#lowerIn(node, b, this.#lowerNum, this.#lowerStrict);
      } else idx = rev ? node.children.length - 1 : 0;
      this.#path.push(node);
      this.#pathIdx.push(idx);
      node = this.#src.load(node.children[idx]!);
    }
    this.#enterLeaf(node, seek);
  }

  #enterLeaf(leaf: LeafNode, seek: boolean): void {
    if (this.#pinned !== 0) this.#src.unpin(this.#pinned);
    this.#pinned = leaf.id;
    if (leaf.id !== 0) this.#src.pin(leaf.id);
    this.#leaf = leaf;
    const n = leafLength(leaf);
    if (!this.#reverse) {
      this.#i = seek && this.#lower !== undefined ? this.#lowerIn(leaf, this.#lower, this.#lowerNum, this.#lowerStrict) : 0;
      const u = this.#upper;
      if (u === undefined || n === 0 || prefixAt(leaf, n - 1, u) < (this.#upperStrict ? 0 : 1)) {
        this.#stop = n;
        this.#last = false;
      } else {
        this.#stop = this.#lowerIn(leaf, u, this.#upperNum, !this.#upperStrict);
        this.#last = true;
      }
    } else {
      this.#i = (seek && this.#upper !== undefined ? this.#lowerIn(leaf, this.#upper, this.#upperNum, !this.#upperStrict) : n) - 1;
      const l = this.#lower;
      if (l === undefined || n === 0 || prefixAt(leaf, 0, l) > (this.#lowerStrict ? 0 : -1)) {
        this.#stop = 0;
        this.#last = false;
      } else {
        this.#stop = this.#lowerIn(leaf, l, this.#lowerNum, this.#lowerStrict);
        this.#last = true;
      }
    }
  }

  /** Moves to the next leaf in the scan direction; false at the end of the tree. */
  #nextLeaf(): boolean {
    const path = this.#path;
    const idxs = this.#pathIdx;
    const rev = this.#reverse;
    while (path.length > 0) {
      const top = path.length - 1;
      const node = path[top]!;
      const i = idxs[top]! + (rev ? -1 : 1);
      if (i >= 0 && i < node.children.length) {
        idxs[top] = i;
        this.#descend(this.#src.load(node.children[i]!), false);
        return true;
      }
      path.pop();
      idxs.pop();
    }
    return false;
  }

  /** Advances; false when the range is exhausted (the cursor then closes itself). */
  advance(): boolean {
    if (this.#done) return false;
    for (;;) {
      const leaf = this.#leaf!;
      if (!this.#reverse) {
        const i = this.#i;
        if (i < this.#stop) {
          this.#i = i + 1;
          this.#keyLeaf = leaf;
          this.#keyIdx = i;
          this.value = valueAt(leaf, i);
          return true;
        }
      } else {
        const i = this.#i;
        if (i >= this.#stop) {
          this.#i = i - 1;
          this.#keyLeaf = leaf;
          this.#keyIdx = i;
          this.value = valueAt(leaf, i);
          return true;
        }
      }
      if (this.#last || !this.#nextLeaf()) {
        this.close();
        return false;
      }
    }
  }

  protected get reverse(): boolean {
    return this.#reverse;
  }

  /** The leaf of the last run(), its values array and the index of the run's first entry. */
  protected runLeaf: LeafNode | null = null;
  /** The leaf's values: LeafValue per entry (runWidth 0), or its flat array (runWidth values per entry). */
  protected runVals: readonly unknown[] = [];
  protected runWidth = 0;
  protected runStart = 0;

  /**
   * Takes up to `max` entries of the current leaf at once (forward: runVals[runStart ..
   * runStart + n); reverse: runVals[runStart] down to runStart - n + 1), leaving `key` at the
   * last one; 0 when the range is exhausted. Bulk readers loop over the leaf's own array.
   */
  protected run(max: number): number {
    if (this.#done) return 0;
    for (;;) {
      const leaf = this.#leaf!;
      const i = this.#i;
      const avail = this.#reverse ? i - this.#stop + 1 : this.#stop - i;
      if (avail > 0) {
        const n = avail < max ? avail : max;
        this.runLeaf = leaf;
        const vals = leaf.vals;
        if (vals !== null) {
          this.runVals = vals;
          this.runWidth = 0;
        } else if (leaf.flat !== null) {
          this.runVals = leaf.flat;
          this.runWidth = leaf.w;
        } else {
          // Every value NULL (an index leaf): index cursors read keys only.
          this.runVals = NULL_VALUES;
          this.runWidth = 0;
        }
        this.runStart = i;
        this.#i = this.#reverse ? i - n : i + n;
        this.#keyLeaf = leaf;
        this.#keyIdx = this.#reverse ? i - n + 1 : i + n - 1;
        return n;
      }
      if (this.#last || !this.#nextLeaf()) {
        this.close();
        return 0;
      }
    }
  }

  close(): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#pinned !== 0) this.#src.unpin(this.#pinned);
    this.#pinned = 0;
    this.#leaf = null;
    this.#path.length = 0;
    this.#pathIdx.length = 0;
  }
}
