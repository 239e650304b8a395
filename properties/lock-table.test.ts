// The lock table against its invariants under random interleavings of requests, releases and
// cancelled waits: compatibility never violated, no grantable waiter left waiting, no cycle left
// in the waits-for graph (every deadlock detected), FIFO (no overtaking of a queue).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compatible, LOCK_MODES, supremum, covers, type LockMode } from '../src/concurrency/lock-modes.js';
import { LockTable } from '../src/concurrency/lock-table.js';

type Op =
  | { readonly op: 'acquire'; readonly txn: number; readonly res: string; readonly mode: LockMode }
  | { readonly op: 'release'; readonly txn: number }
  | { readonly op: 'cancel'; readonly txn: number }
  | { readonly op: 'try'; readonly txn: number; readonly res: string; readonly mode: LockMode }
  | { readonly op: 'tryRow'; readonly txn: number; readonly row: readonly [string, number]; readonly mode: LockMode };

const TXNS = [1, 2, 3, 4];
/** Row locks keyed by one number are also taken by number (tryAcquireRow), into a map of their own. */
const ROWS: readonly (readonly [string, number])[] = [
  ['row:a:', 1],
  ['row:a:', 2],
  ['row:a:b:', 3],
];
const RESOURCES = ['table:a', 'table:b', 'key:a:1', ...ROWS.map(([p, k]) => p + k), 'row:a:"1"'];

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('acquire' as const), txn: fc.constantFrom(...TXNS), res: fc.constantFrom(...RESOURCES), mode: fc.constantFrom(...LOCK_MODES) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('release' as const), txn: fc.constantFrom(...TXNS) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('cancel' as const), txn: fc.constantFrom(...TXNS) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('try' as const), txn: fc.constantFrom(...TXNS), res: fc.constantFrom(...RESOURCES), mode: fc.constantFrom(...LOCK_MODES) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('tryRow' as const),
      txn: fc.constantFrom(...TXNS),
      row: fc.constantFrom(...ROWS),
      mode: fc.constantFrom<LockMode>('X', 'X', 'S'),
    }),
  },
);

function hasCycle(t: LockTable): boolean {
  const state = new Map<number, number>();
  const dfs = (n: number): boolean => {
    state.set(n, 1);
    for (const m of t.waitsFor(n)) {
      if (state.get(m) === 1) return true;
      if (state.get(m) === undefined && dfs(m)) return true;
    }
    state.set(n, 2);
    return false;
  };
  return TXNS.some((n) => state.get(n) === undefined && dfs(n));
}

function checkInvariants(t: LockTable): void {
  for (const [name, r] of t.resources()) {
    const granted = [...r.granted];
    for (let i = 0; i < granted.length; i++) {
      for (let j = i + 1; j < granted.length; j++) {
        const [ta, ma] = granted[i] as [number, LockMode];
        const [tb, mb] = granted[j] as [number, LockMode];
        expect(compatible(ma, mb), `${name}: ${ta}:${ma} with ${tb}:${mb}`).toBe(true);
      }
    }
    const front = r.queue[0];
    if (front !== undefined) {
      const grantable = granted.every(([txn, m]) => txn === front.txn || compatible(m, front.mode));
      expect(grantable, `${name}: waiter ${front.txn} could be granted`).toBe(false);
    }
  }
  expect(hasCycle(t)).toBe(false);
}

describe('lock modes', () => {
  it('supremum is an upper bound and covers is consistent', () => {
    for (const a of LOCK_MODES) {
      for (const b of LOCK_MODES) {
        const s = supremum(a, b);
        expect(covers(s, a) && covers(s, b)).toBe(true);
        // Anything incompatible with a or b is incompatible with their supremum.
        for (const c of LOCK_MODES) {
          if (!compatible(a, c) || !compatible(b, c)) expect(compatible(s, c)).toBe(false);
        }
      }
    }
  });
});

