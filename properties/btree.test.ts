// Model-based tests: the copy-on-write B+tree (through the engine's write transactions) against a
// sorted Map, under random inserts, updates, deletes, savepoints and rollbacks, with range scans.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_CHILDREN, MAX_LEAF_ENTRIES, PutMode, TreeWriter, hasPrefix, objectSource } from '../src/storage/btree.js';
import { TreeCursor } from '../src/storage/cursor.js';
import { openStorage } from '../src/storage/engine.js';
import { compareKeys } from '../src/storage/key-order.js';
import { newLeaf, newToken, tupleSize, type BNode } from '../src/storage/node.js';
import type { Key, KeyRange, ReadView, Row, TableDef } from '../src/storage/ports.js';
import { checkCommitted, runFiles } from './storage-runs.js';
import { leafLength } from '../src/storage/leaf-keys.js';

type Op =
  | { k: 'put'; a: number; b: number; v: string }
  | { k: 'del'; a: number; b: number }
  | { k: 'save' }
  | { k: 'undo'; back: number }
  | { k: 'scan'; lo: number | null; hi: number | null; loInc: boolean; hiInc: boolean; rev: boolean; prefix: boolean }
  | { k: 'commit' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ k: fc.constant('put' as const), a: fc.integer({ min: 0, max: 40 }), b: fc.integer({ min: 0, max: 5 }), v: fc.string({ maxLength: 120 }) }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant('del' as const), a: fc.integer({ min: 0, max: 40 }), b: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('save' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('undo' as const), back: fc.nat(3) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('scan' as const),
      lo: fc.option(fc.integer({ min: -1, max: 41 })),
      hi: fc.option(fc.integer({ min: -1, max: 41 })),
      loInc: fc.boolean(),
      hiInc: fc.boolean(),
      rev: fc.boolean(),
      prefix: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('commit' as const) }) },
);

const def: TableDef = {
  name: 't',
  columns: [
    { name: 'a', type: 'integer', declaredType: 'INTEGER', notNull: true },
    { name: 'b', type: 'integer', declaredType: 'INTEGER', notNull: true },
    { name: 'v', type: 'text', declaredType: 'TEXT', notNull: false },
  ],
  primaryKey: [0, 1],
  indexes: [{ name: 't_v', table: 't', columns: [2], unique: false, implicit: false }],
};

function modelScan(model: Map<string, Row>, r: KeyRange, rev: boolean): Row[] {
  const rows = [...model.values()].sort((x, y) => compareKeys(x.slice(0, 2), y.slice(0, 2)));
  const pre = (k: Key, b: Key): number => compareKeys(k.slice(0, b.length), b);
  const out = rows.filter((row) => {
    const k = row.slice(0, 2);
    if (r.lower) {
      const c = pre(k, r.lower);
      if (c < 0 || (c === 0 && r.lowerInclusive === false)) return false;
    }
    if (r.upper) {
      const c = pre(k, r.upper);
      if (c > 0 || (c === 0 && r.upperInclusive === false)) return false;
    }
    return true;
  });
  return rev ? out.reverse() : out;
}

const fileFor = runFiles('btree');

