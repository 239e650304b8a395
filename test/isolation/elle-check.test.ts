// The Elle-style checker on hand-written histories: each anomaly it must find, and clean
// histories where it must find nothing.
import { describe, expect, it } from 'vitest';
import { check, violations, type AnomalyType } from './elle-check.js';
import type { Encoding, History, Op, Txn, TxnStatus } from './elle-history.js';

const r = (k: number, ...value: number[]): Op => ({ f: 'r', k, value });
const a = (k: number, value: number): Op => ({ f: 'append', k, value });
const txn = (id: number, ops: Op[], status: TxnStatus = 'ok'): Txn => ({ id, session: id, ops, status });
const hist = (encoding: Encoding, txns: Txn[], final: Record<number, number[]>): History => ({
  level: 'SER',
  encoding,
  txns,
  final: new Map(Object.entries(final).map(([k, v]) => [Number(k), v])),
  problems: [],
});
const types = (h: History): AnomalyType[] => [...new Set(check(h).map((x) => x.type))].sort();

describe('list encoding', () => {
  it('a serial history has no anomaly', () => {
    const h = hist('list', [txn(0, [a(0, 1), a(1, 2)]), txn(1, [r(0, 1), a(0, 11)]), txn(2, [r(0, 1, 11), r(1, 2)])], { 0: [1, 11], 1: [2] });
    expect(check(h)).toEqual([]);
  });

  it('G0: two writers in opposite orders on two keys', () => {
    const h = hist('list', [txn(0, [a(0, 1), a(1, 2)]), txn(1, [a(0, 11), a(1, 12)])], { 0: [1, 11], 1: [12, 2] });
    expect(types(h)).toEqual(['G0']);
    expect(check(h)[0]!.detail).toMatch(/T\d -ww-> T\d -ww-> T\d/);
  });

  it('G1c: each reads the other (wr both ways)', () => {
    const h = hist('list', [txn(0, [a(0, 1), r(1, 11)]), txn(1, [a(1, 11), r(0, 1)])], { 0: [1], 1: [11] });
    expect(types(h)).toEqual(['G1c']);
  });

  it('G-single: read skew (one rw edge)', () => {
    // T0 reads key 0 before T1's append, then key 1 after it.
    const h = hist('list', [txn(0, [r(0), r(1, 12)]), txn(1, [a(0, 11), a(1, 12)])], { 0: [11], 1: [12] });
    expect(types(h)).toEqual(['G-single']);
    expect(violations('RC', check(h))).toEqual([]);
    expect(violations('RR', check(h)).map((x) => x.type)).toEqual(['G-single']);
  });

  it('G2: write skew (two rw edges)', () => {
    const h = hist('list', [txn(0, [r(0), r(1), a(0, 1)]), txn(1, [r(0), r(1), a(1, 11)])], { 0: [1], 1: [11] });
    expect(types(h)).toEqual(['G2']);
    expect(violations('RR', check(h))).toEqual([]);
    expect(violations('SER', check(h)).map((x) => x.type)).toEqual(['G2']);
  });

  it('G1a: a read of a failed append, and a failed append in the final state', () => {
    const h = hist('list', [txn(0, [a(0, 1)], 'fail'), txn(1, [r(0, 1)])], { 0: [1] });
    expect(types(h)).toEqual(['G1a']);
    expect(check(h)).toHaveLength(2);
  });

  it('G1b: a read of an intermediate append', () => {
    const h = hist('list', [txn(0, [a(0, 1), a(0, 2)]), txn(1, [r(0, 1)])], { 0: [1, 2] });
    expect(types(h)).toContain('G1b');
  });

  it('lost append: a committed append missing from the final read', () => {
    const h = hist('list', [txn(0, [a(0, 1)]), txn(1, [a(0, 11)])], { 0: [11] });
    expect(types(h)).toEqual(['lost-append']);
  });

  it('internal: a transaction that does not see its own append', () => {
    const h = hist('list', [txn(0, [a(0, 1), r(0)])], { 0: [1] });
    expect(types(h)).toEqual(['internal']);
  });

  it('incompatible order, duplicates and garbage', () => {
    const h = hist('list', [txn(0, [a(0, 1)]), txn(1, [a(0, 11)]), txn(2, [r(0, 11)]), txn(3, [r(0, 1, 1)]), txn(4, [r(0, 99)])], { 0: [1, 11] });
    expect(types(h)).toEqual(['duplicate', 'garbage', 'incompatible-order']);
  });

  it('failed transactions are not nodes of the graph', () => {
    const h = hist('list', [txn(0, [r(0), a(1, 1)], 'fail'), txn(1, [r(1), a(0, 11)])], { 0: [11], 1: [] });
    expect(check(h)).toEqual([]);
  });

  it('stale read: missing an append committed before the reader began', () => {
    const p: Txn = { ...txn(0, [a(0, 1)]), begunAt: 0, committedAt: 1 };
    const late: Txn = { ...txn(1, [r(0)]), begunAt: 2, committedAt: 3 };
    const concurrent: Txn = { ...txn(1, [r(0)]), begunAt: 0, committedAt: 3 };
    expect(types(hist('list', [p, late], { 0: [1] }))).toContain('stale-read');
    expect(types(hist('list', [p, concurrent], { 0: [1] }))).not.toContain('stale-read');
  });

  it('a stalled run is a problem at every level', () => {
    const h: History = { ...hist('list', [], {}), problems: ['stalled'] };
    expect(violations('RC', check(h)).map((x) => x.type)).toEqual(['problem']);
  });
});

describe('set encoding', () => {
  it('a serial history has no anomaly', () => {
    const h = hist('set', [txn(0, [a(0, 1)]), txn(1, [r(0, 1), a(0, 11)]), txn(2, [r(0, 1, 11)])], { 0: [1, 11] });
    expect(check(h)).toEqual([]);
  });

  it('concurrent inserts are not ordered: no ww edges', () => {
    const h = hist('set', [txn(0, [a(0, 11), a(1, 2)]), txn(1, [a(0, 1), a(1, 12)])], { 0: [1, 11], 1: [2, 12] });
    expect(check(h)).toEqual([]);
  });

  it('G2: phantom write skew', () => {
    const h = hist('set', [txn(0, [r(0), a(1, 1)]), txn(1, [r(1), a(0, 11)])], { 0: [11], 1: [1] });
    expect(types(h)).toEqual(['G2']);
  });

  it('G-single: a read that sees one of two keys a transaction wrote', () => {
    const h = hist('set', [txn(0, [r(0), r(1, 12)]), txn(1, [a(0, 11), a(1, 12)])], { 0: [11], 1: [12] });
    expect(types(h)).toEqual(['G-single']);
  });

  it('G1c: each sees the other', () => {
    const h = hist('set', [txn(0, [a(0, 1), r(1, 11)]), txn(1, [a(1, 11), r(0, 1)])], { 0: [1], 1: [11] });
    expect(types(h)).toEqual(['G1c']);
  });

  it('internal: own insert missing from own read', () => {
    const h = hist('set', [txn(0, [a(0, 1), r(0)])], { 0: [1] });
    expect(types(h)).toEqual(['internal']);
  });
});
