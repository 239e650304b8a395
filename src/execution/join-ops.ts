// Row sources of a SELECT: the first table of the join order (a scan along its access path) and
// each further table joined to the rows so far — index nested loop (re-opening the access path
// per left row), hash join, or plain nested loop over a materialized inner side. Rows use a fixed
// layout: every source owns a slice [offset, offset+width) of a row of the query's full width.
import type { Key, Row, RowCursor, TableDef } from '../storage/ports.js';
import { TableReader, isPlainScan, type AccessPath } from './access.js';
import { flatRowAt } from './leaf-columns.js';
import { AdaptiveHashOp, StreamHashOp } from './hash-join.js';
import { NestedJoinOp } from './nested-join.js';
import { autoIndexReader, type AutoIndex } from './auto-index.js';
import { BATCH, childFrame, indent, type Eval, type Frame, type Op, type PlanNode } from './runtime.js';
import { truth } from './values.js';

export interface SourceSpec {
  readonly name: string;
  readonly table: TableDef | null;
  /** Derived table / view: a plan yielding rows of the source's width. */
  readonly sub: PlanNode | null;
  readonly offset: number;
  /** Number of slots the source owns (its columns, plus the key slot when wantKey). */
  readonly ncols: number;
  /** DML targets keep each row's storage key in their last slot. */
  readonly wantKey: boolean;
  /** LATERAL: the subquery reads the earlier FROM items, so it runs again for each left row. */
  readonly lateral?: boolean;
}

export type JoinType = 'inner' | 'left' | 'right' | 'full';
export type JoinMode = 'index' | 'hash' | 'loop';

/**
 * The filter left once a lookup along `path` (by every column of its key, all equalities) found a
 * row whose key columns are identical (===) to the values looked up. Valid only while the level's
 * path is still `path` (the planner may swap it for an index order).
 */
export interface KeyedLocal {
  readonly path: AccessPath;
  readonly rest: Eval | null;
}

export interface LevelSpec {
  readonly src: SourceSpec;
  /** Replaced by the planner when an index order serves ORDER BY (first source only). */
  path: AccessPath | null;
  /** Conjuncts on this source alone (evaluated on a full-width row). */
  readonly local: Eval | null;
  /** `local` without the equalities a whole-key lookup answers (first source only; see from-planner). */
  readonly keyedLocal?: KeyedLocal;
  /** Conjuncts linking this source with the earlier ones. */
  readonly join: Eval | null;
  readonly mode: JoinMode;
  readonly leftKeys: readonly Eval[];
  readonly rightKeys: readonly Eval[];
  /** Per right key: the row slot it reads when it is a plain column of this source. */
  readonly rightSlots?: readonly (number | undefined)[];
  readonly type: JoinType;
  /**
   * A hash join's alternative: the same level in index mode along an index (or the primary key)
   * the join keys reach, with its cost per left row in rows a hash join streams. Taken at run time
   * when the left input ends small enough (AdaptiveHashOp).
   */
  readonly probe?: { readonly spec: LevelSpec; readonly costPerRow: number };
  /** First source only: a full scan's equality on a value from outside it (see auto-index.ts). */
  readonly autoIndex?: AutoIndex;
}

export interface Reader {
  read(max: number, keys: Key[] | null): Row[] | null;
  close(): void;
  /** As Op.skip: drops up to n rows unread; how many it dropped. */
  skip?(n: number): number;
}

export function openReader(spec: LevelSpec, left: Row, f: Frame): Reader {
  const src = spec.src;
  if (src.table !== null) return new TableReader(src.table, spec.path!, left, f, src.wantKey);
  // A LATERAL subquery reads the left row as its outer row (compiled with this level as parent).
  const op = src.sub!.open(src.lateral === true ? childFrame(f, left) : f);
  return {
    read: () => op.next(),
    close: () => op.close(),
  };
}

function pass(e: Eval | null, row: Row, f: Frame): boolean {
  return e === null || truth(e(row, f)) === true;
}

function describePath(spec: LevelSpec): string {
  if (spec.src.table === null) return `Subquery Scan on ${spec.src.name}`;
  return spec.path!.describe + (spec.path!.indexOnly === true ? ' (index only)' : '');
}

/** The first source of a FROM list. */
export class ScanNode implements PlanNode {
  readonly spec: LevelSpec;
  readonly width: number;

  constructor(spec: LevelSpec, width: number) {
    this.spec = spec;
    this.width = width;
  }

  open(f: Frame): Op {
    return new ScanOp(this.spec, this.width, f);
  }

