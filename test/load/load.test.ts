// The bounded version of `npm run load`: 16 sessions of the mixed OLTP load (oltp.ts) for 5 s on
// a durable file database. No hang, every error a DispatcherError with a retryable SQLSTATE, the
// invariants (constant sum of balances, one history row per acknowledged transfer, scratch rows
// and item quantities as acknowledged) hold during the run, at the end and after a reopen, and
// the integrity check passes.
import { describe, expect, it } from 'vitest';
import { runLoad } from './oltp.js';

describe('mixed OLTP load', () => {
  it('runs 16 sessions for 5 s with no hang, no lost or extra commit, and a clean integrity check', async () => {
    const r = await runLoad({
      sessions: 16,
      durationMs: 5000,
      accounts: 200,
      hotAccounts: 6,
      items: 2000,
      poolPages: 64,
      hangMs: 15000,
      seed: 7,
    });
    expect(r.failures).toEqual([]);
    // The load did run: writes were acknowledged and lock waits happened on the hot accounts.
    expect(r.commits).toBeGreaterThan(0);
    expect(r.ops.transfer.ok).toBeGreaterThan(0);
    expect(r.lockManager.waits).toBeGreaterThan(0);
    // Each deadlock the lock manager found failed exactly one statement, with 40P01.
    expect(r.deadlocks).toBe(r.lockManager.deadlocks);
    // Only retryable errors: 40001, 40P01 (no lock_timeout is set, so no 55P03).
    expect(Object.keys(r.errorsByState).filter((s) => s !== '40001' && s !== '40P01')).toEqual([]);
    expect(r.final['sumBalance']).toBe(200 * 1000);
  }, 60_000);
});
