// The base of a write transaction (write-txn.ts): its state, its reads of what it has written, and
// its row writes (insert, update, delete), the paths that run once per row.
import { DispatcherError, SqlState } from '../api/errors.js';
import { PutMode, TreeWriter, currentTreeEpoch, hasPrefix, indexInLeaf, leafFor, lookup, walkTree } from './btree.js';
import { changeIndexEntries } from './bulk-index.js';
import { addFlatIndexEntries } from './flat-index.js';
import { PendingKeys } from './pending-keys.js';
import { lowerName, type DbState } from './catalog.js';
import { TreeCursor } from './cursor.js';
import { hasNull, indexKey, sameIndexed, uniqueViolation } from './index-keys.js';
import { compareKeys } from './key-order.js';
import { compareAt, leafLength } from './leaf-keys.js';
import { valueAt } from './leaf-values.js';
import { REF_SIZE, isOverflowRef, newLeaf, newToken, tupleSize, type BNode, type ChildRef, type LeafNode, type LeafValue, type OverflowRef } from './node.js';
import type { IndexCursor, Key, KeyRange, Row, TableDef } from './ports.js';
import { newInsertRun, pushToRun } from './insert-run.js';
import type { LogOp } from './txn-replay.js';
import { ViewBase, loadRef, undefinedTable, type TableLike } from './view.js';
import { rowId, type WorkTable } from './work-table.js';
import type { TxnCore } from './write-txn.js';

export const enum TxnStatus {
  Open,
  Committing,
  Done,
}

/** What the subclasses (txn-marks.ts, write-txn.ts) use is protected; the rest is private. */
const NO_KEYS: Key[] = [];

export abstract class TxnRows extends ViewBase {
  /** The same object ViewBase holds, with the write side's members. */
  protected declare readonly core: TxnCore;
  readonly base: DbState;
  protected readonly writer: TreeWriter;
  /** Tables touched (null = dropped), by lower-cased name. */
  work = new Map<string, WorkTable | null>();
  /** Meta values set (undefined = deleted). */
  meta = new Map<string, unknown>();
  log: LogOp[] = [];
  /** Roots of trees dropped wholesale (their committed pages are freed at commit). */
  dropped: ChildRef[] = [];
  /** Overflow runs of committed rows this transaction removed or replaced. */
  overflowFreed: OverflowRef[] = [];
  /**
   * While a statement mark is live: for each log entry from undoFrom on, what undoing it needs
   * (the replaced or removed leaf value of an update or delete, a frozen mark taken just before
   * a schema or meta change, nothing for an insert).
   */
  protected undo: unknown[] = [];
  /**
   * Log entries below this index are closed: a run of inserts there takes no more rows, so a mark
   * or log position taken at the log's length stays between the operations before and after it.
   */
  protected sealedLog = 0;

  /**
   * Moves with every row written or undone: a reader that keeps what it read of a table within
   * one statement (auto-index.ts) tells by it whether the statement has changed anything since.
   */
  changes = 0;

