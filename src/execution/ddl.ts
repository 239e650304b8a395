// Schema changes: CREATE/DROP TABLE, INDEX and VIEW. Checks run at execution time against the
// transaction's own view (the catalog may have changed since the statement was compiled).
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ColumnDef, ColumnType, IndexDef, ReadView, Row, SqlValue, TableDef, WriteTxn } from '../storage/ports.js';
import type { ExecContext, Execution, ParamType, ResultColumn } from './types.js';
import { identName, type Node } from './expr.js';
import { getViews, type ViewDef } from './select-planner.js';
import { bindParams, expressionText } from './sql-text.js';
import { columnTypeOf, isSerialType, textOf } from './values.js';
import { addColumnConstraints, checkIndexDrop, createTableConstraints, dropColumnConstraints, dropTableConstraints } from './constraint-ddl.js';
import { alterTableAction, compileRenameColumn } from './alter-table.js';
import { checkColumnDropForTriggers } from './trigger-ddl.js';

export interface DdlPlan {
  readonly command: string;
  readonly dependsOn: string[];
  run(txn: WriteTxn, params: readonly SqlValue[], ctx?: ExecContext): void;
}

function txnOf(ctx: ExecContext): WriteTxn {
  const v = ctx.view as WriteTxn;
  if (typeof v.createTable !== 'function') {
    throw new DispatcherError(SqlState.ReadOnlyTransaction, 'cannot change the schema in a read-only transaction');
  }
  return v;
}

export function ddlExecution(plan: DdlPlan, ctx: ExecContext): Execution {
  let done = false;
  return {
    step() {
      if (done) return null;
      done = true;
      ctx.checkInterrupt();
      plan.run(txnOf(ctx), ctx.params, ctx);
      return null;
    },
    rowsAffected: 0,
    close() {
      done = true;
    },
  };
}

function relationExists(view: ReadView, name: string): boolean {
  return view.getTable(name) !== undefined || getViews(view)[name] !== undefined;
}

function indexOwner(view: ReadView, name: string): TableDef | undefined {
  for (const t of view.tables()) if (t.indexes.some((i) => i.name === name)) return t;
  return undefined;
}

function declaredTypeOf(d: Node): string {
  let s = String(d?.dataType ?? 'TEXT');
  if (d?.length !== undefined && d.length !== null) s += d.scale !== undefined && d.scale !== null ? `(${d.length},${d.scale})` : `(${d.length})`;
  return s;
}

/** Runs a query to the end inside a DDL statement (CREATE TABLE AS): columns and rows. */
export type RunQuery = (ast: Node, txn: WriteTxn, params: readonly SqlValue[], ctx?: ExecContext) => { columns: ResultColumn[]; rows: Row[] };

function declaredNameOf(t: ColumnType): string {
  switch (t) {
    case 'integer':
      return 'INTEGER';
    case 'bigint':
      return 'BIGINT';
    case 'real':
      return 'DOUBLE PRECISION';
    case 'numeric':
      return 'NUMERIC';
    case 'boolean':
      return 'BOOLEAN';
    case 'bytea':
      return 'BYTEA';
    case 'date':
      return 'DATE';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'json':
      return 'JSON';
    case 'jsonb':
      return 'JSONB';
    default:
      return 'TEXT';
  }
}

