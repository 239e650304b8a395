// Schema side of CHECK and FOREIGN KEY constraints: reading them from CREATE / ALTER TABLE,
// PostgreSQL's default names, validation (of the definition, and of existing rows when added
// later), and keeping both ends of every foreign key consistent when tables or columns are
// dropped or renamed. The referencing table keeps the constraint; the referenced table keeps a
// back reference, so a parent-side write finds its children without reading the whole catalog.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ColumnType, ReadView, SqlValue, TableDef, WriteTxn } from '../storage/ports.js';
import type { ExecContext } from './types.js';
import { identName, type Node } from './expr.js';
import { newRootState, type Frame } from './runtime.js';
import { parseExpression, expressionText } from './sql-text.js';
import { truth } from './values.js';
import { checkViolation, columnsOf, compileCheck } from './check-constraints.js';
import {
  checksOf,
  constraintNames,
  foreignKeysOf,
  referencedByOf,
  withConstraints,
  type CheckDef,
  type FkAction,
  type ForeignKeyDef,
  type ReferenceDef,
} from './constraint-defs.js';
import { findByUniqueKey, keyPath, missingParent, positionsOf, valuesFor } from './foreign-keys.js';

/** The referenced-columns list that stands for the referenced table's primary key. */
export const PK_PLACEHOLDER = '__dispatchdb_pk';

/** A frame for evaluating stored expressions inside a DDL statement. */
export function ddlFrame(view: ReadView, ctx?: ExecContext): Frame {
  const c: ExecContext = ctx ?? {
    view,
    params: [],
    counters: { rowsExamined: 0, rowsProduced: 0, indexesUsed: new Set() },
    checkInterrupt: () => {},
  };
  return { ctx: c, params: [], outer: null, up: null, root: newRootState() };
}

function mustTable(view: ReadView, name: string): TableDef {
  const def = view.getTable(name);
  if (def === undefined) throw new DispatcherError(SqlState.UndefinedTable, `relation "${name}" does not exist`);
  return def;
}

/** PostgreSQL's ChooseConstraintName: `base_suffix`, then `base_suffix1`, `base_suffix2`, ... */
function chooseName(base: string, suffix: string, taken: Set<string>): string {
  let name = `${base}_${suffix}`;
  for (let k = 1; taken.has(name); k++) name = `${base}_${suffix}${k}`;
  taken.add(name);
  return name;
}

function claimName(table: string, name: string, taken: Set<string>): string {
  if (taken.has(name)) throw new DispatcherError(SqlState.DuplicateObject, `constraint "${name}" for relation "${table}" already exists`);
  taken.add(name);
  return name;
}

// ------------------------------------------------------------------ reading the AST

interface CheckSpec {
  readonly name: string | null;
  readonly expr: Node;
  /** The column a column-level check is written on (its default name). */
  readonly column: string | null;
}

interface FkSpec {
  readonly name: string | null;
  readonly columns: readonly string[];
  readonly ref: Node;
}

function constraintType(d: Node): string {
  return String(d?.constraint_type ?? '').toLowerCase().replace(/\s+/g, ' ');
}

function nameOf(d: Node): string | null {
  const c = d?.constraint;
  if (c === null || c === undefined) return null;
  if (typeof c === 'object') return c.constraint === null || c.constraint === undefined ? null : identName(c.constraint);
  return identName(c);
}

function checkExprOf(d: Node): Node {
  const defn = d?.definition;
  return Array.isArray(defn) ? defn[0] : defn;
}

/** Column-level CHECK / REFERENCES of one column definition node. */
function columnSpecs(d: Node, checks: CheckSpec[], fks: FkSpec[]): void {
  const col = identName(d.column?.column ?? d.column);
  // A column-level CONSTRAINT name belongs to the constraint that follows it (CHECK, else REFERENCES).
  const given = nameOf(d);
  if (d.check !== null && d.check !== undefined) {
    checks.push({ name: given ?? nameOf(d.check), expr: checkExprOf(d.check), column: col });
  }
  if (d.reference_definition !== null && d.reference_definition !== undefined) {
    const named = d.check !== null && d.check !== undefined ? null : given;
    fks.push({ name: named, columns: [col], ref: d.reference_definition });
  }
}

