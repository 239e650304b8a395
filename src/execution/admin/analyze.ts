// ANALYZE [table]: per table, the row count and per column the number of distinct values, the
// fraction of NULLs, the minimum and the maximum, stored in the catalog as meta 'stats:<table>'
// inside the statement's transaction. The scan runs in bounded steps like any execution, so a
// long ANALYZE yields to the event loop and can be cancelled.
//
// The planner reads them through tableStatistics(view, table): for example the selectivity of
// `col = $1` is about 1 / distinct (times 1 - nullFraction), and of `col < x` about
// (x - min) / (max - min) for numbers; a join's build side is the one with fewer rows.
import { compareValues } from '../../storage/key-order.js';
import type { ReadView, Row, RowCursor, SqlValue, WriteTxn } from '../../storage/ports.js';
import type { Execution, ResultColumn } from '../types.js';

export interface ColumnStatistics {
  readonly name: string;
  readonly distinct: number;
  readonly nullFraction: number;
  readonly min: SqlValue;
  readonly max: SqlValue;
}

export interface TableStatistics {
  readonly table: string;
  readonly rowCount: number;
  readonly columns: readonly ColumnStatistics[];
  /** Date.now() when ANALYZE ran. */
  readonly analyzedAt: number;
}

export const statsKey = (table: string): string => `stats:${table.toLowerCase()}`;

/** The statistics of the last committed (or this transaction's) ANALYZE of the table, if any. */
export function tableStatistics(view: ReadView, table: string): TableStatistics | undefined {
  return (view.getMeta(statsKey(table)) ?? undefined) as TableStatistics | undefined;
}

export const ANALYZE_COLUMNS: readonly ResultColumn[] = [
  { name: 'table', type: 'text' },
  { name: 'rows', type: 'integer' },
];

const ROWS_PER_STEP = 4096;

/** A value as a Set key: distinct SQL values map to distinct strings. */
function distinctKey(v: SqlValue): unknown {
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? `n${v}` : v;
  if (typeof v === 'bigint') return `n${v}`;
  if (v instanceof Uint8Array) return `b${Buffer.from(v).toString('hex')}`;
  return v;
}

class ColumnAccumulator {
  readonly distinct = new Set<unknown>();
  nulls = 0;
  min: SqlValue = null;
  max: SqlValue = null;

  add(v: SqlValue): void {
    if (v === null || v === undefined) {
      this.nulls++;
      return;
    }
    this.distinct.add(distinctKey(v));
    if (this.min === null || compareValues(v, this.min) < 0) this.min = v;
    if (this.max === null || compareValues(v, this.max) > 0) this.max = v;
  }
}

export class AnalyzeExecution implements Execution {
  readonly #txn: WriteTxn;
  readonly #tables: string[];
  readonly #checkInterrupt: () => void;
  #cursor: RowCursor | null = null;
  #acc: ColumnAccumulator[] = [];
  #rows = 0;
  rowsAffected = 0;

  /** `tables`: the table ANALYZE names, or every table when none. */
  constructor(txn: WriteTxn, tables: readonly string[], checkInterrupt: () => void) {
    this.#txn = txn;
    this.#tables = [...tables];
    this.#checkInterrupt = checkInterrupt;
  }

  step(): Row[] | null {
    const table = this.#tables[0];
    if (table === undefined) return null;
    const def = this.#txn.getTable(table);
    if (def === undefined) {
      this.#tables.shift();
      return [];
    }
    if (this.#cursor === null) {
      this.#cursor = this.#txn.scanTable(table);
      this.#acc = def.columns.map(() => new ColumnAccumulator());
      this.#rows = 0;
    }
    const acc = this.#acc;
    for (let n = 0; n < ROWS_PER_STEP; n++) {
      const row = this.#cursor.next();
      if (row === undefined) {
        this.#cursor = null;
        this.#tables.shift();
        const stats: TableStatistics = {
          table: def.name,
          rowCount: this.#rows,
          columns: def.columns.map((c, i) => {
            const a = acc[i] as ColumnAccumulator;
            return {
              name: c.name,
              distinct: a.distinct.size,
              nullFraction: this.#rows === 0 ? 0 : a.nulls / this.#rows,
              min: a.min,
              max: a.max,
            };
          }),
          analyzedAt: Date.now(),
        };
        this.#txn.setMeta(statsKey(def.name), stats);
        return [[def.name, this.#rows]];
      }
      this.#rows++;
      for (let i = 0; i < acc.length; i++) (acc[i] as ColumnAccumulator).add(row[i] as SqlValue);
      if ((n & 1023) === 1023) this.#checkInterrupt();
    }
    return [];
  }

  close(): void {
    this.#cursor?.close();
    this.#cursor = null;
  }
}

/** Fraction of rows the planner can expect `column = value` to keep (1 / distinct, NULLs excluded). */
export function equalitySelectivity(stats: TableStatistics, column: string): number | undefined {
  const c = stats.columns.find((x) => x.name.toLowerCase() === column.toLowerCase());
  if (c === undefined || stats.rowCount === 0) return undefined;
  if (c.distinct === 0) return 0;
  return (1 - c.nullFraction) / c.distinct;
}

/**
 * Fraction of rows the planner can expect `lower <= column <= upper` to keep, assuming numbers
 * spread evenly between min and max (either bound may be null: open). undefined when unknown.
 */
export function rangeSelectivity(stats: TableStatistics, column: string, lower: number | null, upper: number | null): number | undefined {
  const c = stats.columns.find((x) => x.name.toLowerCase() === column.toLowerCase());
  if (c === undefined || typeof c.min !== 'number' || typeof c.max !== 'number') return undefined;
  const lo = Math.max(lower ?? c.min, c.min);
  const hi = Math.min(upper ?? c.max, c.max);
  if (hi < lo) return 0;
  const span = c.max - c.min;
  const covered = span === 0 ? 1 : (hi - lo) / span;
  return Math.min(1, Math.max(0, covered)) * (1 - c.nullFraction);
}
