// Small reference models of the lifecycle machines, written independently of them (they share only
// the names of states and events): for each state and event, the next state and whether the event
// is accepted. The property helpers check a
// machine (or a live database) against these.
import {
  QUERY_EVENTS,
  QUERY_STATES,
  SESSION_EVENTS,
  SESSION_STATES,
  TXN_EVENTS,
  TXN_STATES,
  type QueryEventType,
  type QueryState,
  type SessionEventType,
  type SessionState,
  type TxnEventType,
  type TxnState,
} from '../protocol/lifecycle-events.js';

export interface ModelStep<S extends string> {
  readonly next: S;
  /** False when the machine must refuse the event (a `reject…` action, state unchanged). */
  readonly accepted: boolean;
}

export interface LifecycleModel<S extends string, E extends string> {
  readonly name: string;
  readonly initial: S;
  readonly states: readonly S[];
  readonly events: readonly E[];
  readonly finals: readonly S[];
  step(state: S, event: E): ModelStep<S>;
}

const QUERY_ORDER: readonly QueryState[] = ['received', 'analyzing', 'queued', 'planning', 'waitingForLocks', 'executing', 'completed'];
const QUERY_FORWARD: Readonly<Record<string, QueryEventType>> = {
  received: 'ANALYZE',
  analyzing: 'ANALYZED',
  queued: 'ADMITTED',
  planning: 'PLANNED',
  waitingForLocks: 'LOCKS_GRANTED',
  executing: 'FINISHED',
};

export const queryModel: LifecycleModel<QueryState, QueryEventType> = {
  name: 'query',
  initial: 'received',
  states: QUERY_STATES,
  events: QUERY_EVENTS,
  finals: ['completed', 'failed', 'cancelled', 'timedOut'],
  step(state, event) {
    if (this.finals.includes(state)) return { next: state, accepted: false };
    if (event === 'CANCEL') return { next: 'cancelled', accepted: true };
    if (event === 'TIMEOUT') return { next: 'timedOut', accepted: true };
    if (event === 'FAIL') return { next: 'failed', accepted: true };
    if (event === 'LOCK_WAIT' && state === 'executing') return { next: 'waitingForLocks', accepted: true };
    if (QUERY_FORWARD[state] === event) {
      return { next: QUERY_ORDER[QUERY_ORDER.indexOf(state) + 1] as QueryState, accepted: true };
    }
    return { next: state, accepted: false };
  },
};

export const transactionModel: LifecycleModel<TxnState, TxnEventType> = {
  name: 'transaction',
  initial: 'noTxn',
  states: TXN_STATES,
  events: TXN_EVENTS,
  finals: [],
  step(state, event) {
    const ok = (next: TxnState): ModelStep<TxnState> => ({ next, accepted: true });
    const no: ModelStep<TxnState> = { next: state, accepted: false };
    if (event === 'TEARDOWN') return ok('noTxn');
    switch (state) {
      case 'noTxn':
        if (event === 'BEGIN') return ok('open.explicit');
        if (event === 'STATEMENT') return ok('open.implicit');
        // COMMIT / ROLLBACK outside a block: a warning, accepted, nothing changes.
        if (event === 'COMMIT' || event === 'ROLLBACK') return ok('noTxn');
        return no;
      case 'open.implicit':
        if (event === 'STATEMENT_OK') return ok('committing');
        if (event === 'STATEMENT_FAILED') return ok('noTxn');
        return no;
      case 'open.explicit':
        if (event === 'BEGIN') return ok('open.explicit'); // a warning, as PostgreSQL gives
        if (event === 'STATEMENT' || event === 'STATEMENT_OK') return ok('open.explicit');
        if (event === 'SAVEPOINT' || event === 'RELEASE' || event === 'ROLLBACK_TO') return ok('open.explicit');
        if (event === 'STATEMENT_FAILED') return ok('aborted');
        if (event === 'COMMIT') return ok('committing');
        if (event === 'ROLLBACK') return ok('noTxn');
        return no;
      case 'aborted':
        if (event === 'ROLLBACK' || event === 'COMMIT') return ok('noTxn');
        if (event === 'ROLLBACK_TO') return ok('open.explicit');
        return no;
      case 'committing':
        if (event === 'COMMITTED' || event === 'COMMIT_FAILED') return ok('noTxn');
        return no;
    }
  },
};

export const sessionModel: LifecycleModel<SessionState, SessionEventType> = {
  name: 'session',
  initial: 'idle',
  states: SESSION_STATES,
  events: SESSION_EVENTS,
  finals: ['closed'],
  step(state, event) {
    const ok = (next: SessionState): ModelStep<SessionState> => ({ next, accepted: true });
    const no: ModelStep<SessionState> = { next: state, accepted: false };
    switch (state) {
      case 'idle':
        if (event === 'EXECUTE') return ok('running');
        if (event === 'CLOSE' || event === 'IDLE_TIMEOUT') return ok('closing');
        return no;
      case 'running':
        if (event === 'EXECUTE') return ok('running');
        if (event === 'REQUEST_DONE') return ok('idle');
        if (event === 'CLOSE') return ok('closing');
        return no;
      case 'closing':
        if (event === 'CLOSED') return ok('closed');
        if (event === 'REQUEST_DONE') return ok('closing');
        return no;
      case 'closed':
        return no;
    }
  },
};
