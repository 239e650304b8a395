// What the storage model tests share: a temporary directory for their database files, reading an
// index whole, and the check that ends each run (the committed state as the model has it, the integrity check, and the
// same again after reopening a file).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, expect } from 'vitest';
import { openStorage } from '../src/storage/engine.js';
import type { Key, ReadView, StorageEngine } from '../src/storage/ports.js';

/** A database path per run: ':memory:', or a fresh file in a directory removed after the tests. */
export function runFiles(prefix: string): (onDisk: boolean) => string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dispatchdb-${prefix}-`));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  return (onDisk) => (onDisk ? path.join(dir, `r${++n}.db`) : ':memory:');
}

/** Checks the committed state and the integrity, closes, and for a file does both again after reopening. */
export async function checkCommitted(db: StorageEngine, file: string, check: (view: ReadView) => void): Promise<void> {
  const s = db.snapshot();
  check(s);
  s.release();
  expect(db.integrityCheck()).toEqual([]);
  await db.close();
  if (file === ':memory:') return;
  const again = await openStorage(file, { durable: false });
  const s2 = again.snapshot();
  check(s2);
  s2.release();
  expect(again.integrityCheck()).toEqual([]);
  await again.close();
}

/** Every entry of an index, in index order, as [indexed values..., table key...]. */
export function indexEntries(view: ReadView, table: string, index: string): Key[] {
  const out: Key[] = [];
  const c = view.scanIndex(table, index);
  for (let k = c.next(); k; k = c.next()) out.push([...c.indexKey, ...k]);
  c.close();
  return out;
}
