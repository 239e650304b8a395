// The committed catalog: per table its definition, tree roots and counters, plus named meta
// values. A DbState is immutable once published; a commit builds the next one.
import type { ChildRef } from './node.js';
import type { TableDef } from './ports.js';

export interface TableState {
  readonly def: TableDef;
  readonly root: ChildRef;
  /** Roots of the secondary index trees, aligned with def.indexes. */
  readonly indexRoots: readonly ChildRef[];
  readonly rowCount: number;
  /** Next hidden row id (tables without a primary key). */
  readonly nextRowId: number;
}

export interface DbState {
  readonly seq: number;
  /** By lower-cased table name. */
  readonly tables: ReadonlyMap<string, TableState>;
  readonly meta: ReadonlyMap<string, unknown>;
}

export const EMPTY_STATE: DbState = { seq: 0, tables: new Map(), meta: new Map() };

export function lowerName(name: string): string {
  return name.toLowerCase();
}
