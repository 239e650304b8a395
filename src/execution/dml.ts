// INSERT / UPDATE / DELETE. Each collects its target rows (or source rows) completely before
// writing, so a statement never sees its own writes (no Halloween problem), then writes in
// bounded slices. RETURNING rows are produced as rows are written.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ColumnType, Key, Row, SqlValue, TableDef, WriteTxn } from '../storage/ports.js';
import type { ParamSets } from '../protocol/param-sets.js';
import type { ExecContext, Execution, ResultColumn } from './types.js';
import { ExprCompiler, colRefTable, identName, type Compiled, type Node } from './expr.js';
import { BATCH, type Eval, type Frame, type Op, type PlanNode } from './runtime.js';
import { PhasedExecution, type OpSource } from './phased-execution.js';
import { UpdateSource } from './update-source.js';
import { Scope } from './scope.js';
import { KEY_COLUMN, SelectPlanner, selectItemExpr } from './select-planner.js';
import { parseExpression } from './sql-text.js';
import { rowKey, textOf, truth } from './values.js';
import { coerceForColumn, hasLengthLimit } from './column-coercion.js';
import { SetBatch, collectAll } from './set-batch.js';
import { isPointTarget } from './point-lookup.js';
import { ConstraintRun, rulesFor, type TableRules } from './row-constraints.js';
import { conflictingRows, hasUniqueKey, ignoredByOrIgnore, insertOrOf } from './insert-or.js';
import type { TriggerLookup, TriggerRun } from './triggers.js';

export interface DmlPlan {
  readonly columns: ResultColumn[];
  readonly command: string;
  readonly explain: string[];
  start(ctx: ExecContext): Execution;
  startBatch?(ctx: ExecContext, sets: ParamSets, userParams: number, lifted: readonly SqlValue[]): Execution | null;
}

function targetTable(ctxView: { getTable(n: string): TableDef | undefined }, item: Node): TableDef {
  const name = String(item?.table ?? '').toLowerCase();
  const def = ctxView.getTable(name);
  if (def === undefined) throw new DispatcherError(SqlState.UndefinedTable, `relation "${name}" does not exist`);
  return def;
}

function asWriteTxn(ctx: ExecContext): WriteTxn {
  const v = ctx.view as WriteTxn;
  if (typeof v.insert !== 'function') {
    throw new DispatcherError(SqlState.ReadOnlyTransaction, 'cannot execute a write in a read-only transaction');
  }
  return v;
}

interface ReturningPlan {
  readonly columns: ResultColumn[];
  readonly evs: Eval[];
}

function compileReturning(x: ExprCompiler, ast: Node, scope: Scope, alias: (as: string) => string): ReturningPlan | null {
  const cols: Node[] | undefined = ast.returning?.columns;
  if (cols === undefined || cols === null) return null;
  const columns: ResultColumn[] = [];
  const evs: Eval[] = [];
  const src = scope.sources[0]!;
  for (const c of cols) {
    const e = selectItemExpr(c);
    if (e?.type === 'column_ref' && e.column === '*') {
      for (let i = 0; i < src.columns.length; i++) {
        const sc = src.columns[i]!;
        if (sc.name === KEY_COLUMN) continue;
        const slot = src.offset + i;
        columns.push({ name: sc.name, type: sc.type });
        evs.push((r) => r[slot]!);
      }
      continue;
    }
    const comp = x.compile(e, scope);
    columns.push({ name: c.as === null || c.as === undefined ? comp.name : alias(String(c.as)), type: comp.type });
    evs.push(comp.ev);
  }
  return { columns, evs };
}

/** The CHECK / FOREIGN KEY rules of the target as the transaction sees it now (null: none). */
function targetRules(txn: WriteTxn, def: TableDef): TableRules | null {
  return rulesFor(txn.getTable(def.name) ?? def);
}

