// What an UPDATE collects before it writes: each target row as the scan found it (its key in the
// slot after the table's columns, then the other FROM items' columns), followed by the new value
// of every SET column, computed while collecting so that every SET expression sees the table as
// it was when the statement began. One source per plan; each execution opens one op object.
import type { Key, Row } from '../storage/ports.js';
import type { OpSource } from './phased-execution.js';
import type { Eval, Frame, Op, PlanNode } from './runtime.js';
import { paramSlot, readParam } from './param-slots.js';
import { keepShape } from './shape-keeper.js';
import { rowKey } from './values.js';

export interface SetColumn {
  readonly col: number;
  readonly ev: Eval;
}

export class UpdateSource implements OpSource {
  readonly #scan: PlanNode;
  readonly #sets: readonly SetColumn[];
  readonly #ncols: number;
  /** UPDATE ... FROM: a target row may join several rows, and the first one wins. */
  readonly #joined: boolean;

  constructor(scan: PlanNode, sets: readonly SetColumn[], ncols: number, joined: boolean) {
    this.#scan = scan;
    this.#sets = sets;
    this.#ncols = ncols;
    this.#joined = joined;
    this.#slots = sets.map((c) => paramSlot(c.ev));
  }

  /** Per SET column, the parameter slot its expression is, or -1 (see param-slots.ts). */
  readonly #slots: readonly number[];

  open(f: Frame): Op {
    return new UpdateOp(this.#scan.open(f), f, this.#sets, this.#slots, this.#ncols, this.#joined ? new Set<string>() : null);
  }
}

class UpdateOp implements Op {
  readonly #op: Op;
  readonly #f: Frame;
  readonly #sets: readonly SetColumn[];
  readonly #slots: readonly number[];
  readonly #ncols: number;
  readonly #seen: Set<string> | null;

  constructor(op: Op, f: Frame, sets: readonly SetColumn[], slots: readonly number[], ncols: number, seen: Set<string> | null) {
    this.#op = op;
    this.#f = f;
    this.#sets = sets;
    this.#slots = slots;
    this.#ncols = ncols;
    this.#seen = seen;
  }

  next(): Row[] | null {
    const b = this.#op.next();
    if (b === null) return null;
    const f = this.#f;
    const sets = this.#sets;
    const slots = this.#slots;
    const seen = this.#seen;
    const out: Row[] = [];
    for (let k = 0; k < b.length; k++) {
      const old = b[k]!;
      if (seen !== null) {
        const key = old[this.#ncols] as unknown as Key;
        const ks = rowKey(key, key.length);
        if (seen.has(ks)) continue;
        seen.add(ks);
      }
      // Sized once: a copy grown by push would be allocated twice.
      const w = old.length;
      const row: Row = new Array(w + sets.length);
      for (let i = 0; i < w; i++) row[i] = old[i]!;
      for (let i = 0; i < sets.length; i++) {
        const slot = slots[i]!;
        row[w + i] = slot >= 0 ? readParam(f, slot) : sets[i]!.ev(old, f);
      }
      out.push(row);
    }
    return out;
  }

  close(): void {
    this.#op.close();
  }
}

/**
 * An idle source and op, kept so that V8 keeps the classes' maps (see shape-keeper.ts): a source
 * belongs to a plan, and the plans of a closed database die with it.
 */
const idleSource = keepShape(new UpdateSource({ open: () => ({ next: () => null, close: () => {} }), explain: () => {} }, [], 0, false));
const idle = idleSource.open(null as unknown as Frame);
idle.next();
idle.close();
keepShape(idle);