describe('B+tree model', () => {
  it.each([
    ['in memory', false, 100],
    ['in a file with a tiny buffer pool', true, 25],
  ] as const)('engine transactions agree with a sorted map (%s)', async (_name, onDisk, numRuns) => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 20, maxLength: 300, size: 'max' }), async (ops) => {
        const file = fileFor(onDisk);
        const db = await openStorage(file, { pageSize: 1024, poolPages: 6, durable: false, checkpointBytes: 32 * 1024 });
        let tx = db.begin();
        tx.createTable(def);
        await tx.commit();
        tx = db.begin();
        let committed = new Map<string, Row>();
        let model = new Map<string, Row>();
        let marks: { mark: number; model: Map<string, Row> }[] = [];
        for (const op of ops) {
          switch (op.k) {
            case 'put': {
              const id = `${op.a}/${op.b}`;
              const row: Row = [op.a, op.b, op.v];
              if (model.has(id)) tx.update('t', [op.a, op.b], row);
              else tx.insert('t', row);
              model.set(id, row);
              break;
            }
            case 'del': {
              const id = `${op.a}/${op.b}`;
              if (model.has(id)) {
                tx.delete('t', [op.a, op.b]);
                model.delete(id);
              } else expect(tx.getRow('t', [op.a, op.b])).toBeUndefined();
              break;
            }
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
              break;
            }
            case 'scan': {
              const r: KeyRange = {
                ...(op.lo !== null ? { lower: op.prefix ? [op.lo] : [op.lo, 2], lowerInclusive: op.loInc } : {}),
                ...(op.hi !== null ? { upper: op.prefix ? [op.hi] : [op.hi, 3], upperInclusive: op.hiInc } : {}),
              };
              const got: Row[] = [];
              const c = tx.scanTable('t', r, op.rev);
              for (let row = c.next(); row; row = c.next()) got.push(row);
              expect(got).toEqual(modelScan(model, r, op.rev));
              break;
            }
            case 'commit':
              await tx.commit();
              committed = model;
              model = new Map(model);
              marks = [];
              tx = db.begin();
              break;
          }
        }
        expect(tx.rowCount("t")).toBe(model.size);
        tx.rollback();
        // Reopened, a file holds exactly the committed rows too.
        await checkCommitted(db, file, (view: ReadView) => {
          const all: Row[] = [];
          const c = view.scanTable('t');
          for (let row = c.next(); row; row = c.next()) all.push(row);
          expect(all).toEqual(modelScan(committed, {}, false));
        });
      }),
      { numRuns },
    );
  });

  it('a raw tree with tiny nodes stays ordered and valid under random edits', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 300 })), { maxLength: 600, size: 'max' }),
        (edits) => {
          const w = new TreeWriter(objectSource, 160);
          w.owner = newToken();
          let root: BNode = newLeaf(w.owner);
          const model = new Set<number>();
          for (const [ins, k] of edits) {
            if (ins) {
              root = w.put(root, [k], [k, 'v'], tupleSize([k]) + tupleSize([k, 'v']), PutMode.Upsert);
              model.add(k);
            } else {
              root = w.remove(root, [k]);
              expect(w.found).toBe(model.delete(k));
            }
            if (Math.random() < 0.1) w.owner = newToken(); // freeze: later edits copy
          }
          const keys: number[] = [];
          const c = new TreeCursor(objectSource, root, undefined, false);
          while (c.advance()) keys.push(c.key[0] as number);
          expect(keys).toEqual([...model].sort((a, b) => a - b));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('hasPrefix agrees with a brute-force search whenever it answers', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 40 })), {
          maxLength: 300,
          size: 'max',
          selector: (t) => `${t[0]}/${t[1]}`,
        }),
        fc.array(fc.tuple(fc.integer({ min: -1, max: 13 }), fc.option(fc.integer({ min: 0, max: 40 }))), { minLength: 1, maxLength: 30 }),
        (entries, probes) => {
          const w = new TreeWriter(objectSource, 120);
          w.owner = newToken();
          let root: BNode = newLeaf(w.owner);
          for (const [a, b] of entries) root = w.put(root, [a, b], null, tupleSize([a, b]) + 1, PutMode.Upsert);
          for (const [a, except] of probes) {
            const got = hasPrefix(objectSource, root, [a, 'ignored'], 1, except === null ? undefined : [except]);
            const want = entries.some(([x, y]) => x === a && (except === null || y !== except));
            if (got !== undefined) expect(got).toBe(want);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('honours the entry caps when bytes never force a split', () => {
    fc.assert(
      // Long edit sequences come from a seeded generator (fast-check arrays this long are slow).
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 2 }), (seed) => {
        let x = seed;
        const next = (n: number): number => {
          x = (x * 48271) % 2147483647;
          return x % n;
        };
        // Enough distinct keys that, with leaves about half full, two levels of internal nodes are needed.
        const edits = Array.from({ length: 200_000 }, () => [next(10), next(1_000_001)] as const);
        const w = new TreeWriter(objectSource, 1e9);
        w.owner = newToken();
        let root: BNode = newLeaf(w.owner);
        const model = new Set<number>();
        for (const [op, k] of edits) {
          if (op < 8 || model.size < 100) {
            root = w.put(root, [k], null, 3, PutMode.Upsert);
            model.add(k);
          } else {
            root = w.remove(root, [k]);
            model.delete(k);
          }
        }
        let leafDepth = -1;
        const walk = (n: BNode, d: number): void => {
          if (n.leaf) {
            expect(leafLength(n)).toBeLessThanOrEqual(MAX_LEAF_ENTRIES);
            if (leafDepth < 0) leafDepth = d;
            expect(d).toBe(leafDepth);
            return;
          }
          expect(n.children.length).toBeLessThanOrEqual(MAX_CHILDREN);
          expect(n.children.length).toBe(n.keys.length + 1);
          for (const c of n.children) walk(c as BNode, d + 1);
        };
        walk(root, 0);
        expect(leafDepth).toBeGreaterThanOrEqual(2); // the caps, not bytes, shaped this tree
        const keys: number[] = [];
        const c = new TreeCursor(objectSource, root, undefined, false);
        while (c.advance()) keys.push(c.key[0] as number);
        expect(keys).toEqual([...model].sort((a, b) => a - b));
      }),
      { numRuns: 2 },
    );
  });
});