/** 428C9 when column `i` is GENERATED ALWAYS AS IDENTITY and a statement gives it a value. */
function identityAlways(def: TableDef, i: number, how: 'insert' | 'update'): void {
  const c = def.columns[i];
  if (c?.identityAlways !== true) return;
  if (how === 'update') throw new DispatcherError(SqlState.GeneratedAlways, `column "${c.name}" can only be updated to DEFAULT`, { detail: `Column "${c.name}" is an identity column defined as GENERATED ALWAYS.` });
  throw new DispatcherError(SqlState.GeneratedAlways, `cannot insert a non-DEFAULT value into column "${c.name}"`, { detail: `Column "${c.name}" is an identity column defined as GENERATED ALWAYS.` });
}

/**
 * executeMany of a change of the row one primary key names, with nothing else to run per row:
 * each set's target row is collected from `source`, then `write` changes it, in one loop for all
 * sets (SetBatch). None (an execution per set) when the table has constraints to settle.
 */
function pointBatch(def: TableDef, source: OpSource, write: (txn: WriteTxn, found: Row) => unknown): NonNullable<DmlPlan['startBatch']> {
  return (ctx, paramSets, userParams, lifted) => {
    const txn = asWriteTxn(ctx);
    if (targetRules(txn, def) !== null) return null;
    const found: Row[] = [];
    return new SetBatch(ctx, paramSets, userParams, lifted, (f) => {
      const n = collectAll(source.open(f), found);
      for (let k = 0; k < n; k++) write(txn, found[k]!);
      return n;
    });
  };
}

/** The row VALUES expressions see: they name no columns. */
const NO_COLUMNS: Row = [];

