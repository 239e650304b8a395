// A private write transaction over a committed snapshot. It edits copy-on-write trees (nodes it
// created carry its per-table owner token and are edited in place), keeps a log of its logical
// operations (so a commit that raced another can be re-applied onto the newer state), and takes
// savepoints and statement marks. It is built in three layers: txn-rows.ts (state, reads, row
// writes), txn-marks.ts (savepoints, statement marks and their undo) and, here, schema changes,
// commit, rollback and replay.
import { DispatcherError, SqlState } from '../api/errors.js';
import { PutMode } from './btree.js';
import { buildIndexTree, sortIndexKeys } from './bulk-index.js';
import { lowerName } from './catalog.js';
import { TreeCursor } from './cursor.js';
import { hasNull, indexKey, uniqueViolation } from './index-keys.js';
import { comparePrefixN } from './key-order.js';
import { newLeaf, newToken, tupleSize, type BNode, type ChildRef } from './node.js';
import type { IndexDef, Key, Row, TableDef, WriteTxn } from './ports.js';
import { replayLog, type LogOp } from './txn-replay.js';
import { TxnMarks } from './txn-marks.js';
import { TxnStatus } from './txn-rows.js';
import { findIndex, type ViewCore } from './view.js';
import type { SerialCounters } from './serial-counters.js';

export type { LogOp } from './txn-replay.js';

export interface TxnCore extends ViewCore {
  /** Largest accounted node size. */
  readonly capacity: number;
  /** Rows whose encoded size exceeds this are kept out of line (overflow pages). */
  readonly spillSize: number;
  /** Largest allowed key (table or index entry). */
  readonly maxKeySize: number;
  commit(txn: WriteTxnImpl): Promise<void>;
  /** SERIAL columns' counters, shared by every transaction of the database. */
  readonly serials?: SerialCounters;
  /** The transaction ended without committing (drops its snapshot registration). */
  finished(txn: WriteTxnImpl): void;
}

