// Whether a SELECT aggregates is known for sure only once its expressions compile: an aggregate
// inside a subquery whose arguments name only this level's columns belongs to this level (SQL
// standard, PostgreSQL: `SELECT (SELECT sum(a)) FROM t` is one row), and a subquery whose only
// aggregates belong to enclosing levels does not aggregate itself. The compiler throws this to the
// level concerned, which plans itself once more the other way; it is a 42803 should it escape.
import { DispatcherError, SqlState } from '../api/errors.js';
import { colRefTable, identName, isSubquery, type Node } from './ast.js';
import type { Scope } from './scope.js';

export class GroupingReplan extends DispatcherError {
  /** The SELECT (its AST node) that must plan itself again. */
  readonly select: object;
  /** How: as an aggregate query, or not. */
  readonly grouped: boolean;

  constructor(query: object, grouped: boolean) {
    super(SqlState.GroupingError, 'aggregate functions are not allowed here');
    this.select = query;
    this.grouped = grouped;
  }
}

/**
 * The level (0: this one) of the nearest query whose columns an aggregate's arguments name, when
 * they name columns of enclosing queries only; 0 when they name one of this level, none, or hold
 * a subquery (whose own columns it would take to tell).
 */
export function outerLevel(nodes: readonly unknown[], scope: Scope): number {
  let level = Infinity;
  const visit = (v: unknown): boolean => {
    if (v === null || typeof v !== 'object') return true;
    if (Array.isArray(v)) return v.every(visit);
    const node = v as Node;
    if (isSubquery(node) || node.type === 'select') return false;
    if (node.type === 'column_ref') {
      if (node.column === '*') return false;
      const l = scope.levelOf(colRefTable(node), identName(node.column));
      if (l === undefined) return false;
      level = Math.min(level, l);
      return true;
    }
    for (const k of Object.keys(node)) {
      if (k === 'loc') continue;
      if (!visit(node[k])) return false;
    }
    return true;
  };
  if (!nodes.every(visit)) return 0;
  return level === Infinity ? 0 : level;
}
