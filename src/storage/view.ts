// Read views: what a committed snapshot and a write transaction have in common.
import { DispatcherError, SqlState } from '../api/errors.js';
import { lookup, lookupShared, lookupSharedNumber, prefixRun, type NodeSource } from './btree.js';
import { lowerName } from './catalog.js';
import type { BNode, ChildRef, LeafValue } from './node.js';
import type { IndexCursor, IndexDef, Key, KeyRange, ReadView, Row, RowCursor, TableDef } from './ports.js';
import { IndexEntryCursor, TableCursor } from './table-cursors.js';

/** What views need of the engine. */
export interface ViewCore {
  readonly src: NodeSource;
  /** Turns a non-inline leaf value (overflow reference, pending large row) into the row. */
  resolve(v: LeafValue): Row;
}

export interface TableLike {
  readonly def: TableDef;
  readonly root: ChildRef;
  readonly indexRoots: readonly ChildRef[];
  readonly rowCount: number;
}

export function undefinedTable(name: string): DispatcherError {
  return new DispatcherError(SqlState.UndefinedTable, `relation "${name}" does not exist`);
}

export function findIndex(def: TableDef, name: string): number {
  const ixs = def.indexes;
  // Plans pass the name as the catalog holds it: compare as is first (no case folding, no closure).
  for (let i = 0; i < ixs.length; i++) if (ixs[i]!.name === name) return i;
  const l = lowerName(name);
  for (let i = 0; i < ixs.length; i++) if (lowerName(ixs[i]!.name) === l) return i;
  return -1;
}

export abstract class ViewBase implements ReadView {
  protected readonly core: ViewCore;
  readonly #resolve: (v: LeafValue) => Row;

  constructor(core: ViewCore) {
    this.core = core;
    this.#resolve = (v) => core.resolve(v);
  }

  abstract get seq(): number;
  protected abstract tableState(lname: string): TableLike | undefined;
  protected abstract tableNames(): Iterable<string>;
  protected abstract metaValue(name: string): unknown;
  /** True for a committed snapshot: none of its nodes can change (lookups may cache on them). */
  protected readonly shared: boolean = false;
  /** Hook: a write transaction freezes the table's nodes before a cursor walks them. */
  protected beforeScan(_lname: string): void {}

  protected requireTable(name: string): TableLike {
    const t = this.tableState(lowerName(name));
    if (t === undefined) throw undefinedTable(name);
    return t;
  }

  tables(): readonly TableDef[] {
    const out: TableDef[] = [];
    for (const n of this.tableNames()) {
      const t = this.tableState(n);
      if (t !== undefined) out.push(t.def);
    }
    return out;
  }

  getTable(name: string): TableDef | undefined {
    return this.tableState(lowerName(name))?.def;
  }

  rowCount(table: string): number {
    return this.requireTable(table).rowCount;
  }

  getRow(table: string, key: Key): Row | undefined {
    const t = this.requireTable(table);
    const src = this.core.src;
    const root = t.root;
    const node = typeof root === 'number' ? src.load(root) : root;
    const v = this.shared ? lookupShared(src, node, key) : lookup(src, node, key);
    if (v === undefined) return undefined;
    return Array.isArray(v) ? v : this.core.resolve(v);
  }

  scanTable(table: string, range?: KeyRange, reverse = false): RowCursor {
    const lname = lowerName(table);
    if (this.tableState(lname) === undefined) throw undefinedTable(table);
    this.beforeScan(lname);
    const t = this.tableState(lname)!;
    const src = this.core.src;
    // beforeScan froze the nodes: they may cache their keys as numbers.
    return new TableCursor(src, loadRef(src, t.root), range, reverse, this.#resolve, true);
  }

  scanIndex(table: string, index: string, range?: KeyRange, reverse = false): IndexCursor {
    const lname = lowerName(table);
    const t0 = this.tableState(lname);
    if (t0 === undefined) throw undefinedTable(table);
    const i = findIndex(t0.def, index);
    if (i < 0) throw new DispatcherError(SqlState.UndefinedObject, `index "${index}" does not exist on table "${table}"`);
    this.beforeScan(lname);
    const t = this.tableState(lname)!;
    const ix: IndexDef = t.def.indexes[i]!;
    const src = this.core.src;
    return new IndexEntryCursor(src, loadRef(src, t.indexRoots[i]!), range, reverse, ix.columns.length, true);
  }

  probeIndex(table: string, index: string, key: Key, reverse = false): Row[] | undefined {
    const t = this.requireTable(table);
    const i = findIndex(t.def, index);
    if (i < 0) throw new DispatcherError(SqlState.UndefinedObject, `index "${index}" does not exist on table "${table}"`);
    const width = t.def.indexes[i]!.columns.length;
    const src = this.core.src;
    const shared = this.shared;
    const run = prefixRun(src, loadRef(src, t.indexRoots[i]!), key, key.length, shared);
    if (run === undefined) return undefined;
    const root = loadRef(src, t.root);
    const out: Row[] = [];
    for (let j = 0; j < run.length; j++) {
      const ik = run[reverse ? run.length - 1 - j : j]!;
      const t0 = ik[width];
      // A table keyed by one number (the common case) is searched by that number, no key array made.
      const v =
        shared && ik.length === width + 1 && typeof t0 === 'number' && t0 === t0
          ? lookupSharedNumber(src, root, t0)
          : shared
            ? lookupShared(src, root, ik.slice(width))
            : lookup(src, root, ik.slice(width));
      if (v === undefined) continue;
      out.push(Array.isArray(v) ? v : this.core.resolve(v));
    }
    return out;
  }

  getMeta(name: string): unknown {
    return this.metaValue(name);
  }
}

export function loadRef(src: NodeSource, ref: ChildRef): BNode {
  return typeof ref === 'number' ? src.load(ref) : ref;
}
