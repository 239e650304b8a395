// The change log is a replication stream: applying db.changes$ in order to an empty replica gives
// exactly the committed table, whatever mix of committed and rolled-back transactions, savepoints,
// failed statements and primary-key updates produced it; and each before image is what the
// replica holds at that point.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RowChange } from '../../actors/commit-observer.js';
import { Database } from '../../src/api/database.js';
import type { Session } from '../../src/api/session.js';

type Op =
  | { k: 'insert'; id: number; v: number }
  | { k: 'update'; id: number; v: number }
  | { k: 'move'; id: number; to: number }
  | { k: 'delete'; id: number }
  | { k: 'savepoint' }
  | { k: 'rollbackTo' };

const id = fc.integer({ min: 1, max: 5 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('insert' as const), id, v: fc.integer({ min: 0, max: 99 }) }),
  fc.record({ k: fc.constant('update' as const), id, v: fc.integer({ min: 0, max: 99 }) }),
  fc.record({ k: fc.constant('move' as const), id, to: id }),
  fc.record({ k: fc.constant('delete' as const), id }),
  fc.record({ k: fc.constant('savepoint' as const) }),
  fc.record({ k: fc.constant('rollbackTo' as const) }),
);
const txnArb = fc.record({
  session: fc.integer({ min: 0, max: 1 }),
  explicit: fc.boolean(),
  ops: fc.array(opArb, { minLength: 1, maxLength: 10 }),
  end: fc.constantFrom('commit' as const, 'rollback' as const),
});

function sqlOf(op: Op): string {
  switch (op.k) {
    case 'insert':
      return `INSERT INTO t VALUES (${op.id}, ${op.v})`;
    case 'update':
      return `UPDATE t SET v = ${op.v} WHERE id = ${op.id}`;
    case 'move':
      return `UPDATE t SET id = ${op.to} WHERE id = ${op.id}`;
    case 'delete':
      return `DELETE FROM t WHERE id = ${op.id}`;
    case 'savepoint':
      return 'SAVEPOINT sp';
    case 'rollbackTo':
      return 'ROLLBACK TO SAVEPOINT sp';
  }
}

async function attempt(s: Session, sql: string): Promise<boolean> {
  try {
    await s.execute(sql);
    return true;
  } catch {
    return false;
  }
}

describe('db.changes$ as a replication stream', () => {
  it('replays to the committed table, with before images the replica agrees with', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(txnArb, { minLength: 1, maxLength: 15 }), async (txns) => {
        const db = await Database.open(':memory:');
        const replica = new Map<number, readonly unknown[]>();
        const problems: string[] = [];
        const sub = db.changes$.subscribe((c: RowChange) => {
          const k = c.key[0] as number;
          const have = replica.get(k) ?? null;
          if (JSON.stringify(have) !== JSON.stringify(c.before)) problems.push(`before of ${c.operation} ${k}`);
          if (c.operation !== 'insert') replica.delete(k);
          if (c.after !== null) replica.set(c.after[0] as number, c.after);
        });
        try {
          const sessions = [await db.connect(), await db.connect()];
          await (sessions[0] as Session).execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)');
          for (const t of txns) {
            const s = sessions[t.session] as Session;
            if (!t.explicit) {
              for (const op of t.ops) if (op.k !== 'savepoint' && op.k !== 'rollbackTo') await attempt(s, sqlOf(op));
              continue;
            }
            await s.execute('BEGIN');
            let savepoint = false;
            let ok = true;
            for (const op of t.ops) {
              if (op.k === 'rollbackTo' && !savepoint) continue;
              ok = await attempt(s, sqlOf(op));
              if (!ok) break;
              if (op.k === 'savepoint') savepoint = true;
            }
            await s.execute(ok && t.end === 'commit' ? 'COMMIT' : 'ROLLBACK');
          }
          const rows = (await (sessions[0] as Session).execute('SELECT id, v FROM t ORDER BY id')).rows;
          const replayed = [...replica.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => [...r]);
          expect(problems).toEqual([]);
          expect(replayed).toEqual(rows);
        } finally {
          sub.unsubscribe();
          await db.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
