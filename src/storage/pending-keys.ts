// The new entries of one index that a write transaction keeps aside until something reads the
// index or the transaction commits (bulk-index.ts puts them in at once). A bulk load keeps
// 100,000 of them to its commit: as tuples, each was an object copied out of the young
// generation and left to die in the old one, ~6 MB of garbage there after the commit. Entries of
// numbers are therefore kept flat, `ar` numbers each, as leaves keep them (leaf-keys.ts); the
// first entry of another kind turns the list to tuples.
import type { Key } from './ports.js';

export class PendingKeys {
  /** The entries flat while each is `ar` non-NaN numbers; null once one is not. */
  nums: number[] | null = [];
  ar = 0;
  #tuples: Key[] | null = null;

  get length(): number {
    const nums = this.nums;
    if (nums === null) return this.#tuples!.length;
    return this.ar === 0 ? 0 : nums.length / this.ar;
  }

  push(key: Key): void {
    const nums = this.nums;
    if (nums !== null) {
      const n = key.length;
      let fits = n > 0 && (this.ar === 0 || n === this.ar);
      for (let j = 0; j < n && fits; j++) {
        const x = key[j];
        fits = typeof x === 'number' && x === x;
      }
      if (fits) {
        this.ar = n;
        for (let j = 0; j < n; j++) nums.push(key[j] as number);
        return;
      }
      this.#tuples = this.tuples();
      this.nums = null;
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
export function flatTuples(nums: readonly number[], ar: number): Key[] {
  const out: Key[] = [];
  for (let at = 0; at < nums.length; at += ar) out.push(nums.slice(at, at + ar));
  return out;
}