export function compileCreateTable(ast: Node, paramTypes: readonly ParamType[], runQuery?: RunQuery): DdlPlan {
  const tableItem = Array.isArray(ast.table) ? ast.table[0] : ast.table;
  const name = String(tableItem?.table ?? '').toLowerCase();
  if (ast.query_expr !== null && ast.query_expr !== undefined) {
    if (runQuery === undefined) throw new DispatcherError(SqlState.FeatureNotSupported, 'CREATE TABLE AS is not supported');
    const query = ast.query_expr.ast ?? ast.query_expr;
    const ifNot = ast.if_not_exists !== null && ast.if_not_exists !== undefined;
    return {
      command: 'CREATE TABLE AS',
      dependsOn: [name],
      run(txn, params, ctx) {
        if (relationExists(txn, name)) {
          if (ifNot) return;
          throw new DispatcherError(SqlState.DuplicateTable, `relation "${name}" already exists`);
        }
        const { columns, rows } = runQuery(query, txn, params, ctx);
        const seen = new Set<string>();
        for (const c of columns) {
          if (seen.has(c.name)) throw new DispatcherError(SqlState.DuplicateColumn, `column "${c.name}" specified more than once`);
          seen.add(c.name);
        }
        txn.createTable({
          name,
          columns: columns.map((c) => ({
            name: c.name,
            type: c.type === 'any' ? 'text' : c.type,
            declaredType: declaredNameOf(c.type),
            notNull: false,
          })),
          primaryKey: [],
          indexes: [],
        });
        for (const r of rows) txn.insert(name, r.map((v, i) => (columns[i]!.type === 'any' && v !== null ? textOf(v) : v)));
      },
    };
  }
  const defs: Node[] = ast.create_definitions ?? [];
  const ifNotExists = ast.if_not_exists !== null && ast.if_not_exists !== undefined;
  return {
    command: 'CREATE TABLE',
    dependsOn: [name],
    run(txn, params) {
      if (relationExists(txn, name)) {
        if (ifNotExists) return;
        throw new DispatcherError(SqlState.DuplicateTable, `relation "${name}" already exists`);
      }
      const columns: { name: string; def: Node; notNull: boolean; defaultSql?: string }[] = [];
      let pk: string[] = [];
      const uniques: string[][] = [];
      for (const d of defs) {
        if (d.resource === 'column') {
          const cname = identName(d.column?.column ?? d.column);
          if (columns.some((c) => c.name === cname)) {
            throw new DispatcherError(SqlState.DuplicateColumn, `column "${cname}" specified more than once`);
          }
          const isPk = d.primary_key !== null && d.primary_key !== undefined;
          const notNull = isPk || String(d.nullable?.type ?? '').toLowerCase() === 'not null';
          let defaultSql: string | undefined;
          if (d.default_val !== null && d.default_val !== undefined) {
            const expr = bindParams(d.default_val.value ?? d.default_val, params, paramTypes);
            defaultSql = expressionText(expr);
          }
          columns.push({ name: cname, def: d.definition, notNull, ...(defaultSql !== undefined ? { defaultSql } : {}) });
          if (isPk) {
            if (pk.length > 0) {
              throw new DispatcherError(SqlState.InvalidColumnReference, `multiple primary keys for table "${name}" are not allowed`);
            }
            pk = [cname];
          }
          if (d.unique !== null && d.unique !== undefined && !isPk) uniques.push([cname]);
        } else if (d.resource === 'constraint') {
          const ct = String(d.constraint_type ?? '').toLowerCase();
          const cols = ((d.definition ?? []) as Node[]).map((c) => identName(c.column ?? c));
          if (ct === 'primary key') {
            if (pk.length > 0) {
              throw new DispatcherError(SqlState.InvalidColumnReference, `multiple primary keys for table "${name}" are not allowed`);
            }
            pk = cols;
          } else if (ct === 'unique' || ct === 'unique key' || ct === 'unique index') uniques.push(cols);
          // CHECK and FOREIGN KEY: createTableConstraints, once the table and its keys exist.
        }
      }
      const always = new Set<string>(Array.isArray(ast.identityAlways) ? (ast.identityAlways as string[]) : []);
      const colDefs: ColumnDef[] = columns.map((c) => {
        const serial = isSerialType(declaredTypeOf(c.def));
        return {
          name: c.name,
          type: columnTypeOf(declaredTypeOf(c.def)),
          declaredType: declaredTypeOf(c.def),
          notNull: c.notNull || pk.includes(c.name) || serial,
          ...(c.defaultSql !== undefined ? { defaultSql: c.defaultSql } : {}),
          ...(serial ? { serial: true } : {}),
          ...(serial && always.has(c.name) ? { identityAlways: true } : {}),
        };
      });
      const pos = (c: string): number => {
        const i = colDefs.findIndex((d) => d.name === c);
        if (i < 0) throw new DispatcherError(SqlState.UndefinedColumn, `column "${c}" named in key does not exist`);
        return i;
      };
      const primaryKey = pk.map(pos);
      const indexes: IndexDef[] = [];
      for (const u of uniques) {
        const cols = u.map(pos);
        if (cols.length === primaryKey.length && cols.every((c, i) => c === primaryKey[i])) continue;
        let iname = `${name}_${u.join('_')}_key`;
        for (let k = 1; indexes.some((i) => i.name === iname) || indexOwner(txn, iname) !== undefined; k++) {
          iname = `${name}_${u.join('_')}_key${k}`;
        }
        indexes.push({ name: iname, table: name, columns: cols, unique: true, implicit: true });
      }
      txn.createTable({ name, columns: colDefs, primaryKey, indexes: [] });
      for (const ix of indexes) txn.createIndex(ix);
      createTableConstraints(txn, name, defs);
    },
  };
}

