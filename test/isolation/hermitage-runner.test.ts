// The Hermitage runner's mechanics on small scripts of its own: a blocked step keeps running and
// its eventual result is recorded; a script that cannot go on is stopped at the cap as hung, its
// pending statement cancelled, and the database is still usable for the final check.
import { describe, expect, it } from 'vitest';
import type { HermitageCase, HermitageFile } from './hermitage-cases.js';
import { runCase } from './hermitage-runner.js';

const file = (cases: HermitageCase[]): HermitageFile => ({
  format: 'isolation-cases/v1',
  block_ms: 150,
  levels: [
    { key: 'RC', sql: 'READ COMMITTED' },
    { key: 'RR', sql: 'REPEATABLE READ' },
    { key: 'SER', sql: 'SERIALIZABLE' },
  ],
  setup: ['CREATE TABLE test (id int primary key, value int)', 'INSERT INTO test (id, value) VALUES (1, 10), (2, 20)'],
  teardown: ['DROP TABLE test'],
  final_check: 'SELECT id, value FROM test',
  cases,
});

const both = { RC: 'prevented', RR: 'prevented', SER: 'prevented' } as const;

describe('Hermitage runner', () => {
  it('records a blocked step, its eventual result, and who committed', async () => {
    const c: HermitageCase = {
      id: 'blocked-update',
      hermitage_column: 'P4',
      name: 'second writer of a row waits for the first',
      steps: [
        { session: 'T1', sql: 'BEGIN' },
        { session: 'T1', sql: 'SET TRANSACTION ISOLATION LEVEL {LEVEL}' },
        { session: 'T2', sql: 'BEGIN' },
        { session: 'T2', sql: 'SET TRANSACTION ISOLATION LEVEL {LEVEL}' },
        { session: 'T1', sql: 'UPDATE test SET value = 11 WHERE id = 1' },
        { session: 'T2', id: 'w2', sql: 'UPDATE test SET value = 12 WHERE id = 1', expect: { blocks: 'ok' } },
        { session: 'T1', sql: 'COMMIT' },
        { session: 'T2', id: 'r2', sql: 'SELECT * FROM test WHERE id = 1' },
        { session: 'T2', sql: 'COMMIT' },
      ],
      anomaly: { step: 'r2', hasRow: [1, 11] },
      postgres: both,
    };
    const run = await runCase(file([c]), c, 'RC', { blockMs: 150, capMs: 3000 });
    expect(run.hung).toBe(false);
    expect(run.problems).toEqual([]);
    expect(run.outcomes[5]).toMatchObject({ kind: 'ok', blocked: true, command: 'UPDATE' });
    expect(run.outcomes[4]).toMatchObject({ kind: 'ok', blocked: false });
    expect(run.observations.steps['r2']).toMatchObject({ kind: 'ok', rows: [[1, 12]] });
    expect(run.observations.committed).toEqual({ T1: true, T2: true });
    expect(run.observations.final).toEqual([[1, 12], [2, 20]]);
    expect(run.anomaly).toBe(false);
    expect(run.mismatches).toEqual([]);
  });

  it('stops a script that cannot go on at the cap, as hung, and cancels what is pending', async () => {
    const c: HermitageCase = {
      id: 'self-blocked',
      hermitage_column: 'G0',
      name: "T2's next step waits for its blocked update, T1's commit comes after it",
      steps: [
        { session: 'T1', sql: 'BEGIN' },
        { session: 'T1', sql: 'UPDATE test SET value = 11 WHERE id = 1' },
        { session: 'T2', sql: 'BEGIN' },
        { session: 'T2', sql: 'UPDATE test SET value = 12 WHERE id = 1' },
        { session: 'T2', sql: 'SELECT * FROM test' },
        { session: 'T1', sql: 'COMMIT' },
      ],
      anomaly: { committed: 'T2' },
      postgres: both,
    };
    const run = await runCase(file([c]), c, 'RC', { blockMs: 150, capMs: 2000 });
    expect(run.hung).toBe(true);
    expect(run.verdict).toBe('hung');
    expect(run.outcomes.map((o) => o.kind)).toEqual(['ok', 'ok', 'ok', 'pending', 'not-run', 'not-run']);
    // Both open transactions were rolled back, so the final check sees the setup rows.
    expect(run.problems).toEqual([]);
    expect(run.observations.final).toEqual([[1, 10], [2, 20]]);
  });
});
