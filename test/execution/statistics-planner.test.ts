// ANALYZE's statistics reach the planner: with them it picks the more selective index.
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
    for (let i = 0; i < 2000; i++) await s.execute('INSERT INTO t VALUES ($1, $2, $3)', [i, i % 2, i]);
    await s.execute('COMMIT');
    const q = 'SELECT id FROM t WHERE flag = 1 AND code = 1001';
    const before = await s.execute(q);
    expect(before.rows).toEqual([[1001]]);
    expect(before.metrics.indexesUsed).toEqual(['t_flag']);
    await s.execute('ANALYZE t');
    const after = await s.execute(q);
    expect(after.rows).toEqual([[1001]]);
    expect(after.metrics.indexesUsed).toEqual(['t_code']);
  });
});
