// Entry point of the execution layer: one analysed statement in, one CompiledStatement out.
// Queries become operator trees run in bounded steps; DML and DDL wrap their own phases.
import { DispatcherError, LockWaitSignal, SqlState, toDispatcherError } from '../api/errors.js';
import type { ReadView, Row } from '../storage/ports.js';
import type { StatementKind } from '../analysis/types.js';
import type { CompiledStatement, ExecContext, Execution, ParamType, ResultColumn } from './types.js';
import { ExprCompiler, type ExprEnv, type Node, type SubPlan } from './expr.js';
import { newRootState, runPlan, type Frame, type PlanNode } from './runtime.js';
import { Scope } from './scope.js';
import { SelectPlanner } from './select-planner.js';
import { parseExpression } from './sql-text.js';
import { compileDelete, compileInsert, compileUpdate, type DmlPlan } from './dml.js';
import { compileAlterTable, compileCreateIndex, compileCreateTable, compileCreateView, compileDrop, ddlExecution, type DdlPlan } from './ddl.js';
import { coerceForColumn } from './column-coercion.js';
import { compileCreateTrigger, compileDropTrigger, compileReindex } from './trigger-ddl.js';
import { tableTriggerLookup, type NestedCompile } from './triggers.js';
import { compileViewDml } from './view-dml.js';
import { keepShape } from './shape-keeper.js';
import { QueryExecution } from './query-execution.js';

/** Trigger bodies compile through the same entry as top-level statements. */
const nestedCompile: NestedCompile = (ast, kind, view, paramTypes) => compileInner(ast as Node, kind, view, paramTypes, '');
const triggerLookup = tableTriggerLookup(nestedCompile);

interface Compilers {
  readonly x: ExprCompiler;
  readonly planner: SelectPlanner;
  readonly deps: Set<string>;
  readonly indexes: Set<string>;
}

function makeCompilers(view: ReadView, paramTypes: readonly ParamType[], text = ''): Compilers {
  const deps = new Set<string>();
  const indexes = new Set<string>();
  let nextId = 0;
  // The planner and the expression compiler call each other (subqueries), so the environment
  // reaches the planner through a late-bound reference.
  const holder: { planner: SelectPlanner | null } = { planner: null };
  const env: ExprEnv = {
    paramTypes,
    compileSubquery(ast: Node, parent: Scope): SubPlan {
      const p = holder.planner!.compileQuery(ast, parent);
      return { id: nextId++, node: p.node, columns: p.columns, correlated: p.correlated };
    },
    parseExpr: parseExpression,
  };
  const x = new ExprCompiler(env);
  const planner = new SelectPlanner(view, x, deps, indexes, text);
  holder.planner = planner;
  return { x, planner, deps, indexes };
}

function explainLines(node: PlanNode): string[] {
  const out: string[] = [];
  node.explain(out, 0);
  return out;
}

function fromDml(p: DmlPlan, c: Compilers): CompiledStatement {
  return {
    columns: p.columns,
    command: p.command,
    writes: true,
    dependsOn: [...c.deps],
    indexesUsed: [...c.indexes],
    explain: () => p.explain,
    start: (ctx) => p.start(ctx),
    ...(p.startBatch === undefined ? {} : { startBatch: p.startBatch }),
  };
}

function fromDdl(p: DdlPlan): CompiledStatement {
  return {
    columns: [],
    command: p.command,
    writes: true,
    dependsOn: p.dependsOn,
    indexesUsed: [],
    explain: () => [p.command],
    start: (ctx) => ddlExecution(p, ctx),
  };
}

