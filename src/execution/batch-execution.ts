// One statement run once per parameter set, as one statement: one lifecycle, one lock request,
// one statement mark (a failure in any set undoes every set), rows in the order of the sets.
// A bulk load pays the request's round trip once instead of once per row.
import { DispatcherError } from '../api/errors.js';
import type { Row, SqlValue } from '../storage/ports.js';
import { paramSet, type ParamSets } from '../protocol/param-sets.js';
import type { CompiledStatement, ExecContext, Execution } from './types.js';
import { withLifted } from './param-slots.js';

/**
 * A step ends after this many parameter sets (or inner steps) or rows examined, whichever comes
 * first: it stays a bounded slice of work, yet short sets (one row each) do not pay the caller's
 * per-step clock read.
 */
const SETS_PER_STEP = 64;
const ROWS_PER_STEP = 4096;
const NO_ROWS: Row[] = [];

export class BatchExecution implements Execution {
  rowsAffected = 0;
  readonly #plan: CompiledStatement;
  readonly #base: ExecContext;
  readonly #sets: ParamSets;
  /** Appended to every set: the literals analysis lifted out of the text. */
  readonly #lifted: readonly SqlValue[];
  readonly #userParams: number;
  #next = 0;
  #current: Execution | null = null;

  constructor(
    plan: CompiledStatement,
    base: ExecContext,
    sets: ParamSets,
    userParams: number,
    lifted: readonly SqlValue[],
  ) {
    this.#plan = plan;
    this.#base = base;
    this.#sets = sets;
    this.#userParams = userParams;
    this.#lifted = lifted;
  }

  step(): Row[] | null {
    try {
      return this.#step();
    } catch (e) {
      throw inSet(e, this.#next);
    }
  }

  #step(): Row[] | null {
    // Sets completed plus sub-steps that ended without finishing their set.
    let work = 0;
    const counters = this.#base.counters;
    const examined0 = counters.rowsExamined;
    for (;;) {
      let cur = this.#current;
      if (cur === null) {
        if (this.#next >= this.#sets.count) return null;
        if (work >= SETS_PER_STEP || counters.rowsExamined - examined0 >= ROWS_PER_STEP) return NO_ROWS;
        const base = this.#base;
        cur = this.#plan.start({
          view: base.view,
          params: withLifted(paramSet(this.#sets, this.#next++), this.#userParams, this.#lifted),
          counters: base.counters,
          checkInterrupt: base.checkInterrupt,
          ...(base.user === undefined ? {} : { user: base.user }),
        });
        this.#current = cur;
      }
      const rows = cur.step();
      if (rows !== null) {
        if (rows.length > 0 || ++work >= SETS_PER_STEP || counters.rowsExamined - examined0 >= ROWS_PER_STEP) return rows;
        continue;
      }
      this.rowsAffected += cur.rowsAffected;
      cur.close();
      this.#current = null;
      work++;
    }
  }

  close(): void {
    const cur = this.#current;
    this.#current = null;
    this.#next = this.#sets.count;
    cur?.close();
  }
}

/** The error of parameter set n (1-based), saying so in its detail; anything else passes as it is. */
export function inSet(e: unknown, n: number): unknown {
  if (!(e instanceof DispatcherError)) return e;
  const where = `in parameter set ${n}`;
  const copy = new DispatcherError(e.sqlState, e.message, {
    detail: e.detail === undefined ? where : `${e.detail} (${where})`,
    ...(e.position !== undefined ? { position: e.position } : {}),
    cause: e.cause,
    code: e.code,
  });
  copy.stack = e.stack;
  return copy;
}
