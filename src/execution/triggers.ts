// Row triggers: their definitions (kept in TableDef.extra.triggers, or on a view's definition for
// INSTEAD OF), and their firing for each row an INSERT, UPDATE or DELETE writes.
//
// A trigger's statements run inside the statement that fires them (same transaction, same write
// set, same statement mark: a failure anywhere undoes the whole statement). NEW.col and OLD.col
// become parameters after the body statement's own lifted literals, so a body statement compiles
// like any other statement and is bound per row. Bodies are compiled on first use and kept with
// the firing statement's plan while the relations they depend on stay the same definitions.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { StatementKind } from '../analysis/types.js';
import type { LiteralType } from '../protocol/statement.js';
import type { ColumnType, Key, ReadView, Row, SqlValue, TableDef, WriteTxn } from '../storage/ports.js';
import type { CompiledStatement, ExecContext, ParamType } from './types.js';
import { colRefTable, funcArgs, funcName, identName, type Node } from './ast.js';
import { RAISE_FUNCTION, RaiseIgnore } from './raise.js';
import { getViews, type ViewDef } from './from-planner.js';
import { truth } from './values.js';

export type TriggerTiming = 'BEFORE' | 'AFTER' | 'INSTEAD OF';
export type TriggerEvent = 'INSERT' | 'UPDATE' | 'DELETE';

/** One statement of a trigger (or its WHEN condition as SELECT <cond>), as the analyser gave it. */
export interface TriggerStatementDef {
  readonly kind: StatementKind;
  readonly ast: unknown;
  readonly params: readonly SqlValue[];
  readonly paramTypes: readonly LiteralType[];
}

/** A trigger as the catalog keeps it (msgpack-able data). */
export interface TriggerDef {
  readonly name: string;
  readonly timing: TriggerTiming;
  readonly events: readonly TriggerEvent[];
  /** UPDATE OF these columns only; null for any UPDATE. */
  readonly columns: readonly string[] | null;
  readonly when: TriggerStatementDef | null;
  readonly body: readonly TriggerStatementDef[];
  /** CREATE TRIGGER as written. */
  readonly text: string;
}

/** Compiles a statement nested in another (compile.ts provides it: execution's own entry). */
export type NestedCompile = (ast: unknown, kind: StatementKind, view: ReadView, paramTypes: readonly ParamType[]) => CompiledStatement;

/** Row triggers of a DML target for one event, or null when none fires (looked up at compile time). */
export type TriggerLookup = (def: TableDef, event: TriggerEvent, assigned: readonly number[] | null) => RowTriggers | null;

/** How deep triggers may fire triggers (a trigger writing its own table recurses). Each level
 *  nests a statement's frames on the stack: 100 stays well inside Node's default stack. */
export const MAX_TRIGGER_DEPTH = 100;

const NONE: readonly TriggerDef[] = Object.freeze([]);

export function triggersOf(def: TableDef): readonly TriggerDef[] {
  const t = (def.extra as { triggers?: readonly TriggerDef[] } | undefined)?.triggers;
  return t ?? NONE;
}

export function viewTriggersOf(v: ViewDef): readonly TriggerDef[] {
  return (v as { triggers?: readonly TriggerDef[] }).triggers ?? NONE;
}

/** A copy of the table definition with another trigger list (other extra facts kept). */
export function withTriggers(def: TableDef, triggers: readonly TriggerDef[]): TableDef {
  const extra: Record<string, unknown> = { ...(def.extra ?? {}) };
  if (triggers.length === 0) delete extra['triggers'];
  else extra['triggers'] = triggers;
  return { ...def, extra: Object.keys(extra).length === 0 ? undefined : extra };
}

/** Where a trigger of that name lives: a table or a view (trigger names are unique per database). */
export function findTrigger(view: ReadView, name: string): { table: string; isView: boolean; trigger: TriggerDef } | undefined {
  for (const t of view.tables()) {
    const hit = triggersOf(t).find((x) => x.name === name);
    if (hit !== undefined) return { table: t.name, isView: false, trigger: hit };
  }
  const views = getViews(view);
  for (const [v, def] of Object.entries(views)) {
    const hit = viewTriggersOf(def).find((x) => x.name === name);
    if (hit !== undefined) return { table: v, isView: true, trigger: hit };
  }
  return undefined;
}