/** A table-level constraint node: CHECK or FOREIGN KEY (others are not this module's). */
function tableSpec(d: Node, checks: CheckSpec[], fks: FkSpec[]): boolean {
  const ct = constraintType(d);
  if (ct === 'check') {
    checks.push({ name: nameOf(d), expr: checkExprOf(d), column: null });
    return true;
  }
  if (ct === 'foreign key' || ct === 'foreignkey') {
    const cols = ((d.definition ?? []) as Node[]).map((c) => identName(c.column ?? c));
    fks.push({ name: nameOf(d), columns: cols, ref: d.reference_definition });
    return true;
  }
  return false;
}

function actionOf(ref: Node, which: 'delete' | 'update'): FkAction {
  for (const a of (ref?.on_action ?? []) as Node[]) {
    const t = String(a?.type ?? '').toLowerCase().replace(/\s+/g, '');
    if (t !== `on${which}`) continue;
    const v = String(a?.value?.value ?? a?.value ?? '').toLowerCase().replace(/\s+/g, '');
    switch (v) {
      case 'cascade':
        return 'cascade';
      case 'restrict':
        return 'restrict';
      case 'setnull':
        return 'set null';
      case 'setdefault':
        return 'set default';
      case 'noaction':
        return 'no action';
      default:
        throw new DispatcherError(SqlState.FeatureNotSupported, `ON ${which.toUpperCase()} ${v} is not supported`);
    }
  }
  return 'no action';
}

function refTableOf(ref: Node): string {
  const t = Array.isArray(ref?.table) ? ref.table[0] : ref?.table;
  return String(t?.table ?? t ?? '').toLowerCase();
}

// ------------------------------------------------------------------ building definitions

function typeClass(t: ColumnType): string {
  switch (t) {
    case 'integer':
    case 'bigint':
    case 'real':
    case 'numeric':
      return 'number';
    case 'any':
      return 'any';
    default:
      return t;
  }
}

/** Builds and validates a check; `def` is the table as it will be. */
function buildCheck(def: TableDef, spec: CheckSpec, taken: Set<string>): CheckDef {
  const cols = columnsOf(spec.expr);
  const name =
    spec.name !== null
      ? claimName(def.name, spec.name, taken)
      : chooseName(spec.column !== null ? `${def.name}_${spec.column}` : cols.length === 1 ? `${def.name}_${cols[0]}` : def.name, 'check', taken);
  compileCheck(def, spec.expr, name);
  return { name, expr: expressionText(spec.expr), columns: cols };
}

/** Builds and validates a foreign key of `child` (the table as it will be). */
function buildForeignKey(view: ReadView, child: TableDef, spec: FkSpec, taken: Set<string>): ForeignKeyDef {
  const refTable = refTableOf(spec.ref);
  const parent = refTable === child.name ? child : view.getTable(refTable);
  if (parent === undefined) {
    throw new DispatcherError(SqlState.UndefinedTable, `relation "${refTable}" does not exist`);
  }
  for (const c of spec.columns) {
    if (!child.columns.some((d) => d.name === c)) {
      throw new DispatcherError(SqlState.UndefinedColumn, `column "${c}" referenced in foreign key constraint does not exist`);
    }
  }
  let refColumns = ((spec.ref?.definition ?? []) as Node[]).map((c) => identName(c.column ?? c));
  // `REFERENCES t` without columns means t's primary key (a front may spell it `t (__dispatchdb_pk)`).
  if (refColumns.length === 1 && refColumns[0] === PK_PLACEHOLDER) refColumns = [];
  if (refColumns.length === 0) {
    if (parent.primaryKey.length === 0) {
      throw new DispatcherError(SqlState.InvalidForeignKey, `there is no primary key for referenced table "${parent.name}"`);
    }
    refColumns = parent.primaryKey.map((i) => parent.columns[i]!.name);
  }
  for (const c of refColumns) {
    if (!parent.columns.some((d) => d.name === c)) {
      throw new DispatcherError(SqlState.UndefinedColumn, `column "${c}" referenced in foreign key constraint does not exist`);
    }
  }
  if (refColumns.length !== spec.columns.length) {
    throw new DispatcherError(SqlState.InvalidForeignKey, 'number of referencing and referenced columns for foreign key disagree');
  }
  const pcols = positionsOf(parent, refColumns)!;
  if (keyPath(parent, pcols, true) === null) {
    throw new DispatcherError(
      SqlState.InvalidForeignKey,
      `there is no unique constraint matching given keys for referenced table "${parent.name}"`,
    );
  }
  const name = spec.name !== null ? claimName(child.name, spec.name, taken) : chooseName(`${child.name}_${spec.columns.join('_')}`, 'fkey', taken);
  const ccols = positionsOf(child, spec.columns)!;
  for (let i = 0; i < ccols.length; i++) {
    const ct = child.columns[ccols[i]!]!;
    const pt = parent.columns[pcols[i]!]!;
    const a = typeClass(ct.type);
    const b = typeClass(pt.type);
    if (a !== b && a !== 'any' && b !== 'any') {
      throw new DispatcherError(SqlState.DatatypeMismatch, `foreign key constraint "${name}" cannot be implemented`, {
        detail: `Key columns "${ct.name}" and "${pt.name}" are of incompatible types: ${ct.declaredType.toLowerCase()} and ${pt.declaredType.toLowerCase()}.`,
      });
    }
  }
  const match = String(spec.ref?.match ?? '').toLowerCase().replace(/\s+/g, '');
  if (match === 'matchpartial') throw new DispatcherError(SqlState.FeatureNotSupported, 'MATCH PARTIAL not yet implemented');
  return {
    name,
    columns: spec.columns,
    refTable: parent.name,
    refColumns,
    onDelete: actionOf(spec.ref, 'delete'),
    onUpdate: actionOf(spec.ref, 'update'),
    matchFull: match === 'matchfull',
  };
}

