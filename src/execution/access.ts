// Access paths: how one table's rows are fetched — whole-table scan, primary-key lookups or
// ranges, or secondary-index lookups/ranges followed by getRow. Bounds are closures evaluated
// per open (against the left row for index nested-loop joins), and the table's filter is always
// re-applied on top, so a path only narrows what is read.
import { equalitySelectivity, type TableStatistics } from './admin/analyze.js';
import type { IndexDef, Key, KeyRange, ReadView, Row, RowCursor, IndexCursor, SqlValue, TableDef } from '../storage/ports.js';
import type { Eval, Frame } from './runtime.js';
import { isNumericType } from './values.js';
import { compareValues } from '../storage/key-order.js';

export interface Bound {
  readonly ev: Eval;
  readonly inclusive: boolean;
}

export interface AccessPath {
  /** Index name, or null for the table's own (primary-key) order. */
  readonly index: string | null;
  /** Table positions of the key columns of the tree being read (pk or index columns). */
  readonly keyColumns: readonly number[];
  /** Equality prefix: one closure per leading key column. */
  readonly eq: readonly Eval[];
  /** Per eq entry, the conjunct it came from (Sarg.source), so a lookup can skip re-checking it. */
  readonly eqSources?: readonly (object | undefined)[];
  /** IN list on the first key column (instead of eq): one point per value. */
  readonly inList: readonly Eval[] | null;
  /** Range on the key column right after the equality prefix. */
  readonly lower: Bound | null;
  readonly upper: Bound | null;
  /** Read in descending key order (set by the planner when that gives ORDER BY ... DESC). */
  reverse: boolean;
  /**
   * A whole-index read in order whose first column's NULLs (first in the index) belong at the
   * other end of the ORDER BY: the non-NULL keys are read, then the NULL ones (reversed: the
   * other way round). Set by the planner.
   */
  nullsApart?: boolean;
  /**
   * An index read whose query reads no column beyond the index's and the primary key's: rows
   * are made from the index entries, not looked up in the table. Set by the planner.
   */
  indexOnly?: boolean;
  /**
   * Rows are expected in the path's order (ORDER BY without a sort, a streamed window or group).
   * Set by the planner.
   */
  ordered?: boolean;
  /**
   * The path reads a query's first table (not the inner side of a join): in a statement's own
   * query (not a subquery run per outer row), a range of its secondary index that turns out at
   * run time to cover much of the table is read as a whole-table scan instead (rangeIsLarge).
   * Set by the planner.
   */
  outermost?: boolean;
  /** Rough number of rows the path reads (for join ordering). */
  readonly estimate: number;
  readonly describe: string;
}

/** Whether a path reads the whole table forwards, in primary-key order, with no bound. */
export function isPlainScan(p: AccessPath | null): p is AccessPath {
  return p !== null && p.index === null && p.eq.length === 0 && p.inList === null && p.lower === null && p.upper === null && !p.reverse;
}

export function fullScan(table: TableDef, rows: number, reverse = false): AccessPath {
  return {
    index: null,
    keyColumns: table.primaryKey,
    eq: [],
    inList: null,
    lower: null,
    upper: null,
    reverse,
    estimate: rows,
    describe: `Seq Scan on ${table.name}${reverse ? ' (reverse)' : ''}`,
  };
}

/** One conjunct in a usable shape: `col op expr` where expr does not depend on this table. */
export interface Sarg {
  readonly column: number;
  readonly op: '=' | '<' | '<=' | '>' | '>=' | 'in';
  readonly values: readonly Eval[];
  /** The conjunct this shape was read from (the planner's own object; opaque here). */
  readonly source?: object;
}

