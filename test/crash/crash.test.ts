// Kill a writer with SIGKILL at random moments, reopen, and check durability and atomicity:
// every acknowledged commit is present, nothing that was never submitted is, and every
// transaction is all or nothing. Then flip a byte in a page and expect a clear error.
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readSync, writeSync, closeSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { DispatcherError } from '../../src/api/errors.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const KILLS = Number(process.env.DISPATCHDB_CRASH_KILLS ?? 20);

interface Run {
  readonly acked: Set<number>;
  readonly submitted: Set<number>;
}

function runWriter(path: string, start: number, killAfterMs: number): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'writer.ts'), path, String(start)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked = new Set<number>();
    const submitted = new Set<number>();
    let buf = '';
    let err = '';
    let timer: NodeJS.Timeout | null = null;
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i = buf.indexOf('\n');
      while (i >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const [what, n] = line.split(' ');
        if (what === 'ready' && timer === null) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        if (what === 'submit') submitted.add(Number(n));
        if (what === 'ack') acked.add(Number(n));
        i = buf.indexOf('\n');
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('exit', (code, signal) => {
      if (timer !== null) clearTimeout(timer);
      if (signal === 'SIGKILL') resolvePromise({ acked, submitted });
      else reject(new Error(`writer exited with ${code ?? signal}: ${err}`));
    });
  });
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('crash safety', () => {
  it(`keeps every acknowledged commit and nothing else across ${KILLS} SIGKILLs`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dispatchdb-crash-'));
    dirs.push(dir);
    const path = join(dir, 'crash.db');
    const everAcked = new Set<number>();
    const everSubmitted = new Set<number>();
    let next = 0;
    let killsWithData = 0;
    for (let k = 0; k < KILLS; k++) {
      const run = await runWriter(path, next, 40 + Math.floor(Math.random() * 260));
      for (const n of run.acked) everAcked.add(n);
      for (const n of run.submitted) everSubmitted.add(n);
      const db = await Database.open(path);
      try {
        const s = await db.connect();
        const r = await s.execute('SELECT batch, count(*) FROM t GROUP BY batch');
        const present = new Map<number, number>();
        for (const [batch, count] of r.rows) present.set(Number(batch), Number(count));
        for (const n of everAcked) {
          expect(present.has(n), `acknowledged commit ${n} lost after kill ${k}`).toBe(true);
        }
        for (const [n, count] of present) {
          expect(everSubmitted.has(n), `commit ${n} present but never submitted`).toBe(true);
          // Atomicity: a multi-row transaction is all or nothing.
          expect(count, `transaction ${n} is partial`).toBe(n % 2 === 0 ? 1 : 5);
        }
        if (present.size > 0) killsWithData++;
        expect(db.integrityCheck()).toEqual([]);
        next = Math.max(next, ...everSubmitted) + 1;
        await s.close();
      } finally {
        await db.close();
      }
    }
    expect(killsWithData).toBeGreaterThan(KILLS / 2);
    expect(everAcked.size).toBeGreaterThan(KILLS);
  }, 240_000);

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
