// An update right after the lookup that found its row (UPDATE ... WHERE pk = ...) replaces the
// row in the leaf the lookup reached, without a second descent. That is only right while the leaf
// is still in the table's tree: any write between the two (a merge that drops the leaf, a split,
// a savepoint's freeze) must send the update down the tree again.
import { describe, expect, it } from 'vitest';
import { openStorage, type Engine } from '../../src/storage/engine.js';
import type { BNode, LeafNode } from '../../src/storage/node.js';
import type { WriteTxn } from '../../src/storage/ports.js';
import type { WriteTxnImpl } from '../../src/storage/write-txn.js';
import { tableDef } from './helpers.js';
import { keyAt, leafKeys } from '../../src/storage/leaf-keys.js';

const N = 3000;
const text = (i: number, tag: string): string => `${tag} ${i} `.repeat(6);

async function withTable(fn: (e: Engine, tx: WriteTxn) => void | Promise<void>): Promise<void> {
  const e = (await openStorage(':memory:')) as Engine;
  try {
    const setup = e.begin();
    setup.createTable(tableDef('t', [['id', 'integer'], ['v', 'text']]));
    for (let i = 1; i <= N; i++) setup.insert('t', [i, text(i, 'a')]);
    await setup.commit();
    const tx = e.begin();
    // Every leaf becomes the transaction's own (edited in place from now on).
    for (let i = 1; i <= N; i++) tx.update('t', [i], [i, text(i, 'b')]);
    await fn(e, tx);
  } finally {
    await e.close();
  }
}

function committed(e: Engine, id: number): unknown {
  const s = e.snapshot();
  try {
    return s.getRow('t', [id]);
  } finally {
    s.release();
  }
}

describe('update in place after a lookup', () => {
  it('replaces the row the lookup found and commits it', async () => {
    await withTable(async (e, tx) => {
      for (const id of [1, 1500, N]) {
        expect(tx.getRow('t', [id])).toEqual([id, text(id, 'b')]);
        tx.update('t', [id], [id, text(id, 'c')]);
        expect(tx.getRow('t', [id])).toEqual([id, text(id, 'c')]);
      }
      await tx.commit();
      for (const id of [1, 1500, N]) expect(committed(e, id)).toEqual([id, text(id, 'c')]);
      expect(committed(e, 2)).toEqual([2, text(2, 'b')]);
    });
  });

  it('goes down the tree again when deletes merged the leaf away in between', async () => {
    await withTable(async (e, tx) => {
      // Two neighbouring leaves under one parent: P, then L whose first row is `id`.
      const work = (tx as WriteTxnImpl).work.get('t')!;
      const parent = work.root as BNode;
      if (parent.leaf) throw new Error('expected an internal root');
      const at = Math.floor(parent.children.length / 2);
      const p = parent.children[at - 1] as LeafNode;
      const l = parent.children[at] as LeafNode;
      const id = keyAt(l, 0)[0] as number;
      expect(tx.getRow('t', [id])).toEqual([id, text(id, 'b')]);
      // P keeps one row (its left neighbour is full, so it stays), then L keeps only `id`:
      // L is then merged into P and dropped from the tree, its entry still at index 0.
      for (const k of leafKeys(p).slice(1)) tx.delete('t', [k[0]!]);
      for (const k of leafKeys(l).slice(1)) tx.delete('t', [k[0]!]);
      expect(parent.children).not.toContain(l);
      expect(keyAt(l, 0)).toEqual([id]);
      tx.update('t', [id], [id, text(id, 'd')]);
      expect(tx.getRow('t', [id])).toEqual([id, text(id, 'd')]);
      await tx.commit();
      expect(committed(e, id)).toEqual([id, text(id, 'd')]);
      expect(committed(e, id + 1)).toBeUndefined();
    });
  });

  it('goes down the tree again when inserts split the leaf in between', async () => {
    await withTable(async (e, tx) => {
      const id = 1500;
      tx.getRow('t', [id]);
      for (let i = 1; i <= 400; i++) tx.insert('t', [id + i / 1000, text(i, 'x')]);
      tx.update('t', [id], [id, text(id, 'e')]);
      await tx.commit();
      expect(committed(e, id)).toEqual([id, text(id, 'e')]);
      expect(committed(e, id + 0.2)).toEqual([id + 0.2, text(200, 'x')]);
    });
  });

  it('leaves a savepoint its rows: the update after a freeze copies the leaf', async () => {
    await withTable(async (_e, tx) => {
      const id = 700;
      tx.getRow('t', [id]);
      const sp = tx.savepoint();
      tx.update('t', [id], [id, text(id, 'f')]);
      expect(tx.getRow('t', [id])).toEqual([id, text(id, 'f')]);
      tx.rollbackTo(sp);
      expect(tx.getRow('t', [id])).toEqual([id, text(id, 'b')]);
      tx.rollback();
    });
  });
});
