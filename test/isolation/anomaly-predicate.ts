// What a Hermitage run observed, and the two judgements made on it: the case's `anomaly`
// predicate (the verdict) and PostgreSQL's per-step `expect` (information only).
import type { Expect, Predicate, Row } from './hermitage-cases.js';

/** How one step ended. `blocked` = it had not answered within block_ms. */
export type StepOutcome =
  | { readonly kind: 'ok'; readonly blocked: boolean; readonly command: string; readonly rows: readonly Row[] }
  | { readonly kind: 'error'; readonly blocked: boolean; readonly sqlState: string; readonly message: string }
  /** Still running when the case hit its hard cap (then cancelled). */
  | { readonly kind: 'pending' }
  /** Never sent: the case was stopped before it. */
  | { readonly kind: 'not-run' };

export interface Observations {
  /** Outcomes of the steps that carry an id. */
  readonly steps: Readonly<Record<string, StepOutcome>>;
  /** Per session: did its last COMMIT commit (command 'COMMIT', no error)? Absent = never committed. */
  readonly committed: Readonly<Record<string, boolean>>;
  /** Rows of final_check, or null when it could not run. */
  readonly final: readonly Row[] | null;
}

/** A value's identity for comparisons: 64-bit integers may arrive as bigint or number. */
function valueKey(v: unknown): string {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? String(Number(v)) : `${v}n`;
  if (typeof v === 'number') return String(v);
  return JSON.stringify(v) ?? 'undefined';
}

export function rowKey(row: Row): string {
  return `[${row.map(valueKey).join(',')}]`;
}

function sortedKeys(rows: readonly Row[]): string[] {
  return rows.map(rowKey).sort();
}

/** Unordered multiset equality of rows. */
export function sameRows(a: readonly Row[], b: readonly Row[]): boolean {
  if (a.length !== b.length) return false;
  const ka = sortedKeys(a);
  const kb = sortedKeys(b);
  return ka.every((k, i) => k === kb[i]);
}

export function hasRow(rows: readonly Row[], row: Row): boolean {
  const k = rowKey(row);
  return rows.some((r) => rowKey(r) === k);
}

/** Rows of a step that completed OK (blocked first or not); null otherwise. */
function okRows(obs: Observations, id: string): readonly Row[] | null {
  const o = obs.steps[id];
  return o !== undefined && o.kind === 'ok' ? o.rows : null;
}

/** true = the anomaly happened. */
export function evaluate(p: Predicate, obs: Observations): boolean {
  if ('all' in p) return p.all.every((q) => evaluate(q, obs));
  if ('any' in p) return p.any.some((q) => evaluate(q, obs));
  if ('not' in p) return !evaluate(p.not, obs);
  if ('committed' in p) return obs.committed[p.committed] === true;
  if ('finalIn' in p) return obs.final !== null && p.finalIn.some((rows) => sameRows(obs.final!, rows));
  // Without a final result nothing can be said; the runner reports that case as failed anyway.
  if ('finalNotIn' in p) return obs.final !== null && !p.finalNotIn.some((rows) => sameRows(obs.final!, rows));
  const rows = okRows(obs, p.step);
  if (rows === null) return false;
  if ('rows' in p) return sameRows(rows, p.rows);
  if ('notRows' in p) return !sameRows(rows, p.notRows);
  if ('hasRow' in p) return hasRow(rows, p.hasRow);
  throw new Error(`unknown predicate ${JSON.stringify(p)}`);
}

function isCommit(sql: string): boolean {
  return /^\s*(commit|end)\b/i.test(sql);
}

/** A COMMIT that did not commit: an error or PostgreSQL's silent ROLLBACK tag. */
function isAbortedCommit(sql: string, o: StepOutcome): boolean {
  if (!isCommit(sql)) return false;
  return o.kind === 'error' || (o.kind === 'ok' && o.command !== 'COMMIT');
}

/** Does a step's outcome match PostgreSQL's expectation (format_notes' meanings)? */
export function matchesExpect(sql: string, e: Expect, o: StepOutcome, ignoreBlocked = false): boolean {
  if (o.kind === 'pending' || o.kind === 'not-run') return false;
  if (typeof e === 'object' && 'blocks' in e) return o.blocked && matchesExpect(sql, e.blocks, o, true);
  if (o.blocked && !ignoreBlocked) return false;
  if (e === 'any') return true;
  if (e === 'error') return o.kind === 'error';
  if (e === 'aborted') return isAbortedCommit(sql, o);
  if (e === 'ok') return o.kind === 'ok' && !isAbortedCommit(sql, o);
  return o.kind === 'ok' && sameRows(o.rows, e.rows);
}

/** Short text of an outcome for reports: `ok`, `rows [[1,10]]`, `40001`, `blocked→ok`, `hung`. */
export function describeOutcome(sql: string, o: StepOutcome): string {
  if (o.kind === 'pending') return 'hung';
  if (o.kind === 'not-run') return 'not run';
  let s: string;
  if (o.kind === 'error') s = `error ${o.sqlState}`;
  else if (isAbortedCommit(sql, o)) s = `aborted (${o.command})`;
  else if (/^\s*select\b/i.test(sql)) s = `rows [${o.rows.map(rowKey).join(',')}]`;
  else s = 'ok';
  return o.blocked ? `blocked→${s}` : s;
}

export function describeExpect(e: Expect): string {
  if (typeof e === 'string') return e;
  if ('blocks' in e) return `blocked→${describeExpect(e.blocks)}`;
  return `rows [${e.rows.map(rowKey).join(',')}]`;
}

/** Updates `committed` after a step: only COMMITs count, and the last one wins. */
export function noteCommit(committed: Record<string, boolean>, session: string, sql: string, o: StepOutcome): void {
  if (!isCommit(sql)) return;
  committed[session] = o.kind === 'ok' && o.command === 'COMMIT';
}
