// A DELETE that targets every row of a table empties it in one step (storage deleteAll): the
// table and its indexes must end empty and consistent, take rows again, come back on ROLLBACK
// and ROLLBACK TO SAVEPOINT, stay empty across a reopen and a crash (recovery replays the
// commit from the log: a delete per row), give its pages back to the file, and wait for another session's row lock as row-by-row deletes do.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import type { Session } from '../../src/api/session.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempPath(name: string): string {
  const d = mkdtempSync(join(tmpdir(), 'dispatchdb-delete-all-'));
  dirs.push(d);
  return join(d, name);
}

const ROWS = 3000;

async function load(s: Session, from = 0): Promise<void> {
  const ins = await s.prepare('INSERT INTO t VALUES ($1, $2, $3)');
  const sets = Array.from({ length: ROWS }, (_, i) => [from + i, (from + i) % 97, `row ${from + i} `.repeat(1 + (i % 3))]);
  await s.execute('BEGIN');
  await ins.executeMany(sets);
  await s.execute('COMMIT');
}

/** Rows with k = 5 among ids from..from + ROWS - 1. */
function fives(from: number): number {
  let n = 0;
  for (let id = from; id < from + ROWS; id++) if (id % 97 === 5) n++;
  return n;
}

async function counts(s: Session): Promise<unknown[]> {
  const r = await s.execute('SELECT count(*), (SELECT count(*) FROM t WHERE k = 5), (SELECT count(*) FROM t WHERE k >= 0) FROM t', [], { rowMode: 'array' });
  return r.rows[0] as unknown[];
}

async function setUp(path: string): Promise<{ db: Database; s: Session }> {
  const db = await Database.open(path);
  const s = await db.connect();
  await s.execute('CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, c TEXT)');
  await s.execute('CREATE INDEX t_k ON t(k)');
  await load(s);
  return { db, s };
}

describe('DELETE of every row', () => {
  it('empties the table and its index, which then take rows again', async () => {
    const { db, s } = await setUp(':memory:');
    try {
      const r = await s.execute('DELETE FROM t');
      expect(r.rowsAffected).toBe(ROWS);
      expect(await counts(s)).toEqual([0, 0, 0]);
      expect(db.integrityCheck()).toEqual([]);
      await load(s, 10);
      expect(await counts(s)).toEqual([ROWS, fives(10), ROWS]);
      // A WHERE that every row passes is the same.
      expect((await s.execute('DELETE FROM t WHERE id >= 0')).rowsAffected).toBe(ROWS);
      expect(await counts(s)).toEqual([0, 0, 0]);
      expect(db.integrityCheck()).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('comes back on ROLLBACK and ROLLBACK TO SAVEPOINT, with rows inserted earlier in the transaction', async () => {
    const { db, s } = await setUp(':memory:');
    try {
      await s.execute('BEGIN');
      await s.execute('INSERT INTO t VALUES (100000, 5, $1)', ['new']);
      await s.execute('SAVEPOINT a');
      expect((await s.execute('DELETE FROM t')).rowsAffected).toBe(ROWS + 1);
      expect(await counts(s)).toEqual([0, 0, 0]);
      await s.execute('ROLLBACK TO SAVEPOINT a');
      expect(await counts(s)).toEqual([ROWS + 1, fives(0) + 1, ROWS + 1]);
      await s.execute('DELETE FROM t');
      await s.execute('ROLLBACK');
      expect(await counts(s)).toEqual([ROWS, fives(0), ROWS]);
      expect(db.integrityCheck()).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('stays empty across a reopen and gives its pages back to the file', async () => {
    const path = tempPath('d.db');
    let { db, s } = await setUp(path);
    await s.execute('CHECKPOINT');
    const size = statSync(path).size;
    await s.execute('DELETE FROM t');
    await db.close();
    db = await Database.open(path);
    s = await db.connect();
    expect(await counts(s)).toEqual([0, 0, 0]);
    expect(db.integrityCheck()).toEqual([]);
    // The same rows again, a few times over: the freed pages are reused, the file does not grow
    // by a table's worth each time.
    for (let round = 0; round < 3; round++) {
      await load(s);
      await s.execute('DELETE FROM t');
      await s.execute('CHECKPOINT');
    }
    await load(s);
    await s.execute('CHECKPOINT');
    expect(statSync(path).size).toBeLessThanOrEqual(size * 1.5);
    expect(await counts(s)).toEqual([ROWS, fives(0), ROWS]);
    expect(db.integrityCheck()).toEqual([]);
    await db.close();
  });

  it('is recovered from the log after a crash, with the commits after it', async () => {
    const path = tempPath('crash.db');
    const child = fileURLToPath(new URL('./delete-all-child.ts', import.meta.url));
    await new Promise<void>((resolve, reject) => {
      const p = spawn(process.execPath, ['--import', 'tsx', child, path], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      p.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('done')) p.kill('SIGKILL');
      });
      p.stderr.on('data', (d: Buffer) => (err += d.toString()));
      p.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child ended without the kill: ${err}`))));
    });
    const db = await Database.open(path);
    try {
      const s = await db.connect();
      expect(await counts(s)).toEqual([3, 2, 3]);
      expect(db.integrityCheck()).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('waits for a row another session has locked, then deletes it too', async () => {
    const db = await Database.open(':memory:');
    try {
      const a = await db.connect();
      const b = await db.connect();
      await a.execute('CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, c TEXT)');
      await a.execute('CREATE INDEX t_k ON t(k)');
      await load(a);
      await b.execute('BEGIN');
      await b.execute('UPDATE t SET k = 1000 WHERE id = 7');
      let done = false;
      const del = a.execute('DELETE FROM t').then((r) => {
        done = true;
        return r;
      });
      await new Promise((r) => setTimeout(r, 150));
      expect(done).toBe(false);
      await b.execute('COMMIT');
      expect((await del).rowsAffected).toBe(ROWS);
      expect(await counts(a)).toEqual([0, 0, 0]);
      expect(db.integrityCheck()).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
