// CREATE TRIGGER, DROP TRIGGER and REINDEX. Trigger definitions live with what they are on: a
// table's in TableDef.extra.triggers (so DROP TABLE drops them and RENAME keeps them), a view's
// INSTEAD OF triggers on its definition in meta 'views'. Checks run against the transaction's view.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ReadView, TableDef, WriteTxn } from '../storage/ports.js';
import { colRefTable, identName, type Node } from './ast.js';
import type { DdlPlan } from './ddl.js';
import { getViews, type ViewDef } from './from-planner.js';
import {
  checkTriggerBody,
  findTrigger,
  tableColumns,
  triggersOf,
  viewTriggersOf,
  withTriggers,
  type TriggerColumns,
  type TriggerDef,
} from './triggers.js';

/** Column names of a view as its INSTEAD OF triggers see them (types unknown until planned). */
export type ViewColumns = (view: ReadView, def: ViewDef) => TriggerColumns;

export function compileCreateTrigger(ast: Node, viewColumns: ViewColumns): DdlPlan {
  const name = String(ast.name);
  const table = String(ast.table).toLowerCase();
  const def: TriggerDef = {
    name,
    timing: ast.timing,
    events: ast.events,
    columns: ast.columns ?? null,
    when: ast.when ?? null,
    body: ast.body,
    text: String(ast.text ?? ''),
  };
  return {
    command: 'CREATE TRIGGER',
    dependsOn: [table],
    run(txn) {
      if (findTrigger(txn, name) !== undefined) {
        if (ast.ifNotExists === true) return;
        throw new DispatcherError(SqlState.DuplicateObject, `trigger "${name}" already exists`);
      }
      const target = txn.getTable(table);
      if (target !== undefined) {
        if (def.timing === 'INSTEAD OF') {
          throw new DispatcherError(SqlState.WrongObjectType, `"${table}" is a table`, {
            detail: 'Tables cannot have INSTEAD OF triggers.',
          });
        }
        checkColumns(def, target.columns.map((c) => c.name), table);
        checkTriggerBody(def, tableColumns(target));
        txn.alterTable(withTriggers(target, [...triggersOf(target), def]));
        return;
      }
      const views = getViews(txn);
      const v = views[table];
      if (v === undefined) throw new DispatcherError(SqlState.UndefinedTable, `relation "${table}" does not exist`);
      if (def.timing !== 'INSTEAD OF') {
        throw new DispatcherError(SqlState.WrongObjectType, `"${table}" is a view`, {
          detail: 'Views cannot have row-level BEFORE or AFTER triggers.',
        });
      }
      if (def.columns !== null) {
        throw new DispatcherError(SqlState.FeatureNotSupported, 'INSTEAD OF triggers cannot have column lists');
      }
      const cols = viewColumns(txn, v);
      checkTriggerBody(def, cols);
      txn.setMeta('views', { ...views, [table]: { ...v, triggers: [...viewTriggersOf(v), def] } });
    },
  };
}

function checkColumns(def: TriggerDef, names: readonly string[], table: string): void {
  for (const c of def.columns ?? []) {
    if (!names.includes(c)) throw new DispatcherError(SqlState.UndefinedColumn, `column "${c}" of relation "${table}" does not exist`);
  }
}

export function compileDropTrigger(ast: Node, view: ReadView): DdlPlan {
  const name = String(ast.name);
  const on: string | null = ast.table === null || ast.table === undefined ? null : String(ast.table).toLowerCase();
  // plans of the trigger's table fire it: dropping it must invalidate them
  const owner = findTrigger(view, name)?.table;
  return {
    command: 'DROP TRIGGER',
    dependsOn: owner === undefined ? [] : [owner],
    run(txn) {
      const hit = findTrigger(txn, name);
      if (hit === undefined || (on !== null && hit.table !== on)) {
        if (ast.ifExists === true) return;
        const where = on === null ? '' : ` for table "${on}"`;
        throw new DispatcherError(SqlState.UndefinedObject, `trigger "${name}"${where} does not exist`);
      }
      if (!hit.isView) {
        const def = txn.getTable(hit.table)!;
        txn.alterTable(withTriggers(def, triggersOf(def).filter((t) => t.name !== name)));
        return;
      }
      const views = getViews(txn);
      const v = views[hit.table]!;
      txn.setMeta('views', { ...views, [hit.table]: { ...v, triggers: viewTriggersOf(v).filter((t) => t.name !== name) } });
    },
  };
}

/** The tables whose indexes a REINDEX rebuilds, and which of their indexes (null: all). */
function reindexTargets(view: ReadView, ast: Node): { table: TableDef; index: string | null }[] {
  const name: string | null = ast.name ?? null;
  const target: string | null = ast.target ?? null;
  if (name === null || target === 'database' || target === 'system' || target === 'schema') {
    return view.tables().map((table) => ({ table, index: null }));
  }
  const lname = name.toLowerCase();
  if (target !== 'table') {
    for (const t of view.tables()) if (t.indexes.some((i) => i.name === name || i.name === lname)) {
      return [{ table: t, index: t.indexes.find((i) => i.name === name || i.name === lname)!.name }];
    }
    if (target === 'index') throw new DispatcherError(SqlState.UndefinedObject, `index "${name}" does not exist`);
  }
  const t = view.getTable(lname);
  if (t === undefined) {
    if (target === 'table') throw new DispatcherError(SqlState.UndefinedTable, `relation "${name}" does not exist`);
    throw new DispatcherError(SqlState.UndefinedObject, `index or table "${name}" does not exist`);
  }
  return [{ table: t, index: null }];
}

