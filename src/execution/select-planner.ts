// SELECT planning above the FROM clause (see from-planner.ts): grouping, projection, DISTINCT,
// ORDER BY (top-N, index order), LIMIT, WITH, and compound selects. Produces a PlanNode tree
// whose open() builds resumable operators.
import { GroupingReplan } from './grouping-replan.js';
import { pointLookup, pointTarget } from './point-lookup.js';
import { topNBeforeProjection } from './top-n.js';
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ColumnType, ReadView, Row } from '../storage/ports.js';
import type { ResultColumn } from './types.js';
import {
  ExprCompiler,
  colRefTable,
  exprKey,
  hasAggregate,
  hasWindow,
  identName,
  literalValue,
  WINDOWING_ERROR,
  type Compiled,
  type Node,
} from './expr.js';
import type { LevelSpec } from './join-ops.js';
import {
  AggregateNode,
  DistinctNode,
  FilterNode,
  LimitNode,
  OneRowNode,
  ProjectNode,
  SetOpNode,
  SortNode,
  evalCount,
  type SetOpKind,
  type SortKey,
} from './operators.js';
import type { Eval, Frame, PlanNode } from './runtime.js';
import type { KeyForm } from './agg-codegen.js';
import { Scope, type GroupInfo } from './scope.js';
import { WindowRegistry, type StreamOrder } from './window-plan.js';
import { TableEndsNode } from './table-ends.js';
import { follows, markIndexOnly, orderedByPath, streamGroups, streamWindow, type OrderContext } from './ordered-read.js';
import { StreamAggregateNode } from './group-stream.js';
import { LockRowsNode, type LockTarget, type OnBusy } from './lock-rows.js';
import type { LockingClause } from '../analysis/shape-patterns.js';
import { truth } from './values.js';
import { FromPlanner, KEY_COLUMN, andAll, splitAnd, type CteDef, type FromSource, type QueryPlan } from './from-planner.js';
import { planRecursiveCtes } from './recursive-cte.js';

export { KEY_COLUMN, andAll, getViews, splitAnd, type QueryPlan, type ViewDef } from './from-planner.js';

export class SelectPlanner {
  readonly #x: ExprCompiler;
  readonly #orderCtx: OrderContext;
  readonly #from: FromPlanner;

  readonly #text: string;

  constructor(view: ReadView, x: ExprCompiler, deps: Set<string>, indexes: Set<string>, text = '') {
    this.#text = text;
    this.#x = x;
    this.#orderCtx = { view, indexes };
    this.#from = new FromPlanner(view, x, deps, indexes, (ast, parent) => this.compileQuery(ast, parent));
  }

  /**
   * An output alias as PostgreSQL names it: folded to lower case unless it was double-quoted
   * (the parser drops the quotes, so the statement text tells).
   */
  aliasName(as: string): string {
    if (as !== as.toLowerCase() && this.#text.includes(`"${as}"`)) return as;
    return as.toLowerCase();
  }

  /** A whole query expression (possibly compound). */
  compileQuery(ast: Node, parent: Scope | null): QueryPlan {
    if (ast?.type !== 'select') {
      throw new DispatcherError(SqlState.SyntaxError, 'a SELECT was expected here');
    }
    if (Array.isArray(ast.with) && ast.with.length > 0) {
      const defs = new Map<string, CteDef>();
      for (const w of ast.with as Node[]) {
        const name = identName(w.name);
        if (defs.has(name)) throw new DispatcherError(SqlState.DuplicateTable, `WITH query name "${name}" specified more than once`);
        const cols = Array.isArray(w.columns) && w.columns.length > 0 ? (w.columns as Node[]).map((c) => identName(c.column ?? c)) : null;
        defs.set(name, { ast: w.stmt?.ast ?? w.stmt, columns: cols });
      }
      // The grammar marks RECURSIVE on the first query; it applies to the whole list.
      if ((ast.with as Node[])[0]?.recursive === true) {
        planRecursiveCtes(defs, {
          compile: (q) => this.compileQuery(q, null),
          pushCtes: (d) => this.#from.pushCtes(d),
          popCtes: () => this.#from.popCtes(),
        });
      }
      this.#from.pushCtes(defs);
      try {
        return this.#queryBody(ast, parent);
      } finally {
        this.#from.popCtes();
      }
    }
    return this.#queryBody(ast, parent);
  }

  #queryBody(ast: Node, parent: Scope | null): QueryPlan {
    if (ast._next === undefined || ast._next === null) return this.#simple(ast, parent);
    return this.#compound(ast, parent);
  }