export function compileCreateIndex(ast: Node): DdlPlan {
  const iname = String(ast.index ?? '').toLowerCase();
  const tname = String(ast.table?.table ?? (Array.isArray(ast.table) ? ast.table[0]?.table : '')).toLowerCase();
  const unique = String(ast.index_type ?? '').toLowerCase() === 'unique';
  const ifNotExists = ast.if_not_exists !== null && ast.if_not_exists !== undefined;
  // A partial index (WHERE ...): a plain one is built whole (it answers every query the partial
  // one would); a unique one would refuse rows outside its predicate, so it is refused.
  if (unique && ast.where !== null && ast.where !== undefined) {
    throw new DispatcherError(SqlState.FeatureNotSupported, 'partial unique indexes (CREATE UNIQUE INDEX ... WHERE) are not supported');
  }
  const colNames: string[] = ((ast.index_columns ?? []) as Node[]).map((c) => {
    if (c.type !== 'column_ref') throw new DispatcherError(SqlState.FeatureNotSupported, 'expression indexes are not supported');
    return identName(c.column);
  });
  return {
    command: 'CREATE INDEX',
    dependsOn: [tname],
    run(txn) {
      const def = txn.getTable(tname);
      if (def === undefined) throw new DispatcherError(SqlState.UndefinedTable, `relation "${tname}" does not exist`);
      if (indexOwner(txn, iname) !== undefined || relationExists(txn, iname)) {
        if (ifNotExists) return;
        throw new DispatcherError(SqlState.DuplicateTable, `relation "${iname}" already exists`);
      }
      const cols = colNames.map((c) => {
        const i = def.columns.findIndex((d) => d.name === c);
        if (i < 0) throw new DispatcherError(SqlState.UndefinedColumn, `column "${c}" does not exist`);
        return i;
      });
      txn.createIndex({ name: iname, table: tname, columns: cols, unique, implicit: false });
    },
  };
}

function namesOf(list: Node): string[] {
  const arr: Node[] = Array.isArray(list) ? list : [list];
  return arr.map((n) => {
    if (n?.type === 'column_ref') return identName(n.column);
    return String(n?.table ?? n?.view ?? n?.name ?? '').toLowerCase();
  });
}