function compileInner(
  ast: Node,
  kind: StatementKind,
  view: ReadView,
  paramTypes: readonly ParamType[],
  text: string,
): CompiledStatement {
  const node0 = Array.isArray(ast) ? ast[0] : ast;
  switch (kind) {
    case 'SELECT': {
      const c = makeCompilers(view, paramTypes, text);
      const q = c.planner.compileQuery(node0, null);
      const columns: ResultColumn[] = q.columns;
      return {
        columns,
        command: 'SELECT',
        writes: false,
        dependsOn: [...c.deps],
        indexesUsed: [...c.indexes],
        explain: () => explainLines(q.node),
        start: (ctx) => new QueryExecution(q.node, ctx),
      };
    }
    case 'INSERT': {
      const c = makeCompilers(view, paramTypes, text);
      const onView = compileViewDml(node0, 'INSERT', view, c.x, c.planner, c.deps, nestedCompile);
      if (onView !== null) return fromDml(onView, c);
      return fromDml(compileInsert(node0, c.x, c.planner, view, c.deps, triggerLookup), c);
    }
    case 'UPDATE': {
      const c = makeCompilers(view, paramTypes, text);
      const onView = compileViewDml(node0, 'UPDATE', view, c.x, c.planner, c.deps, nestedCompile);
      if (onView !== null) return fromDml(onView, c);
      return fromDml(compileUpdate(node0, c.x, c.planner, view, c.deps, triggerLookup), c);
    }
    case 'DELETE': {
      const c = makeCompilers(view, paramTypes, text);
      const onView = compileViewDml(node0, 'DELETE', view, c.x, c.planner, c.deps, nestedCompile);
      if (onView !== null) return fromDml(onView, c);
      return fromDml(compileDelete(node0, c.x, c.planner, view, c.deps, triggerLookup), c);
    }
    case 'EXPLAIN': {
      const inner = (node0 as { statement?: { kind?: StatementKind; ast?: unknown } }).statement;
      if (inner?.kind === undefined) throw new DispatcherError(SqlState.SyntaxError, 'EXPLAIN needs a statement');
      const c = compileInner(inner.ast as Node, inner.kind, view, paramTypes, text);
      const lines = c.explain();
      return {
        columns: [{ name: 'QUERY PLAN', type: 'text' }],
        command: 'EXPLAIN',
        writes: false,
        dependsOn: c.dependsOn,
        indexesUsed: c.indexesUsed,
        explain: () => lines,
        start: () => {
          let done = false;
          return {
            step: () => (done ? null : ((done = true), lines.map((l) => [l]))),
            rowsAffected: 0,
            close() {
              done = true;
            },
          };
        },
      };
    }
    case 'CREATE_TABLE':
      return fromDdl(
        compileCreateTable(node0, paramTypes, (query, txn, params, ctx) => {
          const c = makeCompilers(txn, paramTypes, text);
          const q = c.planner.compileQuery(query, null);
          const f: Frame = {
            ctx: ctx ?? { view: txn, params, counters: { rowsExamined: 0, rowsProduced: 0, indexesUsed: new Set() }, checkInterrupt: () => {} },
            params,
            outer: null,
            up: null,
            root: newRootState(),
          };
          return { columns: q.columns, rows: runPlan(q.node, f) };
        }),
      );
    case 'ALTER_TABLE':
      return fromDdl(
        compileAlterTable(node0, paramTypes, (sql, col) => {
          const c = makeCompilers(view, []);
          const e = c.x.compile(parseExpression(sql), new Scope(null));
          const f: Frame = {
            ctx: { view, params: [], counters: { rowsExamined: 0, rowsProduced: 0, indexesUsed: new Set() }, checkInterrupt: () => {} },
            params: [],
            outer: null,
            up: null,
            root: newRootState(),
          };
          return coerceForColumn(e.ev([], f), col, '', e.type);
        }),
      );
    case 'CREATE_INDEX':
      return fromDdl(compileCreateIndex(node0));
    case 'CREATE_TRIGGER':
      return fromDdl(
        compileCreateTrigger(node0, (v, def) => {
          const c = makeCompilers(v, []);
          const q = c.planner.compileQuery(def.ast, null);
          return { names: def.columns ?? q.columns.map((col) => col.name), types: q.columns.map((col) => col.type) };
        }),
      );
    case 'DROP_TRIGGER':
      return fromDdl(compileDropTrigger(node0, view));
    case 'REINDEX':
      return fromDdl(compileReindex(node0, view));
    case 'DROP_TABLE':
    case 'DROP_INDEX':
    case 'DROP_VIEW':
      return fromDdl(compileDrop(node0, view));
    case 'CREATE_VIEW':
      return fromDdl(
        compileCreateView(node0, text, paramTypes, (bound, v) => {
          const c = makeCompilers(v, []);
          c.planner.compileQuery(bound, null);
          return [...c.deps];
        }),
      );
  }
  throw new DispatcherError(SqlState.FeatureNotSupported, `statement kind ${kind} is not handled by the execution layer`);
}

