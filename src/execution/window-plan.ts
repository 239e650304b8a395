// Window functions at compile time: the calls of one query level (collected while its select
// list and ORDER BY compile), their window specifications (OVER (...), named windows of the
// WINDOW clause, refinements `OVER (w ORDER BY ...)`), frames, and the plan that computes them
// after grouping / HAVING and before DISTINCT / ORDER BY / LIMIT (see window.ts).
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ColumnType } from '../storage/ports.js';
import { AGG_NAMES, aggResultType, isJsonAgg, numericOnly, type AggName, type AggSpec } from './aggregates.js';
import { WINDOWING_ERROR, exprKey, funcArgs, funcName, hasWindow, identName, type Compiled, type ExprCompiler, type Node } from './expr.js';
import type { SortKey } from './operators.js';
import type { Eval, PlanNode } from './runtime.js';
import { Scope, type WindowCalls } from './scope.js';
import { WindowPrepareNode, windowStages } from './window.js';
import { streamable } from './window-stream.js';


export type WindowFn =
  | 'row_number'
  | 'rank'
  | 'dense_rank'
  | 'percent_rank'
  | 'cume_dist'
  | 'ntile'
  | 'lag'
  | 'lead'
  | 'first_value'
  | 'last_value'
  | 'nth_value'
  | 'aggregate';

export type BoundKind = 'unbounded preceding' | 'preceding' | 'current row' | 'following' | 'unbounded following';

export interface FrameBoundSpec {
  readonly kind: BoundKind;
  /** Offset of n PRECEDING / n FOLLOWING: a constant (or parameter), evaluated once per run. */
  readonly offset: Eval | null;
}

export interface FrameSpec {
  readonly units: 'rows' | 'range' | 'groups';
  readonly start: FrameBoundSpec;
  readonly end: FrameBoundSpec;
  readonly exclude: 'no others' | 'current row' | 'group' | 'ties';
}

/** One window function call, as the operator computes it. */
export interface WindowCall {
  readonly fn: WindowFn;
  /** Result slot in the widened row (input width + the call's number). */
  readonly out: number;
  /** Slots of the argument values (filled by the prepare step). */
  readonly args: readonly number[];
  /** Aggregates: the accumulator spec (its arg is unused: the value comes from args[0]). */
  readonly agg: AggSpec | null;
  readonly frame: FrameSpec;
}

/** Calls sharing PARTITION BY and ORDER BY: one sort, one pass. */
export interface WindowStage {
  readonly partition: readonly number[];
  readonly order: readonly SortKey[];
  readonly calls: WindowCall[];
  /** Text for EXPLAIN. */
  readonly label: string;
}

interface ResolvedSpec {
  readonly partition: readonly Node[];
  readonly order: readonly Node[];
  readonly frame: Node | null;
}

interface PendingCall {
  readonly fn: WindowFn;
  readonly out: number;
  readonly args: readonly Compiled[];
  readonly agg: AggSpec | null;
  readonly frame: FrameSpec;
  readonly stageKey: string;
  readonly partition: readonly Compiled[];
  readonly order: readonly { readonly c: Compiled; readonly desc: boolean; readonly nullsFirst: boolean }[];
  /** The PARTITION BY and ORDER BY expressions as written (for an order read from an index). */
  readonly spec: ResolvedSpec;
}

/** The order rows must arrive in for the window calls to be computed as they stream past. */
export interface StreamOrder {
  /** How many of the leading exprs are PARTITION BY keys (any direction serves them). */
  readonly partitions: number;
  readonly exprs: readonly Node[];
  readonly dirs: readonly { readonly desc: boolean; readonly nullsFirst: boolean }[];
}

const DEFAULT_FRAME: FrameSpec = {
  units: 'range',
  start: { kind: 'unbounded preceding', offset: null },
  end: { kind: 'current row', offset: null },
  exclude: 'no others',
};

const RANKING: ReadonlySet<string> = new Set(['row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist']);
const VALUE_FNS: ReadonlySet<string> = new Set(['ntile', 'lag', 'lead', 'first_value', 'last_value', 'nth_value']);

function windowing(message: string): DispatcherError {
  return new DispatcherError(WINDOWING_ERROR, message);
}

