// A batch: cases run one after another on a fuzz target (two sessions: most cases on the first,
// some on the second, which then meets the first one's open transaction and locks), with the
// outcomes tallied by SQLSTATE and by generator.
import type { Category, FuzzCase } from './cases.js';
import { describeCase, fuzzCase } from './cases.js';
import { classifyError, EscapeTrap, runCase, tick, Violation, within, type FuzzTarget, type OracleOptions, type Outcome } from './oracle.js';
import fc from 'fast-check';

export class Tally {
  statements = 0;
  readonly outcomes = new Map<Outcome, number>();
  readonly byCategory = new Map<Category, { ok: number; error: number }>();

  add(c: FuzzCase, outcome: Outcome): void {
    this.statements++;
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
    let cat = this.byCategory.get(c.category);
    if (cat === undefined) this.byCategory.set(c.category, (cat = { ok: 0, error: 0 }));
    if (outcome === 'ok') cat.ok++;
    else cat.error++;
  }

  merge(other: { statements: number; outcomes: Iterable<[Outcome, number]>; byCategory: Iterable<[Category, { ok: number; error: number }]> }): void {
    this.statements += other.statements;
    for (const [k, n] of other.outcomes) this.outcomes.set(k, (this.outcomes.get(k) ?? 0) + n);
    for (const [k, v] of other.byCategory) {
      const cat = this.byCategory.get(k) ?? { ok: 0, error: 0 };
      cat.ok += v.ok;
      cat.error += v.error;
      this.byCategory.set(k, cat);
    }
  }

  toJSON(): { statements: number; outcomes: [Outcome, number][]; byCategory: [Category, { ok: number; error: number }][] } {
    return { statements: this.statements, outcomes: [...this.outcomes], byCategory: [...this.byCategory] };
  }
}

/** Which session runs case `i`: mostly the first, every fifth the second. */
export function sessionFor(i: number): number {
  return i % 5 === 4 ? 1 : 0;
}

/** Runs `cases` in order; throws the first Violation (with the case's index). */
export async function runCases(
  target: FuzzTarget,
  cases: readonly FuzzCase[],
  oracle: OracleOptions,
  trap: EscapeTrap,
  tally: Tally,
  firstIndex = 0,
  onCase?: (i: number) => void,
  onViolation?: (v: Violation) => void,
): Promise<void> {
  for (let k = 0; k < cases.length; k++) {
    const c = cases[k]!;
    const i = firstIndex + k;
    onCase?.(i);
    const session = await target.session(sessionFor(i));
    let outcome: Outcome;
    try {
      outcome = await runCase(session, c, oracle);
      await tick();
      trap.check(describeCase(c));
    } catch (e) {
      if (!(e instanceof Violation)) throw e;
      const v = new Violation(`case ${i}: ${e.message.split('\n')[0]}`, e.detail);
      if (onViolation === undefined) throw v;
      onViolation(v);
      outcome = 'violation';
    }
    tally.add(c, outcome);
    // An aborted block refuses everything until ROLLBACK: end it often enough to keep testing.
    if (outcome === '25P02' && i % 3 !== 0) {
      const r = await within(session.execute('ROLLBACK'), oracle.hangMs, 'ROLLBACK after 25P02');
      if (!r.ok) classifyError(r.error, 'ROLLBACK after 25P02');
    }
  }
}

/** The cases of one batch, reproducible from (seed, batch). */
export function batchCases(seed: number, batch: number, count: number): FuzzCase[] {
  // Mix the batch number into the seed so neighbouring batches do not share a prefix.
  const s = (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(batch + 1, 0x85ebca6b)) | 0;
  return fc.sample(fuzzCase, { seed: s, numRuns: count });
}
