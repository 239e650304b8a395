// Savepoints and statement marks of a write transaction. A savepoint freezes the touched tables'
// nodes and remembers their roots. A statement's mark is lighter: it freezes nothing (so the
// statement keeps editing its own nodes in place) and is rolled back by undoing the logged
// operations after it, newest first.
import { DispatcherError, SqlState } from '../api/errors.js';
import { PutMode } from './btree.js';
import { lowerName, type TableState } from './catalog.js';
import { indexKey, sameIndexed } from './index-keys.js';
import { compareKeys } from './key-order.js';
import { newToken, tupleSize, type LeafValue } from './node.js';
import type { Key, Row } from './ports.js';
import { TxnRows } from './txn-rows.js';
import { runKey, runRow } from './insert-run.js';
import { freezeTable, thawTable, type WorkTable } from './work-table.js';

interface Mark {
  /** Frozen tables (null for a statement mark, which rolls back through the undo log). */
  readonly tables: Map<string, TableState | null> | null;
  readonly meta: Map<string, unknown> | null;
  readonly log: number;
  readonly freed: number;
  readonly dropped: number;
  readonly overflow: number;
}

export abstract class TxnMarks extends TxnRows {
  #marks: Mark[] = [];

  savepoint(): number {
    this.check();
    this.#marks.push(this.#freeze());
    return this.#marks.length - 1;
  }

  /**
   * A statement's mark: nothing is frozen, so the statement keeps editing the nodes it owns in
   * place; rolling back to it undoes the operations logged since, newest first.
   */
  statementMark(): number {
    this.check();
    if (this.undoFrom < 0) {
      this.undoFrom = this.log.length;
      this.undo.length = 0;
    }
    this.#marks.push({
      tables: null,
      meta: null,
      log: this.sealLog(),
      freed: this.writer.freed.length,
      dropped: this.dropped.length,
      overflow: this.overflowFreed.length,
    });
    return this.#marks.length - 1;
  }

  /** The whole write set as it is now, its nodes frozen (later writes copy them). */
  #freeze(): Mark {
    this.settleAll();
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
      log: this.sealLog(),
      freed: this.writer.freed.length,
      dropped: this.dropped.length,
      overflow: this.overflowFreed.length,
    };
  }

  /** Before a schema or meta change under a statement mark: how to get back to the state before it. */
  protected frozenForUndo(): Mark | null {
    // Every schema and meta change passes here first: pending index entries go in before it (a
    // change of the indexes would leave them at the wrong positions).
    this.settleAll();
    return this.undoFrom >= 0 ? this.#freeze() : null;
  }

  #restore(m: Mark): void {
    const work = new Map<string, WorkTable | null>();
    for (const [n, s] of m.tables!) work.set(n, s === null ? null : thawTable(s));
    this.work = work;
    this.meta = new Map(m.meta!);
    this.writer.freed.length = m.freed;
  }

  rollbackTo(mark: number): void {
    this.check();
    this.changes++;
    const m = this.#marks[mark];
    if (m === undefined) throw new DispatcherError(SqlState.InvalidSavepoint, `savepoint ${mark} does not exist`);
    // Undo takes index entries out of their trees: the pending ones go in first.
    this.settleAll();
    if (m.tables === null) this.#undoTo(m.log);
    else this.#restore(m);
    // The mark sealed the log at m.log when it was taken: no run below it reopens.
    this.log.length = m.log;
    if (this.undoFrom >= 0) this.undo.length = Math.max(0, m.log - this.undoFrom);
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
    if (this.undoFrom < 0) return;
    for (const m of this.#marks) if (m.tables === null) return;
    this.undoFrom = -1;
    this.undo.length = 0;
  }

  /**
   * Undoes the logged operations from the newest down to log position `to`. Pages of committed
   * nodes the statement copied stay freed (the live trees keep the copies); overflow runs the
   * statement dropped are back in the trees (the caller cuts overflowFreed).
   */
  #undoTo(to: number): void {
    const w = this.writer;
    const drop = w.droppedRefs;
    // Values dropped while undoing are the statement's own (never a committed overflow run).
    w.droppedRefs = null;
    try {
      for (let i = this.log.length - 1; i >= to; i--) {
        const op = this.log[i]!;
        const u = this.undo[i - this.undoFrom];
        switch (op.op) {
          case 'insert':
            this.#undoInsert(op.t, op.key, op.row);
            break;
          case 'inserts':
            for (let j = op.count - 1; j >= 0; j--) this.#undoInsert(op.t, runKey(op, j), runRow(op, j));
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
    this.writer.owner = t.owner;
    t.dirty = true;
    return t;
  }

  #undoInsert(table: string, key: Key, row: Row): void {
    const t = this.#undoTable(table);
    const w = this.writer;
    t.root = w.remove(this.load(t.root), key);
    const ixs = t.def.indexes;
    for (let i = 0; i < ixs.length; i++) {
      t.indexRoots[i] = w.remove(this.load(t.indexRoots[i]!), indexKey(row, ixs[i]!.columns, key));
    }
    t.rowCount--;
    if (t.def.primaryKey.length === 0 && key[0] === t.nextRowId - 1) t.nextRowId--;
  }

  #undoUpdate(table: string, key: Key, row: Row, old: LeafValue): void {
    const t = this.#undoTable(table);
    const w = this.writer;
    const def = t.def;
    const pk = def.primaryKey;
    const newKey: Key = pk.length === 0 ? key : pk.map((i) => row[i] ?? null);
    const keyChanged = pk.length !== 0 && compareKeys(newKey, key) !== 0;
    const oldRow = this.resolveRow(old);
    const size = this.valueSize(key, old);
    if (keyChanged) {
      const r = w.remove(this.load(t.root), newKey);
      t.root = w.put(r, key, old, size, PutMode.Insert);
    } else {
      t.root = w.put(this.load(t.root), key, old, size, PutMode.Upsert);
    }
    const ixs = def.indexes;
    for (let i = 0; i < ixs.length; i++) {
      const cols = ixs[i]!.columns;
      if (!keyChanged && sameIndexed(cols, oldRow, row)) continue;
      const r = w.remove(this.load(t.indexRoots[i]!), indexKey(row, cols, newKey));
      const ok = indexKey(oldRow, cols, key);
      t.indexRoots[i] = w.put(r, ok, null, tupleSize(ok) + 1, PutMode.Upsert);
    }
  }

  #undoDelete(table: string, key: Key, old: LeafValue): void {
    const t = this.#undoTable(table);
    const w = this.writer;
    const size = this.valueSize(key, old);
    t.root = w.put(this.load(t.root), key, old, size, PutMode.Insert);
    const ixs = t.def.indexes;
    if (ixs.length > 0) {
      const oldRow = this.resolveRow(old);
      for (let i = 0; i < ixs.length; i++) {
        const ik = indexKey(oldRow, ixs[i]!.columns, key);
        t.indexRoots[i] = w.put(this.load(t.indexRoots[i]!), ik, null, tupleSize(ik) + 1, PutMode.Upsert);
      }
    }
    t.rowCount++;
  }
}
