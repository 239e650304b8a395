// A checkpoint writes its pages in runs of consecutive ids, one gathered write per run: every page
// lands at its own offset, whatever the runs' lengths and however short each system call writes.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeFileIo, type FileIo, type IoFile } from '../../src/storage/file-io.js';
import { Pager } from '../../src/storage/pager.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dispatchdb-pager-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The node io, with every gathered write cut to at most `max` bytes (a short write). */
function shortWrites(max: number): FileIo {
  return {
    async open(p, role) {
      const f = await nodeFileIo.open(p, role);
      return new Proxy(f, {
        get(target, prop, receiver) {
          if (prop === 'writevSync') {
            return (bufs: Uint8Array[], position: number): number => {
              const cut: Uint8Array[] = [];
              let left = max;
              for (const b of bufs) {
                if (left <= 0) break;
                cut.push(b.subarray(0, Math.min(b.length, left)));
                left -= Math.min(b.length, left);
              }
              return target.writevSync(cut, position);
            };
          }
          const v = Reflect.get(target, prop, receiver) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      }) as IoFile;
    },
  };
}

let n = 0;
describe('Pager.writePages', () => {
  it('puts each page at its id, in runs, through short writes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 600 }),
        fc.integer({ min: 1, max: 5000 }),
        async (idList, max) => {
          const file = path.join(dir, `p${++n}.db`);
          const { pager } = await Pager.open(shortWrites(max), file, 1024, false);
          const ids = [...idList].sort((a, b) => a - b);
          const image = (id: number): Buffer => Buffer.alloc(1024, id % 251);
          pager.writePages(ids, image);
          await pager.close();
          const bytes = fs.readFileSync(file);
          for (const id of ids) expect(bytes.subarray(id * 1024, id * 1024 + 1024).equals(image(id))).toBe(true);
          expect(pager.pagesWritten).toBe(ids.length);
          fs.rmSync(file);
        },
      ),
      { numRuns: 40 },
    );
  });
});
