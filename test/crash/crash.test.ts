// Kill a writer with SIGKILL at random moments (test/crash/harness.ts: timed kills, kills at the
// k-th acknowledgement, in explicit checkpoints, while opening, and self-kills before the N-th
// file write or fsync), reopen, and check the state against the workload's model: every
// acknowledged unit is there, nothing after the one in flight, that one all or nothing, tables
// and indexes as expected, queries through every index right, integrity check clean. Then flip
// a byte in a page and expect a clear error.
import { mkdtempSync, openSync, readSync, writeSync, closeSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { DispatcherError } from '../../src/api/errors.js';
import { runGroupCampaign } from './group-harness.js';
import { MODE_WEIGHTS, runCampaign } from './harness.js';

const KILLS = Number(process.env['DISPATCHDB_CRASH_KILLS'] ?? 20);
const SEED = Number(process.env['DISPATCHDB_CRASH_SEED'] ?? Math.floor(Math.random() * 2 ** 31));

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('crash safety', () => {
  it(`keeps every acknowledged unit and nothing else across ${KILLS} SIGKILLs of a mixed writer`, async () => {
    const keep = mkdtempSync(join(tmpdir(), 'dispatchdb-crash-failures-'));
    const s = await runCampaign({
      kills: KILLS,
      seed: SEED,
      killsPerDatabase: KILLS,
      maxDelayMs: 200,
      ioSpan: 80,
      // Every kind of kill in turn, so that each run covers them all.
      modes: MODE_WEIGHTS.map(([m]) => m),
      keepFailuresIn: keep,
    });
    const report = s.failures.map((f) => `seed ${f.seed} kill ${f.kill} (${f.mode}): ${f.message} [files: ${f.files}]`);
    expect(report, `seed ${SEED}`).toEqual([]);
    rmSync(keep, { recursive: true, force: true });
    // The writer made progress between kills (a run that never committed proves nothing).
    expect(s.unitsAcked).toBeGreaterThan(KILLS);
    expect(s.maxRows).toBeGreaterThan(0);
  }, 240_000);

  it('keeps every acknowledged transfer, and each whole, across SIGKILLs under group commit', async () => {
    const keep = mkdtempSync(join(tmpdir(), 'dispatchdb-group-failures-'));
    const g = await runGroupCampaign({ kills: 6, seed: SEED, sessions: 8, maxDelayMs: 300, ioSpan: 60, keepFailuresIn: keep });
    expect(g.failures.map((f) => `seed ${f.seed} kill ${f.kill}: ${f.message} [files: ${f.files}]`), `seed ${SEED}`).toEqual([]);
    rmSync(keep, { recursive: true, force: true });
    expect(g.kills).toBe(6);
  }, 120_000);

  it('reports a flipped byte in a data page as a clear error, never wrong rows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dispatchdb-flip-'));
    dirs.push(dir);
    const path = join(dir, 'flip.db');
    const db = await Database.open(path);
    const s = await db.connect();
    await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    await s.execute('BEGIN');
    for (let i = 0; i < 2000; i++) await s.execute('INSERT INTO t VALUES ($1, $2)', [i, `value-${i}-${'y'.repeat(50)}`]);
    await s.execute('COMMIT');
    await db.close();
    const size = statSync(path).size;
    const pageSize = 8192;
    const pages = Math.floor(size / pageSize);
    expect(pages).toBeGreaterThan(3);
    // Flip one byte in the middle of every page but the header: whichever page a read needs is bad.
    const fd = openSync(path, 'r+');
    for (let p = 1; p < pages; p++) {
      const at = p * pageSize + Math.floor(pageSize / 2);
      const b = Buffer.alloc(1);
      readSync(fd, b, 0, 1, at);
      b[0] = (b[0] as number) ^ 0x5a;
      writeSync(fd, b, 0, 1, at);
    }
    closeSync(fd);
    let error: unknown = null;
    let rows: unknown[] | null = null;
    try {
      const db2 = await Database.open(path);
      try {
        const s2 = await db2.connect();
        rows = (await s2.execute('SELECT id, v FROM t ORDER BY id')).rows;
      } finally {
        await db2.close();
      }
    } catch (e) {
      error = e;
    }
    expect(rows).toBeNull();
    expect(error).toBeInstanceOf(DispatcherError);
    expect((error as DispatcherError).sqlState).toBe('XX001');
    expect((error as DispatcherError).message).toMatch(/page \d+/);
  });
});
