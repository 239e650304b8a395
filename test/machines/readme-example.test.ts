// The README's example of a user's property test, kept runnable: it imports the package the way a
// user does (vitest.config.ts and tsconfig.json map 'dispatchdb/*' to the sources).
import { describe, expect, it } from 'vitest';
import { Database } from 'dispatchdb';
import { transactionMachine } from 'dispatchdb/machines';
import {
  checkDatabaseLifecycles,
  checkMachineAgainstModel,
  CoverageTracker,
  transactionEventSequences,
  transactionModel,
} from 'dispatchdb/testing';

describe('my checks of the transaction lifecycle', () => {
  it('the machine agrees with the reference model on every event sequence', () => {
    const coverage = new CoverageTracker(transactionModel);
    let commits = 0;
    checkMachineAgainstModel(transactionMachine, transactionModel, transactionEventSequences({ maxLength: 40 }), {
      numRuns: 2000,
      coverage,
      // Your own side effects, run when the machine runs the action.
      actions: { commitTxn: () => void commits++ },
    });
    expect(coverage.report().missing).toEqual([]);
    expect(commits).toBeGreaterThan(0);
  });

  it('a live database never leaves a lock held or a transaction open', async () => {
    const db = await Database.open(':memory:');
    // Register your plugin on db here: the check then proves it leaves nothing stuck.
    await checkDatabaseLifecycles(db, { numRuns: 10 });
    await db.close();
  }, 60_000);
});
