// A private write transaction over a committed snapshot. It edits copy-on-write trees (nodes it
// created carry its per-table owner token and are edited in place), keeps a log of its logical
// operations (so a commit that raced another can be re-applied onto the newer state), and takes
// savepoints by freezing the touched tables' nodes and remembering their roots. A statement's mark
// is lighter: it freezes nothing (so the statement keeps editing its own nodes in place) and is
// rolled back by undoing the logged operations after it, newest first.
import { DispatcherError, SqlState } from '../api/errors.js';
import { PutMode, TreeWriter, currentTreeEpoch, hasPrefix, indexInLeaf, leafFor, lookup } from './btree.js';
import { addIndexEntries, buildIndexTree, sortIndexKeys } from './bulk-index.js';
import { lowerName, type DbState, type TableState } from './catalog.js';
import { TreeCursor } from './cursor.js';
import { compareKeys, comparePrefixN, compareValues, packedKey } from './key-order.js';
import { REF_SIZE, newLeaf, newToken, tupleSize, type BNode, type ChildRef, type LeafNode, type LeafValue, type OverflowRef } from './node.js';
import type { IndexCursor, IndexDef, Key, KeyRange, Row, SqlValue, TableDef, WriteTxn } from './ports.js';
import { replayLog, type LogOp } from './txn-replay.js';
import { ViewBase, findIndex, loadRef, undefinedTable, type TableLike, type ViewCore } from './view.js';

export type { LogOp } from './txn-replay.js';

export interface TxnCore extends ViewCore {
  /** Largest accounted node size. */
  readonly capacity: number;
  /** Rows whose encoded size exceeds this are kept out of line (overflow pages). */
  readonly spillSize: number;
  /** Largest allowed key (table or index entry). */
  readonly maxKeySize: number;
  /** Whether large rows really go to overflow pages (file engines). */
  readonly spills: boolean;
  commit(txn: WriteTxnImpl): Promise<void>;
  /** The transaction ended without committing (drops its snapshot registration). */
  finished(txn: WriteTxnImpl): void;
}

/** A table as the transaction is changing it. */
export interface WorkTable {
  def: TableDef;
  root: ChildRef;
  indexRoots: ChildRef[];
  rowCount: number;
  nextRowId: number;
  /** Nodes carrying this token are this transaction's and not frozen. */
  owner: number;
  /** Written since its nodes were last frozen. */
  dirty: boolean;
  /**
   * New entries of non-unique indexes not yet in their trees (bulk-index.ts), per index; null when
   * none. Anything that reads or changes the table's indexes, or freezes the table, puts them in first.
   */
  pending: Key[][] | null;
}


interface Mark {
  /** Frozen tables (null for a statement mark, which rolls back through the undo log). */
  readonly tables: Map<string, TableState | null> | null;
  readonly meta: Map<string, unknown> | null;
  readonly log: number;
  readonly freed: number;
  readonly dropped: number;
  readonly overflow: number;
}

const enum TxnStatus {
  Open,
  Committing,
  Done,
}

function uniqueViolation(constraint: string, cols: string, vals: readonly SqlValue[]): DispatcherError {
  const shown = vals.map((v) => (v === null ? 'null' : typeof v === 'object' ? '\\x…' : String(v))).join(', ');
  return new DispatcherError(SqlState.UniqueViolation, `duplicate key value violates unique constraint "${constraint}"`, {
    detail: `Key (${cols})=(${shown}) already exists.`,
  });
}

export class WriteTxnImpl extends ViewBase implements WriteTxn {
  readonly base: DbState;
  readonly #core: TxnCore;
  readonly #writer: TreeWriter;
  /** Tables touched (null = dropped), by lower-cased name. */
  work = new Map<string, WorkTable | null>();
  /** Meta values set (undefined = deleted). */
  meta = new Map<string, unknown>();
  log: LogOp[] = [];
  /** Roots of trees dropped wholesale (their committed pages are freed at commit). */
  dropped: ChildRef[] = [];
  /** Overflow runs of committed rows this transaction removed or replaced. */
  overflowFreed: OverflowRef[] = [];
  #marks: Mark[] = [];
  /**
   * While a statement mark is live: for each log entry from #undoFrom on, what undoing it needs
   * (the replaced or removed leaf value of an update or delete, a frozen mark taken just before
   * a schema or meta change, nothing for an insert).
   */
  #undo: unknown[] = [];
  #undoFrom = -1;
  #status = TxnStatus.Open;
  /** Re-applying a raced commit: a vanished row is a serialization failure, not a bug. */
  readonly #replay: boolean;
  /**
   * Where the last getRow found its row, when in a leaf this transaction may edit in place: an
   * update of that row right after (UPDATE ... WHERE pk = ...) replaces it there without a second
   * descent, while no tree changed since (the epoch) and the table's root is the same.
   */
  #foundLeaf: LeafNode | null = null;
  #foundIndex = 0;
  #foundRoot: ChildRef = 0;
  #foundEpoch = -1;

