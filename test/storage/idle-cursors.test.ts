// The idle cursors table-cursors.ts keeps must share the hidden class (map) of the cursors scans
// make, or they keep nothing alive that matters. Checked with V8's own %HaveSameMap.
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/engine.js';
import { IDLE_CURSORS, IndexEntryCursor, TableCursor } from '../../src/storage/table-cursors.js';
import { drain, tableDef } from './helpers.js';

setFlagsFromString('--allow-natives-syntax');
// Compiled after the flag: the natives syntax is read when this source is parsed.
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

describe('idle cursors', () => {
  it('share the map of the cursors a table scan and an index scan make, after they ran', async () => {
    const db = await openStorage(':memory:', { durable: false });
    const tx = db.begin();
    tx.createTable(tableDef('t', [['id', 'integer'], ['k', 'integer']]));
    tx.createIndex({ name: 't_k', table: 't', columns: [1], unique: false, implicit: false });
    for (let i = 1; i <= 300; i++) tx.insert('t', [i, i % 7]);
    await tx.commit();
    const s = db.snapshot();
    try {
      const rows = s.scanTable('t', { lower: [10], lowerInclusive: true, upper: [20], upperInclusive: false });
      const keys = s.scanIndex('t', 't_k', { lower: [3], lowerInclusive: true, upper: [3], upperInclusive: true });
      expect(drain(rows)).toHaveLength(10);
      expect(drain(keys)).toHaveLength(43);
      const table = IDLE_CURSORS.find((c) => c instanceof TableCursor)!;
      const index = IDLE_CURSORS.find((c) => c instanceof IndexEntryCursor)!;
      expect(sameMap(table, rows)).toBe(true);
      expect(sameMap(index, keys)).toBe(true);
      rows.close();
      keys.close();
    } finally {
      s.release();
      await db.close();
    }
  });
});
