// The actors' id table against a Map under random sets, deletes and lookups: ids that collide in
// the table (same low bits), long probe runs that wrap around, growth, and deletes in the middle
// of a run (the backward shift must keep every later entry reachable).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdMap } from '../actors/id-map.js';

type Op = { readonly op: 'set' | 'delete' | 'get'; readonly id: number };

// Few distinct low bits and some large ids, so probe runs collide and wrap.
const idArb = fc.oneof(
  fc.integer({ min: 0, max: 40 }),
  fc.integer({ min: 0, max: 5 }).map((i) => i * 8 + 7),
  fc.integer({ min: 0, max: 3 }).map((i) => 2 ** 32 + i * 16),
  fc.integer({ min: 2 ** 40, max: 2 ** 40 + 3 }),
);
const opArb: fc.Arbitrary<Op> = fc.record({ op: fc.constantFrom('set', 'set', 'delete', 'get'), id: idArb });

describe('IdMap', () => {
  it('agrees with a Map on every operation', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 300 }), (ops) => {
        const m = new IdMap<string>();
        const model = new Map<number, string>();
        ops.forEach(({ op, id }, step) => {
          if (op === 'set') {
            m.set(id, `v${step}`);
            model.set(id, `v${step}`);
          } else if (op === 'delete') {
            expect(m.delete(id)).toBe(model.delete(id));
          } else {
            expect(m.get(id)).toBe(model.get(id));
          }
          expect(m.size).toBe(model.size);
        });
        for (const [id, v] of model) expect(m.get(id)).toBe(v);
        expect(m.values()).toEqual([...model.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]));
        m.clear();
        expect(m.size).toBe(0);
        for (const id of model.keys()) expect(m.has(id)).toBe(false);
      }),
      { numRuns: 400 },
    );
  });
});
