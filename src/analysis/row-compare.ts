// Row constructors compared with `=`, `<>`, `<`, `<=`, `>`, `>=` or listed with [NOT] IN, for an
// engine whose values are scalars: `(a, b) = (x, y)` is `a = x AND b = y`, `<>` the OR of the
// pairs' `<>`, an ordering comparison the pairs left to right (`a < x OR (a = x AND b < y)`,
// which is NULL exactly where PostgreSQL's stops at a NULL pair), and `(a, b) IN ((1, 2), ...)`
// the OR of the rows' equalities (NOT IN its negation). `ROW(a, b)` is `(a, b)`. Rows of
// different lengths are 42601; a row IN a subquery is left to the compiler (not supported).
import { rewriteAst } from './ast-rewrite.js';
import { DispatcherError, SqlState } from '../api/errors.js';

type N = Record<string, unknown>;

/** Whether the statement text may hold one (the walk is skipped otherwise). */
export function mayRowCompare(text: string): boolean {
  return /\)\s*(=|<>|!=|<=|>=|<|>|in\b|not\s+in\b)\s*(\(|row\b)/i.test(text) || /\brow\s*\(/i.test(text);
}

/** The elements of a row constructor of two or more, or null. */
function rowOf(n: unknown): unknown[] | null {
  if (n === null || typeof n !== 'object') return null;
  const o = n as N;
  if (o['type'] === 'expr_list' && Array.isArray(o['value']) && (o['value'] as unknown[]).length > 1) return o['value'] as unknown[];
  if (o['type'] === 'function') {
    const parts = (o['name'] as { name?: readonly { value?: unknown }[] } | undefined)?.name;
    if (parts?.length === 1 && String(parts[0]?.value).toLowerCase() === 'row') {
      const args = (o['args'] as { value?: unknown[] } | undefined)?.value;
      return Array.isArray(args) ? args : [];
    }
  }
  return null;
}

const bin = (operator: string, left: unknown, right: unknown): N => ({ type: 'binary_expr', operator, left, right, parentheses: true });

function chain(op: 'AND' | 'OR', parts: N[]): N {
  let out = parts[0]!;
  for (let i = 1; i < parts.length; i++) out = bin(op, out, parts[i]);
  return out;
}

function sameLength(l: readonly unknown[], r: readonly unknown[]): void {
  if (l.length !== r.length) throw new DispatcherError(SqlState.SyntaxError, 'unequal number of entries in row expressions');
}

/** `l op r` for rows of equal length. */
function compareRows(op: string, l: readonly unknown[], r: readonly unknown[]): N {
  sameLength(l, r);
  if (op === '=') return chain('AND', l.map((x, i) => bin('=', x, r[i])));
  if (op === '<>' || op === '!=') return chain('OR', l.map((x, i) => bin('<>', x, r[i])));
  // Ordering: decided by the first pair that is not equal; the last pair takes op itself.
  const strict = op === '<=' ? '<' : op === '>=' ? '>' : op;
  let out = bin(op, l[l.length - 1], r[r.length - 1]);
  for (let i = l.length - 2; i >= 0; i--) out = bin('OR', bin(strict, l[i], r[i]), bin('AND', bin('=', l[i], r[i]), out));
  return out;
}

const ORDERING = new Set(['=', '<>', '!=', '<', '<=', '>', '>=']);

function rewrite(o: N): N {
  if (o['type'] !== 'binary_expr') return o;
  const op = String(o['operator']).toUpperCase();
  const l = rowOf(o['left']);
  if (l === null) return o;
  if (ORDERING.has(op)) {
    const r = rowOf(o['right']);
    return r === null ? o : { ...compareRows(op, l, r), parentheses: true };
  }
  if (op !== 'IN' && op !== 'NOT IN') return o;
  const list = o['right'] as N | null;
  const items = list?.['type'] === 'expr_list' && Array.isArray(list['value']) ? (list['value'] as unknown[]) : null;
  if (items === null) return o;
  const rows = items.map(rowOf);
  if (rows.some((r) => r === null)) return o;
  const any = chain('OR', rows.map((r) => compareRows('=', l, r!)));
  return op === 'IN' ? { ...any, parentheses: true } : { type: 'unary_expr', operator: 'NOT', expr: any, parentheses: true };
}

/** Rewrites every such comparison under `root` in place (innermost first). */
export function rewriteRowComparisons(root: unknown): void {
  rewriteAst(root, rewrite);
}
