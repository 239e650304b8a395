// The new entries of one index that a write transaction keeps aside until something reads the
// index or the transaction commits (bulk-index.ts puts them in at once). A bulk load keeps
// 100,000 of them to its commit: as tuples, each was an object copied out of the young
// generation and left to die in the old one, ~6 MB of garbage there after the commit. Entries of
// numbers are therefore kept flat, `ar` numbers each, as leaves keep them (leaf-keys.ts); the
// first entry of another kind turns the list to tuples.
import type { Key } from './ports.js';

/** Numbers per chunk: a JS array stays below the ~128 KB where V8's pushes cost ~100 ns each. */
const CHUNK = 8192;

export class PendingKeys {
  /**
   * The entries flat while each is `ar` non-NaN numbers, in chunks of CHUNK numbers (one large
   * array is slow to push to); null once one is not.
   */
  #chunks: number[][] | null = [[]];
  #used = 0;
  ar = 0;
  #tuples: Key[] | null = null;

  /** A copy of the entries flat (`ar` numbers each, in the order pushed), or null once they are tuples. */
  flat(): Float64Array | null {
    const chunks = this.#chunks;
    if (chunks === null) return null;
    const out = new Float64Array(this.#used);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  get length(): number {
    if (this.#chunks === null) return this.#tuples!.length;
    return this.ar === 0 ? 0 : this.#used / this.ar;
  }

  push(key: Key): void {
    const chunks = this.#chunks;
    if (chunks !== null) {
      const n = key.length;
      let fits = n > 0 && (this.ar === 0 || n === this.ar);
      for (let j = 0; j < n && fits; j++) {
        const x = key[j];
        fits = typeof x === 'number' && x === x;
      }
      if (fits) {
        this.ar = n;
        let c = chunks[chunks.length - 1]!;
        for (let j = 0; j < n; j++) {
          if (c.length === CHUNK) chunks.push((c = []));
          c.push(key[j] as number);
        }
        this.#used += n;
        return;
      }
      this.#tuples = this.tuples();
      this.#chunks = null;
    }
    this.#tuples!.push(key);
  }

  /** The entries as tuples, in the order pushed. */
  tuples(): Key[] {
    const nums = this.flat();
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
