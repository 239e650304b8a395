// INSERT / UPDATE / DELETE on a view: its INSTEAD OF triggers do the write, once per row (the
// rows given to INSERT; the view's rows the WHERE selects for UPDATE and DELETE, with NEW being
// the row after the SET list). A view without such a trigger for the event cannot be written
// (55000, as PostgreSQL says of views it cannot update by itself).
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ReadView, Row, SqlValue } from '../storage/ports.js';
import type { DmlPlan } from './dml.js';
import { colRefTable, identName, type ExprCompiler, type Node } from './expr.js';
import { getViews } from './from-planner.js';
import { newRootState, runPlan, type Eval, type Frame } from './runtime.js';
import { Scope } from './scope.js';
import type { SelectPlanner } from './select-planner.js';
import { RowTriggers, viewTriggersOf, type NestedCompile, type TriggerEvent } from './triggers.js';
import type { ExecContext, Execution } from './types.js';

type Kind = 'INSERT' | 'UPDATE' | 'DELETE';

function targetItem(ast: Node, kind: Kind): Node {
  if (kind === 'DELETE') return Array.isArray(ast.from) && ast.from.length > 0 ? ast.from[0] : Array.isArray(ast.table) ? ast.table[0] : ast.table;
  return Array.isArray(ast.table) ? ast.table[0] : ast.table;
}

const VERB: Readonly<Record<Kind, string>> = { INSERT: 'insert into', UPDATE: 'update', DELETE: 'delete from' };

