// ORDER BY ... LIMIT n over the input rows themselves, before the select list is computed: a
// bounded heap keeps the best n rows seen so far, so a row that cannot enter costs one
// comparison of its sort keys and no allocation, and only the n survivors are projected.
import type { Row, SqlValue } from '../storage/ports.js';
import { rowComparator, type SortKey } from './operators.js';
import { compareNonNull } from './values.js';
import type { Compiled, Node } from './expr.js';
import { BATCH, indent, objectArray, type Eval, type Frame, type Op, type PlanNode } from './runtime.js';

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
  /** Comparators made once per plan: per-execution closures called per row deoptimize the loop. */
  readonly #cmpKeys: (a: Row, b: Row) => number;
  readonly #one: ((x: SqlValue, y: SqlValue) => number) | null;

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
    this.#cmpKeys = rowComparator(this.#keys);
    this.#one = keyEvals.length === 1 ? valueComparator(this.#keys[0]!) : null;
  }

  open(f: Frame): Op {
    return new TopNOp(this.#child.open(f), f, this.#keyEvals, this.#slots, this.#cmpKeys, this.#one, this.#limit(f));
  }

  explain(out: string[], depth: number): void {
    out.push(indent(depth) + 'Top-N Sort');
    this.#child.explain(out, depth + 1);
  }
}

/**
 * A running top-N. A class rather than closures: its methods are the same functions in every
 * execution, so the row loop is not deoptimized when the next execution comes.
 */
class TopNOp implements Op {
  readonly #c: Op;
  readonly #f: Frame;
  readonly #evs: readonly Eval[];
  readonly #slots: readonly (number | undefined)[];
  readonly #cmpKeys: (a: Row, b: Row) => number;
  /** One key: compared as a value against the worst kept one, read from its slot if it has one. */
  readonly #one: ((x: SqlValue, y: SqlValue) => number) | null;
  readonly #limit: number;
  /** Max-heap on (keys, seq): the root is the worst row kept. */
  readonly #heap: Entry[] = objectArray();
  readonly #kv: SqlValue[];
  #seq = 0;
  #result: Row[] | null = null;
  #idx = 0;

  constructor(
    c: Op,
    f: Frame,
    evs: readonly Eval[],
    slots: readonly (number | undefined)[],
    cmpKeys: (a: Row, b: Row) => number,
    one: ((x: SqlValue, y: SqlValue) => number) | null,
    limit: number,
  ) {
    this.#c = c;
    this.#f = f;
    this.#evs = evs;
    this.#slots = slots;
    this.#cmpKeys = cmpKeys;
    this.#one = one;
    this.#limit = limit;
    this.#kv = new Array<SqlValue>(evs.length);
  }

  #worse(a: Entry, b: Entry): boolean {
    const d = this.#cmpKeys(a.keys, b.keys);
    return d > 0 || (d === 0 && a.seq > b.seq);
  }

  /** Replaces the root (the worst kept row) with e. */
  #siftDown(e: Entry): void {
    const heap = this.#heap;
    const n = heap.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const w = r < n && this.#worse(heap[r]!, heap[l]!) ? r : l;
      if (!this.#worse(heap[w]!, e)) break;
      heap[i] = heap[w]!;
      i = w;
    }
    heap[i] = e;
  }

  #siftUp(e: Entry): void {
    const heap = this.#heap;
    let i = heap.length;
    heap.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#worse(e, heap[p]!)) break;
      heap[i] = heap[p]!;
      i = p;
    }
    heap[i] = e;
  }

  #consumeOne(b: Row[], cmp: (x: SqlValue, y: SqlValue) => number): void {
    const f = this.#f;
    const heap = this.#heap;
    const limit = this.#limit;
    const sl = this.#slots[0];
    const ev = this.#evs[0]!;
    for (let i = 0; i < b.length; i++) {
      const r = b[i]!;
      const x = sl !== undefined ? r[sl]! : ev(r, f);
      const s = this.#seq++;
      if (heap.length < limit) this.#siftUp({ row: r, keys: [x], seq: s });
      else if (limit !== 0 && cmp(x, heap[0]!.keys[0]!) < 0) this.#siftDown({ row: r, keys: [x], seq: s });
    }
  }

  #consume(b: Row[]): void {
    const f = this.#f;
    const heap = this.#heap;
    const limit = this.#limit;
    const evs = this.#evs;
    const nk = evs.length;
    const slots = this.#slots;
    const kv = this.#kv;
    for (let i = 0; i < b.length; i++) {
      const r = b[i]!;
      for (let j = 0; j < nk; j++) {
        const sl = slots[j];
        kv[j] = sl !== undefined ? r[sl]! : evs[j]!(r, f);
      }
      const s = this.#seq++;
      if (heap.length < limit) {
        this.#siftUp({ row: r, keys: kv.slice(), seq: s });
        continue;
      }
      // Full: a row enters only if it sorts strictly before the worst one kept (a later row
      // never wins a tie).
      if (limit === 0 || this.#cmpKeys(kv, heap[0]!.keys) >= 0) continue;
      this.#siftDown({ row: r, keys: kv.slice(), seq: s });
    }
  }

  next(): Row[] | null {
    const f = this.#f;
    const result = this.#result;
    if (result === null) {
      f.ctx.checkInterrupt();
      const b = this.#c.next();
      const heap = this.#heap;
      if (b === null) {
        const cmpKeys = this.#cmpKeys;
        heap.sort((x, y) => cmpKeys(x.keys, y.keys) || x.seq - y.seq);
        this.#result = heap.map((e) => e.row);
        heap.length = 0;
        return [];
      }
      if (this.#one !== null) this.#consumeOne(b, this.#one);
      else this.#consume(b);
      f.root.work += b.length;
      return [];
    }
    if (this.#idx >= result.length) return null;
    const end = Math.min(result.length, this.#idx + BATCH * 4);
    const out = result.slice(this.#idx, end);
    this.#idx = end;
    return out;
  }

  close(): void {
    this.#c.close();
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
