// ANALYZE's statistics reach the planner: with them it picks the more selective index. Before
// ANALYZE, on tables of 1,024 rows or more, it guesses rows per value from each index's ends
// (sampled-stats.ts), and keeps the cautious default where the sample shows long runs.
import { afterEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';

let db: Database | null = null;
afterEach(async () => {
  await db?.close();
  db = null;
});

describe('planner statistics', () => {
  it('chooses the index with fewer rows per value once ANALYZE has run', async () => {
    db = await Database.open(':memory:');
    const s = await db.connect();
    await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, flag INTEGER, code INTEGER)');
    // Created first, so it wins the tie while both equalities look alike.
    await s.execute('CREATE INDEX t_flag ON t (flag)');
    await s.execute('CREATE INDEX t_code ON t (code)');
    await s.execute('BEGIN');
    // Below the size where the planner samples indexes: only ANALYZE tells the two apart.
    for (let i = 0; i < 1000; i++) await s.execute('INSERT INTO t VALUES ($1, $2, $3)', [i, i % 2, i]);
    await s.execute('COMMIT');
    const q = 'SELECT id FROM t WHERE flag = 1 AND code = 501';
    const before = await s.execute(q);
    expect(before.rows).toEqual([[501]]);
    expect(before.metrics.indexesUsed).toEqual(['t_flag']);
    await s.execute('ANALYZE t');
    const after = await s.execute(q);
    expect(after.rows).toEqual([[501]]);
    expect(after.metrics.indexesUsed).toEqual(['t_code']);
  });

  it('guesses rows per value from the ends of each index before ANALYZE', async () => {
    db = await Database.open(':memory:');
    const s = await db.connect();
    await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, flag INTEGER, code INTEGER)');
    await s.execute('CREATE INDEX t_flag ON t (flag)');
    await s.execute('CREATE INDEX t_code ON t (code)');
    await s.execute('CREATE TABLE o (id INTEGER PRIMARY KEY, code INTEGER, flag INTEGER)');
    const rows: [number, number, number][] = [];
    // code: about two rows a value; flag: two values.
    for (let i = 0; i < 5000; i++) rows.push([i, i % 2, i >> 1]);
    await s.execute('BEGIN');
    await (await s.prepare('INSERT INTO t VALUES ($1, $2, $3)')).executeMany(rows);
    await s.execute('INSERT INTO o SELECT g, g * 7, g % 2 FROM generate_series(1, 20) AS x(g)');
    await s.execute('COMMIT');
    const pick = await s.execute('SELECT id FROM t WHERE flag = 1 AND code = 1001');
    expect(pick.rows).toEqual([[2003]]);
    expect(pick.metrics.indexesUsed).toEqual(['t_code']);
    // A join on the selective column probes its index once per outer row; on the two-valued one
    // it hashes (a probe per row would read half the table each time).
    const sel = await s.execute('EXPLAIN SELECT count(*) FROM o JOIN t ON t.code = o.code');
    expect(sel.rows.join('\n')).toContain('Nested Loop (index lookup)');
    const few = await s.execute('EXPLAIN SELECT count(*) FROM o JOIN t ON t.flag = o.flag');
    expect(few.rows.join('\n')).not.toContain('index lookup');
    // A left side as large as the table: one probe per row would cost more than hashing it once.
    const big = await s.execute('EXPLAIN SELECT count(*) FROM t a JOIN t b ON b.code = a.code');
    expect(big.rows.join('\n')).toContain('Hash Join');
    const n = await s.execute('SELECT count(*) FROM o JOIN t ON t.code = o.code', [], { rowMode: 'array' });
    // o.code = 7g for g = 1..20 (7..140), each held by two rows of t.
    expect(n.rows).toEqual([[40]]);
  });
});
