// `x op ANY (ARRAY[a, b, ...])` and `x op ALL (ARRAY[...])`, PostgreSQL's comparisons with each
// element of an array literal, for an engine without an array type: `= ANY` is `x IN (a, b, ...)`
// and `<> ALL` is `x NOT IN (...)` (so the planner probes an index with them as with IN); any
// other operator is the OR (ANY, SOME) or AND (ALL) of the comparisons, which is exactly their
// three-valued answer; an empty array makes ANY false and ALL true.
import { rewriteAst } from './ast-rewrite.js';

/** Whether the statement text may hold one (the walk is skipped otherwise). */
export function mayArrayQuantifier(text: string): boolean {
  return /\b(any|some|all)\s*\(\s*array\s*\[/i.test(text);
}

type N = Record<string, unknown>;

function quantifier(n: unknown): 'any' | 'all' | null {
  if (n === null || typeof n !== 'object' || (n as N)['type'] !== 'function') return null;
  const name = (n as N)['name'] as { name?: readonly { value?: unknown }[] } | string | undefined;
  const parts = typeof name === 'object' && name !== null ? name.name : undefined;
  const text = typeof name === 'string' ? name : parts?.length === 1 ? parts[0]?.value : undefined;
  if (typeof text !== 'string') return null;
  const t = text.toLowerCase();
  return t === 'any' || t === 'some' ? 'any' : t === 'all' ? 'all' : null;
}

/** The element expressions of the call's one argument, when it is an array literal; else null. */
function arrayElements(call: N): unknown[] | null {
  const args = call['args'] as { value?: unknown[] } | undefined;
  const values = Array.isArray(args?.value) ? args.value : [];
  if (values.length !== 1) return null;
  const a = values[0] as N | null;
  if (a === null || typeof a !== 'object' || a['type'] !== 'array') return null;
  const list = a['expr_list'] as { value?: unknown[] } | undefined;
  return Array.isArray(list?.value) ? list.value : [];
}

const COMPARISONS = new Set(['=', '<>', '!=', '<', '<=', '>', '>=']);

function rewrite(o: N): N {
  if (o['type'] !== 'binary_expr' || !COMPARISONS.has(String(o['operator']))) return o;
  const q = quantifier(o['right']);
  if (q === null) return o;
  const items = arrayElements(o['right'] as N);
  if (items === null) return o;
  const op = String(o['operator']);
  if (items.length === 0) return { type: 'bool', value: q === 'all' };
  if (q === 'any' && op === '=') return { type: 'binary_expr', operator: 'IN', left: o['left'], right: { type: 'expr_list', value: items } };
  if (q === 'all' && (op === '<>' || op === '!=')) return { type: 'binary_expr', operator: 'NOT IN', left: o['left'], right: { type: 'expr_list', value: items } };
  const join = q === 'any' ? 'OR' : 'AND';
  let out: N | null = null;
  for (const item of items) {
    const cmp: N = { type: 'binary_expr', operator: op, left: o['left'], right: item };
    out = out === null ? cmp : { type: 'binary_expr', operator: join, left: out, right: cmp, parentheses: true };
  }
  return { ...out!, parentheses: true };
}

/** Rewrites every such comparison under `root` in place (innermost first). */
export function rewriteArrayQuantifiers(root: unknown): void {
  rewriteAst(root, rewrite);
}
