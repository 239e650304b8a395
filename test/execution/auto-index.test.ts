// Correlated subqueries over a table with no index on their equality (auto-index.ts): the answers
// are those of a scan per outer row, in the scan's order, and the table is read about once, not
// once per outer row; a statement that writes the table it reads goes on seeing each write.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/index.js';
import type { Session } from '../../src/api/session.js';

const N = 300;
const M = 500;
/** u rows: id, t_id (NULL every 17th; some ids with no t row), v, name */
const uRows = Array.from({ length: M }, (_, i) => [i + 1, i % 17 === 0 ? null : 1 + ((i * 7) % (N + 40)), (i * 13) % 101, `n${i % 50}`] as const);

describe('automatic index of a correlated subquery', () => {
  let db: Database;
  let s: Session;

  beforeEach(async () => {
    db = await Database.open(':memory:');
    s = await db.connect();
    await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, r REAL, name TEXT)');
    await s.execute('CREATE TABLE u (id INTEGER PRIMARY KEY, t_id INTEGER, v INTEGER, name TEXT)');
    await (await s.prepare('INSERT INTO t VALUES ($1, $2, $3)')).executeMany(
      Array.from({ length: N }, (_, i) => [i + 1, i % 9 === 0 ? null : (i % 40) + 0.0, `n${i % 70}`]),
    );
    await (await s.prepare('INSERT INTO u VALUES ($1, $2, $3, $4)')).executeMany(uRows.map((r) => [...r]));
  });

  afterEach(async () => {
    await db.close();
  });

  const ofT = (id: number) => uRows.filter((r) => r[1] === id);

  it('answers EXISTS, NOT EXISTS, IN and scalar subqueries as a scan per row would', async () => {
    const exists = await s.execute('SELECT id FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.t_id = t.id AND u.v > 50) ORDER BY id');
    expect(exists.rows.map((r) => r[0])).toEqual(Array.from({ length: N }, (_, i) => i + 1).filter((id) => ofT(id).some((r) => r[2] > 50)));
    const none = await s.execute('SELECT count(*) FROM t WHERE NOT EXISTS (SELECT 1 FROM u WHERE t.id = u.t_id)');
    expect(none.rows[0]![0]).toBe(Array.from({ length: N }, (_, i) => i + 1).filter((id) => ofT(id).length === 0).length);
    const counts = await s.execute('SELECT id, (SELECT count(*) FROM u WHERE u.t_id = t.id), (SELECT sum(v) FROM u WHERE u.t_id = t.id) FROM t ORDER BY id');
    expect(counts.rows).toEqual(
      Array.from({ length: N }, (_, i) => {
        const m = ofT(i + 1);
        return [i + 1, m.length, m.length === 0 ? null : m.reduce((a, r) => a + r[2], 0)];
      }),
    );
    // The first row in table order, as the scan finds it.
    const first = await s.execute('SELECT id, (SELECT v FROM u WHERE u.t_id = t.id LIMIT 1) FROM t ORDER BY id');
    expect(first.rows).toEqual(Array.from({ length: N }, (_, i) => [i + 1, ofT(i + 1)[0]?.[2] ?? null]));
    const last = await s.execute('SELECT id, (SELECT v FROM u WHERE u.t_id = t.id ORDER BY id DESC LIMIT 1) FROM t ORDER BY id');
    expect(last.rows).toEqual(Array.from({ length: N }, (_, i) => [i + 1, ofT(i + 1).at(-1)?.[2] ?? null]));
    const inSub = await s.execute('SELECT count(*) FROM t WHERE 40 IN (SELECT v FROM u WHERE u.t_id = t.id)');
    expect(inSub.rows[0]![0]).toBe(Array.from({ length: N }, (_, i) => i + 1).filter((id) => ofT(id).some((r) => r[2] === 40)).length);
  });

  it('matches numbers across integer and real, text by value, and nothing for NULL', async () => {
    // t.r is REAL (x.0), u.v INTEGER: 3.0 = 3.
    const num = await s.execute('SELECT id FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.v = t.r) ORDER BY id');
    const vs = new Set(uRows.map((r) => r[2]));
    const tr = (i: number): number | null => (i % 9 === 0 ? null : i % 40);
    expect(num.rows.map((r) => r[0])).toEqual(Array.from({ length: N }, (_, i) => i).filter((i) => tr(i) !== null && vs.has(tr(i)!)).map((i) => i + 1));
    const text = await s.execute('SELECT count(*) FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.name = t.name)');
    const names = new Set<string>(uRows.map((r) => r[3]));
    expect(text.rows[0]![0]).toBe(Array.from({ length: N }, (_, i) => `n${i % 70}`).filter((n) => names.has(n)).length);
    const cast = await s.execute("SELECT count(*) FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.name = 'n' || (t.id % 50)::text)");
    expect(cast.rows[0]![0]).toBe(N);
  });

  it('reads the table about once for the whole statement', async () => {
    const r = await s.execute('SELECT count(*) FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.t_id = t.id)');
    // A scan per outer row would examine N * M = 150,000 rows.
    expect(r.metrics.rowsExamined).toBeLessThan(4 * (N + M));
  });

  it('reads the table it writes as the statement began (DELETE, UPDATE, INSERT ... SELECT)', async () => {
    await s.execute('CREATE TABLE g (id INTEGER PRIMARY KEY, k INTEGER)');
    await (await s.prepare('INSERT INTO g VALUES ($1, $2)')).executeMany(Array.from({ length: 100 }, (_, i) => [i, i % 10]));
    // A row goes when the table, as the statement began, has a row with its k and a larger id.
    const del = await s.execute('DELETE FROM g WHERE EXISTS (SELECT 1 FROM g h WHERE h.k = g.k AND h.id > g.id)');
    expect(del.rowsAffected).toBe(90);
    expect((await s.execute('SELECT id FROM g ORDER BY id')).rows.map((r) => r[0])).toEqual([90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
    // An UPDATE's SET subqueries see the table as the statement began.
    await s.execute('UPDATE u SET v = (SELECT count(*) FROM u w WHERE w.t_id = u.t_id) WHERE id <= 100');
    const byT = new Map<number | null, number>();
    for (const r of uRows) byT.set(r[1], (byT.get(r[1]) ?? 0) + 1);
    const got = await s.execute('SELECT id, v FROM u WHERE id <= 100 ORDER BY id');
    expect(got.rows).toEqual(uRows.slice(0, 100).map((r) => [r[0], r[1] === null ? 0 : byT.get(r[1])!]));
    // Insert-if-absent: every source row is checked against g as it was (PostgreSQL's answer).
    const ins = await s.execute('INSERT INTO g SELECT 1000 + id, t_id % 20 FROM u WHERE t_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM g WHERE g.k = u.t_id % 20)');
    const absent = uRows.filter((r) => r[1] !== null && r[1] % 20 >= 10);
    expect(ins.rowsAffected).toBe(absent.length);
  });
});
