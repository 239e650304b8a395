// Write-ahead log `<path>-wal`: a header with a random salt, then frames. A page frame carries a
// page image; a commit frame carries the meta record and makes the page frames before it count;
// a redo frame is a whole commit of its own, logged as its row changes (see redo-codec.ts), to be
// replayed onto the state of the last commit frame before it.
// Frames of one group commit go out in one write followed by one fsync (where the file allows, one
// direct durable write of whole blocks: log-blocks.ts); the write's last commit
// (or redo) frame is marked as its end. Recovery keeps frames up to the last valid commit frame and cuts
// the rest (torn or uncommitted tail), unless what follows the damage proves it was durable
// (see #laterWrite): then the log is corrupt, and opening fails rather than drop commits.
import { randomInt } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { DispatcherError, SqlState } from '../api/errors.js';
import type { FileIo, IoFile } from './file-io.js';
import { decodeMeta, encodeMeta, type Meta } from './format.js';
import { LogBlocks } from './log-blocks.js';

const WAL_MAGIC = Buffer.from('dispatchdb\0wal\0\0', 'latin1'); // 16 bytes
const WAL_VERSION = 1;
export const WAL_HEADER_SIZE = 32;
const FRAME_HEADER_SIZE = 24;
const FRAME_PAGE = 1;
const FRAME_COMMIT = 2;
const FRAME_REDO = 3;
/**
 * The largest redo frame body: bigger transactions are logged as page images. At 1 MiB a file
 * transaction of 10,000 random row updates (~2 MB of changes) rewrote every leaf it touched,
 * ~20 MB of images, in its commit: 200-300 ms against ~25 ms as one redo frame.
 */
export const MAX_REDO_BYTES = 8 << 20;
/** How far the log file grows past the frames when a write needs more room. */
const WAL_GROWTH = 1 << 20;
const ZEROS = Buffer.alloc(256 * 1024);
/**
 * The id field of a commit or redo frame: 0, or for the last such frame of a write the file offset
 * where that write began (always >= WAL_HEADER_SIZE), or END_UNPLACED past 32-bit offsets.
 */
const END_UNPLACED = 1;

function ioError(what: string, file: string, e: unknown): DispatcherError {
  return new DispatcherError(SqlState.IoError, `could not ${what} ${file}: ${(e as Error).message}`, { cause: e });
}

function walHeader(pageSize: number, salt: number): Buffer {
  const h = Buffer.alloc(WAL_HEADER_SIZE);
  WAL_MAGIC.copy(h, 0);
  h.writeUInt32LE(WAL_VERSION, 16);
  h.writeUInt32LE(pageSize, 20);
  h.writeUInt32LE(salt, 24);
  h.writeUInt32LE(crc32(h.subarray(0, 28)), 28);
  return h;
}

/** A frame's checksum: its header fields, then the body (for pages, the page's own crc covers the rest). */
function frameCrc(h: Buffer, body: Buffer, kind: number): number {
  const c = crc32(h.subarray(0, 20));
  return kind === FRAME_PAGE ? crc32(body.subarray(0, 4), c) : crc32(body, c);
}

export class Wal {
  readonly file: string;
  readonly #fh: IoFile;
  readonly #pageSize: number;
  readonly #durable: boolean;
  #salt: number;
  /** Page id -> file offset of the body of its latest committed frame. */
  readonly index = new Map<number, number>();
  /** Bytes in the file (end of the last committed frame). */
  size: number;
  /**
   * Length of the file. Past `size` it holds zeros or frames of earlier cycles (another salt):
   * overwriting allocated blocks spares each commit's fdatasync the file-size update an append
   * needs, so the log grows in large zero-filled steps and is reused, not truncated, after a
   * checkpoint.
   */
  #allocated: number;
  frames = 0;
  fsyncs = 0;
  pagesRead = 0;
  #batch: Buffer[] = [];
  #batchBytes = 0;
  #batchPages: [number, number][] = [];
  #blocks: LogBlocks | null | undefined;

  private constructor(file: string, fh: IoFile, pageSize: number, durable: boolean, salt: number, size: number) {
    this.file = file;
    this.#fh = fh;
    this.#pageSize = pageSize;
    this.#durable = durable;
    this.#salt = salt;
    this.size = size;
    this.#allocated = size;
  }