function candidatePath(
  table: TableDef,
  index: IndexDef | null,
  cols: readonly number[],
  sargs: readonly Sarg[],
  rows: number,
  stats?: TableStatistics,
): AccessPath | null {
  if (cols.length === 0) return null;
  const eq: Eval[] = [];
  const eqSources: (object | undefined)[] = [];
  let inList: Eval[] | null = null;
  let lower: Bound | null = null;
  let upper: Bound | null = null;
  let i = 0;
  for (; i < cols.length; i++) {
    const c = cols[i]!;
    const e = sargs.find((s) => s.column === c && s.op === '=');
    if (e === undefined) break;
    eq.push(e.values[0]!);
    eqSources.push(e.source);
  }
  if (eq.length === 0) {
    const inS = sargs.find((s) => s.column === cols[0] && s.op === 'in');
    if (inS !== undefined) inList = [...inS.values];
  }
  if (inList === null && i < cols.length) {
    const c = cols[i]!;
    for (const s of sargs) {
      if (s.column !== c) continue;
      if ((s.op === '>' || s.op === '>=') && lower === null) lower = { ev: s.values[0]!, inclusive: s.op === '>=' };
      if ((s.op === '<' || s.op === '<=') && upper === null) upper = { ev: s.values[0]!, inclusive: s.op === '<=' };
    }
  }
  if (eq.length === 0 && inList === null && lower === null && upper === null) return null;
  const unique = index === null ? true : index.unique;
  let estimate: number;
  if (eq.length === cols.length && unique) estimate = 1;
  else if (inList !== null) estimate = inList.length * (unique && cols.length === 1 ? 1 : Math.max(1, rows / 10));
  else if (eq.length > 0) {
    // With ANALYZE statistics: 1 / distinct values per equality column; without: a tenth each.
    let sel = 1;
    for (let k = 0; k < eq.length; k++) {
      const known = stats === undefined ? undefined : equalitySelectivity(stats, table.columns[cols[k]!]!.name);
      sel *= known ?? (k < 3 ? 0.1 : 1);
    }
    estimate = Math.max(1, rows * sel) * (lower || upper ? 0.3 : 1);
  }
  else estimate = Math.max(1, rows / (lower !== null && upper !== null ? 8 : 3));
  // Index paths pay a getRow per entry.
  if (index !== null) estimate *= 1.2;
  const colNames = cols.map((c) => table.columns[c]!.name);
  const parts: string[] = [];
  for (let k = 0; k < eq.length; k++) parts.push(`${colNames[k]} = ?`);
  if (inList !== null) parts.push(`${colNames[0]} IN (${inList.length})`);
  if (lower !== null) parts.push(`${colNames[eq.length]} ${lower.inclusive ? '>=' : '>'} ?`);
  if (upper !== null) parts.push(`${colNames[eq.length]} ${upper.inclusive ? '<=' : '<'} ?`);
  const how = index === null ? `Primary Key Lookup on ${table.name}` : `Index Scan using ${index.name} on ${table.name}`;
  return {
    index: index?.name ?? null,
    keyColumns: cols,
    eq,
    eqSources,
    inList,
    lower,
    upper,
    reverse: false,
    estimate,
    describe: `${how} (${parts.join(' AND ')})`,
  };
}

/** The cheapest path for these usable conjuncts; a full scan when none helps. */
export function choosePath(table: TableDef, sargs: readonly Sarg[], rows: number, stats?: TableStatistics): AccessPath {
  let best: AccessPath = fullScan(table, rows);
  const consider = (p: AccessPath | null): void => {
    if (p !== null && p.estimate < best.estimate) best = p;
  };
  if (sargs.length === 0) return best;
  consider(candidatePath(table, null, table.primaryKey, sargs, rows, stats));
  for (const ix of table.indexes) consider(candidatePath(table, ix, ix.columns, sargs, rows, stats));
  return best;
}

export const NULL_BOUND = Symbol('null');
export const MISMATCH = Symbol('mismatch');
export type Fitted = SqlValue | typeof NULL_BOUND | typeof MISMATCH;

/**
 * Makes a bound value comparable with the key column in the key order. A text bound on a number
 * column is converted; a bound that cannot be ordered like the column (a number against text)
 * is a mismatch: the reader then scans everything and lets the filter decide, so the result never
 * depends on the path chosen.
 */
export function fitBound(v: SqlValue, numericCol: boolean): Fitted {
  if (v === null) return NULL_BOUND;
  if (numericCol) {
    if (typeof v === 'number' || typeof v === 'bigint') return v;
    if (typeof v === 'string') {
      const n = Number(v.trim());
      return Number.isNaN(n) || v.trim() === '' ? MISMATCH : n;
    }
    return MISMATCH;
  }
  if (typeof v === 'number' || typeof v === 'bigint') return MISMATCH;
  return v;
}

