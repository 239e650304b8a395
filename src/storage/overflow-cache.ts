// Decoded large rows by the first page of their overflow run, least recently read first out.
import type { OverflowRef } from './node.js';
import type { Row } from './ports.js';

/**
 * Bounded in pages. Entries go when their first page id is handed out again (or a failed stage
 * gives fresh ids back).
 */
export class OverflowCache {
  readonly #rows = new Map<number, { readonly row: Row; readonly pages: number }>();
  #pages = 0;

  /** The cached row of the run starting at `first`, now the most recently read. */
  get(first: number): Row | undefined {
    const cache = this.#rows;
    const hit = cache.get(first);
    if (hit === undefined) return undefined;
    cache.delete(first);
    cache.set(first, hit);
    return hit.row;
  }

  /** Caches a run's row if the run is at most `limit` pages, then evicts back under `limit`. */
  add(ref: OverflowRef, row: Row, limit: number): void {
    const cache = this.#rows;
    if (ref.c <= limit) {
      cache.set(ref.o, { row, pages: ref.c });
      this.#pages += ref.c;
      for (const [o, e] of cache) {
        if (this.#pages <= limit) break;
        cache.delete(o);
        this.#pages -= e.pages;
      }
    }
  }

  /** Page `id` is handed out again: a run it started is gone. */
  forget(id: number): void {
    const e = this.#rows.get(id);
    if (e !== undefined) {
      this.#rows.delete(id);
      this.#pages -= e.pages;
    }
  }

  /** Drops the runs starting at or after `pageCount` (ids a failed stage gives back). */
  forgetFrom(pageCount: number): void {
    for (const [o, e] of [...this.#rows]) {
      if (o >= pageCount) {
        this.#pages -= e.pages;
        this.#rows.delete(o);
      }
    }
  }

  clear(): void {
    this.#rows.clear();
    this.#pages = 0;
  }
}
