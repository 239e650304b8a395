// Aggregate calls inside expressions: each registers its spec (once per distinct call text) with
// the grouped level it belongs to, the current query or an enclosing one, and compiles to a read
// of that level's aggregate slot.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { Eval, Frame } from './runtime.js';
import type { Scope } from './scope.js';
import { GroupingReplan, outerLevel } from './grouping-replan.js';
import { AGG_NAMES, aggResultType, isJsonAgg, isOrderedSet, numericOnly, type AggName } from './aggregates.js';
import { exprKey, funcArgs, funcName, hasAggregate, hasWindow, type Node } from './ast.js';
import type { Compiled, ExprCompiler } from './expr.js';

/** One aggregate call as written: what registerAggregate compiles at the level it belongs to. */
interface AggCall {
  readonly name: string;
  readonly star: boolean;
  readonly distinct: boolean;
  readonly arg: Node;
  /** The call's node (its text keys the aggregate, so repeats share one). */
  readonly n: Node;
  readonly sepNode?: Node;
  readonly orderNodes?: Node;
  readonly filterNode?: Node;
}

/** An aggr_func node without OVER (the caller sends a window call to its level's collector). */
export function compileAggregate(ec: ExprCompiler, n: Node, scope: Scope): Compiled {
  const name = String(n.name).toLowerCase();
  if (isOrderedSet(name)) {
    // name(fraction) WITHIN GROUP (ORDER BY x): x is what is collected, the fraction rides as sepNode.
    const within = Array.isArray(n.within_group_orderby) ? (n.within_group_orderby as Node[]) : [];
    if (within.length !== 1) throw new DispatcherError(SqlState.WrongObjectType, `WITHIN GROUP (ORDER BY one expression) is required for ordered-set aggregate ${name}`);
    const fractionNode = name === 'mode' ? undefined : n.args?.expr;
    if (name !== 'mode' && (fractionNode === undefined || fractionNode === null || Object.keys(fractionNode).length === 0)) {
      throw new DispatcherError(SqlState.UndefinedFunction, `function ${name}() does not exist`);
    }
    return registerAggregate(ec, { name, star: false, distinct: false, arg: within[0]!.expr, n, sepNode: fractionNode, orderNodes: within, filterNode: n.filter?.where }, scope);
  }
  const argNode = n.args?.expr;
  const star = argNode?.type === 'star';
  let distinct = n.args?.distinct === 'DISTINCT';
  let arg = argNode;
  if (arg?.type === 'function' && funcName(arg) === '__dispatchdb_distinct') {
    distinct = true;
    arg = funcArgs(arg)[0];
  }
  return registerAggregate(ec, { name, star, distinct, arg, n, sepNode: n.args?.separator?.delimiter, orderNodes: n.args?.orderby, filterNode: n.filter?.where }, scope);
}

/** An aggregate's name called as a plain function (the separator of string_agg is its second argument). */
export function compileAggregateFunction(ec: ExprCompiler, name: string, argNodes: Node[], n: Node, scope: Scope): Compiled {
  if (isOrderedSet(name)) throw new DispatcherError(SqlState.WrongObjectType, `WITHIN GROUP is required for ordered-set aggregate ${name}`);
  let a = argNodes[0];
  let distinct = false;
  if (a?.type === 'function' && funcName(a) === '__dispatchdb_distinct') {
    distinct = true;
    a = funcArgs(a)[0];
  }
  return registerAggregate(ec, { name, star: a?.type === 'star', distinct, arg: a, n, sepNode: argNodes[1], orderNodes: n.args?.orderby }, scope);
}

