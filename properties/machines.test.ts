// The derived transition tables must behave exactly like the XState machines they come from:
// random event sequences drive both a live actor and the table; states and actions must agree.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor, type AnyStateMachine } from 'xstate';
import { queryMachine } from '../machines/query-machine.js';
import { sessionMachine } from '../machines/session-machine.js';
import { transactionMachine } from '../machines/transaction-machine.js';
import {
  newQueryLifecycle,
  newSessionLifecycle,
  newTransactionLifecycle,
  queryTable,
  sessionIndex,
  sessionTable,
  transactionTable,
  txnIndex,
} from '../machines/tables.js';
import { flattenStateValue, type TransitionTable } from '../machines/transition-table.js';
import { QUERY_EVENTS, SESSION_EVENTS, TXN_EVENTS } from '../src/protocol/lifecycle-events.js';

function agree(
  machine: AnyStateMachine,
  newLifecycle: () => { send(e: string): readonly string[]; readonly state: string },
  events: readonly string[],
): void {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...events), { maxLength: 40 }), (seq) => {
      const seen: string[] = [];
      const actor = createActor(
        machine.provide({
          actions: Object.fromEntries(
            Object.keys((machine as { implementations: { actions: Record<string, unknown> } }).implementations.actions).map(
              (name) => [name, () => seen.push(name)],
            ),
          ),
        }),
      ).start();
      const lifecycle = newLifecycle();
      seen.length = 0;
      for (const e of seq) {
        const before = seen.length;
        if (actor.getSnapshot().status === 'done') break;
        actor.send({ type: e });
        const tableActions = lifecycle.send(e);
        expect(lifecycle.state).toBe(flattenStateValue(actor.getSnapshot().value));
        expect(tableActions).toEqual(seen.slice(before));
      }
      actor.stop();
    }),
    { numRuns: 300 },
  );
}

function complete(table: TransitionTable): void {
  for (const s of table.states) {
    for (const e of table.events) {
      expect(table.entries[s]?.[e], `${s} × ${e}`).toBeDefined();
    }
  }
}

describe('query lifecycle', () => {
  it('table and machine agree on every event sequence', () => {
    agree(queryMachine, newQueryLifecycle, QUERY_EVENTS);
  });

  it('CANCEL ends every non-final state in cancelled and discards the statement', () => {
    complete(queryTable);
    for (const s of queryTable.states) {
      if (queryTable.finals.includes(s)) continue;
      expect(queryTable.entries[s]?.CANCEL).toEqual({ target: 'cancelled', actions: ['discardStatement'] });
      expect(queryTable.entries[s]?.TIMEOUT?.target).toBe('timedOut');
    }
  });

  it('every event is accepted or explicitly rejected in every non-final state', () => {
    for (const s of queryTable.states) {
      if (queryTable.finals.includes(s)) continue;
      for (const e of QUERY_EVENTS) {
        const entry = queryTable.entries[s]?.[e];
        expect(entry?.target !== s || (entry?.actions.length ?? 0) > 0, `${s} × ${e}`).toBe(true);
      }
    }
  });

  it('final states accept nothing', () => {
    for (const s of queryTable.finals) {
      for (const e of QUERY_EVENTS) expect(queryTable.entries[s]?.[e]).toEqual({ target: s, actions: [] });
    }
  });
});

describe('transaction lifecycle', () => {
  it('table and machine agree on every event sequence', () => {
    agree(transactionMachine, newTransactionLifecycle, TXN_EVENTS);
  });

  it('every event is accepted or explicitly rejected in every state', () => {
    complete(transactionTable);
    for (const s of transactionTable.states) {
      for (const e of TXN_EVENTS) {
        const entry = transactionTable.entries[s]?.[e];
        const moved = entry?.target !== s;
        expect(moved || (entry?.actions.length ?? 0) > 0, `${s} × ${e} has no answer`).toBe(true);
      }
    }
  });

  it('in aborted only ROLLBACK, ROLLBACK TO, COMMIT (as rollback) and teardown leave the state', () => {
    const row = transactionTable.entries.aborted ?? {};
    expect(row.STATEMENT?.actions).toEqual(['rejectInAbortedTxn']);
    expect(row.ROLLBACK?.target).toBe('noTxn');
    expect(row.ROLLBACK_TO?.target).toBe('open.explicit');
    expect(row.COMMIT).toEqual({ target: 'noTxn', actions: ['rollbackTxn'] });
  });

  it('TEARDOWN from any state ends in noTxn, and a failed commit ends in noTxn', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TXN_EVENTS), { maxLength: 30 }), (seq) => {
        const l = newTransactionLifecycle();
        for (const e of seq) l.send(e);
        l.send('TEARDOWN');
        expect(l.state).toBe('noTxn');
      }),
    );
    expect(transactionTable.entries.committing?.COMMIT_FAILED?.target).toBe('noTxn');
  });
});

describe('session lifecycle', () => {
  it('table and machine agree on every event sequence', () => {
    agree(sessionMachine, newSessionLifecycle, SESSION_EVENTS);
  });

  it('every event is accepted or explicitly rejected in every non-final state', () => {
    complete(sessionTable);
    for (const s of sessionTable.states) {
      if (sessionTable.finals.includes(s)) continue;
      for (const e of SESSION_EVENTS) {
        const entry = sessionTable.entries[s]?.[e];
        expect(entry?.target !== s || (entry?.actions.length ?? 0) > 0, `${s} × ${e}`).toBe(true);
      }
    }
  });
});

describe('action masks (the hot path steps tables by index and tests action bits)', () => {
  const cases = [
    { name: 'transaction', make: newTransactionLifecycle, events: TXN_EVENTS, index: txnIndex },
    { name: 'session', make: newSessionLifecycle, events: SESSION_EVENTS, index: sessionIndex },
  ] as const;
  for (const c of cases) {
    it(`${c.name}: sendBits answers the mask of the actions send answers, in the same states`, () => {
      fc.assert(
        fc.property(fc.array(fc.constantFrom(...c.events), { maxLength: 40 }), (seq) => {
          const byName = c.make();
          const byBits = c.make();
          for (const e of seq) {
            const i = c.index.event(e as never);
            const peeked = byBits.bitsFor(i);
            const bits = byBits.sendBits(i);
            const actions = byName.send(e as never);
            let mask = 0;
            for (const a of actions) mask |= c.index.action(a);
            expect(bits).toBe(mask);
            expect(peeked).toBe(mask);
            expect(byBits.state).toBe(byName.state);
          }
        }),
        { numRuns: 200 },
      );
    });
  }
});
