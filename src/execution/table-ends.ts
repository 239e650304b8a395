// count(*), min(col) and max(col) over a whole table with no WHERE and no GROUP BY, answered from
// what the table already knows: its exact row count (kept by every write and checked by the
// integrity check) and the first or last key of its primary key or of an index whose first
// column is col. `SELECT max(id) FROM t` reads one key instead of every row.
import type { IndexDef, SqlValue, TableDef } from '../storage/ports.js';
import type { AggSpec } from './aggregates.js';
import { wholeTableScan } from './aggregate-node.js';
import { indent, type Frame, type Op, type PlanNode } from './runtime.js';
import { isNumericType } from './values.js';

/** One aggregate's answer: the row count, or the end of a tree (index null: the primary key). */
type End = { readonly count: true } | { readonly count: false; readonly index: string | null; readonly max: boolean };

/** The tree whose first column is `col` and whose order is that of min/max on it, if any. */
function treeLeadingWith(table: TableDef, col: number): { index: string | null } | null {
  const type = table.columns[col]?.type;
  // Types whose values compare in the key order exactly as min/max compares them.
  if (type === undefined || !(isNumericType(type) || type === 'text')) return null;
  if (table.primaryKey[0] === col) return { index: null };
  const ix: IndexDef | undefined = table.indexes.find((i) => i.columns[0] === col);
  return ix === undefined ? null : { index: ix.name };
}

export class TableEndsNode implements PlanNode {
  readonly #table: TableDef;
  readonly #ends: readonly End[];
  /** The aggregate list the plan compiles into (it may still grow after planning). */
  readonly #aggs: readonly AggSpec[];
  /** The plan that reads the rows, for an aggregate added after this node was chosen. */
  readonly #general: PlanNode;

  private constructor(table: TableDef, ends: readonly End[], aggs: readonly AggSpec[], general: PlanNode) {
    this.#table = table;
    this.#ends = ends;
    this.#aggs = aggs;
    this.#general = general;
  }

  /**
   * The node answering `aggs` (no group keys) over `input`, or null when `input` is not a whole
   * table or an aggregate needs its rows: FILTER, count(col), or min/max of an expression or of a
   * column no tree starts with.
   */
  static plan(input: PlanNode, keys: number, aggs: readonly AggSpec[], general: PlanNode): TableEndsNode | null {
    if (keys !== 0 || aggs.length === 0) return null;
    const table = wholeTableScan(input);
    if (table === null) return null;
    const ends: End[] = [];
    for (const a of aggs) {
      if (a.filter !== undefined) return null;
      if (a.name === 'count' && a.star) {
        ends.push({ count: true });
        continue;
      }
      if ((a.name !== 'min' && a.name !== 'max') || a.argSlot === undefined) return null;
      const tree = treeLeadingWith(table, a.argSlot);
      if (tree === null) return null;
      ends.push({ count: false, index: tree.index, max: a.name === 'max' });
    }
    return new TableEndsNode(table, ends, aggs, general);
  }

  open(f: Frame): Op {
    if (this.#aggs.length !== this.#ends.length) return this.#general.open(f);
    let done = false;
    return {
      next: () => {
        if (done) return null;
        done = true;
        f.ctx.checkInterrupt();
        return [this.#ends.map((e) => this.#answer(e, f))];
      },
      close: () => {},
    };
  }

  #answer(e: End, f: Frame): SqlValue {
    const view = f.ctx.view;
    const name = this.#table.name;
    if (e.count) return view.rowCount(name);
    f.root.work += 1;
    if (e.index === null) {
      // Primary-key columns hold no NULLs: the first or last row has the answer.
      const c = view.scanTable(name, undefined, e.max);
      try {
        if (c.next() === undefined) return null;
        f.ctx.counters.rowsExamined += 1;
        return c.key[0] ?? null;
      } finally {
        c.close();
      }
    }
    f.ctx.counters.indexesUsed.add(e.index);
    // The index keeps NULLs first: min and max both look past them, NULL only when nothing is left.
    const c = view.scanIndex(name, e.index, { lower: [null], lowerInclusive: false }, e.max);
    try {
      if (c.next() === undefined) return null;
      f.ctx.counters.rowsExamined += 1;
      return c.indexKey[0] ?? null;
    } finally {
      c.close();
    }
  }

  explain(out: string[], depth: number): void {
    if (this.#aggs.length !== this.#ends.length) return this.#general.explain(out, depth);
    out.push(indent(depth) + `Aggregate from row count and key ends of ${this.#table.name}`);
  }
}
