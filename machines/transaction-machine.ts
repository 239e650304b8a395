// The transaction lifecycle of one session (after CockroachDB's conn_fsm and PostgreSQL):
// noTxn → open (implicit for one autocommit statement, or explicit after BEGIN) → aborted →
// committing → noTxn. Events a state refuses are explicit transitions to the `reject…` actions,
// so every event has a defined answer in every state. TEARDOWN is accepted everywhere.
import { setup } from 'xstate';
import type { TxnEvent } from '../src/protocol/lifecycle-events.js';

export const transactionMachine = setup({
  types: {
    events: {} as TxnEvent,
  },
  actions: {
    beginTxn: () => {},
    commitTxn: () => {},
    rollbackTxn: () => {},
    markStatement: () => {},
    releaseStatement: () => {},
    undoStatement: () => {},
    createSavepoint: () => {},
    releaseSavepoint: () => {},
    rollbackToSavepoint: () => {},
    // 25P02: current transaction is aborted, commands ignored until end of transaction block.
    rejectInAbortedTxn: () => {},
    // 25P01: no transaction in progress (SAVEPOINT, RELEASE, ROLLBACK TO outside a block).
    rejectNoTxn: () => {},
    // PostgreSQL answers BEGIN inside a block with a warning and keeps the block.
    warnAlreadyInTxn: () => {},
    // COMMIT / ROLLBACK with no block: a warning, nothing else.
    warnNoTxn: () => {},
    // 25000: an event that cannot happen in this state (a driver bug, never user input).
    rejectInvalid: () => {},
  },
}).createMachine({
  id: 'transaction',
  initial: 'noTxn',
  on: {
    TEARDOWN: { target: '.noTxn', actions: 'rollbackTxn' },
  },
  states: {
    noTxn: {
      on: {
        BEGIN: { target: 'open.explicit', actions: 'beginTxn' },
        STATEMENT: { target: 'open.implicit', actions: ['beginTxn', 'markStatement'] },
        STATEMENT_OK: { actions: 'rejectInvalid' },
        STATEMENT_FAILED: { actions: 'rejectInvalid' },
        SAVEPOINT: { actions: 'rejectNoTxn' },
        RELEASE: { actions: 'rejectNoTxn' },
        ROLLBACK_TO: { actions: 'rejectNoTxn' },
        COMMIT: { actions: 'warnNoTxn' },
        COMMITTED: { actions: 'rejectInvalid' },
        COMMIT_FAILED: { actions: 'rejectInvalid' },
        ROLLBACK: { actions: 'warnNoTxn' },
      },
    },
    open: {
      initial: 'explicit',
      states: {
        implicit: {
          on: {
            BEGIN: { actions: 'rejectInvalid' },
            STATEMENT: { actions: 'rejectInvalid' },
            STATEMENT_OK: { target: '#transaction.committing', actions: ['releaseStatement', 'commitTxn'] },
            STATEMENT_FAILED: { target: '#transaction.noTxn', actions: ['undoStatement', 'rollbackTxn'] },
            SAVEPOINT: { actions: 'rejectInvalid' },
            RELEASE: { actions: 'rejectInvalid' },
            ROLLBACK_TO: { actions: 'rejectInvalid' },
            COMMIT: { actions: 'rejectInvalid' },
            COMMITTED: { actions: 'rejectInvalid' },
            COMMIT_FAILED: { actions: 'rejectInvalid' },
            ROLLBACK: { actions: 'rejectInvalid' },
          },
        },
        explicit: {
          on: {
            BEGIN: { actions: 'warnAlreadyInTxn' },
            STATEMENT: { actions: 'markStatement' },
            STATEMENT_OK: { actions: 'releaseStatement' },
            STATEMENT_FAILED: { target: '#transaction.aborted', actions: 'undoStatement' },
            SAVEPOINT: { actions: 'createSavepoint' },
            RELEASE: { actions: 'releaseSavepoint' },
            ROLLBACK_TO: { actions: 'rollbackToSavepoint' },
            COMMIT: { target: '#transaction.committing', actions: 'commitTxn' },
            COMMITTED: { actions: 'rejectInvalid' },
            COMMIT_FAILED: { actions: 'rejectInvalid' },
            ROLLBACK: { target: '#transaction.noTxn', actions: 'rollbackTxn' },
          },
        },
      },
    },
    aborted: {
      on: {
        BEGIN: { actions: 'rejectInAbortedTxn' },
        STATEMENT: { actions: 'rejectInAbortedTxn' },
        STATEMENT_OK: { actions: 'rejectInvalid' },
        STATEMENT_FAILED: { actions: 'rejectInvalid' },
        SAVEPOINT: { actions: 'rejectInAbortedTxn' },
        RELEASE: { actions: 'rejectInAbortedTxn' },
        ROLLBACK_TO: { target: 'open.explicit', actions: 'rollbackToSavepoint' },
        // PostgreSQL turns COMMIT of a failed block into ROLLBACK.
        COMMIT: { target: 'noTxn', actions: 'rollbackTxn' },
        COMMITTED: { actions: 'rejectInvalid' },
        COMMIT_FAILED: { actions: 'rejectInvalid' },
        ROLLBACK: { target: 'noTxn', actions: 'rollbackTxn' },
      },
    },
    committing: {
      on: {
        BEGIN: { actions: 'rejectInvalid' },
        STATEMENT: { actions: 'rejectInvalid' },
        STATEMENT_OK: { actions: 'rejectInvalid' },
        STATEMENT_FAILED: { actions: 'rejectInvalid' },
        SAVEPOINT: { actions: 'rejectInvalid' },
        RELEASE: { actions: 'rejectInvalid' },
        ROLLBACK_TO: { actions: 'rejectInvalid' },
        COMMIT: { actions: 'rejectInvalid' },
        COMMITTED: { target: 'noTxn' },
        // A failed commit leaves nothing behind: its writes were never published.
        COMMIT_FAILED: { target: 'noTxn', actions: 'rollbackTxn' },
        ROLLBACK: { actions: 'rejectInvalid' },
      },
    },
  },
});

export type TransactionMachine = typeof transactionMachine;
