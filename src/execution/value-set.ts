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

export class ValueSet {
  readonly #nums = new Set<number>();
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

  constructor(values: Iterable<SqlValue>) {
    const all: SqlValue[] = [];
    let hasNull = false;
    let slow = false;
    for (const v of values) {
      if (v === null) {
        hasNull = true;
        continue;
      }
      all.push(v);
      switch (typeof v) {
        case 'number':
          if (Number.isNaN(v)) slow = true;
          else this.#nums.add(v);
          break;
        case 'bigint': {
          const n = Number(v);
          if (BigInt(n) === v) this.#nums.add(n);
          else slow = true;
          break;
        }
        case 'string': {
          this.#texts.add(v);
          const n = textNumber(v);
          if (n !== null) this.#textNums.add(n);
          break;
        }
        case 'boolean':
          if (v) this.#hasTrue = true;
          else this.#hasFalse = true;
          break;
        default:
          slow = true;
      }
    }
    this.#slow = slow ? all : null;
    this.hasNull = hasNull;
    this.size = all.length;
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
        if (v !== v) return this.#nums.size > 0 || this.#textNums.size > 0;
        return this.#nums.has(v) || this.#textNums.has(v);
      case 'bigint': {
        const n = Number(v);
        // A bigint no double holds equals none of the members (none is such a bigint here).
        return BigInt(n) === v && (this.#nums.has(n) || this.#textNums.has(n));
      }
      case 'string': {
        if (this.#texts.has(v)) return true;
        if (this.#nums.size === 0) return false;
        const n = textNumber(v);
        return n !== null && this.#nums.has(n);
      }
      case 'boolean':
        return v ? this.#hasTrue : this.#hasFalse;
      default:
        // Bytes equal only bytes, and byte members take the slow path.
        return false;
    }
  }
}
