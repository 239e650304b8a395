// An actor's mailbox: an RxJS Subject whose owner is handed each message directly. Anyone else may
// still subscribe to watch the messages; the owner alone skips the Subject's observer array and
// subscriber chain, which cost more than the handling of a short message.
import { Subject } from 'rxjs';

export class Mailbox<M> extends Subject<M> {
  readonly #owner: (message: M) => void;

  constructor(owner: (message: M) => void) {
    super();
    this.#owner = owner;
  }

  override next(message: M): void {
    // A completed mailbox drops messages, as a completed Subject does.
    if (this.isStopped) return;
    this.#owner(message);
    if (this.observed) super.next(message);
  }
}
