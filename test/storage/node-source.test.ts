// A file database's node source resolves page ids through its buffer pool, an in-memory one's
// never sees one. Their methods must be one set shared by every database, not closures of one:
// code V8 compiled against one database's closure was thrown away when that database closed
// (every B-tree descent and index probe in it), and two kinds made the B-tree's calls polymorphic.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStorage, type Engine } from '../../src/storage/engine.js';
import { tableDef } from './helpers.js';

describe('file node source', () => {
  it('resolves page ids through the pool with methods every database shares', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-source-'));
    const a = (await openStorage(path.join(dir, 'a.db'), { durable: false, poolPages: 8 })) as Engine;
    const b = (await openStorage(path.join(dir, 'b.db'), { durable: false, poolPages: 8 })) as Engine;
    const m = (await openStorage(':memory:')) as Engine;
    try {
      expect(a.src).not.toBe(b.src);
      expect(m.src.load).toBe(a.src.load);
      expect(Object.getPrototypeOf(m.src)).toBe(Object.getPrototypeOf(a.src));
      expect(a.src.load).toBe(b.src.load);
      expect(a.src.pin).toBe(b.src.pin);
      expect(a.src.unpin).toBe(b.src.unpin);
      // Enough rows for a tree of several pages, read back through a pool smaller than it.
      const tx = a.begin();
      tx.createTable(tableDef('t', [['id', 'integer'], ['v', 'text']]));
      for (let i = 1; i <= 2000; i++) tx.insert('t', [i, `row ${i} `.repeat(8)]);
      await tx.commit();
      const s = a.snapshot();
      try {
        for (const i of [1, 777, 2000]) expect(s.getRow('t', [i])).toEqual([i, `row ${i} `.repeat(8)]);
      } finally {
        s.release();
      }
    } finally {
      await a.close();
      await b.close();
      await m.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
