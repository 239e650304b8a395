// The transition tables of the lifecycle machines, derived once at load.
import { QUERY_EVENTS, QUERY_STATES, TXN_EVENTS, TXN_STATES } from '../src/protocol/lifecycle-events.js';
import type { QueryEventType, QueryState, TxnEventType, TxnState } from '../src/protocol/lifecycle-events.js';
import { CompiledTable, Lifecycle } from './lifecycle.js';
import { queryMachine } from './query-machine.js';
import { transactionMachine } from './transaction-machine.js';
import { deriveTable } from './transition-table.js';

export const queryTable = deriveTable(queryMachine, QUERY_STATES, QUERY_EVENTS);
export const transactionTable = deriveTable(transactionMachine, TXN_STATES, TXN_EVENTS);

const compiledQuery = new CompiledTable<QueryState, QueryEventType>(queryTable);
const compiledTxn = new CompiledTable<TxnState, TxnEventType>(transactionTable);

export type QueryLifecycle = Lifecycle<QueryState, QueryEventType>;
export type TransactionLifecycle = Lifecycle<TxnState, TxnEventType>;

export function newQueryLifecycle(): QueryLifecycle {
  return new Lifecycle(compiledQuery, 'received');
}

export function newTransactionLifecycle(): TransactionLifecycle {
  return new Lifecycle(compiledTxn, 'noTxn');
}
