// probeIndex answers an index equality probe with one descent: exactly the rows scanIndex over
// [key, key] leads to, or undefined when the matching entries may run past the leaf it reached.
import { describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/engine.js';
import type { Key, ReadView, Row, SqlValue } from '../../src/storage/ports.js';
import { Rng } from '../crash/workload.js';
import { drain, tableDef } from './helpers.js';

function scanned(v: ReadView, key: Key, reverse: boolean): Row[] {
  const keys = drain(v.scanIndex('t', 't_k', { lower: key, lowerInclusive: true, upper: key, upperInclusive: true }, reverse));
  return keys.map((k) => v.getRow('t', k)!);
}

describe('probeIndex', () => {
  it('gives the rows an equality scan leads to, or undefined, over skewed keys, NULLs and text, in both directions', async () => {
    const db = await openStorage(':memory:', { durable: false, pageSize: 4096 });
    const rng = new Rng(99);
    const tx = db.begin();
    tx.createTable(tableDef('t', [['id', 'integer'], ['k', 'any'], ['s', 'text']]));
    tx.createIndex({ name: 't_k', table: 't', columns: [1, 2], unique: false, implicit: false });
    const ks: SqlValue[] = [null, 'a', 'b', -0, 0.5];
    for (let i = 0; i < 40; i++) ks.push(i);
    for (let id = 1; id <= 6000; id++) {
      // Key 7 and 'a' repeat thousands of times: their runs span many leaves.
      const r = rng.next();
      const k = r < 0.3 ? 7 : r < 0.4 ? 'a' : ks[Math.floor(rng.next() * ks.length)]!;
      tx.insert('t', [id, k, `s${id % 3}`]);
    }
    await tx.commit();
    const probes: Key[] = [];
    for (const k of [...ks, 1000, 'zz']) probes.push([k], [k, 's1'], [k, 'nope']);
    let answered = 0;
    let declined = 0;
    const check = (v: ReadView): void => {
      for (const key of probes) {
        for (const reverse of [false, true]) {
          const got = v.probeIndex!('t', 't_k', key, reverse);
          if (got === undefined) {
            declined++;
            continue;
          }
          answered++;
          expect(got).toEqual(scanned(v, key, reverse));
        }
      }
    };
    const snap = db.snapshot();
    try {
      check(snap);
    } finally {
      snap.release();
    }
    // A write transaction's own (unfrozen) nodes, with its changes in them.
    const w = db.begin();
    for (let id = 6001; id <= 6400; id++) w.insert('t', [id, id % 2 === 0 ? 7 : 3, 's1']);
    w.delete('t', [10]);
    check(w);
    w.rollback();
    expect(answered).toBeGreaterThan(declined);
    // The long runs (7, 'a') cannot be answered from one leaf.
    expect(declined).toBeGreaterThan(0);
    await db.close();
  });
});
