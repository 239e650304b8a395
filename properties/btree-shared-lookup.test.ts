// Point lookups in a committed snapshot go through a per-node numeric key cache; they must find
// exactly what the writer's own (uncached) lookups find, for any mix of key values, including
// those the cache cannot hold (bigints past 2^53, NaN, -0, composite keys) and after later commits.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openStorage } from '../src/storage/engine.js';
import type { Key, SqlValue } from '../src/storage/ports.js';
import { tableDef } from '../test/storage/helpers.js';

const keyValue = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -5000, max: 5000 }) },
  { weight: 2, arbitrary: fc.double({ noNaN: false, min: -1e6, max: 1e6 }) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }) },
  { weight: 1, arbitrary: fc.constantFrom<SqlValue>(0, -0, 2 ** 53 - 1) },
);

describe('shared-node numeric key cache', () => {
  it('finds exactly what an uncached lookup finds', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(keyValue, { minLength: 1, maxLength: 1500 }),
        fc.array(keyValue, { maxLength: 200 }),
        fc.array(fc.nat(), { maxLength: 50 }),
        async (inserted, probes, deletes) => {
          const db = await openStorage(':memory:', { durable: false, pageSize: 1024 });
          try {
            const tx = db.begin();
            tx.createTable(tableDef('t', [['k', 'real'], ['v', 'integer']]));
            const present: Key[] = [];
            for (let i = 0; i < inserted.length; i++) {
              const k: Key = [inserted[i]!];
              if (tx.getRow('t', k) !== undefined) continue;
              tx.insert('t', [inserted[i]!, i]);
              present.push(k);
            }
            await tx.commit();
            const check = (): void => {
              const snap = db.snapshot();
              const w = db.begin();
              try {
                for (const k of [...present, ...probes.map((p): Key => [p])]) {
                  expect(snap.getRow('t', k)).toEqual(w.getRow('t', k));
                }
              } finally {
                w.rollback();
                snap.release();
              }
            };
            check();
            // A later commit changes nodes: the old snapshot's caches must not leak into the new one.
            const d = db.begin();
            for (const i of deletes) {
              const k = present[i % present.length]!;
              if (d.getRow('t', k) !== undefined) d.delete('t', k);
            }
            d.insert('t', [1e9, -1]);
            await d.commit();
            check();
          } finally {
            await db.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
