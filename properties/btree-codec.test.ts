// Page codec: the size accounting that decides splits is an upper bound of the real encoding,
// and a node survives encode/decode unchanged (keys, rows, types: bigint, bytes, floats).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packr } from '../src/storage/format.js';
import { newLeaf, tupleSize } from '../src/storage/node.js';
import { decodeNode, encodeNode } from '../src/storage/page-codec.js';
import type { Row, SqlValue } from '../src/storage/ports.js';
import { insertKey, leafLength } from '../src/storage/leaf-keys.js';
import { insertValue, leafValues } from '../src/storage/leaf-values.js';

const valueArb: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).filter((b) => b > BigInt(Number.MAX_SAFE_INTEGER) || b < BigInt(Number.MIN_SAFE_INTEGER)),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }),
);

/** A page keeps -0.0 as 0 (msgpack has one integer zero; SQLite stores it the same way). */
const zeroSign = (v: unknown): unknown => (Object.is(v, -0) ? 0 : Array.isArray(v) ? v.map(zeroSign) : v);

describe('page codec', () => {
  it('accounts at least the encoded size of every tuple', () => {
    fc.assert(
      fc.property(fc.array(valueArb, { maxLength: 20 }), (row) => {
        expect(packr().pack(row).length).toBeLessThanOrEqual(tupleSize(row));
      }),
      { numRuns: 2000 },
    );
  });

  it('accounts at least the encoded size of a catalog structure (objects, arrays) without encoding it', () => {
    // Catalog rows hold definitions as plain objects; their size is walked, not packed.
    const structure = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, valueArb, fc.constant(undefined), tie('arr'), tie('obj')),
      arr: fc.array(tie('node'), { maxLength: 20 }),
      obj: fc.dictionary(fc.string({ maxLength: 40 }), tie('node'), { maxKeys: 20 }),
    })).node;
    fc.assert(
      fc.property(fc.array(structure, { maxLength: 6 }), (row) => {
        expect(packr().pack(row).length).toBeLessThanOrEqual(tupleSize(row as SqlValue[]));
      }),
      { numRuns: 1000 },
    );
  });

  it('decodes what it encodes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(valueArb, fc.array(valueArb, { maxLength: 6 })), { maxLength: 12 }), (entries) => {
        const leaf = newLeaf(0);
        for (const [k, row] of entries) {
          const n = leafLength(leaf);
          const s = tupleSize([k]) + tupleSize(row);
          insertValue(leaf, n, row as Row, n, s);
          insertKey(leaf, n, [k]);
          leaf.bytes += s;
        }
        leaf.id = 7;
        const back = decodeNode(encodeNode(leaf, 8192), 7, 'test');
        expect(back.keys).toEqual(zeroSign(leaf.keys));
        expect(back.leaf && leafValues(back, entries.length)).toEqual(zeroSign(leafValues(leaf, entries.length)));
        expect(back.bytes).toBe(leaf.bytes);
      }),
      { numRuns: 300 },
    );
  });
});