/** Stores new constraints on `table` and the back references on each parent. */
function install(txn: WriteTxn, table: string, checks: readonly CheckDef[], fks: readonly ForeignKeyDef[]): void {
  if (checks.length === 0 && fks.length === 0) return;
  const def = mustTable(txn, table);
  txn.alterTable(withConstraints(def, { checks: [...checksOf(def), ...checks], foreignKeys: [...foreignKeysOf(def), ...fks] }));
  for (const fk of fks) addBackReference(txn, fk.refTable, { table, constraint: fk.name });
}

function addBackReference(txn: WriteTxn, parent: string, ref: ReferenceDef): void {
  const p = mustTable(txn, parent);
  txn.alterTable(withConstraints(p, { referencedBy: [...referencedByOf(p), ref] }));
}

function removeBackReference(txn: WriteTxn, parent: string, table: string, constraint: string): void {
  const p = txn.getTable(parent);
  if (p === undefined) return;
  const refs = referencedByOf(p);
  const kept = refs.filter((r) => !(r.table === table && r.constraint === constraint));
  if (kept.length !== refs.length) txn.alterTable(withConstraints(p, { referencedBy: kept }));
}

/** Removes some of a table's own foreign keys (and their back references). */
function dropForeignKeys(txn: WriteTxn, table: string, drop: (fk: ForeignKeyDef) => boolean): void {
  const def = mustTable(txn, table);
  const gone = foreignKeysOf(def).filter(drop);
  if (gone.length === 0) return;
  txn.alterTable(withConstraints(def, { foreignKeys: foreignKeysOf(def).filter((fk) => !drop(fk)) }));
  for (const fk of gone) removeBackReference(txn, fk.refTable, table, fk.name);
}

// ------------------------------------------------------------------ validating existing rows

function validateCheckRows(txn: WriteTxn, def: TableDef, check: CheckDef, ctx?: ExecContext): void {
  const ev = compileCheck(def, parseExpression(check.expr), check.name).ev;
  const f = ddlFrame(txn, ctx);
  const cur = txn.scanTable(def.name);
  try {
    for (let r = cur.next(); r !== undefined; r = cur.next()) {
      if (truth(ev(r, f)) === false) {
        const e = checkViolation(def, check.name, r);
        throw new DispatcherError(SqlState.CheckViolation, `check constraint "${check.name}" of relation "${def.name}" is violated by some row`, {
          ...(e.detail !== undefined ? { detail: e.detail } : {}),
        });
      }
    }
  } finally {
    cur.close();
  }
}

function validateForeignKeyRows(txn: WriteTxn, def: TableDef, fk: ForeignKeyDef): void {
  const parent = mustTable(txn, fk.refTable);
  const ccols = positionsOf(def, fk.columns)!;
  const pcols = positionsOf(parent, fk.refColumns)!;
  const path = keyPath(parent, pcols, true)!;
  const cur = txn.scanTable(def.name);
  try {
    for (let r = cur.next(); r !== undefined; r = cur.next()) {
      const vals: SqlValue[] = ccols.map((c) => r[c]!);
      const nulls = vals.filter((v) => v === null).length;
      if (nulls > 0) {
        if (fk.matchFull && nulls < vals.length) {
          throw new DispatcherError(SqlState.ForeignKeyViolation, `insert or update on table "${def.name}" violates foreign key constraint "${fk.name}"`, {
            detail: 'MATCH FULL does not allow mixing of null and nonnull key values.',
          });
        }
        continue;
      }
      if (findByUniqueKey(txn, parent, path, pcols, valuesFor(parent, pcols, vals)) === undefined) throw missingParent(def.name, fk, vals);
    }
  } finally {
    cur.close();
  }
}