const LITERAL_TYPES: Readonly<Record<LiteralType, ParamType>> = {
  integer: 'integer',
  numeric: 'numeric',
  text: 'text',
  boolean: 'boolean',
  null: undefined,
  bytea: 'bytea',
};

/** Columns of the row a trigger sees (a table's or a view's). */
export interface TriggerColumns {
  readonly names: readonly string[];
  readonly types: readonly ColumnType[];
}

function isRowRef(table: string | null): 'new' | 'old' | null {
  return table === 'new' ? 'new' : table === 'old' ? 'old' : null;
}

const RAISE_KINDS: ReadonlySet<string> = new Set(['rollback', 'abort', 'fail']);

const TEXT_REF = /\b(new|old)\s*\.\s*(?:"([^"]+)"|([A-Za-z_][A-Za-z0-9_$]*))/gi;

/**
 * A copy of `ast` with NEW.col / OLD.col as parameters: NEW's column i is $(base + i + 1), OLD's
 * $(base + n + i + 1). Also inside operands kept as text (IS DISTINCT FROM). A column the row
 * lacks is 42703; NEW where there is no new row (DELETE), OLD where there is no old one (INSERT),
 * 42P01 as PostgreSQL says it.
 */
export function bindRowRefs(ast: unknown, cols: TriggerColumns, base: number, events: readonly TriggerEvent[]): unknown {
  const n = cols.names.length;
  const hasNew = events.some((e) => e !== 'DELETE');
  const hasOld = events.some((e) => e !== 'INSERT');
  const slot = (which: 'new' | 'old', column: string): number => {
    if ((which === 'new' && !hasNew) || (which === 'old' && !hasOld)) {
      throw new DispatcherError(SqlState.UndefinedTable, `missing FROM-clause entry for table "${which}"`, {
        detail: `${which.toUpperCase()} has no row in a ${events.join(' OR ')} trigger`,
      });
    }
    const i = cols.names.indexOf(column);
    if (i < 0) throw new DispatcherError(SqlState.UndefinedColumn, `column ${which}.${column} does not exist`);
    return base + (which === 'new' ? 0 : n) + i + 1;
  };
  const walk = (x: Node): Node => {
    if (Array.isArray(x)) return x.map(walk);
    if (x === null || typeof x !== 'object') return x;
    if (x.type === 'column_ref') {
      const which = isRowRef(colRefTable(x));
      if (which !== null) {
        const column = identName(x.column);
        if (column === '*') throw new DispatcherError(SqlState.FeatureNotSupported, `${which.toUpperCase()}.* is not supported in a trigger`);
        return { type: 'var', name: slot(which, column), members: [], quoted: null, prefix: '$' };
      }
    }
    if (x.type === 'function' && funcName(x) === 'raise') {
      // RAISE(IGNORE | ROLLBACK | ABORT | FAIL [, message]): the first argument is a keyword
      const args = funcArgs(x);
      const kind = args[0]?.type === 'column_ref' && colRefTable(args[0]) === null ? identName(args[0].column) : '';
      if (kind === 'ignore' ? args.length !== 1 : !RAISE_KINDS.has(kind) || args.length !== 2) {
        throw new DispatcherError(SqlState.SyntaxError, 'RAISE takes IGNORE, or ROLLBACK, ABORT or FAIL and a message');
      }
      const rest = args.slice(1).map(walk);
      return {
        type: 'function',
        name: { name: [{ type: 'default', value: RAISE_FUNCTION }] },
        args: { type: 'expr_list', value: [{ type: 'single_quote_string', value: kind }, ...rest] },
      };
    }
    if (x.type === 'default' && typeof x.value === 'string' && x.value.startsWith('DISTINCT FROM ')) {
      const value = (x.value as string).replace(TEXT_REF, (_m, w: string, quoted?: string, plain?: string) => {
        return `$${slot(w.toLowerCase() as 'new' | 'old', quoted ?? plain!.toLowerCase())}`;
      });
      return { ...x, value };
    }
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(x)) out[k] = k === 'tableList' || k === 'columnList' ? x[k] : walk(x[k]);
    return out;
  };
  return walk(ast as Node);
}

