// Results of read-only SELECTs run in autocommit, keyed by user, statement shape and parameters.
// An entry carries the DataVersions stamp of its tables taken before the statement read anything:
// a commit that wrote one of them since moves its counter, and the entry is dropped at its next
// lookup, so a cached result is never older than the latest commit of the tables it depends on.
import type { DataVersions } from './data-versions.js';

export interface CachedResult {
  readonly command: string;
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly rows: readonly (readonly unknown[])[];
}

interface Entry {
  readonly result: CachedResult;
  readonly tables: readonly string[];
  readonly stamp: readonly number[];
  readonly global: number;
}

export interface ResultCacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly invalidations: number;
  readonly size: number;
  readonly capacity: number;
}

export class ResultCache {
  readonly #entries = new Map<string, Entry>();
  readonly #versions: DataVersions;
  readonly #capacity: number;
  /** Results with more rows are not kept (they would crowd out everything else). */
  readonly maxRows: number;
  hits = 0;
  misses = 0;
  invalidations = 0;

  constructor(versions: DataVersions, capacity: number, maxRows = 10_000) {
    this.#versions = versions;
    this.#capacity = capacity;
    this.maxRows = maxRows;
  }

  get enabled(): boolean {
    return this.#capacity > 0;
  }

  get(key: string): CachedResult | undefined {
    const e = this.#entries.get(key);
    if (e === undefined) {
      this.misses++;
      return undefined;
    }
    if (!this.#versions.isCurrent(e.tables, e.stamp, e.global)) {
      this.#entries.delete(key);
      this.invalidations++;
      this.misses++;
      return undefined;
    }
    // LRU: a hit moves the entry to the young end.
    this.#entries.delete(key);
    this.#entries.set(key, e);
    this.hits++;
    return e.result;
  }

  /** The stamp to take before the statement runs. */
  stamp(tables: readonly string[]): { readonly stamp: number[]; readonly global: number } {
    return { stamp: this.#versions.stamp(tables), global: this.#versions.global };
  }

  put(key: string, tables: readonly string[], taken: { readonly stamp: readonly number[]; readonly global: number }, result: CachedResult): void {
    if (this.#capacity <= 0 || result.rows.length > this.maxRows) return;
    // Already stale (a commit landed while it ran): keeping it would only cost a lookup.
    if (!this.#versions.isCurrent(tables, taken.stamp, taken.global)) return;
    this.#entries.delete(key);
    this.#entries.set(key, { result, tables, stamp: taken.stamp, global: taken.global });
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  clear(): void {
    this.#entries.clear();
  }

  stats(): ResultCacheStats {
    return { hits: this.hits, misses: this.misses, invalidations: this.invalidations, size: this.#entries.size, capacity: this.#capacity };
  }
}