// ------------------------------------------------------------------ entry points for DDL

/** CREATE TABLE: the column- and table-level CHECK and FOREIGN KEY constraints of `defs`. */
export function createTableConstraints(txn: WriteTxn, table: string, defs: readonly Node[]): void {
  const checks: CheckSpec[] = [];
  const fks: FkSpec[] = [];
  for (const d of defs) {
    if (d.resource === 'column') columnSpecs(d, checks, fks);
    else if (d.resource === 'constraint') tableSpec(d, checks, fks);
  }
  if (checks.length === 0 && fks.length === 0) return;
  const def = mustTable(txn, table);
  const taken = constraintNames(def);
  const builtChecks = checks.map((c) => buildCheck(def, c, taken));
  const builtFks = fks.map((s) => buildForeignKey(txn, def, s, taken));
  install(txn, table, builtChecks, builtFks);
}

/** ALTER TABLE ... ADD COLUMN with CHECK / REFERENCES (after the column was added and filled). */
export function addColumnConstraints(txn: WriteTxn, table: string, colNode: Node, ctx?: ExecContext): void {
  const checks: CheckSpec[] = [];
  const fks: FkSpec[] = [];
  columnSpecs(colNode, checks, fks);
  addAndValidate(txn, table, checks, fks, ctx);
}

function addAndValidate(txn: WriteTxn, table: string, checks: CheckSpec[], fks: FkSpec[], ctx?: ExecContext): void {
  if (checks.length === 0 && fks.length === 0) return;
  const def = mustTable(txn, table);
  const taken = constraintNames(def);
  const builtChecks = checks.map((c) => buildCheck(def, c, taken));
  const builtFks = fks.map((s) => buildForeignKey(txn, def, s, taken));
  for (const c of builtChecks) validateCheckRows(txn, def, c, ctx);
  for (const fk of builtFks) validateForeignKeyRows(txn, def, fk);
  install(txn, table, builtChecks, builtFks);
}

/** ALTER TABLE ... ADD [CONSTRAINT name] CHECK / FOREIGN KEY / UNIQUE / PRIMARY KEY. */
export function addTableConstraint(txn: WriteTxn, table: string, d: Node, ctx?: ExecContext): void {
  const checks: CheckSpec[] = [];
  const fks: FkSpec[] = [];
  if (tableSpec(d, checks, fks)) {
    addAndValidate(txn, table, checks, fks, ctx);
    return;
  }
  const ct = constraintType(d);
  const def = mustTable(txn, table);
  const cols = ((d.definition ?? []) as Node[]).map((c) => identName(c.column ?? c));
  const pos = cols.map((c) => {
    const i = def.columns.findIndex((x) => x.name === c);
    if (i < 0) throw new DispatcherError(SqlState.UndefinedColumn, `column "${c}" named in key does not exist`);
    return i;
  });
  const taken = constraintNames(def);
  if (ct === 'unique' || ct === 'unique key' || ct === 'unique index') {
    const given = nameOf(d);
    const name = given !== null ? claimName(table, given, taken) : chooseName(`${table}_${cols.join('_')}`, 'key', taken);
    if (txn.tables().some((t) => t.indexes.some((ix) => ix.name === name)) || txn.getTable(name) !== undefined) {
      throw new DispatcherError(SqlState.DuplicateTable, `relation "${name}" already exists`);
    }
    txn.createIndex({ name, table, columns: pos, unique: true, implicit: true });
    return;
  }
  if (ct === 'primary key') {
    if (def.primaryKey.length > 0) {
      throw new DispatcherError(SqlState.InvalidColumnReference, `multiple primary keys for table "${table}" are not allowed`);
    }
    const cur = txn.scanTable(table);
    try {
      for (let r = cur.next(); r !== undefined; r = cur.next()) {
        for (const p of pos) {
          if (r[p] === null) {
            throw new DispatcherError(SqlState.NotNullViolation, `column "${def.columns[p]!.name}" of relation "${table}" contains null values`);
          }
        }
      }
    } finally {
      cur.close();
    }
    // Rebuilding the table under the new key finds duplicates (23505).
    txn.alterTable({ ...def, primaryKey: pos, columns: def.columns.map((c, i) => (pos.includes(i) ? { ...c, notNull: true } : c)) });
    return;
  }
  throw new DispatcherError(SqlState.FeatureNotSupported, `ALTER TABLE ADD ${ct.toUpperCase()} is not supported`);
}

