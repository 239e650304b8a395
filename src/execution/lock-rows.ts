// SELECT ... FOR UPDATE / SHARE over one table: each row that passed WHERE is locked (through the
// transaction's locking view) before it goes on; under SKIP LOCKED a row held elsewhere is left out.
import type { Key, Row } from '../storage/ports.js';
import { indent, type Frame, type Op, type PlanNode } from './runtime.js';

export type OnBusy = 'wait' | 'nowait' | 'skip';

export class LockRowsNode implements PlanNode {
  readonly #child: PlanNode;
  readonly #table: string;
  /** Slot of the row's storage key (the table source's hidden last slot). */
  readonly #keySlot: number;
  readonly #onBusy: OnBusy;

  constructor(child: PlanNode, table: string, keySlot: number, onBusy: OnBusy) {
    this.#child = child;
    this.#table = table;
    this.#keySlot = keySlot;
    this.#onBusy = onBusy;
  }

  open(f: Frame): Op {
    const c = this.#child.open(f);
    const view = f.ctx.view;
    const table = this.#table;
    const slot = this.#keySlot;
    const onBusy = this.#onBusy;
    return {
      next: () => {
        const b = c.next();
        if (b === null) return null;
        // A view without locks (a read-only snapshot) has nothing to take.
        if (view.lockRow === undefined) return b;
        const out: Row[] = [];
        for (let i = 0; i < b.length; i++) {
          const r = b[i]!;
          if (view.lockRow(table, r[slot] as unknown as Key, onBusy)) out.push(r);
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
