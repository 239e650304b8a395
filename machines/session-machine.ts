// The session lifecycle: idle ⇄ running (one request at a time; requests that arrive meanwhile
// wait in order), closing (its open transaction is rolled back) → closed. Every event has an
// answer in every state: a refused one is an explicit `reject…` action.
import { setup } from 'xstate';
import type { SessionEvent } from '../src/protocol/lifecycle-events.js';

export const sessionMachine = setup({
  types: {
    events: {} as SessionEvent,
  },
  actions: {
    startRequest: () => {},
    enqueueRequest: () => {},
    finishRequest: () => {},
    // Roll back the open transaction, fail queued requests, release the session's resources.
    teardown: () => {},
    // 08003: the session is closed (or closing).
    rejectClosed: () => {},
    // An event that cannot happen in this state (a driver bug, never user input).
    rejectInvalid: () => {},
  },
}).createMachine({
  id: 'session',
  initial: 'idle',
  states: {
    idle: {
      on: {
        EXECUTE: { target: 'running', actions: 'startRequest' },
        REQUEST_DONE: { actions: 'rejectInvalid' },
        CLOSE: { target: 'closing', actions: 'teardown' },
        IDLE_TIMEOUT: { target: 'closing', actions: 'teardown' },
        CLOSED: { actions: 'rejectInvalid' },
      },
    },
    running: {
      on: {
        EXECUTE: { actions: 'enqueueRequest' },
        REQUEST_DONE: { target: 'idle', actions: 'finishRequest' },
        // Closing waits for nothing: the running statement is cancelled by the teardown.
        CLOSE: { target: 'closing', actions: 'teardown' },
        // A session with work in progress is not idle.
        IDLE_TIMEOUT: { actions: 'rejectInvalid' },
        CLOSED: { actions: 'rejectInvalid' },
      },
    },
    closing: {
      on: {
        EXECUTE: { actions: 'rejectClosed' },
        REQUEST_DONE: { actions: 'finishRequest' },
        CLOSE: { actions: 'rejectClosed' },
        IDLE_TIMEOUT: { actions: 'rejectClosed' },
        CLOSED: { target: 'closed' },
      },
    },
    closed: { type: 'final' },
  },
});

export type SessionMachine = typeof sessionMachine;