  #compound(ast: Node, parent: Scope | null): QueryPlan {
    const members: Node[] = [];
    const ops: SetOpKind[] = [];
    let cur: Node = ast;
    while (cur !== null && cur !== undefined) {
      members.push(cur);
      if (cur._next !== null && cur._next !== undefined) {
        const op = String(cur.set_op ?? 'union').toLowerCase().replace(/\s+distinct$/, '') as SetOpKind;
        ops.push(op);
      }
      cur = cur._next;
    }
    const last = members[members.length - 1]!;
    const plans = members.map((m, i) => this.#simple(m, parent, i === members.length - 1));
    const width = plans[0]!.columns.length;
    for (const p of plans) {
      if (p.columns.length !== width) {
        throw new DispatcherError(SqlState.SyntaxError, 'each UNION query must have the same number of columns');
      }
    }
    // INTERSECT binds tighter than UNION / EXCEPT.
    const terms: { node: PlanNode; correlated: boolean }[] = [];
    const termOps: SetOpKind[] = [];
    let acc = { node: plans[0]!.node, correlated: plans[0]!.correlated };
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      const next = plans[i + 1]!;
      if (op.startsWith('intersect')) {
        acc = { node: new SetOpNode(acc.node, next.node, op, width), correlated: acc.correlated || next.correlated };
      } else {
        terms.push(acc);
        termOps.push(op);
        acc = { node: next.node, correlated: next.correlated };
      }
    }
    terms.push(acc);
    let node = terms[0]!.node;
    let correlated = terms[0]!.correlated;
    for (let i = 0; i < termOps.length; i++) {
      node = new SetOpNode(node, terms[i + 1]!.node, termOps[i]!, width);
      correlated ||= terms[i + 1]!.correlated;
    }
    const columns = plans[0]!.columns.map((c, i) => {
      let type: ColumnType = c.type;
      for (const p of plans) {
        const t = p.columns[i]!.type;
        if (type === 'any') type = t;
        else if (t !== type && t !== 'any' && (t === 'real' || t === 'numeric')) type = t;
      }
      return { name: c.name, type };
    });
    // ORDER BY / LIMIT written after the last member apply to the whole compound.
    const keys: SortKey[] = [];
    for (const o of (last.orderby ?? []) as Node[]) {
      const slot = this.#outputSlot(o.expr, columns);
      if (slot === undefined) {
        throw new DispatcherError(
          SqlState.FeatureNotSupported,
          'ORDER BY on a UNION/INTERSECT/EXCEPT result must name an output column',
        );
      }
      keys.push(sortKey(o, slot));
    }
    const { limit, offset } = this.#limitOffset(last, parent);
    if (keys.length > 0) node = new SortNode(node, keys, this.#topN(limit, offset));
    if (limit !== null || offset !== null) node = new LimitNode(node, limit, offset, width);
    return { node, columns, correlated };
  }

