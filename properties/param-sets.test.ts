// executeMany's copy of its parameter sets (param-sets.ts): sets of one width read back as given,
// across chunk boundaries; a set of another width stops the copy and is named.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appendParamSet, newParamSetsCopy, paramSet } from '../src/protocol/param-sets.js';
import type { SqlValue } from '../src/protocol/values.js';

const sqlValue: fc.Arbitrary<SqlValue> = fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 4 }), fc.constant(null), fc.boolean());

describe('parameter set copies', () => {
  it('read back every set as given, and stop at the first set of another width', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1, 3, 7, 3000, 9000),
        fc.integer({ min: 0, max: 6000 }),
        fc.array(sqlValue, { minLength: 1, maxLength: 40 }),
        fc.option(fc.nat(), { nil: undefined }),
        (w, n0, pool, misfitAt) => {
          // Wide sets: a few (each fills a chunk of its own); narrow ones: up to a few chunks.
          const n = w >= 1000 ? n0 % 6 : n0;
          const sets: SqlValue[][] = [];
          for (let i = 0; i < n; i++) {
            const set: SqlValue[] = [];
            for (let j = 0; j < w; j++) set.push(pool[(i * 7 + j) % pool.length]!);
            sets.push(set);
          }
          // One set (not the first) of another width, somewhere, or none.
          const bad = misfitAt === undefined || n < 2 ? -1 : 1 + (misfitAt % (n - 1));
          if (bad >= 0) sets[bad] = [...sets[bad]!, 'extra'];
          const c = newParamSetsCopy();
          let stopped = -1;
          for (let i = 0; i < n; i++) {
            if (!appendParamSet(c, sets[i]!)) {
              stopped = i;
              break;
            }
          }
          expect(stopped).toBe(bad);
          expect(c.misfit).toBe(bad);
          if (bad >= 0) expect(c.misfitLength).toBe(w + 1);
          const copied = bad >= 0 ? bad : n;
          expect(c.count).toBe(copied);
          for (let i = 0; i < copied; i++) expect(paramSet(c, i)).toEqual(sets[i]);
          // The copy holds no array of the caller's.
          if (copied > 0 && w > 0) {
            sets[0]![0] = 'changed';
            expect(paramSet(c, 0)[0]).not.toBe('changed');
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
