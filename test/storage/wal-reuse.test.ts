// A durable log keeps its blocks after a checkpoint and is written over, with a new salt, from
// its start: frames of the earlier cycle left behind must never come back at recovery.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/engine.js';
import type { StorageEngine } from '../../src/storage/ports.js';
import { drain, tableDef } from './helpers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dispatchdb-wal-reuse-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const def = tableDef('t', [['id', 'integer'], ['v', 'text']], [0]);

async function put(db: StorageEngine, id: number, v: string): Promise<void> {
  const tx = db.begin();
  if (!tx.getTable('t')) tx.createTable(def);
  if (tx.getRow('t', [id]) === undefined) tx.insert('t', [id, v]);
  else tx.update('t', [id], [id, v]);
  await tx.commit();
}

function contents(db: StorageEngine): string[] {
  const s = db.snapshot();
  try {
    return drain(s.scanTable('t')).map((r) => `${String(r[0])}=${String(r[1])}`);
  } finally {
    s.release();
  }
}

describe('WAL reuse after a checkpoint', () => {
  it('keeps the log file length, writes over the old cycle, and recovers only the new one', async () => {
    const p = path.join(dir, 'a.db');
    const db = await openStorage(p, { durable: true, pageSize: 4096 });
    for (let i = 0; i < 40; i++) await put(db, i, `first-${i}`);
    const grown = fs.statSync(`${p}-wal`).size;
    await db.checkpoint();
    // The blocks stay allocated for the next cycle.
    expect(fs.statSync(`${p}-wal`).size).toBe(grown);
    // A shorter second cycle: the old cycle's later frames stay behind it in the file.
    for (let i = 0; i < 3; i++) await put(db, i, `second-${i}`);
    const expected = contents(db);
    // Copy as a crash would leave it (no checkpoint at close).
    const copy = path.join(dir, 'copy.db');
    fs.copyFileSync(p, copy);
    fs.copyFileSync(`${p}-wal`, `${copy}-wal`);
    await db.close();
    const again = await openStorage(copy, { durable: true, pageSize: 4096 });
    try {
      expect(contents(again)).toEqual(expected);
      expect(expected).toContain('0=second-0');
      expect(expected).toContain('39=first-39');
      expect(again.integrityCheck()).toEqual([]);
    } finally {
      await again.close();
    }
  });
});
