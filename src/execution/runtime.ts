// Runtime shapes shared by compiled expressions and operators: the frame a statement (or a
// correlated subquery run) evaluates in, and the resumable operator protocol.
import type { ExecContext } from './types.js';
import type { Row, SqlValue } from '../storage/ports.js';
import { keepShape } from './shape-keeper.js';
import { ValueColumn } from './value-column.js';

export interface RootState {
  /** Results of uncorrelated subqueries, computed once per execution. */
  readonly cache: Map<number, unknown>;
  /** Work units done (rows read, pairs compared): step() stops after a budget of them. */
  work: number;
  /**
   * Runs `fn` when the statement run ends (what the cache holds gives its scratch arrays back).
   * A run that ends without end() (an error in a DML statement's own loop) leaves them to the
   * collector.
   */
  atEnd(fn: () => void): void;
  /** Ends the run: the atEnd functions run once, in order. */
  end(): void;
}

/** A RootState whose cache Map exists only once a subquery needs it (most statements have none). */
class LazyRoot implements RootState {
  work = 0;
  #cache: Map<number, unknown> | null = null;
  #atEnd: (() => void)[] | null = null;

  get cache(): Map<number, unknown> {
    return (this.#cache ??= new Map());
  }

  atEnd(fn: () => void): void {
    (this.#atEnd ??= []).push(fn);
  }

  end(): void {
    const fns = this.#atEnd;
    this.#atEnd = null;
    if (fns !== null) for (const fn of fns) fn();
  }
}

keepShape(new LazyRoot());

export function newRootState(): RootState {
  return new LazyRoot();
}

export interface Frame {
  readonly ctx: ExecContext;
  readonly params: readonly SqlValue[];
  /** The enclosing query's current row, for correlated references (depth 1). */
  readonly outer: Row | null;
  readonly up: Frame | null;
  readonly root: RootState;
}

export type Eval = (row: Row, f: Frame) => SqlValue;

/**
 * A running operator. next() does a bounded slice of work and returns the rows it produced
 * (possibly none), or null once exhausted. No promises, no generators.
 */
export interface Op {
  next(): Row[] | null;
  close(): void;
  /**
   * Drops up to `n` of the rows next() would give next, without making them (an OFFSET read
   * along an index saves each row's lookup); returns how many it dropped, 0 when it cannot.
   * Optional: an operator that filters, joins or reorders its rows has none.
   */
  skip?(n: number): number;
  /**
   * Tells the operator that at most `n` more rows will be taken (a LIMIT above it), before its
   * first next(): a scan then reads no more than that in its first batch. Optional, advisory.
   */
  want?(n: number): void;
}

export interface PlanNode {
  open(f: Frame): Op;
  explain(out: string[], depth: number): void;
}

export const BATCH = 256;

export function childFrame(f: Frame, row: Row | null): Frame {
  return { ctx: f.ctx, params: f.params, outer: row, up: f, root: f.root };
}

/** Opens a plan and hands each batch to `take` until the plan ends or `take` says stop (false). */
function eachBatch(node: PlanNode, f: Frame, take: (b: Row[]) => boolean): void {
  const op = node.open(f);
  try {
    for (;;) {
      const b = op.next();
      if (b === null || !take(b)) return;
    }
  } finally {
    op.close();
  }
}

/** Runs a plan to the end (subqueries, materialization); stops early after `limit` rows. */
export function runPlan(node: PlanNode, f: Frame, limit = Infinity): Row[] {
  const out: Row[] = [];
  eachBatch(node, f, (b) => {
    for (let i = 0; i < b.length; i++) {
      out.push(b[i]!);
      if (out.length >= limit) return false;
    }
    return true;
  });
  return out;
}

/**
 * The first column of every row a plan gives, and nothing else kept: an IN subquery over 100k
 * rows held all of them until the last arrived, for the collector to copy.
 */
export function runPlanColumn(node: PlanNode, f: Frame): ValueColumn {
  const out = new ValueColumn();
  eachBatch(node, f, (b) => {
    for (let i = 0; i < b.length; i++) out.push(b[i]![0]!);
    return true;
  });
  return out;
}

export function indent(depth: number): string {
  return '  '.repeat(depth);
}

/**
 * An empty array already of the elements kind it will have once it holds objects (possibly with
 * gaps). A fresh `[]` starts out as small integers and changes its map on the first store of an
 * object, so code optimized on the last execution's array is deoptimized ("wrong map", "not a
 * Smi") by the next execution's: per-execution arrays that hot loops index or push to start here.
 */
export function objectArray<T>(): T[] {
  const a = new Array<T | undefined>(1);
  a[0] = undefined;
  a.length = 0;
  return a as T[];
}
