// An actor owns its state and handles its mailbox one message at a time. The mailbox is an RxJS
// Subject (mailbox.ts) that hands each message to its owner directly; delivery is synchronous, so a
// message sent while the actor is handling another is queued and handled right after, never
// interleaved.
import { Mailbox } from './mailbox.js';

export abstract class Actor<M> {
  readonly name: string;
  readonly #mailbox: Mailbox<M>;
  /**
   * Fire and forget. A function of this actor rather than a shared method: it reaches the mailbox
   * through its closure, not through a field of `this`, whose shape differs per actor class.
   */
  readonly tell: (message: M) => void;

  constructor(name: string) {
    this.name = name;
    // The subclass's receive, read once (already on the prototype chain while the base constructs).
    const receive = this.receive;
    const mailbox = new Mailbox<M>(
      (m) => receive.call(this, m),
      (m, e) => this.onError(m, e),
    );
    this.#mailbox = mailbox;
    this.tell = (message) => mailbox.next(message);
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
}
