// Reading node-sql-parser's postgresql AST: names, literals, aggregate detection, canonical keys,
// and the repairs the grammar needs (AND/OR precedence, NOT over comparisons).
import type { ColumnType, SqlValue } from '../storage/ports.js';
import type { Scope } from './scope.js';
import { AGG_NAMES } from './aggregates.js';
import { normBig } from './values.js';

// node-sql-parser's AST is untyped JSON; the compiler checks shapes as it goes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Node = any;

export function isSubquery(n: Node): boolean {
  return n !== null && typeof n === 'object' && n.ast !== undefined && n.type === undefined;
}

export function identName(x: Node): string {
  if (x === null || x === undefined) return '';
  if (typeof x === 'string') return x.toLowerCase();
  if (typeof x === 'object') {
    if (x.expr !== undefined) return identName(x.expr);
    if (x.type === 'double_quote_string' || x.type === 'backticks_quote_string') return String(x.value);
    if (x.value !== undefined) return String(x.value).toLowerCase();
  }
  return String(x).toLowerCase();
}

export function colRefTable(n: Node): string | null {
  const t = n.table;
  if (t === null || t === undefined) return null;
  return identName(t);
}

export function funcName(n: Node): string {
  const nm = n.name;
  if (typeof nm === 'string') return nm.toLowerCase();
  const parts = nm?.name;
  if (Array.isArray(parts) && parts.length > 0) return String(parts[parts.length - 1].value).toLowerCase();
  return '';
}

/** A FROM-less SELECT of `columns` (`{ type: 'expr', expr, as }` each), as the grammar would give it. */
export function selectOf(columns: Node[]): Node {
  return {
    with: null,
    type: 'select',
    options: null,
    distinct: { type: null },
    columns,
    into: { position: null },
    from: null,
    where: null,
    groupby: null,
    having: null,
    orderby: null,
    limit: { seperator: '', value: [] },
    window: null,
  };
}

export function funcArgs(n: Node): Node[] {
  const a = n.args;
  if (a === null || a === undefined) return [];
  if (Array.isArray(a.value)) return a.value;
  if (Array.isArray(a)) return a;
  return [];
}

function isBoolOp(n: Node): boolean {
  if (n === null || typeof n !== 'object' || n.type !== 'binary_expr') return false;
  const op = String(n.operator).toUpperCase();
  return op === 'AND' || op === 'OR';
}

/**
 * node-sql-parser's postgresql grammar gives AND and OR the same precedence (`a OR b AND c`
 * arrives as `(a OR b) AND c`). Rebuilds an unparenthesized AND/OR chain with AND binding
 * tighter, as SQL requires; parenthesized groups (flagged by the parser) stay atoms.
 */
export function fixBoolChain(n: Node): Node {
  if (!isBoolOp(n) || n.__assoc === true) return n;
  const atoms: Node[] = [];
  const ops: string[] = [];
  const flatten = (x: Node, top: boolean): void => {
    if (isBoolOp(x) && (top || x.parentheses !== true) && x.__assoc !== true) {
      flatten(x.left, false);
      ops.push(String(x.operator).toUpperCase());
      flatten(x.right, false);
    } else atoms.push(x);
  };
  flatten(n, true);
  const mk = (op: string, left: Node, right: Node): Node => ({ type: 'binary_expr', operator: op, left, right, __assoc: true });
  const ors: Node[] = [];
  let cur = atoms[0];
  for (let i = 0; i < ops.length; i++) {
    if (ops[i] === 'AND') cur = mk('AND', cur, atoms[i + 1]);
    else {
      ors.push(cur);
      cur = atoms[i + 1];
    }
  }
  ors.push(cur);
  let out = ors[0];
  for (let i = 1; i < ors.length; i++) out = mk('OR', out, ors[i]);
  if (out !== null && typeof out === 'object' && n.parentheses === true) out = { ...out, parentheses: true };
  return out;
}

/**
 * The grammar reads `NOT (x) IS NULL` as a call NOT(x) on the left of IS; SQL's NOT binds looser
 * than every comparison and arithmetic operator. Hoists such a leading NOT over its binary chain.
 */