  /**
   * Opens (creating or resetting as needed) and recovers; returns the meta of the last commit
   * frame, if any, and the bodies of the redo frames after it, in log order.
   */
  static async open(
    io: FileIo,
    file: string,
    pageSize: number,
    durable: boolean,
  ): Promise<{ wal: Wal; meta: Meta | null; redo: Buffer[] }> {
    let fh: IoFile;
    try {
      fh = await io.open(file, 'wal');
    } catch (e) {
      throw ioError('open', file, e);
    }
    let op = 'read';
    try {
      const size = fh.size();
      const head = Buffer.alloc(WAL_HEADER_SIZE);
      if (size >= WAL_HEADER_SIZE) fh.readSync(head, 0, WAL_HEADER_SIZE, 0);
      const valid =
        size >= WAL_HEADER_SIZE &&
        head.subarray(0, 16).equals(WAL_MAGIC) &&
        crc32(head.subarray(0, 28)) === head.readUInt32LE(28) &&
        head.readUInt32LE(20) === pageSize;
      if (!valid && size > WAL_HEADER_SIZE) {
        // Frames behind a bad header may be committed work: refuse rather than drop them.
        throw new DispatcherError(SqlState.DataCorrupted, `${file} is corrupted`, {
          detail: 'the write-ahead log header is not valid for this database',
        });
      }
      if (!valid) {
        // No log yet, or one whose header never completed: start a fresh one.
        const wal = new Wal(file, fh, pageSize, durable, 0, 0);
        await wal.reset();
        return { wal, meta: null, redo: [] };
      }
      const wal = new Wal(file, fh, pageSize, durable, head.readUInt32LE(24), WAL_HEADER_SIZE);
      const { meta, redo } = wal.#recover(size);
      if (wal.size < size) {
        op = 'truncate';
        await fh.truncate(wal.size);
        op = 'fsync';
        if (durable) await fh.sync();
      }
      wal.#allocated = wal.size;
      return { wal, meta, redo };
    } catch (e) {
      await fh.close().catch(() => undefined);
      throw e instanceof DispatcherError ? e : ioError(op, file, e);
    }
  }