  #outputSlot(e: Node, columns: readonly ResultColumn[]): number | undefined {
    const lit = literalValue(e);
    if (lit !== undefined && typeof lit.v === 'number' && e.type === 'number') {
      const k = lit.v;
      if (!Number.isInteger(k) || k < 1 || k > columns.length) {
        throw new DispatcherError(SqlState.InvalidColumnReference, `ORDER BY position ${k} is not in select list`);
      }
      return k - 1;
    }
    if (e.type === 'column_ref' && (e.table === null || e.table === undefined) && typeof e.column !== 'string') {
      const name = identName(e.column);
      const i = columns.findIndex((c) => c.name === name);
      if (i >= 0) return i;
    }
    return undefined;
  }

  #limitOffset(ast: Node, parent: Scope | null): { limit: Eval | null; offset: Eval | null } {
    const vals: Node[] = ast.limit?.value ?? [];
    if (vals.length === 0) return { limit: null, offset: null };
    const scope = new Scope(parent);
    const comp = (n: Node): Eval | null => {
      if (n?.type === 'origin' && String(n.value).toLowerCase() === 'all') return null;
      return this.#x.compile(n, scope).ev;
    };
    const sep = String(ast.limit.seperator ?? '').toLowerCase();
    if (vals.length === 1) {
      if (sep === 'offset') return { limit: null, offset: comp(vals[0]) };
      return { limit: comp(vals[0]), offset: null };
    }
    if (sep === ',') return { limit: comp(vals[1]), offset: comp(vals[0]) };
    return { limit: comp(vals[0]), offset: comp(vals[1]) };
  }

  #topN(limit: Eval | null, offset: Eval | null): ((f: Frame) => number) | null {
    if (limit === null) return null;
    return (f) => {
      const l = evalCount(limit, f, 'LIMIT', Infinity);
      const o = evalCount(offset, f, 'OFFSET', 0);
      return l + o;
    };
  }

  // ---- FROM ------------------------------------------------------------------------------

  /**
   * Compiles a DML target's row source: FROM target [, more FROM items] [WHERE ...]. Rows carry
   * the target row's key after its columns; the target always sits first in the row layout.
   */
  compileTargetScan(tableItem: Node, where: Node, scope: Scope, more: Node[] = []): PlanNode {
    const sources = this.#from.addFrom(scope, scope.parent, [tableItem, ...more], true);
    const conj = splitAnd(where).map((c) => this.#from.conjunct(c, scope));
    const { node, residual } = this.#from.planFrom(sources, conj, scope);
    const r = andAll(residual);
    // A target named by its whole primary key is one lookup, not a scan.
    return r === null ? pointTarget(node) : new FilterNode(node, r);
  }

  /** One SELECT; `skipOrderLimit` for a compound's last member, whose ORDER BY/LIMIT are the compound's. */
  #simple(ast: Node, parent: Scope | null, skipOrderLimit = false): QueryPlan {
    try {
      return this.#simpleAs(ast, parent, skipOrderLimit, undefined);
    } catch (e) {
      // Compiling showed this level aggregates after all (or does not): plan it once more so.
      if (e instanceof GroupingReplan && e.select === ast) return this.#simpleAs(ast, parent, skipOrderLimit, e.grouped);
      throw e;
    }
  }

  /** `grouping`: whether the level aggregates, when compiling it once already told (else from its syntax). */
  #simpleAs(ast: Node, parent: Scope | null, skipOrderLimit: boolean, grouping: boolean | undefined): QueryPlan {
    if (ast.into?.expr !== undefined && ast.into?.expr !== null) {
      throw new DispatcherError(SqlState.FeatureNotSupported, 'SELECT INTO is not supported');
    }
    const scope = new Scope(parent);
    scope.queryAst = ast;
    const fromItems: Node[] = Array.isArray(ast.from) ? ast.from : [];
    // SELECT ... FOR UPDATE / SHARE on one table locks the rows it selects (its rows carry their
    // keys for it); over a join, the rows of each table it names (or all) by their primary keys.
    const locking = ast.locking as LockingClause | undefined;
    const lockTable = locking !== undefined ? lockedTable(fromItems, locking, this.#from) : null;
    const sources = this.#from.addFrom(scope, parent, fromItems, false, lockTable !== null);
    const joinLocks = locking !== undefined && lockTable === null ? joinLockTargets(sources, locking) : null;
    const whereConj = splitAnd(ast.where).map((c) => {
      if (hasAggregate(c)) throw new DispatcherError(SqlState.GroupingError, 'aggregate functions are not allowed in WHERE');
      if (hasWindow(c)) throw new DispatcherError(WINDOWING_ERROR, 'window functions are not allowed in WHERE');
      return this.#from.conjunct(c, scope);
    });
    let node: PlanNode;
    let firstPath: LevelSpec | null = null;
    let levels: LevelSpec[] = [];
    let order: number[] = [];
    if (sources.length === 0) {
      node = new OneRowNode();
      const r = andAll(whereConj.map((c) => c.ev));
      if (r !== null) node = new FilterNode(node, r);
    } else {
      const planned = this.#from.planFrom(sources, whereConj, scope);
      node = planned.node;
      firstPath = planned.first;
      levels = planned.levels;
      order = planned.order;
      const r = andAll(planned.residual);
      if (r !== null) node = new FilterNode(node, r);
    }

    // Select list, with * expanded.
    const items: { node: Node; alias: string | null }[] = [];
    for (const col of (ast.columns ?? []) as Node[]) {
      const e = selectItemExpr(col);
      if (e?.type === 'column_ref' && e.column === '*') {
        const t = colRefTable(e);
        const srcs = t === null ? scope.sources : scope.sources.filter((s) => s.name === t);
        if (t !== null && srcs.length === 0) {
          throw new DispatcherError(SqlState.UndefinedTable, `missing FROM-clause entry for table "${t}"`);
        }
        if (scope.sources.length === 0) throw new DispatcherError(SqlState.SyntaxError, 'SELECT * with no tables specified is not valid');
        for (const s of srcs) {
          for (const c of s.columns) {
            if (c.name === KEY_COLUMN || (t === null && c.hiddenUnqualified === true)) continue;
            // A merged USING column of an outer join is read unqualified (it coalesces both sides).
            const table = t === null && c.coalesceWith !== undefined ? null : s.name;
            items.push({ node: { type: 'column_ref', table, column: c.name }, alias: null });
          }
        }
        continue;
      }
      if (e?.type === 'star') {
        throw new DispatcherError(SqlState.SyntaxError, 'unexpected *');
      }
      items.push({ node: e, alias: col.as === null || col.as === undefined ? null : this.aliasName(String(col.as)) });
    }

    const groupBy: Node[] = Array.isArray(ast.groupby?.columns) ? ast.groupby.columns : Array.isArray(ast.groupby) ? ast.groupby : [];
    const orderBy: Node[] = skipOrderLimit ? [] : ((ast.orderby ?? []) as Node[]);
    const explicit = groupBy.length > 0 || (ast.having !== null && ast.having !== undefined);
    const grouped = explicit || (grouping ?? (items.some((i) => hasAggregate(i.node)) || orderBy.some((o) => hasAggregate(o.expr))));

    let outScope = scope;
    if (locking !== undefined && (grouped || String(ast.distinct?.type ?? '') !== '')) {
      const what = groupBy.length > 0 ? 'GROUP BY clause' : grouped ? 'aggregate functions' : 'DISTINCT clause';
      throw new DispatcherError(SqlState.FeatureNotSupported, `FOR ${locking.strength} is not allowed with ${what}`);
    }
    if (grouped) {
      const info: GroupInfo = {
        keySlots: new Map(),
        colSlots: new Map(),
        aggs: [],
        aggKeys: new Map(),
        nKeys: groupBy.length,
        raw: scope,
      };
      const keyEvals: Eval[] = [];
      const keyForms: KeyForm[] = [];
      const keyNodes: Node[] = [];
      groupBy.forEach((g, i) => {
        let gn = g;
        const lit = literalValue(g);
        if (lit !== undefined && g.type === 'number') {
          const k = Number(lit.v);
          const item = items[k - 1];
          if (item === undefined) {
            throw new DispatcherError(SqlState.InvalidColumnReference, `GROUP BY position ${k} is not in select list`);
          }
          gn = item.node;
        } else if (g?.type === 'column_ref' && (g.table === null || g.table === undefined) && typeof g.column !== 'string') {
          const name = identName(g.column);
          if (scope.findLocal(null, name) === undefined) {
            const item = items.find((it) => it.alias !== null && it.alias === name);
            if (item !== undefined) gn = item.node;
          }
        }
        if (hasAggregate(gn)) throw new DispatcherError(SqlState.GroupingError, 'aggregate functions are not allowed in GROUP BY');
        if (hasWindow(gn)) throw new DispatcherError(WINDOWING_ERROR, 'window functions are not allowed in GROUP BY');
        const c = this.#x.compile(gn, scope);
        keyNodes.push(gn);
        keyEvals.push(c.ev);
        keyForms.push({ slot: c.slot, shape: c.shape, type: c.type });
        info.keySlots.set(exprKey(gn, scope), i);
        if (gn?.type === 'column_ref' && typeof gn.column !== 'string') {
          const hit = scope.findLocal(colRefTable(gn), identName(gn.column));
          if (hit !== undefined) info.colSlots.set(`${hit.source.index}.${hit.col}`, i);
        }
      });
      outScope = new Scope(parent);
      outScope.grouped = info;
      if (hasWindow(ast.having)) throw new DispatcherError(WINDOWING_ERROR, 'window functions are not allowed in HAVING');
      // Window functions (select list, ORDER BY) run over the groups, after HAVING.
      const win = new WindowRegistry(this.#x, ast.window);
      outScope.windows = win;
      const outputs = items.map((it) => this.#x.compile(it.node, outScope));
      const having = ast.having ? this.#x.compile(ast.having, outScope) : null;
      const sortPlan = this.#orderBy(orderBy, items, outputs, outScope);
      outScope.windows = null;
      // Its aggregates all belonged to enclosing queries: this level does not aggregate.
      if (!explicit && info.aggs.length === 0 && grouping === undefined) throw new GroupingReplan(ast, false);
      if (outScope.correlated) scope.correlated = true;
      // Groups formed as rows stream past in key order, where an index or the primary key
      // yields that order (ORDER BY ... LIMIT on the keys then reads only the groups it returns).
      const groupOrder = win.empty ? streamGroups(this.#orderCtx, keyNodes, { ast, sortPlan, items, scope, firstPath, order }) : null;
      if (groupOrder !== null) node = new StreamAggregateNode(node, keyEvals, info.aggs);
      else {
        const aggregate = new AggregateNode(node, keyEvals, info.aggs, keyForms);
        node = TableEndsNode.plan(node, keyEvals.length, info.aggs, aggregate) ?? aggregate;
      }
      if (having !== null) {
        const h = having.ev;
        node = new FilterNode(node, (r, f) => truth(h(r, f)) === true);
      }
      if (!win.empty) node = win.plan(node, info.nKeys + info.aggs.length);
      const on = this.#distinctOn(ast, outScope);
      const plan = this.#finish(ast, node, items, outputs, sortPlan, scope, parent, skipOrderLimit, null, order, on, groupOrder);
      markIndexOnly(levels, scope);
      return plan;
    }
    const win = new WindowRegistry(this.#x, ast.window);
    scope.windows = win;
    scope.aggregatesAllowed = true;
    const outputs = items.map((it) => this.#x.compile(it.node, scope));
    const sortPlan = this.#orderBy(orderBy, items, outputs, scope);
    scope.aggregatesAllowed = false;
    scope.windows = null;
    // Window functions reorder the rows: an index order no longer serves ORDER BY, unless the
    // window's calls are computed as rows stream past in its order, read from an index.
    let stream: StreamOrder | null = null;
    if (!win.empty) {
      stream = streamWindow(this.#orderCtx, win, { ast, sortPlan, items, scope, firstPath, order });
      node = win.plan(node, scope.width, stream !== null);
    }
    const path = win.empty ? firstPath : null;
    let lock: RowLock | null = null;
    if (locking !== undefined) {
      const onBusy = locking.wait === 'NOWAIT' ? 'nowait' : locking.wait === 'SKIP LOCKED' ? 'skip' : 'wait';
      const shared = locking.strength === 'SHARE' || locking.strength === 'KEY SHARE';
      if (lockTable !== null) {
        const spec = sources[0]!.spec;
        const k = spec.offset + spec.ncols - 1;
        lock = { targets: [{ table: lockTable, key: (r) => r[k]! }], onBusy, shared };
      } else lock = { targets: joinLocks!, onBusy, shared };
    }
    const plan = this.#finish(ast, node, items, outputs, sortPlan, scope, parent, skipOrderLimit, path, order, this.#distinctOn(ast, scope), stream, lock);
    markIndexOnly(levels, scope);
    return plan;
  }

  #distinctOn(ast: Node, scope: Scope): Compiled[] {
    if (String(ast.distinct?.type ?? '').toUpperCase() !== 'DISTINCT ON') return [];
    const cols: Node[] = Array.isArray(ast.distinct.columns) ? ast.distinct.columns : [];
    return cols.map((c) => this.#x.compile(c?.type === 'expr' ? c.expr : c, scope));
  }

  #orderBy(
    orderBy: Node[],
    items: { node: Node; alias: string | null }[],
    outputs: Compiled[],
    scope: Scope,
  ): { keys: SortKey[]; hidden: Compiled[]; exprs: (Node | null)[] } {
    const names = outputs.map((o, i) => items[i]!.alias ?? o.name);
    const cols = names.map((name, i) => ({ name, type: outputs[i]!.type }));
    const keys: SortKey[] = [];
    const hidden: Compiled[] = [];
    const exprs: (Node | null)[] = [];
    const raw = scope.grouped?.raw ?? scope;
    const itemKeys = items.map((it) => {
      try {
        return exprKey(it.node, raw);
      } catch {
        return '';
      }
    });
    for (const o of orderBy) {
      let slot: number | undefined;
      const e = o.expr;
      if (e?.type === 'column_ref' && (e.table === null || e.table === undefined) && typeof e.column !== 'string') {
        const name = identName(e.column);
        const matches = names.map((n, i) => (n === name ? i : -1)).filter((i) => i >= 0);
        if (matches.length > 0) slot = matches[0];
      } else slot = this.#outputSlot(e, cols);
      if (slot === undefined) {
        const k = exprKey(e, raw);
        const i = itemKeys.indexOf(k);
        if (i >= 0) slot = i;
      }
      if (slot === undefined) {
        const c = this.#x.compile(e, scope);
        slot = outputs.length + hidden.length;
        hidden.push(c);
      }
      exprs.push(e);
      keys.push(sortKey(o, slot));
    }
    return { keys, hidden, exprs };
  }

  #finish(
    ast: Node,
    input: PlanNode,
    items: { node: Node; alias: string | null }[],
    outputs: Compiled[],
    sortPlan: { keys: SortKey[]; hidden: Compiled[]; exprs: (Node | null)[] },
    scope: Scope,
    parent: Scope | null,
    skipOrderLimit: boolean,
    firstPath: LevelSpec | null,
    order: number[],
    distinctOn: Compiled[],
    stream: StreamOrder | null = null,
    lock: RowLock | null = null,
  ): QueryPlan {
    const columns: ResultColumn[] = outputs.map((o, i) => ({
      name: items[i]!.alias ?? o.name,
      type: o.type,
    }));
    const evs = [...outputs.map((o) => o.ev), ...sortPlan.hidden.map((h) => h.ev), ...distinctOn.map((d) => d.ev)];
    // FOR UPDATE: each locked row's key rides along as a hidden column to where rows are locked.
    const lockTargets: LockTarget[] = [];
    for (const t of lock?.targets ?? []) {
      if (t.key === null) lockTargets.push({ table: t.table, keySlot: -1 });
      else {
        lockTargets.push({ table: t.table, keySlot: evs.length });
        evs.push(t.key);
      }
    }
    const width = outputs.length;
    const distinct = String(ast.distinct?.type ?? '').toUpperCase() === 'DISTINCT';
    const { limit, offset } = skipOrderLimit ? { limit: null, offset: null } : this.#limitOffset(ast, parent);
    const on = distinctOn.length > 0;
    const streamed = stream !== null && !distinct && !on && sortPlan.keys.length > 0 && follows(sortPlan, items, scope, stream);
    const sorted = sortPlan.keys.length > 0 && !streamed && !orderedByPath(this.#orderCtx, sortPlan, items, scope, firstPath, order, distinct || on, limit !== null, ast);
    // ORDER BY columns ... LIMIT n: the n rows are picked before the select list is computed.
    // (Not when rows are locked: a row SKIP LOCKED leaves out must not take one of the n places.)
    const early = sorted && !distinct && !on && limit !== null && lock === null ? topNBeforeProjection(input, sortPlan, items, outputs, this.#topN(limit, offset)!) : null;
    let node: PlanNode = early !== null ? new ProjectNode(early, evs) : (pointLookup(input, evs) ?? new ProjectNode(input, evs));
    if (distinct) node = new DistinctNode(node, outputs.map((_, i) => i));
    if (sorted && early === null) node = new SortNode(node, sortPlan.keys, on || lock !== null ? null : this.#topN(limit, offset));
    // DISTINCT ON keeps the first row of each key in ORDER BY order.
    if (on) {
      const base = width + sortPlan.hidden.length;
      node = new DistinctNode(node, distinctOn.map((_, j) => base + j));
    }
    // Rows are locked after ORDER BY and before LIMIT, as PostgreSQL does: only the rows returned
    // (and, under SKIP LOCKED, the next free ones in their place).
    if (lock !== null) node = new LockRowsNode(node, lockTargets, lock.onBusy, lock.shared, this.#topN(limit, offset));
    if (limit !== null || offset !== null || evs.length > width) {
      node = new LimitNode(node, limit, offset, width);
    }
    return { node, columns, correlated: scope.correlated };
  }

}

/** A select-list item's expression (a top-level `x::t` item is the cast node itself). */
export function selectItemExpr(col: Node): Node {
  return col.type !== undefined && col.type !== null && col.type !== 'expr' ? col : col.expr;
}

function sortKey(o: Node, slot: number): SortKey {
  const desc = String(o.type ?? '').toUpperCase() === 'DESC';
  const nulls = String(o.nulls ?? '').toUpperCase();
  const nullsFirst = nulls.includes('FIRST') ? true : nulls.includes('LAST') ? false : desc;
  return { slot, desc, nullsFirst };
}

/** The one table SELECT ... FOR UPDATE locks rows of (lower-cased), or null when FROM is not one table. */
function lockedTable(fromItems: readonly Node[], locking: LockingClause, from: FromPlanner): string | null {
  if (fromItems.length !== 1) return null;
  const item = fromItems[0]!;
  if (typeof item.table !== 'string' || item.expr !== undefined && item.expr !== null) return null;
  const table = item.table.toLowerCase();
  if (!from.isTable(table)) return null;
  const name = String(item.as ?? table).toLowerCase();
  if (locking.of !== null && !locking.of.some((t) => t.toLowerCase() === name || t.toLowerCase() === table)) return null;
  return table;
}

/** What SELECT ... FOR UPDATE locks: per table, its rows' keys read from the FROM row; what to do when held. */
interface RowLock {
  readonly targets: readonly LockSource[];
  readonly onBusy: OnBusy;
  readonly shared: boolean;
}

interface LockSource {
  readonly table: string;
  /** The row's storage key from the FROM row (null when absent); null: lock the whole table. */
  readonly key: Eval | null;
}

/**
 * The tables a locking SELECT over several sources locks rows of: every base table, or those its
 * OF list names (by alias or name). Rows are named by their primary keys (a null-extended side of
 * an outer join has no row to lock); a table without one is locked whole against writers.
 */
function joinLockTargets(sources: readonly FromSource[], locking: LockingClause): LockSource[] {
  const named = locking.of?.map((t) => t.toLowerCase()) ?? null;
  const out: LockSource[] = [];
  const found = new Set<string>();
  for (const s of sources) {
    const alias = s.spec.name.toLowerCase();
    const hit = named === null || named.includes(alias) || (s.table !== null && named.includes(s.table.name.toLowerCase()));
    if (!hit) continue;
    found.add(alias);
    if (s.table !== null) found.add(s.table.name.toLowerCase());
    if (s.table === null) {
      if (named !== null) throw new DispatcherError(SqlState.FeatureNotSupported, `FOR ${locking.strength} cannot be applied to "${alias}", which is not a table`);
      continue;
    }
    const pk = s.table.primaryKey;
    const off = s.spec.offset;
    if (pk.length === 0) {
      out.push({ table: s.table.name.toLowerCase(), key: null });
      continue;
    }
    const slots = pk.map((c) => off + c);
    const key: Eval =
      slots.length === 1
        ? (r) => (r[slots[0]!] === null ? null : ([r[slots[0]!]] as unknown as Row[number]))
        : (r) => {
            const k: unknown[] = [];
            for (const i of slots) {
              if (r[i] === null) return null;
              k.push(r[i]);
            }
            return k as unknown as Row[number];
          };
    out.push({ table: s.table.name.toLowerCase(), key });
  }
  for (const t of named ?? []) {
    if (!found.has(t)) throw new DispatcherError(SqlState.UndefinedTable, `relation "${t}" in FOR ${locking.strength} clause not found in FROM clause`);
  }
  return out;
}
