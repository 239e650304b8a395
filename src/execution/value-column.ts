// A column of values collected in order: a join's build keys, an IN subquery's values. Numbers
// (ids, foreign keys: nearly always) go in a Float64Array kept between statements
// (scratch-arrays.ts), NaN standing for NULL; the first value of another kind (text, a composite
// key's string, a NaN value) moves them all to a plain array. 100,000 values pushed onto a plain
// array grew it through large objects fresh from the kernel, ~600 page faults each time on the
// machines we measure on.
import { giveBack, growFloat64, takeFloat64 } from './scratch-arrays.js';

export class ValueColumn {
  #nums: Float64Array | null;
  #any: unknown[] | null = null;
  #n = 0;

  /** `expected`: room to start with (8 or fewer numbers are a small array on V8's own heap). */
  constructor(expected = 8) {
    this.#nums = expected <= 8 ? new Float64Array(8) : takeFloat64(expected);
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

  /** The values: a Float64Array (NaN: NULL; only the first `length` are values) or a plain array. */
  get values(): Float64Array | readonly unknown[] {
    return this.#nums ?? this.#any!;
  }

  /** Gives the kept array back; the values may not be read after. */
  release(): void {
    if (this.#nums !== null) giveBack(this.#nums);
    this.#nums = null;
    this.#any = null;
  }
}
