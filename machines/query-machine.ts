// The query lifecycle: received → analyzing → queued → planning → waitingForLocks → executing →
// completed | failed | cancelled | timedOut. CANCEL, TIMEOUT and FAIL are accepted in every
// non-final state; an event out of order is explicitly rejected (the `rejectOutOfOrder` action),
// so every event has a defined answer in every state. Side effects are named actions that the
// runtime supplies with provide().
import { setup } from 'xstate';
import { QUERY_EVENTS, type QueryEvent, type QueryEventType } from '../src/protocol/lifecycle-events.js';

type Transition = { readonly target?: string; readonly actions?: string };

const abortable: Partial<Record<QueryEventType, Transition>> = {
  CANCEL: { target: 'cancelled' },
  TIMEOUT: { target: 'timedOut' },
  FAIL: { target: 'failed' },
};

/** The transitions of a non-final state: its one forward event, the abort events, and rejections. */
function on(forward: QueryEventType, target: string, extra: Partial<Record<QueryEventType, Transition>> = {}): Record<string, Transition> {
  const out: Record<string, Transition> = {};
  for (const e of QUERY_EVENTS) {
    out[e] = e === forward ? { target } : (extra[e] ?? abortable[e] ?? { actions: 'rejectOutOfOrder' });
  }
  return out;
}

export const queryMachine = setup({
  types: {
    events: {} as QueryEvent,
  },
  actions: {
    // Release statement locks and drop the statement's writes (its savepoint layer).
    discardStatement: () => {},
    // Keep the statement's writes and release its statement-scoped resources.
    finishStatement: () => {},
    // An event that cannot happen in this state: the driver reports a bug, the state stays.
    rejectOutOfOrder: () => {},
  },
}).createMachine({
  id: 'query',
  initial: 'received',
  states: {
    received: { on: on('ANALYZE', 'analyzing') },
    analyzing: { on: on('ANALYZED', 'queued') },
    queued: { on: on('ADMITTED', 'planning') },
    planning: { on: on('PLANNED', 'waitingForLocks') },
    waitingForLocks: { on: on('LOCKS_GRANTED', 'executing') },
    // A row lock met while executing sends the statement back to wait; it runs again once granted.
    executing: { on: on('FINISHED', 'completed', { LOCK_WAIT: { target: 'waitingForLocks' } }) },
    completed: { type: 'final', entry: 'finishStatement' },
    failed: { type: 'final', entry: 'discardStatement' },
    cancelled: { type: 'final', entry: 'discardStatement' },
    timedOut: { type: 'final', entry: 'discardStatement' },
  },
});

export type QueryMachine = typeof queryMachine;
