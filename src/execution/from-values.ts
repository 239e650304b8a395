// FROM items the postgresql grammar hands over half-read: a column alias list arrives glued to its
// alias (`AS v(x, y)` as the one string "v(x, y)"), and `(VALUES ...)` as a bare values node. The
// alias is split here, and VALUES becomes the UNION ALL of one FROM-less SELECT per row, which the
// planner already knows how to type and run (PostgreSQL names its columns column1, column2, ...).
import { DispatcherError, SqlState } from '../api/errors.js';
import { selectOf, type Node } from './ast.js';

export interface FromAlias {
  readonly name: string;
  /** Column names of `AS name(a, b)`, or null without a list. */
  readonly columns: readonly string[] | null;
}

/** An identifier as written: a quoted one keeps its spelling, a bare one is folded to lower case. */
function ident(raw: string): string {
  const t = raw.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).replace(/""/g, '"') : t.toLowerCase();
}

export function splitAlias(as: string): FromAlias {
  const m = /^\s*("(?:[^"]|"")*"|[^\s(]+)\s*\((.*)\)\s*$/s.exec(as);
  if (m === null) return { name: as, columns: null };
  const list = m[2]!.trim();
  if (list === '') throw new DispatcherError(SqlState.SyntaxError, `syntax error at or near ")" in alias "${as}"`);
  return { name: ident(m[1]!), columns: list.split(',').map(ident) };
}

/** Renames the first columns of a FROM item to an alias list (42P10 when the list is longer). */
export function renameColumns<C extends { readonly name: string }>(source: string, cols: readonly C[], names: readonly string[] | null): C[] {
  if (names === null) return cols.slice();
  if (names.length > cols.length) {
    throw new DispatcherError(
      SqlState.InvalidColumnReference,
      `table "${source}" has ${cols.length} columns available but ${names.length} columns specified`,
    );
  }
  return cols.map((c, i) => (i < names.length ? { ...c, name: names[i]! } : c));
}

/** `VALUES (a, b), (c, d)` as `SELECT a AS column1, b AS column2 UNION ALL SELECT c, d`. */
export function valuesAsSelect(values: Node): Node {
  const rows: Node[] = Array.isArray(values.values) ? values.values : [];
  if (rows.length === 0) throw new DispatcherError(SqlState.SyntaxError, 'VALUES needs at least one row');
  const lists: Node[][] = rows.map((r: Node) => (r?.type === 'expr_list' && Array.isArray(r.value) ? r.value : [r]));
  const width = lists[0]!.length;
  if (lists.some((l) => l.length !== width)) throw new DispatcherError(SqlState.SyntaxError, 'VALUES lists must all be the same length');
  let next: Node = null;
  for (let i = lists.length - 1; i >= 0; i--) {
    const columns = lists[i]!.map((expr, j) => ({ type: 'expr', expr, as: i === 0 ? `column${j + 1}` : null }));
    const select: Node = selectOf(columns);
    if (next !== null) {
      select._next = next;
      select.set_op = 'union all';
    }
    next = select;
  }
  return next;
}