/** The plan of a write to a view, or null when the target is not a view (the table path applies). */
export function compileViewDml(
  ast: Node,
  kind: Kind,
  view: ReadView,
  x: ExprCompiler,
  planner: SelectPlanner,
  deps: Set<string>,
  compile: NestedCompile,
): DmlPlan | null {
  const item = targetItem(ast, kind);
  const name = String(item?.table ?? '').toLowerCase();
  if (name === '' || view.getTable(name) !== undefined) return null;
  const vdef = getViews(view)[name];
  if (vdef === undefined) return null;
  deps.add(name);
  const q = planner.compileQuery(vdef.ast, null);
  const names = vdef.columns ?? q.columns.map((c) => c.name);
  const cols = { names, types: q.columns.map((c) => c.type) };
  const event: TriggerEvent = kind;
  const assigned: string[] | null = kind === 'UPDATE' ? (ast.set as Node[]).map((s) => identName(s.column)) : null;
  const triggers = RowTriggers.of(name, viewTriggersOf(vdef), cols, event, assigned, compile);
  if (triggers === null || !triggers.hasInsteadOf) {
    throw new DispatcherError(SqlState.ObjectNotInPrerequisiteState, `cannot ${VERB[kind]} view "${name}"`, {
      detail: `To enable this, provide an INSTEAD OF ${kind} trigger on the view.`,
    });
  }
  if (kind === 'INSERT' && ast.conflict !== null && ast.conflict !== undefined) {
    throw new DispatcherError(SqlState.FeatureNotSupported, 'ON CONFLICT is not supported for writes to a view');
  }
  if (ast.returning !== null && ast.returning !== undefined) {
    throw new DispatcherError(SqlState.FeatureNotSupported, 'RETURNING is not supported for writes to a view');
  }
  const width = names.length;
  const column = (c: string): number => {
    const i = names.indexOf(c);
    if (i < 0) throw new DispatcherError(SqlState.UndefinedColumn, `column "${c}" of relation "${name}" does not exist`);
    return i;
  };
  // each source row becomes (NEW, OLD) for the triggers
  let source: (f: Frame) => Row[];
  let pair: (r: Row) => [Row | null, Row | null];
  if (kind === 'INSERT') {
    const targets: number[] = Array.isArray(ast.columns) && ast.columns.length > 0 ? (ast.columns as Node[]).map((c) => column(identName(c))) : names.map((_, i) => i);
    const values = ast.values;
    if (values?.type === 'values' || Array.isArray(values)) {
      const empty = new Scope(null);
      const list: Node[] = Array.isArray(values) ? values : values.values;
      const rows: (Eval | null)[][] = list.map((r: Node) => {
        const exprs: Node[] = r.value ?? r;
        if (exprs.length !== targets.length) {
          throw new DispatcherError(SqlState.SyntaxError, exprs.length > targets.length ? 'INSERT has more expressions than target columns' : 'INSERT has more target columns than expressions');
        }
        return exprs.map((e) => (isDefault(e) ? null : x.compile(e, empty).ev));
      });
      source = (f) => rows.map((r) => r.map((ev) => (ev === null ? null : ev([], f))));
    } else if (values?.type === 'select' || values?.ast !== undefined) {
      const sq = planner.compileQuery(values.ast ?? values, null);
      if (sq.columns.length !== targets.length) {
        throw new DispatcherError(SqlState.SyntaxError, sq.columns.length > targets.length ? 'INSERT has more expressions than target columns' : 'INSERT has more target columns than expressions');
      }
      source = (f) => runPlan(sq.node, f);
    } else throw new DispatcherError(SqlState.FeatureNotSupported, 'unsupported INSERT source for a view');
    pair = (r) => {
      const row: SqlValue[] = new Array<SqlValue>(width).fill(null);
      for (let i = 0; i < targets.length; i++) row[targets[i]!] = r[i] ?? null;
      return [row, null];
    };
  } else {
    if (kind === 'UPDATE' && Array.isArray(ast.from) && ast.from.length > 0) {
      throw new DispatcherError(SqlState.FeatureNotSupported, 'UPDATE ... FROM is not supported for a view');
    }
    const sets: { col: number; expr: Node }[] = kind === 'UPDATE' ? (ast.set as Node[]).map((s) => ({ col: column(identName(s.column)), expr: s.value })) : [];
    const select = {
      with: null,
      type: 'select',
      options: null,
      distinct: { type: null },
      columns: [
        { expr: { type: 'column_ref', table: null, column: '*' }, as: null },
        ...sets.map((s) => ({ type: 'expr', expr: s.expr, as: null })),
      ],
      into: { position: null },
      from: [{ db: null, table: name, as: item?.as ?? null }],
      where: ast.where ?? null,
      groupby: null,
      having: null,
      orderby: null,
      limit: { seperator: '', value: [] },
      window: null,
    };
    for (const s of sets) if (s.expr?.type === 'column_ref' && colRefTable(s.expr) === null && identName(s.expr.column) === 'default') {
      throw new DispatcherError(SqlState.FeatureNotSupported, 'DEFAULT is not supported in an UPDATE of a view');
    }
    const sq = planner.compileQuery(select, null);
    source = (f) => runPlan(sq.node, f);
    pair = (r) => {
      const old = r.slice(0, width);
      if (kind === 'DELETE') return [null, old];
      const row = old.slice();
      for (let i = 0; i < sets.length; i++) row[sets[i]!.col] = r[width + i] ?? null;
      return [row, old];
    };
  }
  return {
    columns: [],
    command: kind,
    explain: [`${kind === 'INSERT' ? 'Insert on' : kind === 'UPDATE' ? 'Update on' : 'Delete on'} ${name} (INSTEAD OF triggers)`],
    start(ctx: ExecContext): Execution {
      const fire = triggers.start(ctx);
      let done = false;
      const ex = {
        rowsAffected: 0,
        step(): Row[] | null {
          if (done) return null;
          done = true;
          const f: Frame = { ctx, params: ctx.params, outer: null, up: null, root: newRootState() };
          // every row is read before the first trigger writes (no trigger sees a half-done statement)
          const rows = source(f);
          let affected = 0;
          for (let i = 0; i < rows.length; i++) {
            if ((i & 255) === 255) ctx.checkInterrupt();
            const [n, o] = pair(rows[i]!);
            // rows no trigger took (WHEN said no) are not counted, as PostgreSQL counts them
            if (fire.instead(n, o)) affected++;
          }
          ex.rowsAffected = affected;
          return [];
        },
        close() {
          done = true;
        },
      };
      return ex;
    },
  };
}

function isDefault(n: Node): boolean {
  return n?.type === 'column_ref' && typeof n.column !== 'string' && colRefTable(n) === null && identName(n.column) === 'default';
}
