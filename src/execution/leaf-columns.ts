// Column values kept per storage leaf, between executions, for generated aggregation loops
// (agg-codegen.ts). With rows spread over the heap, loading a row (and, for length(), its string)
// is most of a whole-table GROUP BY's time; a leaf's numbers and text lengths, kept in typed
// arrays next to each other, are read without touching the rows. They are made when a loop
// first reads the leaf in place and kept in a WeakMap keyed by the leaf's entries array, so they
// go when the leaf goes (a copy-on-write edit makes a new leaf; an evicted page, new entries).
// They rely on storage's rule that an entries array a cursor has handed out never changes
// (RowCursor.nextLeafRun: committed nodes are immutable, a writer's are frozen before a scan, and
// rows are never changed in place). Checking each row against a copy of the entries would load
// every entry again and cost as much as reading the rows (measured: W6 ~2x); a cheap tripwire
// per leaf (length, first and last entry) makes values anew if a leaf ever differs from when
// they were taken.

import type { Row } from '../storage/ports.js';

/** lengths(): >= 0 a length, NULL_LENGTH a NULL value, OTHER_LENGTH anything else. */
export const NULL_LENGTH = -1;
export const OTHER_LENGTH = -2;

const SURROGATE = /[\ud800-\udfff]/;

/** Length in code points (as length() counts). */
export function codePoints(s: string): number {
  if (!SURROGATE.test(s)) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Row i of a flat leaf's entries, `w` values a row (RowCursor.leafWidth). */
export function flatRowAt(flat: readonly unknown[], i: number, w: number): Row {
  return flat.slice(i * w, i * w + w) as Row;
}

export class LeafColumns {
  readonly #entries: readonly unknown[];
  /** Values per row when the leaf is flat; 0 when each entry is a row (or a reference). */
  readonly #w: number;
  readonly #size: number;
  readonly #first: unknown;
  readonly #last: unknown;
  readonly #lengths: (Int32Array | undefined)[] = [];
  readonly #numbers: (Float64Array | undefined)[] = [];

  constructor(entries: readonly unknown[], w: number) {
    this.#entries = entries;
    this.#w = w;
    this.#size = entries.length;
    this.#first = entries[0];
    this.#last = entries[entries.length - 1];
  }

  /** The tripwire: the leaf still looks as it did when its values were taken. */
  matches(entries: readonly unknown[], w: number): boolean {
    const n = entries.length;
    return n === this.#size && w === this.#w && entries[0] === this.#first && entries[n - 1] === this.#last;
  }

  /** Value `slot` of row i, or undefined where the entry is not a row (an overflow reference). */
  #value(i: number, slot: number): unknown {
    const w = this.#w;
    if (w !== 0) return this.#entries[i * w + slot];
    const e = this.#entries[i];
    return Array.isArray(e) ? e[slot] : undefined;
  }

  #rows(): number {
    const w = this.#w;
    return w === 0 ? this.#entries.length : this.#entries.length / w;
  }

  /** Code-point lengths of text column `slot` (see NULL_LENGTH, OTHER_LENGTH). */
  lengths(slot: number): Int32Array {
    const have = this.#lengths[slot];
    if (have !== undefined) return have;
    const n = this.#rows();
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      // Overflow references and anything unusual are read afresh at each use.
      const v = this.#value(i, slot);
      out[i] = v === null ? NULL_LENGTH : typeof v === 'string' && v.length < 0x7fffffff ? codePoints(v) : OTHER_LENGTH;
    }
    return (this.#lengths[slot] = out);
  }

  /** Values of column `slot` that are numbers; NaN for every other value (read from the row). */
  numbers(slot: number): Float64Array {
    const have = this.#numbers[slot];
    if (have !== undefined) return have;
    const n = this.#rows();
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = this.#value(i, slot);
      out[i] = typeof v === 'number' ? v : NaN;
    }
    return (this.#numbers[slot] = out);
  }
}

const byLeaf = new WeakMap<readonly unknown[], LeafColumns>();

/** The kept columns of the leaf whose entries array this is (w: RowCursor.leafWidth). */
export function leafColumns(entries: readonly unknown[], w: number): LeafColumns {
  let c = byLeaf.get(entries);
  if (c === undefined || !c.matches(entries, w)) byLeaf.set(entries, (c = new LeafColumns(entries, w)));
  return c;
}
