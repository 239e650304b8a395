// Durable log writes as whole blocks: the WAL's frames of one group commit, copied behind the
// bytes already in the log's last block, padded with zeros to a block boundary, and written with
// one direct durable write (direct-io.ts). The block's earlier bytes are written again unchanged,
// so a torn write cannot change them whatever sectors it reaches; the zeros go where the log
// holds zeros or frames of an earlier cycle (another salt), which recovery reads as its end.
import { DIRECT_BLOCK } from './direct-io.js';
import type { IoFile } from './file-io.js';

/** Batches larger than this go through the page cache and fdatasync (image points, bulk loads). */
const STAGE_BYTES = 1 << 20;

export class LogBlocks {
  readonly #f: IoFile;
  /** Aligned staging memory; from offset 0 it holds the file's bytes from `#base` (`#held` of them). */
  readonly #stage: Buffer;
  /** File offset of the block the stage starts with; -1 when what it holds is unknown. */
  #base = -1;
  #held = 0;

  private constructor(f: IoFile, stage: Buffer) {
    this.#f = f;
    this.#stage = stage;
  }

  /** Block writes for `f`, or null where it has no direct durable writes. */
  static open(f: IoFile): LogBlocks | null {
    const stage = f.durableBuffer(STAGE_BYTES + DIRECT_BLOCK);
    return stage === null ? null : new LogBlocks(f, stage);
  }

  /** Whether `bytes` written at `at` fit one staged write. */
  fits(at: number, bytes: number): boolean {
    return (at % DIRECT_BLOCK) + bytes + DIRECT_BLOCK <= this.#stage.length;
  }

  /** The file changed below the log's end some other way (reset, a write through the page cache, a failure). */
  forget(): void {
    this.#base = -1;
  }

  /** Copies `bufs` (`bytes` in all) behind the log's end `at` and writes the blocks durably. */
  write(bufs: readonly Uint8Array[], bytes: number, at: number, sync: true): void;
  write(bufs: readonly Uint8Array[], bytes: number, at: number, sync: false): Promise<void>;
  write(bufs: readonly Uint8Array[], bytes: number, at: number, sync: boolean): void | Promise<void> {
    const stage = this.#stage;
    const start = at - (at % DIRECT_BLOCK);
    const lead = at - start;
    if (this.#base !== start || this.#held !== lead) {
      // Not the tail the last write left (first write, or after a reset): read it back.
      this.#base = -1;
      if (lead > 0 && this.#f.readSync(stage, 0, lead, start) !== lead) throw new Error(`${this.#f.path}: short read of the log's last block`);
    }
    let p = lead;
    for (const b of bufs) {
      stage.set(b, p);
      p += b.length;
    }
    if (p !== lead + bytes) throw new Error('log batch length mismatch');
    const end = Math.ceil(p / DIRECT_BLOCK) * DIRECT_BLOCK;
    stage.fill(0, p, end);
    if (sync) {
      let done = 0;
      while (done < end) done += this.#checked(this.#f.writeDurableSync(stage.subarray(done), end - done, start + done));
      this.#keepTail(start, p);
      return;
    }
    return (async () => {
      let done = 0;
      while (done < end) done += this.#checked(await this.#f.writeDurable(stage.subarray(done), end - done, start + done));
      this.#keepTail(start, p);
    })();
  }

  #checked(n: number): number {
    // A direct write stops only at a block boundary; anything else leaves no aligned place to go on from.
    if (n <= 0 || n % DIRECT_BLOCK !== 0) {
      this.#base = -1;
      throw new Error(`${this.#f.path}: direct write stopped after ${n} bytes`);
    }
    return n;
  }

  /** Moves the last, partial block to the stage's front: the next write starts with it. */
  #keepTail(start: number, p: number): void {
    const last = p - (p % DIRECT_BLOCK);
    this.#stage.copyWithin(0, last, p);
    this.#base = start + last;
    this.#held = p - last;
  }
}
