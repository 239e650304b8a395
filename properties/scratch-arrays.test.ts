// Typed arrays kept between statements (scratch-arrays.ts) and the join keys kept in them
// (join-keys.ts): a kept buffer comes back with old contents, so everything built on one must
// give the same answers as on fresh memory.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { giveBack, growFloat64, growInt32, keptScratchBytes, takeFloat64, takeInt32 } from '../src/execution/scratch-arrays.js';
import { ValueColumn } from '../src/execution/value-column.js';
import { JoinHashTable } from '../src/execution/join-hash-table.js';

/** Fills kept buffers of every size up to 2^22 bytes with garbage and gives them back. */
function dirtyPool(): void {
  const taken: Int32Array[] = [];
  for (let n = 1 << 14; n <= 1 << 20; n *= 2) {
    for (let c = 0; c < 3; c++) taken.push(takeInt32(n).fill(0x7fffffff - c));
  }
  for (const a of taken) giveBack(a);
}

describe('scratch arrays', () => {
  it('hands a given-back buffer out again, and never one still taken', () => {
    const a = takeInt32(30_000);
    const b = takeInt32(30_000);
    expect(a.buffer).not.toBe(b.buffer);
    a.fill(7);
    giveBack(a);
    const before = keptScratchBytes();
    expect(before).toBeGreaterThanOrEqual(a.buffer.byteLength);
    const c = takeInt32(20_000);
    expect(c.buffer).toBe(a.buffer);
    expect(c.length).toBe(20_000);
    expect(keptScratchBytes()).toBe(before - a.buffer.byteLength);
    // Giving the same buffer back twice keeps it once.
    giveBack(c);
    giveBack(c);
    const d = takeInt32(20_000);
    const e = takeInt32(20_000);
    expect(d.buffer).not.toBe(e.buffer);
    giveBack(b);
    giveBack(d);
    giveBack(e);
  });

  it('grows an array keeping what it held', () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { maxLength: 300 }), fc.integer({ min: 1, max: 70_000 }), (vals, want) => {
        let a = takeInt32(Math.max(1, vals.length));
        vals.forEach((v, i) => (a[i] = v));
        a = growInt32(a, vals.length, want);
        expect(a.length).toBeGreaterThanOrEqual(want);
        expect(Array.from(a.subarray(0, vals.length))).toEqual(vals.map((v) => v | 0));
        let f = takeFloat64(Math.max(1, vals.length));
        vals.forEach((v, i) => (f[i] = v / 3));
        f = growFloat64(f, vals.length, want);
        expect(Array.from(f.subarray(0, vals.length))).toEqual(vals.map((v) => v / 3));
        giveBack(a);
        giveBack(f);
      }),
      { numRuns: 60 },
    );
  });
});

describe('join keys', () => {
  const key = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: -1000, max: 1000 }) },
    { weight: 2, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.double({ noNaN: true }) },
    { weight: 1, arbitrary: fc.constant(Number.NaN) },
    { weight: 1, arbitrary: fc.string({ maxLength: 3 }) },
  );

  it('reads back the keys pushed, in order, across the move to a plain array', () => {
    fc.assert(
      fc.property(fc.array(key, { maxLength: 3000 }), (ks) => {
        const jk = new ValueColumn(16);
        for (const k of ks) jk.push(k);
        expect(jk.length).toBe(ks.length);
        const got = jk.values;
        const plain = !(got instanceof Float64Array);
        const back = Array.from({ length: ks.length }, (_, i) => {
          const v = got[i];
          return !plain && typeof v === 'number' && Number.isNaN(v) ? null : v;
        });
        expect(back).toEqual(ks);
        // The numeric form holds only numbers and NULLs.
        if (!plain) expect(ks.every((k) => k === null || (typeof k === 'number' && !Number.isNaN(k)))).toBe(true);
        jk.release();
      }),
      { numRuns: 80 },
    );
  });

  it('builds the same hash table on kept, dirty buffers as on fresh ones', () => {
    dirtyPool();
    fc.assert(
      fc.property(fc.integer({ min: 17_000, max: 60_000 }), fc.boolean(), fc.integer({ min: 1, max: 2 ** 30 }), (n, sparse, seed) => {
        let x = seed;
        const rand = (m: number): number => {
          x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
          return x % m;
        };
        const raw: (number | null)[] = Array.from({ length: n }, () => (rand(10) === 0 ? null : rand(n) * (sparse ? 100_003 : 1)));
        const jk = new ValueColumn(1024);
        for (const k of raw) jk.push(k);
        const t = new JoinHashTable(jk.values, 0, jk.length);
        const fresh = new JoinHashTable(raw.slice());
        expect(t.size).toBe(fresh.size);
        for (let p = 0; p < 300; p++) {
          const k = rand(n + 5) * (sparse ? 100_003 : 1);
          const a: number[] = [];
          const b: number[] = [];
          for (let j = t.first(k); j !== 0; j = t.next(j)) a.push(j);
          for (let j = fresh.first(k); j !== 0; j = fresh.next(j)) b.push(j);
          expect(a).toEqual(b);
          const want: number[] = [];
          raw.forEach((v, i) => v === k && want.push(i + 1));
          expect(a).toEqual(want);
        }
        t.release();
        fresh.release();
        jk.release();
        dirtyPool();
      }),
      { numRuns: 8 },
    );
  });
});
