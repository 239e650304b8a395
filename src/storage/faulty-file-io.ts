// A FileIo for tests that fails chosen operations with EIO, the way a dying disk or a full
// controller queue would: the Nth read, write or fsync (counted per kind, optionally only on the
// data file or only on the WAL), once or from then on. Everything else goes to the wrapped port.
import { nodeFileIo, type FileIo, type FileRole, type IoFile } from './file-io.js';

/** read: readSync. write: writeSync, writev, write, truncate, durable writes. sync: fsync, fdatasync, durable writes. */
export type FaultOp = 'read' | 'write' | 'sync';

export interface FaultPlan {
  readonly op: FaultOp;
  /** 1-based: the Nth matching operation after the plan is armed fails. */
  readonly nth: number;
  /** Only operations on this file count (default: both files). */
  readonly file?: FileRole;
  /** Fail the Nth and every later matching operation (default: only the Nth). */
  readonly persistent?: boolean;
  /**
   * A failing write first writes about half of its bytes (a torn write), then reports EIO. The
   * cut falls on a 512-byte file offset, since disks write an aligned sector whole (the file
   * header's checksum relies on it). Default false: nothing is written.
   */
  readonly torn?: boolean;
}

export interface InjectedFault {
  readonly op: FaultOp;
  readonly call: string;
  readonly file: FileRole;
  readonly path: string;
}

interface Armed {
  readonly plan: FaultPlan;
  seen: number;
}

const SECTOR = 512;

/** Bytes of a torn write of `length` at `position` that reach the file: up to a sector boundary near half. */
function tornLength(position: number, length: number): number {
  return Math.max(0, Math.floor((position + (length >> 1)) / SECTOR) * SECTOR - position);
}

export interface FaultyFileIoOptions {
  /** The port the operations go to (default node:fs). */
  readonly base?: FileIo;
  /**
   * false: fsyncs are counted (and fail when armed) but not passed on, so tests stay fast while
   * still seeing every fsync the engine asks for. Default true.
   */
  readonly realSync?: boolean;
}

function eio(call: string, path: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`EIO: i/o error, ${call} '${path}' (injected fault)`);
  e.code = 'EIO';
  e.errno = -5;
  e.syscall = call;
  e.path = path;
  return e;
}

export class FaultyFileIo implements FileIo {
  readonly #base: FileIo;
  #armed: Armed[] = [];
  /** Operations seen per kind (all files, armed or not). */
  readonly counts: Record<FaultOp, number> = { read: 0, write: 0, sync: 0 };
  /** Every fault injected so far, in order. */
  readonly injected: InjectedFault[] = [];
  readonly realSync: boolean;

  constructor(options: FaultyFileIoOptions = {}) {
    this.#base = options.base ?? nodeFileIo;
    this.realSync = options.realSync ?? true;
  }

  /** Arms a fault; several may be armed at once. */
  fail(plan: FaultPlan): this {
    if (!Number.isInteger(plan.nth) || plan.nth < 1) throw new RangeError(`nth must be a positive integer, got ${plan.nth}`);
    this.#armed.push({ plan, seen: 0 });
    return this;
  }

  /** Disarms every fault: the disk works again. */
  heal(): void {
    this.#armed = [];
  }

  async open(path: string, role: FileRole): Promise<IoFile> {
    return new FaultyFile(await this.#base.open(path, role), this);
  }

  /**
   * Counts one operation; returns the plan that makes it fail, if any (the fault is recorded).
   * @internal called by FaultyFile
   */
  check(op: FaultOp, call: string, f: IoFile): FaultPlan | undefined {
    this.counts[op]++;
    let hit: FaultPlan | undefined;
    for (const a of this.#armed) {
      const p = a.plan;
      if (p.op !== op || (p.file !== undefined && p.file !== f.role)) continue;
      a.seen++;
      if (a.seen === p.nth || (p.persistent === true && a.seen > p.nth)) hit ??= p;
    }
    if (hit !== undefined) this.injected.push({ op, call, file: f.role, path: f.path });
    return hit;
  }
}

class FaultyFile implements IoFile {
  readonly #f: IoFile;
  readonly #io: FaultyFileIo;

  constructor(f: IoFile, io: FaultyFileIo) {
    this.#f = f;
    this.#io = io;
  }

  get path(): string {
    return this.#f.path;
  }

  get role(): FileRole {
    return this.#f.role;
  }

  size(): number {
    return this.#f.size();
  }