  constructor(core: TxnCore, base: DbState, replay = false) {
    super(core);
    this.#core = core;
    this.base = base;
    this.#replay = replay;
    this.#writer = new TreeWriter(core.src, core.capacity);
    this.#writer.droppedRefs = this.overflowFreed;
  }

  get seq(): number {
    return this.base.seq;
  }

  /** Page ids of committed nodes replaced by copies. */
  get freedPages(): number[] {
    return this.#writer.freed;
  }

  get hasWrites(): boolean {
    return this.log.length > 0;
  }

  get isOpen(): boolean {
    return this.#status === TxnStatus.Open;
  }

  protected tableState(lname: string): TableLike | undefined {
    const w = this.work.get(lname);
    if (w !== undefined) return w ?? undefined;
    return this.base.tables.get(lname);
  }

  protected tableNames(): Iterable<string> {
    const names = new Set(this.base.tables.keys());
    for (const [n, w] of this.work) {
      if (w === null) names.delete(n);
      else names.add(n);
    }
    return names;
  }

  protected metaValue(name: string): unknown {
    if (this.meta.has(name)) return this.meta.get(name);
    return this.base.meta.get(name);
  }

  protected override beforeScan(lname: string): void {
    const w = this.work.get(lname);
    if (w && w.dirty) {
      // The cursor keeps the current nodes; later writes copy instead of editing under it.
      w.owner = newToken();
      w.dirty = false;
    }
  }

  override getRow(table: string, key: Key): Row | undefined {
    const lname = lowerName(table);
    const w = this.work.get(lname);
    // A table not written yet is read from the base (its nodes are committed: caches may be built).
    const at = w === undefined ? this.base.tables.get(lname) : w;
    if (at === undefined || at === null) return super.getRow(table, key);
    const root = at.root;
    const leaf = leafFor(this.#core.src, this.#load(root), key);
    const i = indexInLeaf(leaf, key);
    if (i < 0) return undefined;
    if (w !== undefined && w !== null && leaf.owner === w.owner) {
      this.#foundLeaf = leaf;
      this.#foundIndex = i;
      this.#foundRoot = root;
      this.#foundEpoch = currentTreeEpoch();
    }
    return this.#resolveRow(leaf.vals[i]!);
  }

  /** Replaces `key`'s row where the last getRow found it, if that still holds; false otherwise. */
  #replaceFound(t: WorkTable, key: Key, val: LeafValue, size: number): boolean {
    const leaf = this.#foundLeaf;
    if (leaf === null) return false;
    this.#foundLeaf = null;
    const i = this.#foundIndex;
    if (this.#foundEpoch !== currentTreeEpoch() || this.#foundRoot !== t.root || i >= leaf.keys.length) return false;
    if (compareKeys(leaf.keys[i]!, key) !== 0) return false;
    return this.#writer.replaceAt(leaf, i, val, size);
  }

  /** Puts a table's pending index entries into their trees. */
  #settle(t: WorkTable): void {
    const pending = t.pending;
    if (pending === null) return;
    t.pending = null;
    // The entries go into nodes owned by the table's current token: a later freeze must take a new one.
    t.dirty = true;
    const w = this.#writer;
    for (let i = 0; i < pending.length; i++) {
      const adds = pending[i]!;
      if (adds.length === 0) continue;
      w.owner = t.owner;
      t.indexRoots[i] = addIndexEntries(this.#core.src, w, t.indexRoots[i]!, adds, t.rowCount - adds.length);
    }
  }

  #settleAll(): void {
    for (const t of this.work.values()) if (t !== null && t.pending !== null) this.#settle(t);
  }