/** One statement ready to compile: NEW/OLD bound, parameter types known. */
interface Program {
  readonly kind: StatementKind;
  readonly ast: unknown;
  readonly params: readonly SqlValue[];
  readonly paramTypes: readonly ParamType[];
}

function programOf(st: TriggerStatementDef, cols: TriggerColumns, events: readonly TriggerEvent[]): Program {
  const base = st.params.length;
  const colTypes: ParamType[] = cols.types.map((t) => (t === 'any' ? undefined : t));
  return {
    kind: st.kind,
    ast: bindRowRefs(st.ast, cols, base, events),
    params: st.params,
    paramTypes: [...st.paramTypes.map((t) => LITERAL_TYPES[t]), ...colTypes, ...colTypes],
  };
}

interface Compiled {
  readonly def: TriggerDef;
  readonly when: Program | null;
  readonly body: readonly Program[];
}

/** Checks a trigger's body against the row it will see (CREATE TRIGGER runs it once). */
export function checkTriggerBody(def: TriggerDef, cols: TriggerColumns): void {
  if (def.when !== null) programOf(def.when, cols, def.events);
  for (const st of def.body) programOf(st, cols, def.events);
}

/** Names of the relations an AST reads or writes (table references: { db, table, as }). */
function relationNames(ast: unknown, out: Set<string>): void {
  const stack: unknown[] = [ast];
  while (stack.length > 0) {
    const x = stack.pop();
    if (x === null || typeof x !== 'object') continue;
    if (Array.isArray(x)) {
      for (const y of x) stack.push(y);
      continue;
    }
    const n = x as Record<string, unknown>;
    if (typeof n['table'] === 'string' && n['type'] !== 'column_ref' && 'db' in n) out.add((n['table'] as string).toLowerCase());
    for (const k in n) if (k !== 'tableList' && k !== 'columnList') stack.push(n[k]);
  }
}

/** What a compiled body statement was compiled against: each relation it depends on, by identity. */
interface Shared {
  readonly plan: CompiledStatement;
  readonly deps: readonly (readonly [string, unknown])[];
}

function relationOf(view: ReadView, name: string): unknown {
  return view.getTable(name) ?? getViews(view)[name];
}

/**
 * Compiled body statements, shared by the executions of the plan that holds them: a statement is
 * compiled again only when a relation it depends on is no longer the same definition object
 * (storage keeps a table's definition object until the table is altered), so a trigger costs no
 * compile per firing statement, and a schema change (even an uncommitted one) is never missed.
 */
class TriggerPlans {
  readonly #compile: NestedCompile;
  readonly #shared = new Map<Program, Shared>();

  constructor(compile: NestedCompile) {
    this.#compile = compile;
  }

  get(p: Program, view: ReadView): CompiledStatement {
    const hit = this.#shared.get(p);
    if (hit !== undefined && hit.deps.every(([name, rel]) => relationOf(view, name) === rel)) return hit.plan;
    const plan = this.#compile(p.ast, p.kind, view, p.paramTypes);
    this.#shared.set(p, { plan, deps: plan.dependsOn.map((name) => [name, relationOf(view, name)] as const) });
    return plan;
  }
}

/**
 * The triggers of one target and event, in firing order (by name, as PostgreSQL orders them),
 * with NEW/OLD already bound. Lives in the cached plan; start() makes the per-execution part.
 */
export class RowTriggers {
  readonly #table: string;
  readonly #width: number;
  readonly #before: readonly Compiled[];
  readonly #after: readonly Compiled[];
  readonly #instead: readonly Compiled[];
  readonly #plans: TriggerPlans;
  /** Relations the trigger programs name (the firing plan depends on them: SERIALIZABLE notes
   *  them as read). */
  readonly tables: readonly string[];