export function compileInsert(
  ast: Node,
  x: ExprCompiler,
  planner: SelectPlanner,
  view: { getTable(n: string): TableDef | undefined },
  deps: Set<string>,
  triggers?: TriggerLookup,
): DmlPlan {
  const tableItem = Array.isArray(ast.table) ? ast.table[0] : ast.table;
  const def = targetTable(view, tableItem);
  const tname = def.name;
  deps.add(tname);
  const ncols = def.columns.length;
  // Target positions in the order values are given.
  let targets: number[];
  const listed = Array.isArray(ast.columns) && ast.columns.length > 0;
  if (listed) {
    targets = (ast.columns as Node[]).map((c) => {
      const name = identName(c);
      const i = def.columns.findIndex((d) => d.name === name);
      if (i < 0) throw new DispatcherError(SqlState.UndefinedColumn, `column "${name}" of relation "${tname}" does not exist`);
      return i;
    });
    if (new Set(targets).size !== targets.length) {
      throw new DispatcherError(SqlState.DuplicateColumn, 'column specified more than once');
    }
  } else targets = def.columns.map((_, i) => i);
  // Defaults, compiled once.
  const empty = new Scope(null);
  const defaults: (Compiled | null)[] = def.columns.map((c) =>
    c.defaultSql === undefined || c.defaultSql === null ? null : x.compile(parseExpression(c.defaultSql), empty),
  );
  const defaultValue = (i: number, f: Frame): SqlValue => {
    const d = defaults[i];
    if ((d === null || d === undefined) && def.columns[i]!.serial === true) {
      const view = f.ctx.view;
      if ('nextSerial' in view && view.nextSerial !== undefined) return view.nextSerial(tname, i);
    }
    // No default is a NULL default, so an omitted NOT NULL (or primary key) column is 23502.
    if (d === null || d === undefined) return coerceForColumn(null, def.columns[i]!, tname);
    return coerceForColumn(d.ev(NO_COLUMNS, f), def.columns[i]!, tname, d.type);
  };
  // The source: VALUES rows (DEFAULT allowed) or a query.
  let source: PlanNode;
  let sourceTypes: ColumnType[];
  /** The expressions of a VALUES list of one row (what a prepared bulk load runs per set). */
  let oneRow: readonly Eval[] | null = null;
  const values = ast.values;
  const isDefault = (n: Node): boolean =>
    n?.type === 'column_ref' && typeof n.column !== 'string' && colRefTable(n) === null && identName(n.column) === 'default';
  const DEFAULT_MARK = Symbol('default');
  const onlyDefaults =
    (ast.columns === null || ast.columns === undefined) &&
    values?.type === 'values' &&
    Array.isArray(values.values) &&
    values.values.length === 1 &&
    (values.values[0].value ?? []).length === 1 &&
    isDefault(values.values[0].value[0]) &&
    ncols !== 1;
  if (onlyDefaults) {
    // INSERT ... DEFAULT VALUES (the analyser hands it over as VALUES (DEFAULT)).
    targets = [];
    sourceTypes = [];
    source = {
      open: () => {
        let done = false;
        return { next: () => (done ? null : ((done = true), [[]])), close: () => {} };
      },
      explain: (out) => out.push('  Default Values'),
    };
  } else if (values?.type === 'values' || Array.isArray(values)) {
    const rows: Node[] = Array.isArray(values) ? values : values.values;
    // Without a column list, N values go to the first N columns and the rest take their defaults.
    const width = rows.length > 0 ? (rows[0]!.value ?? rows[0]!).length : targets.length;
    if (!listed && width < targets.length && rows.every((r: Node) => (r.value ?? r).length === width)) targets = targets.slice(0, width);
    const compiledRows = rows.map((r: Node) => {
      const list: Node[] = r.value ?? r;
      if (list.length !== targets.length) {
        throw new DispatcherError(
          SqlState.SyntaxError,
          list.length > targets.length ? 'INSERT has more expressions than target columns' : 'INSERT has more target columns than expressions',
        );
      }
      return list.map((e, j) => {
        if (isDefault(e)) return null;
        identityAlways(def, targets[j]!, 'insert');
        return x.compile(e, empty);
      });
    });
    sourceTypes = targets.map((_, i) => compiledRows[0]?.[i]?.type ?? 'any');
    const evRows = compiledRows.map((r) => r.map((c) => (c === null ? ((() => DEFAULT_MARK as unknown as SqlValue) as Eval) : c.ev)));
    if (evRows.length === 1) oneRow = evRows[0]!;
    source = {
      open(f: Frame): Op {
        let i = 0;
        return {
          next: () => {
            if (i >= evRows.length) return null;
            const end = Math.min(evRows.length, i + BATCH);
            const out: Row[] = new Array(end - i);
            for (let o = 0; i < end; i++, o++) {
              const evs = evRows[i]!;
              const row: SqlValue[] = new Array(evs.length);
              for (let j = 0; j < evs.length; j++) row[j] = evs[j]!(NO_COLUMNS, f);
              out[o] = row;
            }
            return out;
          },
          close: () => {},
        };
      },
      explain: (out) => out.push(`  Values (${evRows.length} rows)`),
    };
  } else if (values?.type === 'select' || values?.ast !== undefined) {
    const q = planner.compileQuery(values.ast ?? values, null);
    if (!listed && q.columns.length < targets.length) targets = targets.slice(0, q.columns.length);
    for (const t of targets) identityAlways(def, t, 'insert');
    if (q.columns.length !== targets.length) {
      throw new DispatcherError(
        SqlState.SyntaxError,
        q.columns.length > targets.length ? 'INSERT has more expressions than target columns' : 'INSERT has more target columns than expressions',
      );
    }
    source = q.node;
    sourceTypes = q.columns.map((c) => c.type);
  } else if (values === null || values === undefined) {
    // INSERT ... DEFAULT VALUES
    targets = [];
    sourceTypes = [];
    source = {
      open: () => {
        let done = false;
        return { next: () => (done ? null : ((done = true), [[]])), close: () => {} };
      },
      explain: (out) => out.push('  Default Values'),
    };
  } else throw new DispatcherError(SqlState.FeatureNotSupported, 'unsupported INSERT source');
  const retScope = new Scope(null);
  retScope.addSource(tname, def.columns.map((c) => ({ name: c.name, type: c.type })));
  const returning = compileReturning(x, ast, retScope, (a) => planner.aliasName(a));
  // SQLite's REPLACE INTO / INSERT OR IGNORE (an ON CONFLICT clause, when written, wins)
  const or = ast.conflict !== null && ast.conflict !== undefined ? null : insertOrOf(ast);
  const upsert =
    ast.conflict !== null && ast.conflict !== undefined
      ? compileConflict(ast.conflict, def, tableItem, x)
      : or === 'ignore' && hasUniqueKey(def)
        ? compileConflict({}, def, tableItem, x)
        : null;
  const rowTriggers = triggers?.(def, 'INSERT', null) ?? null;
  if (rowTriggers !== null) for (const t of rowTriggers.tables) deps.add(t);
  // ON CONFLICT DO UPDATE fires the UPDATE triggers of the rows it updates (as PostgreSQL)
  const updateTriggers = upsert?.doUpdate === true ? (triggers?.(def, 'UPDATE', upsert.assigned) ?? null) : null;
  if (updateTriggers !== null) for (const t of updateTriggers.tables) deps.add(t);
  // SQLite's statement forms store text as SQLite does: a declared VARCHAR(n) length is not a limit
  const lengths = insertOrOf(ast) === null;
  // Per column, whether an assigned value's length is checked (looked up once, not per value).
  const checkLength = def.columns.map((c) => lengths && hasLengthLimit(c));
  const isTarget = new Array<number>(ncols).fill(-1);
  targets.forEach((t, i) => (isTarget[t] = i));
  /** The table row for one source row (the VALUES or query results, in target order). */
  const tableRow = (src: readonly SqlValue[], f: Frame): Row => {
    const row: Row = new Array(ncols);
    for (let c = 0; c < ncols; c++) {
      const i = isTarget[c]!;
      if (i < 0) row[c] = defaultValue(c, f);
      else {
        const v = src[i]!;
        row[c] = (v as unknown) === DEFAULT_MARK ? defaultValue(c, f) : coerceForColumn(v, def.columns[c]!, tname, sourceTypes[i], checkLength[c]);
      }
    }
    return row;
  };
  // Per parameter set, a plain insert of one VALUES row only builds and inserts that row: it runs
  // through SetBatch, one loop for all sets, instead of an execution per set.
  const plainRow = oneRow !== null && rowTriggers === null && updateTriggers === null && upsert === null && or === null && returning === null ? oneRow : null;
  const startBatch: DmlPlan['startBatch'] =
    plainRow === null
      ? undefined
      : (ctx, sets, userParams, lifted) => {
          const txn = asWriteTxn(ctx);
          // Constraints checked at the statement's end (foreign keys) keep the execution per set.
          if (targetRules(txn, def) !== null) return null;
          const n = plainRow.length;
          // The VALUES expressions' results, one set at a time (the row is built from them at once).
          const src: SqlValue[] = new Array(n);
          return new SetBatch(ctx, sets, userParams, lifted, (f) => {
            // The VALUES expressions in their order first, as the VALUES operator evaluates them.
            for (let j = 0; j < n; j++) src[j] = plainRow[j]!(NO_COLUMNS, f);
            txn.insert(tname, tableRow(src, f), true);
            return 1;
          });
        };
  return {
    columns: returning?.columns ?? [],
    command: 'INSERT',
    explain: [`Insert on ${tname}`, ...explainOf(source, 1)],
    ...(startBatch === undefined ? {} : { startBatch }),
    start(ctx) {
      const txn = asWriteTxn(ctx);
      const rules = targetRules(txn, def);
      let run: ConstraintRun | null = null;
      // DO UPDATE: keys of the rows this statement inserted or updated (each at most once).
      const touched = upsert?.doUpdate === true ? new Set<string>() : null;
      const fire = rowTriggers?.start(ctx) ?? null;
      const fireUpdate = updateTriggers?.start(ctx) ?? null;
      return new PhasedExecution(
        ctx,
        source,
        (rows, from, to, out, f) => {
          if (rules !== null) run ??= new ConstraintRun(txn, f);
          let affected = to - from;
          for (let k = from; k < to; k++) {
            let row: Row;
            try {
              row = tableRow(rows[k]!, f);
              if (fire !== null && !fire.before(row, null, null)) {
                affected--; // RAISE(IGNORE) in a BEFORE trigger: the row is skipped
                continue;
              }
              if (run !== null) run.checkRow(rules!, row);
            } catch (e) {
              if (or !== 'ignore' || !ignoredByOrIgnore(e)) throw e;
              affected--;
              continue;
            }
            if (or === 'replace') {
              for (const hit of conflictingRows(txn, def, row)) {
                txn.delete(tname, hit.key);
                if (run !== null) run.deleted(rules!, hit.row);
              }
            }
            if (upsert !== null) {
              const existing = findConflict(txn, def, upsert.arbiters, row);
              if (existing !== null) {
                if (touched !== null) {
                  const ks = rowKey(existing.key, existing.key.length);
                  if (touched.has(ks)) {
                    throw new DispatcherError(SqlState.CardinalityViolation, 'ON CONFLICT DO UPDATE command cannot affect row a second time', {
                      detail: 'Ensure that no rows proposed for insertion within the same command have duplicate constrained values.',
                    });
                  }
                  touched.add(ks);
                }
                const updated = upsert.apply(txn, existing, row, f, run === null ? null : { run, rules: rules! }, fireUpdate);
                if (updated === null) affected--;
                else if (returning !== null) out.push(returning.evs.map((e) => e(updated, f)));
                continue;
              }
            }
            // The row is this statement's own array: storage keeps it as it is.
            const key = txn.insert(tname, row, true);
            if (touched !== null) touched.add(rowKey(key, key.length));
            if (run !== null) run.inserted(rules!, row);
            if (fire !== null) fire.after(row, null);
            if (returning !== null) out.push(returning.evs.map((e) => e(row, f)));
          }
          if ((to - from) > 0) f.ctx.checkInterrupt();
          return affected;
        },
        rules === null ? null : () => run?.finish(),
      );
    },
  };
}

