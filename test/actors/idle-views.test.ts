// The idle locking view actors/idle-views.ts keeps must share the hidden class (map) of the views
// transactions make, or it keeps nothing alive that matters. Checked with V8's %HaveSameMap.
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { IDLE_LOCKING_VIEW } from '../../actors/idle-views.js';
import { LockManager } from '../../actors/lock-manager.js';
import { LockingView } from '../../actors/locking-view.js';
import { ReplyRouter } from '../../actors/reply-router.js';
import { openStorage } from '../../src/storage/engine.js';
import { tableDef } from '../storage/helpers.js';

setFlagsFromString('--allow-natives-syntax');
// Compiled after the flag: the natives syntax is read when this source is parsed.
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

describe('idle locking view', () => {
  it('shares the map of views that wrote, at each isolation level', async () => {
    const db = await openStorage(':memory:', { durable: false });
    const locks = new LockManager(new ReplyRouter());
    try {
      const setup = db.begin();
      setup.createTable(tableDef('t', [['id', 'integer'], ['v', 'text']]));
      await setup.commit();
      let id = 0;
      for (const isolation of ['read committed', 'repeatable read', 'serializable'] as const) {
        const txn = db.begin();
        const snap = isolation === 'read committed' ? null : db.snapshot();
        const view = new LockingView(txn, ++id, locks, db, isolation, snap, new Set());
        view.insert('t', [id, `v${id}`]);
        expect(view.getRow('t', [id])).toEqual([id, `v${id}`]);
        expect(sameMap(IDLE_LOCKING_VIEW, view)).toBe(true);
        await txn.commit();
        locks.table.releaseAll(id);
        snap?.release();
      }
    } finally {
      await db.close();
    }
  });
});
