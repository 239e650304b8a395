// The hash keys of a join's build rows, in build order. Numbers (ids, foreign keys: nearly every
// join) go in a Float64Array kept between statements (scratch-arrays.ts), NaN standing for a row
// with no key; the first key of another kind (text, a composite key's string, a NaN value) moves
// them all to a plain array. A 100,000-row build pushed onto a plain array grew it through large
// objects fresh from the kernel, ~600 page faults a build on the machines we measure on.
import { giveBack, growFloat64, takeFloat64 } from './scratch-arrays.js';

export class JoinKeys {
  #nums: Float64Array | null;
  #any: unknown[] | null = null;
  #n = 0;

  constructor(expected = 1024) {
    this.#nums = takeFloat64(Math.max(16, expected));
  }

  get length(): number {
    return this.#n;
  }

  push(k: unknown): void {
    const nums = this.#nums;
    if (nums !== null) {
      if (k === null || (typeof k === 'number' && k === k)) {
        const n = this.#n;
        const to = n < nums.length ? nums : (this.#nums = growFloat64(nums, n, n + 1));
        to[n] = k === null ? NaN : k;
        this.#n = n + 1;
        return;
      }
      const any: unknown[] = [];
      for (let i = 0; i < this.#n; i++) {
        const v = nums[i]!;
        any.push(v !== v ? null : v);
      }
      giveBack(nums);
      this.#nums = null;
      this.#any = any;
    }
    this.#any!.push(k);
    this.#n++;
  }

  /** The keys as JoinHashTable reads them (a Float64Array or a plain array; see its constructor). */
  get keys(): Float64Array | readonly unknown[] {
    return this.#nums ?? this.#any!;
  }

  /** Gives the kept array back; the keys may not be read after. */
  release(): void {
    if (this.#nums !== null) giveBack(this.#nums);
    this.#nums = null;
    this.#any = null;
  }
}
