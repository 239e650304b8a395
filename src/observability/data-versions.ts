// A counter per table, bumped after a commit that wrote the table (or changed its schema) has been
// published. Whatever was computed from committed data remembers the counters of its tables from
// before it read; a counter that moved since means a commit may have changed what it read.
export class DataVersions {
  readonly #versions = new Map<string, number>();
  #clock = 0;
  #global = 0;

  get(name: string): number {
    return this.#versions.get(name) ?? 0;
  }

  /** Bumped by commits whose tables are not known (everything is stale). */
  get global(): number {
    return this.#global;
  }

  bump(names: Iterable<string>): void {
    for (const n of names) this.#versions.set(n.toLowerCase(), ++this.#clock);
  }

  bumpAll(): void {
    this.#global = ++this.#clock;
  }

  stamp(names: readonly string[]): number[] {
    const out = new Array<number>(names.length);
    for (let i = 0; i < names.length; i++) out[i] = this.get(names[i] as string);
    return out;
  }

  isCurrent(names: readonly string[], stamp: readonly number[], global: number): boolean {
    if (global !== this.#global) return false;
    for (let i = 0; i < names.length; i++) if (this.get(names[i] as string) !== stamp[i]) return false;
    return true;
  }
}

/**
 * The tables each open transaction has written (by its statements' metadata); on commit they are
 * bumped in DataVersions, on rollback forgotten. A statement undone inside the transaction leaves
 * its tables listed: that only costs a needless invalidation.
 */
export class WriteTracker {
  readonly #byTxn = new Map<number, Set<string>>();
  readonly #versions: DataVersions;

  constructor(versions: DataVersions) {
    this.#versions = versions;
  }

  note(txnId: number, tables: readonly string[]): void {
    let s = this.#byTxn.get(txnId);
    if (s === undefined) {
      s = new Set();
      this.#byTxn.set(txnId, s);
    }
    for (const t of tables) s.add(t.toLowerCase());
  }

  /** A write whose tables are unknown: the commit makes every cached result stale. */
  noteUnknown(txnId: number): void {
    this.note(txnId, ['\u0000all']);
  }

  /** Called once the commit is durable and published (or the transaction is gone). */
  end(txnId: number, committed: boolean): void {
    const s = this.#byTxn.get(txnId);
    if (s === undefined) return;
    this.#byTxn.delete(txnId);
    if (!committed) return;
    if (s.has('\u0000all')) this.#versions.bumpAll();
    this.#versions.bump(s);
  }

  get open(): number {
    return this.#byTxn.size;
  }
}
