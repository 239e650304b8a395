// The grammar reads `(SELECT (expr))` — a subquery whose select list starts with a parenthesis —
// as a call of a function named SELECT. This turns such calls back into the scalar subqueries
// they are, so `SELECT (SELECT (SELECT 1))` is 1 rather than 42883 "function select() does not
// exist".
import { rewriteAst } from './ast-rewrite.js';
import { selectOf } from '../execution/ast.js';

/** Whether the statement text may hold such a call (the walk is skipped otherwise). */
export function maySelectCall(text: string): boolean {
  return /select\s*\(/i.test(text) && /\(\s*select\s*\(/i.test(text);
}

function isSelectCall(n: Record<string, unknown>): boolean {
  if (n['type'] !== 'function') return false;
  const name = n['name'] as { name?: readonly { value?: unknown }[] } | string | undefined;
  const parts = typeof name === 'object' && name !== null ? name.name : undefined;
  const text = typeof name === 'string' ? name : parts?.length === 1 ? parts[0]?.value : undefined;
  return typeof text === 'string' && text.toLowerCase() === 'select';
}

/** A subquery node (as the grammar writes one) of a SELECT without FROM listing the call's arguments. */
function subqueryOf(call: Record<string, unknown>): Record<string, unknown> {
  const args = call['args'] as { value?: unknown[] } | undefined;
  const values = Array.isArray(args?.value) ? args.value : [];
  const ast: unknown = selectOf(values.map((expr) => ({ type: 'expr', expr, as: null })));
  return { tableList: [], columnList: [], ast, parentheses: true };
}

/** Rewrites every SELECT call under `root` in place (innermost first). */
export function repairSelectCalls(root: unknown): void {
  rewriteAst(root, (o) => (isSelectCall(o) ? subqueryOf(o) : o));
}
