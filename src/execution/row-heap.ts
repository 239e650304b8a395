// The best `limit` rows of a stream in a given order, kept in a bounded max-heap whose root is the
// worst row kept: a row that is not better than it costs one comparison and nothing else. Ties
// keep the row that came first, as a stable sort followed by a cut would.
import type { Row } from '../storage/ports.js';

export class RowHeap {
  readonly #cmp: (a: Row, b: Row) => number;
  readonly #limit: number;
  /** Heap rows and their arrival numbers, in parallel (no pair object per kept row). */
  readonly #rows: Row[] = [];
  readonly #seqs: number[] = [];
  #seq = 0;

  constructor(cmp: (a: Row, b: Row) => number, limit: number) {
    this.#cmp = cmp;
    this.#limit = limit;
  }

  /** Whether heap entry i orders after entry j (later arrival breaks a tie). */
  #worse(i: number, j: number): boolean {
    const d = this.#cmp(this.#rows[i]!, this.#rows[j]!);
    return d > 0 || (d === 0 && this.#seqs[i]! > this.#seqs[j]!);
  }

  #swap(i: number, j: number): void {
    const rows = this.#rows;
    const seqs = this.#seqs;
    const r = rows[i]!;
    rows[i] = rows[j]!;
    rows[j] = r;
    const s = seqs[i]!;
    seqs[i] = seqs[j]!;
    seqs[j] = s;
  }

  offer(row: Row): void {
    const seq = this.#seq++;
    const rows = this.#rows;
    const n = rows.length;
    if (n < this.#limit) {
      rows.push(row);
      this.#seqs.push(seq);
      for (let i = n; i > 0; ) {
        const p = (i - 1) >> 1;
        if (!this.#worse(i, p)) break;
        this.#swap(i, p);
        i = p;
      }
      return;
    }
    // Full (or limit 0): only a row strictly better than the worst kept one gets in.
    if (n === 0 || this.#cmp(row, rows[0]!) >= 0) return;
    rows[0] = row;
    this.#seqs[0] = seq;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const w = r < n && this.#worse(r, l) ? r : l;
      if (!this.#worse(w, i)) break;
      this.#swap(i, w);
      i = w;
    }
  }

  /** The kept rows, best first. */
  sorted(): Row[] {
    const order = this.#rows.map((_, i) => i);
    order.sort((a, b) => this.#cmp(this.#rows[a]!, this.#rows[b]!) || this.#seqs[a]! - this.#seqs[b]!);
    return order.map((i) => this.#rows[i]!);
  }
}
