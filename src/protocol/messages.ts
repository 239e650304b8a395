// Typed messages between actors. Plain data only (msgpackr can encode every one of them), so any
// actor could move to a worker thread without a change of protocol: live objects are named by id.
import type { SqlValue } from './values.js';
import type { ParamSets } from './param-sets.js';
import type { AnalyzedStatement } from './statement.js';

export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

export interface WireError {
  readonly sqlState: string;
  readonly message: string;
  readonly position?: number | undefined;
  readonly detail?: string | undefined;
}

export interface WireColumn {
  readonly name: string;
  readonly type: string;
}

export interface WireMetrics {
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
  readonly planCacheHit: boolean;
}

// ---- replies (to a correlation id) ----------------------------------------------------------

export type Reply =
  | {
      readonly type: 'Ok';
      readonly to: number;
      readonly value?: unknown;
      /** performance.now() when the request ended, when the sender has it (saves a clock read). */
      readonly at?: number | undefined;
    }
  | { readonly type: 'Failed'; readonly to: number; readonly error: WireError }
  | {
      readonly type: 'Rows';
      readonly to: number;
      readonly rows: readonly SqlValue[][];
      /** The statement's result columns, so rows can be named as they stream. */
      readonly columns?: readonly WireColumn[] | undefined;
    }
  | {
      readonly type: 'Progress';
      readonly to: number;
      readonly phase: string;
      readonly rowsExamined: number;
      readonly rowsProduced: number;
    }
  | {
      readonly type: 'StatementDone';
      readonly to: number;
      readonly command: string;
      readonly columns: readonly WireColumn[];
      /** The statement's last batch of rows when it was not sent as Rows (they come before it). */
      readonly rows?: readonly SqlValue[][] | undefined;
      readonly rowsAffected: number;
      readonly metrics: WireMetrics;
      /** The plan summary, sent only for a statement past the slow-query threshold. */
      readonly plan?: readonly string[] | undefined;
      /** performance.now() when the statement ended (saves the receiver a clock read). */
      readonly endedAt?: number | undefined;
    };

// ---- session --------------------------------------------------------------------------------

export interface ExecuteRequest {
  readonly type: 'Execute';
  /** The query id; also the correlation id every reply of this request carries. */
  readonly queryId: number;
  readonly statements: readonly AnalyzedStatement[];
  readonly params: readonly SqlValue[];
  /** executeMany: the statement (one SELECT, INSERT, UPDATE or DELETE) runs once per set. */
  readonly batch?: ParamSets | undefined;
  readonly timeoutMs?: number | undefined;
  /** Id of a prepared statement whose compiled plan the coordinator may reuse. */
  readonly preparedId?: number | undefined;
  /** A query handle watches this request's progress: actors send phase changes. */
  readonly observed?: boolean | undefined;
}

export type SessionMsg =
  | ExecuteRequest
  | { readonly type: 'Cancel'; readonly queryId: number; readonly reason: 'user' | 'timeout' }
  | { readonly type: 'Close'; readonly replyTo: number }
  /** A coordinator finished (or failed) one statement of this session. */
  | Reply;

// ---- dispatcher -----------------------------------------------------------------------------

export interface StatementContext {
  readonly sessionId: number;
  readonly user: string;
  readonly txnId: number;
  readonly isolation: IsolationLevel;
  readonly explicitTxn: boolean;
  /** lock_timeout of the session in ms; 0 waits until granted or cancelled. */
  readonly lockTimeoutMs: number;
}

export interface RunStatement {
  readonly type: 'Run';
  readonly queryId: number;
  readonly statement: AnalyzedStatement;
  readonly params: readonly SqlValue[];
  /** Parameter sets of an executeMany request (params is then the first one, or none). */
  readonly batch?: ParamSets | undefined;
  readonly context: StatementContext;
  /** Where rows and progress go (the caller's query handle). */
  readonly rowsTo: number;
  /** Where the StatementDone / Failed goes (the session). */
  readonly replyTo: number;
  /** performance.now() when the session sent it: the start of a statement admitted at once. */
  readonly sentAt?: number | undefined;
  readonly deadline: number;
  readonly preparedId?: number | undefined;
  /** For transaction-control statements: the transaction machine's actions to carry out. */
  readonly txnActions?: readonly string[] | undefined;
  /** True when someone watches this statement's progress (a query handle), so phases are sent. */
  readonly observed?: boolean | undefined;
}

export type DispatcherMsg =
  | RunStatement
  | { readonly type: 'Cancel'; readonly queryId: number; readonly reason: 'user' | 'timeout' }
  | { readonly type: 'Released'; readonly queryId: number };

export type CoordinatorMsg =
  | RunStatement
  | { readonly type: 'Cancel'; readonly queryId: number; readonly reason: 'user' | 'timeout' };

// ---- transaction manager --------------------------------------------------------------------

export type TxnManagerMsg =
  | {
      readonly type: 'Begin';
      readonly replyTo: number;
      readonly sessionId: number;
      readonly readOnly: boolean;
      readonly isolation: IsolationLevel;
    }
  | { readonly type: 'MarkStatement'; readonly txnId: number }
  | { readonly type: 'UndoStatement'; readonly txnId: number }
  /** The block is aborted: without savepoints nothing of it can commit, so its locks go now. */
  | { readonly type: 'AbortBlock'; readonly txnId: number }
  | { readonly type: 'ReleaseStatement'; readonly txnId: number }
  | { readonly type: 'Savepoint'; readonly replyTo: number; readonly txnId: number; readonly name: string }
  | { readonly type: 'ReleaseSavepoint'; readonly replyTo: number; readonly txnId: number; readonly name: string }
  | { readonly type: 'RollbackToSavepoint'; readonly replyTo: number; readonly txnId: number; readonly name: string }
  | { readonly type: 'Commit'; readonly replyTo: number; readonly txnId: number }
  | { readonly type: 'Rollback'; readonly txnId: number };

// ---- buffer pool, monitor -------------------------------------------------------------------

export type BufferPoolMsg =
  | { readonly type: 'Checkpoint'; readonly replyTo: number }
  | { readonly type: 'Stats'; readonly replyTo: number };

export type MonitorMsg = {
  readonly type: 'Executed';
  readonly queryId: number;
  readonly sessionId: number;
  readonly shapeKey: string;
  readonly text: string;
  readonly metrics: WireMetrics;
  /** Time from the session's start of the statement to its end, commit included. */
  readonly totalMs: number;
  readonly plan?: readonly string[] | undefined;
};

// ---- lock manager ---------------------------------------------------------------------------

export type LockModeName = 'IS' | 'IX' | 'S' | 'SIX' | 'X';

export type LockManagerMsg =
  | {
      readonly type: 'Acquire';
      readonly replyTo: number;
      readonly txnId: number;
      readonly resource: string;
      readonly mode: LockModeName;
      /** 0 waits forever (until cancelled). */
      readonly timeoutMs: number;
    }
  | { readonly type: 'ReleaseAll'; readonly txnId: number }
  | { readonly type: 'CancelWait'; readonly txnId: number; readonly reason: 'user' | 'timeout' };