describe('lock table', () => {
  it('keeps its invariants under random interleavings', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const t = new LockTable();
        const granted = new Set<string>();
        for (const o of ops) {
          if (o.op === 'acquire') {
            if (t.waitingFor(o.txn) !== undefined) continue;
            const queuedBefore = (t.resources().get(o.res)?.queue.length ?? 0) > 0;
            const heldBefore = t.holds(o.txn, o.res);
            const out = t.acquire(o.txn, o.res, o.mode);
            if (out.kind === 'granted') {
              // FIFO: a transaction holding nothing here never overtakes a queue.
              if (heldBefore === undefined) expect(queuedBefore).toBe(false);
              const held = t.holds(o.txn, o.res);
              expect(held !== undefined && covers(held, o.mode)).toBe(true);
              granted.add(`${o.txn}:${o.res}`);
            } else if (out.kind === 'deadlock') {
              expect(out.cycle[0]).toBe(o.txn);
              expect(t.waitingFor(o.txn)).toBeUndefined();
            } else {
              expect(t.waitingFor(o.txn)).toBe(out.waiter);
            }
          } else if (o.op === 'try' || o.op === 'tryRow') {
            const res = o.op === 'try' ? o.res : o.row[0] + o.row[1];
            const waitingBefore = t.waitingFor(o.txn);
            const queuedBefore = (t.resources().get(res)?.queue.length ?? 0) > 0;
            const heldBefore = t.holds(o.txn, res);
            const others = [...(t.resources().get(res)?.granted ?? [])].filter(([x, m]) => x !== o.txn && !compatible(m, o.mode));
            const ok = o.op === 'try' ? t.tryAcquire(o.txn, res, o.mode) : t.tryAcquireRow(o.txn, o.row[0], o.row[1], o.mode);
            if (ok) {
              if (heldBefore === undefined) expect(queuedBefore).toBe(false);
              expect(others).toEqual([]);
              const held = t.holds(o.txn, res);
              expect(held !== undefined && covers(held, o.mode)).toBe(true);
              expect(t.heldBy(o.txn).get(res)).toBe(held);
            } else if (waitingBefore === undefined && !queuedBefore && heldBefore === undefined) {
              // Refused only for a holder it conflicts with.
              expect(others.length).toBeGreaterThan(0);
            }
            // A try never queues.
            expect(t.waitingFor(o.txn)).toBe(waitingBefore);
          } else if (o.op === 'release') {
            for (const w of t.releaseAll(o.txn)) expect(t.holds(w.txn, w.resource)).toBe(w.mode);
            expect(t.heldBy(o.txn).size).toBe(0);
          } else {
            t.cancelWait(o.txn);
            expect(t.waitingFor(o.txn)).toBeUndefined();
          }
          checkInvariants(t);
        }
        // Releasing everyone leaves nothing behind: no lost or leaked grant.
        for (const txn of TXNS) t.releaseAll(txn);
        expect(t.resources().size).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it('detects a two-transaction deadlock and picks the requester as victim', () => {
    const t = new LockTable();
    expect(t.acquire(1, 'a', 'X').kind).toBe('granted');
    expect(t.acquire(2, 'b', 'X').kind).toBe('granted');
    expect(t.acquire(1, 'b', 'X').kind).toBe('waiting');
    const out = t.acquire(2, 'a', 'X');
    expect(out.kind).toBe('deadlock');
    const woken = t.releaseAll(2);
    expect(woken.map((w) => w.txn)).toEqual([1]);
    expect(t.holds(1, 'b')).toBe('X');
  });

  it('row locks taken by number are found by name: a conflicting request waits, and is granted on release', () => {
    const t = new LockTable();
    for (let k = 1; k <= 1000; k++) expect(t.tryAcquireRow(1, 'row:t:', k, 'X')).toBe(true);
    expect(t.tryAcquireRow(1, 'row:u:', 7, 'X')).toBe(true);
    expect(t.heldBy(1).size).toBe(1001);
    expect(t.holds(1, 'row:t:500')).toBe('X');
    expect(t.tryAcquire(2, 'row:t:500', 'S')).toBe(false);
    expect(t.tryAcquireRow(2, 'row:t:', 501, 'X')).toBe(false);
    expect(t.acquire(2, 'row:t:500', 'X').kind).toBe('waiting');
    // The contended row now has a full entry; the others stay lone.
    expect(t.resources().get('row:t:500')?.queue.map((w) => w.txn)).toEqual([2]);
    expect(t.tryAcquireRow(3, 'row:t:', 2000, 'X')).toBe(true);
    expect(t.releaseAll(1).map((w) => w.txn)).toEqual([2]);
    expect(t.holds(2, 'row:t:500')).toBe('X');
    expect(t.holds(1, 'row:t:499')).toBeUndefined();
    expect(t.tryAcquireRow(2, 'row:t:', 499, 'X')).toBe(true);
    expect(t.holds(3, 'row:t:2000')).toBe('X');
    t.releaseAll(2);
    t.releaseAll(3);
    expect(t.resources().size).toBe(0);
  });

  it('an upgrade from S to X waits for the other reader and goes before new requests', () => {
    const t = new LockTable();
    t.acquire(1, 'r', 'S');
    t.acquire(2, 'r', 'S');
    expect(t.acquire(3, 'r', 'X').kind).toBe('waiting');
    expect(t.acquire(1, 'r', 'X').kind).toBe('waiting');
    expect(t.resources().get('r')?.queue.map((w) => w.txn)).toEqual([1, 3]);
    expect(t.releaseAll(2).map((w) => w.txn)).toEqual([1]);
    expect(t.holds(1, 'r')).toBe('X');
  });
});
