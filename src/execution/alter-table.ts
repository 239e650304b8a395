// ALTER TABLE actions beyond ADD / DROP COLUMN (those stay in ddl.ts): ADD / DROP CONSTRAINT,
// RENAME TO, RENAME COLUMN, and ALTER COLUMN SET / DROP DEFAULT, SET / DROP NOT NULL, TYPE.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ColumnDef, SqlValue, TableDef, WriteTxn } from '../storage/ports.js';
import type { ExecContext, ParamType } from './types.js';
import type { DdlPlan } from './ddl.js';
import { identName, type Node } from './expr.js';
import { getViews } from './from-planner.js';
import { Scope } from './scope.js';
import { bindParams, expressionText, parseExpression } from './sql-text.js';
import { castValue, columnTypeOf } from './values.js';
import { coerceForColumn } from './column-coercion.js';
import { storedExprCompiler } from './check-constraints.js';
import { checksOf, foreignKeysOf, referencedByOf } from './constraint-defs.js';
import {
  addTableConstraint,
  ddlFrame,
  dropConstraint,
  renameColumnConstraints,
  renameTableConstraints,
} from './constraint-ddl.js';
import { renameColumnInTriggers } from './trigger-ddl.js';

function mustTable(txn: WriteTxn, name: string): TableDef {
  const def = txn.getTable(name);
  if (def === undefined) throw new DispatcherError(SqlState.UndefinedTable, `relation "${name}" does not exist`);
  return def;
}

/** Views keep their query as text: renaming what they read would break them silently. */
function refuseUnderViews(txn: WriteTxn, table: string, what: string): void {
  const views = getViews(txn);
  const dependent = Object.keys(views).find((v) => views[v]!.dependsOn.includes(table));
  if (dependent !== undefined) {
    throw new DispatcherError(SqlState.DependentObjects, `cannot ${what} of table ${table} because other objects depend on it`, {
      detail: `view ${dependent} depends on table ${table}`,
    });
  }
}

function renameTable(txn: WriteTxn, from: string, to: string): void {
  if (txn.getTable(to) !== undefined || getViews(txn)[to] !== undefined) {
    throw new DispatcherError(SqlState.DuplicateTable, `relation "${to}" already exists`);
  }
  refuseUnderViews(txn, from, 'rename');
  if (txn.renameTable === undefined) throw new DispatcherError(SqlState.FeatureNotSupported, 'renaming tables is not supported by this storage');
  txn.renameTable(from, to);
  renameTableConstraints(txn, from, to);
}

/** RENAME COLUMN: the column keeps its position (indexes and keys are by position). */
export function renameColumn(txn: WriteTxn, table: string, from: string, to: string): void {
  const def = mustTable(txn, table);
  const pos = def.columns.findIndex((c) => c.name === from);
  if (pos < 0) throw new DispatcherError(SqlState.UndefinedColumn, `column "${from}" does not exist`);
  if (from === to) return;
  if (def.columns.some((c) => c.name === to)) {
    throw new DispatcherError(SqlState.DuplicateColumn, `column "${to}" of relation "${table}" already exists`);
  }
  refuseUnderViews(txn, table, `rename column ${from}`);
  txn.alterTable({ ...def, columns: def.columns.map((c, i) => (i === pos ? { ...c, name: to } : c)) });
  renameColumnConstraints(txn, table, from, to);
  renameColumnInTriggers(txn, table, from, to);
}

/** ALTER TABLE t RENAME [COLUMN] a TO b, as the analysis front hands it over. */
export function compileRenameColumn(ast: Node): DdlPlan {
  const table = String(ast.table ?? '').toLowerCase();
  const from = String(ast.column ?? '');
  const to = String(ast.newName ?? '');
  const ifExists = ast.ifExists === true;
  return {
    command: 'ALTER TABLE',
    dependsOn: [table],
    run(txn) {
      if (txn.getTable(table) === undefined && ifExists) return;
      renameColumn(txn, table, from, to);
    },
  };
}

