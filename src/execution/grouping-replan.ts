// Whether a SELECT aggregates is known for sure only once its expressions compile: an aggregate
// inside a subquery whose arguments name only this level's columns belongs to this level (SQL
// standard, PostgreSQL: `SELECT (SELECT sum(a)) FROM t` is one row), and a subquery whose only
// aggregates belong to enclosing levels does not aggregate itself. The compiler throws this to the
// level concerned, which plans itself once more the other way; it is a 42803 should it escape.
import { DispatcherError, SqlState } from '../api/errors.js';

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
