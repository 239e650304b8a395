// Relational operators over batches: filter, project, sort (with top-N), distinct, limit, set
// operations; aggregation lives in aggregate-node.ts (re-exported here). Blocking operators consume one input batch per next() call, so a long
// sort or aggregation yields between slices and can be cancelled.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { Row, SqlValue } from '../storage/ports.js';
import { BATCH, indent, type Eval, type Frame, type Op, type PlanNode } from './runtime.js';
import { KeySet } from './key-set.js';
import { compareNonNull, groupKey, rowKey, truth } from './values.js';

/** One row with no columns: SELECT without FROM. */
export class OneRowNode implements PlanNode {
  open(): Op {
    let done = false;
    return {
      next: () => {
        if (done) return null;
        done = true;
        return [[]];
      },
      close: () => {},
    };
  }

  explain(out: string[], depth: number): void {
    out.push(indent(depth) + 'Result');
  }
}

/** Work (rows read by subqueries included) after which a filter or projection yields. */
const SLICE_WORK = 2000;

export class FilterNode implements PlanNode {
  readonly #child: PlanNode;
  readonly #pred: Eval;

  constructor(child: PlanNode, pred: Eval) {
    this.#child = child;
    this.#pred = pred;
  }

  open(f: Frame): Op {
    const c = this.#child.open(f);
    const p = this.#pred;
    // A predicate may run subqueries: a batch is finished over several calls when it is costly.
    let pending: Row[] | null = null;
    let idx = 0;
    return {
      next: () => {
        if (pending === null) {
          pending = c.next();
          idx = 0;
          if (pending === null) return null;
        }
        const b = pending;
        const out: Row[] = [];
        const start = f.root.work;
        while (idx < b.length) {
          const r = b[idx++]!;
          if (truth(p(r, f)) === true) out.push(r);
          if (f.root.work - start > SLICE_WORK) break;
        }
        if (idx >= b.length) pending = null;
        return out;
      },
      close: () => c.close(),
    };
  }

  explain(out: string[], depth: number): void {
    out.push(indent(depth) + 'Filter');
    this.#child.explain(out, depth + 1);
  }
}

export class ProjectNode implements PlanNode {
  readonly #child: PlanNode;
  readonly #evs: readonly Eval[];

  constructor(child: PlanNode, evs: readonly Eval[]) {
    this.#child = child;
    this.#evs = evs;
  }

  open(f: Frame): Op {
    const c = this.#child.open(f);
    const evs = this.#evs;
    const n = evs.length;
    let pending: Row[] | null = null;
    let idx = 0;
    return {
      next: () => {
        if (pending === null) {
          pending = c.next();
          idx = 0;
          if (pending === null) return null;
        }
        const b = pending;
        const out: Row[] = [];
        const start = f.root.work;
        while (idx < b.length) {
          const r = b[idx++]!;
          const o: SqlValue[] = new Array(n);
          for (let j = 0; j < n; j++) o[j] = evs[j]!(r, f);
          out.push(o);
          if (f.root.work - start > SLICE_WORK) break;
        }
        if (idx >= b.length) pending = null;
        return out;
      },
      // The select list of a dropped row is never computed (an OFFSET's rows, as SQLite skips them).
      skip: (n: number): number => {
        let dropped = 0;
        if (pending !== null) {
          dropped = Math.min(n, pending.length - idx);
          idx += dropped;
          if (idx >= pending.length) pending = null;
        }
        if (dropped < n && pending === null && c.skip !== undefined) dropped += c.skip(n - dropped);
        return dropped;
      },
      want: (n: number): void => c.want?.(n),
      close: () => c.close(),
    };
  }

  explain(out: string[], depth: number): void {
    this.#child.explain(out, depth);
  }
}

export { AggregateNode } from './aggregate-node.js';

export { SortNode, rowComparator, type SortKey } from './sort-node.js';

export class DistinctNode implements PlanNode {
  readonly #child: PlanNode;
  readonly #slots: readonly number[];

  /** Keeps the first row of each distinct combination of the values at `slots`. */
  constructor(child: PlanNode, slots: readonly number[]) {
    this.#child = child;
    this.#slots = slots;
  }

  open(f: Frame): Op {
    const c = this.#child.open(f);
    const seen = new KeySet();
    const slots = this.#slots;
    const n = slots.length;
    const kv: SqlValue[] = new Array(n);
    return {
      next: () => {
        const b = c.next();
        if (b === null) return null;
        const out: Row[] = [];
        for (let i = 0; i < b.length; i++) {
          const r = b[i]!;
          for (let j = 0; j < n; j++) kv[j] = r[slots[j]!]!;
          if (seen.add(kv, n)) out.push(r);
        }
        return out;
      },
      close: () => c.close(),
    };
  }

  explain(out: string[], depth: number): void {
    out.push(indent(depth) + 'Distinct');
    this.#child.explain(out, depth + 1);
  }
}

function countValue(v: SqlValue, what: string): number {
  if (v === null) return Infinity;
  const n = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n) || Number.isNaN(n)) {
    throw new DispatcherError(SqlState.InvalidTextRepresentation, `invalid ${what} value`);
  }
  if (n < 0) {
    throw new DispatcherError(
      what === 'LIMIT' ? '2201W' : '2201X',
      `${what} must not be negative`,
    );
  }
  return Math.round(n);
}

