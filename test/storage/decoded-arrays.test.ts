// Nodes read from pages must hold their keys and values in arrays of the same kind (V8 map) as the
// nodes statements build in memory: msgpack makes holey arrays, statements make packed ones, and
// code compiled for one kind deoptimizes on meeting the other in the same tree.
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { indexKey } from '../../src/storage/index-keys.js';
import { newInternal, newLeaf, type InternalNode, type LeafNode } from '../../src/storage/node.js';
import { decodeNode, encodeNode } from '../../src/storage/page-codec.js';
import { decodeRedo, encodeRedo } from '../../src/storage/redo-codec.js';
import { insertKey } from '../../src/storage/leaf-keys.js';
import { insertValue, valueAt } from '../../src/storage/leaf-values.js';

setFlagsFromString('--allow-natives-syntax');
// Compiled after the flag: the natives syntax is read when this source is parsed.
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
const holey = new Function('a', 'return %HasHoleyElements(a)') as (a: object) => boolean;

function leafOf(keys: readonly (readonly unknown[])[], rows: unknown[][]): LeafNode {
  const n = newLeaf(0);
  for (let i = 0; i < keys.length; i++) {
    insertValue(n, i, rows[i] as never, i, 32);
    insertKey(n, i, keys[i] as never);
  }
  n.id = 7;
  return n;
}

describe('arrays decoded from pages', () => {
  it('table keys and the leaf arrays are packed, as the ones statements build', () => {
    const built = leafOf([[1], [2], [3]], [[1, 'a', null], [2, 'b', 1.5], [3, 'c', new Uint8Array([1, 2])]]);
    const page = encodeNode(built, 4096);
    const back = decodeNode(page, 7, 'x.db') as LeafNode;
    // Integer keys come back in the numeric form, as a leaf built in memory holds them.
    expect(built.nums).not.toBeNull();
    expect(back.nums).toEqual(built.nums);
    expect(back.ar).toBe(1);
    expect(holey(back.nums!)).toBe(false);
    expect(sameMap(back.nums!, built.nums!)).toBe(true);
    // Rows of one width come back flat, as a leaf built in memory holds them.
    expect(built.flat).not.toBeNull();
    expect(back.w).toBe(3);
    expect(back.flat).toEqual(built.flat);
    expect(holey(back.flat!)).toBe(false);
    expect(sameMap(back.flat!, built.flat!)).toBe(true);
    expect(valueAt(back, 2)).toEqual([3, 'c', new Uint8Array([1, 2])]);
    expect((valueAt(back, 2) as unknown[])[2]).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer((valueAt(back, 2) as unknown[])[2])).toBe(false);
  });

  it('index keys decode to the map indexKey builds, text and bytes included', () => {
    const row = ['k1', new Uint8Array([9]), 4];
    const built = indexKey(row, [0, 1], [4]);
    const leaf = leafOf([built], [null as never]);
    const back = decodeNode(encodeNode(leaf, 4096), 7, 'x.db') as LeafNode;
    const k = back.keys![0]!;
    expect(k).toEqual(['k1', new Uint8Array([9]), 4]);
    expect(Buffer.isBuffer(k[1])).toBe(false);
    expect(holey(built)).toBe(false);
    expect(sameMap(k, built)).toBe(true);
  });

  it('indexKey builds packed keys of every shape', () => {
    const row = ['a', 2, 'c', 4.5];
    const cases: [number[], unknown[], unknown[]][] = [
      [[1], [9], [2, 9]],
      [[0, 1], [9], ['a', 2, 9]],
      [[0, 1, 2], [9], ['a', 2, 'c', 9]],
      [[3], [9, 'x'], [4.5, 9, 'x']],
      [[5], [1], [null, 1]],
    ];
    for (const [cols, tk, want] of cases) {
      const k = indexKey(row, cols, tk as never);
      expect(k).toEqual(want);
      expect(holey(k)).toBe(false);
    }
  });

  it('sizes and an internal node\'s children come back in the kinds of arrays a node built in memory has', () => {
    // Rows of two widths keep the leaf in the rows form, with a size per entry.
    const leaf = leafOf([[1], [2]], [[1, 'a'], [2, 'b', 3]]);
    const back = decodeNode(encodeNode(leaf, 4096), 7, 'x.db') as LeafNode;
    expect(leaf.sizes).not.toBeNull();
    expect(back.sizes).not.toBeNull();
    expect(sameMap(back.sizes!, leaf.sizes!)).toBe(true);
    const inner = newInternal(0);
    inner.children.push(leaf, leaf, leaf);
    inner.keys.push([2], [3]);
    inner.sizes.push(7, 7);
    // Committed: the children are page ids now, in the array that held the nodes.
    inner.children[0] = 3;
    inner.children[1] = 4;
    inner.children[2] = 5;
    inner.id = 8;
    const iback = decodeNode(encodeNode(inner, 4096), 8, 'x.db') as InternalNode;
    expect(iback.children).toEqual([3, 4, 5]);
    expect(holey(iback.children)).toBe(false);
    expect(sameMap(iback.children, inner.children)).toBe(true);
    expect(sameMap(iback.sizes, inner.sizes)).toBe(true);
  });

  it('keys of four and more values decode packed and of exact length, as indexKey builds them', () => {
    const built = indexKey(['a', 2, 'c', 4.5], [0, 1, 2], [9]);
    const back = decodeNode(encodeNode(leafOf([built], [null as never]), 4096), 7, 'x.db') as LeafNode;
    const k = back.keys![0]!;
    expect(k).toEqual(['a', 2, 'c', 9]);
    expect(holey(k)).toBe(false);
    expect(sameMap(k, built)).toBe(true);
  });

  it('redo records give packed keys', () => {
    const body = encodeRedo(3, [{ op: 'update', t: 't', key: [10], row: [10, 'x'] }]);
    expect(body).not.toBeNull();
    const rec = decodeRedo(body!, 'x.db-wal');
    const op = rec.ops[0]!;
    if (op.op !== 'update') throw new Error(`decoded ${op.op}`);
    expect(op.key).toEqual([10]);
    expect(holey(op.key)).toBe(false);
    expect(sameMap(op.key, [11])).toBe(true);
  });
});
