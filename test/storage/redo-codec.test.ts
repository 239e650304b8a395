// A commit's row changes fit one redo frame (MAX_REDO_BYTES) or go out as page images. The codec
// refuses a log whose rows alone pass the frame size without packing it: that shortcut must never
// refuse a log that would fit, nor let one through that does not.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packr } from '../../src/storage/format.js';
import { decodeRedo, encodeRedo } from '../../src/storage/redo-codec.js';
import type { LogOp } from '../../src/storage/txn-replay.js';
import { MAX_REDO_BYTES } from '../../src/storage/wal.js';

const CODES = { insert: 1, update: 2, delete: 3 } as const;

/** The packed size of the frame body the log would give, computed independently of the codec. */
function packedSize(seq: number, log: readonly LogOp[]): number {
  const flat: unknown[] = [seq];
  for (const op of log) {
    if (op.op === 'insert' || op.op === 'update') flat.push(CODES[op.op], op.t, op.key, op.row);
    else if (op.op === 'delete') flat.push(CODES.delete, op.t, op.key, null);
  }
  return packr().pack(flat).length;
}

// Strings from empty to ~3× the frame size in UTF-8 (ASCII, two- and three-byte and astral
// characters), so logs of a few ops fall on both sides of the limit.
const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.tuple(fc.constantFrom('a', 'é', '€', '😀'), fc.integer({ min: 0, max: Math.round(MAX_REDO_BYTES * 0.3) })).map(([c, n]) => c.repeat(n)),
);
const value = fc.oneof(fc.integer(), fc.double({ noNaN: true }), fc.constant(null), text);
const row = fc.array(value, { minLength: 1, maxLength: 4 });
const op: fc.Arbitrary<LogOp> = fc.oneof(
  fc.tuple(fc.integer(), row).map(([k, r]) => ({ op: 'insert', t: 't', key: [k], row: r }) as LogOp),
  fc.tuple(fc.integer(), row).map(([k, r]) => ({ op: 'update', t: 'u', key: [k], row: r }) as LogOp),
  fc.integer().map((k) => ({ op: 'delete', t: 't', key: [k] }) as LogOp),
);

describe('redo frame size', () => {
  it('a log is encoded exactly when its packed body fits one frame', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 8 }), (log) => {
        const body = encodeRedo(7, log);
        const fits = packedSize(7, log) <= MAX_REDO_BYTES;
        expect(body !== null).toBe(fits);
        if (body !== null) expect(decodeRedo(body, 'x.db-wal').ops.length).toBe(log.length);
      }),
      { numRuns: 60 },
    );
  });

  it('a large transaction of small rows past the frame size is refused', () => {
    // Updates of a 200-character row (~190 bytes packed each) past the frame size; 10,000 of them
    // (~2 MB, the bench's W5 on a file) fit.
    const n = Math.ceil(MAX_REDO_BYTES / 150);
    const log: LogOp[] = [];
    for (let i = 0; i < n; i++) log.push({ op: 'update', t: 't', key: [i], row: [i, i, 'c'.repeat(60), 'p'.repeat(120)] });
    expect(packedSize(1, log)).toBeGreaterThan(MAX_REDO_BYTES);
    expect(encodeRedo(1, log)).toBeNull();
    expect(encodeRedo(1, log.slice(0, 10_000))).not.toBeNull();
  });
});
