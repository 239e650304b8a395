// A version number per table (or view) name, bumped by every schema change that touches it.
// Cached plans remember the versions they were compiled at; a mismatch means recompile.

export class SchemaVersions {
  readonly #versions = new Map<string, number>();
  #clock = 0;

  get(name: string): number {
    return this.#versions.get(name) ?? 0;
  }

  bump(names: Iterable<string>): void {
    for (const n of names) this.#versions.set(n.toLowerCase(), ++this.#clock);
  }

  /** A schema change whose names are unknown (a rolled-back DDL batch): everything is stale. */
  bumpAll(): void {
    for (const n of this.#versions.keys()) this.#versions.set(n, ++this.#clock);
    this.#global = ++this.#clock;
  }

  #global = 0;
  get global(): number {
    return this.#global;
  }
}
