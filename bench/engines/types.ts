// The one interface every engine adapter implements. Hot workloads loop inside the adapter so a
// synchronous engine pays no await per operation; the harness calls them in chunks to cap the time.
import type { TRow, URow } from '../data.js';

export const ENGINE_IDS = [
  'dispatchdb',
  'dispatchdb-file',
  'dispatchdb-rows',
  'better-sqlite3',
  'better-sqlite3-file',
  'pglite',
  'alasql',
  'sqljs',
] as const;
export type EngineId = (typeof ENGINE_IDS)[number];

/** Running check values of a workload: rows seen and the sum of one checked column. */
export interface Acc {
  rows: number;
  sum: number;
}

/** A prepared query for the analytical workloads and checks; rows come back as arrays. */
export type RowsQuery = () => Promise<unknown[][]>;

export interface Engine {
  readonly id: EngineId;
  readonly label: string;
  /** File-backed with an fsync per commit: runs W5b. */
  readonly durable: boolean;
  /** Several sessions on one database at once with group commit: runs W5c. */
  readonly concurrentSessions: boolean;

  open(): Promise<void>;
  /** t(id, k, c, pad) with an index on k, and u(id, t_id, v); both empty. */
  createSchema(): Promise<void>;
  /** W1: every row through one prepared insert, in one transaction; returns rows inserted. */
  insertT(chunks: Iterable<readonly TRow[]>): Promise<number>;
  /** Setup of u (not timed); may use any fast path. Returns rows inserted. */
  insertU(chunks: Iterable<readonly URow[]>): Promise<number>;

  /** W2: SELECT * FROM t WHERE id = ? for ids[from..to): acc.rows += rows, acc.sum += k. */
  pointSelect(ids: Int32Array, from: number, to: number, acc: Acc): Promise<void>;
  /** W9: the same with the id inlined into a fresh SQL string each time, no prepare. */
  pointSelectInline(ids: Int32Array, from: number, to: number, acc: Acc): Promise<void>;
  /** W3: SELECT * FROM t WHERE id BETWEEN lo AND lo + 99: acc.sum += k. */
  rangeSelect(lo: Int32Array, from: number, to: number, acc: Acc): Promise<void>;
  /** W4: SELECT * FROM t WHERE k = ?: acc.sum += id. */
  kSelect(ks: Int32Array, from: number, to: number, acc: Acc): Promise<void>;

  begin(): Promise<void>;
  commit(): Promise<void>;
  /**
   * W5/W5b: UPDATE t SET c = ? WHERE id = ? for [from..to); returns rows affected. `inTxn`: inside
   * the workload's explicit transaction (W5), where an engine may hand the slice over in one call;
   * otherwise (W5b) every update is its own autocommit statement.
   */
  update(ids: Int32Array, cs: readonly string[], from: number, to: number, inTxn: boolean): Promise<number>;
  /** W5c: the same spread over several concurrent sessions (op i on session i % n), autocommit. */
  updateConcurrent?(ids: Int32Array, cs: readonly string[], from: number, to: number): Promise<number>;

  /** Prepares a parameterless query (W6–W8 and the checks). */
  prepareRows(sql: string): Promise<RowsQuery>;
  close(): Promise<void>;
}

export const SCHEMA = [
  'CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER, c TEXT, pad TEXT)',
  'CREATE INDEX t_k ON t (k)',
  'CREATE TABLE u (id INTEGER PRIMARY KEY, t_id INTEGER, v REAL)',
] as const;
