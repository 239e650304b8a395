// The query lifecycle: received → analyzing → queued → planning → waitingForLocks → executing →
// completed | failed | cancelled | timedOut. CANCEL, TIMEOUT and FAIL are accepted in every
// non-final state; the side effects are named actions that the runtime supplies with provide().
import { setup } from 'xstate';
import type { QueryEvent } from '../src/protocol/lifecycle-events.js';

const abortable = {
  CANCEL: { target: 'cancelled' },
  TIMEOUT: { target: 'timedOut' },
  FAIL: { target: 'failed' },
} as const;

export const queryMachine = setup({
  types: {
    events: {} as QueryEvent,
  },
  actions: {
    // Release statement locks and drop the statement's writes (its savepoint layer).
    discardStatement: () => {},
    // Keep the statement's writes and release its statement-scoped resources.
    finishStatement: () => {},
  },
}).createMachine({
  id: 'query',
  initial: 'received',
  states: {
    received: { on: { ANALYZE: { target: 'analyzing' }, ...abortable } },
    analyzing: { on: { ANALYZED: { target: 'queued' }, ...abortable } },
    queued: { on: { ADMITTED: { target: 'planning' }, ...abortable } },
    planning: { on: { PLANNED: { target: 'waitingForLocks' }, ...abortable } },
    waitingForLocks: { on: { LOCKS_GRANTED: { target: 'executing' }, ...abortable } },
    executing: { on: { FINISHED: { target: 'completed' }, ...abortable } },
    completed: { type: 'final', entry: 'finishStatement' },
    failed: { type: 'final', entry: 'discardStatement' },
    cancelled: { type: 'final', entry: 'discardStatement' },
    timedOut: { type: 'final', entry: 'discardStatement' },
  },
});

export type QueryMachine = typeof queryMachine;