  #settleNamed(table: string): void {
    const t = this.work.get(lowerName(table));
    if (t != null && t.pending !== null) this.#settle(t);
  }

  override scanIndex(table: string, index: string, range?: KeyRange, reverse = false): IndexCursor {
    this.#settleNamed(table);
    return super.scanIndex(table, index, range, reverse);
  }

  override probeIndex(table: string, index: string, key: Key, reverse = false): Row[] | undefined {
    this.#settleNamed(table);
    return super.probeIndex(table, index, key, reverse);
  }

  #check(): void {
    if (this.#status !== TxnStatus.Open)
      throw new DispatcherError(SqlState.InvalidTransactionState, 'transaction is no longer open');
  }

  #writable(name: string): WorkTable {
    this.#check();
    const lname = lowerName(name);
    const w = this.work.get(lname);
    if (w) return w;
    const b = w === null ? undefined : this.base.tables.get(lname);
    if (b === undefined) throw undefinedTable(name);
    const t: WorkTable = {
      def: b.def,
      root: b.root,
      indexRoots: b.indexRoots.slice(),
      rowCount: b.rowCount,
      nextRowId: b.nextRowId,
      owner: newToken(),
      dirty: false,
      pending: null,
    };
    this.work.set(lname, t);
    return t;
  }

  #load(ref: ChildRef): BNode {
    return loadRef(this.#core.src, ref);
  }

  #keySize(key: Key, what: string): number {
    const s = tupleSize(key);
    if (s > this.#core.maxKeySize)
      throw new DispatcherError(
        SqlState.ProgramLimitExceeded,
        `index row size ${s} exceeds maximum ${this.#core.maxKeySize} for "${what}"`,
      );
    return s;
  }

  /** Leaf value and accounted entry size for a row. */
  #rowValue(row: Row, keySize: number): [LeafValue, number] {
    const rs = tupleSize(row);
    if (rs <= this.#core.spillSize) return [row, keySize + rs];
    return [this.#core.spills ? { row } : row, keySize + REF_SIZE];
  }

  /** The accounted entry size #rowValue gave a leaf value (for putting one back). */
  #valueSize(key: Key, v: LeafValue): number {
    const ks = tupleSize(key);
    if (!Array.isArray(v)) return ks + REF_SIZE;
    const rs = tupleSize(v);
    return rs <= this.#core.spillSize ? ks + rs : ks + REF_SIZE;
  }

    #resolveRow(v: LeafValue): Row {
    return Array.isArray(v) ? v : this.#core.resolve(v);
  }

  /** Whether an index holds an entry starting with ik[0..n) whose table key is not `except`. */
  #indexHas(root: ChildRef, ik: Key, n: number, except: Key | undefined): boolean {
    const quick = hasPrefix(this.#core.src, this.#load(root), ik, n, except);
    if (quick !== undefined) return quick;
    const prefix = ik.slice(0, n);
    const c = new TreeCursor(this.#core.src, this.#load(root), { lower: prefix, upper: prefix }, false);
    try {
      while (c.advance()) {
        if (except === undefined) return true;
        const k = c.key;
        const tk = k.slice(prefix.length);
        if (compareKeys(tk, except) !== 0) return true;
      }
      return false;
    } finally {
      c.close();
    }
  }

  #pkName(def: TableDef): string {
    return `${def.name}_pkey`;
  }

  #colNames(def: TableDef, cols: readonly number[]): string {
    return cols.map((i) => def.columns[i]?.name ?? `#${i}`).join(', ');
  }

  #notFound(table: string): DispatcherError {
    if (this.#replay || this.#replaying > 0)
      return new DispatcherError(SqlState.SerializationFailure, 'could not serialize access due to concurrent update');
    return new DispatcherError(SqlState.InternalError, `row to change not found in table "${table}"`);
  }

  insert(table: string, row0: Row, owned = false): Key {
    const t = this.#writable(table);
    // Storage keeps the row: a private copy, so the caller may reuse its array, unless handed over.
    const row = owned ? row0 : row0.slice();
    const def = t.def;
    const pk = def.primaryKey;
    let key: Key;
    if (pk.length === 0) key = [t.nextRowId];
    else if (pk.length === 1) key = [row[pk[0]!] ?? null];
    else key = pk.map((i) => row[i] ?? null);
    const ks = this.#keySize(key, def.name);
    const ixs = def.indexes;
    let ikeys: Key[] | undefined;
    if (ixs.length > 0) {
      ikeys = new Array<Key>(ixs.length);
      for (let i = 0; i < ixs.length; i++) {
        const ix = ixs[i]!;
        const ik = indexKey(row, ix.columns, key);
        this.#keySize(ik, ix.name);
        ikeys[i] = ik;
        if (ix.unique && !hasNull(ik, ix.columns.length) && this.#indexHas(t.indexRoots[i]!, ik, ix.columns.length, undefined))
          throw uniqueViolation(ix.name, this.#colNames(def, ix.columns), ik.slice(0, ix.columns.length));
      }
    }
    const w = this.#writer;
    w.owner = t.owner;
    const [val, size] = this.#rowValue(row, ks);
    const root = w.put(this.#load(t.root), key, val, size, PutMode.Insert);
    if (w.duplicate) throw uniqueViolation(this.#pkName(def), this.#colNames(def, pk), key);
    t.root = root;
    if (pk.length === 0) t.nextRowId++;
    if (ikeys !== undefined) {
      for (let i = 0; i < ikeys.length; i++) {
        const ik = ikeys[i]!;
        // A unique index is checked against its tree: its entries go in at once.
        if (ixs[i]!.unique) t.indexRoots[i] = w.put(this.#load(t.indexRoots[i]!), ik, null, tupleSize(ik) + 1, PutMode.Upsert);
        else (t.pending ??= ixs.map(() => []))[i]!.push(ik);
      }
    }
    t.rowCount++;
    t.dirty = true;
    this.log.push({ op: 'insert', t: def.name, row, key });
    if (this.#undoFrom >= 0) this.#undo.push(null);
    return key;
  }

  update(table: string, key: Key, row0: Row, owned = false): Key {
    const t = this.#writable(table);
    if (t.pending !== null) this.#settle(t);
    const row = owned ? row0 : row0.slice();
    const def = t.def;
    const pk = def.primaryKey;
    let newKey: Key;
    if (pk.length === 0) newKey = key;
    else if (pk.length === 1) {
      // The common update leaves the key alone: the row keeps the key array it has.
      const k0 = row[pk[0]!] ?? null;
      newKey = key.length === 1 && k0 === key[0] ? key : [k0];
    } else newKey = pk.map((i) => row[i] ?? null);
    const keyChanged = pk.length !== 0 && compareKeys(newKey, key) !== 0;
    const ks = this.#keySize(newKey, def.name);
    const w = this.#writer;
    let old: LeafValue;
    let changes: (readonly [Key, Key] | null)[] | null = null;
    if (!keyChanged) {
      // One descent replaces the row and hands back the old one; index entries follow (and a
      // unique violation there puts the old row back).
      w.owner = t.owner;
      const [val, size] = this.#rowValue(row, ks);
      const overflow = this.overflowFreed.length;
      if (!this.#replaceFound(t, key, val, size)) {
        const root = w.put(this.#load(t.root), key, val, size, PutMode.Replace);
        if (w.missing) throw this.#notFound(table);
        t.root = root;
      }
      old = w.removed!;
      t.dirty = true;
      if (def.indexes.length > 0) {
        try {
          changes = this.#indexChanges(t, key, newKey, false, this.#resolveRow(old), row);
        } catch (e) {
          w.owner = t.owner;
          t.root = w.put(this.#load(t.root), key, old, this.#valueSize(key, old), PutMode.Replace);
          this.overflowFreed.length = overflow;
          throw e;
        }
      }
    } else {
      const found = lookup(this.#core.src, this.#load(t.root), key);
      if (found === undefined) throw this.#notFound(table);
      old = found;
      // Which index entries change, computed (and checked) before anything is written.
      changes = this.#indexChanges(t, key, newKey, true, this.#resolveRow(old), row);
      if (lookup(this.#core.src, this.#load(t.root), newKey) !== undefined)
        throw uniqueViolation(this.#pkName(def), this.#colNames(def, pk), newKey);
      w.owner = t.owner;
      const [val, size] = this.#rowValue(row, ks);
      const r = w.remove(this.#load(t.root), key);
      t.root = w.put(r, newKey, val, size, PutMode.Insert);
    }
    if (changes !== null) {
      w.owner = t.owner;
      for (let i = 0; i < changes.length; i++) {
        const ch = changes[i];
        if (!ch) continue;
        const r = w.remove(this.#load(t.indexRoots[i]!), ch[0]);
        t.indexRoots[i] = w.put(r, ch[1], null, tupleSize(ch[1]) + 1, PutMode.Upsert);
      }
    }
    t.dirty = true;
    this.log.push({ op: 'update', t: def.name, key, row });
    if (this.#undoFrom >= 0) this.#undo.push(old);
    return newKey;
  }

  /** Per index, the entry an update replaces and its replacement (null: unchanged); checks sizes and uniqueness. */
  #indexChanges(t: WorkTable, key: Key, newKey: Key, keyChanged: boolean, oldRow: Row, row: Row): (readonly [Key, Key] | null)[] | null {
    const def = t.def;
    const ixs = def.indexes;
    let changes: (readonly [Key, Key] | null)[] | null = null;
    for (let i = 0; i < ixs.length; i++) {
      const ix = ixs[i]!;
      if (!keyChanged && sameIndexed(ix.columns, oldRow, row)) {
        changes?.push(null);
        continue;
      }
      changes ??= new Array<readonly [Key, Key] | null>(i).fill(null);
      const nk = indexKey(row, ix.columns, newKey);
      this.#keySize(nk, ix.name);
      if (ix.unique && !hasNull(nk, ix.columns.length) && this.#indexHas(t.indexRoots[i]!, nk, ix.columns.length, key))
        throw uniqueViolation(ix.name, this.#colNames(def, ix.columns), nk.slice(0, ix.columns.length));
      changes.push([indexKey(oldRow, ix.columns, key), nk]);
    }
    return changes;
  }

  delete(table: string, key: Key): void {
    const t = this.#writable(table);
    if (t.pending !== null) this.#settle(t);
    const def = t.def;
    const w = this.#writer;
    w.owner = t.owner;
    const root = w.remove(this.#load(t.root), key);
    if (!w.found) throw this.#notFound(table);
    t.root = root;
    const removed = w.removed!;
    const ixs = def.indexes;
    // The old row is needed only for its index keys (an overflow run stays readable until commit).
    const oldRow = ixs.length > 0 ? this.#resolveRow(removed) : null;
    for (let i = 0; i < ixs.length; i++) {
      t.indexRoots[i] = w.remove(this.#load(t.indexRoots[i]!), indexKey(oldRow!, ixs[i]!.columns, key));
    }
    t.rowCount--;
    t.dirty = true;
    this.log.push({ op: 'delete', t: def.name, key });
    if (this.#undoFrom >= 0) this.#undo.push(removed);
  }

  /** A catalog key must fit a tree node like any key: a longer name is refused before commit. */
  #catalogName(kind: 't' | 'm', name: string): void {
    const size = tupleSize([kind, name]);
    if (size <= this.#core.maxKeySize) return;
    // meta entries are named after their object ('acl:table:t'): name the object
    const object = kind === 'm' ? name.slice(name.lastIndexOf(':') + 1) : name;
    throw new DispatcherError('42622', `name "${object.slice(0, 32)}…" is too long (${size} bytes in the catalog, at most ${this.#core.maxKeySize})`);
  }

  createTable(def: TableDef): void {
    this.#check();
    const lname = lowerName(def.name);
    this.#catalogName('t', lname);
    const before = this.#frozenForUndo();
    if (this.tableState(lname) !== undefined)
      throw new DispatcherError(SqlState.DuplicateTable, `relation "${def.name}" already exists`);
    const owner = newToken();
    this.work.set(lname, {
      def,
      root: newLeaf(owner),
      indexRoots: def.indexes.map(() => newLeaf(owner)),
      rowCount: 0,
      nextRowId: 1,
      owner,
      dirty: true,
      pending: null,
    });
    this.log.push({ op: 'createTable', def });
    if (before !== null) this.#undo.push(before);
  }

  dropTable(name: string): void {
    const t = this.#writable(name);
    const before = this.#frozenForUndo();
    this.dropped.push(t.root, ...t.indexRoots);
    this.work.set(lowerName(name), null);
    this.log.push({ op: 'dropTable', t: name });
    if (before !== null) this.#undo.push(before);
  }

  renameTable(from: string, to: string): void {
    const t = this.#writable(from);
    const lto = lowerName(to);
    this.#catalogName('t', lto);
    const before = this.#frozenForUndo();
    if (this.tableState(lto) !== undefined)
      throw new DispatcherError(SqlState.DuplicateTable, `relation "${to}" already exists`);
    const def: TableDef = { ...t.def, name: to, indexes: t.def.indexes.map((ix) => ({ ...ix, table: to })) };
    this.work.set(lowerName(from), null);
    this.work.set(lto, { ...t, def, dirty: true });
    this.log.push({ op: 'renameTable', t: from, to });
    if (before !== null) this.#undo.push(before);
  }

  alterTable(def: TableDef, rewrite?: (row: Row) => Row): void {
    const t = this.#writable(def.name);
    const before = this.#frozenForUndo();
    const old = t.def;
    const samePk =
      old.primaryKey.length === def.primaryKey.length && old.primaryKey.every((c, i) => c === def.primaryKey[i]);
    const owner = newToken();
    const w = this.#writer;
    let root = t.root;
    let rebuiltTable = false;
    if (rewrite !== undefined || !samePk) {
      // Rebuild the table tree with the new row shape / key.
      w.owner = owner;
      let nr: BNode = newLeaf(owner);
      let nextRowId = t.nextRowId;
      const c = new TreeCursor(this.#core.src, this.#load(t.root), undefined, false);
      try {
        while (c.advance()) {
          const r0 = this.#resolveRow(c.value);
          const r = rewrite ? rewrite(r0) : r0;
          const key: Key =
            def.primaryKey.length === 0
              ? old.primaryKey.length === 0
                ? c.key
                : [nextRowId++]
              : def.primaryKey.map((i) => r[i] ?? null);
          const [val, size] = this.#rowValue(r, this.#keySize(key, def.name));
          nr = w.put(nr, key, val, size, PutMode.Insert);
          if (w.duplicate) throw uniqueViolation(this.#pkName(def), this.#colNames(def, def.primaryKey), key);
        }
      } finally {
        c.close();
      }
      root = nr;
      rebuiltTable = true;
      t.nextRowId = nextRowId;
    }
    // Indexes: keep trees whose definition is unchanged (unless rows changed), build the rest.
    const roots: ChildRef[] = [];
    const kept = new Set<number>();
    for (const ix of def.indexes) {
      const oi = findIndex(old, ix.name);
      const o = oi >= 0 ? old.indexes[oi]! : undefined;
      if (
        !rebuiltTable &&
        o !== undefined &&
        o.unique === ix.unique &&
        o.columns.length === ix.columns.length &&
        o.columns.every((c, i) => c === ix.columns[i])
      ) {
        roots.push(t.indexRoots[oi]!);
        kept.add(oi);
      } else {
        roots.push(this.#buildIndex(root, ix, def, owner));
      }
    }
    if (rebuiltTable) this.dropped.push(t.root);
    for (let i = 0; i < t.indexRoots.length; i++) if (!kept.has(i)) this.dropped.push(t.indexRoots[i]!);
    t.def = def;
    t.root = root;
    t.indexRoots = roots;
    t.owner = owner;
    t.dirty = true;
    this.log.push({ op: 'alterTable', def, rewrite });
    if (before !== null) this.#undo.push(before);
  }

  /**
   * Builds an index tree over the table at `root` (entries collected, sorted, checked, built
   * bottom-up); 23505 on a duplicate in a unique index.
   */
  #buildIndex(root: ChildRef, ix: IndexDef, def: TableDef, owner: number): BNode {
    const keys: Key[] = [];
    const c = new TreeCursor(this.#core.src, this.#load(root), undefined, false);
    try {
      while (c.advance()) {
        const ik = indexKey(this.#resolveRow(c.value), ix.columns, c.key);
        this.#keySize(ik, ix.name);
        keys.push(ik);
      }
    } finally {
      c.close();
    }
    sortIndexKeys(keys);
    const n = ix.columns.length;
    if (ix.unique) {
      // Sorted, equal indexed values are neighbours (NULLs never conflict).
      for (let i = 1; i < keys.length; i++) {
        const ik = keys[i]!;
        if (!hasNull(ik, n) && comparePrefixN(keys[i - 1]!, ik, n) === 0)
          throw uniqueViolation(ix.name, this.#colNames(def, ix.columns), ik.slice(0, n));
      }
    }
    return buildIndexTree(keys, owner, this.#core.capacity);
  }

  createIndex(index: IndexDef): void {
    const t = this.#writable(index.table);
    const before = this.#frozenForUndo();
    if (findIndex(t.def, index.name) >= 0)
      throw new DispatcherError(SqlState.DuplicateTable, `relation "${index.name}" already exists`);
    const root = this.#buildIndex(t.root, index, t.def, t.owner);
    t.def = { ...t.def, indexes: [...t.def.indexes, index] };
    t.indexRoots.push(root);
    t.dirty = true;
    this.log.push({ op: 'createIndex', index });
    if (before !== null) this.#undo.push(before);
  }

  dropIndex(table: string, name: string): void {
    const t = this.#writable(table);
    const before = this.#frozenForUndo();
    const i = findIndex(t.def, name);
    if (i < 0) throw new DispatcherError(SqlState.UndefinedObject, `index "${name}" does not exist`);
    this.dropped.push(t.indexRoots[i]!);
    t.indexRoots.splice(i, 1);
    t.def = { ...t.def, indexes: t.def.indexes.filter((_, j) => j !== i) };
    t.dirty = true;
    this.log.push({ op: 'dropIndex', t: table, name });
    if (before !== null) this.#undo.push(before);
  }

  setMeta(name: string, value: unknown): void {
    this.#check();
    this.#catalogName('m', name);
    const before = this.#frozenForUndo();
    this.meta.set(name, value);
    this.log.push({ op: 'setMeta', name, value });
    if (before !== null) this.#undo.push(before);
  }

  savepoint(): number {
    this.#check();
    this.#marks.push(this.#freeze());
    return this.#marks.length - 1;
  }

  /**
   * A statement's mark: nothing is frozen, so the statement keeps editing the nodes it owns in
   * place; rolling back to it undoes the operations logged since, newest first.
   */
  statementMark(): number {
    this.#check();
    if (this.#undoFrom < 0) {
      this.#undoFrom = this.log.length;
      this.#undo.length = 0;
    }
    this.#marks.push({
      tables: null,
      meta: null,
      log: this.log.length,
      freed: this.#writer.freed.length,
      dropped: this.dropped.length,
      overflow: this.overflowFreed.length,
    });
    return this.#marks.length - 1;
  }

  /** The whole write set as it is now, its nodes frozen (later writes copy them). */
  #freeze(): Mark {
    this.#settleAll();
    const tables = new Map<string, TableState | null>();
    for (const [n, w] of this.work) {
      if (w === null) {
        tables.set(n, null);
        continue;
      }
      tables.set(n, freezeTable(w));
      if (w.dirty) {
        w.owner = newToken();
        w.dirty = false;
      }
    }
    return {
      tables,
      meta: new Map(this.meta),
      log: this.log.length,
      freed: this.#writer.freed.length,
      dropped: this.dropped.length,
      overflow: this.overflowFreed.length,
    };
  }

  /** Before a schema or meta change under a statement mark: how to get back to the state before it. */
  #frozenForUndo(): Mark | null {
    // Every schema and meta change passes here first: pending index entries go in before it (a
    // change of the indexes would leave them at the wrong positions).
    this.#settleAll();
    return this.#undoFrom >= 0 ? this.#freeze() : null;
  }

  #restore(m: Mark): void {
    const work = new Map<string, WorkTable | null>();
    for (const [n, s] of m.tables!) work.set(n, s === null ? null : thawTable(s));
    this.work = work;
    this.meta = new Map(m.meta!);
    this.#writer.freed.length = m.freed;
  }

  rollbackTo(mark: number): void {
    this.#check();
    const m = this.#marks[mark];
    if (m === undefined) throw new DispatcherError(SqlState.InvalidSavepoint, `savepoint ${mark} does not exist`);
    // Undo takes index entries out of their trees: the pending ones go in first.
    this.#settleAll();
    if (m.tables === null) this.#undoTo(m.log);
    else this.#restore(m);
    this.log.length = m.log;
    if (this.#undoFrom >= 0) this.#undo.length = Math.max(0, m.log - this.#undoFrom);
    this.dropped.length = m.dropped;
    this.overflowFreed.length = m.overflow;
    this.#marks.length = mark + 1;
    this.#afterMarksCut();
  }

  release(mark: number): void {
    if (mark < this.#marks.length) {
      this.#marks.length = Math.max(0, mark);
      this.#afterMarksCut();
    }
  }

  /** Once no statement mark is left, nothing needs undoing any more. */
  #afterMarksCut(): void {
    if (this.#undoFrom < 0) return;
    for (const m of this.#marks) if (m.tables === null) return;
    this.#undoFrom = -1;
    this.#undo.length = 0;
  }

  /**
   * Undoes the logged operations from the newest down to log position `to`. Pages of committed
   * nodes the statement copied stay freed (the live trees keep the copies); overflow runs the
   * statement dropped are back in the trees (the caller cuts overflowFreed).
   */
  #undoTo(to: number): void {
    const w = this.#writer;
    const drop = w.droppedRefs;
    // Values dropped while undoing are the statement's own (never a committed overflow run).
    w.droppedRefs = null;
    try {
      for (let i = this.log.length - 1; i >= to; i--) {
        const op = this.log[i]!;
        const u = this.#undo[i - this.#undoFrom];
        switch (op.op) {
          case 'insert':
            this.#undoInsert(op.t, op.key, op.row);
            break;
          case 'update':
            this.#undoUpdate(op.t, op.key, op.row, u as LeafValue);
            break;
          case 'delete':
            this.#undoDelete(op.t, op.key, u as LeafValue);
            break;
          default:
            this.#restore(u as Mark);
        }
      }
    } finally {
      w.droppedRefs = drop;
    }
  }

  #undoTable(table: string): WorkTable {
    const t = this.work.get(lowerName(table));
    if (!t) throw new DispatcherError(SqlState.InternalError, `undo: table "${table}" is not in the write set`);
    this.#writer.owner = t.owner;
    t.dirty = true;
    return t;
  }

  #undoInsert(table: string, key: Key, row: Row): void {
    const t = this.#undoTable(table);
    const w = this.#writer;
    t.root = w.remove(this.#load(t.root), key);
    const ixs = t.def.indexes;
    for (let i = 0; i < ixs.length; i++) {
      t.indexRoots[i] = w.remove(this.#load(t.indexRoots[i]!), indexKey(row, ixs[i]!.columns, key));
    }
    t.rowCount--;
    if (t.def.primaryKey.length === 0 && key[0] === t.nextRowId - 1) t.nextRowId--;
  }

  #undoUpdate(table: string, key: Key, row: Row, old: LeafValue): void {
    const t = this.#undoTable(table);
    const w = this.#writer;
    const def = t.def;
    const pk = def.primaryKey;
    const newKey: Key = pk.length === 0 ? key : pk.map((i) => row[i] ?? null);
    const keyChanged = pk.length !== 0 && compareKeys(newKey, key) !== 0;
    const oldRow = this.#resolveRow(old);
    const size = this.#valueSize(key, old);
    if (keyChanged) {
      const r = w.remove(this.#load(t.root), newKey);
      t.root = w.put(r, key, old, size, PutMode.Insert);
    } else {
      t.root = w.put(this.#load(t.root), key, old, size, PutMode.Upsert);
    }
    const ixs = def.indexes;
    for (let i = 0; i < ixs.length; i++) {
      const cols = ixs[i]!.columns;
      if (!keyChanged && sameIndexed(cols, oldRow, row)) continue;
      const r = w.remove(this.#load(t.indexRoots[i]!), indexKey(row, cols, newKey));
      const ok = indexKey(oldRow, cols, key);
      t.indexRoots[i] = w.put(r, ok, null, tupleSize(ok) + 1, PutMode.Upsert);
    }
  }

  #undoDelete(table: string, key: Key, old: LeafValue): void {
    const t = this.#undoTable(table);
    const w = this.#writer;
    const size = this.#valueSize(key, old);
    t.root = w.put(this.#load(t.root), key, old, size, PutMode.Insert);
    const ixs = t.def.indexes;
    if (ixs.length > 0) {
      const oldRow = this.#resolveRow(old);
      for (let i = 0; i < ixs.length; i++) {
        const ik = indexKey(oldRow, ixs[i]!.columns, key);
        t.indexRoots[i] = w.put(this.#load(t.indexRoots[i]!), ik, null, tupleSize(ik) + 1, PutMode.Upsert);
      }
    }
    t.rowCount++;
  }

  commit(): Promise<void> {
    if (this.#status !== TxnStatus.Open)
      return Promise.reject(new DispatcherError(SqlState.InvalidTransactionState, 'transaction is no longer open'));
    this.#settleAll();
    this.#status = TxnStatus.Committing;
    return this.#core.commit(this);
  }

  /** Called by the engine once the commit is over (durable or failed). */
  settle(): void {
    this.#status = TxnStatus.Done;
    // A cached plan's view may keep this object after the commit: let its log and undo go.
    this.log = [];
    this.#undo = [];
    this.#undoFrom = -1;
  }

  rollback(): void {
    if (this.#status !== TxnStatus.Open) return;
    this.#status = TxnStatus.Done;
    this.work = new Map();
    this.log = [];
    this.#undo = [];
    this.#undoFrom = -1;
    this.#core.finished(this);
  }

  /** Inside replay(): a row the log names may have been deleted by a later commit. */
  #replaying = 0;

  /** Re-applies another transaction's logical operations onto this one's base. */
  replay(log: readonly LogOp[]): void {
    this.#replaying++;
    try {
      replayLog(this, log);
      this.#settleAll();
    } finally {
      this.#replaying--;
    }
  }
}

/** Whether an update leaves an index entry as it was (the forward write and its undo agree on it). */
function sameIndexed(cols: readonly number[], oldRow: Row, row: Row): boolean {
  for (const c of cols) {
    const a = oldRow[c] ?? null;
    const b = row[c] ?? null;
    if (a !== b && (compareValues(a, b) !== 0 || typeof a !== typeof b)) return false;
  }
  return true;
}

function hasNull(k: Key, n: number): boolean {
  for (let i = 0; i < n; i++) if (k[i] === null) return true;
  return false;
}

/** [indexed values..., table key...], packed (see packedKey): a literal for the common shapes. */
export function indexKey(row: Row, cols: readonly number[], tableKey: Key): Key {
  const n = cols.length;
  if (tableKey.length === 1) {
    if (n === 1) return [row[cols[0]!] ?? null, tableKey[0]!];
    if (n === 2) return [row[cols[0]!] ?? null, row[cols[1]!] ?? null, tableKey[0]!];
  }
  const k = new Array<SqlValue>(n + tableKey.length);
  for (let i = 0; i < n; i++) k[i] = row[cols[i]!] ?? null;
  for (let i = 0; i < tableKey.length; i++) k[n + i] = tableKey[i]!;
  return packedKey(k);
}

export function freezeTable(w: WorkTable): TableState {
  return { def: w.def, root: w.root, indexRoots: w.indexRoots.slice(), rowCount: w.rowCount, nextRowId: w.nextRowId };
}

function thawTable(s: TableState): WorkTable {
  return {
    def: s.def,
    root: s.root,
    indexRoots: s.indexRoots.slice(),
    rowCount: s.rowCount,
    nextRowId: s.nextRowId,
    owner: newToken(),
    dirty: false,
    pending: null,
  };
}