function explainOf(node: PlanNode, depth: number): string[] {
  const out: string[] = [];
  node.explain(out, depth);
  return out;
}

export function compileUpdate(
  ast: Node,
  x: ExprCompiler,
  planner: SelectPlanner,
  view: { getTable(n: string): TableDef | undefined },
  deps: Set<string>,
  triggers?: TriggerLookup,
): DmlPlan {
  const tableItem = Array.isArray(ast.table) ? ast.table[0] : ast.table;
  const def = targetTable(view, tableItem);
  const tname = def.name;
  const more: Node[] = Array.isArray(ast.from) ? ast.from : [];
  const scope = new Scope(null);
  const scan = planner.compileTargetScan(tableItem, ast.where, scope, more);
  const width = scope.width;
  const joined = more.length > 0;
  deps.add(tname);
  const ncols = def.columns.length;
  const sets: { col: number; ev: Eval; type: ColumnType }[] = [];
  for (const s of ast.set as Node[]) {
    const name = identName(s.column);
    const col = def.columns.findIndex((c) => c.name === name);
    if (col < 0) throw new DispatcherError(SqlState.UndefinedColumn, `column "${name}" of relation "${tname}" does not exist`);
    // A column assigned twice: the rightmost assignment wins, as in SQLite and MySQL (and as the
    // sqllogictest corpus expects of every engine); PostgreSQL refuses it with 42601.
    const earlier = sets.findIndex((x2) => x2.col === col);
    if (earlier >= 0) sets.splice(earlier, 1);
    const v = s.value;
    if (v?.type === 'column_ref' && typeof v.column !== 'string' && colRefTable(v) === null && identName(v.column) === 'default') {
      const d = def.columns[col]!.defaultSql;
      const c = d === undefined ? null : x.compile(parseExpression(d), new Scope(null));
      if (c === null && def.columns[col]!.serial === true) {
        // A serial (identity) column's default is its counter's next value.
        const ev: Eval = (_r, f) => {
          const view = f.ctx.view;
          return 'nextSerial' in view && view.nextSerial !== undefined ? view.nextSerial(tname, col) : null;
        };
        sets.push({ col, ev, type: def.columns[col]!.type });
        continue;
      }
      sets.push({ col, ev: c === null ? () => null : c.ev, type: c?.type ?? 'any' });
      continue;
    }
    identityAlways(def, col, 'update');
    const c = x.compile(v, scope);
    sets.push({ col, ev: c.ev, type: c.type });
  }
  const returning = compileReturning(x, ast, scope, (a) => planner.aliasName(a));
  const collect = new UpdateSource(scan, sets, ncols, joined);
  const rowTriggers = triggers?.(def, 'UPDATE', sets.map((st) => st.col)) ?? null;
  if (rowTriggers !== null) for (const t of rowTriggers.tables) deps.add(t);
  // Per SET column, whether an assigned value's length is checked (looked up once, not per value).
  const setLength = sets.map((st) => hasLengthLimit(def.columns[st.col]!));
  /** The new table row: `prev`'s columns with the SET values `old` (the collected row) carries. */
  const newRow = (old: Row, prev: Row): Row => {
    const row: Row = prev.slice(0, ncols);
    for (let i = 0; i < sets.length; i++) {
      const st = sets[i]!;
      row[st.col] = coerceForColumn(old[width + i]!, def.columns[st.col]!, tname, st.type, setLength[i]);
    }
    return row;
  };
  /**
   * newRow made in `old` itself, for a collected row nothing reads afterwards (UpdateSource makes
   * each one): the SET values go to their columns (each comes from past the table's columns, so
   * none is overwritten before it is read), then the rest is cut off.
   */
  const newRowInPlace = (old: Row): Row => {
    for (let i = 0; i < sets.length; i++) {
      const st = sets[i]!;
      old[st.col] = coerceForColumn(old[width + i]!, def.columns[st.col]!, tname, st.type, setLength[i]);
    }
    old.length = ncols;
    return old;
  };
  // Per parameter set, an update of the row one primary key names, with nothing else to run per
  // row, collects that row and writes it in one loop for all sets (SetBatch).
  const plainPoint = rowTriggers === null && returning === null && !joined && isPointTarget(scan);
  const startBatch = !plainPoint
    ? undefined
    : pointBatch(def, collect, (txn, old) => txn.update(tname, old[ncols] as unknown as Key, newRowInPlace(old), true));
  return {
    columns: returning?.columns ?? [],
    command: 'UPDATE',
    explain: [`Update on ${tname}`, ...explainOf(scan, 1)],
    ...(startBatch === undefined ? {} : { startBatch }),
    start(ctx) {
      const txn = asWriteTxn(ctx);
      const rules = targetRules(txn, def);
      let run: ConstraintRun | null = null;
      const fire = rowTriggers?.start(ctx) ?? null;
      return new PhasedExecution(ctx, collect, (rows, from, to, out, f) => {
        if (rules !== null) run ??= new ConstraintRun(txn, f);
        let affected = to - from;
        for (let k = from; k < to; k++) {
          const old = rows[k]!;
          const key = old[ncols] as unknown as Key;
          // the row as it is now (triggers that ran may have changed or deleted it)
          const prev = fire === null ? old : fire.current(key, old);
          if (prev === undefined) {
            affected--;
            continue;
          }
          const row = newRow(old, prev);
          if (fire !== null && !fire.before(row, prev, key)) {
            affected--;
            continue;
          }
          if (run !== null) run.checkRow(rules!, row);
          const newKey = txn.update(tname, key, row, true);
          if (run !== null) run.updated(rules!, prev, row);
          if (fire !== null) fire.after(row, prev);
          if (returning !== null) {
            // The new target row in the target's slots; other FROM items as they were joined.
            const full = row.slice();
            full.push(newKey as unknown as SqlValue);
            for (let j = ncols + 1; j < width; j++) full.push(old[j]!);
            out.push(returning.evs.map((e) => e(full, f)));
          }
        }
        return affected;
      }, rules === null ? null : () => run?.finish());
    },
  };
}

