// Grouping rows that arrive with equal keys together (read along an index or the primary key in
// the keys' order: ordered-read.ts): one group is open at a time and goes out when the next
// key comes, so an ORDER BY ... LIMIT on the keys reads only the rows of the groups it returns,
// and no table of every group is kept.
import type { Row, SqlValue } from '../storage/ports.js';
import { aggStep, finish, newState, type AggSpec, type AggState, type AggStep } from './aggregates.js';
import { indent, type Eval, type Frame, type Op, type PlanNode } from './runtime.js';
import { compareNonNull } from './values.js';

/** Whether two key lists are one group's (NULL with NULL, as GROUP BY takes them). */
function sameKeys(a: readonly SqlValue[], b: readonly SqlValue[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === null || y === null) {
      if (x !== y) return false;
    } else if (x !== y && compareNonNull(x, y) !== 0) return false;
  }
  return true;
}

export class StreamAggregateNode implements PlanNode {
  readonly #child: PlanNode;
  readonly #keys: readonly Eval[];
  readonly #aggs: readonly AggSpec[];
  /** Made at the first open: the compiler may still add aggregates after construction. */
  #steps: AggStep[] | null = null;

  constructor(child: PlanNode, keys: readonly Eval[], aggs: readonly AggSpec[]) {
    this.#child = child;
    this.#keys = keys;
    this.#aggs = aggs;
  }

  open(f: Frame): Op {
    const aggs = this.#aggs;
    const steps = (this.#steps ??= aggs.map(aggStep));
    const keys = this.#keys;
    const nk = keys.length;
    const c = this.#child.open(f);
    const kv: SqlValue[] = new Array<SqlValue>(nk);
    let cur: SqlValue[] | null = null;
    let states: AggState[] = [];
    let done = false;
    const emit = (out: Row[]): void => {
      const row: SqlValue[] = cur!.slice();
      for (let j = 0; j < aggs.length; j++) row.push(finish(aggs[j]!, states[j]!));
      out.push(row);
    };
    return {
      next: () => {
        if (done) return null;
        f.ctx.checkInterrupt();
        const b = c.next();
        const out: Row[] = [];
        if (b === null) {
          done = true;
          if (cur !== null) emit(out);
          return out;
        }
        for (let i = 0; i < b.length; i++) {
          const r = b[i]!;
          for (let j = 0; j < nk; j++) kv[j] = keys[j]!(r, f);
          if (cur === null || !sameKeys(cur, kv)) {
            if (cur !== null) emit(out);
            cur = kv.slice();
            states = aggs.map(newState);
          }
          for (let j = 0; j < steps.length; j++) steps[j]!(states[j]!, r, f);
        }
        f.root.work += b.length;
        return out;
      },
      close: () => c.close(),
    };
  }

  explain(out: string[], depth: number): void {
    out.push(indent(depth) + `GroupAggregate (${this.#keys.length} keys, in key order)`);
    this.#child.explain(out, depth + 1);
  }
}
