// Pages a commit replaces leave the buffer pool at once: a run of one-row updates must not fill
// the pool with replaced pages and push live ones out, and a reader on an older snapshot still
// reads the replaced pages (again, from the files) as they were.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/engine.js';
import type { StorageEngine } from '../../src/storage/ports.js';
import { drain, tableDef } from './helpers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dispatchdb-pool-superseded-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const def = tableDef('t', [['id', 'integer'], ['v', 'text']], [0]);
const ROWS = 3000;

async function seeded(file: string, poolPages: number): Promise<StorageEngine> {
  // A small log: image points (which give the updated nodes new page ids) come every few hundred commits.
  const db = await openStorage(file, { durable: false, pageSize: 4096, poolPages, checkpointBytes: 256 * 1024 });
  const tx = db.begin();
  tx.createTable(def);
  for (let i = 0; i < ROWS; i++) tx.insert('t', [i, same(i, 'v')]);
  await tx.commit();
  return db;
}

/** Row i's value, starting with `tag`: always the same length for a given row. */
function same(i: number, tag: string): string {
  return `${tag}${i}-${'x'.repeat(40)}`;
}

function scan(db: StorageEngine): string[] {
  const s = db.snapshot();
  try {
    return drain(s.scanTable('t')).map((r) => String(r[1]));
  } finally {
    s.release();
  }
}

async function updateOne(db: StorageEngine, id: number, v: string): Promise<void> {
  const tx = db.begin();
  tx.update('t', [id], [id, v]);
  await tx.commit();
}

describe('pages replaced by a commit', () => {
  it('leave the pool: one-row commits across image points and checkpoints miss no page', async () => {
    // 48 live pages; the pool holds 60. Rows keep their size, so the live set stays that size.
    const db = await seeded(path.join(dir, 'a.db'), 60);
    try {
      scan(db);
      const live = db.stats().poolSize;
      expect(live).toBeLessThan(60);
      const before = db.stats();
      for (let i = 0; i < 4000; i++) await updateOne(db, (i * 7919) % ROWS, same((i * 7919) % ROWS, 'u'));
      expect(scan(db)).toHaveLength(ROWS);
      const after = db.stats();
      // Image points gave the updated nodes new page ids and checkpoints ran; every page replaced
      // on the way left the pool, so the live pages never had to.
      expect(after.checkpoints - before.checkpoints).toBeGreaterThanOrEqual(2);
      expect(after.misses - before.misses).toBe(0);
      expect(after.poolSize).toBeLessThanOrEqual(live + 2);
    } finally {
      await db.close();
    }
  });

  it('are read again, unchanged, by a reader on an older snapshot', async () => {
    const db = await seeded(path.join(dir, 'b.db'), 16);
    try {
      const old = db.snapshot();
      const expected = drain(old.scanTable('t')).map((r) => String(r[1]));
      for (let i = 0; i < 600; i++) await updateOne(db, (i * 7919) % ROWS, same((i * 7919) % ROWS, 'u'));
      expect(drain(old.scanTable('t')).map((r) => String(r[1]))).toEqual(expected);
      old.release();
      const now = scan(db);
      expect(now.filter((v) => v.startsWith('u'))).toHaveLength(new Set(Array.from({ length: 600 }, (_, i) => (i * 7919) % ROWS)).size);
      expect(db.stats().misses).toBeGreaterThan(0);
    } finally {
      await db.close();
    }
  });
});
