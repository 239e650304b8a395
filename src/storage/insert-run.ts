// A run of inserts into one table, in order, as the write log keeps it (a bulk load logs one
// object per run, not one per row: the per-row entries were ~30% of a 100k-row load's time, in
// the collector mostly). The rows' values are kept flat, in chunks of at most CHUNK_VALUES: the
// rows themselves then die young (their leaves keep them flat too: leaf-values.ts) instead of
// living to the commit and dying in the old generation, and no array grows past the ~128 KB
// where V8's pushes cost ~100 ns each (measured: a 100k-row load spent 20-40 ms on them). Keys
// that are one number each are kept as numbers (`nums`, keys null), in chunks too.
import type { Key, Row, SqlValue } from './ports.js';

const CHUNK_VALUES = 8192;

export interface InsertRun {
  readonly op: 'inserts';
  readonly t: string;
  /** Values per row (a run's rows all have its table's width: a change of the table ends it). */
  readonly w: number;
  /** Rows per chunk. */
  readonly per: number;
  /** Row i's values are chunks[floor(i / per)] at (i % per) * w. */
  readonly chunks: SqlValue[][];
  /** Rows in the run. */
  count: number;
  /** One-number keys, in chunks of `per`, while every key is one; else null. */
  nums: number[][] | null;
  /** The keys as tuples, in chunks of `per`, once one is not a number. */
  keys: Key[][] | null;
}

/** Whether a key is kept as a number. */
function oneNumber(key: Key): boolean {
  const x = key[0];
  return key.length === 1 && typeof x === 'number' && x === x;
}

/** A run of one insert. */
export function newInsertRun(t: string, row: Row, key: Key): InsertRun {
  const w = row.length;
  const run: InsertRun = { op: 'inserts', t, w, per: Math.max(1, Math.floor(CHUNK_VALUES / Math.max(w, 1))), chunks: [], count: 0, nums: [], keys: null };
  pushToRun(run, row, key);
  return run;
}

/** Appends an insert to a run; false (nothing done) for a row of another width. */
export function pushToRun(run: InsertRun, row: Row, key: Key): boolean {
  const w = run.w;
  if (row.length !== w) return false;
  const i = run.count;
  const per = run.per;
  const at = i % per;
  if (w > 0) {
    const chunk = at === 0 ? (run.chunks[run.chunks.length] = []) : run.chunks[run.chunks.length - 1]!;
    for (let j = 0; j < w; j++) chunk.push(row[j]!);
  }
  let nums = run.nums;
  if (nums !== null && !oneNumber(key)) {
    run.keys = [];
    for (let k = 0; k < i; k++) pushKey(run, k, [nums[Math.floor(k / per)]![k % per]!]);
    run.nums = nums = null;
  }
  if (nums !== null) {
    if (at === 0) nums.push([key[0] as number]);
    else nums[nums.length - 1]!.push(key[0] as number);
  } else pushKey(run, i, key);
  run.count = i + 1;
  return true;
}

function pushKey(run: InsertRun, i: number, key: Key): void {
  const keys = run.keys!;
  if (i % run.per === 0) keys.push([key]);
  else keys[keys.length - 1]!.push(key);
}

/** The key of a run's i-th row. */
export function runKey(run: InsertRun, i: number): Key {
  const nums = run.nums;
  const per = run.per;
  if (nums !== null) return [nums[Math.floor(i / per)]![i % per]!];
  return run.keys![Math.floor(i / per)]![i % per]!;
}

/** The run's i-th row, as a fresh array. */
export function runRow(run: InsertRun, i: number): Row {
  const w = run.w;
  const per = run.per;
  const chunk = run.chunks[Math.floor(i / per)];
  const at = (i % per) * w;
  const row: Row = [];
  for (let j = 0; j < w; j++) row.push(chunk![at + j]!);
  return row;
}
