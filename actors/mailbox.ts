// An actor's mailbox: an RxJS Subject whose owner is handed each message directly, one at a time.
// Anyone else may still subscribe to watch the messages; the owner alone skips the Subject's
// observer array and subscriber chain, which cost more than the handling of a short message.
// The queue and the busy flag live here rather than in the Actor base class: every actor class
// has its own object shape, so base-class code reading them would see a dozen shapes per field
// (megamorphic property access on every message), while every mailbox has the same one.
import { Subject } from '../src/observability/rx.js';

export class Mailbox<M> extends Subject<M> {
  readonly #owner: (message: M) => void;
  readonly #onError: (message: M, error: unknown) => void;
  readonly #queue: M[] = [];
  #busy = false;

  constructor(owner: (message: M) => void, onError: (message: M, error: unknown) => void) {
    super();
    this.#owner = owner;
    this.#onError = onError;
  }

  override next(message: M): void {
    // A completed mailbox drops messages, as a completed Subject does.
    if (this.isStopped) return;
    this.#deliver(message);
    if (this.observed) super.next(message);
  }

  /** A message sent while the owner handles another waits for it: never interleaved. */
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
      this.#owner(message);
    } catch (e) {
      this.#onError(message, e);
    }
  }
}
