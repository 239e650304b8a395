// The slow-query log: one pino JSON line per statement past the threshold (text, time, rows, plan
// summary), size rotation (.1, .2, ... keep N), and db.monitor.slowQueries$.
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';

const dir = mkdtempSync(join(tmpdir(), 'dispatchdb-slowlog-'));

function lines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

// A cross join of 2500 x 2500 rows: far past a 150 ms threshold.
const LONG = 'SELECT count(*) FROM a, b WHERE a.x + b.x >= 0';

async function fill(db: Database): Promise<void> {
  const s = await db.connect();
  await s.execute('CREATE TABLE a (x INTEGER)');
  await s.execute('CREATE TABLE b (x INTEGER)');
  await s.execute('BEGIN');
  for (let i = 0; i < 2500; i++) {
    await s.execute('INSERT INTO a VALUES ($1)', [i]);
    await s.execute('INSERT INTO b VALUES ($1)', [i]);
  }
  await s.execute('COMMIT');
  await s.close();
}

describe('slow-query log', () => {
  it('writes one JSON line per slow statement with text, time, rows and plan', async () => {
    const log = join(dir, 'slow.log');
    const db = await Database.open(':memory:', { config: { slow_query_threshold: '150ms', slow_query_log: log } });
    try {
      await fill(db);
      const s = await db.connect();
      const seen = firstValueFrom(db.monitor.slowQueries$.pipe(filter((e) => e.text === LONG)));
      await s.execute('SELECT 1');
      const r = await s.execute(LONG);
      expect(r.rows).toEqual([[2500 * 2500]]);
      // Only statements past the threshold are there (the fast SELECT 1 is not).
      const all = lines(log);
      expect(all.some((l) => l['text'] === 'SELECT 1')).toBe(false);
      const mine = all.filter((l) => l['text'] === LONG);
      expect(mine).toHaveLength(1);
      for (const l of all) expect(l['timeMs']).toBeGreaterThanOrEqual(150);
      const e = mine[0] as Record<string, unknown>;
      expect(e['msg']).toBe('slow query');
      expect(e['level']).toBe('warn');
      expect(e['text']).toBe(LONG);
      expect(e['timeMs']).toBeGreaterThanOrEqual(150);
      expect(e['rowsProduced']).toBe(1);
      expect(e['kind']).toBe('SELECT');
      expect(typeof e['time']).toBe('string');
      // The plan summary is the compiled statement's EXPLAIN lines.
      const plan = e['plan'] as string[];
      expect(Array.isArray(plan)).toBe(true);
      expect(plan.length).toBeGreaterThan(0);
      const explained = (await s.execute(`EXPLAIN ${LONG}`)).rows.map((row) => String(row[0]));
      expect(plan).toEqual(explained);
      const published = await seen;
      expect(published.text).toBe(LONG);
      expect(published.slow).toBe(true);
    } finally {
      await db.close();
    }
  });

  it('rotates by size: .1, .2 ... keeping slow_query_log_keep files', async () => {
    const log = join(dir, 'rotating.log');
    const db = await Database.open(':memory:', {
      config: { slow_query_threshold: 0, slow_query_log: log, slow_query_log_max_bytes: 1024, slow_query_log_keep: 2 },
    });
    try {
      const s = await db.connect();
      await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY)');
      for (let i = 0; i < 60; i++) await s.execute('INSERT INTO t VALUES ($1)', [i]);
    } finally {
      await db.close();
    }
    expect(existsSync(`${log}.1`)).toBe(true);
    expect(existsSync(`${log}.2`)).toBe(true);
    expect(existsSync(`${log}.3`)).toBe(false);
    for (const f of [log, `${log}.1`, `${log}.2`]) {
      expect(statSync(f).size).toBeLessThanOrEqual(1024);
      const ls = lines(f);
      expect(ls.length).toBeGreaterThan(0);
      for (const l of ls) expect(l['msg']).toBe('slow query');
    }
    // The newest lines are in the live file, the older ones in .1: ids ascend across the rotation.
    const last1 = lines(`${log}.1`).at(-1)?.['queryId'] as number;
    const first0 = lines(log)[0]?.['queryId'] as number;
    expect(first0).toBeGreaterThan(last1);
    expect(lines(log).at(-1)?.['text']).toBe('INSERT INTO t VALUES ($1)');
  });

  it('enable_query_logging writes every statement, marking the fast ones as plain queries', async () => {
    const log = join(dir, 'all.log');
    const db = await Database.open(':memory:', {
      config: { slow_query_threshold: '1h', slow_query_log: log, enable_query_logging: true },
    });
    try {
      const s = await db.connect();
      await s.execute('SELECT 1');
      await s.execute('SELECT 2');
    } finally {
      await db.close();
    }
    const all = lines(log);
    expect(all.map((l) => l['text'])).toEqual(['SELECT 1', 'SELECT 2']);
    expect(all.every((l) => l['msg'] === 'query' && l['level'] === 'info' && l['plan'] === undefined)).toBe(true);
  });
});