  readSync(buf: Uint8Array, offset: number, length: number, position: number): number {
    if (this.#io.check('read', 'read', this.#f)) throw eio('read', this.#f.path);
    return this.#f.readSync(buf, offset, length, position);
  }

  writeSync(buf: Uint8Array, offset: number, length: number, position: number): number {
    const p = this.#io.check('write', 'write', this.#f);
    if (p) {
      if (p.torn === true) this.#f.writeSync(buf, offset, tornLength(position, length), position);
      throw eio('write', this.#f.path);
    }
    return this.#f.writeSync(buf, offset, length, position);
  }

  writevSync(bufs: Uint8Array[], position: number): number {
    const p = this.#io.check('write', 'writev', this.#f);
    if (p) {
      if (p.torn === true) {
        let total = 0;
        for (const b of bufs) total += b.length;
        const half = Buffer.concat(bufs).subarray(0, tornLength(position, total));
        this.#f.writeSync(half, 0, half.length, position);
      }
      throw eio('writev', this.#f.path);
    }
    return this.#f.writevSync(bufs, position);
  }

  async writev(bufs: Uint8Array[], position: number): Promise<{ readonly bytesWritten: number }> {
    const p = this.#io.check('write', 'writev', this.#f);
    if (p) {
      if (p.torn === true) {
        let total = 0;
        for (const b of bufs) total += b.length;
        const half = Buffer.concat(bufs).subarray(0, tornLength(position, total));
        await this.#f.write(half, 0, half.length, position);
      }
      throw eio('writev', this.#f.path);
    }
    return this.#f.writev(bufs, position);
  }

  async write(buf: Uint8Array, offset: number, length: number, position: number): Promise<{ readonly bytesWritten: number }> {
    const p = this.#io.check('write', 'write', this.#f);
    if (p) {
      if (p.torn === true) await this.#f.write(buf, offset, tornLength(position, length), position);
      throw eio('write', this.#f.path);
    }
    return this.#f.write(buf, offset, length, position);
  }

  async truncate(length: number): Promise<void> {
    if (this.#io.check('write', 'ftruncate', this.#f)) throw eio('ftruncate', this.#f.path);
    return this.#f.truncate(length);
  }

  async sync(): Promise<void> {
    if (this.#io.check('sync', 'fsync', this.#f)) throw eio('fsync', this.#f.path);
    if (this.#io.realSync) return this.#f.sync();
  }

  syncSync(): void {
    if (this.#io.check('sync', 'fsync', this.#f)) throw eio('fsync', this.#f.path);
    if (this.#io.realSync) this.#f.syncSync();
  }

  async datasync(): Promise<void> {
    if (this.#io.check('sync', 'fdatasync', this.#f)) throw eio('fdatasync', this.#f.path);
    if (this.#io.realSync) return this.#f.datasync();
  }

  datasyncSync(): void {
    if (this.#io.check('sync', 'fdatasync', this.#f)) throw eio('fdatasync', this.#f.path);
    if (this.#io.realSync) this.#f.datasyncSync();
  }

  durableBuffer(size: number): Buffer | null {
    return this.#f.durableBuffer(size);
  }

  // A durable write is a write and its fdatasync in one: a write fault fails it before (or, torn,
  // half-way through) the bytes; a sync fault fails it after they went out, as a failing fsync
  // after its write would.
  writeDurableSync(buf: Buffer, length: number, position: number): number {
    this.#durableFault(buf, length, position);
    const n = this.#io.realSync ? this.#f.writeDurableSync(buf, length, position) : this.#f.writeSync(buf, 0, length, position);
    if (this.#io.check('sync', 'fdatasync', this.#f)) throw eio('fdatasync', this.#f.path);
    return n;
  }

  async writeDurable(buf: Buffer, length: number, position: number): Promise<number> {
    this.#durableFault(buf, length, position);
    const n = this.#io.realSync ? await this.#f.writeDurable(buf, length, position) : this.#f.writeSync(buf, 0, length, position);
    if (this.#io.check('sync', 'fdatasync', this.#f)) throw eio('fdatasync', this.#f.path);
    return n;
  }

  #durableFault(buf: Buffer, length: number, position: number): void {
    const p = this.#io.check('write', 'write', this.#f);
    if (p) {
      if (p.torn === true) this.#f.writeSync(buf, 0, tornLength(position, length), position);
      throw eio('write', this.#f.path);
    }
  }

  close(): Promise<void> {
    return this.#f.close();
  }
}