  private constructor(table: string, width: number, all: readonly Compiled[], compile: NestedCompile) {
    this.#table = table;
    this.#width = width;
    this.#before = all.filter((c) => c.def.timing === 'BEFORE');
    this.#after = all.filter((c) => c.def.timing === 'AFTER');
    this.#instead = all.filter((c) => c.def.timing === 'INSTEAD OF');
    this.#plans = new TriggerPlans(compile);
    const names = new Set<string>();
    for (const c of all) for (const p of c.when === null ? c.body : [c.when, ...c.body]) relationNames(p.ast, names);
    this.tables = [...names];
  }

  /**
   * The triggers of `defs` that fire for `event` (an UPDATE assigning `assigned` column names:
   * UPDATE OF triggers fire when one of their columns is assigned); null when none does.
   */
  static of(
    table: string,
    defs: readonly TriggerDef[],
    cols: TriggerColumns,
    event: TriggerEvent,
    assigned: readonly string[] | null,
    compile: NestedCompile,
  ): RowTriggers | null {
    const firing = defs
      .filter((d) => d.events.includes(event))
      .filter((d) => event !== 'UPDATE' || d.columns === null || assigned === null || d.columns.some((c) => assigned.includes(c)));
    if (firing.length === 0) return null;
    const sorted = [...firing].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const compiled = sorted.map((d) => ({
      def: d,
      when: d.when === null ? null : programOf(d.when, cols, d.events),
      body: d.body.map((st) => programOf(st, cols, d.events)),
    }));
    return new RowTriggers(table, cols.names.length, compiled, compile);
  }

  get hasInsteadOf(): boolean {
    return this.#instead.length > 0;
  }

  /** The per-execution part: compiled statements (on first use) and the row checks. */
  start(ctx: ExecContext): TriggerRun {
    return new TriggerRun(this.#table, this.#width, this.#before, this.#after, this.#instead, this.#plans, ctx);
  }
}

const NONE_FIRED = 0;
const FIRED = 1;
const IGNORED = 2;
type FireResult = typeof NONE_FIRED | typeof FIRED | typeof IGNORED;

// Depth of triggers firing now. Statements run synchronously inside one step() of the statement
// that fires them, so one counter for the process is exact.
let depth = 0;

export class TriggerRun {
  readonly #table: string;
  readonly #width: number;
  readonly #before: readonly Compiled[];
  readonly #after: readonly Compiled[];
  readonly #instead: readonly Compiled[];
  readonly #shared: TriggerPlans;
  readonly #ctx: ExecContext;
  /** Plans checked against this execution's view (once per execution, not per row). */
  readonly #plans = new Map<Program, CompiledStatement>();
  /** Once a trigger ran, rows collected earlier may be gone: look before writing them. */
  #fired = false;

  constructor(
    table: string,
    width: number,
    before: readonly Compiled[],
    after: readonly Compiled[],
    instead: readonly Compiled[],
    shared: TriggerPlans,
    ctx: ExecContext,
  ) {
    this.#table = table;
    this.#width = width;
    this.#before = before;
    this.#after = after;
    this.#instead = instead;
    this.#shared = shared;
    this.#ctx = ctx;
  }

  /**
   * The row at `key` as it is now: `collected` (what the statement read before writing) until a
   * trigger ran, since triggers may change or delete rows the statement has yet to write;
   * undefined when it is gone (the statement skips it, as SQLite does).
   */
  current(key: Key, collected: Row): Row | undefined {
    return this.#fired ? this.#ctx.view.getRow(this.#table, key) : collected;
  }

