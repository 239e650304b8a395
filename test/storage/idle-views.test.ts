// The idle write transaction and snapshot engine.ts keeps must share the hidden class (map) of the
// ones a database makes, or they keep nothing alive that matters. Checked with V8's %HaveSameMap.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { IDLE_VIEWS, openStorage } from '../../src/storage/engine.js';
import { tableDef } from './helpers.js';

setFlagsFromString('--allow-natives-syntax');
// Compiled after the flag: the natives syntax is read when this source is parsed.
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

describe('idle views', () => {
  for (const where of ['memory', 'file']) {
    it(`share the maps of a write transaction and a snapshot that ran (${where})`, async () => {
      const dir = where === 'file' ? fs.mkdtempSync(path.join(os.tmpdir(), 'idle-views-')) : null;
      const file = dir === null ? ':memory:' : path.join(dir, 'v.db');
      const db = await openStorage(file, { durable: false });
      try {
        const tx = db.begin();
        tx.createTable(tableDef('t', [['id', 'integer'], ['v', 'text']]));
        for (let i = 1; i <= 50; i++) tx.insert('t', [i, `v${i}`]);
        expect(tx.getRow('t', [7])).toEqual([7, 'v7']);
        const [engine, idleTxn, idleSnap] = IDLE_VIEWS;
        expect(sameMap(idleTxn!, tx)).toBe(true);
        await tx.commit();
        const s = db.snapshot();
        expect(s.getRow('t', [9])).toEqual([9, 'v9']);
        expect(sameMap(idleSnap!, s)).toBe(true);
        s.release();
        expect(sameMap(engine!, db)).toBe(true);
      } finally {
        await db.close();
        if (dir !== null) fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
