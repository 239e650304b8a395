// ORDER BY over the rows of its input: sorted runs of RUN rows as input arrives, then one k-way
// merge of all runs that emits its rows batch by batch (ORDER BY ... LIMIT keeps a bounded heap
// instead). Merging all runs at once, rather than in pairs level by level, makes no array of
// merged rows: the pairwise passes made ~log2(runs) arrays of every row, the larger ones large
// objects fresh from the kernel (~13 µs a 4 KiB page in faults on the machines we measure on).
import type { Row } from '../storage/ports.js';
import { compareText } from '../storage/key-order.js';
import { BATCH, indent, type Frame, type Op, type PlanNode } from './runtime.js';
import { RowHeap } from './row-heap.js';
import { compareNonNull } from './values.js';

export interface SortKey {
  readonly slot: number;
  readonly desc: boolean;
  readonly nullsFirst: boolean;
}

export function rowComparator(keys: readonly SortKey[]): (a: Row, b: Row) => number {
  const k0 = keys[0];
  const cmpOne = (k: SortKey, a: Row, b: Row): number => {
    const x = a[k.slot]!;
    const y = b[k.slot]!;
    // Numbers against numbers as compareNonNull orders them, without its type dispatch.
    if (typeof x === 'number' && typeof y === 'number') {
      const c = x < y ? -1 : x > y ? 1 : 0;
      return k.desc ? -c : c;
    }
    if (x === null) return y === null ? 0 : k.nullsFirst ? -1 : 1;
    if (y === null) return k.nullsFirst ? 1 : -1;
    const c = compareNonNull(x, y);
    return k.desc ? -c : c;
  };
  if (keys.length === 1 && k0 !== undefined) {
    // One key: text against text (the common ORDER BY name) skips the general comparison's type tests.
    const slot = k0.slot;
    const sign = k0.desc ? -1 : 1;
    return (a, b) => {
      const x = a[slot];
      const y = b[slot];
      if (typeof x === 'string' && typeof y === 'string') return x === y ? 0 : sign * compareText(x, y);
      return cmpOne(k0, a, b);
    };
  }
  return (a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const c = cmpOne(keys[i]!, a, b);
      if (c !== 0) return c;
    }
    return 0;
  };
}

/** Rows a run holds before it is sorted. */
const RUN = 4096;

/**
 * The k-way merge of sorted runs: a binary heap of run numbers ordered by each run's next row,
 * ties to the earlier run (runs are in input order and each is sorted stably, so the merge is
 * stable).
 */
class RunMerge {
  readonly #runs: (Row[] | null)[];
  readonly #pos: Int32Array;
  readonly #heap: Int32Array;
  #size: number;
  readonly #cmp: (a: Row, b: Row) => number;

  constructor(runs: Row[][], cmp: (a: Row, b: Row) => number) {
    this.#runs = runs;
    this.#cmp = cmp;
    const k = runs.length;
    this.#pos = new Int32Array(k);
    this.#heap = new Int32Array(k);
    this.#size = 0;
    for (let r = 0; r < k; r++) if (runs[r]!.length > 0) this.#heap[this.#size++] = r;
    for (let i = (this.#size >> 1) - 1; i >= 0; i--) this.#down(i);
  }

  /** Whether run a's next row goes before run b's. */
  #before(a: number, b: number): boolean {
    const c = this.#cmp(this.#runs[a]![this.#pos[a]!]!, this.#runs[b]![this.#pos[b]!]!);
    return c < 0 || (c === 0 && a < b);
  }

  #down(i: number): void {
    const heap = this.#heap;
    const n = this.#size;
    const r = heap[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.#before(heap[c + 1]!, heap[c]!)) c++;
      if (!this.#before(heap[c]!, r)) break;
      heap[i] = heap[c]!;
      i = c;
    }
    heap[i] = r;
  }

  /** Up to `max` next rows in order; an empty array once all are out. */
  take(max: number): Row[] {
    const out: Row[] = [];
    const heap = this.#heap;
    const runs = this.#runs;
    const pos = this.#pos;
    while (out.length < max && this.#size > 0) {
      const r = heap[0]!;
      const run = runs[r]!;
      const p = pos[r]!;
      out.push(run[p]!);
      if (p + 1 < run.length) pos[r] = p + 1;
      else {
        // The run is done: its array goes to the collector now, not at the statement's end.
        runs[r] = null;
        heap[0] = heap[--this.#size]!;
      }
      if (this.#size > 0) this.#down(0);
    }
    return out;
  }
}

export class SortNode implements PlanNode {
  readonly #child: PlanNode;
  readonly #keys: readonly SortKey[];
  readonly #limit: ((f: Frame) => number) | null;
  /** Made once per plan (see AggregateNode #steps). */
  #cmp: ((a: Row, b: Row) => number) | null = null;

  constructor(child: PlanNode, keys: readonly SortKey[], limit: ((f: Frame) => number) | null) {
    this.#child = child;
    this.#keys = keys;
    this.#limit = limit;
  }

  open(f: Frame): Op {
    const c = this.#child.open(f);
    const cmp = (this.#cmp ??= rowComparator(this.#keys));
    const limit = this.#limit === null ? Infinity : this.#limit(f);
    let current: Row[] = [];
    const runs: Row[][] = [];
    let merge: RunMerge | null = null;
    // A single run (or the heap's rows) is emitted by slices of it.
    let result: Row[] | null = null;
    let idx = 0;
    let consuming = true;
    // With a limit: the best rows so far in a bounded heap (a comparison per row, no re-sorts).
    const heap = limit !== Infinity ? new RowHeap(cmp, limit) : null;
    return {
      next: () => {
        if (consuming) {
          f.ctx.checkInterrupt();
          const b = c.next();
          if (b === null) {
            consuming = false;
            if (heap !== null) result = heap.sorted();
            else {
              if (current.length > 0) runs.push(current.sort(cmp));
              current = [];
              if (runs.length === 1) result = runs[0]!;
              else if (runs.length > 1) merge = new RunMerge(runs, cmp);
              else result = [];
            }
            f.root.work += 1;
            return [];
          }
          if (heap !== null) {
            for (let i = 0; i < b.length; i++) heap.offer(b[i]!);
            f.root.work += b.length;
            return [];
          }
          for (let i = 0; i < b.length; i++) current.push(b[i]!);
          if (current.length >= RUN) {
            runs.push(current.sort(cmp));
            current = [];
          }
          f.root.work += b.length;
          return [];
        }
        if (merge !== null) {
          f.ctx.checkInterrupt();
          const out = merge.take(BATCH * 4);
          if (out.length === 0) {
            merge = null;
            return null;
          }
          // A comparison or two per row and level of the heap.
          f.root.work += out.length * 4;
          return out;
        }
        if (result === null || idx >= result.length) {
          result = null;
          return null;
        }
        const end = Math.min(result.length, idx + BATCH * 4);
        const out = result.slice(idx, end);
        idx = end;
        return out;
      },
      close: () => c.close(),
    };
  }

  explain(out: string[], depth: number): void {
    out.push(indent(depth) + (this.#limit !== null ? 'Top-N Sort' : 'Sort'));
    this.#child.explain(out, depth + 1);
  }
}