function sortDir(o: Node): { desc: boolean; nullsFirst: boolean } {
  const desc = String(o.type ?? '').toUpperCase() === 'DESC';
  const nulls = String(o.nulls ?? '').toUpperCase();
  return { desc, nullsFirst: nulls.includes('FIRST') ? true : nulls.includes('LAST') ? false : desc };
}

/** The window calls of one query level: ExprCompiler hands each call here (Scope.windows). */
export class WindowRegistry implements WindowCalls {
  readonly #x: ExprCompiler;
  readonly #named = new Map<string, Node>();
  readonly #resolvedNamed = new Map<string, ResolvedSpec>();
  readonly #calls: PendingCall[] = [];
  readonly #keys = new Map<string, number>();
  /** Result type and column name of each call. */
  readonly #types: ColumnType[] = [];
  readonly #names: string[] = [];
  /** Width of the input rows, known once the query level is compiled (aggregates add slots). */
  readonly #base = { v: 0 };
  #nesting = false;

  constructor(x: ExprCompiler, windowClause: Node) {
    this.#x = x;
    const defs: Node[] = Array.isArray(windowClause?.expr) ? windowClause.expr : [];
    for (const d of defs) {
      const name = identName(d.name);
      if (this.#named.has(name)) throw windowing(`window "${name}" is already defined`);
      this.#named.set(name, d.as_window_specification);
    }
    // Definitions are checked even when unused, as PostgreSQL does.
    for (const name of this.#named.keys()) this.#resolveNamed(name);
  }

  get empty(): boolean {
    return this.#calls.length === 0;
  }

  /**
   * When every call is over one window and streams (window-stream.ts: ranking, lag, running
   * aggregates and first values from the partition's start), the order (PARTITION BY keys, then
   * ORDER BY) in which rows arriving lets them be computed row by row, with no sort and no wait
   * for a partition's end; null otherwise. Partitions only need to be contiguous, so
   * their keys take the direction an index read gives (the first ORDER BY key's, NULLs at the
   * index's end).
   */
  streamOrder(): StreamOrder | null {
    const calls = this.#calls;
    const first = calls[0];
    if (first === undefined) return null;
    for (const c of calls) if (c.stageKey !== first.stageKey) return null;
    if (!streamable(calls)) return null;
    const desc = first.order[0]?.desc ?? false;
    return {
      partitions: first.spec.partition.length,
      exprs: [...first.spec.partition, ...first.spec.order.map((o) => o.expr as Node)],
      dirs: [...first.spec.partition.map(() => ({ desc, nullsFirst: !desc })), ...first.order.map((o) => ({ desc: o.desc, nullsFirst: o.nullsFirst }))],
    };
  }

  register(n: Node, scope: Scope): Compiled {
    if (this.#nesting) throw windowing('window function calls cannot be nested');
    const keyScope = scope.grouped?.raw ?? scope;
    let key: string;
    try {
      key = exprKey(n, keyScope);
    } catch {
      key = '';
    }
    const known = key === '' ? undefined : this.#keys.get(key);
    if (known !== undefined) return this.#ref(known);
    this.#nesting = true;
    let call: PendingCall;
    try {
      call = this.#compileCall(n, scope);
    } finally {
      this.#nesting = false;
    }
    this.#calls.push(call);
    if (key !== '') this.#keys.set(key, call.out);
    return this.#ref(call.out);
  }

  #ref(k: number): Compiled {
    const base = this.#base;
    return { ev: (r) => r[base.v + k]!, type: this.#types[k]!, name: this.#names[k]! };
  }

  #compileCall(n: Node, scope: Scope): PendingCall {
    const out = this.#calls.length;
    const spec = this.#spec(n.over);
    const partition = spec.partition.map((p) => this.#x.compile(p, scope));
    const order = spec.order.map((o) => ({ c: this.#x.compile(o.expr, scope), ...sortDir(o) }));
    const frame = this.#frame(spec);
    if (n.consider_nulls !== null && n.consider_nulls !== undefined && String(n.consider_nulls).toUpperCase() !== 'RESPECT NULLS') {
      throw new DispatcherError(SqlState.FeatureNotSupported, `${String(n.consider_nulls)} is not supported for window functions`);
    }
    const stageKey = JSON.stringify([spec.partition, spec.order].map((l) => l.map((e) => exprKey(e, scope.grouped?.raw ?? scope))));
    let fn: WindowFn;
    let args: Compiled[];
    let agg: AggSpec | null = null;
    let type: ColumnType;
    let name: string;
    if (n.type === 'aggr_func' || (n.type === 'function' && AGG_NAMES.has(funcName(n)))) {
      fn = 'aggregate';
      ({ agg, args } = this.#aggregate(n, scope));
      type = agg.type;
      name = agg.name;
    } else {
      name = n.type === 'function' ? funcName(n) : String(n.name).toLowerCase();
      const argNodes: Node[] = n.type === 'function' ? funcArgs(n) : Array.isArray(n.args?.value) ? n.args.value : [];
      if (!RANKING.has(name) && !VALUE_FNS.has(name)) {
        throw new DispatcherError(SqlState.UndefinedFunction, `function ${name} is not a window function`);
      }
      fn = name as WindowFn;
      args = argNodes.map((a) => this.#x.compile(a, scope));
      const arity: Record<string, [number, number]> = {
        ntile: [1, 1],
        lag: [1, 3],
        lead: [1, 3],
        first_value: [1, 1],
        last_value: [1, 1],
        nth_value: [2, 2],
      };
      const [lo, hi] = arity[name] ?? [0, 0];
      if (args.length < lo || args.length > hi) {
        throw new DispatcherError(SqlState.UndefinedFunction, `function ${name} with ${args.length} arguments does not exist`);
      }
      if (name === 'row_number' || name === 'rank' || name === 'dense_rank' || name === 'ntile') type = 'bigint';
      else if (name === 'percent_rank' || name === 'cume_dist') type = 'real';
      else type = args[0]!.type;
    }
    this.#types.push(type);
    this.#names.push(name);
    return { fn, out, args, agg, frame, stageKey, partition, order, spec };
  }

  #aggregate(n: Node, scope: Scope): { agg: AggSpec; args: Compiled[] } {
    const name = n.type === 'function' ? funcName(n) : String(n.name).toLowerCase();
    const argNode = n.type === 'function' ? funcArgs(n)[0] : n.args?.expr;
    const distinct =
      n.args?.distinct === 'DISTINCT' || (argNode?.type === 'function' && funcName(argNode) === '__dispatchdb_distinct');
    if (distinct) throw new DispatcherError(SqlState.FeatureNotSupported, 'DISTINCT is not implemented for window functions');
    if (Array.isArray(n.args?.orderby) && n.args.orderby.length > 0) {
      throw new DispatcherError(SqlState.FeatureNotSupported, 'aggregate ORDER BY is not implemented for window functions');
    }
    if (!AGG_NAMES.has(name)) throw new DispatcherError(SqlState.UndefinedFunction, `function ${name} does not exist`);
    if (isJsonAgg(name)) throw new DispatcherError(SqlState.FeatureNotSupported, `${name}() as a window function is not supported`);
    const star = argNode?.type === 'star';
    if (star && name !== 'count') throw new DispatcherError(SqlState.SyntaxError, `${name}(*) is not valid`);
    if (!star && (argNode === undefined || argNode === null)) {
      throw new DispatcherError(SqlState.UndefinedFunction, `function ${name}() does not exist`);
    }
    const args: Compiled[] = star ? [] : [this.#x.compile(argNode, scope)];
    const argType = args[0]?.type ?? 'any';
    if ((name === 'sum' || name === 'avg' || numericOnly(name)) && argType === 'text') {
      throw new DispatcherError(SqlState.UndefinedFunction, `function ${name}(text) does not exist`);
    }
    if (name === 'string_agg') {
      const sep = n.type === 'function' ? funcArgs(n)[1] : n.args?.separator?.delimiter;
      if (sep === undefined || sep === null) {
        throw new DispatcherError(SqlState.UndefinedFunction, 'function string_agg needs a separator argument');
      }
      args.push(this.#x.compile(sep, scope));
    }
    const agg: AggSpec = {
      name: name as AggName,
      star,
      arg: null,
      distinct: false,
      argType,
      type: aggResultType(name as AggName, argType),
    };
    return { agg, args };
  }

  /** The window specification of an OVER clause, with named windows and refinements resolved. */
  #spec(over: Node): ResolvedSpec {
    const ws = over?.as_window_specification;
    if (typeof ws === 'string') return this.#resolveNamed(identName(ws));
    return this.#resolveSpec(ws?.window_specification ?? {});
  }

  #resolveNamed(name: string): ResolvedSpec {
    const done = this.#resolvedNamed.get(name);
    if (done !== undefined) return done;
    const def = this.#named.get(name);
    if (def === undefined) throw new DispatcherError(SqlState.UndefinedObject, `window "${name}" does not exist`);
    const r = typeof def === 'string' ? this.#resolveNamed(identName(def)) : this.#resolveSpec(def?.window_specification ?? {});
    this.#resolvedNamed.set(name, r);
    return r;
  }

  #resolveSpec(s: Node): ResolvedSpec {
    const partition: Node[] = (Array.isArray(s.partitionby) ? s.partitionby : []).map((p: Node) => (p?.type === 'expr' ? p.expr : p));
    const order: Node[] = Array.isArray(s.orderby) ? s.orderby : [];
    let frame: Node | null = s.window_frame_clause ?? null;
    if (frame !== null && frame.type !== 'window_frame') {
      throw new DispatcherError(SqlState.FeatureNotSupported, 'this window frame form is not supported');
    }
    const baseName: string | null = frame?.base ?? null;
    if (frame !== null && frame.units === null) frame = null;
    if (baseName === null) return { partition, order, frame };
    const base = this.#resolveNamed(baseName);
    if (partition.length > 0) throw windowing(`cannot override PARTITION BY clause of window "${baseName}"`);
    if (order.length > 0 && base.order.length > 0) throw windowing(`cannot override ORDER BY clause of window "${baseName}"`);
    if (base.frame !== null) throw windowing(`cannot copy window "${baseName}" because it has a frame clause`);
    return { partition: base.partition, order: order.length > 0 ? order : base.order, frame };
  }

  #frame(spec: ResolvedSpec): FrameSpec {
    const f = spec.frame;
    if (f === null) return DEFAULT_FRAME;
    const units = f.units as FrameSpec['units'];
    const bound = (b: Node): FrameBoundSpec => {
      const kind = b.kind as BoundKind;
      if (kind !== 'preceding' && kind !== 'following') return { kind, offset: null };
      if (hasWindow(b.offset)) throw windowing('window function calls cannot be nested');
      if (JSON.stringify(b.offset).includes('"column_ref"')) {
        throw new DispatcherError(SqlState.InvalidColumnReference, `argument of ${units.toUpperCase()} must not contain variables`);
      }
      // Offsets are constants (or parameters), compiled where no column is visible.
      const c = this.#x.compile(b.offset, new Scope(null));
      if (units === 'range' && spec.order.length !== 1) {
        throw windowing('RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column');
      }
      return { kind, offset: c.ev };
    };
    if (units === 'groups' && spec.order.length === 0) throw windowing('GROUPS mode requires an ORDER BY clause');
    return { units, start: bound(f.start), end: bound(f.end), exclude: f.exclude };
  }

  /**
   * The operators computing the calls over `input` (rows of `width` slots): a prepare step that
   * evaluates arguments and sort keys once per row, then per distinct (PARTITION BY, ORDER BY) a
   * sort and a pass over the partitions; `streamed` when the input arrives in streamOrder() (no
   * sort: the calls are computed row by row).
   */
  plan(input: PlanNode, width: number, streamed = false): PlanNode {
    this.#base.v = width;
    const k = this.#calls.length;
    const prep: Eval[] = [];
    const slot = (c: Compiled): number => {
      prep.push(c.ev);
      return width + k + prep.length - 1;
    };
    const stages = new Map<string, WindowStage>();
    for (const call of this.#calls) {
      let st = stages.get(call.stageKey);
      if (st === undefined) {
        const partition = call.partition.map(slot);
        const order = call.order.map((o) => ({ slot: slot(o.c), desc: o.desc, nullsFirst: o.nullsFirst }));
        st = {
          partition,
          order,
          calls: [],
          label: `WindowAgg (${partition.length} partition keys, ${order.length} order keys)`,
        };
        stages.set(call.stageKey, st);
      }
      st.calls.push({ fn: call.fn, out: width + call.out, args: call.args.map(slot), agg: call.agg, frame: call.frame });
    }
    const node = new WindowPrepareNode(input, width, k, prep);
    return windowStages(node, [...stages.values()], streamed);
  }
}
