// Public entry of dispatchdb/machines: the lifecycle machines, their events and states, and the
// derived tables the engine steps through.
export { queryMachine, type QueryMachine } from './query-machine.js';
export { transactionMachine, type TransactionMachine } from './transaction-machine.js';
export { sessionMachine, type SessionMachine } from './session-machine.js';
export { deriveTable, flattenStateValue, toStateValue, type TransitionTable, type TableEntry } from './transition-table.js';
export { CompiledTable, Lifecycle } from './lifecycle.js';
export {
  queryTable,
  transactionTable,
  sessionTable,
  newQueryLifecycle,
  newTransactionLifecycle,
  newSessionLifecycle,
} from './tables.js';
export type { QueryLifecycle, TransactionLifecycle, SessionLifecycle } from './tables.js';
export {
  QUERY_EVENTS,
  QUERY_STATES,
  SESSION_EVENTS,
  SESSION_STATES,
  TXN_EVENTS,
  TXN_STATES,
  type QueryEvent,
  type QueryEventType,
  type QueryState,
  type SessionEvent,
  type SessionEventType,
  type SessionState,
  type TxnEvent,
  type TxnEventType,
  type TxnState,
} from '../src/protocol/lifecycle-events.js';
