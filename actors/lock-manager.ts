// The lock manager owns the lock table. A request that can be granted at once is answered at once;
// one that must wait is answered when granted, or fails with 40P01 when waiting would deadlock,
// 55P03 past its lock timeout, or 57014 when its statement is cancelled while it waits.
import { DispatcherError, SqlState } from '../src/api/errors.js';
import { LockTable, type Waiter } from '../src/concurrency/lock-table.js';
import type { LockManagerMsg, LockModeName } from '../src/protocol/messages.js';
import { Actor } from './actor.js';
import type { ReplyRouter } from './reply-router.js';
import { toWire } from './wire-error.js';

interface Pending {
  readonly replyTo: number;
  readonly since: number;
  timer: NodeJS.Timeout | null;
}

export class LockManager extends Actor<LockManagerMsg> {
  readonly table = new LockTable();
  readonly #router: ReplyRouter;
  readonly #pending = new Map<number, Pending>();
  deadlocks = 0;
  timeouts = 0;
  waits = 0;

  constructor(router: ReplyRouter) {
    super('lock-manager');
    this.#router = router;
  }

  /** The synchronous port: true when granted now (no message round trip on the common path). */
  tryAcquire(txnId: number, resource: string, mode: LockModeName): boolean {
    return this.table.tryAcquire(txnId, resource, mode);
  }

  /** tryAcquire of `prefix + key`, the lock of a row keyed by one number. */
  tryAcquireRow(txnId: number, prefix: string, key: number, mode: LockModeName): boolean {
    return this.table.tryAcquireRow(txnId, prefix, key, mode);
  }

  protected receive(m: LockManagerMsg): void {
    switch (m.type) {
      case 'Acquire': {
        const out = this.table.acquire(m.txnId, m.resource, m.mode);
        if (out.kind === 'granted') {
          this.#router.send({ type: 'Ok', to: m.replyTo });
        } else if (out.kind === 'deadlock') {
          this.deadlocks++;
          this.#granted(out.woken);
          this.#router.send({
            type: 'Failed',
            to: m.replyTo,
            error: toWire(
              new DispatcherError(SqlState.DeadlockDetected, 'deadlock detected', {
                detail: `waits-for cycle: ${out.cycle.map((t) => `transaction ${t}`).join(' → ')} → transaction ${m.txnId}`,
              }),
            ),
          });
        } else {
          this.waits++;
          const p: Pending = { replyTo: m.replyTo, since: performance.now(), timer: null };
          if (m.timeoutMs > 0) {
            p.timer = setTimeout(() => this.tell({ type: 'CancelWait', txnId: m.txnId, reason: 'timeout' }), m.timeoutMs);
            p.timer.unref?.();
          }
          this.#pending.set(m.txnId, p);
        }
        return;
      }
      case 'CancelWait': {
        const p = this.#pending.get(m.txnId);
        if (p === undefined) return;
        this.#pending.delete(m.txnId);
        if (p.timer !== null) clearTimeout(p.timer);
        this.#granted(this.table.cancelWait(m.txnId));
        if (m.reason === 'timeout') this.timeouts++;
        const error =
          m.reason === 'timeout'
            ? new DispatcherError(SqlState.LockNotAvailable, 'canceling statement due to lock timeout')
            : new DispatcherError(SqlState.QueryCanceled, 'canceling statement due to user request');
        this.#router.send({ type: 'Failed', to: p.replyTo, error: toWire(error) });
        return;
      }
      case 'ReleaseAll': {
        const p = this.#pending.get(m.txnId);
        if (p !== undefined) {
          this.#pending.delete(m.txnId);
          if (p.timer !== null) clearTimeout(p.timer);
          this.#router.send({
            type: 'Failed',
            to: p.replyTo,
            error: { sqlState: SqlState.QueryCanceled, message: 'transaction ended while waiting for a lock' },
          });
        }
        this.#granted(this.table.releaseAll(m.txnId));
        return;
      }
    }
  }

  /** Milliseconds the transaction has waited on its current request (0 when not waiting). */
  waitingMs(txnId: number): number {
    const p = this.#pending.get(txnId);
    return p === undefined ? 0 : performance.now() - p.since;
  }

  #granted(woken: readonly Waiter[]): void {
    for (const w of woken) {
      const p = this.#pending.get(w.txn);
      if (p === undefined) continue;
      this.#pending.delete(w.txn);
      if (p.timer !== null) clearTimeout(p.timer);
      this.#router.send({ type: 'Ok', to: p.replyTo });
    }
  }
}