/** The foreign keys of other tables (and of this one) that reference `table`, resolved. */
function referencingKeys(txn: ReadView, def: TableDef): { child: TableDef; fk: ForeignKeyDef }[] {
  const out: { child: TableDef; fk: ForeignKeyDef }[] = [];
  for (const ref of referencedByOf(def)) {
    const child = ref.table === def.name ? def : txn.getTable(ref.table);
    const fk = child === undefined ? undefined : foreignKeysOf(child).find((k) => k.name === ref.constraint);
    if (child !== undefined && fk !== undefined) out.push({ child, fk });
  }
  return out;
}

/** ALTER TABLE ... DROP CONSTRAINT name. */
export function dropConstraint(txn: WriteTxn, table: string, name: string, ifExists: boolean): void {
  const def = mustTable(txn, table);
  if (checksOf(def).some((c) => c.name === name)) {
    txn.alterTable(withConstraints(def, { checks: checksOf(def).filter((c) => c.name !== name) }));
    return;
  }
  if (foreignKeysOf(def).some((k) => k.name === name)) {
    dropForeignKeys(txn, table, (k) => k.name === name);
    return;
  }
  const ix = def.indexes.find((i) => i.implicit && i.name === name);
  if (ix !== undefined || (name === `${table}_pkey` && def.primaryKey.length > 0)) {
    const cols = ix?.columns ?? def.primaryKey;
    for (const { child, fk } of referencingKeys(txn, def)) {
      const pcols = positionsOf(def, fk.refColumns);
      if (pcols !== undefined && pcols.length === cols.length && pcols.every((c) => cols.includes(c))) {
        throw new DispatcherError(SqlState.DependentObjects, `cannot drop constraint ${name} on table ${table} because other objects depend on it`, {
          detail: `constraint ${fk.name} on table ${child.name} depends on index ${name}`,
        });
      }
    }
    if (ix === undefined) throw new DispatcherError(SqlState.FeatureNotSupported, 'dropping a primary key is not supported');
    txn.dropIndex(table, name);
    return;
  }
  if (ifExists) return;
  throw new DispatcherError(SqlState.UndefinedObject, `constraint "${name}" of relation "${table}" does not exist`);
}

/** DROP INDEX: an index that is the only unique path to a referenced key stays (2BP01). */
export function checkIndexDrop(txn: WriteTxn, table: string, index: string): void {
  const def = txn.getTable(table);
  if (def === undefined) return;
  const without: TableDef = { ...def, indexes: def.indexes.filter((i) => i.name !== index) };
  for (const { child, fk } of referencingKeys(txn, def)) {
    const pcols = positionsOf(def, fk.refColumns);
    if (pcols === undefined || keyPath(without, pcols, true) !== null) continue;
    throw new DispatcherError(SqlState.DependentObjects, `cannot drop index ${index} because other objects depend on it`, {
      detail: `constraint ${fk.name} on table ${child.name} depends on index ${index}`,
    });
  }
}

/**
 * DROP TABLE: foreign keys of other tables that reference it fail the drop (2BP01) unless
 * CASCADE, which drops those constraints; tables dropped by the same statement do not count.
 * The table's own foreign keys leave their parents' back references.
 */
export function dropTableConstraints(txn: WriteTxn, table: string, cascade: boolean, dropping: ReadonlySet<string>): void {
  const def = txn.getTable(table);
  if (def === undefined) return;
  const outside = referencingKeys(txn, def).filter(({ child }) => child.name !== table && !dropping.has(child.name));
  if (outside.length > 0 && !cascade) {
    throw new DispatcherError(SqlState.DependentObjects, `cannot drop table ${table} because other objects depend on it`, {
      detail: outside.map(({ child, fk }) => `constraint ${fk.name} on table ${child.name} depends on table ${table}`).join('\n'),
    });
  }
  for (const { child, fk } of outside) dropForeignKeys(txn, child.name, (k) => k.name === fk.name);
  for (const fk of foreignKeysOf(def)) if (fk.refTable !== table) removeBackReference(txn, fk.refTable, table, fk.name);
}

