// The idle database Database.open keeps (src/api/database.ts) must share the hidden classes (maps)
// of databases that ran statements, or it keeps nothing alive that matters once a program has
// closed its last database. Checked with V8's %HaveSameMap after a mixed workload.
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { Database, idleDatabase } from '../../src/api/database.js';

setFlagsFromString('--allow-natives-syntax');
// Compiled after the flag: the natives syntax is read when this source is parsed.
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

/** The per-database objects whose classes have one instance per database. */
function parts(db: Database): Record<string, object> {
  const sys = db.system;
  return {
    database: db,
    system: sys,
    transactionManager: sys.txns,
    lockManager: sys.locks,
    dispatcher: sys.dispatcher,
    monitor: sys.monitor,
    router: sys.router,
    plans: sys.plans,
    storage: sys.storage,
    operations: db.operations,
    ...Object.fromEntries(Object.entries(sys.coordinators).map(([k, c]) => [`coordinator ${k}`, c])),
  };
}

describe('idle database', () => {
  it('shares the maps of a database and session that ran statements, and stays open', async () => {
    const db = await Database.open(':memory:');
    const kept = idleDatabase();
    expect(kept).not.toBeNull();
    const idle = await kept!;
    try {
      const s = await db.connect();
      const other = await db.connect();
      await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
      await s.execute('CREATE INDEX t_v ON t (v)');
      await s.execute('BEGIN');
      await s.execute("INSERT INTO t VALUES (1, 'a'), (2, 'b')");
      await s.execute('SAVEPOINT p');
      await s.execute("UPDATE t SET v = 'c' WHERE id = 2");
      await s.execute('ROLLBACK TO p');
      await s.execute('COMMIT');
      const upd = await s.prepare('UPDATE t SET v = $1 WHERE id = $2');
      expect((await upd.execute(['d', 1])).rowsAffected).toBe(1);
      await expect(s.execute('INSERT INTO t VALUES (1, $1)', ['dup'])).rejects.toMatchObject({ sqlState: '23505' });
      await other.execute('BEGIN ISOLATION LEVEL REPEATABLE READ');
      expect((await other.execute('SELECT v FROM t ORDER BY id')).rows).toEqual([['d'], ['b']]);
      await other.execute('COMMIT');
      expect((await s.execute('SELECT count(*) AS n FROM t')).rows).toEqual([[2]]);

      const used = parts(db);
      const idleParts = parts(idle.db);
      for (const [name, o] of Object.entries(used)) {
        expect(sameMap(idleParts[name]!, o), name).toBe(true);
      }
      expect(sameMap(idle.session, s), 'session').toBe(true);
      const actors = [...db.system.sessions.values()];
      const idleActors = [...idle.db.system.sessions.values()];
      expect(idleActors.length).toBe(1);
      for (const a of actors) expect(sameMap(idleActors[0]!, a), 'session actor').toBe(true);
      // The check tells maps apart.
      expect(sameMap(idle.db, idle.session)).toBe(false);
      // The idle database is another database: nothing of this one reached it.
      const view = idle.db.system.storage.snapshot();
      expect(view.getTable('t')).toBeUndefined();
      view.release();
      expect(idle.session.closed).toBe(false);
    } finally {
      await db.close();
    }
    // Closing a database leaves the idle one open, and a later open does not make another.
    expect(idle.session.closed).toBe(false);
    const again = await Database.open(':memory:');
    expect(await idleDatabase()).toBe(idle);
    await again.close();
  });
});