function alterColumn(txn: WriteTxn, table: string, a: Node, params: readonly SqlValue[], paramTypes: readonly ParamType[], ctx?: ExecContext): void {
  const def = mustTable(txn, table);
  const cname = identName(a.column?.column ?? a.column);
  const pos = def.columns.findIndex((c) => c.name === cname);
  if (pos < 0) throw new DispatcherError(SqlState.UndefinedColumn, `column "${cname}" of relation "${table}" does not exist`);
  const col = def.columns[pos]!;
  const replace = (c: ColumnDef): TableDef => ({ ...def, columns: def.columns.map((x, i) => (i === pos ? c : x)) });
  const dv = a.default_val;
  if (dv !== null && dv !== undefined) {
    const kind = String(dv.type ?? '').toLowerCase();
    if (kind === 'drop default') {
      const { defaultSql: _drop, ...rest } = col;
      txn.alterTable(replace(rest));
    } else {
      const sql = expressionText(bindParams(dv.value, params, paramTypes));
      txn.alterTable(replace({ ...col, defaultSql: sql }));
    }
    return;
  }
  const nn = a.nullable;
  if (nn !== null && nn !== undefined) {
    if (String(nn.action ?? '').toLowerCase() === 'drop') {
      if (def.primaryKey.includes(pos)) throw new DispatcherError(SqlState.InvalidColumnReference, `column "${cname}" is in a primary key`);
      txn.alterTable(replace({ ...col, notNull: false }));
      return;
    }
    const cur = txn.scanTable(table);
    try {
      for (let r = cur.next(); r !== undefined; r = cur.next()) {
        if (r[pos] === null) throw new DispatcherError(SqlState.NotNullViolation, `column "${cname}" of relation "${table}" contains null values`);
      }
    } finally {
      cur.close();
    }
    txn.alterTable(replace({ ...col, notNull: true }));
    return;
  }
  if (a.definition !== null && a.definition !== undefined) {
    let declared = String(a.definition.dataType ?? 'TEXT');
    if (a.definition.length !== undefined && a.definition.length !== null) {
      declared += a.definition.scale !== undefined && a.definition.scale !== null ? `(${a.definition.length},${a.definition.scale})` : `(${a.definition.length})`;
    }
    const involved =
      foreignKeysOf(def).some((fk) => fk.columns.includes(cname)) ||
      referencedByOf(def).some((r) => {
        const child = txn.getTable(r.table);
        return child !== undefined && foreignKeysOf(child).some((fk) => fk.name === r.constraint && fk.refColumns.includes(cname));
      });
    if (involved) throw new DispatcherError(SqlState.FeatureNotSupported, `cannot alter type of column "${cname}" used by a foreign key`);
    const next: ColumnDef = { ...col, type: columnTypeOf(declared), declaredType: declared };
    let convert: (row: readonly SqlValue[]) => SqlValue = (row) => castValue(row[pos]!, next.type, col.type);
    if (a.using !== null && a.using !== undefined) {
      const scope = new Scope(null);
      scope.addSource(table, def.columns.map((c) => ({ name: c.name, type: c.type })));
      const e = storedExprCompiler('transform expression').compile(a.using.value ?? a.using, scope);
      const f = ddlFrame(txn, ctx);
      convert = (row) => castValue(e.ev(row as SqlValue[], f), next.type, e.type);
    }
    txn.alterTable(replace(next), (row) => {
      const out = row.slice();
      out[pos] = coerceForColumn(convert(row), next, table);
      return out;
    });
    // Checks over the column see the converted values.
    if (checksOf(def).some((c) => c.columns.includes(cname))) {
      const after = mustTable(txn, table);
      addTableConstraintRecheck(txn, after, cname, ctx);
    }
    return;
  }
  throw new DispatcherError(SqlState.FeatureNotSupported, 'this ALTER COLUMN form is not supported');
}

/** After a type change, the checks over the column must still hold for every row. */
function addTableConstraintRecheck(txn: WriteTxn, def: TableDef, column: string, ctx?: ExecContext): void {
  // Re-adding each affected check through the ADD CONSTRAINT path validates it against the rows.
  const affected = checksOf(def).filter((c) => c.columns.includes(column));
  for (const c of affected) {
    dropConstraint(txn, def.name, c.name, false);
    addTableConstraint(txn, def.name, {
      resource: 'constraint',
      constraint_type: 'check',
      constraint: c.name,
      definition: [parseExpression(c.expr)],
    }, ctx);
  }
}

/**
 * One ALTER TABLE action this module handles; false when it is not one of them (the caller
 * reports it as unsupported).
 */
export function alterTableAction(
  txn: WriteTxn,
  table: string,
  a: Node,
  params: readonly SqlValue[],
  paramTypes: readonly ParamType[],
  ctx?: ExecContext,
): boolean {
  const action = String(a.action ?? '').toLowerCase();
  const resource = String(a.resource ?? '').toLowerCase();
  if (action === 'add' && resource === 'constraint') {
    addTableConstraint(txn, table, a.create_definitions, ctx);
    return true;
  }
  if (action === 'drop' && resource === 'constraint') {
    dropConstraint(txn, table, identName(a.constraint), a.if_exists !== null && a.if_exists !== undefined);
    return true;
  }
  if (action === 'rename' && resource === 'table') {
    renameTable(txn, table, identName(a.table));
    return true;
  }
  if (action === 'alter' && resource === 'column') {
    alterColumn(txn, table, a, params, paramTypes, ctx);
    return true;
  }
  return false;
}
