// A data change run once per parameter set in one loop (executeMany): an INSERT of one VALUES row
// (a prepared bulk load), an UPDATE or DELETE of the row one primary key names. BatchExecution
// starts a whole execution per set (an execution object, its context, its operators and the
// lists it collects into); here each set costs its frame and what the change itself needs. Only
// for changes with nothing else to run per row and a bounded amount of work per set (dml.ts
// decides).
import type { Row, SqlValue } from '../storage/ports.js';
import { paramSet, type ParamSets } from '../protocol/param-sets.js';
import { inSet } from './batch-execution.js';
import { withLifted } from './param-slots.js';
import { newRootState, type Frame, type Op } from './runtime.js';
import type { ExecContext, Execution } from './types.js';

/**
 * A step ends after this many sets or rows examined (a lookup that falls back to a scan), so it
 * stays a bounded slice of work between the caller's interrupt checks.
 */
const SETS_PER_STEP = 256;
const ROWS_PER_STEP = 4096;
const NO_ROWS: Row[] = [];

export class SetBatch implements Execution {
  rowsAffected = 0;
  readonly #ctx: ExecContext;
  readonly #sets: ParamSets;
  readonly #userParams: number;
  readonly #lifted: readonly SqlValue[];
  /** Runs the change for the set whose parameters frame `f` holds; returns the rows it changed. */
  readonly #change: (f: Frame) => number;
  #next = 0;

  constructor(
    ctx: ExecContext,
    sets: ParamSets,
    userParams: number,
    lifted: readonly SqlValue[],
    change: (f: Frame) => number,
  ) {
    this.#ctx = ctx;
    this.#sets = sets;
    this.#userParams = userParams;
    this.#lifted = lifted;
    this.#change = change;
  }

  step(): Row[] | null {
    const sets = this.#sets;
    if (this.#next >= sets.count) return null;
    const ctx = this.#ctx;
    ctx.checkInterrupt();
    const end = Math.min(sets.count, this.#next + SETS_PER_STEP);
    const counters = ctx.counters;
    const examined0 = counters.rowsExamined;
    while (this.#next < end && counters.rowsExamined - examined0 < ROWS_PER_STEP) {
      const i = this.#next++;
      // A frame (and root state) per set, as each set's own execution had: an uncorrelated
      // subquery is evaluated again for every set.
      const f: Frame = { ctx, params: withLifted(paramSet(sets, i), this.#userParams, this.#lifted), outer: null, up: null, root: newRootState() };
      try {
        this.rowsAffected += this.#change(f);
      } catch (e) {
        throw inSet(e, i + 1);
      }
    }
    return NO_ROWS;
  }

  close(): void {
    this.#next = this.#sets.count;
  }
}

/**
 * Runs `op` to its end into `into` from its start (a list kept for every set: emptying it would drop
 * its storage each time) and closes it; returns the number of rows. A change collects its target
 * rows whole before it writes any, as PhasedExecution does.
 */
export function collectAll(op: Op, into: Row[]): number {
  let n = 0;
  try {
    for (let b = op.next(); b !== null; b = op.next()) for (let k = 0; k < b.length; k++) into[n++] = b[k]!;
  } finally {
    op.close();
  }
  return n;
}