export function compileDrop(ast: Node, view?: ReadView): DdlPlan {
  const keyword = String(ast.keyword ?? '').toLowerCase();
  const ifExists = String(ast.prefix ?? '').toUpperCase().includes('IF EXISTS');
  const names = namesOf(ast.name);
  if (keyword === 'table') {
    // The grammar reads a trailing CASCADE / RESTRICT as the last name's alias.
    const cascade = (Array.isArray(ast.name) ? ast.name : [ast.name]).some((n: Node) => String(n?.as ?? '').toUpperCase() === 'CASCADE');
    return {
      command: 'DROP TABLE',
      dependsOn: names,
      run(txn) {
        for (const n of names) {
          if (txn.getTable(n) === undefined) {
            if (getViews(txn)[n] !== undefined) throw new DispatcherError(SqlState.WrongObjectType, `"${n}" is not a table`);
            if (ifExists) continue;
            throw new DispatcherError(SqlState.UndefinedTable, `table "${n}" does not exist`);
          }
          const views = getViews(txn);
          const dependent = Object.keys(views).find((v) => views[v]!.dependsOn.includes(n));
          if (dependent !== undefined) {
            throw new DispatcherError(
              SqlState.DependentObjects,
              `cannot drop table ${n} because other objects depend on it`,
              { detail: `view ${dependent} depends on table ${n}` },
            );
          }
          dropTableConstraints(txn, n, cascade, new Set(names));
          txn.dropTable(n);
        }
      },
    };
  }
  if (keyword === 'index') {
    // Plans that read the index depend on its table: dropping it must invalidate them.
    const owners = view === undefined ? [] : names.map((n) => indexOwner(view, n)?.name).filter((t): t is string => t !== undefined);
    return {
      command: 'DROP INDEX',
      dependsOn: owners,
      run(txn) {
        for (const n of names) {
          const owner = indexOwner(txn, n);
          if (owner === undefined) {
            if (ifExists) continue;
            throw new DispatcherError(SqlState.UndefinedObject, `index "${n}" does not exist`);
          }
          const ix = owner.indexes.find((i) => i.name === n)!;
          if (ix.implicit) {
            throw new DispatcherError(
              SqlState.DependentObjects,
              `cannot drop index ${n} because constraint ${n} on table ${owner.name} requires it`,
            );
          }
          checkIndexDrop(txn, owner.name, n);
          txn.dropIndex(owner.name, n);
        }
      },
    };
  }
  if (keyword === 'view') {
    return {
      command: 'DROP VIEW',
      dependsOn: names,
      run(txn) {
        const views = { ...getViews(txn) };
        for (const n of names) {
          if (views[n] === undefined) {
            if (txn.getTable(n) !== undefined) throw new DispatcherError(SqlState.WrongObjectType, `"${n}" is not a view`);
            if (ifExists) continue;
            throw new DispatcherError(SqlState.UndefinedTable, `view "${n}" does not exist`);
          }
          // Views over a dropped view are kept (as SQLite does, and as the sqllogictest corpus
          // expects); querying them then reports the missing relation.
          delete views[n];
        }
        txn.setMeta('views', views);
      },
    };
  }
  throw new DispatcherError(SqlState.FeatureNotSupported, `DROP ${keyword.toUpperCase()} is not supported`);
}

/**
 * CREATE VIEW: the view's query is compiled by the caller (validation, dependencies); here the
 * bound AST is stored under meta 'views'.
 */
export function compileCreateView(
  ast: Node,
  text: string,
  paramTypes: readonly ParamType[],
  validate: (bound: Node, view: ReadView) => string[],
): DdlPlan {
  const name = String(ast.view?.view ?? ast.view?.table ?? ast.name ?? '').toLowerCase();
  const replace = ast.replace !== null && ast.replace !== undefined && ast.replace !== false;
  const columns: string[] | null = Array.isArray(ast.columns) && ast.columns.length > 0 ? ast.columns.map((c: Node) => identName(c)) : null;
  return {
    command: 'CREATE VIEW',
    dependsOn: [name],
    run(txn, params) {
      const views = { ...getViews(txn) };
      if (txn.getTable(name) !== undefined || (views[name] !== undefined && !replace)) {
        throw new DispatcherError(SqlState.DuplicateTable, `relation "${name}" already exists`);
      }
      const bound = bindParams(ast.select, params, paramTypes);
      const deps = validate(bound, txn).filter((d) => d !== name);
      const def: ViewDef & { columns?: string[] } = { sql: text, ast: bound, dependsOn: deps, ...(columns !== null ? { columns } : {}) };
      views[name] = def;
      txn.setMeta('views', views);
    },
  };
}