  /** The body of the frame at `off` if the frame is whole and valid (its header left in `h`), else null. */
  #readFrame(off: number, fileSize: number, h: Buffer, salt = this.#salt): Buffer | null {
    const f = this.#fh;
    if (off + FRAME_HEADER_SIZE > fileSize || f.readSync(h, 0, FRAME_HEADER_SIZE, off) !== FRAME_HEADER_SIZE) return null;
    const kind = h.readUInt32LE(0);
    const len = h.readUInt32LE(16);
    if (h.readUInt32LE(8) !== salt || (kind !== FRAME_PAGE && kind !== FRAME_COMMIT && kind !== FRAME_REDO)) return null;
    if (kind === FRAME_PAGE && len !== this.#pageSize) return null;
    if (len > (kind === FRAME_REDO ? MAX_REDO_BYTES : this.#pageSize) || off + FRAME_HEADER_SIZE + len > fileSize) return null;
    const body = Buffer.alloc(len);
    if (f.readSync(body, 0, len, off + FRAME_HEADER_SIZE) !== len) return null;
    if (frameCrc(h, body, kind) !== h.readUInt32LE(20)) return null;
    // The page's own checksum covers the rest of the image.
    if (kind === FRAME_PAGE && (crc32(body.subarray(4)) !== body.readUInt32LE(0) || body.readUInt32LE(4) !== h.readUInt32LE(4)))
      return null;
    return body;
  }

  /**
   * Looks past the damage (`damage`, after the last valid commit `from`) for proof that a later
   * write exists: a valid end-of-write commit frame whose write began after the damage, or any
   * valid frame after a valid end-of-write frame. Returns the proof's offset, or -1. A write
   * starts only after the previous write's fsync returned, and a torn write holds at most one end
   * mark (its own, last, placed where the write began, which is at or before the damage): so the
   * proof means the damage hit frames that were durable, and acknowledged commits lie behind it.
   */
  #laterWrite(from: number, damage: number, fileSize: number): number {
    const salt = Buffer.alloc(4);
    salt.writeUInt32LE(this.#salt);
    const h = Buffer.alloc(FRAME_HEADER_SIZE);
    const step = 1 << 20;
    const chunk = Buffer.alloc(step + 3);
    let endOfWrite = -1;
    // The salt sits 8 bytes into a frame header; frames are not aligned, so search every byte.
    for (let base = from + 8; base < fileSize; base += step) {
      const n = this.#fh.readSync(chunk, 0, Math.min(chunk.length, fileSize - base), base);
      const view = chunk.subarray(0, n);
      for (let i = view.indexOf(salt); i !== -1 && i < step; i = view.indexOf(salt, i + 1)) {
        const at = base + i - 8;
        const body = this.#readFrame(at, fileSize, h);
        if (body === null) continue;
        if (endOfWrite >= 0 && at >= endOfWrite) return at;
        const began = h.readUInt32LE(4);
        const k = h.readUInt32LE(0);
        if ((k === FRAME_COMMIT || k === FRAME_REDO) && began !== 0) {
          if (began !== END_UNPLACED && began > damage) return at;
          if (endOfWrite < 0) endOfWrite = at + FRAME_HEADER_SIZE + body.length;
        }
      }
    }
    return -1;
  }

  /** Whether the frame header at `off` is all zeros (preallocated) or a valid frame of another salt. */
  #cleanEnd(off: number, fileSize: number): boolean {
    if (off + FRAME_HEADER_SIZE > fileSize) return false;
    const h = Buffer.alloc(FRAME_HEADER_SIZE);
    if (this.#fh.readSync(h, 0, FRAME_HEADER_SIZE, off) !== FRAME_HEADER_SIZE) return false;
    if (h.every((b) => b === 0)) return true;
    const salt = h.readUInt32LE(8);
    if (salt === this.#salt) return false;
    // An earlier cycle's frame is checked under its own salt.
    return this.#readFrame(off, fileSize, h, salt) !== null;
  }

  #recover(fileSize: number): { meta: Meta | null; redo: Buffer[] } {
    const h = Buffer.alloc(FRAME_HEADER_SIZE);
    let off = WAL_HEADER_SIZE;
    let meta: Meta | null = null;
    /** Redo frames after the last commit frame (a commit frame's pages include those before it). */
    const redo: Buffer[] = [];
    const pending: [number, number][] = [];
    let frames = 0;
    let pendingFrames = 0;
    while (off + FRAME_HEADER_SIZE <= fileSize) {
      const body = this.#readFrame(off, fileSize, h);
      if (body === null) break;
      const kind = h.readUInt32LE(0);
      const id = h.readUInt32LE(4);
      const start = off;
      const bodyAt = off + FRAME_HEADER_SIZE;
      off = bodyAt + body.length;
      if (kind === FRAME_PAGE) {
        pending.push([id, bodyAt]);
        pendingFrames++;
        continue;
      }
      if (kind === FRAME_REDO) {
        // Page frames never precede a redo frame within one commit: any pending are not committed.
        pending.length = 0;
        pendingFrames = 0;
        redo.push(body);
        frames++;
        this.size = off;
        continue;
      }
      let m: Meta;
      try {
        m = decodeMeta(body);
      } catch {
        off = start;
        break;
      }
      for (const [pid, at] of pending) this.index.set(pid, at);
      pending.length = 0;
      redo.length = 0;
      frames += pendingFrames + 1;
      pendingFrames = 0;
      meta = m;
      this.size = off;
    }
    // Zeros or a whole frame of an earlier cycle where recovery stopped is the log's clean end
    // (no byte flip makes either); anything else may be damage: look for later writes.
    if (this.size < fileSize && !this.#cleanEnd(off, fileSize)) {
      const later = this.#laterWrite(this.size, off, fileSize);
      if (later >= 0) {
        throw new DispatcherError(SqlState.DataCorrupted, `${this.file} is corrupted at byte ${off}`, {
          detail:
            `the write-ahead log frame at byte ${off} is damaged, and frames written after it was made durable ` +
            `follow at byte ${later}: cutting the log there would drop acknowledged commits`,
        });
      }
    }
    this.frames = frames;
    return { meta, redo };
  }

  /** The latest committed image of a page, if the log holds one (`count`: a reader's miss). */
  readPage(id: number, count = true): Buffer | undefined {
    const at = this.index.get(id);
    if (at === undefined) return undefined;
    const b = Buffer.allocUnsafe(this.#pageSize);
    try {
      this.#fh.readSync(b, 0, this.#pageSize, at);
    } catch (e) {
      throw ioError('read', this.file, e);
    }
    if (count) this.pagesRead++;
    return b;
  }

  #frame(kind: number, id: number, seq: number, body: Buffer): void {
    const h = Buffer.allocUnsafe(FRAME_HEADER_SIZE);
    h.writeUInt32LE(kind, 0);
    h.writeUInt32LE(id, 4);
    h.writeUInt32LE(this.#salt, 8);
    h.writeUInt32LE(seq >>> 0, 12);
    h.writeUInt32LE(body.length, 16);
    h.writeUInt32LE(frameCrc(h, body, kind), 20);
    if (kind === FRAME_PAGE) this.#batchPages.push([id, this.#batchBytes + FRAME_HEADER_SIZE]);
    this.#batch.push(h, body);
    this.#batchBytes += FRAME_HEADER_SIZE + body.length;
  }

  /** Stages a page image for the next write. */
  addPage(id: number, seq: number, page: Buffer): void {
    this.#frame(FRAME_PAGE, id, seq, page);
  }

  /** Stages a redo frame: one whole commit as its row changes. */
  addRedo(seq: number, body: Buffer): void {
    this.#frame(FRAME_REDO, 0, seq, body);
  }

  /** Stages a commit frame: the pages staged before it belong to this commit. */
  addCommit(meta: Meta): void {
    this.#frame(FRAME_COMMIT, 0, meta.seq, encodeMeta(meta));
  }

  /** Position in the staged batch, to drop a commit whose staging failed. */
  mark(): [number, number, number] {
    return [this.#batch.length, this.#batchBytes, this.#batchPages.length];
  }

  rewind(m: [number, number, number]): void {
    this.#batch.length = m[0];
    this.#batchBytes = m[1];
    this.#batchPages.length = m[2];
  }

  get pendingBytes(): number {
    return this.#batchBytes;
  }

  /**
   * Writes the staged frames in one write, fsyncs, then indexes them. The write goes out on this
   * thread (a copy into the page cache); `inline` fsyncs on this thread too, for a batch no other
   * work is waiting on, where a thread-pool round trip would only add latency.
   */
  async flush(inline = false): Promise<void> {
    if (this.#batch.length === 0) return;
    this.#enter('write');
    try {
      await this.#flush(inline);
    } finally {
      this.#busy = false;
    }
  }

  /**
   * One write (and its fsync) or reset at a time: a write that began before the previous one's
   * fsync returned would land at the same offset (size moves only after the fsync), and recovery's
   * torn-tail rule assumes it cannot happen. The engine serializes them; this turns a slip into
   * an error instead of overwritten commits.
   */
  #busy = false;

  #enter(what: string): void {
    if (this.#busy) throw new DispatcherError(SqlState.InternalError, `${this.file}: a ${what} began while another write was in flight`);
    this.#busy = true;
  }

  async #flush(inline: boolean): Promise<void> {
    const bufs = this.#batch;
    const pages = this.#batchPages;
    const bytes = this.#batchBytes;
    this.#batch = [];
    this.#batchPages = [];
    this.#batchBytes = 0;
    const at = this.size;
    // Mark the write's last commit frame as its end, with where the write began (recovery tells
    // a torn write from damage by it).
    const lh = bufs[bufs.length - 2]!;
    const lastKind = lh.readUInt32LE(0);
    if (lastKind === FRAME_COMMIT || lastKind === FRAME_REDO) {
      lh.writeUInt32LE(at <= 0xffffffff ? at : END_UNPLACED, 4);
      lh.writeUInt32LE(frameCrc(lh, bufs[bufs.length - 1]!, lastKind), 20);
    }
    let op = 'write';
    try {
      if (this.#durable && at + bytes > this.#allocated) this.#extend(at + bytes);
      const blocks = this.#durable ? this.#logBlocks() : null;
      if (blocks !== null && blocks.fits(at, bytes)) {
        // One direct write of whole blocks is the write and its fdatasync.
        if (inline) blocks.write(bufs, bytes, at, true);
        else await blocks.write(bufs, bytes, at, false);
        this.fsyncs++;
      } else {
        blocks?.forget();
        this.#writeAll(bufs, bytes, at);
        if (this.#durable) {
          op = 'fsync';
          if (inline) this.#fh.datasyncSync();
          else await this.#fh.datasync();
          this.fsyncs++;
        }
      }
    } catch (e) {
      // A durable write that failed in its sync part is a failed fsync.
      if ((e as NodeJS.ErrnoException).syscall === 'fdatasync') op = 'fsync';
      this.#blocks?.forget();
      // The batch is not acknowledged: cut its frames (best effort) so a reopen cannot bring
      // back a commit its client was told failed. The engine stops writing after this anyway.
      await this.#fh.truncate(at).catch(() => undefined);
      this.#allocated = at;
      throw ioError(op, this.file, e);
    }
    for (const [id, rel] of pages) this.index.set(id, at + rel);
    this.size = at + bytes;
    if (this.size > this.#allocated) this.#allocated = this.size;
    this.frames += bufs.length / 2;
  }

  /** writev may write less (at most IOV_MAX buffers per call): continue after what went out. */
  #writeAll(bufs: Buffer[], bytes: number, at: number): void {
    let written = 0;
    let list = bufs;
    while (written < bytes) {
      const n = this.#fh.writevSync(list, at + written);
      written += n;
      let skip = n;
      let i = 0;
      while (i < list.length && skip >= list[i]!.length) skip -= list[i++]!.length;
      list = list.slice(i);
      if (skip > 0 && list.length > 0) list[0] = list[0]!.subarray(skip);
    }
  }

  /** Direct block writes for this log, set up at its first durable write (null: none here). */
  #logBlocks(): LogBlocks | null {
    if (this.#blocks === undefined) this.#blocks = LogBlocks.open(this.#fh);
    return this.#blocks;
  }

  /**
   * Zero-fills the file past `end` by a large step, made durable by the commit's fdatasync (or by
   * its direct write: O_DSYNC syncs the length its blocks need).
   */
  #extend(end: number): void {
    const to = end + WAL_GROWTH;
    let pos = Math.max(this.#allocated, end);
    while (pos < to) {
      const n = Math.min(ZEROS.length, to - pos);
      pos += this.#fh.writeSync(ZEROS, 0, n, pos);
    }
    this.#allocated = to;
  }

  /** Empties the log after a checkpoint: a new salt makes any old frame left behind invalid. */
  async reset(): Promise<void> {
    this.#enter('reset');
    try {
      await this.#reset();
    } finally {
      this.#busy = false;
    }
  }

  async #reset(): Promise<void> {
    let salt = randomInt(1, 0xffffffff);
    if (salt === this.#salt) salt = (salt + 1) >>> 0 || 1;
    this.#salt = salt;
    // The data file holds every page now (reset follows its fsync): forget the frames before
    // touching the file, so a reset failing half-way never leaves reads pointing into a cut log.
    this.index.clear();
    this.#blocks?.forget();
    let op = 'write';
    try {
      await this.#fh.write(walHeader(this.#pageSize, salt), 0, WAL_HEADER_SIZE, 0);
      // The file keeps its length (its blocks are reused); frames of the old salt behind the
      // header are dead once the new header is durable, which must precede any new frame.
      if (this.#durable) {
        op = 'fsync';
        await this.#fh.datasync();
        this.fsyncs++;
      } else {
        op = 'truncate';
        await this.#fh.truncate(WAL_HEADER_SIZE);
        this.#allocated = WAL_HEADER_SIZE;
      }
    } catch (e) {
      throw ioError(op, this.file, e);
    }
    this.size = WAL_HEADER_SIZE;
    this.frames = 0;
  }

  /** Latest committed page images, for a checkpoint. */
  entries(): IterableIterator<[number, number]> {
    return this.index.entries();
  }

  async close(): Promise<void> {
    try {
      await this.#fh.close();
    } catch {
      // Already closed.
    }
  }
}
