// FOREIGN KEY lookups: a referenced row by the parent's primary key or unique index (never a
// scan), and the referencing rows of a parent key by an index on the child columns when one
// exists (else a scan of the child table, as PostgreSQL does without such an index).
import { DispatcherError, SqlState } from '../api/errors.js';
import type { Key, ReadView, Row, SqlValue, TableDef } from '../storage/ports.js';
import { castValue, compareNonNull, textOf } from './values.js';
import type { ForeignKeyDef } from './constraint-defs.js';

/** How to find rows of a table by the values of some of its columns. */
export interface KeyPath {
  /** 'pk': the values (reordered) are the primary key or a prefix of it; 'index': a prefix of an index; 'scan'. */
  readonly kind: 'pk' | 'index' | 'scan';
  readonly index: string | null;
  /** order[j] = which of the looked-up values goes to the j-th key column. */
  readonly order: readonly number[];
  /** Whether at most one row can match (a full primary key or unique index). */
  readonly unique: boolean;
}

function sameSet(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((c) => b.includes(c));
}

/**
 * The best way to look rows up by `cols` (table positions). `uniqueOnly`: only a primary key or
 * unique index over exactly these columns will do (a referenced key).
 */
export function keyPath(def: TableDef, cols: readonly number[], uniqueOnly: boolean): KeyPath | null {
  const k = cols.length;
  const orderFor = (keyCols: readonly number[]): number[] => keyCols.slice(0, k).map((c) => cols.indexOf(c));
  const pk = def.primaryKey;
  if (pk.length >= k && sameSet(pk.slice(0, k), cols) && (!uniqueOnly || pk.length === k)) {
    return { kind: 'pk', index: null, order: orderFor(pk), unique: pk.length === k };
  }
  let best: KeyPath | null = null;
  for (const ix of def.indexes) {
    if (ix.columns.length < k || !sameSet(ix.columns.slice(0, k), cols)) continue;
    const unique = ix.unique && ix.columns.length === k;
    if (uniqueOnly && !unique) continue;
    if (best === null || (unique && !best.unique)) best = { kind: 'index', index: ix.name, order: orderFor(ix.columns), unique };
  }
  if (best !== null) return best;
  return uniqueOnly ? null : { kind: 'scan', index: null, order: [], unique: false };
}

/** Positions of named columns; undefined when one is missing. */
export function positionsOf(def: TableDef, names: readonly string[]): number[] | undefined {
  const out: number[] = [];
  for (const n of names) {
    const i = def.columns.findIndex((c) => c.name === n);
    if (i < 0) return undefined;
    out.push(i);
  }
  return out;
}

/** Values converted to the types of the columns they are compared with in `def`. */
export function valuesFor(def: TableDef, cols: readonly number[], vals: readonly SqlValue[]): SqlValue[] {
  const out: SqlValue[] = new Array(vals.length);
  for (let i = 0; i < vals.length; i++) out[i] = castValue(vals[i]!, def.columns[cols[i]!]!.type);
  return out;
}

function rangeKey(path: KeyPath, vals: readonly SqlValue[]): Key {
  const key: SqlValue[] = new Array(path.order.length);
  for (let j = 0; j < path.order.length; j++) key[j] = vals[path.order[j]!]!;
  return key;
}

/** The storage key of the row whose `cols` equal `vals` (typed for `def`), if any. */
export function findByUniqueKey(view: ReadView, def: TableDef, path: KeyPath, cols: readonly number[], vals: readonly SqlValue[]): Key | undefined {
  if (path.kind === 'pk') {
    const key = rangeKey(path, vals);
    return view.getRow(def.name, key) === undefined ? undefined : key;
  }
  if (path.kind === 'index') {
    const k = rangeKey(path, vals);
    const cur = view.scanIndex(def.name, path.index!, { lower: k, lowerInclusive: true, upper: k, upperInclusive: true });
    try {
      return cur.next();
    } finally {
      cur.close();
    }
  }
  const hit = scanMatching(view, def, cols, vals, 1);
  return hit[0]?.key;
}

export interface FoundRow {
  readonly key: Key;
  readonly row: Row;
}

function matches(row: Row, cols: readonly number[], vals: readonly SqlValue[]): boolean {
  for (let i = 0; i < cols.length; i++) {
    const v = row[cols[i]!]!;
    if (v === null || compareNonNull(v, vals[i]!) !== 0) return false;
  }
  return true;
}

function scanMatching(view: ReadView, def: TableDef, cols: readonly number[], vals: readonly SqlValue[], limit: number): FoundRow[] {
  const out: FoundRow[] = [];
  const cur = view.scanTable(def.name);
  try {
    for (let r = cur.next(); r !== undefined; r = cur.next()) {
      if (matches(r, cols, vals)) {
        out.push({ key: cur.key, row: r });
        if (out.length >= limit) break;
      }
    }
  } finally {
    cur.close();
  }
  return out;
}

/** Every row whose `cols` equal `vals` (typed for `def`); collected before the caller writes. */
export function findRows(view: ReadView, def: TableDef, path: KeyPath, cols: readonly number[], vals: readonly SqlValue[], limit = Infinity): FoundRow[] {
  if (path.kind === 'scan') return scanMatching(view, def, cols, vals, limit);
  const k = rangeKey(path, vals);
  const range = { lower: k, lowerInclusive: true, upper: k, upperInclusive: true };
  const out: FoundRow[] = [];
  if (path.kind === 'pk') {
    const cur = view.scanTable(def.name, range);
    try {
      for (let r = cur.next(); r !== undefined && out.length < limit; r = cur.next()) out.push({ key: cur.key, row: r });
    } finally {
      cur.close();
    }
    return out;
  }
  const keys: Key[] = [];
  const cur = view.scanIndex(def.name, path.index!, range);
  try {
    for (let key = cur.next(); key !== undefined && keys.length < limit; key = cur.next()) keys.push(key);
  } finally {
    cur.close();
  }
  for (const key of keys) {
    const row = view.getRow(def.name, key);
    if (row !== undefined) out.push({ key, row });
  }
  return out;
}

function keyText(names: readonly string[], vals: readonly SqlValue[]): string {
  return `Key (${names.join(', ')})=(${vals.map((v) => (v === null ? 'null' : textOf(v))).join(', ')})`;
}

export function missingParent(child: string, fk: ForeignKeyDef, vals: readonly SqlValue[]): DispatcherError {
  return new DispatcherError(
    SqlState.ForeignKeyViolation,
    `insert or update on table "${child}" violates foreign key constraint "${fk.name}"`,
    { detail: `${keyText(fk.columns, vals)} is not present in table "${fk.refTable}".` },
  );
}

export function stillReferenced(parent: string, child: string, fk: ForeignKeyDef, vals: readonly SqlValue[]): DispatcherError {
  return new DispatcherError(
    SqlState.ForeignKeyViolation,
    `update or delete on table "${parent}" violates foreign key constraint "${fk.name}" on table "${child}"`,
    { detail: `${keyText(fk.refColumns, vals)} is still referenced from table "${child}".` },
  );
}

export function matchFullMixed(child: string, fk: ForeignKeyDef): DispatcherError {
  return new DispatcherError(
    SqlState.ForeignKeyViolation,
    `insert or update on table "${child}" violates foreign key constraint "${fk.name}"`,
    { detail: 'MATCH FULL does not allow mixing of null and nonnull key values.' },
  );
}
