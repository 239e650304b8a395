// Each lifecycle machine against its independent reference model (src/testing/models.ts), with
// the state × event coverage the properties reach measured and required to be complete.
import { describe, expect, it } from 'vitest';
import { queryMachine } from '../machines/query-machine.js';
import { sessionMachine } from '../machines/session-machine.js';
import { transactionMachine } from '../machines/transaction-machine.js';
import {
  checkMachineAgainstModel,
  CoverageTracker,
  queryEventSequences,
  queryModel,
  sessionEventSequences,
  sessionModel,
  transactionEventSequences,
  transactionModel,
} from '../src/testing/index.js';

describe('machines against their reference models', () => {
  it('query machine: every state × event pair, all covered', () => {
    const coverage = new CoverageTracker(queryModel);
    checkMachineAgainstModel(queryMachine, queryModel, queryEventSequences({ maxLength: 12 }), { numRuns: 600, coverage });
    const c = coverage.report();
    expect(c.missing).toEqual([]);
    expect(c.covered).toBe(c.total);
  });

  it('transaction machine: every state × event pair, all covered', () => {
    const coverage = new CoverageTracker(transactionModel);
    checkMachineAgainstModel(transactionMachine, transactionModel, transactionEventSequences({ maxLength: 40 }), {
      numRuns: 2000,
      coverage,
    });
    const c = coverage.report();
    expect(c.missing).toEqual([]);
    expect(c.covered).toBe(c.total);
  });

  it('session machine: every state × event pair, all covered', () => {
    const coverage = new CoverageTracker(sessionModel);
    checkMachineAgainstModel(sessionMachine, sessionModel, sessionEventSequences({ maxLength: 12 }), { numRuns: 400, coverage });
    const c = coverage.report();
    expect(c.missing).toEqual([]);
  });

  it('a wrong model is caught (the check can fail)', () => {
    const broken = { ...transactionModel, step: (s: never, e: never) => ({ ...transactionModel.step(s, e), accepted: true }) };
    expect(() =>
      checkMachineAgainstModel(transactionMachine, broken, transactionEventSequences(), { numRuns: 200 }),
    ).toThrow();
  });
});
