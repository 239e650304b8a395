// The counters behind SERIAL columns. Like PostgreSQL's sequences they live outside transactions:
// a value handed out is never handed out again by this database (a rolled-back insert leaves a
// gap), so concurrent inserters never conflict on it. A counter starts, the first time it is
// asked for after the database opens, past the largest value the column holds in the asking
// transaction's view; nothing else is stored.
import type { ReadView } from './ports.js';

function numeric(v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.floor(v);
  if (typeof v === 'bigint') return Number(v);
  return 0;
}

export class SerialCounters {
  readonly #next = new Map<string, number>();

  /** The next value of column `column` of `table`. */
  next(view: ReadView, table: string, column: number): number {
    const key = `${table.toLowerCase()}\u0000${column}`;
    let n = this.#next.get(key);
    if (n === undefined) n = SerialCounters.#largest(view, table, column) + 1;
    this.#next.set(key, n + 1);
    return n;
  }

  /** A dropped table's counters go with it (a table made again under its name starts afresh). */
  drop(table: string): void {
    const prefix = `${table.toLowerCase()}\u0000`;
    for (const k of [...this.#next.keys()]) if (k.startsWith(prefix)) this.#next.delete(k);
  }

  static #largest(view: ReadView, table: string, column: number): number {
    const def = view.getTable(table);
    if (def === undefined) return 0;
    if (def.primaryKey.length === 1 && def.primaryKey[0] === column) {
      // The key's last entry holds the largest value.
      const c = view.scanTable(table, undefined, true);
      try {
        return c.next() === undefined ? 0 : Math.max(0, numeric(c.key[0]));
      } finally {
        c.close();
      }
    }
    let max = 0;
    const c = view.scanTable(table);
    try {
      for (let r = c.next(); r !== undefined; r = c.next()) max = Math.max(max, numeric(r[column]));
    } finally {
      c.close();
    }
    return max;
  }
}
