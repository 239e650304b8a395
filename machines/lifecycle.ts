// A lifecycle stepped through a derived transition table: a few array reads per event, so
// every statement can follow the machine without creating an actor.
import type { TransitionTable } from './transition-table.js';

export class CompiledTable<S extends string, E extends string> {
  readonly states: readonly S[];
  readonly events: readonly E[];
  readonly #next: Int16Array;
  readonly #actions: (readonly string[])[];
  readonly #stateIndex = new Map<string, number>();
  readonly #eventIndex = new Map<string, number>();
  readonly #final: boolean[];
  /** Each action name's bit, and each entry's actions as a mask of them (hot paths test bits). */
  readonly #actionBits = new Map<string, number>();
  readonly #bits: Int32Array;

  constructor(table: TransitionTable) {
    this.states = table.states as readonly S[];
    this.events = table.events as readonly E[];
    table.states.forEach((s, i) => this.#stateIndex.set(s, i));
    table.events.forEach((e, i) => this.#eventIndex.set(e, i));
    const n = table.states.length * table.events.length;
    this.#next = new Int16Array(n);
    this.#actions = new Array<readonly string[]>(n);
    this.#bits = new Int32Array(n);
    this.#final = table.states.map((s) => table.finals.includes(s));
    table.states.forEach((s, si) => {
      table.events.forEach((e, ei) => {
        const entry = table.entries[s]?.[e];
        if (entry === undefined) throw new Error(`table lacks ${s} × ${e}`);
        const target = this.#stateIndex.get(entry.target);
        if (target === undefined) throw new Error(`unknown target ${entry.target}`);
        this.#next[si * table.events.length + ei] = target;
        this.#actions[si * table.events.length + ei] = entry.actions;
        let bits = 0;
        for (const a of entry.actions) {
          let bit = this.#actionBits.get(a);
          if (bit === undefined) {
            if (this.#actionBits.size >= 31) throw new Error('more than 31 action names');
            bit = 1 << this.#actionBits.size;
            this.#actionBits.set(a, bit);
          }
          bits |= bit;
        }
        this.#bits[si * table.events.length + ei] = bits;
      });
    });
  }

  stateIndex(state: S): number {
    const i = this.#stateIndex.get(state);
    if (i === undefined) throw new Error(`unknown state ${state}`);
    return i;
  }

  eventIndex(event: E): number {
    const i = this.#eventIndex.get(event);
    if (i === undefined) throw new Error(`unknown event ${event}`);
    return i;
  }

  next(state: number, event: number): number {
    return this.#next[state * this.events.length + event] as number;
  }

  /** The bit of an action the table runs somewhere (throws for a name it never runs). */
  actionBit(action: string): number {
    const b = this.#actionBits.get(action);
    if (b === undefined) throw new Error(`no transition runs action ${action}`);
    return b;
  }

  bits(state: number, event: number): number {
    return this.#bits[state * this.events.length + event] as number;
  }

  actions(state: number, event: number): readonly string[] {
    return this.#actions[state * this.events.length + event] as readonly string[];
  }

  isFinal(state: number): boolean {
    return this.#final[state] === true;
  }
}

/** One running lifecycle: the current state and the actions each event asks for. */
export class Lifecycle<S extends string, E extends string> {
  readonly #table: CompiledTable<S, E>;
  #state: number;

  constructor(table: CompiledTable<S, E>, initial: S) {
    this.#table = table;
    this.#state = table.stateIndex(initial);
  }

  get state(): S {
    return this.#table.states[this.#state] as S;
  }

  get done(): boolean {
    return this.#table.isFinal(this.#state);
  }

  /** The current state's index in the table (hot paths step by indices, no name lookups). */
  get stateIndex(): number {
    return this.#state;
  }

  /** send() for an event given by its index in the table. */
  sendIndex(e: number): readonly string[] {
    const actions = this.#table.actions(this.#state, e);
    this.#state = this.#table.next(this.#state, e);
    return actions;
  }

  /** Applies the event; returns the names of the actions the machine runs for it. */
  send(event: E): readonly string[] {
    const e = this.#table.eventIndex(event);
    const actions = this.#table.actions(this.#state, e);
    this.#state = this.#table.next(this.#state, e);
    return actions;
  }

  /** sendIndex(), answering the actions as a mask of the table's action bits. */
  sendBits(e: number): number {
    const bits = this.#table.bits(this.#state, e);
    this.#state = this.#table.next(this.#state, e);
    return bits;
  }

  /** The actions the event would run, as a mask of action bits, without applying it. */
  bitsFor(e: number): number {
    return this.#table.bits(this.#state, e);
  }

  /** The actions the event would run, without applying it (no allocation: the table's own array). */
  actionsFor(event: E): readonly string[] {
    return this.#table.actions(this.#state, this.#table.eventIndex(event));
  }

  /** What the event would do, without applying it. */
  peek(event: E): { readonly target: S; readonly actions: readonly string[] } {
    const e = this.#table.eventIndex(event);
    return {
      target: this.#table.states[this.#table.next(this.#state, e)] as S,
      actions: this.#table.actions(this.#state, e),
    };
  }
}
