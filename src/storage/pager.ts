// The data file: fixed-size pages at id * pageSize. Reads are synchronous (a buffer-pool miss
// inside a running statement); writes happen at checkpoint.
import * as fs from 'node:fs';
import { DispatcherError, SqlState } from '../api/errors.js';
import { HEADER_PROBE, corrupted, decodeHeader, encodeHeader, type Meta } from './format.js';

function ioError(what: string, file: string, e: unknown): DispatcherError {
  return new DispatcherError(SqlState.IoError, `could not ${what} ${file}: ${(e as Error).message}`, { cause: e });
}

export class Pager {
  readonly file: string;
  readonly pageSize: number;
  readonly #fd: number;
  readonly #durable: boolean;
  pagesRead = 0;
  pagesWritten = 0;
  fsyncs = 0;

  private constructor(file: string, fd: number, pageSize: number, durable: boolean) {
    this.file = file;
    this.#fd = fd;
    this.pageSize = pageSize;
    this.#durable = durable;
  }

  /** Opens or creates the data file; returns the pager and the header's meta record. */
  static open(file: string, pageSize: number, durable: boolean): { pager: Pager; meta: Meta } {
    let fd: number;
    try {
      fd = fs.openSync(file, fs.existsSync(file) ? 'r+' : 'w+');
    } catch (e) {
      throw ioError('open', file, e);
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size === 0) {
        const meta: Meta = { catalogRoot: 0, pageCount: 1, freeHead: 0, freeKnown: true, seq: 0 };
        fs.writeSync(fd, encodeHeader(pageSize, meta), 0, pageSize, 0);
        if (durable) fs.fsyncSync(fd);
        return { pager: new Pager(file, fd, pageSize, durable), meta };
      }
      const probe = Buffer.alloc(HEADER_PROBE);
      const n = fs.readSync(fd, probe, 0, HEADER_PROBE, 0);
      const { pageSize: ps, meta } = decodeHeader(probe.subarray(0, n), file);
      return { pager: new Pager(file, fd, ps, durable), meta };
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  /** Raw page image (unverified; the caller checks it). */
  readPage(id: number): Buffer {
    const b = Buffer.allocUnsafe(this.pageSize);
    let n: number;
    try {
      n = fs.readSync(this.#fd, b, 0, this.pageSize, id * this.pageSize);
    } catch (e) {
      throw ioError('read', this.file, e);
    }
    this.pagesRead++;
    if (n !== this.pageSize) throw corrupted(id, this.file, 'page beyond the end of the file');
    return b;
  }

  writePage(id: number, page: Buffer): void {
    try {
      fs.writeSync(this.#fd, page, 0, this.pageSize, id * this.pageSize);
    } catch (e) {
      throw ioError('write', this.file, e);
    }
    this.pagesWritten++;
  }

  writeHeader(meta: Meta): void {
    try {
      fs.writeSync(this.#fd, encodeHeader(this.pageSize, meta), 0, this.pageSize, 0);
    } catch (e) {
      throw ioError('write', this.file, e);
    }
  }

  /** fsync off the event loop (a checkpoint's data-file sync can take a while). */
  async syncAsync(): Promise<void> {
    if (!this.#durable) return;
    try {
      await new Promise<void>((resolve, reject) => fs.fsync(this.#fd, (e) => (e ? reject(e) : resolve())));
    } catch (e) {
      throw ioError('fsync', this.file, e);
    }
    this.fsyncs++;
  }

  sync(): void {
    if (!this.#durable) return;
    try {
      fs.fsyncSync(this.#fd);
    } catch (e) {
      throw ioError('fsync', this.file, e);
    }
    this.fsyncs++;
  }

  close(): void {
    try {
      fs.closeSync(this.#fd);
    } catch {
      // Closing twice or after an I/O error: nothing left to do.
    }
  }
}
