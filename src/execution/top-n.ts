// ORDER BY ... LIMIT n over the input rows themselves, before the select list is computed: a
// bounded heap keeps the best n rows seen so far, so a row that cannot enter costs one
// comparison of its sort keys and no allocation, and only the n survivors are projected.
import type { Row, SqlValue } from '../storage/ports.js';
import { rowComparator, type SortKey } from './operators.js';
import { compareNonNull } from './values.js';
import type { Compiled, Node } from './expr.js';
import { BATCH, indent, type Eval, type Frame, type Op, type PlanNode } from './runtime.js';

interface Entry {
  readonly row: Row;
  readonly keys: SqlValue[];
  /** Arrival order: among equal keys the earlier row wins, as in a stable sort. */
  readonly seq: number;
}

/** Order of two key values under one sort key (NULL placement, direction). */
function valueComparator(k: SortKey): (x: SqlValue, y: SqlValue) => number {
  const desc = k.desc;
  const nullsFirst = k.nullsFirst;
  return (x, y) => {
    if (typeof x === 'string' && typeof y === 'string') {
      // Text usually differs in its first character; below the surrogates UTF-16 order is
      // code point order, so that character decides without the general comparison.
      const a = x.charCodeAt(0);
      const b = y.charCodeAt(0);
      if (a !== b && a < 0xd800 && b < 0xd800) return (a < b) !== desc ? -1 : 1;
    }
    if (x === null) return y === null ? 0 : nullsFirst ? -1 : 1;
    if (y === null) return nullsFirst ? 1 : -1;
    const c = compareNonNull(x, y);
    return desc ? -c : c;
  };
}

export class TopNNode implements PlanNode {
  readonly #child: PlanNode;
  readonly #keyEvals: readonly Eval[];
  /** Per key: the input slot it reads when it is a plain column, else undefined. */
  readonly #slots: readonly (number | undefined)[];
  readonly #keys: readonly SortKey[];
  readonly #limit: (f: Frame) => number;

  /** `keys[i].slot` is i: key i is `keyEvals[i]` evaluated on an input row. */
  constructor(
    child: PlanNode,
    keyEvals: readonly Eval[],
    keys: readonly SortKey[],
    limit: (f: Frame) => number,
    slots: readonly (number | undefined)[] = [],
  ) {
    this.#child = child;
    this.#keyEvals = keyEvals;
    this.#slots = keyEvals.map((_, i) => slots[i]);
    this.#keys = keys.map((k, i) => ({ slot: i, desc: k.desc, nullsFirst: k.nullsFirst }));
    this.#limit = limit;
  }

  open(f: Frame): Op {
    const c = this.#child.open(f);
    const evs = this.#keyEvals;
    const nk = evs.length;
    const cmpKeys = rowComparator(this.#keys);
    const limit = this.#limit(f);
    // Max-heap on (keys, seq): the root is the worst row kept.
    const heap: Entry[] = [];
    const worse = (a: Entry, b: Entry): boolean => {
      const d = cmpKeys(a.keys, b.keys);
      return d > 0 || (d === 0 && a.seq > b.seq);
    };
    const siftDown = (e: Entry): void => {
      const n = heap.length;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const w = r < n && worse(heap[r]!, heap[l]!) ? r : l;
        if (!worse(heap[w]!, e)) break;
        heap[i] = heap[w]!;
        i = w;
      }
      heap[i] = e;
    };
    const siftUp = (e: Entry): void => {
      let i = heap.length;
      heap.push(e);
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!worse(e, heap[p]!)) break;
        heap[i] = heap[p]!;
        i = p;
      }
      heap[i] = e;
    };
    const kv: SqlValue[] = new Array(nk);
    const slots = this.#slots;
    let seq = 0;
    // One key: compared as a value against the worst kept one, read from its slot if it has one.
    const one = nk === 1 ? valueComparator(this.#keys[0]!) : null;
    const consumeOne = (b: Row[]): void => {
      const cmp = one!;
      const sl = slots[0];
      const ev = evs[0]!;
      for (let i = 0; i < b.length; i++) {
        const r = b[i]!;
        const x = sl !== undefined ? r[sl]! : ev(r, f);
        const s = seq++;
        if (heap.length < limit) siftUp({ row: r, keys: [x], seq: s });
        else if (limit !== 0 && cmp(x, heap[0]!.keys[0]!) < 0) siftDown({ row: r, keys: [x], seq: s });
      }
    };
    let result: Row[] | null = null;
    let idx = 0;
    return {
      next: () => {
        if (result === null) {
          f.ctx.checkInterrupt();
          const b = c.next();
          if (b === null) {
            heap.sort((x, y) => cmpKeys(x.keys, y.keys) || x.seq - y.seq);
            result = heap.map((e) => e.row);
            heap.length = 0;
            return [];
          }
          if (one !== null) {
            consumeOne(b);
            f.root.work += b.length;
            return [];
          }
          for (let i = 0; i < b.length; i++) {
            const r = b[i]!;
            for (let j = 0; j < nk; j++) {
              const sl = slots[j];
              kv[j] = sl !== undefined ? r[sl]! : evs[j]!(r, f);
            }
            const s = seq++;
            if (heap.length < limit) {
              siftUp({ row: r, keys: kv.slice(), seq: s });
              continue;
            }
            // Full: a row enters only if it sorts strictly before the worst one kept (a later
            // row never wins a tie).
            if (limit === 0 || cmpKeys(kv, heap[0]!.keys) >= 0) continue;
            siftDown({ row: r, keys: kv.slice(), seq: s });
          }
          f.root.work += b.length;
          return [];
        }
        if (idx >= result.length) return null;
        const end = Math.min(result.length, idx + BATCH * 4);
        const out = result.slice(idx, end);
        idx = end;
        return out;
      },
      close: () => c.close(),
    };
  }

  explain(out: string[], depth: number): void {
    out.push(indent(depth) + 'Top-N Sort');
    this.#child.explain(out, depth + 1);
  }
}

/**
 * A top-N over the input rows when every sort key is a plain column reference (cheap, stable:
 * evaluating it again in the select list gives the same value); null otherwise. Output
 * expressions then run for the n survivors only.
 */
export function topNBeforeProjection(
  input: PlanNode,
  sortPlan: { readonly keys: readonly SortKey[]; readonly hidden: readonly Compiled[]; readonly exprs: readonly (Node | null)[] },
  items: readonly { readonly node: Node }[],
  outputs: readonly Compiled[],
  limit: (f: Frame) => number,
): TopNNode | null {
  const width = outputs.length;
  const evs: Eval[] = [];
  const slots: (number | undefined)[] = [];
  for (let i = 0; i < sortPlan.keys.length; i++) {
    const slot = sortPlan.keys[i]!.slot;
    const node = slot < width ? items[slot]?.node : sortPlan.exprs[i];
    const c = slot < width ? outputs[slot] : sortPlan.hidden[slot - width];
    if (node?.type !== 'column_ref' || c === undefined) return null;
    evs.push(c.ev);
    slots.push(c.slot);
  }
  return new TopNNode(input, evs, sortPlan.keys, limit, slots);
}
