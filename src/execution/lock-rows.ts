// SELECT ... FOR UPDATE / SHARE: each row that reaches it (after WHERE and ORDER BY, before LIMIT)
// has the rows it came from locked through the transaction's locking view before it goes on; under
// SKIP LOCKED a row with any of them held elsewhere is left out. It stops after the rows LIMIT +
// OFFSET take, so no row past them is locked.
import type { Key, Row } from '../storage/ports.js';
import { indent, type Frame, type Op, type PlanNode } from './runtime.js';

export type OnBusy = 'wait' | 'nowait' | 'skip';

/** One table whose rows a locking SELECT locks. */
export interface LockTarget {
  readonly table: string;
  /**
   * Slot of the row's storage key in the rows reaching the node (a Key; null on the null side of
   * an outer join: nothing to lock), or -1: the table has no key to name rows by, so the table
   * itself is locked against writers when the statement starts.
   */
  readonly keySlot: number;
}

export class LockRowsNode implements PlanNode {
  readonly #child: PlanNode;
  readonly #targets: readonly LockTarget[];
  readonly #onBusy: OnBusy;
  readonly #shared: boolean;
  /** Rows LIMIT + OFFSET take (null: all). */
  readonly #need: ((f: Frame) => number) | null;

  constructor(child: PlanNode, targets: readonly LockTarget[], onBusy: OnBusy, shared: boolean, need: ((f: Frame) => number) | null) {
    this.#child = child;
    this.#targets = targets;
    this.#onBusy = onBusy;
    this.#shared = shared;
    this.#need = need;
  }

  open(f: Frame): Op {
    const view = f.ctx.view;
    const onBusy = this.#onBusy;
    const shared = this.#shared;
    const rowTargets = this.#targets.filter((t) => t.keySlot >= 0);
    // Whole tables first: under SKIP LOCKED one held elsewhere leaves every row out.
    let blocked = false;
    for (const t of this.#targets) {
      if (t.keySlot < 0 && view.lockTableRows !== undefined && !view.lockTableRows(t.table, onBusy)) blocked = true;
    }
    const c = this.#child.open(f);
    let left = blocked ? 0 : this.#need === null ? Infinity : this.#need(f);
    const lockAll = (r: Row): boolean => {
      // A view without locks (a read-only snapshot) has nothing to take.
      if (view.lockRow === undefined) return true;
      for (let j = 0; j < rowTargets.length; j++) {
        const t = rowTargets[j]!;
        const key = r[t.keySlot] as unknown as Key | null;
        if (key !== null && !view.lockRow(t.table, key, onBusy, shared)) return false;
      }
      return true;
    };
    return {
      next: () => {
        if (left <= 0) return null;
        const b = c.next();
        if (b === null) return null;
        const out: Row[] = [];
        for (let i = 0; i < b.length && left > 0; i++) {
          const r = b[i]!;
          if (lockAll(r)) {
            out.push(r);
            left--;
          }
        }
        return out;
      },
      close: () => c.close(),
    };
  }

  explain(out: string[], depth: number): void {
    const tables = this.#targets.map((t) => (t.keySlot < 0 ? `${t.table} (whole table)` : t.table)).join(', ');
    const busy = this.#onBusy === 'skip' ? ' (skip locked)' : this.#onBusy === 'nowait' ? ' (nowait)' : '';
    out.push(indent(depth) + `LockRows${this.#shared ? ' (shared)' : ''} on ${tables}${busy}`);
    this.#child.explain(out, depth + 1);
  }
}
