// Membership for `x IN (...)`: a value is in the set when it compares equal (compareNonNull) to
// one of its values, answered by hashing instead of comparing with each value in turn. NULLs are
// not members; `hasNull` records that there was one (IN is then NULL rather than false).
import type { SqlValue } from '../storage/ports.js';
import { compareNonNull } from './values.js';

/** Text as a number the way compareNonNull reads it against a number, or null. */
function textNumber(s: string): number | null {
  const t = s.trim();
  if (t === '') return null;
  const n = Number(t);
  return Number.isNaN(n) ? null : n;
}

/** Integer members spanning at most this many slots per member (plus a constant) go in a bitmap. */
const DENSE_SLOTS_PER_VALUE = 8;

export class ValueSet {
  /** Number members: a bitmap over [#min, #min + length) when all are integers in a compact range, else a Set. */
  readonly #dense: Uint8Array | null = null;
  readonly #min: number = 0;
  readonly #nums: Set<number> | null = null;
  readonly #numCount: number;
  /** Numbers of the text values that read as numbers (a number matches them too). */
  readonly #textNums = new Set<number>();
  readonly #texts = new Set<string>();
  #hasTrue = false;
  #hasFalse = false;
  /**
   * Values hashing cannot match exactly as compareNonNull does (NaN, which compares equal to every
   * number there; byte strings; bigints no double holds): then every value is compared in turn.
   */
  readonly #slow: SqlValue[] | null;
  readonly hasNull: boolean;
  readonly size: number;

  /**
   * The members are values[0 .. n): a plain array, or a Float64Array of numbers in which NaN
   * stands for NULL (ValueColumn). Read in two passes, copying nothing: a set of 100,000 ids
   * copied them twice into arrays grown through fresh memory first.
   */
  constructor(values: readonly SqlValue[] | Float64Array, n = values.length) {
    const f64 = values instanceof Float64Array;
    let hasNull = false;
    let slow = false;
    let size = 0;
    let numCount = 0;
    let min = Infinity;
    let max = -Infinity;
    let integers = true;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (v === null || (f64 && v !== v)) {
        hasNull = true;
        continue;
      }
      size++;
      let num: number;
      switch (typeof v) {
        case 'number':
          if (v !== v) {
            slow = true;
            continue;
          }
          num = v;
          break;
        case 'bigint': {
          num = Number(v);
          if (BigInt(num) !== v) {
            slow = true;
            continue;
          }
          break;
        }
        case 'string': {
          this.#texts.add(v);
          const t = textNumber(v);
          if (t !== null) this.#textNums.add(t);
          continue;
        }
        case 'boolean':
          if (v) this.#hasTrue = true;
          else this.#hasFalse = true;
          continue;
        default:
          slow = true;
          continue;
      }
      numCount++;
      if (integers && !Number.isInteger(num)) integers = false;
      if (num < min) min = num;
      if (num > max) max = num;
    }
    this.hasNull = hasNull;
    this.size = size;
    this.#numCount = numCount;
    if (slow) {
      const all: SqlValue[] = [];
      for (let i = 0; i < n; i++) {
        const v = values[i]!;
        if (v !== null && !(f64 && v !== v)) all.push(v);
      }
      this.#slow = all;
      return;
    }
    this.#slow = null;
    if (numCount === 0) return;
    // An IN subquery over ids (100k of them) filled a Set for ~20 ms; a bitmap of their range
    // takes a pass to find it and a write each.
    const dense = integers && max - min < DENSE_SLOTS_PER_VALUE * numCount + 1024;
    const d = dense ? (this.#dense = new Uint8Array(max - min + 1)) : null;
    const set = dense ? null : (this.#nums = new Set<number>());
    this.#min = dense ? min : 0;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      const num = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : NaN;
      if (num !== num) continue;
      if (d !== null) d[num - min] = 1;
      else set!.add(num);
    }
  }

  /** Whether number `n` (not NaN) equals a number member. */
  #hasNumber(n: number): boolean {
    const d = this.#dense;
    if (d !== null) {
      const i = n - this.#min;
      return i >= 0 && i < d.length && d[i] === 1;
    }
    return this.#nums !== null && this.#nums.has(n);
  }

  /** Whether non-null `v` equals a member. */
  has(v: SqlValue): boolean {
    const slow = this.#slow;
    if (slow !== null) {
      for (let i = 0; i < slow.length; i++) if (compareNonNull(v, slow[i]!) === 0) return true;
      return false;
    }
    switch (typeof v) {
      case 'number':
        // NaN compares equal to every number (compareNonNull): members decide one by one.
        if (v !== v) return this.#numCount > 0 || this.#textNums.size > 0;
        return this.#hasNumber(v) || this.#textNums.has(v);
      case 'bigint': {
        const n = Number(v);
        // A bigint no double holds equals none of the members (none is such a bigint here).
        return BigInt(n) === v && (this.#hasNumber(n) || this.#textNums.has(n));
      }
      case 'string': {
        if (this.#texts.has(v)) return true;
        if (this.#numCount === 0) return false;
        const n = textNumber(v);
        return n !== null && this.#hasNumber(n);
      }
      case 'boolean':
        return v ? this.#hasTrue : this.#hasFalse;
      default:
        // Bytes equal only bytes, and byte members take the slow path.
        return false;
    }
  }
}
