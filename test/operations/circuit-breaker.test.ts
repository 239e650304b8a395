// The circuit breaker around storage faults: closed -> open after maxFailures storage errors
// (58030 / XX001), fail fast while open, one trial after resetTimeout (half-open), closed again
// on success. Unit tests with a simulated clock, and the database with an injected disk fault.
import { describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { DispatcherError } from '../../src/api/errors.js';
import { CircuitBreaker } from '../../src/observability/circuit-breaker.js';
import type { WriteTxn } from '../../src/storage/ports.js';

describe('CircuitBreaker', () => {
  it('opens after maxFailures consecutive storage faults and fails fast', () => {
    let now = 0;
    const cb = new CircuitBreaker({ maxFailures: 3, resetTimeoutMs: 1000, now: () => now });
    cb.record('58030');
    cb.record('XX001');
    expect(cb.state).toBe('closed');
    expect(cb.admit()).toBeNull();
    cb.record('58030');
    expect(cb.state).toBe('open');
    const e = cb.admit();
    expect(e).toBeInstanceOf(DispatcherError);
    expect(e?.sqlState).toBe('58030');
    expect(e?.message).toBe('storage unavailable');
    expect(cb.rejected).toBe(1);
    now = 999;
    expect(cb.admit()).not.toBeNull();
  });

  it('statement errors are not storage faults, and a success resets the count', () => {
    const cb = new CircuitBreaker({ maxFailures: 2, resetTimeoutMs: 10, now: () => 0 });
    cb.record('42P01');
    cb.record('23505');
    cb.record('58030');
    cb.record(null);
    cb.record('58030');
    expect(cb.state).toBe('closed');
    expect(cb.failures).toBe(1);
  });

  it('half-open lets one trial through: success closes, a fault opens again', () => {
    let now = 0;
    const cb = new CircuitBreaker({ maxFailures: 1, resetTimeoutMs: 100, now: () => now });
    cb.record('58030');
    expect(cb.state).toBe('open');
    now = 100;
    expect(cb.state).toBe('half-open');
    expect(cb.admit()).toBeNull();
    // Only one trial at a time.
    expect(cb.admit()).not.toBeNull();
    cb.record('58030');
    expect(cb.state).toBe('open');
    expect(cb.trips).toBe(2);
    now = 250;
    expect(cb.admit()).toBeNull();
    cb.record(null);
    expect(cb.state).toBe('closed');
    expect(cb.admit()).toBeNull();
  });

  it('a trial that never reports expires after another reset timeout', () => {
    let now = 0;
    const cb = new CircuitBreaker({ maxFailures: 1, resetTimeoutMs: 100, now: () => now });
    cb.record('58030');
    now = 100;
    expect(cb.admit()).toBeNull();
    now = 150;
    expect(cb.admit()).not.toBeNull();
    now = 200;
    expect(cb.admit()).toBeNull();
    cb.record(null);
    expect(cb.state).toBe('closed');
  });

  it('execute(fn) wraps a call (the seed shape)', async () => {
    const cb = new CircuitBreaker({ maxFailures: 1, resetTimeoutMs: 1e9 });
    await expect(cb.execute(async () => 7)).resolves.toBe(7);
    await expect(cb.execute(async () => Promise.reject(new DispatcherError('58030', 'disk gone')))).rejects.toThrow('disk gone');
    await expect(cb.execute(async () => 8)).rejects.toThrow('storage unavailable');
  });
});

describe('circuit breaker in the database', () => {
  it('trips on storage I/O errors from statements and recovers after the reset timeout', async () => {
    const db = await Database.open(':memory:', {
      config: { circuit_breaker_max_failures: 3, circuit_breaker_reset_timeout: '150ms' },
    });
    const s = await db.connect();
    await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    // Fault injection: every commit fails as a broken disk would.
    let broken = true;
    const storage = db.system.storage as { begin(): WriteTxn };
    const begin = storage.begin.bind(storage);
    storage.begin = () => {
      const w = begin();
      const commit = w.commit.bind(w);
      (w as { commit: () => Promise<void> }).commit = () =>
        broken ? Promise.reject(new DispatcherError('58030', 'could not write to file "wal": EIO')) : commit();
      return w;
    };
    for (let i = 0; i < 3; i++) {
      const e = await s.execute('INSERT INTO t VALUES ($1)', [i]).catch((x: unknown) => x as DispatcherError);
      expect(e).toBeInstanceOf(DispatcherError);
      expect((e as DispatcherError).message).toContain('EIO');
    }
    expect(db.monitor.circuitBreaker().state).toBe('open');
    // Open: statements fail fast without reaching the dispatcher, reads included.
    const routed = db.system.dispatcher.routed;
    const fast = await s.execute('SELECT count(*) FROM t').catch((x: unknown) => x as DispatcherError);
    expect(fast).toBeInstanceOf(DispatcherError);
    expect((fast as DispatcherError).sqlState).toBe('58030');
    expect((fast as DispatcherError).message).toBe('storage unavailable');
    expect(db.system.dispatcher.routed).toBe(routed);
    // The disk comes back; after the reset timeout one trial closes the circuit.
    broken = false;
    await new Promise((r) => setTimeout(r, 200));
    expect(db.monitor.circuitBreaker().state).toBe('half-open');
    expect((await s.execute('INSERT INTO t VALUES (10)')).rowsAffected).toBe(1);
    expect(db.monitor.circuitBreaker().state).toBe('closed');
    expect((await s.execute('SELECT id FROM t')).rows).toEqual([[10]]);
    await db.close();
  });
});
