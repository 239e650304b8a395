// CHECK constraints: compiled once per table definition (TableDef objects are immutable, so a new
// definition is a new schema version), evaluated on every row written. A NULL result passes.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ColumnType, Row, SqlValue, TableDef } from '../storage/ports.js';
import { ExprCompiler, hasAggregate, identName, type Compiled, type ExprEnv, type Node } from './expr.js';
import type { Eval, Frame } from './runtime.js';
import { Scope } from './scope.js';
import { parseExpression } from './sql-text.js';
import { castValue, textOf, truth } from './values.js';
import { checksOf, type CheckDef } from './constraint-defs.js';

export interface CompiledCheck {
  readonly name: string;
  readonly ev: Eval;
}

/** An expression compiler for stored expressions of one table (checks, defaults): no subqueries. */
export function storedExprCompiler(what: string): ExprCompiler {
  const env: ExprEnv = {
    paramTypes: [],
    compileSubquery() {
      throw new DispatcherError(SqlState.FeatureNotSupported, `cannot use subquery in ${what}`);
    },
    parseExpr: parseExpression,
  };
  return new ExprCompiler(env);
}

function tableScope(def: TableDef): Scope {
  const scope = new Scope(null);
  scope.addSource(def.name, def.columns.map((c) => ({ name: c.name, type: c.type })));
  return scope;
}

/** Column names an expression refers to (for dependency tracking), in order of appearance. */
export function columnsOf(n: Node, out: string[] = []): string[] {
  if (Array.isArray(n)) {
    for (const x of n) columnsOf(x, out);
    return out;
  }
  if (n === null || typeof n !== 'object') return out;
  if (n.type === 'column_ref' && n.column !== '*') {
    const c = identName(n.column);
    if (!out.includes(c)) out.push(c);
    return out;
  }
  for (const k of Object.keys(n)) if (k !== 'loc') columnsOf(n[k], out);
  return out;
}

/** Compiles a CHECK condition against the table (42703, 0A000 subqueries, 42803 aggregates). */
export function compileCheck(def: TableDef, expr: Node, name: string): Compiled {
  if (hasAggregate(expr)) {
    throw new DispatcherError(SqlState.GroupingError, 'aggregate functions are not allowed in check constraints');
  }
  const scope = tableScope(def);
  const c = storedExprCompiler('check constraint').compile(expr, scope);
  if (scope.sawAggregate) {
    throw new DispatcherError(SqlState.GroupingError, 'aggregate functions are not allowed in check constraints');
  }
  if (c.type !== 'boolean' && c.type !== 'any') {
    throw new DispatcherError(SqlState.DatatypeMismatch, `argument of CHECK constraint "${name}" must be type boolean, not type ${c.type}`);
  }
  return c;
}

const compiled = new WeakMap<TableDef, readonly CompiledCheck[]>();

/** The table's checks, compiled once per definition, in name order (PostgreSQL's order). */
export function compiledChecks(def: TableDef): readonly CompiledCheck[] {
  let out = compiled.get(def);
  if (out === undefined) {
    const sorted = [...checksOf(def)].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    out = sorted.map((c: CheckDef) => ({ name: c.name, ev: compileCheck(def, parseExpression(c.expr), c.name).ev }));
    compiled.set(def, out);
  }
  return out;
}

/** `(1, null, abc)`: how PostgreSQL shows a failing row. */
export function rowText(row: Row, n: number): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const v = row[i] as SqlValue;
    parts.push(v === null ? 'null' : textOf(v));
  }
  return `(${parts.join(', ')})`;
}

export function checkViolation(def: TableDef, name: string, row: Row): DispatcherError {
  return new DispatcherError(SqlState.CheckViolation, `new row for relation "${def.name}" violates check constraint "${name}"`, {
    detail: `Failing row contains ${rowText(row, def.columns.length)}.`,
  });
}

/** Throws 23514 when a check is false for the row (true and NULL pass). */
export function enforceChecks(def: TableDef, checks: readonly CompiledCheck[], row: Row, f: Frame): void {
  for (let i = 0; i < checks.length; i++) {
    const c = checks[i]!;
    if (truth(c.ev(row, f)) === false) throw checkViolation(def, c.name, row);
  }
}

/** Value of a column's DEFAULT (or NULL), converted to the column's type. */
export function compileDefault(def: TableDef, col: number): (f: Frame) => SqlValue {
  const c = def.columns[col]!;
  if (c.defaultSql === undefined || c.defaultSql === null) return () => null;
  const e = storedExprCompiler('DEFAULT expression').compile(parseExpression(c.defaultSql), new Scope(null));
  const type: ColumnType = c.type;
  return (f) => castValue(e.ev([], f), type, e.type);
}
