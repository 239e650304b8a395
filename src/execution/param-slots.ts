// Which compiled expressions are a bare parameter ($n), so a hot caller can read the parameter
// itself instead of calling the expression's closure. Each plan has its own closures: a call site
// that saw only one plan's closure is compiled for that very function and thrown away (V8's
// "wrong call target") when the next plan's arrives, as in the first statements on a database
// opened after another was closed. A read of f.params has no target to be wrong about.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { Eval, Frame } from './runtime.js';
import type { SqlValue } from '../storage/ports.js';

const SLOTS = new WeakMap<Eval, number>();

/** Records that `ev` evaluates to parameter slot i (0-based). */
export function markParam(ev: Eval, i: number): void {
  SLOTS.set(ev, i);
}

/** The parameter slot `ev` reads, or -1 when it is any other expression. */
export function paramSlot(ev: Eval): number {
  return SLOTS.get(ev) ?? -1;
}

/**
 * A statement's full parameter list: the caller's values for $1..$userCount (missing ones null,
 * extra ones dropped), then the literals analysis lifted out of the text.
 */
export function withLifted(params: readonly SqlValue[], userCount: number, lifted: readonly SqlValue[]): readonly SqlValue[] {
  if (lifted.length === 0) return params;
  const all = params.slice(0, userCount);
  while (all.length < userCount) all.push(null);
  for (const v of lifted) all.push(v);
  return all;
}

/** What a parameter expression of slot i gives in frame f (the same value and error). */
export function readParam(f: Frame, i: number): SqlValue {
  const v = f.params[i];
  if (v === undefined) throw new DispatcherError(SqlState.InvalidParameterCount, `there is no parameter $${i + 1}`);
  return v;
}