/** ALTER TABLE ... ADD COLUMN / DROP COLUMN (several actions apply in order). */
export function compileAlterTable(ast: Node, paramTypes: readonly ParamType[], evalDefault: (sql: string, col: ColumnDef) => SqlValue): DdlPlan {
  if (ast.type === 'alter_table') return compileRenameColumn(ast);
  const tableItem = Array.isArray(ast.table) ? ast.table[0] : ast.table;
  const name = String(tableItem?.table ?? '').toLowerCase();
  const actions: Node[] = Array.isArray(ast.expr) ? ast.expr : [];
  return {
    command: 'ALTER TABLE',
    dependsOn: [name],
    run(txn, params, ctx) {
      for (const a of actions) {
        const def = txn.getTable(name);
        if (def === undefined && ast.if_exists !== null && ast.if_exists !== undefined) return;
        if (def === undefined) throw new DispatcherError(SqlState.UndefinedTable, `relation "${name}" does not exist`);
        const action = String(a.action ?? '').toLowerCase();
        const cname = identName(a.column?.column ?? a.column);
        if (action === 'add' && a.resource === 'column') {
          if (def.columns.some((c) => c.name === cname)) {
            if (a.if_not_exists !== null && a.if_not_exists !== undefined) continue;
            throw new DispatcherError(SqlState.DuplicateColumn, `column "${cname}" of relation "${name}" already exists`);
          }
          if (a.primary_key !== null && a.primary_key !== undefined) {
            throw new DispatcherError(SqlState.FeatureNotSupported, 'adding a primary key column is not supported');
          }
          let defaultSql: string | undefined;
          if (a.default_val !== null && a.default_val !== undefined) {
            defaultSql = expressionText(bindParams(a.default_val.value ?? a.default_val, params, paramTypes));
          }
          const col: ColumnDef = {
            name: cname,
            type: columnTypeOf(declaredTypeOf(a.definition)),
            declaredType: declaredTypeOf(a.definition),
            notNull: String(a.nullable?.type ?? '').toLowerCase() === 'not null',
            ...(defaultSql !== undefined ? { defaultSql } : {}),
          };
          // Existing rows get the default (evaluated once), as PostgreSQL does for constants.
          const fill = defaultSql === undefined ? null : evalDefault(defaultSql, col);
          if (fill === null && col.notNull && txn.rowCount(name) > 0) {
            throw new DispatcherError(SqlState.NotNullViolation, `column "${cname}" of relation "${name}" contains null values`);
          }
          txn.alterTable({ ...def, columns: [...def.columns, col] }, (row) => [...row, fill]);
          if (a.unique !== null && a.unique !== undefined) {
            txn.createIndex({ name: `${name}_${cname}_key`, table: name, columns: [def.columns.length], unique: true, implicit: true });
          }
          addColumnConstraints(txn, name, a, ctx);
        } else if (action === 'drop' && a.resource === 'column') {
          const pos = def.columns.findIndex((c) => c.name === cname);
          if (pos < 0) {
            if (a.if_exists !== null && a.if_exists !== undefined) continue;
            throw new DispatcherError(SqlState.UndefinedColumn, `column "${cname}" of relation "${name}" does not exist`);
          }
          if (def.primaryKey.includes(pos)) {
            throw new DispatcherError(SqlState.DependentObjects, `cannot drop column ${cname} of table ${name} because the primary key requires it`);
          }
          if (def.columns.length === 1) {
            throw new DispatcherError(SqlState.FeatureNotSupported, 'a table must keep at least one column');
          }
          const views = getViews(txn);
          const dependent = Object.keys(views).find((v) => views[v]!.dependsOn.includes(name));
          if (dependent !== undefined) {
            throw new DispatcherError(SqlState.DependentObjects, `cannot drop column ${cname} of table ${name} because other objects depend on it`, {
              detail: `view ${dependent} depends on table ${name}`,
            });
          }
          checkColumnDropForTriggers(txn, name, cname);
          dropColumnConstraints(txn, name, cname);
          // Indexes over the column go with it (PostgreSQL drops them too).
          for (const ix of def.indexes) if (ix.columns.includes(pos)) txn.dropIndex(name, ix.name);
          const after = txn.getTable(name)!;
          const shift = (c: number): number => (c > pos ? c - 1 : c);
          txn.alterTable(
            {
              ...after,
              columns: after.columns.filter((_, i) => i !== pos),
              primaryKey: after.primaryKey.map(shift),
              indexes: after.indexes.map((ix) => ({ ...ix, columns: ix.columns.map(shift) })),
            },
            (row) => row.filter((_, i) => i !== pos),
          );
        } else if (!alterTableAction(txn, name, a, params, paramTypes, ctx)) {
          throw new DispatcherError(SqlState.FeatureNotSupported, `ALTER TABLE ${action.toUpperCase()} is not supported`);
        }
      }
    },
  };
}
