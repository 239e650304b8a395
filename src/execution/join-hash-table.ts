// The hash table of a hash join: build rows chained by key, with no list per key. Integer keys
// in a compact range (ids, foreign keys) index typed arrays directly; any other key set goes
// through a Map from key to its first row. A per-key array (the obvious Map<key, number[]>) is an
// object per distinct key for the collector to trace and copy: building on a 100k-row table cost
// more in collection than in hashing.

import { giveBack, takeInt32, takeUint32 } from './scratch-arrays.js';

/** Keys of a dense table may run to this many slots per build row (plus a constant). */
const DENSE_SLOTS_PER_ROW = 8;


export class JoinHashTable {
  /** Dense form: head[key] = first row index + 1 (0: none). */
  readonly #head: Int32Array | null;
  /** Dense form: one bit per key value (most probes miss; this stays in cache where head would not). */
  readonly #bits: Uint32Array | null;
  readonly #maxKey: number;
  /** Map form: key -> first row index + 1. */
  readonly #map: Map<unknown, number> | null;
  /** chain[i] = the next row index + 1 with row i's key (0 ends the chain); rows in build order. */
  readonly #chain: Int32Array;
  /** Whether any row has a key. */
  readonly size: number;

  /**
   * `keys[i]` is build row i's key as hashKey() gives it (null: the row has none and matches
   * nothing); in a Float64Array (ValueColumn), NaN stands for null. `extraSlots` widens the dense
   * form's allowance (a table about to stream past). Only the first `n` keys are read.
   */
  constructor(keys: readonly unknown[] | Float64Array, extraSlots = 0, n = keys.length) {
    const nums = keys instanceof Float64Array;
    const bound = DENSE_SLOTS_PER_ROW * (n + extraSlots) + 1024;
    let dense = true;
    let maxKey = -1;
    let size = 0;
    for (let i = 0; i < n; i++) {
      const k = keys[i];
      if (k === null || (nums && k !== k)) continue;
      size++;
      if (!dense) continue;
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k >= bound) dense = false;
      else if (k > maxKey) maxKey = k;
    }
    this.size = size;
    // The arrays are kept between statements (scratch-arrays.ts) and come back uncleared.
    const chain = (this.#chain = takeInt32(n));
    // Built backwards so each chain lists its rows in build order.
    if (dense && maxKey >= 0) {
      const head = (this.#head = takeInt32(maxKey + 1).fill(0));
      const bits = (this.#bits = takeUint32((maxKey >>> 5) + 1).fill(0));
      this.#maxKey = maxKey;
      this.#map = null;
      for (let i = n - 1; i >= 0; i--) {
        const k = keys[i] as number | null;
        chain[i] = 0;
        if (k === null || k !== k) continue;
        chain[i] = head[k]!;
        head[k] = i + 1;
        bits[k >>> 5]! |= 1 << (k & 31);
      }
    } else {
      this.#head = null;
      this.#bits = null;
      this.#maxKey = -1;
      const map = (this.#map = new Map<unknown, number>());
      for (let i = n - 1; i >= 0; i--) {
        const k = keys[i];
        chain[i] = 0;
        if (k === null || (nums && k !== k)) continue;
        chain[i] = map.get(k) ?? 0;
        map.set(k, i + 1);
      }
    }
  }

  /** Gives the table's arrays back for later statements; the table may not be used after. */
  release(): void {
    giveBack(this.#chain);
    if (this.#head !== null) giveBack(this.#head);
    if (this.#bits !== null) giveBack(this.#bits);
  }

  /**
   * The first build row (index + 1; 0: none) whose key is `k`: a key as hashKey() gives it, or,
   * for a one-column key, the column's value itself when it is a number or a bigint.
   */
  first(k: unknown): number {
    const head = this.#head;
    if (head === null) return this.#map!.get(k) ?? 0;
    let at: number;
    if (typeof k === 'number') {
      // Only an integer can equal the integer keys of the build side.
      if (!(k >= 0 && k <= this.#maxKey && Number.isInteger(k))) return 0;
      at = k;
    } else if (typeof k === 'bigint') {
      if (!(k >= 0n && k <= BigInt(this.#maxKey))) return 0;
      at = Number(k);
    } else return 0;
    if ((this.#bits![at >>> 5]! & (1 << (at & 31))) === 0) return 0;
    return head[at]!;
  }

  /** The build row after `j` (index + 1) with the same key; 0 ends the chain. */
  next(j: number): number {
    return this.#chain[j - 1]!;
  }

  /** Whether the Map form is in use (its probes must pass keys as hashKey() gives them). */
  get hashed(): boolean {
    return this.#map !== null;
  }
}
