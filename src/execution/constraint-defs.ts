// CHECK and FOREIGN KEY constraints as they are kept in TableDef.extra (storage keeps them
// opaque). Columns are kept by name: a DROP COLUMN shifts positions, a RENAME COLUMN renames
// (and this module's DDL side rewrites the names it keeps).
import type { TableDef } from '../storage/ports.js';

export interface CheckDef {
  readonly name: string;
  /** The condition as SQL text (parsed and compiled once per table definition). */
  readonly expr: string;
  /** Columns the condition names (DROP COLUMN drops the constraint with them). */
  readonly columns: readonly string[];
}

export type FkAction = 'no action' | 'restrict' | 'cascade' | 'set null' | 'set default';

export interface ForeignKeyDef {
  readonly name: string;
  /** Referencing columns of this table. */
  readonly columns: readonly string[];
  /** Lower-cased name of the referenced table (may be this table). */
  readonly refTable: string;
  /** Referenced columns, aligned with `columns`; a PRIMARY KEY or UNIQUE of refTable. */
  readonly refColumns: readonly string[];
  readonly onDelete: FkAction;
  readonly onUpdate: FkAction;
  /** MATCH FULL: all NULL or none; MATCH SIMPLE (the default): any NULL column passes. */
  readonly matchFull: boolean;
}

/** Kept on the referenced table: which constraints of which tables point at it. */
export interface ReferenceDef {
  readonly table: string;
  readonly constraint: string;
}

interface ConstraintExtra {
  readonly checks?: readonly CheckDef[];
  readonly foreignKeys?: readonly ForeignKeyDef[];
  readonly referencedBy?: readonly ReferenceDef[];
}

const NONE: readonly never[] = Object.freeze([]);

function extraOf(def: TableDef): ConstraintExtra {
  return (def.extra ?? {}) as ConstraintExtra;
}

export function checksOf(def: TableDef): readonly CheckDef[] {
  return extraOf(def).checks ?? NONE;
}

export function foreignKeysOf(def: TableDef): readonly ForeignKeyDef[] {
  return extraOf(def).foreignKeys ?? NONE;
}

export function referencedByOf(def: TableDef): readonly ReferenceDef[] {
  return extraOf(def).referencedBy ?? NONE;
}

/** True when the table takes part in no CHECK or FOREIGN KEY constraint (the common case). */
export function hasNoConstraints(def: TableDef): boolean {
  const e = def.extra as ConstraintExtra | undefined;
  if (e === undefined) return true;
  return (e.checks?.length ?? 0) === 0 && (e.foreignKeys?.length ?? 0) === 0 && (e.referencedBy?.length ?? 0) === 0;
}

/** A copy of the definition with some constraint lists replaced (other extra facts kept). */
export function withConstraints(
  def: TableDef,
  patch: { checks?: readonly CheckDef[]; foreignKeys?: readonly ForeignKeyDef[]; referencedBy?: readonly ReferenceDef[] },
): TableDef {
  const extra: Record<string, unknown> = { ...(def.extra ?? {}) };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    if ((v as readonly unknown[]).length === 0) delete extra[k];
    else extra[k] = v;
  }
  return { ...def, extra: Object.keys(extra).length === 0 ? undefined : extra };
}

/** Every constraint name the table uses (indexes of its keys included, as PostgreSQL does). */
export function constraintNames(def: TableDef): Set<string> {
  const out = new Set<string>();
  for (const c of checksOf(def)) out.add(c.name);
  for (const f of foreignKeysOf(def)) out.add(f.name);
  for (const ix of def.indexes) if (ix.implicit) out.add(ix.name);
  if (def.primaryKey.length > 0) out.add(`${def.name}_pkey`);
  return out;
}