export function compileDelete(
  ast: Node,
  x: ExprCompiler,
  planner: SelectPlanner,
  view: { getTable(n: string): TableDef | undefined },
  deps: Set<string>,
  triggers?: TriggerLookup,
): DmlPlan {
  const tableItem = Array.isArray(ast.from) && ast.from.length > 0 ? ast.from[0] : Array.isArray(ast.table) ? ast.table[0] : ast.table;
  const def = targetTable(view, tableItem);
  const tname = def.name;
  if (Array.isArray(ast.from) && ast.from.length > 1) {
    throw new DispatcherError(SqlState.FeatureNotSupported, 'DELETE ... USING is not supported');
  }
  const scope = new Scope(null);
  const scan = planner.compileTargetScan(tableItem, ast.where, scope);
  deps.add(tname);
  const ncols = def.columns.length;
  const returning = compileReturning(x, ast, scope, (a) => planner.aliasName(a));
  const rowTriggers = triggers?.(def, 'DELETE', null) ?? null;
  if (rowTriggers !== null) for (const t of rowTriggers.tables) deps.add(t);
  // Per parameter set, a delete of the row one primary key names, with nothing else to run per
  // row, in one loop for all sets (SetBatch), as UPDATE's.
  const startBatch =
    rowTriggers !== null || returning !== null || !isPointTarget(scan)
      ? undefined
      : pointBatch(def, scan, (txn, old) => txn.delete(tname, old[ncols] as unknown as Key));
  return {
    columns: returning?.columns ?? [],
    command: 'DELETE',
    explain: [`Delete on ${tname}`, ...explainOf(scan, 1)],
    ...(startBatch === undefined ? {} : { startBatch }),
    start(ctx) {
      const txn = asWriteTxn(ctx);
      const rules = targetRules(txn, def);
      let run: ConstraintRun | null = null;
      const fire = rowTriggers?.start(ctx) ?? null;
      // Every row of the table targeted, nothing to run per row: the table is emptied at once.
      const whole = fire === null && rules === null && returning === null && txn.deleteAll !== undefined;
      let emptied = false;
      return new PhasedExecution(
        ctx,
        scan,
        (rows, from, to, out, f) => {
          if (emptied) return 0;
          if (whole && from === 0 && rows.length === txn.rowCount(tname) && txn.deleteAll!(tname, rows.map((r) => r[ncols] as unknown as Key))) {
            emptied = true;
            return rows.length;
          }
          if (rules !== null) run ??= new ConstraintRun(txn, f);
          let affected = to - from;
          for (let k = from; k < to; k++) {
            const old = rows[k]!;
            const key = old[ncols] as unknown as Key;
            if (fire !== null) {
              // triggers that ran may have deleted or changed the row since it was read
              const prev = fire.current(key, old);
              if (prev === undefined || !fire.before(null, prev, key)) {
                affected--;
                continue;
              }
              txn.delete(tname, key);
              if (run !== null) run.deleted(rules!, prev);
              fire.after(null, prev);
              if (returning !== null) out.push(returning.evs.map((e) => e(old, f)));
              continue;
            }
            txn.delete(tname, key);
            if (run !== null) run.deleted(rules!, old);
            if (returning !== null) out.push(returning.evs.map((e) => e(old, f)));
          }
          return affected;
        },
        rules === null ? null : () => run?.finish(),
      );
    },
  };
}