function registerAggregate(ec: ExprCompiler, call: AggCall, scope: Scope): Compiled {
  const { name, star, distinct, arg, n, sepNode, orderNodes, filterNode } = call;
  const level = star ? 0 : outerLevel([arg, sepNode, orderNodes, filterNode], scope);
  if (level > 0) return outerAggregate(ec, level, call, scope);
  const g = scope.grouped;
  if (g === null) {
    scope.sawAggregate = true;
    throw new DispatcherError(SqlState.GroupingError, 'aggregate functions are not allowed here');
  }
  if (!AGG_NAMES.has(name)) throw new DispatcherError(SqlState.UndefinedFunction, `function ${name} does not exist`);
  if (star && name !== 'count') throw new DispatcherError(SqlState.SyntaxError, `${name}(*) is not valid`);
  const key = exprKey(n, g.raw);
  const existing = g.aggKeys.get(key);
  const aggName = name as AggName;
  if (existing !== undefined) {
    const spec = g.aggs[existing]!;
    const slot = g.nKeys + existing;
    return { ev: (r) => r[slot]!, type: spec.type, name, slot };
  }
  let argC: Compiled | null = null;
  if (!star) {
    if (arg === undefined || arg === null) throw new DispatcherError(SqlState.UndefinedFunction, `function ${name}() does not exist`);
    if (hasAggregate(arg)) throw new DispatcherError(SqlState.GroupingError, 'aggregate function calls cannot be nested');
    if (hasWindow(arg)) throw new DispatcherError(SqlState.GroupingError, 'aggregate function calls cannot contain window function calls');
    argC = ec.compile(arg, g.raw);
  }
  const argType = argC?.type ?? 'any';
  if ((aggName === 'sum' || aggName === 'avg' || numericOnly(aggName)) && argType === 'text') {
    throw new DispatcherError(SqlState.UndefinedFunction, `function ${name}(text) does not exist`);
  }
  let extra = {};
  if (isOrderedSet(aggName)) {
    const o = (orderNodes as Node[] | undefined)?.[0];
    const desc = String(o?.type ?? '').toUpperCase() === 'DESC';
    extra = {
      ...(sepNode !== undefined && sepNode !== null ? { fraction: ec.compile(sepNode, g.raw).ev } : {}),
      order: [{ ev: argC!.ev, desc, nullsFirst: desc }],
    };
  } else if (aggName === 'string_agg') {
    if (sepNode === undefined || sepNode === null) {
      throw new DispatcherError(SqlState.UndefinedFunction, 'function string_agg needs a separator argument');
    }
    const order = (Array.isArray(orderNodes) ? orderNodes : []).map((o: Node) => {
      const desc = String(o.type ?? '').toUpperCase() === 'DESC';
      const nulls = String(o.nulls ?? '').toUpperCase();
      return { ev: ec.compile(o.expr, g.raw).ev, desc, nullsFirst: nulls.includes('FIRST') ? true : nulls.includes('LAST') ? false : desc };
    });
    extra = { sep: ec.compile(sepNode, g.raw).ev, order };
  } else if (isJsonAgg(aggName)) {
    const pair = aggName === 'json_object_agg' || aggName === 'jsonb_object_agg';
    if (pair !== (sepNode !== undefined && sepNode !== null)) {
      throw new DispatcherError(SqlState.UndefinedFunction, `function ${name} takes ${pair ? 'two arguments' : 'one argument'}`);
    }
    if (distinct) throw new DispatcherError(SqlState.FeatureNotSupported, `DISTINCT in ${name}() is not supported`);
    if (pair) {
      const v = ec.compile(sepNode, g.raw);
      extra = { sep: v.ev, sepType: v.type };
    }
  } else if (Array.isArray(orderNodes) && orderNodes.length > 0) {
    throw new DispatcherError(SqlState.FeatureNotSupported, `ORDER BY in ${name}() is not supported`);
  }
  if (filterNode !== null && filterNode !== undefined) {
    if (hasAggregate(filterNode)) throw new DispatcherError(SqlState.GroupingError, 'aggregate functions are not allowed in FILTER');
    extra = { ...extra, filter: ec.compile(filterNode, g.raw).ev };
  }
  const spec = {
    name: aggName,
    star,
    arg: argC?.ev ?? null,
    ...(argC?.slot !== undefined ? { argSlot: argC.slot } : {}),
    ...(argC?.shape !== undefined ? { argShape: argC.shape } : {}),
    distinct,
    argType,
    type: aggResultType(aggName, argType),
    ...extra,
  };
  g.aggs.push(spec);
  g.aggKeys.set(key, g.aggs.length - 1);
  const slot = g.nKeys + g.aggs.length - 1;
  return { ev: (r) => r[slot]!, type: spec.type, name, slot };
}

/**
 * An aggregate whose arguments name only columns of the query `level` levels up: that query
 * computes it (one value per group of it), and this level reads it from its row like an outer
 * column. A level not planned as an aggregate query is told to plan itself again as one.
 */
function outerAggregate(ec: ExprCompiler, level: number, call: AggCall, scope: Scope): Compiled {
  let target = scope;
  for (let i = 0; i < level; i++) target = target.parent!;
  if (target.grouped === null) {
    if (!target.aggregatesAllowed || target.queryAst === null) {
      throw new DispatcherError(SqlState.GroupingError, 'aggregate functions are not allowed here');
    }
    throw new GroupingReplan(target.queryAst, true);
  }
  const c = registerAggregate(ec, call, target);
  const slot = c.slot!;
  // Every level between reads the outer row: none of them may be computed once and reused.
  let s: Scope | null = scope;
  for (let d = 0; d < level && s !== null; d++) {
    s.correlated = true;
    if (s.grouped !== null) s.grouped.raw.correlated = true;
    s = s.parent;
  }
  const ev: Eval =
    level === 1
      ? (_r, f) => f.outer![slot]!
      : (_r, f) => {
          let fr: Frame = f;
          for (let i = 1; i < level; i++) fr = fr.up!;
          return fr.outer![slot]!;
        };
  return { ev, type: c.type, name: call.name };
}
