// The shapes the public API hands out. Kept apart from the classes so every layer can name them.
import type { Observable } from 'rxjs';
import type { ColumnType, SqlValue } from '../storage/ports.js';

export type { SqlValue, ColumnType };

export type RowMode = 'array' | 'object';
export type ArrayRow = SqlValue[];
export type ObjectRow = Record<string, SqlValue>;

export interface ColumnInfo {
  readonly name: string;
  /** The engine's type of the column's values ('integer', 'real', 'text', ...). */
  readonly type: ColumnType;
}

export type QueryPhase =
  | 'received'
  | 'analyzing'
  | 'queued'
  | 'planning'
  | 'waitingForLocks'
  | 'executing'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'timedOut';

export interface StatementMetrics {
  readonly queryId: string;
  /** Statement kind of the seed's taxonomy, e.g. 'SELECT', 'INSERT', 'CREATE_TABLE'. */
  readonly kind: string;
  readonly executionTimeMs: number;
  readonly rowsAffected: number;
  readonly rowsExamined: number;
  readonly rowsProduced: number;
  readonly indexesUsed: readonly string[];
  readonly bufferHits: number;
  readonly bufferMisses: number;
  readonly ioOperations: number;
  readonly lockWaitMs: number;
  readonly parseCacheHit: boolean;
}

export interface QueryResult<R = ArrayRow | ObjectRow> {
  /** Command tag: 'SELECT', 'INSERT', 'CREATE TABLE', 'BEGIN', ... */
  readonly command: string;
  readonly columns: readonly ColumnInfo[];
  readonly rows: R[];
  readonly rowsAffected: number;
  readonly metrics: StatementMetrics;
}

export interface ExecuteOptions {
  readonly rowMode?: RowMode;
  readonly signal?: AbortSignal;
  /** Statement timeout for this call in ms (overrides the session's statement_timeout). */
  readonly timeoutMs?: number;
}

export interface Progress {
  readonly queryId: string;
  readonly phase: QueryPhase;
  readonly rowsExamined: number;
  readonly rowsProduced: number;
  readonly elapsedMs: number;
}

export interface QueryHandle<R = ArrayRow | ObjectRow> {
  readonly id: string;
  /** Rows as they are produced; unsubscribing before the end cancels the statement. */
  readonly rows$: Observable<R>;
  readonly progress$: Observable<Progress>;
  /** Resolves with the whole result (rows included) or rejects with a DispatcherError. */
  readonly result: Promise<QueryResult<R>>;
  cancel(): void;
}

export interface ConnectOptions {
  readonly user?: string;
}
