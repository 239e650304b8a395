// The values of a leaf, and the accounted size of its entries, in one of three forms. A table
// leaf whose values are all rows of one width keeps them flat in one array — row i at
// flat[i*w .. i*w+w) — instead of an array per row (a four-column row's array is 80 bytes of heap
// besides its values, and its 8-byte slot in the leaf); rows are made when read. An index leaf,
// whose values are all NULL, keeps no values at all. Both measure an entry's size from its key
// and values when asked (splits, removals: tupleSize is what the writer was given) instead of
// keeping a number per entry. Any other value (an overflow reference, a row spilled at commit, a
// row of another width) turns the leaf to the rows form, one LeafValue and one size per entry, for
// good. Everything outside this file reads and edits leaf values and sizes through it; the key
// edits (leaf-keys.ts) come after the value edits, as sizes are measured on the keys as they were.
//
//   rows form:  vals !== null, sizes !== null
//   flat form:  vals === null, sizes === null, w >= 1, flat holds count * w values
//   null form:  vals === null, sizes === null, w === 0, flat === null: every value is NULL (a new
//               leaf: no entries)
import { keySizeAt } from './leaf-keys.js';
import { REF_SIZE, tupleSize, valueSize, type LeafNode, type LeafValue } from './node.js';
import type { Row, SqlValue } from './ports.js';

/** Row i of a flat array of width w, as a fresh array. */
export function flatRow(flat: readonly SqlValue[], i: number, w: number): Row {
  const a = i * w;
  switch (w) {
    case 1:
      return [flat[a]!];
    case 2:
      return [flat[a]!, flat[a + 1]!];
    case 3:
      return [flat[a]!, flat[a + 1]!, flat[a + 2]!];
    case 4:
      return [flat[a]!, flat[a + 1]!, flat[a + 2]!, flat[a + 3]!];
    default:
      return flat.slice(a, a + w);
  }
}

/** The value at i: the stored one (rows form), a fresh row (flat form) or NULL. */
export function valueAt(l: LeafNode, i: number): LeafValue {
  const vals = l.vals;
  if (vals !== null) return vals[i]!;
  const flat = l.flat;
  return flat === null ? null : flatRow(flat, i, l.w);
}

/** Every value, `n` of them (the leaf's entry count), as one array (a page image, a walk). */
export function leafValues(l: LeafNode, n: number): LeafValue[] {
  if (l.vals !== null) return l.vals;
  const flat = l.flat;
  const out: LeafValue[] = [];
  if (flat === null) for (let i = 0; i < n; i++) out.push(null);
  else for (let i = 0; i < n; i++) out.push(flatRow(flat, i, l.w));
  return out;
}

/** The size of a leaf value as the writer accounts it. */
export function leafValueSize(v: LeafValue): number {
  return v === null ? 1 : Array.isArray(v) ? tupleSize(v) : REF_SIZE;
}

/** Accounted size of entry i (its key and value). */
export function entrySize(l: LeafNode, i: number): number {
  const sizes = l.sizes;
  if (sizes !== null) return sizes[i]!;
  const flat = l.flat;
  if (flat === null) return keySizeAt(l, i) + 1;
  const w = l.w;
  let s = w < 16 ? 1 : 3;
  for (let j = 0, a = i * w; j < w; j++) s += valueSize(flat[a + j]!);
  return keySizeAt(l, i) + s;
}

/** Whether value v fits a leaf's flat form of width w. */
function fitsFlat(v: LeafValue, w: number): v is Row {
  return Array.isArray(v) && v.length === w;
}

/**
 * Sets all values of a leaf whose keys are set (decoded page, bulk build), in the most compact
 * form they allow; `sizes` are the entries' sizes, kept only in the rows form.
 */
export function setLeafValues(l: LeafNode, vals: LeafValue[], sizes: number[]): void {
  const n = vals.length;
  const first = n === 0 ? null : vals[0]!;
  if (first === null) {
    let allNull = true;
    for (let i = 1; i < n; i++) if (vals[i] !== null) allNull = false;
    if (allNull) {
      l.vals = null;
      l.sizes = null;
      l.flat = null;
      l.w = 0;
      return;
    }
  } else if (Array.isArray(first) && first.length > 0) {
    const w = first.length;
    let fits = true;
    for (let i = 1; i < n && fits; i++) fits = fitsFlat(vals[i]!, w);
    if (fits) {
      // Pushed, not `new Array(n * w)`: packed, as the arrays of leaves built in memory.
      const flat: SqlValue[] = [];
      for (let i = 0; i < n; i++) {
        const r = vals[i] as Row;
        for (let j = 0; j < w; j++) flat.push(r[j]!);
      }
      l.vals = null;
      l.sizes = null;
      l.flat = flat;
      l.w = w;
      return;
    }
  }
  l.vals = vals;
  l.sizes = sizes;
  l.flat = null;
  l.w = 0;
}

