// An automatic index: a correlated subquery (or any scan opened again and again within one
// statement) whose table has no index for its equality `column = <outer value>` read the whole
// table once per outer row: EXISTS (SELECT 1 FROM u WHERE u.t_id = t.id) over 100k rows each
// was 10^10 row reads. From its second opening in a statement run, the scan hashes the table's
// rows by that column once (SQLite builds a transient index the same way) and each later opening
// reads only the rows with its value, in table order, as the scan would have found them; the
// scan's filter still checks every one. A write in between (the statement changing the table it
// reads) drops the index: later openings scan again.
import type { Row, SqlValue, TableDef } from '../storage/ports.js';
import { TableReader, isPlainScan, type AccessPath, type Sarg } from './access.js';
import { hashValue } from './hash-join.js';
import { JoinHashTable } from './join-hash-table.js';
import { ValueColumn } from './value-column.js';
import { giveBack, growInt32, takeInt32 } from './scratch-arrays.js';
import type { Reader } from './join-ops.js';
import type { Eval, Frame } from './runtime.js';

export interface AutoIndex {
  /** Its entry in the statement run's cache (negative: subqueries use the positive ids). */
  readonly id: number;
  /** Table position of the column. */
  readonly column: number;
  /** The value the column must equal, evaluated once per opening. */
  readonly value: Eval;
  /** Which values can stand for the column's: numbers (and bigints), or text. */
  readonly kind: 'number' | 'text';
}

let nextId = -1;

/**
 * The planner's part: for a query's first source (not a DML target, whose scan hands out row
 * keys) read by `path`, the automatic index on the first equality with a value from outside the
 * source whose column's values hash as SQL compares them; undefined when there is none.
 */
export function autoIndexFor(table: TableDef | null, path: AccessPath | null, sargs: readonly Sarg[]): AutoIndex | undefined {
  if (table === null || !isPlainScan(path)) return undefined;
  for (const sg of sargs) {
    if (sg.op !== '=' || sg.values.length !== 1) continue;
    const t = table.columns[sg.column]?.type;
    const kind = t === 'integer' || t === 'bigint' || t === 'real' ? 'number' : t === 'text' ? 'text' : null;
    if (kind !== null) return { id: nextId--, column: sg.column, value: sg.values[0]!, kind };
  }
  return undefined;
}

/** Tables smaller than this are scanned: hashing them saves nothing worth the memory. */
const MIN_ROWS = 32;
const BUILD_BATCH = 1024;

interface State {
  opens: number;
  /** The transaction's change count when the state began (see changesOf). */
  changes: number;
  /**
   * Row j of the index is srcs[src[j]], a row, or (when widths[src[j]] is not 0) the values
   * at[j] .. at[j] + width of that flat leaf's entries: read in place, as a join's build is
   * (nested-join.ts), so the index holds no array per row and its positions are typed arrays
   * kept between statements.
   */
  srcs: (readonly unknown[])[];
  widths: number[];
  src: Int32Array | null;
  at: Int32Array | null;
  table: JoinHashTable | null;
}

/** A count that moves with every row written through the view (0 for a read-only snapshot). */
function changesOf(f: Frame): number {
  const v = f.ctx.view as { readonly changes?: number };
  return v.changes ?? 0;
}

function usable(kind: AutoIndex['kind'], v: SqlValue): boolean {
  if (kind === 'text') return typeof v === 'string';
  return typeof v === 'bigint' || (typeof v === 'number' && !Number.isNaN(v));
}

/**
 * The reader for this opening: the rows whose column equals its value, once the index exists;
 * null when the scan should read the table itself (first opening, a small table, a value of
 * another type, a write since the index was made). `scan` opens the plain table scan.
 */
