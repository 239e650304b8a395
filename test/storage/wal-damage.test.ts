// The WAL recovery rule: damage inside the last write is a torn tail (cut, the database opens);
// damage followed by frames of a later write is corruption (XX001, nothing silently dropped).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DispatcherError } from '../../src/api/errors.js';
import { openStorage } from '../../src/storage/engine.js';
import type { StorageEngine, StorageOptions } from '../../src/storage/ports.js';
import { tableDef } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dispatchdb-wal-damage-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});
let counter = 0;
const dbPath = (): string => path.join(dir, `w${++counter}.db`);
const opts: StorageOptions = { durable: false, pageSize: 4096 };
const def = tableDef('t', [['id', 'integer'], ['v', 'text']]);

async function commitRange(db: StorageEngine, from: number, to: number): Promise<void> {
  const tx = db.begin();
  if (!tx.getTable('t')) tx.createTable(def);
  for (let i = from; i < to; i++) tx.insert('t', [i, `v${i}-${'x'.repeat(40)}`]);
  await tx.commit();
}

/** Three commits, each its own write; returns a crash copy and the WAL offsets after each commit. */
async function threeWrites(): Promise<{ file: string; ends: number[] }> {
  const p = dbPath();
  const db = await openStorage(p, opts);
  const ends: number[] = [];
  for (let c = 0; c < 3; c++) {
    await commitRange(db, c * 100, (c + 1) * 100);
    ends.push(fs.statSync(`${p}-wal`).size);
  }
  const file = dbPath();
  fs.copyFileSync(p, file);
  fs.copyFileSync(`${p}-wal`, `${file}-wal`);
  await db.close();
  return { file, ends };
}

function patch(file: string, at: number, bytes: Buffer): void {
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, bytes, 0, bytes.length, at);
  fs.closeSync(fd);
}

function flip(file: string, at: number): void {
  const b = Buffer.alloc(1);
  const fd = fs.openSync(file, 'r+');
  fs.readSync(fd, b, 0, 1, at);
  b[0] = b[0]! ^ 0x20;
  fs.writeSync(fd, b, 0, 1, at);
  fs.closeSync(fd);
}

async function rowsAfterOpen(file: string): Promise<number> {
  const db = await openStorage(file, opts);
  try {
    expect(db.integrityCheck()).toEqual([]);
    const s = db.snapshot();
    const n = s.getTable('t') ? s.rowCount('t') : 0;
    s.release();
    return n;
  } finally {
    await db.close();
  }
}

describe('WAL damage', () => {
  it('a flipped byte inside the last write is a torn tail: cut, the earlier commits open', async () => {
    const { file, ends } = await threeWrites();
    flip(`${file}-wal`, ends[1]! + Math.floor((ends[2]! - ends[1]!) / 2));
    expect(await rowsAfterOpen(file)).toBe(200);
  });

  it('a torn last write with its end frame intact but a hole before it is cut too', async () => {
    const { file, ends } = await threeWrites();
    // Sectors of one write can reach the disk out of order: zeros where a middle sector never landed.
    patch(`${file}-wal`, ends[1]! + 600, Buffer.alloc(512));
    expect(await rowsAfterOpen(file)).toBe(200);
  });

  it('damage in an earlier write, followed by a later write, is corruption naming the byte', async () => {
    for (const where of ['body', 'header'] as const) {
      const { file, ends } = await threeWrites();
      // Commit 2's frames: a page body in the middle, or the very first frame header.
      const at = where === 'body' ? ends[0]! + Math.floor((ends[1]! - ends[0]!) / 2) : ends[0]! + 2;
      flip(`${file}-wal`, at);
      let err: unknown;
      try {
        await (await openStorage(file, opts)).close();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DispatcherError);
      const d = err as DispatcherError;
      expect(d.sqlState).toBe('XX001');
      expect(d.message).toMatch(new RegExp(`^${file}-wal is corrupted at byte \\d+$`));
      const byte = Number(/byte (\d+)$/.exec(d.message)![1]);
      expect(byte).toBeGreaterThanOrEqual(ends[0]!);
      expect(byte).toBeLessThanOrEqual(at);
      expect(d.detail).toContain('acknowledged commits');
      // Nothing was cut: the WAL is as it was, and the lock is released.
      expect(fs.statSync(`${file}-wal`).size).toBe(ends[2]);
      expect(fs.existsSync(`${file}-lock`)).toBe(false);
    }
  });

  it('damage in the end frame of the next-to-last write is corruption too (the last write says where it began)', async () => {
    const { file, ends } = await threeWrites();
    // A few bytes before the end of write 2: inside its commit frame, the one that marks its end.
    flip(`${file}-wal`, ends[1]! - 3);
    let err: unknown;
    try {
      await (await openStorage(file, opts)).close();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DispatcherError);
    expect((err as DispatcherError).sqlState).toBe('XX001');
    expect((err as DispatcherError).message).toContain(`${file}-wal is corrupted at byte`);
  });

  it('a database reopened after a torn tail keeps writing and recovering normally', async () => {
    const { file, ends } = await threeWrites();
    fs.truncateSync(`${file}-wal`, ends[2]! - 7);
    const db = await openStorage(file, opts);
    await commitRange(db, 1000, 1010);
    const again = dbPath();
    fs.copyFileSync(file, again);
    fs.copyFileSync(`${file}-wal`, `${again}-wal`);
    await db.close();
    expect(await rowsAfterOpen(again)).toBe(210);
  });
});