/** Turns a leaf of n entries (its keys still those n) to the rows form; returns its values. */
function toRows(l: LeafNode, n: number): LeafValue[] {
  if (l.vals !== null) return l.vals;
  const sizes: number[] = [];
  for (let i = 0; i < n; i++) sizes.push(entrySize(l, i));
  const vals = leafValues(l, n);
  l.vals = vals;
  l.sizes = sizes;
  l.flat = null;
  l.w = 0;
  return vals;
}

/** Inserts v, of accounted entry size `size`, at i of a leaf that had n entries (keys not yet edited). */
export function insertValue(l: LeafNode, i: number, v: LeafValue, n: number, size: number): void {
  let vals = l.vals;
  if (vals === null) {
    if (n === 0) {
      // An empty leaf takes the form of its first value.
      if (v === null) {
        l.flat = null;
        l.w = 0;
        return;
      }
      if (Array.isArray(v) && v.length > 0) {
        l.flat = v.slice();
        l.w = v.length;
        return;
      }
    } else {
      const w = l.w;
      const flat = l.flat;
      if (flat === null) {
        if (v === null) return;
      } else if (fitsFlat(v, w)) {
        if (i === n) for (let j = 0; j < w; j++) flat.push(v[j]!);
        else flat.splice(i * w, 0, ...v);
        return;
      }
    }
    vals = toRows(l, n);
  }
  const sizes = l.sizes!;
  if (i === vals.length) {
    vals.push(v);
    sizes.push(size);
  } else {
    vals.splice(i, 0, v);
    sizes.splice(i, 0, size);
  }
}

/** Replaces the value at i of a leaf of n entries by v (entry size `size`); returns the old one. */
export function replaceValue(l: LeafNode, i: number, v: LeafValue, n: number, size: number): LeafValue {
  let vals = l.vals;
  if (vals === null) {
    const flat = l.flat;
    if (flat === null) {
      if (v === null) return null;
    } else {
      const w = l.w;
      if (fitsFlat(v, w)) {
        const old = flatRow(flat, i, w);
        for (let j = 0, a = i * w; j < w; j++) flat[a + j] = v[j]!;
        return old;
      }
    }
    vals = toRows(l, n);
  }
  const old = vals[i]!;
  vals[i] = v;
  l.sizes![i] = size;
  return old;
}

/** Removes the value at i (keys not yet edited); returns it. */
export function removeValue(l: LeafNode, i: number): LeafValue {
  const vals = l.vals;
  if (vals !== null) {
    l.sizes!.splice(i, 1);
    return vals.splice(i, 1)[0]!;
  }
  const flat = l.flat;
  if (flat === null) return null;
  const w = l.w;
  const old = flatRow(flat, i, w);
  flat.splice(i * w, w);
  return old;
}

/** Moves the values from `at` on of leaf l into the empty leaf `right`. */
export function splitValues(l: LeafNode, at: number, right: LeafNode): void {
  const vals = l.vals;
  if (vals !== null) {
    right.vals = vals.splice(at);
    right.sizes = l.sizes!.splice(at);
    right.flat = null;
    right.w = 0;
    return;
  }
  right.vals = null;
  right.sizes = null;
  right.w = l.w;
  right.flat = l.flat === null ? null : l.flat.splice(at * l.w);
}

/** Appends every value of leaf `src` (s entries) to leaf `dst` (d entries; keys not yet appended). */
export function appendValues(dst: LeafNode, d: number, src: LeafNode, s: number): void {
  if (s === 0) return;
  if (d === 0) {
    dst.vals = src.vals === null ? null : src.vals.slice();
    dst.sizes = src.sizes === null ? null : src.sizes.slice();
    dst.flat = src.flat === null ? null : src.flat.slice();
    dst.w = src.w;
    return;
  }
  if (dst.vals === null && src.vals === null && dst.w === src.w) {
    const from = src.flat;
    const to = dst.flat;
    if (from !== null && to !== null) for (let j = 0; j < from.length; j++) to.push(from[j]!);
    return;
  }
  const vals = toRows(dst, d);
  const sizes = dst.sizes!;
  const more = leafValues(src, s);
  for (let i = 0; i < s; i++) {
    vals.push(more[i]!);
    sizes.push(entrySize(src, i));
  }
}

/** Drops the growth slack of a leaf's value arrays (a left node sequential inserts will not revisit). */
export function trimValues(l: LeafNode): void {
  if (l.vals !== null) {
    l.vals = l.vals.slice();
    l.sizes = l.sizes!.slice();
  } else if (l.flat !== null) l.flat = l.flat.slice();
}

/** Whether a leaf's values are in a well-formed state for n entries (the integrity check). */
export function valuesHold(l: LeafNode, n: number): boolean {
  if (l.vals !== null) return l.flat === null && l.w === 0 && l.vals.length === n && l.sizes !== null && l.sizes.length === n;
  if (l.sizes !== null) return false;
  if (l.flat === null) return l.w === 0;
  return l.w >= 1 && l.flat.length === n * l.w;
}