  explain(out: string[], depth: number): void {
    out.push(indent(depth) + describePath(this.spec) + (this.spec.local !== null ? ' [filter]' : ''));
  }
}

/**
 * A running scan of the first source. A class rather than closures: its next() is one function
 * for every execution, so the operators that call it are not deoptimized at the next execution.
 */
const FIRST_INDEX_BATCH = 16;

class ScanOp implements Op {
  readonly #f: Frame;
  readonly #src: SourceSpec;
  readonly #width: number;
  readonly #reader: Reader;
  readonly #keys: Key[] | null;
  readonly #local: Eval | null;
  readonly #direct: boolean;
  readonly #passThrough: boolean;
  readonly #nData: number;
  #size = BATCH;
  /** Rows a LIMIT above will take at most (want()); Infinity when not told. */
  #wanted = Infinity;
  /** The cursor lending its leaves for a filtered read in place; null when not; undefined: not asked yet. */
  #leaves: RowCursor | null | undefined = undefined;
  #scratch: Row | null = null;
  #ended = false;

  constructor(spec: LevelSpec, width: number, f: Frame) {
    const src = spec.src;
    this.#f = f;
    this.#src = src;
    this.#width = width;
    this.#direct = src.offset === 0 && src.ncols === width && !src.wantKey;
    const nulls = new Array<null>(width).fill(null);
    // The planner may have put an ordered path in since (ORDER BY): the index serves plain scans only.
    const auto = isPlainScan(spec.path) ? spec.autoIndex : undefined;
    this.#reader = (auto === undefined ? null : autoIndexReader(auto, src.table!.name, nulls, f, () => openReader(spec, nulls, f))) ?? openReader(spec, nulls, f);
    this.#keys = src.wantKey ? [] : null;
    this.#local = spec.local;
    this.#nData = src.wantKey ? src.ncols - 1 : src.ncols;
    this.#passThrough = this.#direct && this.#local === null && src.table !== null;
    // An index read looks each row up (~0.5 µs a row): its first batch is small, so a LIMIT that
    // wants a few rows (ORDER BY k LIMIT 10) does not look up 256.
    if (spec.path !== null && spec.path.index !== null) this.#size = FIRST_INDEX_BATCH;
  }

