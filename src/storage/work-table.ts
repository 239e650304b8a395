// A table as a write transaction changes it, and its conversions to and from the committed
// TableState (a savepoint and a commit freeze it; a rollback to a savepoint thaws it).
import type { TableState } from './catalog.js';
import { newToken, type ChildRef } from './node.js';
import type { Key, TableDef } from './ports.js';
import type { PendingKeys } from './pending-keys.js';

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
  pending: PendingKeys[] | null;
  /**
   * Old entries of non-unique indexes that updates replaced, per index, not yet taken out of their
   * trees (their replacements are in `pending`); null when none. Settled with `pending`.
   */
  removals: Key[][] | null;
  /** Rows (rowId of their table key) whose index entries an update left in pending / removals. */
  deferredRows: Set<number | string> | null;
  /** `pending` holds entries of inserted rows (not in deferredRows): an update settles first. */
  inserted: boolean;
}

/** A row's identity in WorkTable.deferredRows. */
export function rowId(key: Key): number | string {
  const k0 = key[0];
  return key.length === 1 && typeof k0 === 'number' ? k0 : JSON.stringify(key, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? `x${Buffer.from(v).toString('hex')}` : v));
}

export function freezeTable(w: WorkTable): TableState {
  return { def: w.def, root: w.root, indexRoots: w.indexRoots.slice(), rowCount: w.rowCount, nextRowId: w.nextRowId };
}

export function thawTable(s: TableState): WorkTable {
  return {
    def: s.def,
    root: s.root,
    indexRoots: s.indexRoots.slice(),
    rowCount: s.rowCount,
    nextRowId: s.nextRowId,
    owner: newToken(),
    dirty: false,
    pending: null,
    removals: null,
    deferredRows: null,
    inserted: false,
  };
}
