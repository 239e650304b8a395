// A single-table query whose path is an equality on the whole primary key reads at most one row:
// the projection is fused with the lookup so such a query opens one small operator instead of
// a projection over a scan over a table reader (the prepared point SELECT is the most frequent
// statement an embedded database runs). An equality on every column of a secondary index is
// fused the same way: one index range read, a row lookup per entry, the projection. Anything
// unusual falls back to the general operators.
import { fitBound, MISMATCH, NULL_BOUND, type AccessPath } from './access.js';
import { ScanNode, type LevelSpec } from './join-ops.js';
import { ProjectNode } from './operators.js';
import { BATCH, newRootState, type Eval, type Frame, type Op, type PlanNode } from './runtime.js';
import { packedKey } from '../storage/key-order.js';
import type { IndexCursor, Key, Row, SqlValue, TableDef } from '../storage/ports.js';
import { isNumericType, truth } from './values.js';
import { keepShape } from './shape-keeper.js';
import { paramSlot, readParam } from './param-slots.js';

/** fitKey() outcomes. */
const EXACT = 0;
const CONVERTED = 1;
const NO_ROW = 2;
const GENERAL = 3;

/**
 * Fills `key` with this execution's whole-key value, each part fitted to its column as a scan's
 * bound would be. EXACT: every part is the value its expression gave; CONVERTED: some part was
 * converted (text to number); NO_ROW: a part is NULL (no row matches); GENERAL: a part cannot be
 * ordered like its column (the caller takes the general path, whose filter decides). `slots`: per
 * part, the parameter it is (see param-slots.ts), or -1.
 */
function fitKey(keyEvs: readonly Eval[], slots: readonly number[], numeric: readonly boolean[], nulls: Row, f: Frame, key: SqlValue[]): number {
  let out = EXACT;
  for (let i = 0; i < keyEvs.length; i++) {
    const slot = slots[i]!;
    const raw = slot >= 0 ? readParam(f, slot) : keyEvs[i]!(nulls, f);
    const v = fitBound(raw, numeric[i]!);
    if (v === NULL_BOUND) return NO_ROW;
    if (v === MISMATCH) return GENERAL;
    if (v !== raw) out = CONVERTED;
    key[i] = v;
  }
  return out;
}

/**
 * Whether the row's key columns hold exactly the values looked up: then the equalities the path
 * was built from are true on it (=== values compare equal in SQL too), and only the rest of the
 * filter needs evaluating.
 */
function holdsKey(row: Row, cols: readonly number[], key: readonly SqlValue[]): boolean {
  for (let i = 0; i < cols.length; i++) if (row[cols[i]!] !== key[i]) return false;
  return true;
}

/** The filter without the path's own equalities, when the planner worked it out for this path. */
function keyedRest(scan: ScanNode): { rest: Eval | null } | null {
  const k = scan.spec.keyedLocal;
  return k !== undefined && k.path === scan.spec.path ? { rest: k.rest } : null;
}

/** What a whole-key lookup found: its rows (null: none), or USE_GENERAL. */
const USE_GENERAL = Symbol('general');
type Found = Row[] | null | typeof USE_GENERAL;

/** A node answering each execution with one lookup. */
interface SingleLookup {
  /** This execution's rows; USE_GENERAL for a key value the lookup cannot order like its column. */
  lookup(f: Frame): Found;
  /** The general plan's operator, which then answers the execution. */
  openGeneral(f: Frame): Op;
}

/** One execution of a SingleLookup: one object, no closures (a point select makes one per run). */
class SingleLookupOp implements Op {
  readonly #node: SingleLookup;
  readonly #f: Frame;
  #done = false;
  #fallback: Op | null = null;

  constructor(node: SingleLookup, f: Frame) {
    this.#node = node;
    this.#f = f;
  }