  skip(n: number): number {
    // Every row read is a row given only without a filter (and without keys to keep in step).
    if (this.#local !== null || this.#keys !== null) return 0;
    return this.#reader.skip?.(n) ?? 0;
  }

  want(n: number): void {
    // Rows read are rows given only without a filter.
    if (this.#local === null && n >= 0) this.#wanted = n;
  }

  /**
   * A filtered whole-table read evaluates its filter on the leaf's values in place (copied into
   * one scratch row) and makes a row only for those that pass: SELECT ... WHERE v BETWEEN 0.25
   * AND 0.5 over 100k rows made 100k rows for 31.
   */
  #leafRead(): RowCursor | null {
    let cur = this.#leaves;
    if (cur === undefined) {
      const r = this.#reader;
      cur = this.#leaves = this.#local !== null && this.#keys === null && r instanceof TableReader ? r.leafRuns() : null;
    }
    return cur;
  }

  #nextInPlace(cur: RowCursor): Row[] | null {
    if (this.#ended) return null;
    const f = this.#f;
    const local = this.#local!;
    const scratch = (this.#scratch ??= new Array<unknown>(this.#width).fill(null) as Row);
    const off = this.#src.offset;
    const nData = this.#nData;
    const direct = this.#direct;
    const out: Row[] = [];
    const size = this.#size;
    if (size < BATCH * 4) this.#size = Math.min(BATCH * 4, size * 4);
    let n = 0;
    while (n < size) {
      const got = cur.nextLeafRun!(size - n);
      if (got === 0) {
        this.#ended = true;
        break;
      }
      n += got;
      const ents = cur.leafEntries!;
      const w = cur.leafWidth ?? 0;
      const from = cur.leafStart!;
      for (let i = from; i < from + got; i++) {
        let a = 0;
        let src: readonly unknown[];
        if (w === nData) {
          src = ents;
          a = i * w;
        } else src = w === 0 ? cur.entryRow!(ents[i]) : flatRowAt(ents, i, w);
        for (let j = 0; j < nData; j++) scratch[off + j] = src[a + j] as Row[number];
        if (truth(local(scratch, f)) !== true) continue;
        out.push(direct ? (src.slice(a, a + nData) as Row) : scratch.slice());
      }
    }
    f.ctx.counters.rowsExamined += n;
    f.root.work += n + 1;
    if (this.#ended && out.length === 0) return null;
    return out;
  }

  next(): Row[] | null {
    const f = this.#f;
    f.ctx.checkInterrupt();
    const leaves = this.#leafRead();
    if (leaves !== null) return this.#nextInPlace(leaves);
    const keys = this.#keys;
    if (keys !== null) keys.length = 0;
    // Batches grow to 4 * BATCH: a LIMIT that stops early reads little, a long scan pays the
    // per-batch work of the operators above less often.
    const wanted = this.#wanted;
    const raw = this.#reader.read(wanted < this.#size ? Math.max(1, wanted) : this.#size, keys);
    if (this.#size < BATCH * 4) this.#size = Math.min(BATCH * 4, this.#size * 4);
    if (raw === null) return null;
    if (wanted !== Infinity) this.#wanted = wanted - raw.length;
    // A table reader's batch is a fresh array: passed on as it is when nothing changes.
    if (this.#passThrough) return raw;
    const out: Row[] = [];
    const local = this.#local;
    const direct = this.#direct;
    const width = this.#width;
    const off = this.#src.offset;
    const nData = this.#nData;
    for (let i = 0; i < raw.length; i++) {
      let r = raw[i]!;
      if (!direct) {
        const w = new Array<unknown>(width).fill(null) as Row;
        for (let j = 0; j < nData; j++) w[off + j] = r[j]!;
        if (keys !== null) w[off + nData] = keys[i] as unknown as Row[number];
        r = w;
      }
      if (local === null || truth(local(r, f)) === true) out.push(r);
    }
    return out;
  }

  close(): void {
    this.#reader.close();
  }
}

/** Joins one more source to the rows of `left`. */
export class JoinNode implements PlanNode {
  readonly left: PlanNode;
  readonly spec: LevelSpec;
  readonly width: number;

  constructor(left: PlanNode, spec: LevelSpec, width: number) {
    this.left = left;
    this.spec = spec;
    this.width = width;
  }

  open(f: Frame): Op {
    const spec = this.spec;
    const left = this.left.open(f);
    const table = spec.src.table;
    if (spec.mode === 'hash' && table !== null && (spec.type === 'inner' || spec.type === 'left')) {
      const tableRows = f.ctx.view.rowCount(table.name);
      // A left side known to be the larger (a whole table, unfiltered) builds on the table at
      // once: buffering half of it first only to replay it kept those rows alive past scavenges.
      const ls = this.left instanceof ScanNode ? this.left.spec : null;
      const lt = ls?.src.table ?? null;
      if (ls !== null && lt !== null && isPlainScan(ls.path) && ls.local === null && ls.autoIndex === undefined && f.ctx.view.rowCount(lt.name) > tableRows / 2) {
        return this.#classic(f, left);
      }
      return this.#adaptive(f, left, tableRows);
    }
    return this.#classic(f, left);
  }

  /**
   * Hash join against a table whose build side is picked at run time: the left input is read
   * first; if it ends while clearly smaller than the table, the hash table is built on it and
   * the table streams past (PostgreSQL's hash join on the smaller side). Otherwise the buffered
   * left rows are replayed into the table-side build.
   */
  #adaptive(f: Frame, left: Op, tableRows: number): Op {
    const probe = this.spec.probe;
    return new AdaptiveHashOp(
      f,
      left,
      tableRows,
      (l) => this.#classic(f, l),
      (rows) => new StreamHashOp(f, this.spec, this.width, left, rows, tableRows, openReader),
      probe === undefined ? null : { costPerRow: probe.costPerRow, open: (l) => this.#classic(f, l, probe.spec) },
    );
  }

  #classic(f: Frame, left: Op, spec: LevelSpec = this.spec): Op {
    return new NestedJoinOp(f, left, spec, this.width, openReader);
  }

  explain(out: string[], depth: number): void {
    const s = this.spec;
    const kind =
      s.src.lateral === true
        ? 'Nested Loop (lateral)'
        : s.mode === 'index'
        ? 'Nested Loop (index lookup)'
        : s.mode === 'hash'
          ? s.probe !== undefined
            ? 'Hash Join (index lookups for a small left side)'
            : 'Hash Join'
          : 'Nested Loop';
    const jt = s.type === 'inner' ? '' : ` ${s.type.toUpperCase()}`;
    out.push(indent(depth) + kind + jt);
    this.left.explain(out, depth + 1);
    out.push(indent(depth + 1) + describePath(s) + (s.local !== null ? ' [filter]' : ''));
  }
}
