// The file I/O port of the data file and the WAL: every byte either file reads or writes goes
// through an IoFile, so tests can swap in a port that fails chosen operations (faulty-file-io.ts).
// The default port is node:fs with nothing in between: a FileHandle (whose promise methods the
// WAL's commit path used before) plus the synchronous calls on its fd for buffer-pool misses.
import * as fs from 'node:fs';
import { DirectHandle } from './direct-io.js';

/** Which file of a database an IoFile is (fault injection can target one). */
export type FileRole = 'data' | 'wal';

export interface IoFile {
  readonly path: string;
  readonly role: FileRole;
  /** Current length in bytes. */
  size(): number;
  /** Reads up to `length` bytes at `position` into buf[offset..]; returns the bytes read. */
  readSync(buf: Uint8Array, offset: number, length: number, position: number): number;
  writeSync(buf: Uint8Array, offset: number, length: number, position: number): number;
  /** One gathered write on the calling thread; may write less than asked (returns bytes written). */
  writevSync(bufs: Uint8Array[], position: number): number;
  /** One gathered write; may write less than asked (the caller continues from bytesWritten). */
  writev(bufs: Uint8Array[], position: number): Promise<{ readonly bytesWritten: number }>;
  write(buf: Uint8Array, offset: number, length: number, position: number): Promise<{ readonly bytesWritten: number }>;
  truncate(length: number): Promise<void>;
  /** fsync. */
  sync(): Promise<void>;
  syncSync(): void;
  /** fdatasync: the data and the metadata needed to read it back (length), not timestamps. */
  datasync(): Promise<void>;
  /** fdatasync on the calling thread (a lone commit: no thread-pool round trip). */
  datasyncSync(): void;
  /**
   * Memory for writeDurable: `size` bytes aligned for this file's direct writes, or null where
   * the file has none (see direct-io.ts); then writes go through write + fdatasync.
   */
  durableBuffer(size: number): Buffer | null;
  /**
   * Writes `length` bytes (whole DIRECT_BLOCKs, at a multiple of it) of a durableBuffer so that
   * they are durable when it returns: a write and its fdatasync in one. May write less (returns
   * the bytes written).
   */
  writeDurableSync(buf: Buffer, length: number, position: number): number;
  /** writeDurableSync on the thread pool. */
  writeDurable(buf: Buffer, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}

export interface FileIo {
  /** Opens `path` for reading and writing, creating it when missing. */
  open(path: string, role: FileRole): Promise<IoFile>;
}

class NodeFile implements IoFile {
  readonly path: string;
  readonly role: FileRole;
  readonly #fh: fs.promises.FileHandle;
  readonly #fd: number;
  /** Opened at the first durableBuffer call; null: the file system refused it. */
  #direct: DirectHandle | null | undefined;

  constructor(path: string, role: FileRole, fh: fs.promises.FileHandle) {
    this.path = path;
    this.role = role;
    this.#fh = fh;
    this.#fd = fh.fd;
  }

  size(): number {
    return fs.fstatSync(this.#fd).size;
  }

  readSync(buf: Uint8Array, offset: number, length: number, position: number): number {
    return fs.readSync(this.#fd, buf, offset, length, position);
  }

  writeSync(buf: Uint8Array, offset: number, length: number, position: number): number {
    return fs.writeSync(this.#fd, buf, offset, length, position);
  }

  writevSync(bufs: Uint8Array[], position: number): number {
    return fs.writevSync(this.#fd, bufs, position);
  }

  // The FileHandle's own result objects: no wrapper promise on the commit path.
  writev(bufs: Uint8Array[], position: number): Promise<{ readonly bytesWritten: number }> {
    return this.#fh.writev(bufs, position);
  }

  write(buf: Uint8Array, offset: number, length: number, position: number): Promise<{ readonly bytesWritten: number }> {
    return this.#fh.write(buf, offset, length, position);
  }

  truncate(length: number): Promise<void> {
    return this.#fh.truncate(length);
  }

  sync(): Promise<void> {
    return this.#fh.sync();
  }

  syncSync(): void {
    fs.fsyncSync(this.#fd);
  }

  datasync(): Promise<void> {
    return this.#fh.datasync();
  }

  datasyncSync(): void {
    fs.fdatasyncSync(this.#fd);
  }

  durableBuffer(size: number): Buffer | null {
    if (this.#direct === undefined) this.#direct = DirectHandle.open(this.path);
    return this.#direct?.alignedBuffer(size) ?? null;
  }

  writeDurableSync(buf: Buffer, length: number, position: number): number {
    return this.#directHandle().writeSync(buf, length, position);
  }

  writeDurable(buf: Buffer, length: number, position: number): Promise<number> {
    return this.#directHandle().write(buf, length, position);
  }

  #directHandle(): DirectHandle {
    if (!this.#direct) throw new Error(`${this.path}: no direct handle (durableBuffer gave none)`);
    return this.#direct;
  }

  close(): Promise<void> {
    this.#direct?.close();
    this.#direct = null;
    return this.#fh.close();
  }
}

/** node:fs, as the engine uses by default. */
export const nodeFileIo: FileIo = {
  async open(path: string, role: FileRole): Promise<IoFile> {
    // 'r+' keeps an existing file; 'w+' only when there is none (never truncates one).
    const fh = await fs.promises.open(path, fs.existsSync(path) ? 'r+' : 'w+');
    return new NodeFile(path, role, fh);
  },
};
