// The buffer pool actor: the one place that asks the storage engine for checkpoints and pool
// statistics by message. Page reads inside a statement go through storage's synchronous port
// (a hit is a Map lookup); only these whole-pool operations are messages.
import type { BufferPoolMsg } from '../src/protocol/messages.js';
import type { StorageEngine } from '../src/storage/ports.js';
import { Actor } from './actor.js';
import type { ReplyRouter } from './reply-router.js';
import { toWire } from './wire-error.js';

export class BufferPoolActor extends Actor<BufferPoolMsg> {
  readonly #storage: StorageEngine;
  readonly #router: ReplyRouter;

  constructor(storage: StorageEngine, router: ReplyRouter) {
    super('buffer-pool');
    this.#storage = storage;
    this.#router = router;
  }

  protected receive(m: BufferPoolMsg): void {
    switch (m.type) {
      case 'Stats':
        this.#router.send({ type: 'Ok', to: m.replyTo, value: this.#storage.stats() });
        return;
      case 'Checkpoint':
        this.#storage.checkpoint().then(
          () => this.#router.send({ type: 'Ok', to: m.replyTo }),
          (e: unknown) => this.#router.send({ type: 'Failed', to: m.replyTo, error: toWire(e) }),
        );
        return;
    }
  }
}