export { textOf };

interface Arbiter {
  /** Null for the primary key. */
  readonly index: string | null;
  readonly columns: readonly number[];
}

interface Upsert {
  readonly arbiters: readonly Arbiter[];
  /** DO UPDATE (a row may then be affected once per statement), else DO NOTHING. */
  readonly doUpdate: boolean;
  /** Columns DO UPDATE assigns (for UPDATE OF triggers). */
  readonly assigned: readonly number[];
  /** Applies DO UPDATE to the existing row (its UPDATE triggers around it); returns the new row,
   *  or null when nothing changed. */
  apply(
    txn: WriteTxn,
    existing: { key: Key; row: Row },
    proposed: Row,
    f: Frame,
    cons: { run: ConstraintRun; rules: TableRules } | null,
    fire: TriggerRun | null,
  ): Row | null;
}

/** ON CONFLICT (cols) DO UPDATE SET ... [WHERE ...], with EXCLUDED naming the proposed row. */
function compileConflict(conflict: Node, def: TableDef, tableItem: Node, x: ExprCompiler): Upsert {
  const tname = def.name;
  const targetCols: number[] = ((conflict.target?.expr ?? []) as Node[]).map((c) => {
    const name = identName(c.column ?? c);
    const i = def.columns.findIndex((d) => d.name === name);
    if (i < 0) throw new DispatcherError(SqlState.UndefinedColumn, `column "${name}" does not exist`);
    return i;
  });
  const all: Arbiter[] = [];
  if (def.primaryKey.length > 0) all.push({ index: null, columns: def.primaryKey });
  for (const ix of def.indexes) if (ix.unique) all.push({ index: ix.name, columns: ix.columns });
  const same = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((c) => b.includes(c));
  const arbiters = targetCols.length === 0 ? all : all.filter((a) => same(a.columns, targetCols));
  if (arbiters.length === 0) {
    throw new DispatcherError(
      SqlState.InvalidColumnReference,
      'there is no unique or exclusion constraint matching the ON CONFLICT specification',
    );
  }
  const action = conflict.action?.expr;
  const ncols = def.columns.length;
  if (action?.type !== 'update') return { arbiters, doUpdate: false, assigned: [], apply: () => null };
  // Layout: the existing row, its key, then the proposed row as EXCLUDED.
  const scope = new Scope(null);
  const alias = tableItem?.as !== null && tableItem?.as !== undefined ? String(tableItem.as) : tname;
  scope.addSource(alias, [
    ...def.columns.map((c) => ({ name: c.name, type: c.type })),
    { name: KEY_COLUMN, type: 'any' as const, hiddenUnqualified: true },
  ]);
  scope.addSource(
    'excluded',
    def.columns.map((c) => ({ name: c.name, type: c.type, hiddenUnqualified: true })),
  );
  const sets = (action.set as Node[]).map((st) => {
    const name = identName(st.column);
    const col = def.columns.findIndex((c) => c.name === name);
    if (col < 0) throw new DispatcherError(SqlState.UndefinedColumn, `column "${name}" of relation "${tname}" does not exist`);
    const c = x.compile(st.value, scope);
    return { col, ev: c.ev, type: c.type };
  });
  const where = action.where === null || action.where === undefined ? null : x.compile(action.where, scope).ev;
  return {
    arbiters,
    doUpdate: true,
    assigned: sets.map((st) => st.col),
    apply(txn, existing, proposed, f, cons, fire) {
      const combined: Row = [...existing.row, existing.key as unknown as SqlValue, ...proposed];
      if (where !== null && truth(where(combined, f)) !== true) return null;
      const row: Row = existing.row.slice(0, ncols);
      const values = sets.map((st) => st.ev(combined, f));
      sets.forEach((st, i) => (row[st.col] = coerceForColumn(values[i]!, def.columns[st.col]!, tname, st.type)));
      if (fire !== null && !fire.before(row, existing.row, existing.key)) return null;
      if (cons !== null) cons.run.checkRow(cons.rules, row);
      txn.update(tname, existing.key, row);
      if (cons !== null) cons.run.updated(cons.rules, existing.row, row);
      if (fire !== null) fire.after(row, existing.row);
      return row;
    },
  };
}

/** The existing row a proposed row collides with on one of the arbiter constraints, if any. */
function findConflict(txn: WriteTxn, def: TableDef, arbiters: readonly Arbiter[], row: Row): { key: Key; row: Row } | null {
  for (const a of arbiters) {
    const vals = a.columns.map((c) => row[c]!);
    if (vals.some((v) => v === null)) continue;
    if (a.index === null) {
      const hit = txn.getRow(def.name, vals);
      if (hit !== undefined) return { key: vals, row: hit };
      continue;
    }
    const cur = txn.scanIndex(def.name, a.index, { lower: vals, lowerInclusive: true, upper: vals, upperInclusive: true });
    const key = cur.next();
    cur.close();
    if (key !== undefined) {
      const hit = txn.getRow(def.name, key);
      if (hit !== undefined) return { key, row: hit };
    }
  }
  return null;
}
