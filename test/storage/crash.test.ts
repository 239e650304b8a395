// Kills a writing child process with SIGKILL at arbitrary moments and checks, after reopening,
// that every acknowledged commit is there, whole, and that nothing half-done is.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/engine.js';
import type { Row } from '../../src/storage/ports.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dispatchdb-crash-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

/** Runs the child until it acknowledged `acks` commits (plus a random extra delay), then kills it. */
function runAndKill(file: string, start: number, acks: number, extraMs: number, checkpointBytes: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, file, String(start), String(checkpointBytes)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked: number[] = [];
    let buf = '';
    let err = '';
    let killing = false;
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line !== 'ready') acked.push(Number(line));
        if (acked.length >= acks && !killing) {
          killing = true;
          setTimeout(() => p.kill('SIGKILL'), extraMs);
        }
      }
    });
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`child exited with ${code}: ${err}`));
    });
  });
}

describe('crash recovery', () => {
  it.each([
    ['checkpoints now and then', 128 * 1024, 3],
    ['checkpoints at almost every commit', 16 * 1024, 2],
  ] as const)('keeps exactly the acknowledged commits after SIGKILL, repeatedly (%s)', async (_name, checkpointBytes, rounds) => {
    const file = path.join(dir, `crash-${checkpointBytes}.db`);
    const acked = new Set<number>();
    let next = 1;
    for (let round = 0; round < rounds; round++) {
      const got = await runAndKill(file, next, 15 + round * 10, round * 7, checkpointBytes);
      for (const c of got) acked.add(c);
      const db = await openStorage(file, { pageSize: 4096, durable: false });
      const s = db.snapshot();
      const byCommit = new Map<number, Row[]>();
      const cur = s.scanTable('log');
      for (let r = cur.next(); r; r = cur.next()) {
        const c = r[1] as number;
        let l = byCommit.get(c);
        if (!l) byCommit.set(c, (l = []));
        l.push(r);
      }
      // Whole commits only: each batch has its 20 rows.
      for (const [c, rows] of byCommit) expect([c, rows.length]).toEqual([c, 20]);
      for (const c of acked) expect(byCommit.has(c)).toBe(true);
      // At most the one commit in flight at the kill may be there without an acknowledgement.
      const extra = [...byCommit.keys()].filter((c) => !acked.has(c));
      expect(extra.length).toBeLessThanOrEqual(1);
      expect(db.integrityCheck()).toEqual([]);
      next = Math.max(...byCommit.keys()) + 1;
      for (const c of extra) acked.add(c);
      s.release();
      await db.close();
    }
  });
});