/**
 * Whether a range on a secondary index's first column holds so much of the table that reading
 * the whole table (in place, the filter deciding) costs less: an entry read and its row looked up
 * costs ~20 rows of a table scan, an index-only entry ~3 (a row is made for it). Literals are
 * parameters to the planner, so it can only guess a range's share (a third); here the bounds are
 * known and the index's first and last values give the share, taking the values as uniform.
 */
function rangeIsLarge(view: ReadView, table: string, p: AccessPath, lower: SqlValue | undefined, upper: SqlValue | undefined): boolean {
  const rows = view.rowCount(table);
  if (rows < LARGE_RANGE_MIN_ROWS) return false;
  const lo = firstIndexValue(view, table, p.index!, false);
  const hi = firstIndexValue(view, table, p.index!, true);
  if (typeof lo !== 'number' || typeof hi !== 'number' || !(hi > lo)) return false;
  const a = typeof lower === 'number' ? Math.max(lower, lo) : lower === undefined ? lo : null;
  const b = typeof upper === 'number' ? Math.min(upper, hi) : upper === undefined ? hi : null;
  if (a === null || b === null) return false;
  const share = Math.max(0, b - a) / (hi - lo);
  return share > (p.indexOnly === true ? 0.35 : 0.1);
}
const LARGE_RANGE_MIN_ROWS = 2048;
const NON_NULL: KeyRange = { lower: [null], lowerInclusive: false };

/** The smallest (or largest) non-NULL value of an index's first column, or undefined when none. */
function firstIndexValue(view: ReadView, table: string, index: string, last: boolean): SqlValue | undefined {
  const c = view.scanIndex(table, index, NON_NULL, last);
  try {
    return c.next() === undefined ? undefined : c.indexKey[0];
  } finally {
    c.close();
  }
}

/**
 * A function making a table row from an index entry (indexed values, then the table key): those
 * columns set, NULL elsewhere. Generated as one array literal, so each row is allocated at its
 * size and packed; copying a row of NULLs and storing into it cost ~3 times as much per entry.
 */
function entryRowMaker(table: TableDef, ixCols: readonly number[]): (e: Key) => Row {
  const at = new Array<number>(table.columns.length).fill(-1);
  ixCols.forEach((c, i) => (at[c] = i));
  table.primaryKey.forEach((c, i) => (at[c] = ixCols.length + i));
  const src = `return [${at.map((i) => (i < 0 ? 'null' : `e[${i}]`)).join(', ')}];`;
  // One function per layout for the process: a new one per execution would start cold each time.
  let make = ENTRY_ROW_MAKERS.get(src);
  if (make === undefined) {
    make = new Function('e', src) as (e: Key) => Row;
    ENTRY_ROW_MAKERS.set(src, make);
  }
  return make;
}
const ENTRY_ROW_MAKERS = new Map<string, (e: Key) => Row>();

/**
 * The key a path of equalities looks up for `left`: the whole primary key, or a prefix of an
 * index's columns (not index-only); null when a NULL among the values finds no row; undefined
 * when the path is of another kind or a value does not fit its column (TableReader then reads as
 * it would).
 */
export function equalityPoint(table: TableDef, path: AccessPath, left: Row, f: Frame): Key | null | undefined {
  const eq = path.eq;
  if (path.inList !== null || path.lower !== null || path.upper !== null || eq.length === 0) return undefined;
  if (path.index === null ? eq.length !== path.keyColumns.length : path.indexOnly === true) return undefined;
  return equalityValues(table, path, left, f);
}

/**
 * The values of a path's equalities for `left`, each fitted to its key column: null when one is
 * NULL (no row can match), undefined when one does not fit its column (read the whole table).
 */
function equalityValues(table: TableDef, path: AccessPath, left: Row, f: Frame): SqlValue[] | null | undefined {
  const eq = path.eq;
  const key: SqlValue[] = new Array(eq.length);
  for (let i = 0; i < eq.length; i++) {
    const c = path.keyColumns[i];
    const v = fitBound(eq[i]!(left, f), c !== undefined && isNumericType(table.columns[c]!.type));
    if (v === NULL_BOUND) return null;
    if (v === MISMATCH) return undefined;
    key[i] = v;
  }
  return key;
}

