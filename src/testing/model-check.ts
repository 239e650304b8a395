// Model-based checking of a lifecycle machine: drive a live XState actor with event sequences and
// compare, after every event, its state with the reference model's, and whether it refused the
// event (ran a `reject…` action) with whether the model refuses it. Reports which state × event
// pairs the run covered.
import fc from 'fast-check';
import { createActor, type AnyStateMachine } from 'xstate';
import { flattenStateValue } from '../../machines/transition-table.js';
import type { LifecycleModel } from './models.js';

export interface Coverage {
  readonly covered: number;
  readonly total: number;
  readonly missing: readonly string[];
}

export class CoverageTracker {
  readonly #seen = new Set<string>();
  readonly #model: LifecycleModel<string, string>;

  constructor(model: LifecycleModel<string, string>) {
    this.#model = model;
  }

  record(state: string, event: string): void {
    this.#seen.add(`${state} × ${event}`);
  }

  report(): Coverage {
    const all: string[] = [];
    for (const s of this.#model.states) {
      if (this.#model.finals.includes(s)) continue;
      for (const e of this.#model.events) all.push(`${s} × ${e}`);
    }
    const missing = all.filter((k) => !this.#seen.has(k));
    return { covered: all.length - missing.length, total: all.length, missing };
  }
}

export interface MachineCheckOptions {
  readonly numRuns?: number;
  readonly seed?: number;
  /** Filled with every state × event pair the run exercised. */
  readonly coverage?: CoverageTracker;
  /** Extra implementations for the machine's actions (your own side effects under test). */
  readonly actions?: Record<string, () => void>;
}

/** Throws (through fast-check, with a shrunk counterexample) when machine and model disagree. */
export function checkMachineAgainstModel<S extends string, E extends string>(
  machine: AnyStateMachine,
  model: LifecycleModel<S, E>,
  sequences: fc.Arbitrary<E[]>,
  options: MachineCheckOptions = {},
): void {
  const actionNames = Object.keys(
    (machine as unknown as { implementations: { actions: Record<string, unknown> } }).implementations.actions,
  );
  fc.assert(
    fc.property(sequences, (events) => {
      const ran: string[] = [];
      const actions: Record<string, () => void> = {};
      for (const name of actionNames) {
        const user = options.actions?.[name];
        actions[name] = () => {
          ran.push(name);
          user?.();
        };
      }
      const actor = createActor(machine.provide({ actions })).start();
      let state: S = model.initial;
      try {
        for (const event of events) {
          if (model.finals.includes(state)) break;
          options.coverage?.record(state, event);
          const before = ran.length;
          actor.send({ type: event });
          const expected = model.step(state, event);
          const actual = flattenStateValue(actor.getSnapshot().value) as S;
          const refused = ran.slice(before).some((a) => a.startsWith('reject'));
          if (actual !== expected.next) {
            throw new Error(`${model.name}: ${state} × ${event} went to ${actual}, the model says ${expected.next}`);
          }
          if (refused === expected.accepted) {
            throw new Error(
              `${model.name}: ${state} × ${event} was ${refused ? 'refused' : 'accepted'}, the model ${expected.accepted ? 'accepts' : 'refuses'} it`,
            );
          }
          state = expected.next;
        }
      } finally {
        actor.stop();
      }
    }),
    { numRuns: options.numRuns ?? 200, ...(options.seed !== undefined ? { seed: options.seed } : {}) },
  );
}
