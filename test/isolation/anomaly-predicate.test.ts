// The Hermitage runner's judgements on hand-written observations: the anomaly predicates of the
// case file, the row multiset comparisons and PostgreSQL's expect matching.
import { describe, expect, it } from 'vitest';
import { evaluate, matchesExpect, noteCommit, sameRows, type Observations, type StepOutcome } from './anomaly-predicate.js';
import type { HermitageCase, Predicate, Row } from './hermitage-cases.js';
import { loadHermitage } from './hermitage-cases.js';

const ok = (rows: Row[] = [], blocked = false, command = 'SELECT'): StepOutcome => ({ kind: 'ok', blocked, command, rows });
const err = (sqlState: string, blocked = false): StepOutcome => ({ kind: 'error', blocked, sqlState, message: sqlState });
const obs = (o: Partial<Observations>): Observations => ({ steps: {}, committed: {}, final: null, ...o });

describe('row multisets', () => {
  it('ignore order, respect multiplicity, and equate bigint with number', () => {
    expect(sameRows([[1, 10], [2, 20]], [[2, 20], [1, 10]])).toBe(true);
    expect(sameRows([[1, 10], [1, 10]], [[1, 10]])).toBe(false);
    expect(sameRows([[1, 10], [1, 10]], [[1, 10], [2, 20]])).toBe(false);
    expect(sameRows([[1n, 10n]], [[1, 10]])).toBe(true);
    expect(sameRows([[1, '10']], [[1, 10]])).toBe(false);
    expect(sameRows([], [])).toBe(true);
  });
});

describe('predicate forms', () => {
  const o = obs({
    steps: { a: ok([[1, 10], [2, 20]]), b: err('40001'), c: ok([[1, 11]], true), d: { kind: 'pending' } },
    committed: { T1: true, T2: false },
    final: [[1, 10]],
  });
  const cases: [Predicate, boolean][] = [
    [{ step: 'a', rows: [[2, 20], [1, 10]] }, true],
    [{ step: 'a', rows: [[1, 10]] }, false],
    [{ step: 'a', notRows: [[1, 10]] }, true],
    [{ step: 'a', hasRow: [2, 20] }, true],
    [{ step: 'a', hasRow: [2, 21] }, false],
    // A step that failed, never answered or does not exist makes step predicates false.
    [{ step: 'b', rows: [] }, false],
    [{ step: 'b', notRows: [[1, 10]] }, false],
    [{ step: 'd', notRows: [] }, false],
    [{ step: 'zz', hasRow: [1, 10] }, false],
    // Blocked, then answered: completed OK.
    [{ step: 'c', hasRow: [1, 11] }, true],
    [{ committed: 'T1' }, true],
    [{ committed: 'T2' }, false],
    [{ committed: 'T3' }, false],
    [{ finalIn: [[[2, 20]], [[1, 10]]] }, true],
    [{ finalIn: [[[1, 10], [2, 20]]] }, false],
    [{ finalNotIn: [[[1, 10], [2, 20]]] }, true],
    [{ finalNotIn: [[[1, 10]]] }, false],
    [{ all: [{ committed: 'T1' }, { step: 'a', hasRow: [1, 10] }] }, true],
    [{ all: [{ committed: 'T1' }, { committed: 'T2' }] }, false],
    [{ any: [{ committed: 'T2' }, { step: 'b', rows: [] }] }, false],
    [{ any: [{ committed: 'T2' }, { committed: 'T1' }] }, true],
    [{ not: { committed: 'T2' } }, true],
    [{ all: [] }, true],
    [{ any: [] }, false],
  ];
  it.each(cases.map(([p, want], i) => [i, JSON.stringify(p), p, want] as const))('#%i %s', (_i, _s, p, want) => {
    expect(evaluate(p, o)).toBe(want);
  });

  it('final predicates are false without a final result', () => {
    expect(evaluate({ finalNotIn: [[[1, 10]]] }, obs({}))).toBe(false);
    expect(evaluate({ finalIn: [[[1, 10]]] }, obs({}))).toBe(false);
  });
});

describe('committed', () => {
  it('is the last COMMIT of the session, and only a COMMIT tag counts', () => {
    const c: Record<string, boolean> = {};
    noteCommit(c, 'T1', 'SELECT 1', ok());
    expect(c).toEqual({});
    noteCommit(c, 'T1', 'COMMIT', ok([], false, 'COMMIT'));
    noteCommit(c, 'T2', 'commit', ok([], true, 'ROLLBACK'));
    noteCommit(c, 'T3', 'COMMIT', err('40001'));
    expect(c).toEqual({ T1: true, T2: false, T3: false });
    noteCommit(c, 'T1', 'COMMIT', err('25P01'));
    expect(c['T1']).toBe(false);
  });
});