  /**
   * BEFORE triggers of one row. `key` is the row's key for UPDATE and DELETE. False when the
   * statement must skip the row: a trigger said RAISE(IGNORE), or deleted the row.
   */
  before(newRow: Row | null, oldRow: Row | null, key: Key | null): boolean {
    if (this.#before.length === 0) return true;
    if (this.#fire(this.#before, newRow, oldRow) === IGNORED) return false;
    return key === null || this.#ctx.view.getRow(this.#table, key) !== undefined;
  }

  after(newRow: Row | null, oldRow: Row | null): void {
    if (this.#after.length > 0) this.#fire(this.#after, newRow, oldRow);
  }

  /** INSTEAD OF triggers (a view's): the write itself. False when none took the row (WHEN said
   *  no, or RAISE(IGNORE)). */
  instead(newRow: Row | null, oldRow: Row | null): boolean {
    return this.#fire(this.#instead, newRow, oldRow) === FIRED;
  }

  /** Fires the triggers of `list` whose WHEN holds, until one says RAISE(IGNORE). */
  #fire(list: readonly Compiled[], newRow: Row | null, oldRow: Row | null): FireResult {
    if (depth >= MAX_TRIGGER_DEPTH) {
      throw new DispatcherError('54001', `trigger depth limit exceeded (${MAX_TRIGGER_DEPTH} levels of triggers firing triggers)`, {
        detail: 'A trigger fires itself (or a cycle of triggers fires) without end.',
      });
    }
    this.#fired = true;
    const w = this.#width;
    const rowValues: SqlValue[] = new Array<SqlValue>(2 * w);
    for (let i = 0; i < w; i++) {
      rowValues[i] = newRow === null ? null : (newRow[i] ?? null);
      rowValues[w + i] = oldRow === null ? null : (oldRow[i] ?? null);
    }
    let result: FireResult = NONE_FIRED;
    depth++;
    try {
      for (const c of list) {
        if (c.when !== null) {
          const rows = this.#run(c.when, rowValues);
          if (truth(rows[0]?.[0] ?? null) !== true) continue;
        }
        result = FIRED;
        for (const p of c.body) this.#run(p, rowValues);
      }
    } catch (e) {
      // RAISE(IGNORE): the rest of the program and of the triggers for this row are abandoned;
      // what they wrote stays
      if (!(e instanceof RaiseIgnore)) throw e;
      result = IGNORED;
    } finally {
      depth--;
    }
    return result;
  }

  /** Runs one statement to the end in the firing statement's transaction; its rows (SELECT). */
  #run(p: Program, rowValues: readonly SqlValue[]): Row[] {
    const ctx = this.#ctx;
    let plan = this.#plans.get(p);
    if (plan === undefined) {
      plan = this.#shared.get(p, ctx.view);
      if (plan.writes && typeof (ctx.view as WriteTxn).insert !== 'function') {
        throw new DispatcherError(SqlState.ReadOnlyTransaction, 'cannot execute a write in a read-only transaction');
      }
      this.#plans.set(p, plan);
    }
    const params = p.params.length === 0 ? rowValues : [...p.params, ...rowValues];
    const ex = plan.start({ view: ctx.view, params, counters: ctx.counters, checkInterrupt: ctx.checkInterrupt, ...(ctx.user === undefined ? {} : { user: ctx.user }) });
    const out: Row[] = [];
    try {
      for (let b = ex.step(); b !== null; b = ex.step()) {
        // a SELECT's rows matter only for WHEN (its first row); the rest are discarded
        if (p.kind === 'SELECT' && out.length === 0) for (const r of b) out.push(r);
      }
    } finally {
      ex.close();
    }
    return out;
  }
}

/** Column names and types of a table, as its triggers see its rows. */
export function tableColumns(def: TableDef): TriggerColumns {
  return { names: def.columns.map((c) => c.name), types: def.columns.map((c) => c.type) };
}

/** The lookup DML compilation uses for a table target: its triggers for an event, or null. */
export function tableTriggerLookup(compile: NestedCompile): TriggerLookup {
  return (def, event, assigned) => {
    const defs = triggersOf(def);
    if (defs.length === 0) return null;
    const names = assigned === null ? null : assigned.map((i) => def.columns[i]!.name);
    return RowTriggers.of(def.name, defs, tableColumns(def), event, names, compile);
  };
}
