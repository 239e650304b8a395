// Model-based test of deferred index entries (src/storage/bulk-index.ts): a write transaction
// keeps a non-unique index's new entries aside and puts them in — one by one or by rebuilding the
// tree — when the index is read or changed, at a savepoint, a rollback or the commit; updates
// that change the indexed value keep the old entry (to take out) and the new one aside too. Random
// bulks of inserts (numeric and text index values) mixed with index reads, updates and deletes
// (single ones and runs of them; deleted rows put back), statement marks, savepoints, rollbacks and commits must leave the
// index equal to the model's, and the committed state must pass the integrity check, in memory and
// in a file (before and after reopening).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildIndexTree } from '../src/storage/bulk-index.js';
import { openStorage } from '../src/storage/engine.js';
import { compareKeys } from '../src/storage/key-order.js';
import type { IndexDef, Key, ReadView, Row, SqlValue, TableDef, WriteTxn } from '../src/storage/ports.js';
import { checkCommitted, indexEntries, runFiles } from './storage-runs.js';
import { keyAt, leafKeys, leafLength } from '../src/storage/leaf-keys.js';
import { entrySize } from '../src/storage/leaf-values.js';

type Op =
  | { k: 'bulk'; ids: number[]; kind: 0 | 1 | 2; dup: boolean }
  | { k: 'del'; pick: number }
  | { k: 'upd'; pick: number; v: number }
  | { k: 'bupd'; picks: number[]; v: number }
  | { k: 'bdel'; picks: number[]; back: boolean }
  | { k: 'read' }
  | { k: 'scan' }
  | { k: 'probe'; v: number }
  | { k: 'mark' }
  | { k: 'save' }
  | { k: 'undo'; back: number }
  | { k: 'commit' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      k: fc.constant('bulk' as const),
      ids: fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 300, size: 'max' }),
      kind: fc.constantFrom(0 as const, 1 as const, 2 as const),
      dup: fc.boolean().map((b) => b && Math.random() < 0.2),
    }),
  },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('del' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('upd' as const), pick: fc.nat(), v: fc.integer({ min: -50, max: 50 }) }) },
  // Many rows' indexed value changed in a run (their old and new entries aside), some twice.
  {
    weight: 3,
    arbitrary: fc.record({ k: fc.constant('bupd' as const), picks: fc.array(fc.nat(), { maxLength: 400, size: 'max' }), v: fc.integer({ min: -50, max: 50 }) }),
  },
  // Many rows deleted in a run (their entries aside), and maybe some put back with other values.
  {
    weight: 2,
    arbitrary: fc.record({ k: fc.constant('bdel' as const), picks: fc.array(fc.nat(), { maxLength: 400, size: 'max' }), back: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('read' as const) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('scan' as const) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('probe' as const), v: fc.integer({ min: -50, max: 50 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('mark' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('save' as const) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('undo' as const), back: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('commit' as const) }) },
);

const IDX: IndexDef = { name: 't_v', table: 't', columns: [1], unique: false, implicit: false };
const def: TableDef = {
  name: 't',
  columns: [
    { name: 'id', type: 'integer', declaredType: 'INTEGER', notNull: true },
    { name: 'v', type: 'text', declaredType: 'TEXT', notNull: false },
  ],
  primaryKey: [0],
  indexes: [IDX],
};

type Model = Map<number, Row>;

function check(view: ReadView, m: Model): void {
  expect(view.rowCount('t')).toBe(m.size);
  expect(indexEntries(view, 't', 't_v')).toEqual([...m.values()].map((r) => [r[1]!, r[0]!] as Key).sort(compareKeys));
}

const fileFor = runFiles('bulkix');

describe('deferred index entries', () => {
  it.each([
    ['in memory', false, 60],
    ['in a file with a tiny buffer pool', true, 20],
  ] as const)('agree with a model through reads, changes, marks and commits (%s)', async (_name, onDisk, numRuns) => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 60, size: 'max' }), async (ops) => {
        const file = fileFor(onDisk);
        const db = await openStorage(file, { pageSize: 1024, poolPages: 8, durable: false, checkpointBytes: 64 * 1024 });
        let tx: WriteTxn = db.begin();
        tx.createTable(def);
        await tx.commit();
        tx = db.begin();
        let model: Model = new Map();
        let marks: { mark: number; model: Model }[] = [];
        // Text, integers (negative ones too: the packed sort), or numbers with fractions and NULLs.
        const value = (id: number, kind: 0 | 1 | 2): SqlValue =>
          kind === 0 ? `v${id % 97}` : kind === 1 ? ((id * 7919) % 101) - 50 : id % 5 === 0 ? null : (((id * 7919) % 101) - 50) / 4;
        for (const op of ops) {
          switch (op.k) {
            case 'bulk': {
              // One statement: a mark, the inserts, and on a duplicate key the statement's undo.
              const mark = tx.statementMark!();
              const before = new Map(model);
              let failed = false;
              const ids = op.dup && model.size > 0 ? [...op.ids, [...model.keys()][0]!] : op.ids;
              for (const id of ids) {
                const row: Row = [id, value(id, op.kind)];
                if (model.has(id)) {
                  expect(() => tx.insert('t', row)).toThrow(expect.objectContaining({ sqlState: '23505' }));
                  failed = true;
                  break;
                }
                tx.insert('t', row);
                model.set(id, row);
              }
              if (failed) {
                tx.rollbackTo(mark);
                model = before;
              }
              tx.release(mark);
              break;
            }
            case 'del': {
              if (model.size === 0) break;
              const id = [...model.keys()][op.pick % model.size]!;
              tx.delete('t', [id]);
              model.delete(id);
              break;
            }
            case 'upd': {
              if (model.size === 0) break;
              const id = [...model.keys()][op.pick % model.size]!;
              const row: Row = [id, op.v];
              tx.update('t', [id], row);
              model.set(id, row);
              break;
            }
            case 'bupd': {
              if (model.size === 0) break;
              const ids = [...model.keys()];
              for (const [j, pick] of op.picks.entries()) {
                const id = ids[pick % ids.length]!;
                const row: Row = [id, j % 3 === 0 ? `u${(op.v + j) % 13}` : op.v + (j % 7)];
                tx.update('t', [id], row);
                model.set(id, row);
              }
              break;
            }
            case 'bdel': {
              const gone: number[] = [];
              for (const pick of op.picks) {
                if (model.size === 0) break;
                const ids = [...model.keys()];
                const id = ids[pick % ids.length]!;
                tx.delete('t', [id]);
                model.delete(id);
                gone.push(id);
              }
              if (op.back) {
                for (const [j, id] of gone.slice(0, 50).entries()) {
                  const row: Row = [id, j % 2 === 0 ? `b${id % 11}` : (id % 23) - 11];
                  tx.insert('t', row);
                  model.set(id, row);
                }
              }
              break;
            }
            case 'read':
              check(tx, model);
              break;
            case 'scan': {
              // A table cursor freezes the table's nodes (pending index entries stay pending).
              const c = tx.scanTable('t');
              let n = 0;
              while (c.next() !== undefined) n++;
              c.close();
              expect(n).toBe(model.size);
              break;
            }
            case 'probe': {
              // undefined: the probe cannot answer (callers then scan the index).
              const rows = tx.probeIndex?.('t', 't_v', [op.v]);
              if (rows === undefined) break;
              const got = rows.map((r) => r[0]);
              const want = [...model.values()].filter((r) => r[1] === op.v).map((r) => r[0]!).sort((a, b) => (a as number) - (b as number));
              expect(got).toEqual(want);
              break;
            }
            case 'mark':
              marks.push({ mark: tx.statementMark!(), model: new Map(model) });
              break;
            case 'save':
              marks.push({ mark: tx.savepoint(), model: new Map(model) });
              break;
            case 'undo': {
              if (marks.length === 0) break;
              const i = Math.max(0, marks.length - 1 - op.back);
              const m = marks[i]!;
              tx.rollbackTo(m.mark);
              marks = marks.slice(0, i + 1);
              model = new Map(m.model);
              check(tx, model);
              break;
            }
            case 'commit':
              await tx.commit();
              marks = [];
              tx = db.begin();
              break;
          }
        }
        await tx.commit();
        await checkCommitted(db, file, (view) => check(view, model));
      }),
      { numRuns },
    );
  });

  it('builds trees whose nodes fit their pages, for any count and key size', () => {
    fc.assert(
      fc.property(fc.nat(5000), fc.integer({ min: 0, max: 200 }), (count, pad) => {
        const keys: Key[] = [];
        for (let i = 0; i < count; i++) keys.push([`${'k'.repeat(pad)}${String(i).padStart(5, '0')}`, i]);
        const capacity = 1024 - 16;
        const root = buildIndexTree(keys, 1, capacity);
        const seen: Key[] = [];
        const walk = (n: typeof root, depth: number, depths: number[]): void => {
          let bytes = 24;
          if (n.leaf) for (let i = 0; i < leafLength(n); i++) bytes += entrySize(n, i);
          else {
            for (const s of n.sizes) bytes += s;
            bytes += 5;
          }
          expect(n.bytes).toBe(bytes);
          expect(n.bytes).toBeLessThanOrEqual(capacity);
          if (n.leaf) {
            depths.push(depth);
            seen.push(...leafKeys(n));
          } else {
            expect(n.children.length).toBe(n.keys.length + 1);
            for (let i = 0; i < n.children.length; i++) {
              const c = n.children[i] as typeof root;
              if (i > 0) expect(compareKeys(c.leaf ? keyAt(c, 0) : firstKey(c), n.keys[i - 1]!)).toBe(0);
              walk(c, depth + 1, depths);
            }
          }
        };
        const firstKey = (n: typeof root): Key => (n.leaf ? keyAt(n, 0) : firstKey(n.children[0] as typeof root));
        const depths: number[] = [];
        walk(root, 0, depths);
        expect(new Set(depths).size).toBe(1);
        expect(seen).toEqual(keys);
      }),
      { numRuns: 40 },
    );
  });
});
