// SELECT ... FOR UPDATE / SHARE over one table: each row that reaches it (after WHERE and ORDER BY,
// before LIMIT) is locked through the transaction's locking view before it goes on; under SKIP
// LOCKED a row held elsewhere is left out. It stops after the rows LIMIT + OFFSET take, so no row
// past them is locked.
import type { Key, Row } from '../storage/ports.js';
import { indent, type Frame, type Op, type PlanNode } from './runtime.js';

export type OnBusy = 'wait' | 'nowait' | 'skip';

export class LockRowsNode implements PlanNode {
  readonly #child: PlanNode;
  readonly #table: string;
  /** Slot of the row's storage key (the table source's hidden last slot). */
  readonly #keySlot: number;
  readonly #onBusy: OnBusy;
  /** Rows LIMIT + OFFSET take (null: all). */
  readonly #need: ((f: Frame) => number) | null;

  constructor(child: PlanNode, table: string, keySlot: number, onBusy: OnBusy, need: ((f: Frame) => number) | null) {
    this.#child = child;
    this.#table = table;
    this.#keySlot = keySlot;
    this.#onBusy = onBusy;
    this.#need = need;
  }

  open(f: Frame): Op {
    const c = this.#child.open(f);
    const view = f.ctx.view;
    const table = this.#table;
    const slot = this.#keySlot;
    const onBusy = this.#onBusy;
    let left = this.#need === null ? Infinity : this.#need(f);
    return {
      next: () => {
        if (left <= 0) return null;
        const b = c.next();
        if (b === null) return null;
        const out: Row[] = [];
        for (let i = 0; i < b.length && left > 0; i++) {
          const r = b[i]!;
          // A view without locks (a read-only snapshot) has nothing to take.
          if (view.lockRow === undefined || view.lockRow(table, r[slot] as unknown as Key, onBusy)) {
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
    out.push(indent(depth) + `LockRows on ${this.#table}${this.#onBusy === 'skip' ? ' (skip locked)' : this.#onBusy === 'nowait' ? ' (nowait)' : ''}`);
    this.#child.explain(out, depth + 1);
  }
}