  next(): Row[] | null {
    if (this.#fallback !== null) return this.#fallback.next();
    if (this.#done) return null;
    this.#done = true;
    const found = this.#node.lookup(this.#f);
    if (found !== USE_GENERAL) return found;
    this.#fallback = this.#node.openGeneral(this.#f);
    return this.#fallback.next();
  }

  close(): void {
    this.#fallback?.close();
    this.#fallback = null;
    this.#done = true;
  }
}

/**
 * A lookup by a whole primary key: the key's fit, the row, the filter the found row still needs.
 * Its subclasses emit the row as the statement reads it.
 */
abstract class KeyedLookupNode implements PlanNode, SingleLookup {
  protected readonly scan: ScanNode;
  readonly #table: string;
  readonly #keyEvs: readonly Eval[];
  readonly #keySlots: readonly number[];
  readonly #keyCols: readonly number[];
  readonly #numeric: readonly boolean[];
  /** Whether #rest may stand in for the whole filter (on a row that holds the key exactly). */
  readonly #keyed: boolean;
  readonly #rest: Eval | null;
  /** The row the key expressions see (they do not depend on this table's columns). */
  readonly #nulls: Row;

  constructor(scan: ScanNode) {
    const spec = scan.spec;
    const table = spec.src.table!;
    const path = spec.path!;
    this.scan = scan;
    this.#table = table.name;
    this.#keyEvs = path.eq;
    this.#keySlots = path.eq.map(paramSlot);
    this.#keyCols = path.keyColumns;
    this.#numeric = path.keyColumns.map((c) => isNumericType(table.columns[c]!.type));
    const k = keyedRest(scan);
    this.#keyed = k !== null;
    this.#rest = k?.rest ?? null;
    this.#nulls = new Array<null>(scan.width).fill(null);
  }

  open(f: Frame): Op {
    return new SingleLookupOp(this, f);
  }

  lookup(f: Frame): Found {
    f.ctx.checkInterrupt();
    f.root.work += 1;
    const scratch: SqlValue[] = new Array(this.#keyEvs.length);
    const fit = fitKey(this.#keyEvs, this.#keySlots, this.#numeric, this.#nulls, f, scratch);
    if (fit === NO_ROW) return null;
    if (fit === GENERAL) return USE_GENERAL;
    const key = packedKey(scratch);
    const row = f.ctx.view.getRow(this.#table, key);
    if (row === undefined) return null;
    f.ctx.counters.rowsExamined += 1;
    const r = this.shape(row, key);
    const filter = fit === EXACT && this.#keyed && holdsKey(r, this.#keyCols, key) ? this.#rest : this.scan.spec.local;
    if (filter !== null && truth(filter(r, f)) !== true) return null;
    return this.emit(r, f);
  }

  /** The found row in the slots the filter and the statement read. */
  protected abstract shape(row: Row, key: Key): Row;
  /** The execution's rows from the row that passed the filter. */
  protected abstract emit(row: Row, f: Frame): Row[];
  abstract openGeneral(f: Frame): Op;
  abstract explain(out: string[], depth: number): void;
}

/** A point select: the lookup, then the select list. */
class PointProjectNode extends KeyedLookupNode {
  readonly #evs: readonly Eval[];
  /** The general plan, for a key value that cannot be compared with the key column. */
  readonly #general: ProjectNode;

  constructor(scan: ScanNode, evs: readonly Eval[]) {
    super(scan);
    this.#evs = evs;
    this.#general = new ProjectNode(scan, evs);
  }

  protected shape(row: Row): Row {
    return row;
  }

  protected emit(row: Row, f: Frame): Row[] {
    const evs = this.#evs;
    const o: SqlValue[] = new Array(evs.length);
    for (let j = 0; j < evs.length; j++) o[j] = evs[j]!(row, f);
    return [o];
  }

  openGeneral(f: Frame): Op {
    return this.#general.open(f);
  }

  explain(out: string[], depth: number): void {
    this.#general.explain(out, depth);
  }
}

/** What the executions of one index equality lookup share (made once, with its plan node). */
interface IndexLookupPlan {
  readonly scan: ScanNode;
  readonly evs: readonly Eval[];
  readonly table: string;
  readonly index: string;
  readonly keyEvs: readonly Eval[];
  readonly keySlots: readonly number[];
  readonly keyCols: readonly number[];
  readonly numeric: readonly boolean[];
  /** Whether `rest` may stand in for the whole filter (on a row that holds the key exactly). */
  readonly keyed: boolean;
  readonly rest: Eval | null;
  readonly general: ProjectNode;
  readonly nulls: Row;
  /**
   * The last cursor closed, kept so that a live cursor always exists: V8 drops the map of a class
   * with no live instance at a memory-reducing collection (see shape-keeper.ts), and storage's
   * cursors are made per probe. A closed cursor holds no pin and no node.
   */
  idle: IndexCursor | null;
}

const NO_KEY: readonly SqlValue[] = [];

/** One execution of an index equality lookup: one object, no closures. */
class IndexLookupOp implements Op {
  readonly #p: IndexLookupPlan;
  readonly #f: Frame;
  #started = false;
  /** The rows found may skip the key's own equalities (see holdsKey). */
  #exact = false;
  #probe: readonly SqlValue[] = NO_KEY;
  #cursor: IndexCursor | null = null;
  /** The rows found by one probe (no cursor), and how many were read. */
  #rows: readonly Row[] | undefined = undefined;
  #at = 0;
  #fallback: Op | null = null;

  constructor(p: IndexLookupPlan, f: Frame) {
    this.#p = p;
    this.#f = f;
  }

  next(): Row[] | null {
    if (this.#fallback !== null) return this.#fallback.next();
    const f = this.#f;
    const p = this.#p;
    f.ctx.checkInterrupt();
    const view = f.ctx.view;
    if (!this.#started) {
      this.#started = true;
      const scratch: SqlValue[] = new Array(p.keyEvs.length);
      const fit = fitKey(p.keyEvs, p.keySlots, p.numeric, p.nulls, f, scratch);
      if (fit === NO_ROW) return null;
      if (fit === GENERAL) {
        this.#fallback = p.general.open(f);
        return this.#fallback.next();
      }
      const key = packedKey(scratch);
      this.#exact = fit === EXACT && p.keyed;
      this.#probe = key;
      f.ctx.counters.indexesUsed.add(p.index);
      const reverse = p.scan.spec.path!.reverse;
      this.#rows = view.probeIndex?.(p.table, p.index, key, reverse);
      if (this.#rows === undefined) {
        const range = { lower: key, lowerInclusive: true, upper: key, upperInclusive: true };
        this.#cursor = view.scanIndex(p.table, p.index, range, reverse);
      }
    }
    const rows = this.#rows;
    const c = this.#cursor;
    if (c === null && rows === undefined) return null;
    const local = p.scan.spec.local;
    const rest = p.rest;
    const exact = this.#exact;
    const probe = this.#probe;
    const evs = p.evs;
    const out: Row[] = [];
    let examined = 0;
    // Bounded batches: an equality on a non-unique index may match many rows.
    while (examined < BATCH) {
      let row: Row | undefined;
      if (rows !== undefined) {
        if (this.#at >= rows.length) {
          this.#rows = undefined;
          break;
        }
        row = rows[this.#at++]!;
      } else {
        const k = c!.next();
        if (k === undefined) {
          this.#closeCursor();
          break;
        }
        row = view.getRow(p.table, k);
        if (row === undefined) continue;
      }
      examined++;
      const filter = exact && holdsKey(row, p.keyCols, probe) ? rest : local;
      if (filter !== null && truth(filter(row, f)) !== true) continue;
      const o: SqlValue[] = new Array(evs.length);
      for (let j = 0; j < evs.length; j++) o[j] = evs[j]!(row, f);
      out.push(o);
    }
    f.ctx.counters.rowsExamined += examined;
    f.root.work += examined + 1;
    if (out.length === 0 && this.#cursor === null && this.#rows === undefined) return null;
    return out;
  }

  #closeCursor(): void {
    const c = this.#cursor;
    if (c === null) return;
    this.#cursor = null;
    c.close();
    this.#p.idle = c;
  }

  close(): void {
    this.#fallback?.close();
    this.#fallback = null;
    this.#closeCursor();
    this.#rows = undefined;
    this.#started = true;
  }
}

class IndexPointProjectNode implements PlanNode {
  readonly #plan: IndexLookupPlan;

  constructor(scan: ScanNode, evs: readonly Eval[]) {
    const spec = scan.spec;
    const table = spec.src.table!;
    const path = spec.path!;
    const k = keyedRest(scan);
    this.#plan = {
      scan,
      evs,
      table: table.name,
      index: path.index!,
      keyEvs: path.eq,
      keySlots: path.eq.map(paramSlot),
      keyCols: path.keyColumns,
      numeric: path.keyColumns.map((c) => isNumericType(table.columns[c]!.type)),
      keyed: k !== null,
      rest: k?.rest ?? null,
      general: new ProjectNode(scan, evs),
      nulls: new Array<null>(scan.width).fill(null),
      idle: null,
    };
  }

  open(f: Frame): Op {
    return new IndexLookupOp(this.#plan, f);
  }

  explain(out: string[], depth: number): void {
    this.#plan.general.explain(out, depth);
  }
}

/**
 * An UPDATE or DELETE target found by its whole primary key: the row and its key in the slots the
 * statement reads ([...columns, key]), from one lookup instead of a scan through a table reader.
 */
class PointTargetNode extends KeyedLookupNode {
  readonly #width: number;

  constructor(scan: ScanNode) {
    super(scan);
    this.#width = scan.width;
  }

  protected shape(row: Row, key: Key): Row {
    const width = this.#width;
    const n = width - 1;
    const w: SqlValue[] = new Array(width);
    for (let j = 0; j < n; j++) w[j] = row[j] ?? null;
    (w as unknown[])[n] = key;
    return w;
  }

  protected emit(row: Row): Row[] {
    return [row];
  }

  openGeneral(f: Frame): Op {
    return this.scan.open(f);
  }

  explain(out: string[], depth: number): void {
    this.scan.explain(out, depth);
  }
}

/** Whether a target plan is one lookup by the whole primary key (pointTarget made it). */
export function isPointTarget(node: PlanNode): boolean {
  return node instanceof PointTargetNode;
}

/**
 * The target scan of an UPDATE or DELETE as one lookup when it is an equality on the whole
 * primary key of the only source; else the scan itself.
 */
export function pointTarget(node: PlanNode): PlanNode {
  if (!(node instanceof ScanNode)) return node;
  const spec = node.spec;
  const src = spec.src;
  const p = spec.path;
  if (src.table === null || p === undefined || p === null) return node;
  if (p.index !== null || p.inList !== null || p.lower !== null || p.upper !== null) return node;
  if (p.eq.length === 0 || p.eq.length !== p.keyColumns.length) return node;
  if (src.offset !== 0 || !src.wantKey || src.ncols !== node.width || src.ncols !== src.table.columns.length + 1) return node;
  return new PointTargetNode(node);
}

/**
 * The fused plan when `input` is an equality lookup on one table's whole primary key, or on every
 * column of one of its indexes; else null.
 */
export function pointLookup(input: PlanNode, evs: readonly Eval[]): PlanNode | null {
  if (!(input instanceof ScanNode)) return null;
  const spec = input.spec;
  const src = spec.src;
  const p = spec.path;
  if (src.table === null || p === undefined || p === null) return null;
  if (p.inList !== null || p.lower !== null || p.upper !== null) return null;
  if (p.eq.length === 0 || p.eq.length !== p.keyColumns.length) return null;
  if (src.offset !== 0 || src.ncols !== input.width || src.wantKey) return null;
  return p.index === null ? new PointProjectNode(input, evs) : new IndexPointProjectNode(input, evs);
}

/**
 * Idle plan nodes over a one-column table, kept so that V8 keeps the classes' maps (see
 * shape-keeper.ts): a plan lives as long as its statement, and a database closed (its plans
 * gone) before a memory-reducing collection took the maps of these nodes, and of the scan and
 * projection inside them, with it.
 */
function idleScan(index: string | null): ScanNode {
  const table: TableDef = { name: '', columns: [{ name: 'k', type: 'integer', declaredType: 'INTEGER', notNull: true }], primaryKey: [0], indexes: [] };
  const path: AccessPath = {
    index,
    keyColumns: [0],
    eq: [],
    eqSources: [],
    inList: null,
    lower: null,
    upper: null,
    reverse: false,
    estimate: 1,
    describe: '',
  };
  const spec: LevelSpec = {
    src: { name: '', table, sub: null, offset: 0, ncols: 1, wantKey: false },
    path,
    local: null,
    join: null,
    mode: 'loop',
    leftKeys: [],
    rightKeys: [],
    type: 'inner',
  };
  return new ScanNode(spec, 1);
}
keepShape(new PointProjectNode(idleScan(null), []));
keepShape(new IndexPointProjectNode(idleScan('k'), []));
keepShape(new PointTargetNode(idleScan(null)));

/** Idle lookups, kept so that V8 keeps the classes' maps (see shape-keeper.ts). */
const IDLE_FRAME: Frame = { ctx: null as never, params: [], outer: null, up: null, root: newRootState() };
keepShape(new SingleLookupOp({ lookup: () => null, openGeneral: () => ({ next: () => null, close: () => {} }) }, IDLE_FRAME));
keepShape(new IndexLookupOp(null as never, IDLE_FRAME));
