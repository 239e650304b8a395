// Index entry keys and the pieces of a write's uniqueness checks, shared by row writes, their
// undo, schema changes and the integrity check.
import { DispatcherError, SqlState } from '../api/errors.js';
import { compareValues, packedKey } from './key-order.js';
import type { Key, Row, SqlValue } from './ports.js';

/** [indexed values..., table key...], packed (see packedKey): a literal for the common shapes. */
export function indexKey(row: Row, cols: readonly number[], tableKey: Key): Key {
  const n = cols.length;
  if (tableKey.length === 1) {
    if (n === 1) return [row[cols[0]!] ?? null, tableKey[0]!];
    if (n === 2) return [row[cols[0]!] ?? null, row[cols[1]!] ?? null, tableKey[0]!];
  }
  const k = new Array<SqlValue>(n + tableKey.length);
  for (let i = 0; i < n; i++) k[i] = row[cols[i]!] ?? null;
  for (let i = 0; i < tableKey.length; i++) k[n + i] = tableKey[i]!;
  return packedKey(k);
}

/** Whether an update leaves an index entry as it was (the forward write and its undo agree on it). */
export function sameIndexed(cols: readonly number[], oldRow: Row, row: Row): boolean {
  for (const c of cols) {
    const a = oldRow[c] ?? null;
    const b = row[c] ?? null;
    if (a !== b && (compareValues(a, b) !== 0 || typeof a !== typeof b)) return false;
  }
  return true;
}

export function hasNull(k: Key, n: number): boolean {
  for (let i = 0; i < n; i++) if (k[i] === null) return true;
  return false;
}

export function uniqueViolation(constraint: string, cols: string, vals: readonly SqlValue[]): DispatcherError {
  const shown = vals.map((v) => (v === null ? 'null' : typeof v === 'object' ? '\\x…' : String(v))).join(', ');
  return new DispatcherError(SqlState.UniqueViolation, `duplicate key value violates unique constraint "${constraint}"`, {
    detail: `Key (${cols})=(${shown}) already exists.`,
  });
}
