// Derives a flat transition table (state × event → next state and actions) from an XState
// machine. The hot path steps through the table instead of running an actor per statement;
// properties/ checks that the table and the live machine agree on every sequence of events.
import { transition, type AnyStateMachine, type StateValue } from 'xstate';

export interface TableEntry {
  readonly target: string;
  readonly actions: readonly string[];
}

export interface TransitionTable {
  readonly states: readonly string[];
  readonly events: readonly string[];
  /** entries[state][event] */
  readonly entries: Readonly<Record<string, Readonly<Record<string, TableEntry>>>>;
  readonly finals: readonly string[];
}

/** 'open.implicit' for { open: 'implicit' }; plain names stay as they are. */
export function flattenStateValue(value: StateValue): string {
  if (typeof value === 'string') return value;
  const keys = Object.keys(value);
  if (keys.length !== 1) throw new Error(`parallel states are not supported: ${JSON.stringify(value)}`);
  const key = keys[0] as string;
  const inner = value[key];
  return inner === undefined ? key : `${key}.${flattenStateValue(inner)}`;
}

export function toStateValue(flat: string): StateValue {
  const parts = flat.split('.');
  let value: StateValue = parts[parts.length - 1] as string;
  for (let i = parts.length - 2; i >= 0; i--) value = { [parts[i] as string]: value };
  return value;
}

function actionName(action: unknown): string | undefined {
  if (typeof action === 'string') return action;
  if (action !== null && typeof action === 'object') {
    const t = (action as { type?: unknown }).type;
    if (typeof t === 'string' && !t.startsWith('xstate.')) return t;
  }
  return undefined;
}

export function deriveTable(
  machine: AnyStateMachine,
  states: readonly string[],
  events: readonly string[],
): TransitionTable {
  const entries: Record<string, Record<string, TableEntry>> = {};
  const finals: string[] = [];
  for (const state of states) {
    const snapshot = machine.resolveState({ value: toStateValue(state), context: {} });
    if (snapshot.status === 'done') finals.push(state);
    const row: Record<string, TableEntry> = {};
    for (const event of events) {
      const [next, actions] = transition(machine, snapshot, { type: event });
      row[event] = {
        target: flattenStateValue(next.value),
        actions: actions.map(actionName).filter((a): a is string => a !== undefined),
      };
    }
    entries[state] = row;
  }
  return { states, events, entries, finals };
}