describe('expect matching (PostgreSQL compatibility, information only)', () => {
  it('distinguishes ok, error, aborted, rows and blocks', () => {
    expect(matchesExpect('UPDATE t SET v = 1', 'ok', ok([], false, 'UPDATE'))).toBe(true);
    expect(matchesExpect('UPDATE t SET v = 1', 'ok', ok([], true, 'UPDATE'))).toBe(false);
    expect(matchesExpect('COMMIT', 'ok', ok([], false, 'ROLLBACK'))).toBe(false);
    expect(matchesExpect('COMMIT', 'aborted', ok([], false, 'ROLLBACK'))).toBe(true);
    expect(matchesExpect('COMMIT', 'aborted', err('40001'))).toBe(true);
    expect(matchesExpect('COMMIT', 'aborted', ok([], false, 'COMMIT'))).toBe(false);
    expect(matchesExpect('UPDATE t SET v = 1', 'error', err('40001'))).toBe(true);
    expect(matchesExpect('UPDATE t SET v = 1', 'error', err('40001', true))).toBe(false);
    expect(matchesExpect('UPDATE t SET v = 1', { blocks: 'error' }, err('40001', true))).toBe(true);
    expect(matchesExpect('UPDATE t SET v = 1', { blocks: 'ok' }, ok([], false, 'UPDATE'))).toBe(false);
    expect(matchesExpect('SELECT * FROM t', { rows: [[2, 20], [1, 10]] }, ok([[1, 10], [2, 20]]))).toBe(true);
    expect(matchesExpect('SELECT * FROM t', { rows: [] }, ok([[1, 10]]))).toBe(false);
    expect(matchesExpect('SELECT * FROM t', 'any', err('42P01'))).toBe(true);
    expect(matchesExpect('SELECT * FROM t', 'any', { kind: 'pending' })).toBe(false);
  });
});

// The predicates of the real case file on hand-written observation sets.
const FILE = loadHermitage();
describe.skipIf(FILE === null)("the case file's anomaly predicates", () => {
  const byId = (id: string): HermitageCase => {
    const c = FILE!.cases.find((x) => x.id === id);
    if (c === undefined) throw new Error(`no case ${id}`);
    return c;
  };

  it('G0: interleaved final rows are an anomaly, either serial order is not', () => {
    const g0 = byId('G0').anomaly;
    const t1After = ok([[1, 11], [2, 21]]);
    expect(evaluate(g0, obs({ steps: { t1_after: t1After }, final: [[1, 12], [2, 21]] }))).toBe(true);
    expect(evaluate(g0, obs({ steps: { t1_after: t1After }, final: [[1, 11], [2, 22]] }))).toBe(true);
    expect(evaluate(g0, obs({ steps: { t1_after: t1After }, final: [[2, 21], [1, 11]] }))).toBe(false);
    expect(evaluate(g0, obs({ steps: { t1_after: t1After }, final: [[1, 12], [2, 22]] }))).toBe(false);
    // T1 reading something other than its own committed writes right after COMMIT.
    expect(evaluate(g0, obs({ steps: { t1_after: ok([[1, 12], [2, 21]]) }, final: [[1, 12], [2, 22]] }))).toBe(true);
  });

  it('G1a: reading the rolled-back value in either read', () => {
    const p = byId('G1a').anomaly;
    expect(evaluate(p, obs({ steps: { r1: ok([[1, 10], [2, 20]]), r2: ok([[1, 10], [2, 20]]) } }))).toBe(false);
    expect(evaluate(p, obs({ steps: { r1: ok([[1, 101], [2, 20]]), r2: ok([[1, 10], [2, 20]]) } }))).toBe(true);
    expect(evaluate(p, obs({ steps: { r1: ok([[1, 10], [2, 20]]), r2: ok([[1, 101], [2, 20]], true) } }))).toBe(true);
    // A read that failed saw nothing.
    expect(evaluate(p, obs({ steps: { r1: err('40001'), r2: err('25P02') } }))).toBe(false);
  });

  it('P4: lost update needs both reads of 10 and both commits', () => {
    const p = byId('P4').anomaly;
    const reads = { r1: ok([[1, 10]]), r2: ok([[1, 10]]) };
    expect(evaluate(p, obs({ steps: reads, committed: { T1: true, T2: true } }))).toBe(true);
    expect(evaluate(p, obs({ steps: reads, committed: { T1: true, T2: false } }))).toBe(false);
    expect(evaluate(p, obs({ steps: { ...reads, r2: ok([[1, 11]]) }, committed: { T1: true, T2: true } }))).toBe(false);
  });

  it('PMP-write: a committed T2 leaving a non-serial final state', () => {
    const p = byId('PMP-write').anomaly;
    expect(evaluate(p, obs({ committed: { T1: true, T2: true }, final: [[1, 20], [2, 30]] }))).toBe(true);
    expect(evaluate(p, obs({ committed: { T1: true, T2: true }, final: [[1, 20]] }))).toBe(false);
    expect(evaluate(p, obs({ committed: { T1: true, T2: false }, final: [[1, 20], [2, 30]] }))).toBe(false);
  });

  it('OTV: seeing T2 then T1 again means T2 vanished', () => {
    const p = byId('OTV').anomaly;
    const base = { r1: ok([[1, 11]]), r2: ok([[2, 19]]) };
    expect(evaluate(p, obs({ steps: { ...base, r3: ok([[2, 19]]), r4: ok([[1, 11]]) } }))).toBe(false);
    expect(evaluate(p, obs({ steps: { ...base, r3: ok([[2, 18]]), r4: ok([[1, 12]]) } }))).toBe(false);
    expect(evaluate(p, obs({ steps: { ...base, r3: ok([[2, 18]]), r4: ok([[1, 11]]) } }))).toBe(true);
    expect(evaluate(p, obs({ steps: { ...base, r2: ok([[2, 20]]) } }))).toBe(true);
  });

  it('G2-two-edges: all three commit after the skewed reads', () => {
    const p = byId('G2-two-edges').anomaly;
    const steps = { r1: ok([[1, 10], [2, 20]]), r3: ok([[1, 10], [2, 25]]) };
    expect(evaluate(p, obs({ steps, committed: { T1: true, T2: true, T3: true } }))).toBe(true);
    expect(evaluate(p, obs({ steps, committed: { T1: false, T2: true, T3: true } }))).toBe(false);
  });
});
