// length(column) per storage leaf, kept between executions. Reading a text value's length means
// loading the string (its header, and its characters for the surrogate test that code-point
// counting needs); with rows spread over the heap that load is most of a GROUP BY's time. A
// leaf's lengths are computed once, when a generated aggregation loop (agg-codegen.ts) first
// reads the leaf in place, and kept in a WeakMap keyed by the leaf's entries array, so they go
// when the leaf goes (a copy-on-write edit makes a new leaf; an evicted page, new entries).
// Every use compares the row with the one the length was taken from (by identity; rows are
// never changed in place), so an entry replaced since is read afresh, never trusted.

/** Lengths code: >= 0 a length, NULL_LENGTH a NULL value, OTHER_LENGTH a non-text value. */
export const NULL_LENGTH = -1;
export const OTHER_LENGTH = -2;

export interface LeafLengths {
  /** The leaf's entries as they were when the lengths were taken. */
  readonly entries: readonly unknown[];
  readonly lengths: Int32Array;
}

const SURROGATE = /[\ud800-\udfff]/;

/** Length in code points (as length() counts). */
export function codePoints(s: string): number {
  if (!SURROGATE.test(s)) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}

const byLeaf = new WeakMap<readonly unknown[], (LeafLengths | undefined)[]>();

/** Lengths of column `slot` of every row of the leaf whose entries array this is. */
export function leafLengths(entries: readonly unknown[], slot: number): LeafLengths {
  let slots = byLeaf.get(entries);
  if (slots === undefined) byLeaf.set(entries, (slots = []));
  const have = slots[slot];
  if (have !== undefined) return have;
  const n = entries.length;
  const lengths = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const e = entries[i];
    // Overflow references and anything else unusual: read afresh at each use.
    if (!Array.isArray(e)) {
      lengths[i] = OTHER_LENGTH;
      continue;
    }
    const v: unknown = e[slot];
    lengths[i] = v === null ? NULL_LENGTH : typeof v === 'string' && v.length < 0x7fffffff ? codePoints(v) : OTHER_LENGTH;
  }
  const made: LeafLengths = { entries: entries.slice(), lengths };
  slots[slot] = made;
  return made;
}
