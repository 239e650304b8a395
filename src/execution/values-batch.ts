// An INSERT of one VALUES row run once per parameter set (a prepared bulk load through
// executeMany): each set's row is built and inserted in a loop, where BatchExecution starts a
// whole execution per set (an execution object, its text wrapper, a VALUES operator and the
// lists it collects into). Only for inserts with nothing else to run per row (dml.ts decides).
import type { Row, SqlValue } from '../storage/ports.js';
import { inSet } from './batch-execution.js';
import { withLifted } from './param-slots.js';
import { newRootState, type Frame } from './runtime.js';
import type { ExecContext, Execution } from './types.js';

/** Sets per step: a bounded slice of work between the caller's interrupt checks. */
const SETS_PER_STEP = 256;
const NO_ROWS: Row[] = [];

export class ValuesBatch implements Execution {
  rowsAffected = 0;
  readonly #ctx: ExecContext;
  readonly #sets: readonly (readonly SqlValue[])[];
  readonly #userParams: number;
  readonly #lifted: readonly SqlValue[];
  /** Builds the row of the set whose parameters frame `f` holds, and inserts it. */
  readonly #insert: (f: Frame) => void;
  #next = 0;

  constructor(
    ctx: ExecContext,
    sets: readonly (readonly SqlValue[])[],
    userParams: number,
    lifted: readonly SqlValue[],
    insert: (f: Frame) => void,
  ) {
    this.#ctx = ctx;
    this.#sets = sets;
    this.#userParams = userParams;
    this.#lifted = lifted;
    this.#insert = insert;
  }

  step(): Row[] | null {
    const sets = this.#sets;
    if (this.#next >= sets.length) return null;
    const ctx = this.#ctx;
    ctx.checkInterrupt();
    const end = Math.min(sets.length, this.#next + SETS_PER_STEP);
    while (this.#next < end) {
      const i = this.#next++;
      // A frame (and root state) per set, as each set's own execution had: an uncorrelated
      // subquery in VALUES is evaluated again for every set.
      const f: Frame = { ctx, params: withLifted(sets[i]!, this.#userParams, this.#lifted), outer: null, up: null, root: newRootState() };
      try {
        this.#insert(f);
      } catch (e) {
        throw inSet(e, i + 1);
      }
      this.rowsAffected++;
    }
    return NO_ROWS;
  }

  close(): void {
    this.#next = this.#sets.length;
  }
}
