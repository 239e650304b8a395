// Subqueries inside expressions: a scalar subquery, EXISTS and IN (SELECT ...). Each runs its plan
// in a child frame of the row's; an uncorrelated one runs once and is kept in the root frame's cache.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { Row, SqlValue } from '../storage/ports.js';
import type { Eval, Frame } from './runtime.js';
import { childFrame, runPlan, runPlanColumn } from './runtime.js';
import type { Scope } from './scope.js';
import { isSubquery, type Node } from './ast.js';
import { ValueSet } from './value-set.js';
import type { Compiled, ExprEnv } from './expr.js';

export function compileScalarSubquery(env: ExprEnv, n: Node, scope: Scope): Compiled {
  const sub = env.compileSubquery(n.ast, scope);
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

export function compileExists(env: ExprEnv, negate: boolean, sq: Node, scope: Scope): Compiled {
  const ast = isSubquery(sq) ? sq.ast : sq;
  const sub = env.compileSubquery(ast, scope);
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

export function compileInSubquery(env: ExprEnv, negate: boolean, x: Eval, sq: Node, scope: Scope): Compiled {
  const sub = env.compileSubquery(sq.ast, scope);
  if (sub.columns.length !== 1) {
    throw new DispatcherError(SqlState.SyntaxError, 'subquery has too many columns');
  }
  const node = sub.node;
  const id = sub.id;
  const build = (r: Row, f: Frame): ValueSet => {
    const col = runPlanColumn(node, childFrame(f, r));
    const set = new ValueSet(col.values as readonly SqlValue[] | Float64Array, col.length);
    col.release();
    return set;
  };
  const correlated = sub.correlated;
  return {
    type: 'boolean',
    name: '?column?',
    ev: (r, f) => {
      let s: ValueSet;
      if (correlated) s = build(r, f);
      else {
        const c = f.root.cache.get(id) as ValueSet | undefined;
        if (c === undefined) {
          s = build(r, f);
          f.root.cache.set(id, s);
        } else s = c;
      }
      if (s.size === 0 && !s.hasNull) return negate;
      const v = x(r, f);
      if (v === null) return null;
      if (s.has(v)) return !negate;
      return s.hasNull ? null : negate;
    },
  };
}
