// The log's block writer: batches of any length land at the log's end byte for byte, the bytes
// before them in their first block are kept (read back when the writer does not hold them), and
// the rest of the last block becomes zeros, whether the batch went out by a direct durable write
// or around it through the page cache.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DIRECT_BLOCK, DirectHandle } from '../../src/storage/direct-io.js';
import { FaultyFileIo } from '../../src/storage/faulty-file-io.js';
import { nodeFileIo } from '../../src/storage/file-io.js';
import { LogBlocks } from '../../src/storage/log-blocks.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dispatchdb-log-blocks-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let files = 0;

// Where the system refuses direct I/O the WAL never builds a block writer: nothing to check there.
const probe = path.join(dir, 'probe');
fs.writeFileSync(probe, Buffer.alloc(64, 1));
const handle = DirectHandle.open(probe);
const direct = handle?.alignedBuffer(16) != null;
handle?.close();

/** One step: a batch through the block writer, or one written around it (then it must forget). */
const step = fc.record({
  sizes: fc.array(fc.integer({ min: 1, max: 9000 }), { minLength: 1, maxLength: 4 }),
  around: fc.boolean(),
  sync: fc.boolean(),
});

describe.skipIf(!direct)('log blocks', () => {
  it('writes every batch at the log end, keeps what precedes it, zeros the rest of its block', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5000 }), fc.array(step, { minLength: 1, maxLength: 12 }), async (head, steps) => {
        const file = path.join(dir, `log-${++files}`);
        const f = await nodeFileIo.open(file, 'wal');
        try {
          // Garbage past the end stands for an earlier cycle's frames: the writes must zero what they cover of it.
          const model: number[] = [];
          const start = Buffer.alloc(head, 0x5a);
          f.writeSync(start, 0, head, 0);
          for (let i = 0; i < head; i++) model.push(0x5a);
          f.writeSync(Buffer.alloc(3 * DIRECT_BLOCK, 0xee), 0, 3 * DIRECT_BLOCK, head);
          const blocks = LogBlocks.open(f)!;
          let seed = 1;
          for (const s of steps) {
            const bufs = s.sizes.map((n) => {
              const b = Buffer.allocUnsafe(n);
              for (let i = 0; i < n; i++) b[i] = (seed = (seed * 31 + 7) & 0xff);
              return b;
            });
            const bytes = s.sizes.reduce((a, b) => a + b, 0);
            const at = model.length;
            if (s.around) {
              f.writeSync(Buffer.concat(bufs), 0, bytes, at);
              blocks.forget();
            } else if (s.sync) blocks.write(bufs, bytes, at, true);
            else await blocks.write(bufs, bytes, at, false);
            for (const b of bufs) for (const x of b) model.push(x);
            const end = model.length;
            const got = fs.readFileSync(file);
            expect(got.subarray(0, end).equals(Buffer.from(model))).toBe(true);
            if (!s.around) {
              const blockEnd = Math.ceil(end / DIRECT_BLOCK) * DIRECT_BLOCK;
              expect(got.subarray(end, blockEnd).every((x) => x === 0)).toBe(true);
            }
          }
        } finally {
          await f.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it('a sync fault fails the durable write as an fdatasync, a write fault as a write', async () => {
    const io = new FaultyFileIo();
    const f = await io.open(path.join(dir, 'faults'), 'wal');
    try {
      f.writeSync(Buffer.alloc(100, 1), 0, 100, 0);
      const blocks = LogBlocks.open(f)!;
      io.fail({ op: 'sync', nth: 1 });
      expect(() => blocks.write([Buffer.alloc(10, 2)], 10, 100, true)).toThrow(expect.objectContaining({ syscall: 'fdatasync' }));
      blocks.forget();
      io.fail({ op: 'write', nth: 1 });
      expect(() => blocks.write([Buffer.alloc(10, 3)], 10, 100, true)).toThrow(expect.objectContaining({ syscall: 'write' }));
      blocks.forget();
      blocks.write([Buffer.alloc(10, 4)], 10, 100, true);
      const got = fs.readFileSync(path.join(dir, 'faults'));
      expect([...got.subarray(95, 112)]).toEqual([1, 1, 1, 1, 1, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 0, 0]);
      expect(io.counts.sync).toBe(2);
    } finally {
      await f.close();
    }
  });
});
