// The transition tables of the lifecycle machines, derived once at load.
import {
  QUERY_EVENTS,
  QUERY_STATES,
  SESSION_EVENTS,
  SESSION_STATES,
  TXN_EVENTS,
  TXN_STATES,
} from '../src/protocol/lifecycle-events.js';
import type {
  QueryEventType,
  QueryState,
  SessionEventType,
  SessionState,
  TxnEventType,
  TxnState,
} from '../src/protocol/lifecycle-events.js';
import { CompiledTable, Lifecycle } from './lifecycle.js';
import { queryMachine } from './query-machine.js';
import { sessionMachine } from './session-machine.js';
import { transactionMachine } from './transaction-machine.js';
import { deriveTable } from './transition-table.js';

export const queryTable = deriveTable(queryMachine, QUERY_STATES, QUERY_EVENTS);
export const transactionTable = deriveTable(transactionMachine, TXN_STATES, TXN_EVENTS);
export const sessionTable = deriveTable(sessionMachine, SESSION_STATES, SESSION_EVENTS);

const compiledQuery = new CompiledTable<QueryState, QueryEventType>(queryTable);
const compiledTxn = new CompiledTable<TxnState, TxnEventType>(transactionTable);
const compiledSession = new CompiledTable<SessionState, SessionEventType>(sessionTable);

/** The query table's state and event indices, for callers that step it by index. */
export const queryIndex = {
  state: (s: QueryState): number => compiledQuery.stateIndex(s),
  event: (e: QueryEventType): number => compiledQuery.eventIndex(e),
  events: compiledQuery.events,
  stateCount: compiledQuery.states.length,
};

/** The transaction and session tables' event indices, for the session's per-statement steps. */
export const txnIndex = {
  event: (e: TxnEventType): number => compiledTxn.eventIndex(e),
  action: (a: string): number => compiledTxn.actionBit(a),
};
export const sessionIndex = {
  event: (e: SessionEventType): number => compiledSession.eventIndex(e),
  action: (a: string): number => compiledSession.actionBit(a),
};

export type QueryLifecycle = Lifecycle<QueryState, QueryEventType>;
export type TransactionLifecycle = Lifecycle<TxnState, TxnEventType>;
export type SessionLifecycle = Lifecycle<SessionState, SessionEventType>;

export function newQueryLifecycle(): QueryLifecycle {
  return new Lifecycle(compiledQuery, 'received');
}

export function newTransactionLifecycle(): TransactionLifecycle {
  return new Lifecycle(compiledTxn, 'noTxn');
}

export function newSessionLifecycle(): SessionLifecycle {
  return new Lifecycle(compiledSession, 'idle');
}
