// What the planner guesses of a table's indexed columns before ANALYZE has run: rows per value
// from the two ends of each index (runs of equal leading values in a few hundred entries). Without
// it an equality on any indexed column was taken to match a tenth of the table, so a join on a
// selective non-unique column hashed the whole inner table where one probe per outer row would do.
// A column whose sampled runs are long (few values) gets no guess: the cautious default stays.
import type { ColumnStatistics, TableStatistics } from './admin/analyze.js';
import type { IndexCursor, KeyRange, ReadView, SqlValue, TableDef } from '../storage/ports.js';

/** Entries read at each end of an index. */
const SAMPLE = 128;
/** Tables smaller than this keep the default estimates (every path is cheap there). */
const MIN_ROWS = 1024;
/** Distinct leading values a side's sample must show for its runs to say anything. */
const MIN_DISTINCT = 8;

const NON_NULL: KeyRange = { lower: [null], lowerInclusive: false };
const NULLS: KeyRange = { lower: [null], lowerInclusive: true, upper: [null], upperInclusive: true };

/** Guesses kept per table definition, redone when the row count has moved by half or more. */
const cache = new WeakMap<TableDef, { readonly rows: number; readonly stats: TableStatistics }>();

function key(v: SqlValue): unknown {
  return typeof v === 'number' && Number.isInteger(v) ? v : typeof v === 'bigint' ? Number(v) : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v;
}

/** Leading values of up to SAMPLE entries of `c` (closed after). */
function leading(c: IndexCursor): SqlValue[] {
  const out: SqlValue[] = [];
  try {
    while (out.length < SAMPLE && c.next() !== undefined) out.push(c.indexKey[0] ?? null);
  } finally {
    c.close();
  }
  return out;
}

/** Rows per value and NULL fraction of an index's leading column, or undefined when unclear. */
function sampleIndex(view: ReadView, table: string, index: string, rows: number): { distinct: number; nullFraction: number } | undefined {
  const nulls = leading(view.scanIndex(table, index, NULLS)).length;
  const front = leading(view.scanIndex(table, index, NON_NULL));
  // A front sample that reached the end saw every non-NULL entry: the back would repeat it.
  const back = front.length < SAMPLE ? [] : leading(view.scanIndex(table, index, NON_NULL, true));
  const sides = back.length > 0 ? [front, back] : [front];
  let entries = 0;
  let values = 0;
  for (const side of sides) {
    const d = new Set(side.map(key)).size;
    if (d < MIN_DISTINCT && side.length >= SAMPLE) return undefined;
    entries += side.length;
    values += d;
  }
  if (values === 0) return undefined;
  const nullFraction = nulls < SAMPLE ? nulls / rows : 0;
  const nonNull = Math.max(1, rows * (1 - nullFraction));
  return { distinct: Math.max(1, Math.round(nonNull / (entries / values))), nullFraction };
}

/** Sampled statistics of `table`'s indexed leading columns, or undefined (small table, no index). */
export function sampledStatistics(view: ReadView, table: string): TableStatistics | undefined {
  const def = view.getTable(table);
  if (def === undefined || def.indexes.length === 0) return undefined;
  const rows = view.rowCount(table);
  if (rows < MIN_ROWS) return undefined;
  const hit = cache.get(def);
  if (hit !== undefined && rows < hit.rows * 1.5 && rows > hit.rows / 1.5) return hit.stats;
  const columns: ColumnStatistics[] = [];
  const done = new Set<number>();
  for (const ix of def.indexes) {
    const col = ix.columns[0];
    if (col === undefined || done.has(col)) continue;
    done.add(col);
    const s = sampleIndex(view, def.name, ix.name, rows);
    if (s !== undefined) columns.push({ name: def.columns[col]!.name, distinct: s.distinct, nullFraction: s.nullFraction, min: null, max: null });
  }
  const stats: TableStatistics = { table: def.name, rowCount: rows, columns, analyzedAt: 0 };
  cache.set(def, { rows, stats });
  return stats;
}
