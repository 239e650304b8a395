// Grouping and aggregation: hash aggregation keyed by the group value (small non-negative
// integer keys index an array), per-row aggregate steps chosen once per plan.
import type { Row, SqlValue } from '../storage/ports.js';
import { aggStep, finish, newState, type AggSpec, type AggState, type AggStep } from './aggregates.js';
import { BATCH, indent, objectArray, type Eval, type Frame, type Op, type PlanNode } from './runtime.js';
import { groupKey, rowKey } from './values.js';

/** Group keys below this (non-negative integers) live in an array rather than the Map. */
const DENSE_KEYS = 4096;

export class AggregateNode implements PlanNode {
  readonly #child: PlanNode;
  readonly #keys: readonly Eval[];
  readonly #aggs: readonly AggSpec[];
  /**
   * Per-row steps, made once per plan: a hot loop whose callees change with every execution
   * would be deoptimized at the next one ("wrong call target").
   */
  #steps: StepPlan | null = null;

  constructor(child: PlanNode, keys: readonly Eval[], aggs: readonly AggSpec[]) {
    this.#child = child;
    this.#keys = keys;
    this.#aggs = aggs;
  }

  open(f: Frame): Op {
    // (Steps are made at the first open: the compiler may still add aggregates after construction.)
    const steps = (this.#steps ??= stepPlan(this.#aggs));
    return new AggregateOp(this.#child.open(f), f, this.#keys, this.#aggs, steps);
  }

  explain(out: string[], depth: number): void {
    out.push(indent(depth) + (this.#keys.length > 0 ? `HashAggregate (${this.#keys.length} keys)` : 'Aggregate'));
    this.#child.explain(out, depth + 1);
  }
}

interface Group {
  readonly key: SqlValue[];
  readonly st: AggState[];
  /** Input rows in the group: count(*) without FILTER needs no step of its own. */
  rows: number;
}

interface StepPlan {
  /** Steps of the aggregates that need one per row, and the index of each one's state. */
  readonly steps: readonly AggStep[];
  readonly at: readonly number[];
  /** Aggregates that are plain count(*): finished from the group's row count. */
  readonly counted: readonly number[];
}

function stepPlan(aggs: readonly AggSpec[]): StepPlan {
  const steps: AggStep[] = [];
  const at: number[] = [];
  const counted: number[] = [];
  aggs.forEach((a, j) => {
    if (a.star && a.name === 'count' && a.filter === undefined && !a.distinct) counted.push(j);
    else {
      steps.push(aggStep(a));
      at.push(j);
    }
  });
  return { steps, at, counted };
}

/**
 * A running aggregation. A class rather than closures: its next() is then one function for every
 * execution, and the loops that call it are not deoptimized when the next execution comes.
 */
class AggregateOp implements Op {
  readonly #c: Op;
  readonly #f: Frame;
  readonly #keys: readonly Eval[];
  readonly #aggs: readonly AggSpec[];
  readonly #steps: readonly AggStep[];
  readonly #at: readonly number[];
  readonly #counted: readonly number[];
  readonly #groups = new Map<string | SqlValue, Group>();
  /** Small non-negative integer keys (k % 100, flags, small codes) index an array instead. */
  readonly #dense: (Group | undefined)[] = objectArray();
  readonly #order: Group[] = objectArray();
  readonly #kv: SqlValue[];
  #consuming = true;
  #emitIdx = 0;

  constructor(c: Op, f: Frame, keys: readonly Eval[], aggs: readonly AggSpec[], plan: StepPlan) {
    this.#c = c;
    this.#f = f;
    this.#keys = keys;
    this.#aggs = aggs;
    this.#steps = plan.steps;
    this.#at = plan.at;
    this.#counted = plan.counted;
    this.#kv = new Array<SqlValue>(keys.length);
  }

  #newGroup(key: SqlValue[]): Group {
    const aggs = this.#aggs;
    const st: AggState[] = new Array(aggs.length);
    for (let i = 0; i < aggs.length; i++) st[i] = newState(aggs[i]!);
    const g: Group = { key, st, rows: 0 };
    this.#order.push(g);
    return g;
  }

  #consume(b: Row[]): void {
    const f = this.#f;
    const keys = this.#keys;
    const nk = keys.length;
    const steps = this.#steps;
    const at = this.#at;
    const na = steps.length;
    const dense = this.#dense;
    const groups = this.#groups;
    const key0 = keys[0];
    for (let i = 0; i < b.length; i++) {
      const r = b[i]!;
      let g: Group | undefined;
      if (nk === 0) {
        g = this.#order[0] ?? this.#newGroup([]);
      } else if (nk === 1) {
        const v = key0!(r, f);
        if (typeof v === 'number' && v >= 0 && v < DENSE_KEYS && (v | 0) === v) {
          // -0 lands on 0's slot: the same group, as SQL equality says.
          g = dense[v];
          if (g === undefined) g = dense[v] = this.#newGroup([v]);
        } else {
          const k = typeof v === 'string' || typeof v === 'bigint' || v instanceof Uint8Array || (typeof v === 'number' && Object.is(v, -0)) ? groupKey(v) : v;
          g = groups.get(k);
          if (g === undefined) {
            g = this.#newGroup([v]);
            groups.set(k, g);
          }
        }
      } else {
        const kv = this.#kv;
        for (let j = 0; j < nk; j++) kv[j] = keys[j]!(r, f);
        const k = rowKey(kv, nk);
        g = groups.get(k);
        if (g === undefined) {
          g = this.#newGroup(kv.slice());
          groups.set(k, g);
        }
      }
      g.rows++;
      const st = g.st;
      for (let j = 0; j < na; j++) steps[j]!(st[at[j]!]!, r, f);
    }
    f.root.work += b.length;
  }

  next(): Row[] | null {
    if (this.#consuming) {
      this.#f.ctx.checkInterrupt();
      const b = this.#c.next();
      if (b === null) {
        this.#consuming = false;
        if (this.#keys.length === 0 && this.#order.length === 0) this.#newGroup([]);
        return [];
      }
      this.#consume(b);
      return [];
    }
    const order = this.#order;
    const aggs = this.#aggs;
    if (this.#emitIdx >= order.length) return null;
    const end = Math.min(order.length, this.#emitIdx + BATCH * 4);
    const out: Row[] = [];
    for (; this.#emitIdx < end; this.#emitIdx++) {
      const g = order[this.#emitIdx]!;
      for (const j of this.#counted) g.st[j]!.n = g.rows;
      const row: SqlValue[] = g.key.slice();
      for (let j = 0; j < aggs.length; j++) row.push(finish(aggs[j]!, g.st[j]!));
      out.push(row);
    }
    return out;
  }

  close(): void {
    this.#c.close();
  }
}
