// A circuit breaker around storage faults: after maxFailures consecutive storage I/O failures the
// circuit opens and statements fail fast (58030 'storage unavailable') instead of piling onto a
// broken disk; after resetTimeout one trial goes through (half-open): success closes the circuit,
// failure opens it again for another resetTimeout.
import { DispatcherError, SqlState } from '../api/errors.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  readonly maxFailures: number;
  readonly resetTimeoutMs: number;
  /** Injected clock (tests). */
  readonly now?: () => number;
}

/** SQLSTATEs that mean the storage underneath failed (not the statement). */
export function isStorageFault(sqlState: string): boolean {
  return sqlState === SqlState.IoError || sqlState === SqlState.DataCorrupted || sqlState.startsWith('58');
}

export class CircuitBreaker {
  readonly #maxFailures: number;
  readonly #resetTimeoutMs: number;
  readonly #now: () => number;
  #state: CircuitState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #trialInFlight = false;
  #trialStartedAt = 0;
  /** Statements refused while open. */
  rejected = 0;
  trips = 0;

  constructor(o: CircuitBreakerOptions) {
    this.#maxFailures = Math.max(1, o.maxFailures);
    this.#resetTimeoutMs = o.resetTimeoutMs;
    this.#now = o.now ?? (() => performance.now());
  }

  get state(): CircuitState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.#resetTimeoutMs) return 'half-open';
    return this.#state;
  }

  get failures(): number {
    return this.#failures;
  }

  /** Null when a statement may go ahead; the error to fail it with when the circuit is open. */
  admit(): DispatcherError | null {
    if (this.#state === 'closed') return null;
    // A trial that never reported (refused before it ran, answered from a cache) expires after
    // another resetTimeout, so the circuit cannot stay half-open for ever.
    const trialLost = this.#trialInFlight && this.#now() - this.#trialStartedAt >= this.#resetTimeoutMs;
    if (this.state === 'half-open' && (!this.#trialInFlight || trialLost)) {
      this.#state = 'half-open';
      this.#trialInFlight = true;
      this.#trialStartedAt = this.#now();
      return null;
    }
    this.rejected++;
    return new DispatcherError(SqlState.IoError, 'storage unavailable', {
      detail: `circuit breaker open after ${this.#failures} storage failures; retry after ${this.#resetTimeoutMs} ms`,
    });
  }

  /** The outcome of an admitted statement: null for success, else its SQLSTATE. */
  record(sqlState: string | null): void {
    const fault = sqlState !== null && isStorageFault(sqlState);
    if (this.#state === 'half-open') {
      this.#trialInFlight = false;
      if (fault) this.#open();
      else if (sqlState === null) {
        this.#state = 'closed';
        this.#failures = 0;
      }
      // A statement that failed for its own reasons proves nothing: the next one is the trial.
      return;
    }
    if (fault) {
      this.#failures++;
      if (this.#failures >= this.#maxFailures) this.#open();
    } else if (sqlState === null) {
      this.#failures = 0;
    }
  }

  #open(): void {
    if (this.#state !== 'open') this.trips++;
    this.#state = 'open';
    this.#openedAt = this.#now();
  }

  /** Runs fn under the breaker (the seed's Execute(fn)). */
  async execute<T>(fn: () => Promise<T>): Promise<T> {
    const refused = this.admit();
    if (refused !== null) throw refused;
    try {
      const v = await fn();
      this.record(null);
      return v;
    } catch (e) {
      this.record(e instanceof DispatcherError ? e.sqlState : SqlState.InternalError);
      throw e;
    }
  }
}
