// Expression compiler: turns node-sql-parser expression nodes into closures over a row layout
// (see scope.ts), typed statically where the types are known so the closures stay branch-light.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ColumnType, Row, SqlValue } from '../storage/ports.js';
import type { ParamType, ResultColumn } from './types.js';
import type { Eval, Frame, PlanNode } from './runtime.js';
import { childFrame, runPlan } from './runtime.js';
import { markParam } from './param-slots.js';
import type { Scope } from './scope.js';
import { GroupingReplan, outerLevel } from './grouping-replan.js';
import type { ExprShape } from './expr-shape.js';
import { AGG_NAMES, aggResultType, type AggName } from './aggregates.js';
import { compileFunction, type Arg } from './functions.js';
import {
  exprKey,
  fixBoolChain,
  funcArgs,
  funcName,
  hasAggregate,
  hasWindow,
  hoistNot,
  identName,
  isSubquery,
  literalValue,
  colRefTable,
  WINDOWING_ERROR,
  type Node,
} from './ast.js';
import { arithType, compareOp, compileArith, likeRegex } from './expr-ops.js';
import { isTangledCast, untangleCast } from './cast-tail.js';
import { compileExtract, datetimeArith, datetimeFunction, datetimeLiteral, parseInterval, intervalText, toDate, toTimestamp } from './datetime.js';
import { castValue, columnTypeOf, compareNonNull, err, groupKey, normBig, textOf, toNumber, truth } from './values.js';

// The AST helpers stay reachable through this module for the planner's imports.
export * from './ast.js';

export interface Compiled {
  readonly ev: Eval;
  readonly type: ColumnType;
  /** The result column name PostgreSQL would give this expression. */
  readonly name: string;
  /**
   * Set when ev is a plain read of this slot of the current row: hot loops read it directly.
   * A wrapper that changes ev must not copy it.
   */
  readonly slot?: number;
  /** Set when ev always returns this value (a literal). */
  readonly constant?: SqlValue;
  /** Set when ev reads parameter f.params[param] (a placeholder or a lifted literal). */
  readonly param?: number;
  /** Set when generated code may inline ev (its fast path; the closure stays the fallback). */
  readonly shape?: ExprShape;
}

export interface SubPlan {
  readonly id: number;
  readonly node: PlanNode;
  readonly columns: readonly ResultColumn[];
  readonly correlated: boolean;
}

export interface ExprEnv {
  readonly paramTypes: readonly ParamType[];
  compileSubquery(ast: Node, parent: Scope): SubPlan;
  /** Parses `SELECT <text>` and returns the expression node (IS DISTINCT FROM operands). */
  parseExpr(text: string): Node;
}

/** One aggregate call as written: what #registerAgg compiles at the level it belongs to. */
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

export class ExprCompiler {
  readonly #env: ExprEnv;

  constructor(env: ExprEnv) {
    this.#env = env;
  }

  get env(): ExprEnv {
    return this.#env;
  }

  /** Compiles a predicate: the closure returns true, false or null. */
  compile(n: Node, scope: Scope): Compiled {
    const g = scope.grouped;
    if (g !== null && n !== null && typeof n === 'object' && n.type !== 'column_ref' && !isSubquery(n) && literalValue(n) === undefined) {
      const slot = g.keySlots.get(exprKey(n, g.raw));
      if (slot !== undefined) return this.#slotRef(slot, n, scope);
    }
    return this.#compile(n, scope);
  }

