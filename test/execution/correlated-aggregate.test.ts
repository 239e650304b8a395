// A correlated subquery's aggregation runs once per outer row, each run reusing the arrays the
// plan's last run accumulated in (agg-codegen.ts Accumulators, aggregate-node.ts accArray): every
// run must start from nothing, whatever the one before it left.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/index.js';
import type { Session } from '../../src/index.js';
import { generatedLoops, setGenerateAfter } from '../../src/execution/agg-codegen.js';

let db: Database;
let s: Session;
let generateAfter = 0;

beforeEach(async () => {
  db = await Database.open(':memory:');
  s = await db.connect();
  // Every aggregation through its generated loop, whose accumulators are what runs reuse.
  generateAfter = setGenerateAfter(0);
});

afterEach(async () => {
  setGenerateAfter(generateAfter);
  await db.close();
});

/** Deterministic pseudo-random integers in [0, m). */
function rng(seed: number): (m: number) => number {
  let x = seed;
  return (m) => {
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
    return x % m;
  };
}

describe('correlated aggregates', () => {
  it('count, sum, avg and total per outer row equal a model, run after run', async () => {
    const r = rng(7);
    await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    await s.execute('CREATE TABLE u (id INTEGER PRIMARY KEY, t_id INTEGER, v INTEGER, g INTEGER)');
    const ts = Array.from({ length: 300 }, (_, i) => [i]);
    const us = Array.from({ length: 3000 }, (_, i) => [i, r(320), r(2) === 0 ? null : r(1000) - 500, r(40)]);
    await (await s.prepare('INSERT INTO t VALUES ($1)')).executeMany(ts);
    await (await s.prepare('INSERT INTO u VALUES ($1, $2, $3, $4)')).executeMany(us);
    const model = new Map<number, { n: number; nv: number; sum: number }>();
    for (const [, tId, v] of us as [number, number, number | null, number][]) {
      const m = model.get(tId) ?? { n: 0, nv: 0, sum: 0 };
      m.n++;
      if (v !== null) {
        m.nv++;
        m.sum += v;
      }
      model.set(tId, m);
    }
    const loops = generatedLoops();
    const q = await s.prepare(
      'SELECT t.id, (SELECT count(*) FROM u WHERE u.t_id = t.id), (SELECT sum(v) FROM u WHERE u.t_id = t.id), ' +
        '(SELECT avg(v) FROM u WHERE u.t_id = t.id), (SELECT total(v) FROM u WHERE u.t_id = t.id) FROM t ORDER BY t.id',
    );
    for (let run = 0; run < 3; run++) {
      const rows = (await q.execute([], { rowMode: 'array' })).rows as unknown[][];
      expect(rows.length).toBe(300);
      for (const [id, n, sum, avg, total] of rows as [number, number, number | null, number | null, number][]) {
        const m = model.get(id);
        expect(n).toBe(m?.n ?? 0);
        expect(sum).toBe(m === undefined || m.nv === 0 ? null : m.sum);
        expect(total).toBe(m?.sum ?? 0);
        if (m === undefined || m.nv === 0) expect(avg).toBeNull();
        else expect(avg).toBeCloseTo(m.sum / m.nv, 9);
      }
    }
    expect(generatedLoops()).toBeGreaterThan(loops);
    // Grouped inside the subquery: each run has as many groups as its outer row's rows have g values.
    const grouped = await s.prepare('SELECT t.id, (SELECT sum(c) FROM (SELECT g, count(*) AS c FROM u WHERE u.t_id = t.id GROUP BY g) x) FROM t ORDER BY t.id');
    const rows = (await grouped.execute([], { rowMode: 'array' })).rows as [number, number | null][];
    for (const [id, c] of rows) expect(c).toBe(model.get(id)?.n ?? null);
    // EXISTS stops at its first row, closing a run whose other groups (large keys, kept in
    // accumulator slots until emitted) still hold counts: the next run must not see them.
    const perGroup = new Map<string, number>();
    for (const [, tId, , g] of us as [number, number, number | null, number][]) perGroup.set(`${tId}/${g}`, (perGroup.get(`${tId}/${g}`) ?? 0) + 1);
    const exists = await s.prepare(
      'SELECT t.id FROM t WHERE EXISTS (SELECT 1 FROM (SELECT count(*) AS c FROM u WHERE u.t_id = t.id GROUP BY g + 1000000) x WHERE c >= 2) ORDER BY t.id',
    );
    const want = ts.map(([id]) => id!).filter((id) => Array.from({ length: 40 }, (_, g) => perGroup.get(`${id}/${g}`) ?? 0).some((c) => c >= 2));
    for (let run = 0; run < 2; run++) {
      const got = (await exists.execute([], { rowMode: 'array' })).rows.map((r) => (r as number[])[0]);
      expect(got).toEqual(want);
    }
  });
});
