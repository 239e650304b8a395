// Expression compiler: turns node-sql-parser expression nodes into closures over a row layout
// (see scope.ts), typed statically where the types are known so the closures stay branch-light.
// The dispatch, column and parameter reads, arithmetic, comparison, logic and CASE live here; the
// predicates, subqueries, casts, aggregate calls and function calls in expr-*.ts beside it.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ColumnType, SqlValue } from '../storage/ports.js';
import type { ParamType, ResultColumn } from './types.js';
import type { Eval, Frame, PlanNode } from './runtime.js';
import { markParam } from './param-slots.js';
import type { Scope } from './scope.js';
import type { ExprShape } from './expr-shape.js';
import { AGG_NAMES } from './aggregates.js';
import { compileRegexMatch } from './regex-match.js';
import { asJsonbPair, compileJsonOp, jsonConcat } from './json-ops.js';
import {
  exprKey,
  fixBoolChain,
  funcArgs,
  funcName,
  hoistNot,
  identName,
  isSubquery,
  literalValue,
  colRefTable,
  WINDOWING_ERROR,
  type Node,
} from './ast.js';
import { arithType, compareOp, compileArith } from './expr-ops.js';
import { compileExtract, datetimeArith, datetimeLiteral } from './datetime.js';
import { intervalScale } from './datetime-extras.js';
import { normBig, textOf, toNumber, truth } from './values.js';
import { compileBetween, compileIn, compileIs, compileLike } from './expr-predicates.js';
import { compileExists, compileScalarSubquery } from './expr-subqueries.js';
import { compileCast } from './expr-cast.js';
import { compileAggregate, compileAggregateFunction } from './expr-aggregates.js';
import { compileCall } from './expr-calls.js';

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
    if (isSubquery(n)) return compileScalarSubquery(this.#env, n, scope);
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
        return compileCast(this, n, scope);
      case 'aggr_func':
        if (n.over !== null && n.over !== undefined) return this.#window(n, scope);
        return compileAggregate(this, n, scope);
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
        return compileScalarSubquery(this.#env, { ast: n }, scope);
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
        return intervalScale(op, n.left, n.right, l, r) ?? datetimeArith(op, n.left, n.right, l, r) ?? compileArith(op, l, r);
      }
      case '=':
      case '<>':
      case '!=':
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const [l, r] = asJsonbPair(this.compile(n.left, scope), this.compile(n.right, scope));
        return { ev: compareOp(op, l, r), type: 'boolean', name: '?column?' };
      }
      case '||': {
        const lc = this.compile(n.left, scope);
        const rc = this.compile(n.right, scope);
        const js = jsonConcat(lc, rc);
        if (js !== null) return js;
        const a = lc.ev;
        const b = rc.ev;
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
        return compileIs(this, op === 'IS NOT', n, scope);
      case 'BETWEEN':
      case 'NOT BETWEEN':
        return compileBetween(this, op === 'NOT BETWEEN', n, scope);
      case 'IN':
      case 'NOT IN':
        return compileIn(this, op === 'NOT IN', n, scope);
      case 'LIKE':
      case 'NOT LIKE':
      case 'ILIKE':
      case 'NOT ILIKE':
        return compileLike(this, op.startsWith('NOT'), op.endsWith('ILIKE'), n, scope);
    }
    const rx = compileRegexMatch(this, op, n, scope) ?? compileJsonOp(this, op, n, scope);
    if (rx !== null) return rx;
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

  #unary(n: Node, scope: Scope): Compiled {
    const op = String(n.operator).toUpperCase();
    if (op === 'NOT EXISTS') return compileExists(this.#env, true, n.expr, scope);
    // The grammar's form of EXISTS (SELECT (x) ...): an operator, not the usual function call.
    if (op === 'EXISTS') return compileExists(this.#env, false, n.expr, scope);
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

  /** A window function call: the query level's collector computes it (window-plan.ts). */
  #window(n: Node, scope: Scope): Compiled {
    if (scope.windows === null) throw new DispatcherError(WINDOWING_ERROR, 'window functions are not allowed here');
    return scope.windows.register(n, scope);
  }

  #function(n: Node, scope: Scope): Compiled {
    if (n.over !== null && n.over !== undefined) return this.#window(n, scope);
    const name = funcName(n);
    const argNodes = funcArgs(n);
    if (name === 'exists') return compileExists(this.#env, false, argNodes[0], scope);
    if (name === 'not' && argNodes.length === 1) {
      return this.#unary({ type: 'unary_expr', operator: 'NOT', expr: argNodes[0] }, scope);
    }
    if (AGG_NAMES.has(name)) return compileAggregateFunction(this, name, argNodes, n, scope);
    return compileCall(this, name, argNodes, scope);
  }
}
