// Assignment of a value to a column: the conversion to the column's type and the checks a stored
// value must pass (NOT NULL, well-formed text, a declared VARCHAR(n) length).
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ColumnDef, ColumnType, SqlValue } from '../storage/ports.js';
import { castValue, err } from './values.js';

/** String.prototype.isWellFormed (Node 20; newer than the ES2022 typings). */
interface WellFormed {
  isWellFormed(): boolean;
}

/** The declared types seen and their VARCHAR(n) limits: a regular expression per stored value was ~0.1 µs. */
const LIMITS = new Map<string, number | null>();

function varcharLimit(declared: string): number | null {
  let n = LIMITS.get(declared);
  if (n === undefined) {
    const m = /^\s*(?:varchar|character varying|char|character|nchar|nvarchar)\s*\(\s*(\d+)\s*\)/i.exec(declared);
    n = m === null ? null : Number(m[1]);
    // Declared types come from DDL: few distinct ones. The bound keeps odd workloads in check.
    if (LIMITS.size < 1024) LIMITS.set(declared, n);
  }
  return n;
}

/**
 * Whether a value assigned to `col` has a declared length to check (VARCHAR(n) and the like): a
 * plan asks once per column and passes `lengths` false to coerceForColumn for the others.
 */
export function hasLengthLimit(col: ColumnDef): boolean {
  return col.type === 'text' && varcharLimit(col.declaredType) !== null;
}

/**
 * Converts a value to a column's type the way an assignment does (22P02 / 23502 / 22001).
 * `lengths` false skips the VARCHAR(n) length check (SQLite's statement forms: SQLite ignores it).
 */
export function coerceForColumn(v: SqlValue, col: ColumnDef, table: string, from: ColumnType = 'any', lengths = true): SqlValue {
  if (v === null) {
    if (col.notNull) {
      throw new DispatcherError(
        SqlState.NotNullViolation,
        `null value in column "${col.name}" of relation "${table}" violates not-null constraint`,
      );
    }
    return null;
  }
  const out = castValue(v, col.type, from);
  // Stored text is UTF-8: a lone surrogate would come back as U+FFFD, so it is refused (as
  // PostgreSQL refuses invalid UTF-8) rather than silently changed.
  if (typeof out === 'string' && !(out as unknown as WellFormed).isWellFormed()) {
    throw err(SqlState.CharacterNotInRepertoire, `invalid text for column "${col.name}": unpaired UTF-16 surrogate`);
  }
  if (lengths && col.type === 'text' && typeof out === 'string') {
    const n = varcharLimit(col.declaredType);
    if (n !== null && out.length > n) {
      const trimmed = out.replace(/ +$/, '');
      if (trimmed.length > n) {
        throw err(SqlState.StringDataRightTruncation, `value too long for type character varying(${n})`);
      }
      return trimmed;
    }
  }
  return out;
}
