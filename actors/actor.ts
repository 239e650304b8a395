// An actor owns its state and handles its mailbox one message at a time. The mailbox is an RxJS
// Subject (mailbox.ts) that hands each message to its owner directly; delivery is synchronous, so a
// message sent while the actor is handling another is queued and handled right after, never
// interleaved.
import { Mailbox } from './mailbox.js';

export abstract class Actor<M> {
  readonly name: string;
  readonly #mailbox: Mailbox<M>;
  readonly #queue: M[] = [];
  #busy = false;

  constructor(name: string) {
    this.name = name;
    this.#mailbox = new Mailbox<M>((m) => this.#deliver(m));
  }

  /** Fire and forget. */
  tell(message: M): void {
    this.#mailbox.next(message);
  }

  protected abstract receive(message: M): void;

  /** Called when receive() throws: an actor never dies of one bad message. */
  protected onError(message: M, error: unknown): void {
    queueMicrotask(() => {
      throw error instanceof Error ? error : new Error(`${this.name}: ${String(error)} handling ${String(message)}`);
    });
  }

  stop(): void {
    this.#mailbox.complete();
  }

  #deliver(message: M): void {
    if (this.#busy) {
      this.#queue.push(message);
      return;
    }
    this.#busy = true;
    try {
      this.#handle(message);
      while (this.#queue.length > 0) this.#handle(this.#queue.shift() as M);
    } finally {
      this.#busy = false;
    }
  }

  #handle(message: M): void {
    try {
      this.receive(message);
    } catch (e) {
      this.onError(message, e);
    }
  }
}