export function evalCount(e: Eval | null, f: Frame, what: string, dflt: number): number {
  if (e === null) return dflt;
  const v = countValue(e([], f), what);
  return v === Infinity && what === 'OFFSET' ? 0 : v;
}

/** OFFSET / LIMIT, and cuts rows down to the visible columns. */
export class LimitNode implements PlanNode {
  readonly #child: PlanNode;
  readonly #limit: Eval | null;
  readonly #offset: Eval | null;
  readonly #visible: number;

  constructor(child: PlanNode, limit: Eval | null, offset: Eval | null, visible: number) {
    this.#child = child;
    this.#limit = limit;
    this.#offset = offset;
    this.#visible = visible;
  }

  open(f: Frame): Op {
    const limit = evalCount(this.#limit, f, 'LIMIT', Infinity);
    let skip = evalCount(this.#offset, f, 'OFFSET', 0);
    let left = limit;
    const c = this.#child.open(f);
    const vis = this.#visible;
    let closed = false;
    let asked = false;
    return {
      next: () => {
        if (left <= 0) {
          if (!closed) {
            c.close();
            closed = true;
          }
          return null;
        }
        if (skip > 0 && c.skip !== undefined) skip -= c.skip(skip);
        if (!asked) {
          // ORDER BY id DESC LIMIT 20: a scan's first batch of 256 rows made 236 for nothing.
          asked = true;
          if (left !== Infinity) c.want?.(left + skip);
        }
        const b = c.next();
        if (b === null) return null;
        const out: Row[] = [];
        for (let i = 0; i < b.length && left > 0; i++) {
          if (skip > 0) {
            skip--;
            continue;
          }
          const r = b[i]!;
          out.push(r.length === vis ? r : r.slice(0, vis));
          left--;
        }
        return out;
      },
      close: () => {
        if (!closed) c.close();
        closed = true;
      },
    };
  }

  explain(out: string[], depth: number): void {
    if (this.#limit !== null || this.#offset !== null) {
      out.push(indent(depth) + 'Limit');
      this.#child.explain(out, depth + 1);
    } else this.#child.explain(out, depth);
  }
}

export type SetOpKind = 'union' | 'union all' | 'intersect' | 'intersect all' | 'except' | 'except all';

export class SetOpNode implements PlanNode {
  readonly #left: PlanNode;
  readonly #right: PlanNode;
  readonly #kind: SetOpKind;
  readonly #width: number;

  constructor(left: PlanNode, right: PlanNode, kind: SetOpKind, width: number) {
    this.#left = left;
    this.#right = right;
    this.#kind = kind;
    this.#width = width;
  }

  open(f: Frame): Op {
    const kind = this.#kind;
    const w = this.#width;
    const l = this.#left.open(f);
    let r: Op | null = this.#right.open(f);
    const seen = new KeySet();
    // Right-side multiset for INTERSECT / EXCEPT.
    const counts = new Map<string, number>();
    const isUnion = kind === 'union' || kind === 'union all';
    const all = kind.endsWith('all');
    let rightBuilt = isUnion;
    let leftDone = false;
    return {
      next: () => {
        f.ctx.checkInterrupt();
        if (!rightBuilt) {
          const b = r!.next();
          if (b === null) {
            rightBuilt = true;
            return [];
          }
          for (const row of b) {
            const k = rowKey(row, w);
            counts.set(k, (counts.get(k) ?? 0) + 1);
          }
          return [];
        }
        if (!leftDone) {
          const b = l.next();
          if (b === null) {
            leftDone = true;
            return [];
          }
          const out: Row[] = [];
          for (const row of b) {
            if (isUnion) {
              if (all || seen.add(row, w)) out.push(row);
              continue;
            }
            const k = rowKey(row, w);
            const n = counts.get(k) ?? 0;
            if (kind.startsWith('intersect')) {
              if (n === 0) continue;
              if (all) counts.set(k, n - 1);
              else if (!seen.add(row, w)) continue;
              out.push(row);
            } else {
              if (all) {
                if (n > 0) {
                  counts.set(k, n - 1);
                  continue;
                }
                out.push(row);
              } else {
                if (n > 0 || !seen.add(row, w)) continue;
                out.push(row);
              }
            }
          }
          return out;
        }
        if (!isUnion || r === null) return null;
        const b = r.next();
        if (b === null) {
          r = null;
          return null;
        }
        if (all) return b;
        const out: Row[] = [];
        for (const row of b) if (seen.add(row, w)) out.push(row);
        return out;
      },
      close: () => {
        l.close();
        r?.close();
      },
    };
  }

  explain(out: string[], depth: number): void {
    out.push(indent(depth) + this.#kind.toUpperCase().replace(/^(\w+)/, (m) => m[0] + m.slice(1).toLowerCase()));
    this.#left.explain(out, depth + 1);
    this.#right.explain(out, depth + 1);
  }
}

/** Rows computed by closures (VALUES lists). */
export class ValuesNode implements PlanNode {
  readonly #rows: readonly (readonly Eval[])[];

  constructor(rows: readonly (readonly Eval[])[]) {
    this.#rows = rows;
  }

  open(f: Frame): Op {
    let done = false;
    const rows = this.#rows;
    return {
      next: () => {
        if (done) return null;
        done = true;
        return rows.map((evs) => evs.map((e) => e([], f)));
      },
      close: () => {},
    };
  }

  explain(out: string[], depth: number): void {
    out.push(indent(depth) + `Values (${this.#rows.length} rows)`);
  }
}

export { groupKey };