export function hoistNot(n: Node): Node {
  const path: Node[] = [];
  let cur: Node = n;
  while (cur !== null && typeof cur === 'object' && cur.type === 'binary_expr' && !isBoolOp(cur)) {
    if (cur !== n && cur.parentheses === true) break;
    path.push(cur);
    cur = cur.left;
  }
  if (path.length === 0 || cur?.type !== 'function' || funcName(cur) !== 'not' || funcArgs(cur).length !== 1) return n;
  let rebuilt: Node = funcArgs(cur)[0];
  for (let i = path.length - 1; i >= 0; i--) rebuilt = { ...path[i], left: rebuilt, parentheses: false };
  return { type: 'unary_expr', operator: 'NOT', expr: rebuilt, ...(n.parentheses === true ? { parentheses: true } : {}) };
}

/** True when the expression contains an aggregate call of its own query level (an aggregate
 *  with OVER is a window function; aggregates in its arguments or window still count). */
export function hasAggregate(n: Node): boolean {
  if (n === null || typeof n !== 'object') return false;
  if (Array.isArray(n)) return n.some(hasAggregate);
  if (isSubquery(n)) return false;
  const windowed = n.over !== null && n.over !== undefined;
  if (n.type === 'aggr_func' && !windowed) return true;
  if (n.type === 'function' && !windowed && AGG_NAMES.has(funcName(n))) return true;
  for (const k of Object.keys(n)) {
    if (k === 'ast' || k === 'loc') continue;
    const v = n[k];
    if (v !== null && typeof v === 'object' && hasAggregate(v)) return true;
  }
  return false;
}

/** PostgreSQL's windowing_error. */
export const WINDOWING_ERROR = '42P20';

/** True when the expression contains a window function call of its own query level. */
export function hasWindow(n: Node): boolean {
  if (n === null || typeof n !== 'object') return false;
  if (Array.isArray(n)) return n.some(hasWindow);
  if (isSubquery(n) || n.type === 'select') return false;
  if (n.type === 'window_func') return true;
  if ((n.type === 'aggr_func' || n.type === 'function') && n.over !== null && n.over !== undefined) return true;
  for (const k of Object.keys(n)) {
    if (k === 'ast' || k === 'loc') continue;
    const v = n[k];
    if (v !== null && typeof v === 'object' && hasWindow(v)) return true;
  }
  return false;
}

/** A canonical text of an expression with column references resolved (GROUP BY matching). */
export function exprKey(n: Node, scope: Scope): string {
  return JSON.stringify(n, (k, v) => {
    if (k === 'loc' || k === 'collate' || k === 'parentheses' || k === '__assoc') return undefined;
    if (v !== null && typeof v === 'object' && v.type === 'column_ref' && typeof v.column !== 'string') {
      const t = colRefTable(v);
      const c = identName(v.column);
      try {
        const hit = scope.findLocal(t, c);
        if (hit !== undefined) return `#${hit.source.index}.${hit.col}`;
      } catch {
        // ambiguous: leave it to compilation to report
      }
      return `#?${t ?? ''}.${c}`;
    }
    return v;
  });
}

export function literalValue(n: Node): { v: SqlValue; type: ColumnType } | undefined {
  switch (n.type) {
    case 'number': {
      const v = n.value;
      if (typeof v === 'number') return { v, type: Number.isInteger(v) ? 'integer' : 'numeric' };
      const s = String(v);
      if (/^-?\d+$/.test(s)) return { v: normBig(BigInt(s)), type: 'integer' };
      return { v: Number(s), type: 'numeric' };
    }
    case 'bigint': {
      const s = String(n.value);
      if (/^-?\d+$/.test(s)) {
        const b = BigInt(s);
        if (b >= -(2n ** 63n) && b < 2n ** 63n) return { v: normBig(b), type: 'bigint' };
        return { v: Number(s), type: 'numeric' };
      }
      return { v: Number(s), type: 'numeric' };
    }
    case 'single_quote_string':
    case 'string':
    case 'natural_string':
    case 'escape_string':
      return { v: String(n.value).replace(/''/g, "'"), type: 'text' };
    case 'bool':
    case 'boolean':
      return { v: n.value === true || n.value === 'TRUE' || n.value === 'true', type: 'boolean' };
    case 'null':
      return { v: null, type: 'any' };
  }
  return undefined;
}
