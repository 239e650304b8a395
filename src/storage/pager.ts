// The data file: fixed-size pages at id * pageSize. Reads are synchronous (a buffer-pool miss
// inside a running statement); writes happen at checkpoint.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { FileIo, IoFile } from './file-io.js';
import { HEADER_PROBE, corrupted, decodeHeader, encodeHeader, type Meta } from './format.js';

function ioError(what: string, file: string, e: unknown): DispatcherError {
  return new DispatcherError(SqlState.IoError, `could not ${what} ${file}: ${(e as Error).message}`, { cause: e });
}

/** Pages per gathered write (below the system's limit of 1,024 buffers). */
const MAX_RUN = 512;

/** The buffers of a run from byte `done` on. */
function remainder(run: readonly Buffer[], done: number, size: number): Buffer[] {
  const k = Math.floor(done / size);
  const out = run.slice(k);
  out[0] = out[0]!.subarray(done - k * size);
  return out;
}

export class Pager {
  readonly file: string;
  readonly pageSize: number;
  readonly #f: IoFile;
  readonly #durable: boolean;
  pagesRead = 0;
  pagesWritten = 0;
  fsyncs = 0;

  private constructor(file: string, f: IoFile, pageSize: number, durable: boolean) {
    this.file = file;
    this.#f = f;
    this.pageSize = pageSize;
    this.#durable = durable;
  }

  /** Opens or creates the data file; returns the pager and the header's meta record. */
  static async open(io: FileIo, file: string, pageSize: number, durable: boolean): Promise<{ pager: Pager; meta: Meta }> {
    let f: IoFile;
    try {
      f = await io.open(file, 'data');
    } catch (e) {
      throw ioError('open', file, e);
    }
    let op = 'read';
    try {
      const size = f.size();
      if (size === 0) {
        const meta: Meta = { catalogRoot: 0, pageCount: 1, freeHead: 0, freeKnown: true, seq: 0 };
        op = 'write';
        f.writeSync(encodeHeader(pageSize, meta), 0, pageSize, 0);
        op = 'fsync';
        if (durable) f.syncSync();
        return { pager: new Pager(file, f, pageSize, durable), meta };
      }
      const probe = Buffer.alloc(HEADER_PROBE);
      const n = f.readSync(probe, 0, HEADER_PROBE, 0);
      const { pageSize: ps, meta } = decodeHeader(probe.subarray(0, n), file);
      return { pager: new Pager(file, f, ps, durable), meta };
    } catch (e) {
      await f.close().catch(() => undefined);
      throw e instanceof DispatcherError ? e : ioError(op, file, e);
    }
  }

  /** Raw page image (unverified; the caller checks it). */
  readPage(id: number): Buffer {
    const b = Buffer.allocUnsafe(this.pageSize);
    let n: number;
    try {
      n = this.#f.readSync(b, 0, this.pageSize, id * this.pageSize);
    } catch (e) {
      throw ioError('read', this.file, e);
    }
    this.pagesRead++;
    if (n !== this.pageSize) throw corrupted(id, this.file, 'page beyond the end of the file');
    return b;
  }

  writePage(id: number, page: Buffer): void {
    try {
      this.#f.writeSync(page, 0, this.pageSize, id * this.pageSize);
    } catch (e) {
      throw ioError('write', this.file, e);
    }
    this.pagesWritten++;
  }

  /**
   * Writes pages `ids` (ascending) with their images from `image`: runs of consecutive ids go out
   * as one gathered write each (a checkpoint after a bulk load writes thousands of pages, mostly
   * consecutive; one system call per page was most of its cost).
   */
  writePages(ids: readonly number[], image: (id: number) => Buffer): void {
    const size = this.pageSize;
    let i = 0;
    while (i < ids.length) {
      const first = ids[i]!;
      const run: Buffer[] = [];
      while (i < ids.length && ids[i] === first + run.length && run.length < MAX_RUN) run.push(image(ids[i++]!).subarray(0, size));
      let done = 0;
      const bytes = run.length * size;
      try {
        while (done < bytes) {
          // A short gathered write goes on from where it stopped.
          const rest = done === 0 ? run : remainder(run, done, size);
          const n = this.#f.writevSync(rest, first * size + done);
          if (n <= 0) throw new Error(`short write of ${bytes - done} bytes`);
          done += n;
        }
      } catch (e) {
        throw ioError('write', this.file, e);
      }
      this.pagesWritten += run.length;
    }
  }

  writeHeader(meta: Meta): void {
    try {
      this.#f.writeSync(encodeHeader(this.pageSize, meta), 0, this.pageSize, 0);
    } catch (e) {
      throw ioError('write', this.file, e);
    }
  }

  /** fsync off the event loop (a checkpoint's data-file sync can take a while). */
  async syncAsync(): Promise<void> {
    if (!this.#durable) return;
    try {
      await this.#f.sync();
    } catch (e) {
      throw ioError('fsync', this.file, e);
    }
    this.fsyncs++;
  }

  sync(): void {
    if (!this.#durable) return;
    try {
      this.#f.syncSync();
    } catch (e) {
      throw ioError('fsync', this.file, e);
    }
    this.fsyncs++;
  }

  async close(): Promise<void> {
    try {
      await this.#f.close();
    } catch {
      // Closing twice or after an I/O error: nothing left to do.
    }
  }
}