/** The write transaction the engine hands out (its constructor is TxnRows'). */
export class WriteTxnImpl extends TxnMarks implements WriteTxn {
  /** A catalog key must fit a tree node like any key: a longer name is refused before commit. */
  #catalogName(kind: 't' | 'm', name: string): void {
    const size = tupleSize([kind, name]);
    if (size <= this.core.maxKeySize) return;
    // meta entries are named after their object ('acl:table:t'): name the object
    const object = kind === 'm' ? name.slice(name.lastIndexOf(':') + 1) : name;
    throw new DispatcherError('42622', `name "${object.slice(0, 32)}…" is too long (${size} bytes in the catalog, at most ${this.core.maxKeySize})`);
  }

  createTable(def: TableDef): void {
    this.check();
    const lname = lowerName(def.name);
    this.#catalogName('t', lname);
    const before = this.frozenForUndo();
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
      removals: null,
      deferredRows: null,
      inserted: false,
    });
    this.log.push({ op: 'createTable', def });
    if (before !== null) this.undo.push(before);
  }

  nextSerial(table: string, column: number): number {
    this.check();
    if (this.core.serials === undefined) throw new DispatcherError(SqlState.FeatureNotSupported, 'SERIAL columns are not supported here');
    return this.core.serials.next(this, table, column);
  }

  dropTable(name: string): void {
    const t = this.writable(name);
    this.core.serials?.drop(name);
    const before = this.frozenForUndo();
    this.dropped.push(t.root, ...t.indexRoots);
    this.work.set(lowerName(name), null);
    this.log.push({ op: 'dropTable', t: name });
    if (before !== null) this.undo.push(before);
  }

  renameTable(from: string, to: string): void {
    const t = this.writable(from);
    const lto = lowerName(to);
    this.#catalogName('t', lto);
    const before = this.frozenForUndo();
    if (this.tableState(lto) !== undefined)
      throw new DispatcherError(SqlState.DuplicateTable, `relation "${to}" already exists`);
    const def: TableDef = { ...t.def, name: to, indexes: t.def.indexes.map((ix) => ({ ...ix, table: to })) };
    this.work.set(lowerName(from), null);
    this.work.set(lto, { ...t, def, dirty: true });
    this.log.push({ op: 'renameTable', t: from, to });
    if (before !== null) this.undo.push(before);
  }

  alterTable(def: TableDef, rewrite?: (row: Row) => Row): void {
    const t = this.writable(def.name);
    const before = this.frozenForUndo();
    const old = t.def;
    const samePk =
      old.primaryKey.length === def.primaryKey.length && old.primaryKey.every((c, i) => c === def.primaryKey[i]);
    const owner = newToken();
    const w = this.writer;
    let root = t.root;
    let rebuiltTable = false;
    if (rewrite !== undefined || !samePk) {
      // Rebuild the table tree with the new row shape / key.
      w.owner = owner;
      let nr: BNode = newLeaf(owner);
      let nextRowId = t.nextRowId;
      const c = new TreeCursor(this.core.src, this.load(t.root), undefined, false);
      try {
        while (c.advance()) {
          const r0 = this.resolveRow(c.value);
          const r = rewrite ? rewrite(r0) : r0;
          const key: Key =
            def.primaryKey.length === 0
              ? old.primaryKey.length === 0
                ? c.key
                : [nextRowId++]
              : def.primaryKey.map((i) => r[i] ?? null);
          const rs = tupleSize(r);
          const size = this.entrySize(this.keySize(key, def.name), rs);
          const val = this.leafValue(r, rs);
          nr = w.put(nr, key, val, size, PutMode.Insert);
          if (w.duplicate) throw uniqueViolation(this.pkName(def), this.colNames(def, def.primaryKey), key);
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
    if (before !== null) this.undo.push(before);
  }

  /**
   * Builds an index tree over the table at `root` (entries collected, sorted, checked, built
   * bottom-up); 23505 on a duplicate in a unique index.
   */
  #buildIndex(root: ChildRef, ix: IndexDef, def: TableDef, owner: number): BNode {
    const keys: Key[] = [];
    const c = new TreeCursor(this.core.src, this.load(root), undefined, false);
    try {
      while (c.advance()) {
        const ik = indexKey(this.resolveRow(c.value), ix.columns, c.key);
        this.keySize(ik, ix.name);
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
          throw uniqueViolation(ix.name, this.colNames(def, ix.columns), ik.slice(0, n));
      }
    }
    return buildIndexTree(keys, owner, this.core.capacity);
  }

  createIndex(index: IndexDef): void {
    const t = this.writable(index.table);
    const before = this.frozenForUndo();
    if (findIndex(t.def, index.name) >= 0)
      throw new DispatcherError(SqlState.DuplicateTable, `relation "${index.name}" already exists`);
    const root = this.#buildIndex(t.root, index, t.def, t.owner);
    t.def = { ...t.def, indexes: [...t.def.indexes, index] };
    t.indexRoots.push(root);
    t.dirty = true;
    this.log.push({ op: 'createIndex', index });
    if (before !== null) this.undo.push(before);
  }

  dropIndex(table: string, name: string): void {
    const t = this.writable(table);
    const before = this.frozenForUndo();
    const i = findIndex(t.def, name);
    if (i < 0) throw new DispatcherError(SqlState.UndefinedObject, `index "${name}" does not exist`);
    this.dropped.push(t.indexRoots[i]!);
    t.indexRoots.splice(i, 1);
    t.def = { ...t.def, indexes: t.def.indexes.filter((_, j) => j !== i) };
    t.dirty = true;
    this.log.push({ op: 'dropIndex', t: table, name });
    if (before !== null) this.undo.push(before);
  }

  setMeta(name: string, value: unknown): void {
    this.check();
    this.#catalogName('m', name);
    const before = this.frozenForUndo();
    this.meta.set(name, value);
    this.log.push({ op: 'setMeta', name, value });
    if (before !== null) this.undo.push(before);
  }

  commit(): Promise<void> {
    if (this.status !== TxnStatus.Open)
      return Promise.reject(new DispatcherError(SqlState.InvalidTransactionState, 'transaction is no longer open'));
    this.settleAll();
    this.status = TxnStatus.Committing;
    return this.core.commit(this);
  }

  /** Called by the engine once the commit is over (durable or failed). */
  settle(): void {
    this.status = TxnStatus.Done;
    // A cached plan's view may keep this object after the commit: let its log and undo go.
    this.log = [];
    this.sealedLog = 0;
    this.undo = [];
    this.undoFrom = -1;
  }

  rollback(): void {
    if (this.status !== TxnStatus.Open) return;
    this.status = TxnStatus.Done;
    this.work = new Map();
    this.log = [];
    this.sealedLog = 0;
    this.undo = [];
    this.undoFrom = -1;
    this.core.finished(this);
  }

  /** Re-applies another transaction's logical operations onto this one's base. */
  replay(log: readonly LogOp[]): void {
    this.replaying++;
    try {
      replayLog(this, log);
      this.settleAll();
    } finally {
      this.replaying--;
    }
  }
}