/**
 * Compiles one statement. `ast` is node-sql-parser's postgresql AST; `$k` placeholders refer to
 * params[k-1] whose static type is paramTypes[k-1] when known.
 */
export function compileStatement(
  ast: unknown,
  kind: StatementKind,
  view: ReadView,
  paramTypes: readonly ParamType[],
  text: string,
): CompiledStatement {
  try {
    const compiled = compileInner(ast as Node, kind, view, paramTypes, text);
    return withErrorText(compiled, text);
  } catch (e) {
    throw toDispatcherError(e, text);
  }
}

/** Errors raised while running carry the statement text and are always DispatcherErrors. */
function withErrorText(c: CompiledStatement, text: string): CompiledStatement {
  return {
    columns: c.columns,
    command: c.command,
    writes: c.writes,
    dependsOn: c.dependsOn,
    indexesUsed: c.indexesUsed,
    explain: () => c.explain(),
    start(ctx) {
      let ex: Execution;
      try {
        ex = c.start(ctx);
      } catch (e) {
        if (e instanceof LockWaitSignal) throw e;
        throw toDispatcherError(e, text);
      }
      // A query puts the text on its errors itself (one object less per execution).
      return ex instanceof QueryExecution ? ex.withText(text) : new TextedExecution(ex, text);
    },
    ...(c.startBatch === undefined ? {} : { startBatch: textedBatch(c.startBatch, text) }),
  };
}

/** A plan's startBatch whose execution's errors carry the statement text, as start's do. */
function textedBatch(startBatch: NonNullable<CompiledStatement['startBatch']>, text: string): CompiledStatement['startBatch'] {
  return (ctx, sets, userParams, lifted) => {
    let ex: Execution | null;
    try {
      ex = startBatch(ctx, sets, userParams, lifted);
    } catch (e) {
      if (e instanceof LockWaitSignal) throw e;
      throw toDispatcherError(e, text);
    }
    return ex === null ? null : new TextedExecution(ex, text);
  };
}

/**
 * Wraps an execution so its errors carry the statement text. A class, not an object literal with
 * a getter: V8 allocates literals with accessors outside the young generation, which drags every
 * object they reference into old space (measured on the point-select path).
 */
class TextedExecution implements Execution {
  readonly #ex: Execution;
  readonly #text: string;

  constructor(ex: Execution, text: string) {
    this.#ex = ex;
    this.#text = text;
  }

  step(): Row[] | null {
    try {
      return this.#ex.step();
    } catch (e) {
      this.#ex.close();
      // A row lock to wait for is control flow for the coordinator, not a failure.
      if (e instanceof LockWaitSignal) throw e;
      throw toDispatcherError(e, this.#text);
    }
  }

  get rowsAffected(): number {
    return this.#ex.rowsAffected;
  }

  close(): void {
    this.#ex.close();
  }
}

/** An execution with nothing to do: what the kept TextedExecution wraps. */
const IDLE: Execution = { step: () => null, rowsAffected: 0, close: () => {} };
keepShape(new TextedExecution(IDLE, ''));
