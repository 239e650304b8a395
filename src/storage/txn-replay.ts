// The logical operation log of a write transaction, and its replay onto another transaction
// (a commit that raced others is re-applied onto the newest state; rebase.ts moves a
// transaction forward the same way).
import { lowerName } from './catalog.js';
import type { IndexDef, Key, Row, SqlValue, TableDef } from './ports.js';
import type { WriteTxnImpl } from './write-txn.js';
import { runKey, runRow, type InsertRun } from './insert-run.js';

export type { InsertRun } from './insert-run.js';

export type LogOp =
  | { readonly op: 'insert'; readonly t: string; readonly row: Row; readonly key: Key }
  /**
   * A run of inserts into one table, in order (a bulk load logs one object per run, not one per
   * row: the per-row entries were ~30% of a 100k-row load's time, in the collector mostly).
   */
  | InsertRun
  | { readonly op: 'update'; readonly t: string; readonly key: Key; readonly row: Row }
  | { readonly op: 'delete'; readonly t: string; readonly key: Key }
  | { readonly op: 'createTable'; readonly def: TableDef }
  | { readonly op: 'dropTable'; readonly t: string }
  | { readonly op: 'renameTable'; readonly t: string; readonly to: string }
  | { readonly op: 'alterTable'; readonly def: TableDef; readonly rewrite: ((row: Row) => Row) | undefined }
  | { readonly op: 'createIndex'; readonly index: IndexDef }
  | { readonly op: 'dropIndex'; readonly t: string; readonly name: string }
  | { readonly op: 'setMeta'; readonly name: string; readonly value: unknown };

/** Applies `log` to `txn` through its ordinary methods (so every check runs again). */
export function replayLog(txn: WriteTxnImpl, log: readonly LogOp[]): void {
  // Row ids the original assigned may be taken by now: map them to the ones assigned here.
  const remap = new Map<string, Map<SqlValue, Key>>();
  const mapKey = (t: string, key: Key): Key => {
    const m = remap.get(lowerName(t));
    if (m === undefined || key.length !== 1) return key;
    return m.get(key[0]!) ?? key;
  };
  const insert = (t: string, row: Row, key: Key): void => {
    const k = txn.insert(t, row);
    const def = txn.getTable(t)!;
    if (def.primaryKey.length === 0 && k[0] !== key[0]) {
      const l = lowerName(t);
      let m = remap.get(l);
      if (m === undefined) remap.set(l, (m = new Map()));
      m.set(key[0]!, k);
    }
  };
  for (const op of log) {
    switch (op.op) {
      case 'insert':
        insert(op.t, op.row, op.key);
        break;
      case 'inserts':
        for (let i = 0; i < op.count; i++) insert(op.t, runRow(op, i), runKey(op, i));
        break;
      case 'update':
        txn.update(op.t, mapKey(op.t, op.key), op.row);
        break;
      case 'delete':
        txn.delete(op.t, mapKey(op.t, op.key));
        break;
      case 'createTable':
        txn.createTable(op.def);
        break;
      case 'dropTable':
        txn.dropTable(op.t);
        remap.delete(lowerName(op.t));
        break;
      case 'renameTable': {
        txn.renameTable(op.t, op.to);
        const m = remap.get(lowerName(op.t));
        remap.delete(lowerName(op.t));
        if (m) remap.set(lowerName(op.to), m);
        break;
      }
      case 'alterTable':
        txn.alterTable(op.def, op.rewrite);
        break;
      case 'createIndex':
        txn.createIndex(op.index);
        break;
      case 'dropIndex':
        txn.dropIndex(op.t, op.name);
        break;
      case 'setMeta':
        txn.setMeta(op.name, op.value);
        break;
    }
  }
}
