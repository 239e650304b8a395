// Compiled plans by statement shape. An entry is valid while every table it depends on still has
// the schema version it was compiled at; a bounded LRU (Map insertion order) keeps it small.
import type { CompiledStatement } from '../execution/types.js';
import type { SchemaVersions } from './schema-versions.js';

interface Entry {
  readonly plan: CompiledStatement;
  readonly deps: readonly string[];
  readonly versions: readonly number[];
  readonly global: number;
}

export class PlanCache {
  readonly #entries = new Map<string, Entry>();
  readonly #versions: SchemaVersions;
  readonly #capacity: number;
  hits = 0;
  misses = 0;

  constructor(versions: SchemaVersions, capacity = 1000) {
    this.#versions = versions;
    this.#capacity = capacity;
  }

  get(key: string): CompiledStatement | undefined {
    const e = this.#entries.get(key);
    if (e === undefined) {
      this.misses++;
      return undefined;
    }
    if (!this.isCurrent(e)) {
      this.#entries.delete(key);
      this.misses++;
      return undefined;
    }
    this.hits++;
    return e.plan;
  }

  isCurrent(e: { readonly deps: readonly string[]; readonly versions: readonly number[]; readonly global: number }): boolean {
    if (e.global !== this.#versions.global) return false;
    for (let i = 0; i < e.deps.length; i++) {
      if (this.#versions.get(e.deps[i] as string) !== e.versions[i]) return false;
    }
    return true;
  }

  /** A stamp of the current schema versions of a plan's dependencies. */
  stamp(plan: CompiledStatement): Entry {
    const deps = plan.dependsOn;
    return { plan, deps, versions: deps.map((d) => this.#versions.get(d)), global: this.#versions.global };
  }

  put(key: string, plan: CompiledStatement): void {
    if (this.#capacity <= 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, this.stamp(plan));
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
