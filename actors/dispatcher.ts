// The dispatcher routes each analysed statement to the coordinator of its kind, admits at most
// max_concurrent_queries at once (the rest wait in FIFO order, then 53000 past the queue limit),
// and knows every active query so Cancel(queryId) reaches the coordinator running it.
import { DispatcherError, SqlState } from '../src/api/errors.js';
import type { CoordinatorName } from '../src/protocol/statement.js';
import type { DispatcherMsg, RunStatement } from '../src/protocol/messages.js';
import { Actor } from './actor.js';
import { IdMap } from './id-map.js';
import type { Coordinator } from './coordinators/coordinator.js';
import type { ReplyRouter } from './reply-router.js';
import { toWire } from './wire-error.js';

export interface ActiveQuery {
  readonly queryId: number;
  readonly sessionId: number;
  readonly user: string;
  readonly text: string;
  readonly kind: string;
  readonly coordinator: CoordinatorName;
  readonly startedAt: number;
  readonly state: 'queued' | 'running';
}

export interface DispatcherLimits {
  readonly maxConcurrentQueries: number;
  readonly maxQueuedQueries: number;
}

export class Dispatcher extends Actor<DispatcherMsg> {
  readonly #routes: Readonly<Record<CoordinatorName, Coordinator>>;
  readonly #router: ReplyRouter;
  readonly #limits: DispatcherLimits;
  /**
   * Active statements by query id: the Run itself (no entry object per statement). It started at
   * its sentAt (a queued one is started as a copy stamped anew); it is queued while in #queue.
   */
  readonly #active = new IdMap<RunStatement>();
  readonly #queue: RunStatement[] = [];
  #running = 0;
  routed = 0;

  constructor(routes: Readonly<Record<CoordinatorName, Coordinator>>, router: ReplyRouter, limits: DispatcherLimits) {
    super('dispatcher');
    this.#routes = routes;
    this.#router = router;
    this.#limits = limits;
  }

  protected receive(m: DispatcherMsg): void {
    switch (m.type) {
      case 'Run':
        this.#admit(m);
        return;
      case 'Cancel': {
        const run = this.#active.get(m.queryId);
        if (run === undefined) return;
        const i = this.#queue.indexOf(run);
        if (i >= 0) {
          // A waiting statement leaves the queue at once.
          this.#queue.splice(i, 1);
          this.#active.delete(m.queryId);
          const message =
            m.reason === 'timeout' ? 'canceling statement due to statement timeout' : 'canceling statement due to user request';
          this.#router.send({ type: 'Failed', to: run.replyTo, error: { sqlState: SqlState.QueryCanceled, message } });
          return;
        }
        this.#routes[run.statement.flags.coordinator].tell(m);
        return;
      }
      case 'Released':
        if (this.#active.delete(m.queryId)) {
          this.#running--;
          this.#drain();
        }
        return;
    }
  }

  #admit(run: RunStatement): void {
    if (this.#running < this.#limits.maxConcurrentQueries) {
      this.#start(run.sentAt === undefined ? { ...run, sentAt: performance.now() } : run);
      return;
    }
    if (this.#queue.length >= this.#limits.maxQueuedQueries) {
      const e = new DispatcherError(
        SqlState.InsufficientResources,
        `too many concurrent queries: ${this.#running} running and ${this.#queue.length} queued`,
      );
      this.#router.send({ type: 'Failed', to: run.replyTo, error: toWire(e) });
      return;
    }
    const queued = run.sentAt === undefined ? { ...run, sentAt: performance.now() } : run;
    this.#active.set(run.queryId, queued);
    if (run.observed === true) {
      this.#router.send({ type: 'Progress', to: run.rowsTo, phase: 'queued', rowsExamined: 0, rowsProduced: 0 });
    }
    this.#queue.push(queued);
  }

  #start(run: RunStatement): void {
    this.#running++;
    this.routed++;
    this.#active.set(run.queryId, run);
    this.#routes[run.statement.flags.coordinator].tell(run);
  }

  #drain(): void {
    while (this.#running < this.#limits.maxConcurrentQueries && this.#queue.length > 0) {
      // It starts now, not when it was sent: the coordinator times it from here.
      this.#start({ ...(this.#queue.shift() as RunStatement), sentAt: performance.now() });
    }
  }

  activeQueries(): ActiveQuery[] {
    return this.#active.values().map((run) => ({
      queryId: run.queryId,
      sessionId: run.context.sessionId,
      user: run.context.user,
      text: run.statement.text,
      kind: run.statement.kind,
      coordinator: run.statement.flags.coordinator,
      startedAt: run.sentAt ?? 0,
      state: this.#queue.includes(run) ? ('queued' as const) : ('running' as const),
    }));
  }
}
