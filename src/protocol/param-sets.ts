// The parameter sets of one executeMany call, copied when the call is made (the caller may change
// its arrays while the statement runs) into a few flat arrays: set i is at (i % perChunk) * width
// in chunk floor(i / perChunk). A load's 10,000 sets used to be 10,000 small copies, all alive
// until their set ran, so the collector copied most of them once or twice; a set's own array is
// now made when it runs and dies at once. Chunks stay under ~128 KB, past which V8's pushes cost
// ~100 ns each.
import type { SqlValue } from './values.js';

/** Values per chunk (at most: a chunk holds whole sets). */
const CHUNK_VALUES = 8192;

export interface ParamSets {
  /** Sets copied. */
  readonly count: number;
  /** Values per set: the first set's length (every set copied has it). */
  readonly width: number;
  /** Sets per chunk. */
  readonly perChunk: number;
  readonly chunks: readonly (readonly SqlValue[])[];
  /**
   * The first set whose length differs from the first's, or -1: copying stopped there (the
   * statement fails at that set anyway), and `misfitLength` is that set's length.
   */
  readonly misfit: number;
  readonly misfitLength: number;
}

/** A copy being made (copySet appends to it). */
export interface ParamSetsCopy extends ParamSets {
  count: number;
  width: number;
  perChunk: number;
  readonly chunks: SqlValue[][];
  misfit: number;
  misfitLength: number;
}

export function newParamSetsCopy(): ParamSetsCopy {
  return { count: 0, width: 0, perChunk: 0, chunks: [], misfit: -1, misfitLength: 0 };
}

/**
 * Appends one set; false when its length differs from the first set's (then `misfit` names it and
 * nothing more should be appended).
 */
export function appendParamSet(c: ParamSetsCopy, set: readonly unknown[]): boolean {
  const n = set.length;
  const i = c.count;
  if (i === 0) {
    c.width = n;
    c.perChunk = Math.max(1, Math.floor(CHUNK_VALUES / Math.max(n, 1)));
  } else if (n !== c.width) {
    c.misfit = i;
    c.misfitLength = n;
    return false;
  }
  const chunk = i % c.perChunk === 0 ? (c.chunks[c.chunks.length] = []) : c.chunks[c.chunks.length - 1]!;
  for (let j = 0; j < n; j++) chunk.push(set[j] as SqlValue);
  c.count = i + 1;
  return true;
}

/** Set i as an array of its own. */
export function paramSet(sets: ParamSets, i: number): SqlValue[] {
  const w = sets.width;
  const per = sets.perChunk;
  const chunk = sets.chunks[Math.floor(i / per)]!;
  const out: SqlValue[] = [];
  for (let j = 0, at = (i % per) * w; j < w; j++) out.push(chunk[at + j]!);
  return out;
}