export function autoIndexReader(auto: AutoIndex, table: string, left: Row, f: Frame, scan: () => Reader): Reader | null {
  const cache = f.root.cache;
  const changes = changesOf(f);
  let st = cache.get(auto.id) as State | undefined;
  if (st === undefined || st.changes !== changes) {
    if (st !== undefined) release(st);
    cache.set(auto.id, (st = { opens: 0, changes, srcs: [], widths: [], src: null, at: null, table: null }));
  }
  st.opens++;
  if (st.table === null) {
    if (st.opens < 2 || f.ctx.view.rowCount(table) < MIN_ROWS) return null;
    build(st, auto.column, f, scan());
    const built = st;
    f.root.atEnd(() => release(built));
  }
  const v = auto.value(left, f);
  if (v === null) return rowsReader([]);
  if (!usable(auto.kind, v)) return null;
  const hashTable = st.table!;
  const { srcs, widths } = st;
  const src = st.src!;
  const at = st.at!;
  const out: Row[] = [];
  for (let j = hashTable.first(hashTable.hashed ? hashValue(v) : v); j !== 0; j = hashTable.next(j)) {
    const s = src[j - 1]!;
    const w = widths[s]!;
    const a = at[j - 1]!;
    out.push(w === 0 ? (srcs[s] as Row) : (srcs[s]!.slice(a, a + w) as Row));
  }
  f.root.work += out.length + 1;
  return rowsReader(out);
}

function release(st: State): void {
  st.table?.release();
  if (st.src !== null) giveBack(st.src);
  if (st.at !== null) giveBack(st.at);
  st.table = null;
  st.src = null;
  st.at = null;
  st.srcs = [];
}

function build(st: State, column: number, f: Frame, reader: Reader): void {
  const { srcs, widths } = st;
  let src = takeInt32(1024);
  let at = takeInt32(1024);
  let n = 0;
  const keys = new ValueColumn(1024);
  const keep = (si: number, a: number, v: SqlValue): void => {
    if (n === src.length) {
      src = growInt32(src, n, n + 1);
      at = growInt32(at, n, n + 1);
    }
    src[n] = si;
    at[n] = a;
    n++;
    keys.push(v === null ? null : hashValue(v));
  };
  try {
    const cur = reader instanceof TableReader ? reader.leafRuns() : null;
    if (cur !== null) {
      for (;;) {
        f.ctx.checkInterrupt();
        const got = cur.nextLeafRun!(BUILD_BATCH);
        if (got === 0) break;
        f.ctx.counters.rowsExamined += got;
        const ents = cur.leafEntries!;
        const w = cur.leafWidth ?? 0;
        const from = cur.leafStart!;
        if (w !== 0) {
          const si = srcs.length;
          srcs.push(ents);
          widths.push(w);
          for (let i = from; i < from + got; i++) keep(si, i * w, (ents[i * w + column] ?? null) as SqlValue);
        } else {
          for (let i = from; i < from + got; i++) {
            const r = cur.entryRow!(ents[i]);
            srcs.push(r);
            widths.push(0);
            keep(srcs.length - 1, 0, r[column] ?? null);
          }
        }
      }
    } else {
      for (;;) {
        f.ctx.checkInterrupt();
        const b = reader.read(BUILD_BATCH, null);
        if (b === null) break;
        for (let i = 0; i < b.length; i++) {
          const r = b[i]!;
          srcs.push(r);
          widths.push(0);
          keep(srcs.length - 1, 0, r[column] ?? null);
        }
      }
    }
  } finally {
    reader.close();
  }
  f.root.work += n;
  st.src = src;
  st.at = at;
  st.table = new JoinHashTable(keys.values, 0, keys.length);
  keys.release();
}

function rowsReader(rows: Row[]): Reader {
  let at = 0;
  return {
    read: (max) => {
      if (at >= rows.length) return null;
      if (at === 0 && rows.length <= max) {
        at = rows.length;
        return rows;
      }
      const out = rows.slice(at, at + max);
      at += out.length;
      return out;
    },
    close: () => {
      at = rows.length;
    },
  };
}