/** Pulls raw table rows along an access path; `keys` receives each row's table key when asked. */
export class TableReader {
  readonly #table: TableDef;
  readonly #path: AccessPath;
  readonly #f: Frame;
  readonly #wantKey: boolean;
  #points: Key[] | null = null;
  #pointIdx = 0;
  #rowCursor: RowCursor | null = null;
  #indexCursor: IndexCursor | null = null;
  #fullKeyPoints = false;
  /** Ranges of the same index read after the current cursor's, in order (see nullsApart). */
  #segments: KeyRange[] | null = null;
  #done = false;
  #started = false;
  #ixCols: readonly number[] | null = null;
  /** Scratch for bulk index reads (entries shared with the tree). */
  #entries: Key[] | null = null;
  /** Makes an index-only row from a whole entry key. */
  #rowOfEntry: ((e: Key) => Row) | null = null;
  readonly #left: Row;

  constructor(table: TableDef, path: AccessPath, left: Row, f: Frame, wantKey: boolean) {
    this.#table = table;
    this.#path = path;
    this.#f = f;
    this.#left = left;
    this.#wantKey = wantKey;
  }

  #numericCol(pos: number): boolean {
    const c = this.#path.keyColumns[pos];
    return c !== undefined && isNumericType(this.#table.columns[c]!.type);
  }