  #slotRef(slot: number, n: Node, scope: Scope): Compiled {
    // Type of the group key: compile it against the raw scope once (cheap, compile time only).
    const c = this.#compile(n, scope.grouped!.raw);
    return { ev: (r) => r[slot]!, type: c.type, name: c.name, slot };
  }

  #compile(n: Node, scope: Scope): Compiled {
    if (n === null || n === undefined) return { ev: () => null, type: 'any', name: '?column?' };
    if (isSubquery(n)) return this.#scalarSubquery(n, scope);
    const lit = literalValue(n);
    if (lit !== undefined) {
      const v = lit.v;
      return { ev: () => v, type: lit.type, name: '?column?', constant: v };
    }
    switch (n.type) {
      case 'column_ref':
        return this.#columnRef(n, scope);
      case 'var':
        return this.#param(n);
      case 'param':
        throw new DispatcherError(SqlState.FeatureNotSupported, 'named parameters are not supported');
      case 'binary_expr':
        return this.#binary(n, scope);
      case 'unary_expr':
        return this.#unary(n, scope);
      case 'case':
        return this.#case(n, scope);
      case 'cast':
        return this.#cast(n, scope);
      case 'aggr_func':
        return this.#aggregate(n, scope);
      case 'window_func':
        return this.#window(n, scope);
      case 'function':
        return this.#function(n, scope);
      case 'expr_list': {
        const vals = Array.isArray(n.value) ? n.value : [];
        if (vals.length === 1) return this.compile(vals[0], scope);
        throw new DispatcherError(SqlState.FeatureNotSupported, 'row values are not supported');
      }
      case 'select':
        return this.#scalarSubquery({ ast: n }, scope);
      case 'date':
      case 'timestamp':
      case 'interval':
        return datetimeLiteral(n)!;
      case 'extract':
        return compileExtract(n, (x) => this.compile(x, scope));
    }
    throw new DispatcherError(SqlState.FeatureNotSupported, `expression ${String(n.type)} is not supported`);
  }

  #columnRef(n: Node, scope: Scope): Compiled {
    if (n.column === '*') throw new DispatcherError(SqlState.SyntaxError, 'a star is not allowed here');
    const table = colRefTable(n);
    const col = identName(n.column);
    const r = scope.resolve(table, col);
    const slot = r.slot;
    const name = r.name;
    if (r.alt !== undefined && r.depth === 0) {
      const alt = r.alt;
      return { ev: (row) => row[slot] ?? row[alt]!, type: r.type, name };
    }
    switch (r.depth) {
      case 0:
        return { ev: (row) => row[slot]!, type: r.type, name, slot };
      case 1:
        return { ev: (_row, f) => f.outer![slot]!, type: r.type, name };
      case 2:
        return { ev: (_row, f) => f.up!.outer![slot]!, type: r.type, name };
      default: {
        const d = r.depth;
        return {
          ev: (_row, f) => {
            let fr: Frame = f;
            for (let i = 1; i < d; i++) fr = fr.up!;
            return fr.outer![slot]!;
          },
          type: r.type,
          name,
        };
      }
    }
  }

  #param(n: Node): Compiled {
    const k = Number(n.name);
    if (!Number.isInteger(k) || k < 1) throw new DispatcherError(SqlState.SyntaxError, `bad parameter $${String(n.name)}`);
    const i = k - 1;
    const type = this.#env.paramTypes[i] ?? 'any';
    const ev: Eval = (_r, f) => {
      const v = f.params[i];
      if (v === undefined) {
        throw new DispatcherError(SqlState.InvalidParameterCount, `there is no parameter $${k}`);
      }
      return v;
    };
    markParam(ev, i);
    return {
      ev,
      type,
      name: '?column?',
      param: i,
    };
  }

  #binary(n0: Node, scope: Scope): Compiled {
    const hoisted = hoistNot(n0);
    if (hoisted !== n0) return this.#unary(hoisted, scope);
    const n = n0;
    const op = String(n.operator).toUpperCase();
    switch (op) {
      case 'AND':
      case 'OR': {
        const fixed = fixBoolChain(n);
        return this.#logical(String(fixed.operator).toUpperCase(), fixed, scope);
      }
      case '+':
      case '-':
      case '*':
      case '/':
      case '%': {
        const l = this.compile(n.left, scope);
        const r = this.compile(n.right, scope);
        return datetimeArith(op, n.left, n.right, l, r) ?? compileArith(op, l, r);
      }
      case '=':
      case '<>':
      case '!=':
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const l = this.compile(n.left, scope);
        const r = this.compile(n.right, scope);
        return { ev: compareOp(op, l, r), type: 'boolean', name: '?column?' };
      }
      case '||': {
        const a = this.compile(n.left, scope).ev;
        const b = this.compile(n.right, scope).ev;
        return {
          type: 'text',
          name: '?column?',
          ev: (r, f) => {
            const x = a(r, f);
            if (x === null) return null;
            const y = b(r, f);
            if (y === null) return null;
            return textOf(x) + textOf(y);
          },
        };
      }
      case 'IS':
      case 'IS NOT':
        return this.#is(op === 'IS NOT', n, scope);
      case 'BETWEEN':
      case 'NOT BETWEEN':
        return this.#between(op === 'NOT BETWEEN', n, scope);
      case 'IN':
      case 'NOT IN':
        return this.#in(op === 'NOT IN', n, scope);
      case 'LIKE':
      case 'NOT LIKE':
      case 'ILIKE':
      case 'NOT ILIKE':
        return this.#like(op.startsWith('NOT'), op.endsWith('ILIKE'), n, scope);
    }
    throw new DispatcherError(SqlState.UndefinedFunction, `operator does not exist: ${op}`);
  }

  #logical(op: string, n: Node, scope: Scope): Compiled {
    const a = this.compile(n.left, scope).ev;
    const b = this.compile(n.right, scope).ev;
    if (op === 'AND') {
      return {
        type: 'boolean',
        name: '?column?',
        ev: (r, f) => {
          const x = truth(a(r, f));
          if (x === false) return false;
          const y = truth(b(r, f));
          if (y === false) return false;
          return x === null || y === null ? null : true;
        },
      };
    }
    return {
      type: 'boolean',
      name: '?column?',
      ev: (r, f) => {
        const x = truth(a(r, f));
        if (x === true) return true;
        const y = truth(b(r, f));
        if (y === true) return true;
        return x === null || y === null ? null : false;
      },
    };
  }

  #is(negate: boolean, n: Node, scope: Scope): Compiled {
    const a = this.compile(n.left, scope).ev;
    const right = n.right;
    if (right?.type === 'null') {
      return { type: 'boolean', name: '?column?', ev: (r, f) => (a(r, f) === null) !== negate };
    }
    if (right?.type === 'bool' || right?.type === 'boolean') {
      const want = right.value === true || right.value === 'TRUE';
      return {
        type: 'boolean',
        name: '?column?',
        ev: (r, f) => (truth(a(r, f)) === want) !== negate,
      };
    }
    if (right?.type === 'default' && typeof right.value === 'string' && /^distinct\s+from\s/i.test(right.value)) {
      const other = this.#env.parseExpr(right.value.replace(/^distinct\s+from\s/i, ''));
      const b = this.compile(other, scope).ev;
      return {
        type: 'boolean',
        name: '?column?',
        ev: (r, f) => {
          const x = a(r, f);
          const y = b(r, f);
          const same = x === null || y === null ? x === y : compareNonNull(x, y) === 0;
          return same === negate;
        },
      };
    }
    if (right?.type === 'unknown' || (right?.type === 'default' && String(right.value).toLowerCase() === 'unknown')) {
      return { type: 'boolean', name: '?column?', ev: (r, f) => (truth(a(r, f)) === null) !== negate };
    }
    throw new DispatcherError(SqlState.SyntaxError, 'unsupported IS expression');
  }

  #between(negate: boolean, n: Node, scope: Scope): Compiled {
    const x = this.compile(n.left, scope);
    const bounds = n.right?.value;
    if (!Array.isArray(bounds) || bounds.length !== 2) throw new DispatcherError(SqlState.SyntaxError, 'bad BETWEEN');
    const lo = this.compile(bounds[0], scope);
    const hi = this.compile(bounds[1], scope);
    const ge = compareOp('>=', x, lo);
    const le = compareOp('<=', x, hi);
    return {
      type: 'boolean',
      name: '?column?',
      ev: (r, f) => {
        const p = ge(r, f) as boolean | null;
        const q = le(r, f) as boolean | null;
        let v: boolean | null;
        if (p === false || q === false) v = false;
        else if (p === null || q === null) v = null;
        else v = true;
        return v === null ? null : v !== negate;
      },
    };
  }

  #in(negate: boolean, n: Node, scope: Scope): Compiled {
    const x = this.compile(n.left, scope).ev;
    const list: Node[] = Array.isArray(n.right?.value) ? n.right.value : [];
    if (list.length === 1 && isSubquery(list[0])) return this.#inSubquery(negate, x, list[0], scope);
    if (n.right !== undefined && isSubquery(n.right)) return this.#inSubquery(negate, x, n.right, scope);
    const evs = list.map((e) => this.compile(e, scope).ev);
    return {
      type: 'boolean',
      name: '?column?',
      ev: (r, f) => {
        const v = x(r, f);
        if (v === null) return evs.length === 0 ? negate : null;
        let sawNull = false;
        for (let i = 0; i < evs.length; i++) {
          const w = evs[i]!(r, f);
          if (w === null) sawNull = true;
          else if (compareNonNull(v, w) === 0) return !negate;
        }
        return sawNull ? null : negate;
      },
    };
  }

  #inSubquery(negate: boolean, x: Eval, sq: Node, scope: Scope): Compiled {
    const sub = this.#env.compileSubquery(sq.ast, scope);
    if (sub.columns.length !== 1) {
      throw new DispatcherError(SqlState.SyntaxError, 'subquery has too many columns');
    }
    const node = sub.node;
    const id = sub.id;
    interface InSet {
      keys: Set<string>;
      hasNull: boolean;
      empty: boolean;
    }
    const build = (r: Row, f: Frame): InSet => {
      const rows = runPlan(node, childFrame(f, r));
      const keys = new Set<string>();
      let hasNull = false;
      for (const row of rows) {
        const v = row[0]!;
        if (v === null) hasNull = true;
        else keys.add(groupKey(typeof v === 'number' || typeof v === 'bigint' ? v : v));
      }
      return { keys, hasNull, empty: rows.length === 0 };
    };
    const correlated = sub.correlated;
    return {
      type: 'boolean',
      name: '?column?',
      ev: (r, f) => {
        let s: InSet;
        if (correlated) s = build(r, f);
        else {
          const c = f.root.cache.get(id) as InSet | undefined;
          if (c === undefined) {
            s = build(r, f);
            f.root.cache.set(id, s);
          } else s = c;
        }
        if (s.empty) return negate;
        const v = x(r, f);
        if (v === null) return null;
        if (s.keys.has(groupKey(v))) return !negate;
        if (typeof v === 'string' && s.keys.size > 0) {
          // text compared with numbers: fall back to value comparison
          const n = Number(v);
          if (!Number.isNaN(n) && s.keys.has(groupKey(n))) return !negate;
        }
        return s.hasNull ? null : negate;
      },
    };
  }

  #like(negate: boolean, ci: boolean, n: Node, scope: Scope): Compiled {
    const x = this.compile(n.left, scope).ev;
    const patNode = n.right;
    const escNode = patNode?.escape?.value;
    const p = this.compile(patNode, scope).ev;
    const esc = escNode === undefined ? null : this.compile(escNode, scope).ev;
    let lastPat: string | null = null;
    let lastEsc: string | null = null;
    let lastRe: RegExp | null = null;
    return {
      type: 'boolean',
      name: '?column?',
      ev: (r, f) => {
        const v = x(r, f);
        if (v === null) return null;
        const pv = p(r, f);
        if (pv === null) return null;
        let e: string | null = '\\';
        if (esc !== null) {
          const ev = esc(r, f);
          if (ev === null) return null;
          e = textOf(ev);
          if (e.length > 1) throw err(SqlState.InvalidParameterValue, 'invalid escape string');
          if (e === '') e = null;
        }
        const ps = textOf(pv);
        if (lastRe === null || ps !== lastPat || e !== lastEsc) {
          lastRe = likeRegex(ps, e, ci);
          lastPat = ps;
          lastEsc = e;
        }
        return lastRe.test(textOf(v)) !== negate;
      },
    };
  }

  #unary(n: Node, scope: Scope): Compiled {
    const op = String(n.operator).toUpperCase();
    if (op === 'NOT EXISTS') return this.#exists(true, n.expr, scope);
    // The grammar's form of EXISTS (SELECT (x) ...): an operator, not the usual function call.
    if (op === 'EXISTS') return this.#exists(false, n.expr, scope);
    const a = this.compile(n.expr, scope);
    const e = a.ev;
    switch (op) {
      case '-': {
        const t = a.type;
        return {
          type: t === 'text' ? 'any' : t,
          name: '?column?',
          ev: (r, f) => {
            const v = e(r, f);
            if (v === null) return null;
            if (typeof v === 'number') return v === 0 ? 0 : -v;
            if (typeof v === 'bigint') return normBig(-v);
            return -toNumber(v);
          },
        };
      }
      case '+':
        return { ev: e, type: a.type, name: a.name };
      case 'NOT':
      case '!':
        return {
          type: 'boolean',
          name: '?column?',
          ev: (r, f) => {
            const v = truth(e(r, f));
            return v === null ? null : !v;
          },
        };
    }
    throw new DispatcherError(SqlState.UndefinedFunction, `operator does not exist: ${op}`);
  }

  #exists(negate: boolean, sq: Node, scope: Scope): Compiled {
    const ast = isSubquery(sq) ? sq.ast : sq;
    const sub = this.#env.compileSubquery(ast, scope);
    const node = sub.node;
    const id = sub.id;
    const correlated = sub.correlated;
    return {
      type: 'boolean',
      name: 'exists',
      ev: (r, f) => {
        let found: boolean;
        if (correlated) found = runPlan(node, childFrame(f, r), 1).length > 0;
        else {
          const c = f.root.cache.get(id) as boolean | undefined;
          if (c === undefined) {
            found = runPlan(node, childFrame(f, r), 1).length > 0;
            f.root.cache.set(id, found);
          } else found = c;
        }
        return found !== negate;
      },
    };
  }

  #scalarSubquery(n: Node, scope: Scope): Compiled {
    const sub = this.#env.compileSubquery(n.ast, scope);
    if (sub.columns.length !== 1) {
      throw new DispatcherError(SqlState.SyntaxError, 'subquery must return only one column');
    }
    const node = sub.node;
    const id = sub.id;
    const run = (r: Row, f: Frame): SqlValue => {
      const rows = runPlan(node, childFrame(f, r), 2);
      if (rows.length > 1) {
        throw new DispatcherError(SqlState.CardinalityViolation, 'more than one row returned by a subquery used as an expression');
      }
      return rows.length === 0 ? null : rows[0]![0]!;
    };
    const ev: Eval = sub.correlated
      ? run
      : (r, f) => {
          const c = f.root.cache;
          if (c.has(id)) return c.get(id) as SqlValue;
          const v = run(r, f);
          c.set(id, v);
          return v;
        };
    return { ev, type: sub.columns[0]!.type, name: sub.columns[0]!.name === '?column?' ? '?column?' : sub.columns[0]!.name };
  }

  #case(n: Node, scope: Scope): Compiled {
    const subject = n.expr === null || n.expr === undefined ? null : this.compile(n.expr, scope);
    const whens: { c: Eval; r: Eval }[] = [];
    let otherwise: Eval = () => null;
    const types: ColumnType[] = [];
    for (const arm of n.args as Node[]) {
      if (arm.type === 'when') {
        const cond = this.compile(arm.cond, scope);
        const res = this.compile(arm.result, scope);
        types.push(res.type);
        whens.push({ c: subject === null ? cond.ev : compareOp('=', subject, cond), r: res.ev });
      } else {
        const res = this.compile(arm.result, scope);
        types.push(res.type);
        otherwise = res.ev;
      }
    }
    let type: ColumnType = 'any';
    for (const t of types) {
      if (t === 'any') continue;
      if (type === 'any') type = t;
      else if (type !== t) type = arithType(type, t) === 'any' ? type : arithType(type, t);
    }
    const k = whens.length;
    return {
      type,
      name: 'case',
      ev: (r, f) => {
        for (let i = 0; i < k; i++) {
          const w = whens[i]!;
          if (truth(w.c(r, f)) === true) return w.r(r, f);
        }
        return otherwise(r, f);
      },
    };
  }

  #cast(n: Node, scope: Scope): Compiled {
    if (isTangledCast(n)) return this.compile(untangleCast(n), scope);
    const target = Array.isArray(n.target) ? n.target[0] : n.target;
    const typeName = String(target?.dataType ?? 'text');
    const lower = typeName.toLowerCase();
    if (lower === 'interval') {
      const iv = this.compile(n.expr, scope).ev;
      return { type: 'text', name: 'interval', ev: (r, f) => {
        const v = iv(r, f);
        return v === null ? null : intervalText(parseInterval(textOf(v)));
      } };
    }
    const to = columnTypeOf(typeName);
    const inner = this.compile(n.expr, scope);
    const from = inner.type;
    const e = inner.ev;
    const name = n.expr?.type === 'column_ref' ? inner.name : typeNameFor(to, typeName);
    if (to === 'date' || to === 'timestamp') {
      // Checked and written in canonical form (a timestamp cast to date drops its time).
      const canon = to === 'date' ? toDate : toTimestamp;
      return { type: to, name, ev: (r, f) => {
        const v = e(r, f);
        return v === null ? null : canon(v);
      } };
    }
    return { type: to, name, ev: (r, f) => castValue(e(r, f), to, from) };
  }

  #aggregate(n: Node, scope: Scope): Compiled {
    const name = String(n.name).toLowerCase();
    if (n.over !== null && n.over !== undefined) return this.#window(n, scope);
    const argNode = n.args?.expr;
    const star = argNode?.type === 'star';
    let distinct = n.args?.distinct === 'DISTINCT';
    let arg = argNode;
    if (arg?.type === 'function' && funcName(arg) === '__dispatchdb_distinct') {
      distinct = true;
      arg = funcArgs(arg)[0];
    }
    return this.#registerAgg({ name, star, distinct, arg, n, sepNode: n.args?.separator?.delimiter, orderNodes: n.args?.orderby, filterNode: n.filter?.where }, scope);
  }

  #registerAgg(call: AggCall, scope: Scope): Compiled {
    const { name, star, distinct, arg, n, sepNode, orderNodes, filterNode } = call;
    const level = star ? 0 : outerLevel([arg, sepNode, orderNodes, filterNode], scope);
    if (level > 0) return this.#outerAggregate(level, call, scope);
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
      argC = this.compile(arg, g.raw);
    }
    const argType = argC?.type ?? 'any';
    if ((aggName === 'sum' || aggName === 'avg') && argType === 'text') {
      throw new DispatcherError(SqlState.UndefinedFunction, `function ${name}(text) does not exist`);
    }
    let extra = {};
    if (aggName === 'string_agg') {
      if (sepNode === undefined || sepNode === null) {
        throw new DispatcherError(SqlState.UndefinedFunction, 'function string_agg needs a separator argument');
      }
      const order = (Array.isArray(orderNodes) ? orderNodes : []).map((o: Node) => {
        const desc = String(o.type ?? '').toUpperCase() === 'DESC';
        const nulls = String(o.nulls ?? '').toUpperCase();
        return { ev: this.compile(o.expr, g.raw).ev, desc, nullsFirst: nulls.includes('FIRST') ? true : nulls.includes('LAST') ? false : desc };
      });
      extra = { sep: this.compile(sepNode, g.raw).ev, order };
    } else if (Array.isArray(orderNodes) && orderNodes.length > 0) {
      throw new DispatcherError(SqlState.FeatureNotSupported, `ORDER BY in ${name}() is not supported`);
    }
    if (filterNode !== null && filterNode !== undefined) {
      if (hasAggregate(filterNode)) throw new DispatcherError(SqlState.GroupingError, 'aggregate functions are not allowed in FILTER');
      extra = { ...extra, filter: this.compile(filterNode, g.raw).ev };
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
  #outerAggregate(level: number, call: AggCall, scope: Scope): Compiled {
    let target = scope;
    for (let i = 0; i < level; i++) target = target.parent!;
    if (target.grouped === null) {
      if (!target.aggregatesAllowed || target.queryAst === null) {
        throw new DispatcherError(SqlState.GroupingError, 'aggregate functions are not allowed here');
      }
      throw new GroupingReplan(target.queryAst, true);
    }
    const c = this.#registerAgg(call, target);
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

  /** A window function call: the query level's collector computes it (window-plan.ts). */
  #window(n: Node, scope: Scope): Compiled {
    if (scope.windows === null) throw new DispatcherError(WINDOWING_ERROR, 'window functions are not allowed here');
    return scope.windows.register(n, scope);
  }

  #function(n: Node, scope: Scope): Compiled {
    if (n.over !== null && n.over !== undefined) return this.#window(n, scope);
    const name = funcName(n);
    const argNodes = funcArgs(n);
    if (name === 'exists') return this.#exists(false, argNodes[0], scope);
    if (name === 'not' && argNodes.length === 1) {
      return this.#unary({ type: 'unary_expr', operator: 'NOT', expr: argNodes[0] }, scope);
    }
    if (AGG_NAMES.has(name) && name !== 'every') {
      let a = argNodes[0];
      let distinct = false;
      if (a?.type === 'function' && funcName(a) === '__dispatchdb_distinct') {
        distinct = true;
        a = funcArgs(a)[0];
      }
      return this.#registerAgg({ name, star: a?.type === 'star', distinct, arg: a, n, sepNode: argNodes[1], orderNodes: n.args?.orderby }, scope);
    }
    if (name === '__dispatchdb_distinct') {
      throw new DispatcherError(SqlState.SyntaxError, 'DISTINCT is only allowed in aggregate calls');
    }
    if (name === 'trim' || name === 'btrim') return this.#trim(argNodes, scope);
    if (name === 'position') {
      // position(a IN b) arrives as [a, 'in', b].
      let vals = argNodes.filter((a) => !(a?.type === 'origin' && String(a.value).toLowerCase() === 'in'));
      const only = vals[0];
      if (vals.length === 1 && only?.type === 'binary_expr' && String(only.operator).toUpperCase() === 'IN') {
        vals = [only.left, only.right?.type === 'expr_list' && only.right.value?.length === 1 ? only.right.value[0] : only.right];
      }
      const c = compileFunction('strpos', vals.reverse().map((a) => this.compile(a, scope)));
      return { ev: c.ev, type: c.type, name: 'position' };
    }
    const args: Arg[] = argNodes.map((a) => this.compile(a, scope));
    const dt = datetimeFunction(name, args, argNodes);
    if (dt !== null) return { ev: dt.ev, type: dt.type, name };
    const c = compileFunction(name, args);
    return c.shape === undefined ? { ev: c.ev, type: c.type, name } : { ev: c.ev, type: c.type, name, shape: c.shape };
  }

  #trim(argNodes: Node[], scope: Scope): Compiled {
    // trim([both|leading|trailing] [chars] [from] s) arrives as a flat list of words and values.
    let mode = 'trim';
    const vals: Node[] = [];
    let sawFrom = false;
    for (const a of argNodes) {
      if (a?.type === 'origin') {
        const w = String(a.value).toLowerCase();
        if (w === 'leading') mode = 'ltrim';
        else if (w === 'trailing') mode = 'rtrim';
        else if (w === 'from') sawFrom = true;
        continue;
      }
      vals.push(a);
    }
    const compiled = vals.map((a) => this.compile(a, scope));
    const ordered = sawFrom && compiled.length === 2 ? [compiled[1]!, compiled[0]!] : compiled;
    const c = compileFunction(mode, ordered);
    return { ev: c.ev, type: c.type, name: 'btrim' };
  }
}

function typeNameFor(t: ColumnType, declared: string): string {
  switch (t) {
    case 'integer':
      return 'int4';
    case 'bigint':
      return 'int8';
    case 'real':
      return declared.toLowerCase() === 'real' ? 'float4' : 'float8';
    case 'boolean':
      return 'bool';
    default:
      return declared.toLowerCase().replace(/\(.*$/, '');
  }
}
