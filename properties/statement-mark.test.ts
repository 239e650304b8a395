// Model-based test of a write transaction's statement marks (rolled back by undoing the logged
// operations) mixed with frozen savepoints: random inserts, updates (key changes included),
// deletes, large rows (overflow pages in a file), index and meta changes, marks, rollbacks and
// releases, against a plain model. After every rollback the table, its index and the meta agree
// with the model; after the run the committed state passes the integrity check, before and
// after reopening (so pages a rolled-back statement copied are accounted for exactly once).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openStorage } from '../src/storage/engine.js';
import { compareKeys } from '../src/storage/key-order.js';
import type { IndexDef, Key, ReadView, Row, TableDef, WriteTxn } from '../src/storage/ports.js';
import { checkCommitted, indexEntries, runFiles } from './storage-runs.js';

type Op =
  | { k: 'put'; a: number; v: string; big: boolean }
  | { k: 'move'; a: number; to: number }
  | { k: 'del'; a: number }
  | { k: 'uset'; a: number; u: number | null }
  | { k: 'mark' }
  | { k: 'save' }
  | { k: 'undo'; back: number }
  | { k: 'release'; back: number }
  | { k: 'index' }
  | { k: 'meta'; v: number }
  | { k: 'commit' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      k: fc.constant('put' as const),
      a: fc.integer({ min: 0, max: 60 }),
      v: fc.string({ maxLength: 30 }),
      big: fc.boolean().map((b) => b && Math.random() < 0.15),
    }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('move' as const), a: fc.integer({ min: 0, max: 60 }), to: fc.integer({ min: 0, max: 60 }) }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant('del' as const), a: fc.integer({ min: 0, max: 60 }) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('uset' as const), a: fc.integer({ min: 0, max: 60 }), u: fc.option(fc.nat(6)) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('mark' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('save' as const) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('undo' as const), back: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('release' as const), back: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('index' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('meta' as const), v: fc.nat(9) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('commit' as const) }) },
);

const IDX: IndexDef = { name: 't_v', table: 't', columns: [1], unique: false, implicit: false };
/** Always there: a unique index whose violations an update must undo. */
const UIDX: IndexDef = { name: 't_u', table: 't', columns: [3], unique: true, implicit: false };
const def: TableDef = {
  name: 't',
  columns: [
    { name: 'a', type: 'integer', declaredType: 'INTEGER', notNull: true },
    { name: 'v', type: 'text', declaredType: 'TEXT', notNull: false },
    { name: 'p', type: 'text', declaredType: 'TEXT', notNull: false },
    { name: 'u', type: 'integer', declaredType: 'INTEGER', notNull: false },
  ],
  primaryKey: [0],
  indexes: [UIDX, IDX],
};

interface Model {
  rows: Map<number, Row>;
  indexed: boolean;
  meta: number | undefined;
}

const copy = (m: Model): Model => ({ rows: new Map(m.rows), indexed: m.indexed, meta: m.meta });

function check(view: ReadView, m: Model): void {
  const want = [...m.rows.values()].sort((x, y) => compareKeys([x[0]!], [y[0]!]));
  const got: Row[] = [];
  const c = view.scanTable('t');
  for (let r = c.next(); r; r = c.next()) got.push(r);
  c.close();
  expect(got).toEqual(want);
  expect(view.rowCount('t')).toBe(m.rows.size);
  expect(view.getTable('t')!.indexes.length).toBe(m.indexed ? 2 : 1);
  const uEntries: Key[] = [];
  const uc = view.scanIndex('t', 't_u');
  for (let k = uc.next(); k; k = uc.next()) uEntries.push([...uc.indexKey, ...k]);
  uc.close();
  expect(uEntries).toEqual(want.map((r) => [r[3]!, r[0]!] as Key).sort(compareKeys));
  if (m.indexed) {
    const wantIx = want.map((r) => [r[1]!, r[0]!] as Key).sort(compareKeys);
    expect(indexEntries(view, 't', 't_v')).toEqual(wantIx);
  }
  expect(view.getMeta('m')).toBe(m.meta);
}