  /** The log's length as a position that later operations stay after (rebase.ts, marks). */
  sealLog(): number {
    this.sealedLog = this.log.length;
    return this.sealedLog;
  }
  protected undoFrom = -1;
  protected status = TxnStatus.Open;
  /** Re-applying a raced commit: a vanished row is a serialization failure, not a bug. */
  readonly #replay: boolean;
  /** Inside replay(): a row the log names may have been deleted by a later commit. */
  protected replaying = 0;
  /** insert's scratch list of a row's index keys. */
  readonly #ikeys: Key[] = [];
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
    this.base = base;
    this.#replay = replay;
    this.writer = new TreeWriter(core.src, core.capacity);
    this.writer.droppedRefs = this.overflowFreed;
  }

  get seq(): number {
    return this.base.seq;
  }

  /** Page ids of committed nodes replaced by copies. */
  get freedPages(): number[] {
    return this.writer.freed;
  }

  get hasWrites(): boolean {
    return this.log.length > 0;
  }

  get isOpen(): boolean {
    return this.status === TxnStatus.Open;
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
    const leaf = leafFor(this.core.src, this.load(root), key);
    const i = indexInLeaf(leaf, key);
    if (i < 0) return undefined;
    if (w !== undefined && w !== null && leaf.owner === w.owner) {
      this.#foundLeaf = leaf;
      this.#foundIndex = i;
      this.#foundRoot = root;
      this.#foundEpoch = currentTreeEpoch();
    }
    return this.resolveRow(valueAt(leaf, i));
  }

  /** Replaces `key`'s row where the last getRow found it, if that still holds; false otherwise. */
  #replaceFound(t: WorkTable, key: Key, val: LeafValue, size: number): boolean {
    const leaf = this.#foundLeaf;
    if (leaf === null) return false;
    this.#foundLeaf = null;
    const i = this.#foundIndex;
    if (this.#foundEpoch !== currentTreeEpoch() || this.#foundRoot !== t.root || i >= leafLength(leaf)) return false;
    if (compareAt(leaf, i, key) !== 0) return false;
    return this.writer.replaceAt(leaf, i, val, size);
  }

  /** Puts a table's pending index entries into their trees. */
  #settle(t: WorkTable): void {
    const pending = t.pending;
    if (pending === null) return;
    const removals = t.removals;
    this.#dropPending(t);
    // The entries go into nodes owned by the table's current token: a later freeze must take a new one.
    t.dirty = true;
    const w = this.writer;
    for (let i = 0; i < pending.length; i++) {
      const adds = pending[i]!;
      const rems = removals?.[i] ?? NO_KEYS;
      if (adds.length === 0 && rems.length === 0) continue;
      w.owner = t.owner;
      // In the tree now: every row's entry, but those of rows inserted since (adds beyond the replacements).
      const existing = t.rowCount - (adds.length - rems.length);
      const src = this.core.src;
      const root = t.indexRoots[i]!;
      const flat = rems.length === 0 ? adds.flat() : null;
      t.indexRoots[i] =
        flat !== null
          ? addFlatIndexEntries(src, w, root, flat, adds.ar, existing)
          : changeIndexEntries(src, w, root, adds.tuples(), rems, existing);
    }
  }

  #dropPending(t: WorkTable): void {
    t.pending = null;
    t.removals = null;
    t.deferredRows = null;
    t.inserted = false;
  }

  /**
   * Whether an update of the row at `key` may leave its index changes aside: its entries must be
   * in the trees (not aside from an insert or an earlier update), and no index unique (a unique
   * index is checked against its tree).
   */
  #mayDefer(t: WorkTable, key: Key): boolean {
    if (t.inserted) return false;
    const ixs = t.def.indexes;
    for (let i = 0; i < ixs.length; i++) if (ixs[i]!.unique) return false;
    return t.deferredRows === null || !t.deferredRows.has(rowId(key));
  }

  protected settleAll(): void {
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

  protected check(): void {
    if (this.status !== TxnStatus.Open)
      throw new DispatcherError(SqlState.InvalidTransactionState, 'transaction is no longer open');
  }

  protected writable(name: string): WorkTable {
    this.check();
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
      removals: null,
      deferredRows: null,
      inserted: false,
    };
    this.work.set(lname, t);
    return t;
  }

  protected load(ref: ChildRef): BNode {
    return loadRef(this.core.src, ref);
  }

  protected keySize(key: Key, what: string): number {
    const s = tupleSize(key);
    if (s > this.core.maxKeySize)
      throw new DispatcherError(
        SqlState.ProgramLimitExceeded,
        `index row size ${s} exceeds maximum ${this.core.maxKeySize} for "${what}"`,
      );
    return s;
  }

  /**
   * A row's leaf value, given its tupleSize: the row, or a large one wrapped (a file spills it to
   * overflow pages at commit). In memory it stays wrapped: its entry is accounted as a reference
   * (entrySize), which a leaf measuring its rows (leaf-values.ts) must not take for the row's size.
   */
  protected leafValue(row: Row, rowSize: number): LeafValue {
    return rowSize > this.core.spillSize ? { row } : row;
  }

  /** The accounted size of a row's leaf entry (a large row's is its overflow reference's). */
  protected entrySize(keySize: number, rowSize: number): number {
    return keySize + (rowSize > this.core.spillSize ? REF_SIZE : rowSize);
  }

  /** The accounted entry size entrySize gave a leaf value (for putting one back). */
  protected valueSize(key: Key, v: LeafValue): number {
    const ks = tupleSize(key);
    if (!Array.isArray(v)) return ks + REF_SIZE;
    const rs = tupleSize(v);
    return rs <= this.core.spillSize ? ks + rs : ks + REF_SIZE;
  }

  protected resolveRow(v: LeafValue): Row {
    return Array.isArray(v) ? v : this.core.resolve(v);
  }

  /** Whether an index holds an entry starting with ik[0..n) whose table key is not `except`. */
  #indexHas(root: ChildRef, ik: Key, n: number, except: Key | undefined): boolean {
    const quick = hasPrefix(this.core.src, this.load(root), ik, n, except);
    if (quick !== undefined) return quick;
    const prefix = ik.slice(0, n);
    const c = new TreeCursor(this.core.src, this.load(root), { lower: prefix, upper: prefix }, false);
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

  protected pkName(def: TableDef): string {
    return `${def.name}_pkey`;
  }

  protected colNames(def: TableDef, cols: readonly number[]): string {
    return cols.map((i) => def.columns[i]?.name ?? `#${i}`).join(', ');
  }

  #notFound(table: string): DispatcherError {
    if (this.#replay || this.replaying > 0)
      return new DispatcherError(SqlState.SerializationFailure, 'could not serialize access due to concurrent update');
    return new DispatcherError(SqlState.InternalError, `row to change not found in table "${table}"`);
  }

  insert(table: string, row0: Row, owned = false): Key {
    this.changes++;
    const t = this.writable(table);
    // Storage keeps the row: a private copy, so the caller may reuse its array, unless handed over.
    const row = owned ? row0 : row0.slice();
    const def = t.def;
    const pk = def.primaryKey;
    let key: Key;
    if (pk.length === 0) key = [t.nextRowId];
    else if (pk.length === 1) key = [row[pk[0]!] ?? null];
    else key = pk.map((i) => row[i] ?? null);
    const ks = this.keySize(key, def.name);
    const ixs = def.indexes;
    // The row's index keys, all made and checked before anything changes (a scratch list: one
    // array less per row of a bulk load).
    let ikeys: Key[] | undefined;
    if (ixs.length > 0) {
      ikeys = this.#ikeys;
      ikeys.length = ixs.length;
      for (let i = 0; i < ixs.length; i++) {
        const ix = ixs[i]!;
        const ik = indexKey(row, ix.columns, key);
        this.keySize(ik, ix.name);
        ikeys[i] = ik;
        if (ix.unique && !hasNull(ik, ix.columns.length) && this.#indexHas(t.indexRoots[i]!, ik, ix.columns.length, undefined))
          throw uniqueViolation(ix.name, this.colNames(def, ix.columns), ik.slice(0, ix.columns.length));
      }
    }
    const w = this.writer;
    w.owner = t.owner;
    const rs = tupleSize(row);
    const val = this.leafValue(row, rs);
    const size = this.entrySize(ks, rs);
    const root = w.put(this.load(t.root), key, val, size, PutMode.Insert);
    if (w.duplicate) throw uniqueViolation(this.pkName(def), this.colNames(def, pk), key);
    t.root = root;
    if (pk.length === 0) t.nextRowId++;
    if (ikeys !== undefined) {
      for (let i = 0; i < ikeys.length; i++) {
        const ik = ikeys[i]!;
        // A unique index is checked against its tree: its entries go in at once.
        if (ixs[i]!.unique) t.indexRoots[i] = w.put(this.load(t.indexRoots[i]!), ik, null, tupleSize(ik) + 1, PutMode.Upsert);
        else {
          (t.pending ??= ixs.map(() => new PendingKeys()))[i]!.push(ik);
          t.inserted = true;
        }
      }
    }
    t.rowCount++;
    t.dirty = true;
    // Appended to the open run of inserts into this table, if the last entry is one (marks seal it).
    const last = this.log.length - 1;
    const run = last >= this.sealedLog ? this.log[last]! : null;
    if (run === null || run.op !== 'inserts' || run.t !== def.name || !pushToRun(run, row, key)) {
      this.log.push(newInsertRun(def.name, row, key));
      if (this.undoFrom >= 0) this.undo.push(null);
    }
    return key;
  }

  update(table: string, key: Key, row0: Row, owned = false): Key {
    this.changes++;
    const t = this.writable(table);
    const defer = t.def.indexes.length > 0 && this.#mayDefer(t, key);
    if (t.pending !== null && !defer) this.#settle(t);
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
    const ks = this.keySize(newKey, def.name);
    const w = this.writer;
    let old: LeafValue;
    let changes: (readonly [Key, Key] | null)[] | null = null;
    if (!keyChanged) {
      // One descent replaces the row and hands back the old one; index entries follow (and a
      // unique violation there puts the old row back).
      w.owner = t.owner;
      const rs = tupleSize(row);
      const val = this.leafValue(row, rs);
      const size = this.entrySize(ks, rs);
      const overflow = this.overflowFreed.length;
      if (!this.#replaceFound(t, key, val, size)) {
        const root = w.put(this.load(t.root), key, val, size, PutMode.Replace);
        if (w.missing) throw this.#notFound(table);
        t.root = root;
      }
      old = w.removed!;
      t.dirty = true;
      if (def.indexes.length > 0) {
        try {
          changes = this.#indexChanges(t, key, newKey, false, this.resolveRow(old), row);
        } catch (e) {
          w.owner = t.owner;
          t.root = w.put(this.load(t.root), key, old, this.valueSize(key, old), PutMode.Replace);
          this.overflowFreed.length = overflow;
          throw e;
        }
      }
    } else {
      const found = lookup(this.core.src, this.load(t.root), key);
      if (found === undefined) throw this.#notFound(table);
      old = found;
      // Which index entries change, computed (and checked) before anything is written.
      changes = this.#indexChanges(t, key, newKey, true, this.resolveRow(old), row);
      if (lookup(this.core.src, this.load(t.root), newKey) !== undefined)
        throw uniqueViolation(this.pkName(def), this.colNames(def, pk), newKey);
      w.owner = t.owner;
      const rs = tupleSize(row);
      const val = this.leafValue(row, rs);
      const size = this.entrySize(ks, rs);
      const r = w.remove(this.load(t.root), key);
      t.root = w.put(r, newKey, val, size, PutMode.Insert);
    }
    if (changes !== null && defer && !keyChanged) {
      // Aside until the index is read or the run ends (bulk-index.ts): an UPDATE of an indexed
      // column over many rows then pays a sort and one rebuild, not a removal and an insertion
      // at random leaves per row.
      const pending = (t.pending ??= def.indexes.map(() => new PendingKeys()));
      const removals = (t.removals ??= def.indexes.map(() => []));
      for (let i = 0; i < changes.length; i++) {
        const ch = changes[i];
        if (!ch) continue;
        removals[i]!.push(ch[0]);
        pending[i]!.push(ch[1]);
      }
      (t.deferredRows ??= new Set()).add(rowId(key));
    } else if (changes !== null) {
      w.owner = t.owner;
      for (let i = 0; i < changes.length; i++) {
        const ch = changes[i];
        if (!ch) continue;
        const r = w.remove(this.load(t.indexRoots[i]!), ch[0]);
        t.indexRoots[i] = w.put(r, ch[1], null, tupleSize(ch[1]) + 1, PutMode.Upsert);
      }
    }
    t.dirty = true;
    this.log.push({ op: 'update', t: def.name, key, row });
    if (this.undoFrom >= 0) this.undo.push(old);
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
      this.keySize(nk, ix.name);
      if (ix.unique && !hasNull(nk, ix.columns.length) && this.#indexHas(t.indexRoots[i]!, nk, ix.columns.length, key))
        throw uniqueViolation(ix.name, this.colNames(def, ix.columns), nk.slice(0, ix.columns.length));
      changes.push([indexKey(oldRow, ix.columns, key), nk]);
    }
    return changes;
  }

  /**
   * Deletes every row of a table, given the keys of all of them (a DELETE that read and targets
   * the whole table): its trees are replaced by empty ones, where taking 100k rows out one at a
   * time shifted half a leaf per row and per index (~220 ms). The log still holds one delete per
   * row, as replay, redo and a statement's undo work from it; the old trees' committed pages and
   * overflow runs are freed as removals free them. False, with nothing done, when `keys` are not
   * as many as the table's rows.
   */
  deleteAll(table: string, keys: readonly Key[]): boolean {
    this.changes++;
    const t = this.writable(table);
    if (keys.length === 0 || keys.length !== t.rowCount) return false;
    // Index changes still aside are of rows that go too.
    this.#dropPending(t);
    const src = this.core.src;
    const name = t.def.name;
    const c = new TreeCursor(src, this.load(t.root), undefined, false);
    while (c.advance()) {
      this.log.push({ op: 'delete', t: name, key: c.key });
      if (this.undoFrom >= 0) this.undo.push(c.value);
    }
    const freed = this.writer.freed;
    for (const ref of [t.root, ...t.indexRoots]) {
      walkTree(src, this.load(ref), (n) => {
        if (n.id !== 0) freed.push(n.id);
        if (n.leaf && n.vals !== null) for (const v of n.vals) if (v !== null && isOverflowRef(v)) this.overflowFreed.push(v);
      });
    }
    t.root = newLeaf(t.owner);
    for (let i = 0; i < t.indexRoots.length; i++) t.indexRoots[i] = newLeaf(t.owner);
    t.rowCount = 0;
    t.dirty = true;
    return true;
  }

  delete(table: string, key: Key): void {
    this.changes++;
    const t = this.writable(table);
    const defer = t.def.indexes.length > 0 && this.#mayDefer(t, key);
    if (t.pending !== null && !defer) this.#settle(t);
    const def = t.def;
    const w = this.writer;
    w.owner = t.owner;
    const root = w.remove(this.load(t.root), key);
    if (!w.found) throw this.#notFound(table);
    t.root = root;
    const removed = w.removed!;
    const ixs = def.indexes;
    // The old row is needed only for its index keys (an overflow run stays readable until commit).
    const oldRow = ixs.length > 0 ? this.resolveRow(removed) : null;
    if (defer) {
      // The entries to take out wait aside, as an update's do (a DELETE of many rows then pays
      // one pass over each index, not a removal at a random leaf per row).
      t.pending ??= ixs.map(() => new PendingKeys());
      const removals = (t.removals ??= ixs.map(() => []));
      for (let i = 0; i < ixs.length; i++) removals[i]!.push(indexKey(oldRow!, ixs[i]!.columns, key));
      (t.deferredRows ??= new Set()).add(rowId(key));
    } else {
      for (let i = 0; i < ixs.length; i++) {
        t.indexRoots[i] = w.remove(this.load(t.indexRoots[i]!), indexKey(oldRow!, ixs[i]!.columns, key));
      }
    }
    t.rowCount--;
    t.dirty = true;
    this.log.push({ op: 'delete', t: def.name, key });
    if (this.undoFrom >= 0) this.undo.push(removed);
  }
}
