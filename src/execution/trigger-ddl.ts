// CREATE TRIGGER, DROP TRIGGER and REINDEX. Trigger definitions live with what they are on: a
// table's in TableDef.extra.triggers (so DROP TABLE drops them and RENAME keeps them), a view's
// INSTEAD OF triggers on its definition in meta 'views'. Checks run against the transaction's view.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ReadView, TableDef, WriteTxn } from '../storage/ports.js';
import type { Node } from './ast.js';
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