const fileFor = runFiles('stmark');

describe('statement marks', () => {
  it.each([
    ['in memory', false, 80],
    ['in a file with a tiny buffer pool', true, 25],
  ] as const)('undo agrees with a model next to savepoints (%s)', async (_name, onDisk, numRuns) => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 20, maxLength: 250, size: 'max' }), async (ops) => {
        const file = fileFor(onDisk);
        const db = await openStorage(file, { pageSize: 1024, poolPages: 6, durable: false, checkpointBytes: 32 * 1024 });
        let tx: WriteTxn = db.begin();
        tx.createTable(def);
        // Enough rows that statements copy committed nodes of a multi-level tree.
        for (let a = 0; a < 60; a += 2) tx.insert('t', [a, `r${a}`, a % 10 === 0 ? 'y'.repeat(1200) : null, null]);
        await tx.commit();
        let committed: Model = { rows: new Map(), indexed: true, meta: undefined };
        for (let a = 0; a < 60; a += 2) committed.rows.set(a, [a, `r${a}`, a % 10 === 0 ? 'y'.repeat(1200) : null, null]);
        tx = db.begin();
        let model = copy(committed);
        let marks: { mark: number; model: Model }[] = [];
        for (const op of ops) {
          switch (op.k) {
            case 'put': {
              // A large payload goes to overflow pages in a file.
              const row: Row = [op.a, op.v, op.big ? 'x'.repeat(1500) : null, model.rows.get(op.a)?.[3] ?? null];
              if (model.rows.has(op.a)) tx.update('t', [op.a], row);
              else tx.insert('t', row);
              model.rows.set(op.a, row);
              break;
            }
            case 'move': {
              const old = model.rows.get(op.a);
              if (old === undefined || (op.to !== op.a && model.rows.has(op.to))) break;
              const row: Row = [op.to, old[1]!, old[2]!, old[3]!];
              expect(tx.update('t', [op.a], row)).toEqual([op.to]);
              model.rows.delete(op.a);
              model.rows.set(op.to, row);
              break;
            }
            case 'uset': {
              const old = model.rows.get(op.a);
              if (old === undefined) break;
              const row: Row = [old[0]!, old[1]!, old[2]!, op.u];
              const taken = op.u !== null && [...model.rows.values()].some((r) => r[0] !== op.a && r[3] === op.u);
              if (taken) {
                expect(() => tx.update('t', [op.a], row)).toThrow(expect.objectContaining({ sqlState: '23505' }));
                check(tx, model);
              } else {
                tx.update('t', [op.a], row);
                model.rows.set(op.a, row);
              }
              break;
            }
            case 'del':
              if (!model.rows.has(op.a)) break;
              tx.delete('t', [op.a]);
              model.rows.delete(op.a);
              break;
            case 'mark':
              marks.push({ mark: tx.statementMark!(), model: copy(model) });
              break;
            case 'save':
              marks.push({ mark: tx.savepoint(), model: copy(model) });
              break;
            case 'undo': {
              if (marks.length === 0) break;
              const i = Math.max(0, marks.length - 1 - op.back);
              const m = marks[i]!;
              tx.rollbackTo(m.mark);
              marks = marks.slice(0, i + 1);
              model = copy(m.model);
              check(tx, model);
              break;
            }
            case 'release': {
              if (marks.length === 0) break;
              const i = Math.max(0, marks.length - 1 - op.back);
              tx.release(marks[i]!.mark);
              marks = marks.slice(0, i);
              break;
            }
            case 'index':
              if (model.indexed) tx.dropIndex('t', 't_v');
              else tx.createIndex(IDX);
              model.indexed = !model.indexed;
              break;
            case 'meta':
              tx.setMeta('m', op.v);
              model.meta = op.v;
              break;
            case 'commit':
              await tx.commit();
              committed = model;
              model = copy(model);
              marks = [];
              tx = db.begin();
              break;
          }
        }
        check(tx, model);
        await tx.commit();
        await checkCommitted(db, file, (view) => check(view, model));
      }),
      { numRuns },
    );
  });
});
