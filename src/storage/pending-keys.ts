// The new entries of one index that a write transaction keeps aside until something reads the
// index or the transaction commits (bulk-index.ts puts them in at once). A bulk load keeps
// 100,000 of them to its commit: as tuples, each was an object copied out of the young
// generation and left to die in the old one, ~6 MB of garbage there after the commit. Entries of
// numbers are therefore kept flat, `ar` numbers each, as leaves keep them (leaf-keys.ts); the
// first entry of another kind turns the list to tuples.
import type { Key } from './ports.js';

export class PendingKeys {
  /**
   * The entries flat while each is `ar` non-NaN numbers, in a typed array grown by doubling (a
   * JS array pushed past ~128 KB costs ~100 ns a push: measured); null once one is not.
   */
  #buf: Float64Array | null = new Float64Array(64);
  #used = 0;
  ar = 0;
  #tuples: Key[] | null = null;

  /** The entries flat (`ar` numbers each, in the order pushed), or null once they are tuples. */
  get nums(): Float64Array | null {
    const b = this.#buf;
    return b === null ? null : b.subarray(0, this.#used);
  }

  get length(): number {
    if (this.#buf === null) return this.#tuples!.length;
    return this.ar === 0 ? 0 : this.#used / this.ar;
  }

  push(key: Key): void {
    let buf = this.#buf;
    if (buf !== null) {
      const n = key.length;
      let fits = n > 0 && (this.ar === 0 || n === this.ar);
      for (let j = 0; j < n && fits; j++) {
        const x = key[j];
        fits = typeof x === 'number' && x === x;
      }
      if (fits) {
        this.ar = n;
        let at = this.#used;
        if (at + n > buf.length) {
          const grown = new Float64Array(Math.max(buf.length * 2, at + n));
          grown.set(buf);
          this.#buf = buf = grown;
        }
        for (let j = 0; j < n; j++) buf[at++] = key[j] as number;
        this.#used = at;
        return;
      }
      this.#tuples = this.tuples();
      this.#buf = null;
    }
    this.#tuples!.push(key);
  }

  /** The entries as tuples, in the order pushed. */
  tuples(): Key[] {
    const nums = this.nums;
    if (nums === null) return this.#tuples!;
    return flatTuples(nums, this.ar);
  }
}

/** Keys of `ar` numbers each, flat, as tuples. */
export function flatTuples(nums: ArrayLike<number>, ar: number): Key[] {
  const out: Key[] = [];
  for (let at = 0; at < nums.length; at += ar) {
    const k: number[] = [];
    for (let c = 0; c < ar; c++) k.push(nums[at + c]!);
    out.push(k);
  }
  return out;
}