/** REINDEX: each index is built again from its table's rows (a unique index checks them anew). */
export function compileReindex(ast: Node, view: ReadView): DdlPlan {
  let tables: string[] = [];
  try {
    tables = reindexTargets(view, ast).map((t) => t.table.name);
  } catch {
    // reported when it runs, against the transaction's view
  }
  return {
    command: 'REINDEX',
    dependsOn: tables,
    run(txn: WriteTxn, _params, ctx) {
      for (const { table, index } of reindexTargets(txn, ast)) {
        let rebuilt = 0;
        for (const ix of table.indexes) {
          if (index !== null && ix.name !== index) continue;
          ctx?.checkInterrupt();
          txn.dropIndex(table.name, ix.name);
          txn.createIndex(ix);
          rebuilt++;
        }
        // a rebuilt index went to the end of the list: put the definitions back in their order
        // (the trees stay: alterTable keeps the tree of an index whose definition is unchanged)
        if (rebuilt > 0 && table.indexes.length > 1) txn.alterTable({ ...txn.getTable(table.name)!, indexes: table.indexes });
      }
    },
  };
}

/** Whether NEW.column / OLD.column appears in a trigger's condition or body (or its UPDATE OF). */
function usesColumn(t: TriggerDef, column: string): boolean {
  if (t.columns?.includes(column) === true) return true;
  let found = false;
  const text = new RegExp(`\\b(new|old)\\s*\\.\\s*("?)${escapeRegExp(column)}\\2(?![A-Za-z0-9_$])`, 'i');
  const walk = (x: Node): void => {
    if (found || x === null || typeof x !== 'object') return;
    if (Array.isArray(x)) {
      for (const y of x) walk(y);
      return;
    }
    if (x.type === 'column_ref' && isRowRef(colRefTable(x)) && identName(x.column) === column) {
      found = true;
      return;
    }
    if (x.type === 'default' && typeof x.value === 'string' && x.value.startsWith('DISTINCT FROM ') && text.test(x.value)) {
      found = true;
      return;
    }
    for (const k of Object.keys(x)) walk(x[k]);
  };
  for (const st of [...(t.when === null ? [] : [t.when]), ...t.body]) walk(st.ast);
  return found;
}

function isRowRef(table: string | null): boolean {
  return table === 'new' || table === 'old';
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** DROP COLUMN: refused while a trigger of the table uses the column (PostgreSQL records that
 *  dependency for UPDATE OF and WHEN; the body's NEW/OLD would break the same way). */
export function checkColumnDropForTriggers(txn: ReadView, table: string, column: string): void {
  const def = txn.getTable(table);
  if (def === undefined) return;
  const user = triggersOf(def).find((t) => usesColumn(t, column));
  if (user !== undefined) {
    throw new DispatcherError(SqlState.DependentObjects, `cannot drop column ${column} of table ${table} because other objects depend on it`, {
      detail: `trigger ${user.name} on table ${table} depends on column ${column} of table ${table}`,
    });
  }
}

/** RENAME COLUMN: the table's triggers follow (UPDATE OF lists, NEW/OLD references, their text). */
export function renameColumnInTriggers(txn: WriteTxn, table: string, from: string, to: string): void {
  const def = txn.getTable(table);
  if (def === undefined) return;
  const list = triggersOf(def);
  if (!list.some((t) => usesColumn(t, from))) return;
  const name = to === to.toLowerCase() ? { expr: { type: 'default', value: to } } : { expr: { type: 'double_quote_string', value: to } };
  const written = /^[a-z_][a-z0-9_$]*$/.test(to) ? to : `"${to.replace(/"/g, '""')}"`;
  const text = new RegExp(`\\b(new|old)(\\s*\\.\\s*)("?)${escapeRegExp(from)}\\3(?![A-Za-z0-9_$])`, 'gi');
  const rewrite = (x: Node): Node => {
    if (Array.isArray(x)) return x.map(rewrite);
    if (x === null || typeof x !== 'object') return x;
    if (x.type === 'column_ref' && isRowRef(colRefTable(x)) && identName(x.column) === from) return { ...x, column: name };
    if (x.type === 'default' && typeof x.value === 'string' && x.value.startsWith('DISTINCT FROM ')) {
      return { ...x, value: (x.value as string).replace(text, (_m, w: string, dot: string) => `${w}${dot}${written}`) };
    }
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(x)) out[k] = rewrite(x[k]);
    return out;
  };
  const renamed = list.map((t): TriggerDef => {
    if (!usesColumn(t, from)) return t;
    return {
      ...t,
      columns: t.columns === null ? null : t.columns.map((c) => (c === from ? to : c)),
      when: t.when === null ? null : { ...t.when, ast: rewrite(t.when.ast) },
      body: t.body.map((st) => ({ ...st, ast: rewrite(st.ast) })),
      text: t.text.replace(text, (_m, w: string, dot: string) => `${w}${dot}${written}`),
    };
  });
  txn.alterTable(withTriggers(def, renamed));
}