/**
 * ALTER TABLE ... DROP COLUMN: a column other tables' foreign keys reference cannot go (2BP01);
 * the table's own checks and foreign keys over it go with it, as in PostgreSQL.
 */
export function dropColumnConstraints(txn: WriteTxn, table: string, column: string): void {
  const def = mustTable(txn, table);
  for (const { child, fk } of referencingKeys(txn, def)) {
    if (child.name === table && fk.columns.includes(column)) continue;
    if (fk.refColumns.includes(column)) {
      throw new DispatcherError(SqlState.DependentObjects, `cannot drop column ${column} of table ${table} because other objects depend on it`, {
        detail: `constraint ${fk.name} on table ${child.name} depends on column ${column} of table ${table}`,
      });
    }
  }
  const checks = checksOf(def);
  if (checks.some((c) => c.columns.includes(column))) {
    txn.alterTable(withConstraints(def, { checks: checks.filter((c) => !c.columns.includes(column)) }));
  }
  dropForeignKeys(txn, table, (fk) => fk.columns.includes(column));
}

function renameInExpr(text: string, table: string, from: string, to: string): string {
  const walk = (n: Node): Node => {
    if (Array.isArray(n)) return n.map(walk);
    if (n === null || typeof n !== 'object') return n;
    if (n.type === 'column_ref' && n.column !== '*' && identName(n.column) === from) {
      const t = n.table === null || n.table === undefined ? null : identName(n.table);
      if (t === null || t === table) return { ...n, column: { expr: { type: 'double_quote_string', value: to } } };
    }
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(n)) out[k] = walk(n[k]);
    return out;
  };
  return expressionText(walk(parseExpression(text)));
}

/** ALTER TABLE ... RENAME COLUMN: the names constraints keep follow (both ends of foreign keys). */
export function renameColumnConstraints(txn: WriteTxn, table: string, from: string, to: string): void {
  const def = mustTable(txn, table);
  const ren = (c: string): string => (c === from ? to : c);
  const checks = checksOf(def).map((c) =>
    c.columns.includes(from) ? { ...c, expr: renameInExpr(c.expr, table, from, to), columns: c.columns.map(ren) } : c,
  );
  const fks = foreignKeysOf(def).map((fk) => ({
    ...fk,
    columns: fk.columns.map(ren),
    refColumns: fk.refTable === table ? fk.refColumns.map(ren) : fk.refColumns,
  }));
  if (checks.length > 0 || fks.length > 0) txn.alterTable(withConstraints(def, { checks, foreignKeys: fks }));
  for (const ref of referencedByOf(def)) {
    if (ref.table === table) continue;
    const child = txn.getTable(ref.table);
    if (child === undefined) continue;
    const next = foreignKeysOf(child).map((fk) => (fk.name === ref.constraint && fk.refTable === table ? { ...fk, refColumns: fk.refColumns.map(ren) } : fk));
    txn.alterTable(withConstraints(child, { foreignKeys: next }));
  }
}

/** ALTER TABLE ... RENAME TO: after storage renamed the table, both ends of its foreign keys follow. */
export function renameTableConstraints(txn: WriteTxn, from: string, to: string): void {
  const def = mustTable(txn, to);
  const fks = foreignKeysOf(def).map((fk) => (fk.refTable === from ? { ...fk, refTable: to } : fk));
  const refs = referencedByOf(def).map((r) => (r.table === from ? { ...r, table: to } : r));
  if (fks.length > 0 || refs.length > 0) txn.alterTable(withConstraints(def, { foreignKeys: fks, referencedBy: refs }));
  for (const fk of fks) {
    if (fk.refTable === to) continue;
    const p = txn.getTable(fk.refTable);
    if (p === undefined) continue;
    txn.alterTable(withConstraints(p, { referencedBy: referencedByOf(p).map((r) => (r.table === from ? { ...r, table: to } : r)) }));
  }
  for (const r of refs) {
    if (r.table === to) continue;
    const child = txn.getTable(r.table);
    if (child === undefined) continue;
    txn.alterTable(withConstraints(child, { foreignKeys: foreignKeysOf(child).map((fk) => (fk.refTable === from ? { ...fk, refTable: to } : fk)) }));
  }
}
