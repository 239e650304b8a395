// fast-check arbitraries of event sequences for each lifecycle machine.
import fc from 'fast-check';
import { QUERY_EVENTS, SESSION_EVENTS, TXN_EVENTS } from '../protocol/lifecycle-events.js';
import type { QueryEventType, SessionEventType, TxnEventType } from '../protocol/lifecycle-events.js';

export interface SequenceOptions {
  readonly maxLength?: number;
}

const QUERY_HAPPY_PATH: readonly QueryEventType[] = ['ANALYZE', 'ANALYZED', 'ADMITTED', 'PLANNED', 'LOCKS_GRANTED', 'FINISHED'];

/**
 * A prefix of the happy path (so every state is reached often) followed by any events: uniform
 * sequences would almost never get past the first states of a linear lifecycle.
 */
export function queryEventSequences(o: SequenceOptions = {}): fc.Arbitrary<QueryEventType[]> {
  return fc
    .tuple(
      fc.integer({ min: 0, max: QUERY_HAPPY_PATH.length }),
      fc.array(fc.constantFrom(...QUERY_EVENTS), { maxLength: o.maxLength ?? 20 }),
    )
    .map(([k, rest]) => [...QUERY_HAPPY_PATH.slice(0, k), ...rest]);
}

export function transactionEventSequences(o: SequenceOptions = {}): fc.Arbitrary<TxnEventType[]> {
  return fc.array(fc.constantFrom(...TXN_EVENTS), { maxLength: o.maxLength ?? 30 });
}

export function sessionEventSequences(o: SequenceOptions = {}): fc.Arbitrary<SessionEventType[]> {
  return fc.array(fc.constantFrom(...SESSION_EVENTS), { maxLength: o.maxLength ?? 20 });
}