  #start(): void {
    this.#started = true;
    const p = this.#path;
    const f = this.#f;
    const left = this.#left;
    const view = f.ctx.view;
    if (p.index !== null) f.ctx.counters.indexesUsed.add(p.index);
    if (p.eq.length === 0 && p.inList === null && p.lower === null && p.upper === null) {
      // A whole index read in order (ORDER BY ... LIMIT), or the whole table.
      if (p.index !== null && p.nullsApart === true) {
        const nonNull: KeyRange = { lower: [null], lowerInclusive: false };
        const nulls: KeyRange = { lower: [null], lowerInclusive: true, upper: [null], upperInclusive: true };
        this.#segments = [p.reverse ? nonNull : nulls];
        this.#indexCursor = view.scanIndex(this.#table.name, p.index, p.reverse ? nulls : nonNull, p.reverse);
      } else if (p.index !== null) this.#indexCursor = view.scanIndex(this.#table.name, p.index, undefined, p.reverse);
      else this.#rowCursor = view.scanTable(this.#table.name, undefined, p.reverse);
      return;
    }
    const full = (): void => {
      this.#rowCursor = view.scanTable(this.#table.name, undefined, p.reverse);
    };
    const prefix = equalityValues(this.#table, p, left, f);
    if (prefix === null) {
      this.#done = true;
      return;
    }
    if (prefix === undefined) return full();
    if (p.inList !== null) {
      const pts: Key[] = [];
      const seen = new Set<SqlValue>();
      for (const e of p.inList) {
        const v = fitBound(e(left, f), this.#numericCol(0));
        if (v === MISMATCH) return full();
        if (v === NULL_BOUND || seen.has(v)) continue;
        seen.add(v);
        pts.push([v]);
      }
      pts.sort((a, b) => compareValues(a[0]!, b[0]!));
      this.#points = pts;
      this.#fullKeyPoints = p.index === null && p.keyColumns.length === 1;
      return;
    }
    if (p.lower === null && p.upper === null) {
      this.#points = [prefix];
      this.#fullKeyPoints = p.index === null && prefix.length === p.keyColumns.length;
      return;
    }
    let lower: Key | undefined = prefix.length > 0 ? prefix : undefined;
    let upper: Key | undefined = prefix.length > 0 ? prefix : undefined;
    let lowerInclusive = true;
    let upperInclusive = true;
    const rc = this.#numericCol(prefix.length);
    if (p.lower !== null) {
      const v = fitBound(p.lower.ev(left, f), rc);
      if (v === NULL_BOUND) {
        this.#done = true;
        return;
      }
      if (v === MISMATCH) return full();
      lower = [...prefix, v];
      lowerInclusive = p.lower.inclusive;
    }
    if (p.upper !== null) {
      const v = fitBound(p.upper.ev(left, f), rc);
      if (v === NULL_BOUND) {
        this.#done = true;
        return;
      }
      if (v === MISMATCH) return full();
      upper = [...prefix, v];
      upperInclusive = p.upper.inclusive;
    }
    const range = { lower, lowerInclusive, upper, upperInclusive };
    const mayScan = p.index !== null && p.outermost === true && p.ordered !== true && prefix.length === 0 && f.outer === null;
    if (mayScan && rangeIsLarge(view, this.#table.name, p, lower?.[0], upper?.[0])) {
      f.ctx.counters.indexesUsed.delete(p.index!);
      return full();
    }
    if (p.index === null) this.#rowCursor = view.scanTable(this.#table.name, range, p.reverse);
    else this.#indexCursor = view.scanIndex(this.#table.name, p.index, range, p.reverse);
  }

  /** Reads up to `max` rows; null when done. Keys (when wanted) go to `keys` in step. */
  read(max: number, keys: Key[] | null): Row[] | null {
    if (!this.#started) this.#start();
    if (this.#done) return null;
    const f = this.#f;
    const one = this.#rowCursor;
    if (one !== null && this.#points === null && (!this.#wantKey || keys === null) && one.nextBatch !== undefined) {
      // One range read in leaf runs, straight into an array of the batch's size (no growth).
      const rows = new Array<Row>(max);
      const n = one.nextBatch(rows, 0, max);
      if (n < max) {
        rows.length = n;
        one.close();
        this.#rowCursor = null;
        this.#done = true;
      }
      f.ctx.counters.rowsExamined += n;
      f.root.work += n + 1;
      return n === 0 ? null : rows;
    }
    const out: Row[] = [];
    const view = f.ctx.view;
    const t = this.#table.name;
    const wantKey = this.#wantKey && keys !== null;
    while (out.length < max) {
      const rc = this.#rowCursor;
      if (rc !== null && !wantKey && rc.nextBatch !== undefined) {
        // Whole runs of a leaf at once; a short count means the range is done.
        const want = max - out.length;
        if (rc.nextBatch(out, out.length, want) === want) continue;
        rc.close();
        this.#rowCursor = null;
        if (this.#points === null) {
          this.#done = true;
          break;
        }
        continue;
      }
      if (this.#rowCursor !== null) {
        const r = this.#rowCursor.next();
        if (r === undefined) {
          this.#rowCursor.close();
          this.#rowCursor = null;
          if (this.#points === null) {
            this.#done = true;
            break;
          }
          continue;
        }
        out.push(r);
        if (wantKey) keys!.push(this.#rowCursor.key);
        continue;
      }
      const ic = this.#indexCursor;
      if (ic !== null) {
        // Whole runs of index entries at once, read in place from the leaves.
        const want = max - out.length;
        const buf = (this.#entries ??= []);
        const got = ic.nextEntries(buf, want);
        this.#fromEntries(buf, got, out, wantKey ? keys : null);
        if (got === want) continue;
        // The cursor ran out (and closed itself): the next segment's, or the next point's.
        this.#indexCursor = null;
        const seg = this.#segments?.shift();
        if (seg !== undefined) {
          this.#indexCursor = view.scanIndex(t, this.#path.index!, seg, this.#path.reverse);
          continue;
        }
        if (this.#points === null) {
          this.#done = true;
          break;
        }
        continue;
      }
      const pts = this.#points;
      if (pts === null || this.#pointIdx >= pts.length) {
        this.#done = true;
        break;
      }
      const pt = pts[this.#pointIdx++]!;
      if (this.#fullKeyPoints) {
        const r = view.getRow(t, pt);
        if (r !== undefined) {
          out.push(r);
          if (wantKey) keys!.push(pt);
        }
      } else if (this.#path.index === null) {
        this.#rowCursor = view.scanTable(t, { lower: pt, lowerInclusive: true, upper: pt, upperInclusive: true }, this.#path.reverse);
      } else {
        // The rows of entries all in one leaf come from one descent and a lookup each, with no
        // cursor (an index join probes once per left row).
        if (!wantKey && this.#path.indexOnly !== true && view.probeIndex !== undefined) {
          const rows = view.probeIndex(t, this.#path.index, pt, this.#path.reverse);
          if (rows !== undefined) {
            for (let i = 0; i < rows.length; i++) out.push(rows[i]!);
            continue;
          }
        }
        this.#indexCursor = view.scanIndex(
          t,
          this.#path.index,
          { lower: pt, lowerInclusive: true, upper: pt, upperInclusive: true },
          this.#path.reverse,
        );
      }
    }
    const n = out.length;
    f.ctx.counters.rowsExamined += n;
    f.root.work += n + 1;
    if (n === 0 && this.#done) return null;
    return out;
  }

  /**
   * The cursor of a forward read of one table range whose leaves it lends in place
   * (RowCursor.nextLeafRun), for a reader that keeps references into them rather than rows; null
   * when the read is of another kind (or has ended), and read() serves it. Whoever takes it counts
   * the rows it reads (counters.rowsExamined, root.work) and may not mix it with read().
   */
  leafRuns(): RowCursor | null {
    if (!this.#started) this.#start();
    const rc = this.#rowCursor;
    if (this.#done || rc === null || this.#points !== null || this.#wantKey || this.#path.reverse || rc.nextLeafRun === undefined) return null;
    return rc;
  }

  /**
   * Drops up to `n` rows of a read along an index without looking them up (an OFFSET): each
   * entry leads to its row, so an entry passed over is a row dropped. Reads in the table's own
   * order, of points, or of index-only rows drop nothing here.
   */
  skip(n: number): number {
    if (!this.#started) this.#start();
    if (this.#points !== null || this.#rowCursor !== null || this.#path.indexOnly === true) return 0;
    const f = this.#f;
    const buf = (this.#entries ??= []);
    let dropped = 0;
    while (dropped < n && !this.#done) {
      const ic = this.#indexCursor;
      if (ic === null) break;
      f.ctx.checkInterrupt();
      const want = Math.min(n - dropped, 1024);
      const got = ic.nextEntries(buf, want);
      dropped += got;
      if (got === want) continue;
      // The cursor ran out (and closed itself): the next segment's, as read() goes on.
      this.#indexCursor = null;
      const seg = this.#segments?.shift();
      if (seg !== undefined) this.#indexCursor = f.ctx.view.scanIndex(this.#table.name, this.#path.index!, seg, this.#path.reverse);
      else this.#done = true;
    }
    f.ctx.counters.rowsExamined += dropped;
    f.root.work += dropped + 1;
    return dropped;
  }

  /** The rows of index entries es[0 .. n) (whole entry keys), and their table keys when asked. */
  #fromEntries(es: Key[], n: number, out: Row[], keys: Key[] | null): void {
    const table = this.#table;
    const ixCols = (this.#ixCols ??= table.indexes.find((ix) => ix.name === this.#path.index)!.columns);
    const w = ixCols.length;
    if (this.#path.indexOnly === true) {
      const make = (this.#rowOfEntry ??= entryRowMaker(table, ixCols));
      for (let j = 0; j < n; j++) {
        const e = es[j]!;
        out.push(make(e));
        if (keys !== null) keys.push(e.slice(w));
      }
      return;
    }
    const view = this.#f.ctx.view;
    const t = table.name;
    for (let j = 0; j < n; j++) {
      const k = es[j]!.slice(w);
      const r = view.getRow(t, k);
      if (r !== undefined) {
        out.push(r);
        if (keys !== null) keys.push(k);
      }
    }
  }

  close(): void {
    this.#rowCursor?.close();
    this.#indexCursor?.close();
    this.#rowCursor = null;
    this.#indexCursor = null;
    this.#done = true;
  }
}

/** Reads a whole index in key order: serves ORDER BY ... LIMIT without a sort. */
export function indexOrderPath(table: TableDef, index: IndexDef, rows: number): AccessPath {
  return {
    index: index.name,
    keyColumns: index.columns,
    eq: [],
    inList: null,
    lower: null,
    upper: null,
    reverse: false,
    estimate: rows * 1.2,
    describe: `Index Scan using ${index.name} on ${table.name} (order)`,
  };
}
