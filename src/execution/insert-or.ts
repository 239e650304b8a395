// SQLite's conflict clauses of INSERT: REPLACE INTO / INSERT OR REPLACE deletes every existing row a
// new row collides with (on the primary key or any unique index) and then inserts it; INSERT OR
// IGNORE skips a row that would violate a unique, NOT NULL or CHECK constraint (it becomes ON
// CONFLICT DO NOTHING for the unique ones). OR ABORT / FAIL / ROLLBACK are the default behaviour
// here: the statement fails and its writes are undone.
import { isDispatcherError, SqlState } from '../api/errors.js';
import type { Key, ReadView, Row, SqlValue, TableDef } from '../storage/ports.js';

export type InsertOr = 'replace' | 'ignore' | 'abort' | 'fail' | 'rollback';

/** The clause of an INSERT as the analyser marks it (`or` on the AST), or null. */
export function insertOrOf(ast: { or?: unknown }): InsertOr | null {
  const or = ast.or;
  return or === 'replace' || or === 'ignore' || or === 'abort' || or === 'fail' || or === 'rollback' ? or : null;
}

/** Whether the table has a primary key or a unique index (something a row can collide on). */
export function hasUniqueKey(def: TableDef): boolean {
  return def.primaryKey.length > 0 || def.indexes.some((ix) => ix.unique);
}

/**
 * The existing rows `row` collides with on the primary key or on a unique index, each once (one
 * row may collide on several). NULLs never collide.
 */
export function conflictingRows(view: ReadView, def: TableDef, row: Row): { key: Key; row: Row }[] {
  const out: { key: Key; row: Row }[] = [];
  const seen = (key: Key): boolean => out.some((h) => h.key.length === key.length && h.key.every((v, i) => same(v, key[i]!)));
  if (def.primaryKey.length > 0) {
    const key = def.primaryKey.map((c) => row[c] ?? null);
    if (!key.includes(null)) {
      const hit = view.getRow(def.name, key);
      if (hit !== undefined) out.push({ key, row: hit });
    }
  }
  for (const ix of def.indexes) {
    if (!ix.unique) continue;
    const vals = ix.columns.map((c) => row[c] ?? null);
    if (vals.includes(null)) continue;
    const cur = view.scanIndex(def.name, ix.name, { lower: vals, lowerInclusive: true, upper: vals, upperInclusive: true });
    try {
      for (let key = cur.next(); key !== undefined; key = cur.next()) {
        if (seen(key)) continue;
        const hit = view.getRow(def.name, key);
        if (hit !== undefined) out.push({ key: key.slice(), row: hit });
      }
    } finally {
      cur.close();
    }
  }
  return out;
}

function same(a: SqlValue, b: SqlValue): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b));
  // eslint-disable-next-line eqeqeq -- 1 and 1n are one key value
  return a === b || (typeof a !== typeof b && a != null && b != null && a == b);
}

/** INSERT OR IGNORE: the errors that skip the row instead of failing the statement. */
export function ignoredByOrIgnore(e: unknown): boolean {
  return isDispatcherError(e) && (e.sqlState === SqlState.NotNullViolation || e.sqlState === SqlState.CheckViolation);
}
