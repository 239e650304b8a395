// GROUP BY ROLLUP (...) and CUBE (...): the query once per grouping set, joined by UNION ALL. In
// each copy the grouping columns its set leaves out read NULL outside aggregates, `grouping(a,
// ...)` is the bit mask of the columns left out (first argument highest), and the ORDER BY and
// LIMIT of the query go to the union (ORDER BY an expression of the select list becomes its
// position). ROLLUP (a, b) gives the sets (a, b), (a), (); CUBE (a, b): (a, b), (a), (b), ().
import { DispatcherError, SqlState } from '../api/errors.js';

type N = Record<string, unknown>;

/** Whether the statement text may hold one (the walk is skipped otherwise). */
export function mayGroupingSets(text: string): boolean {
  return /\b(rollup|cube)\s*\(/i.test(text);
}

function callName(n: unknown): string | null {
  if (n === null || typeof n !== 'object' || (n as N)['type'] !== 'function') return null;
  const parts = ((n as N)['name'] as { name?: readonly { value?: unknown }[] } | undefined)?.name;
  return parts?.length === 1 ? String(parts[0]?.value).toLowerCase() : null;
}

function argsOf(n: N): unknown[] {
  const v = (n['args'] as { value?: unknown[] } | undefined)?.value;
  return Array.isArray(v) ? v : [];
}

const keyOf = (n: unknown): string => JSON.stringify(n, (k, v: unknown) => (k === 'collate' || k === 'parentheses' ? undefined : v));

const AGGREGATES = new Set(['count', 'sum', 'avg', 'min', 'max', 'total', 'string_agg', 'group_concat', 'bool_and', 'bool_or', 'every', 'variance', 'var_samp', 'var_pop', 'stddev', 'stddev_samp', 'stddev_pop']);

/** Copies `n`, with left-out grouping columns as NULL and grouping() as its mask (not inside aggregates or subqueries). */
function substitute(n: unknown, out: ReadonlySet<string>, all: readonly string[]): unknown {
  if (Array.isArray(n)) return n.map((x) => substitute(x, out, all));
  if (n === null || typeof n !== 'object') return n;
  const o = n as N;
  if (o['type'] === 'aggr_func' || o['ast'] !== undefined || o['type'] === 'select') return structuredClone(o);
  const name = callName(o);
  if (name !== null && AGGREGATES.has(name)) return structuredClone(o);
  if (name === 'grouping') {
    let mask = 0;
    for (const a of argsOf(o)) {
      const k = keyOf(a);
      if (!all.includes(k)) throw new DispatcherError(SqlState.GroupingError, 'arguments to GROUPING must be grouping expressions of the associated query level');
      mask = mask * 2 + (out.has(k) ? 1 : 0);
    }
    return { type: 'number', value: mask };
  }
  if (out.has(keyOf(o))) return { type: 'null', value: null };
  const copy: N = {};
  for (const k of Object.keys(o)) copy[k] = substitute(o[k], out, all);
  return copy;
}

/** The grouping sets of a GROUP BY list with ROLLUP / CUBE items, or null without them. */
function groupingSets(items: readonly unknown[]): unknown[][] | null {
  if (!items.some((i) => callName(i) === 'rollup' || callName(i) === 'cube')) return null;
  let sets: unknown[][] = [[]];
  for (const item of items) {
    const name = callName(item);
    if (name !== 'rollup' && name !== 'cube') {
      sets = sets.map((s) => [...s, item]);
      continue;
    }
    const args = argsOf(item as N);
    const parts: unknown[][] = [];
    if (name === 'rollup') for (let k = args.length; k >= 0; k--) parts.push(args.slice(0, k));
    else {
      // Subsets by falling size, each in argument order (PostgreSQL's order).
      const n = args.length;
      const masks = Array.from({ length: 1 << n }, (_, m) => m).sort((a, b) => popcount(b) - popcount(a) || b - a);
      for (const m of masks) parts.push(args.filter((_, i) => (m & (1 << (n - 1 - i))) !== 0));
    }
    sets = sets.flatMap((s) => parts.map((p) => [...s, ...p]));
  }
  return sets;
}

function popcount(m: number): number {
  let c = 0;
  for (let x = m; x !== 0; x &= x - 1) c++;
  return c;
}

function expand(sel: N): N {
  const gb = sel['groupby'] as { columns?: unknown[] } | unknown[] | null | undefined;
  const items = Array.isArray(gb) ? gb : Array.isArray(gb?.columns) ? gb.columns : null;
  const sets = items === null ? null : groupingSets(items);
  if (sets === null) return sel;
  if (sel['_next'] !== undefined && sel['_next'] !== null) {
    throw new DispatcherError(SqlState.FeatureNotSupported, 'ROLLUP and CUBE in a UNION, INTERSECT or EXCEPT are not supported');
  }
  const all = [...new Set(sets.flat().map(keyOf))];
  const columns = sel['columns'] as { expr?: unknown }[];
  // ORDER BY an expression of the select list: its position in the union.
  const orderby = ((sel['orderby'] as N[] | null) ?? null)?.map((o) => {
    const at = Array.isArray(columns) ? columns.findIndex((c) => keyOf(c.expr) === keyOf(o['expr'])) : -1;
    return at >= 0 ? { ...o, expr: { type: 'number', value: at + 1 } } : o;
  });
  const copies = sets.map((s) => {
    const keep = new Set(s.map(keyOf));
    const out = new Set(all.filter((k) => !keep.has(k)));
    const c: N = {};
    for (const k of Object.keys(sel)) {
      if (k === 'groupby') c[k] = s.length === 0 ? null : { columns: structuredClone(s), modifiers: [] };
      else if (k === 'columns' || k === 'having') c[k] = substitute(sel[k], out, all);
      else if (k === 'orderby') c[k] = null;
      else if (k === 'limit') c[k] = { seperator: '', value: [] };
      else c[k] = structuredClone(sel[k]);
    }
    return c;
  });
  for (let i = 0; i < copies.length - 1; i++) {
    copies[i]!['set_op'] = 'union all';
    copies[i]!['_next'] = copies[i + 1];
  }
  const last = copies[copies.length - 1]!;
  last['orderby'] = orderby ?? null;
  last['limit'] = sel['limit'] ?? null;
  return copies[0]!;
}

/** Rewrites every SELECT with ROLLUP / CUBE under `root`; returns the (possibly new) root. */
export function rewriteGroupingSets(root: unknown): unknown {
  const visit = (n: unknown, inChain: boolean): unknown => {
    if (Array.isArray(n)) {
      for (let i = 0; i < n.length; i++) n[i] = visit(n[i], false);
      return n;
    }
    if (n === null || typeof n !== 'object') return n;
    const o = n as N;
    for (const k of Object.keys(o)) o[k] = visit(o[k], k === '_next');
    if (o['type'] !== 'select') return o;
    const expanded = expand(o);
    if (expanded !== o && inChain) throw new DispatcherError(SqlState.FeatureNotSupported, 'ROLLUP and CUBE in a UNION, INTERSECT or EXCEPT are not supported');
    return expanded;
  };
  return visit(root, false);
}
