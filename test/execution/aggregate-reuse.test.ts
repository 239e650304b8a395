// A grouping plan refills the group objects of its last execution (aggregate-node.ts,
// GenState.pool). Executions of one plan that run at the same time (two sessions, the same
// statement text, aggregations long enough to be run in several steps) must each keep their own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import type { Session } from '../../src/api/session.js';

const N = 40_000;
let db: Database;
let a: Session;
let b: Session;

beforeAll(async () => {
  db = await Database.open(':memory:');
  a = await db.connect();
  b = await db.connect();
  await a.execute('CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v INTEGER)');
  const ins = await a.prepare('INSERT INTO t VALUES ($1, $2, $3)');
  await ins.executeMany(Array.from({ length: N }, (_, i) => [i + 1, 5000 + ((i * 7919) % 9973), i % 13]));
});
afterAll(async () => {
  await db.close();
});

function expected(upTo: number): Map<number, [number, number]> {
  const m = new Map<number, [number, number]>();
  for (let i = 0; i < upTo; i++) {
    const k = 5000 + ((i * 7919) % 9973);
    const g = m.get(k) ?? [0, 0];
    g[0]++;
    g[1] += i % 13;
    m.set(k, g);
  }
  return m;
}

function check(rows: unknown[][], upTo: number): void {
  const want = expected(upTo);
  expect(rows.length).toBe(want.size);
  for (const [k, n, s] of rows as number[][]) expect([n, Number(s)], `key ${k}`).toEqual(want.get(k!));
}

describe('grouping plans reuse their groups', () => {
  it('keeps each of two overlapping executions of one plan apart, run after run', async () => {
    const sql = 'SELECT k, count(*), sum(v) FROM t WHERE id <= $1 GROUP BY k';
    for (const [x, y] of [
      [N, N],
      [N, 1000],
      [1000, N],
      [N, N / 2],
    ] as const) {
      const [ra, rb] = await Promise.all([a.execute(sql, [x], { rowMode: 'array' }), b.execute(sql, [y], { rowMode: 'array' })]);
      check(ra.rows as unknown[][], x);
      check(rb.rows as unknown[][], y);
    }
  });
});
