// Concurrent write transactions against a model: each transaction works on its own snapshot;
// commits apply one at a time in commit order, re-applying a transaction's operations when
// others changed its tables meanwhile. The result must equal applying each committed
// transaction's operations serially in commit order; a rejected commit (unique violation or a
// vanished row) must have no effect at all.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openStorage } from '../src/storage/engine.js';
import type { Row, TableDef, WriteTxn } from '../src/storage/ports.js';

const def: TableDef = {
  name: 'kv',
  columns: [
    { name: 'k', type: 'integer', declaredType: 'INTEGER', notNull: true },
    { name: 'v', type: 'integer', declaredType: 'INTEGER', notNull: false },
  ],
  primaryKey: [0],
  indexes: [{ name: 'kv_v', table: 'kv', columns: [1], unique: true, implicit: false }],
};

type Op = { t: number; k: 'ins' | 'upd' | 'del'; key: number; v: number } | { t: number; k: 'commit' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ t: fc.nat(2), k: fc.constantFrom('ins' as const, 'upd' as const, 'del' as const), key: fc.nat(15), v: fc.nat(40) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.nat(2), k: fc.constant('commit' as const) }) },
);

type Model = Map<number, number | null>;

/** Applies logical ops to a model; false when the commit must be rejected. */
function applyOps(model: Model, ops: readonly Op[]): Model | null {
  const m = new Map(model);
  const vUsed = (v: number | null, except?: number): boolean =>
    v !== null && [...m].some(([k, x]) => x === v && k !== except);
  for (const op of ops) {
    if (op.k === 'commit') continue;
    if (op.k === 'ins') {
      if (m.has(op.key) || vUsed(op.v)) return null;
      m.set(op.key, op.v);
    } else if (op.k === 'upd') {
      if (!m.has(op.key) || vUsed(op.v, op.key)) return null;
      m.set(op.key, op.v);
    } else {
      if (!m.has(op.key)) return null;
      m.delete(op.key);
    }
  }
  return m;
}

describe('concurrent write transactions', () => {
  it('equal serial execution in commit order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 80, size: 'max' }), async (ops) => {
        const db = await openStorage(':memory:', { pageSize: 1024 });
        const setup = db.begin();
        setup.createTable(def);
        await setup.commit();
        let committed: Model = new Map();
        const txns: (WriteTxn | null)[] = [null, null, null];
        const logs: Op[][] = [[], [], []];
        for (const op of ops) {
          let tx = txns[op.t];
          if (!tx) {
            tx = db.begin();
            txns[op.t] = tx;
            logs[op.t] = [];
          }
          if (op.k === 'commit') {
            const expected = applyOps(committed, logs[op.t]!);
            let ok = true;
            try {
              await tx.commit();
            } catch (e) {
              ok = false;
              expect(['23505', '40001']).toContain((e as { sqlState: string }).sqlState);
            }
            expect(ok).toBe(expected !== null);
            if (expected) committed = expected;
            txns[op.t] = null;
            const s = db.snapshot();
            const rows: Row[] = [];
            const c = s.scanTable('kv');
            for (let r = c.next(); r; r = c.next()) rows.push(r);
            expect(rows).toEqual([...committed].sort((a, b) => a[0] - b[0]).map(([k, v]) => [k, v]));
            s.release();
            continue;
          }
          // The transaction issues only operations that are valid in its own view (as execution
          // does after its checks); a unique violation inside it throws and changes nothing.
          const own = tx.getRow('kv', [op.key]);
          try {
            if (op.k === 'ins' && !own) tx.insert('kv', [op.key, op.v]);
            else if (op.k === 'upd' && own) tx.update('kv', [op.key], [op.key, op.v]);
            else if (op.k === 'del' && own) tx.delete('kv', [op.key]);
            else continue;
            logs[op.t]!.push(op);
          } catch (e) {
            expect((e as { sqlState: string }).sqlState).toBe('23505');
          }
        }
        for (const tx of txns) tx?.rollback();
        expect(db.integrityCheck()).toEqual([]);
        await db.close();
      }),
      { numRuns: 150 },
    );
  });
});
