// Request/reply by correlation id: whoever asks registers a handler under a fresh id and puts the
// id in its message; whoever answers sends Reply messages to that id. One Map lookup per reply.
import type { Reply } from '../src/protocol/messages.js';
import { IdMap } from './id-map.js';
import { fromWire } from './wire-error.js';

export type ReplyHandler = (reply: Reply) => void;

export class ReplyRouter {
  readonly #handlers = new IdMap<ReplyHandler>();
  #next = 1;

  newId(): number {
    return this.#next++;
  }

  register(id: number, handler: ReplyHandler): void {
    this.#handlers.set(id, handler);
  }

  unregister(id: number): void {
    this.#handlers.delete(id);
  }

  /** Delivers a reply; a reply for an id nobody waits on any more (a cancelled query) is dropped. */
  send(reply: Reply): void {
    const h = this.#handlers.get(reply.to);
    if (h !== undefined) h(reply);
  }

  /** Hands `reply` to whoever waits on `to` as it is (a forwarded reply keeps its own address). */
  forward(to: number, reply: Reply): void {
    const h = this.#handlers.get(to);
    if (h !== undefined) h(reply);
  }

  /** Registers a one-shot handler: resolves with the Ok value, rejects with a DispatcherError. */
  ask(send: (id: number) => void): Promise<unknown> {
    const id = this.newId();
    return new Promise((resolve, reject) => {
      this.#handlers.set(id, (r) => {
        if (r.type === 'Ok') {
          this.#handlers.delete(id);
          resolve(r.value);
        } else if (r.type === 'Failed') {
          this.#handlers.delete(id);
          reject(fromWire(r.error));
        }
      });
      send(id);
    });
  }

  get pending(): number {
    return this.#handlers.size;
  }
}
