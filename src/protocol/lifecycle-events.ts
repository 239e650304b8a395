// Events of the lifecycle machines. Plain data, so they can cross an actor boundary as messages.

export const QUERY_EVENTS = [
  'ANALYZE',
  'ANALYZED',
  'ADMITTED',
  'PLANNED',
  'LOCKS_GRANTED',
  /** A running statement hit a row lock held by another transaction (it waits, then runs again). */
  'LOCK_WAIT',
  'FINISHED',
  'FAIL',
  'CANCEL',
  'TIMEOUT',
] as const;
export type QueryEventType = (typeof QUERY_EVENTS)[number];
export interface QueryEvent {
  readonly type: QueryEventType;
}

export const QUERY_STATES = [
  'received',
  'analyzing',
  'queued',
  'planning',
  'waitingForLocks',
  'executing',
  'completed',
  'failed',
  'cancelled',
  'timedOut',
] as const;
export type QueryState = (typeof QUERY_STATES)[number];

export const TXN_EVENTS = [
  'BEGIN',
  'STATEMENT',
  'STATEMENT_OK',
  'STATEMENT_FAILED',
  'SAVEPOINT',
  'RELEASE',
  'ROLLBACK_TO',
  'COMMIT',
  'COMMITTED',
  'COMMIT_FAILED',
  'ROLLBACK',
  'TEARDOWN',
] as const;
export type TxnEventType = (typeof TXN_EVENTS)[number];
export interface TxnEvent {
  readonly type: TxnEventType;
}

/** Flattened state names of the transaction machine (open has two substates). */
export const TXN_STATES = ['noTxn', 'open.implicit', 'open.explicit', 'aborted', 'committing'] as const;
export type TxnState = (typeof TXN_STATES)[number];

export const SESSION_EVENTS = ['EXECUTE', 'REQUEST_DONE', 'CLOSE', 'IDLE_TIMEOUT', 'CLOSED'] as const;
export type SessionEventType = (typeof SESSION_EVENTS)[number];
export interface SessionEvent {
  readonly type: SessionEventType;
}

export const SESSION_STATES = ['idle', 'running', 'closing', 'closed'] as const;
export type SessionState = (typeof SESSION_STATES)[number];
