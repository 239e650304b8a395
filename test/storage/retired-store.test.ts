// A closed file database's store stays, emptied, as the last retired one: while no file database
// is open, V8 would otherwise drop the hidden classes of the store and of its log, pool and pager
// (one instance each per database), and the code compiled against them (the commit path, the
// B-tree's page loads), so the next file database ran unoptimized until compiled again.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { openStorage, type Engine } from '../../src/storage/engine.js';
import { retiredStore } from '../../src/storage/file-store.js';
import { tableDef } from './helpers.js';

setFlagsFromString('--allow-natives-syntax');
// Compiled after the flag: the natives syntax is read when this source is parsed.
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

describe('retired file store', () => {
  it('keeps the last closed store, its caches emptied, with the map of an open one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retired-store-'));
    try {
      const a = (await openStorage(path.join(dir, 'a.db'), { durable: false, poolPages: 64 })) as Engine;
      const tx = a.begin();
      tx.createTable(tableDef('t', [['id', 'integer'], ['v', 'text']]));
      for (let i = 1; i <= 2000; i++) tx.insert('t', [i, `row ${i} `.repeat(8)]);
      await tx.commit();
      expect(a.stats()?.poolSize).toBeGreaterThan(0);
      await a.close();
      const retired = retiredStore();
      expect(retired).not.toBeNull();
      expect(retired!.stats().poolSize).toBe(0);

      const b = (await openStorage(path.join(dir, 'b.db'), { durable: false, poolPages: 64 })) as Engine;
      try {
        const tb = b.begin();
        tb.createTable(tableDef('t', [['id', 'integer'], ['v', 'text']]));
        tb.insert('t', [1, 'x']);
        await tb.commit();
        // The open database's store is another object of the same hidden class.
        expect(storeOf(b)).not.toBe(retired);
        expect(sameMap(retired!, storeOf(b))).toBe(true);
      } finally {
        await b.close();
      }
      expect(retiredStore()).not.toBe(retired);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

function storeOf(e: Engine): object {
  const s = e.fileStore;
  if (s === null) throw new Error('not a file database');
  return s;
}
