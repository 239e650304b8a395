// A stream that never makes its producer wait: publish() appends to a bounded buffer per
// subscriber and returns; subscribers are called later (setImmediate), in batches bounded by a
// time budget. A subscriber that cannot keep up loses the oldest-undelivered overflow: each lost
// item is counted (per subscriber and in total) instead of slowing the statements that publish.
import type { Subscriber } from 'rxjs';
import { Observable } from './rx.js';

interface Sink<T> {
  readonly subscriber: Subscriber<T>;
  readonly buffer: T[];
  /** Index of the next item to deliver (the buffer is compacted after each drain). */
  head: number;
  dropped: number;
}

export interface BoundedStreamOptions {
  /** Items buffered per subscriber before new ones are dropped. Default 1024. */
  readonly capacity?: number;
  /** Longest time one drain spends calling subscribers before yielding. Default 2 ms. */
  readonly budgetMs?: number;
}

export class BoundedStream<T> {
  readonly #sinks: Sink<T>[] = [];
  readonly #capacity: number;
  readonly #budgetMs: number;
  #scheduled = false;
  /** Items lost because a subscriber's buffer was full. */
  dropped = 0;
  delivered = 0;
  readonly observable: Observable<T>;

  constructor(options: BoundedStreamOptions = {}) {
    this.#capacity = Math.max(1, options.capacity ?? 1024);
    this.#budgetMs = options.budgetMs ?? 2;
    this.observable = new Observable<T>((subscriber) => {
      const sink: Sink<T> = { subscriber, buffer: [], head: 0, dropped: 0 };
      this.#sinks.push(sink);
      return () => {
        const i = this.#sinks.indexOf(sink);
        if (i >= 0) this.#sinks.splice(i, 1);
      };
    });
  }

  /** True when someone listens: producers skip building items nobody will see. */
  get observed(): boolean {
    return this.#sinks.length > 0;
  }

  publish(item: T): void {
    const sinks = this.#sinks;
    if (sinks.length === 0) return;
    for (let i = 0; i < sinks.length; i++) {
      const s = sinks[i] as Sink<T>;
      if (s.buffer.length - s.head >= this.#capacity) {
        s.dropped++;
        this.dropped++;
      } else {
        s.buffer.push(item);
      }
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#drain);
    }
  }

  readonly #drain = (): void => {
    this.#scheduled = false;
    const deadline = performance.now() + this.#budgetMs;
    let more = false;
    for (const s of [...this.#sinks]) {
      while (s.head < s.buffer.length) {
        const item = s.buffer[s.head] as T;
        s.head++;
        this.delivered++;
        // RxJS reports what a subscriber throws as an unhandled error; the publisher never sees it.
        s.subscriber.next(item);
        if (s.subscriber.closed || performance.now() > deadline) break;
      }
      if (s.head >= s.buffer.length) {
        s.buffer.length = 0;
        s.head = 0;
      } else {
        more = true;
        if (s.head > 4096) {
          s.buffer.splice(0, s.head);
          s.head = 0;
        }
      }
    }
    if (more && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#drain);
    }
  };

  /** Per-subscriber losses, in subscription order. */
  droppedPerSubscriber(): number[] {
    return this.#sinks.map((s) => s.dropped);
  }

  complete(): void {
    for (const s of this.#sinks.splice(0)) s.subscriber.complete();
  }
}
