// The durable page store behind a file engine: logs a commit of row changes as a redo frame, and
// at an image point (any other commit, a size bound, a checkpoint) gives every committed node
// without one a page id and writes the images to the WAL (with the catalog tree and the meta
// record); serves buffer-pool misses from the staged batch, the WAL or the data file, and
// checkpoints. The free-page accounting is its PageAllocator's (page-allocator.ts).
import { DispatcherError, SqlState } from '../api/errors.js';
import { PutMode, TreeSource, TreeWriter, type NodeSource } from './btree.js';
import type { DbState, TableState } from './catalog.js';
import { BufferPool } from './buffer-pool.js';
import { TreeCursor } from './cursor.js';
import { FileLock } from './file-lock.js';
import { nodeFileIo, type FileIo } from './file-io.js';
import { PAGE_HEADER_SIZE, PageKind, checkPage, corrupted, packr, pageBody, sealPage, type Meta } from './format.js';
import { REF_SIZE, isOverflowRef, newLeaf, newToken, tupleSize, type BNode, type ChildRef, type LeafValue, type OverflowRef } from './node.js';
import { OverflowCache } from './overflow-cache.js';
import { PageAllocator } from './page-allocator.js';
import { decodeNode, encodeNode, plainBytes } from './page-codec.js';
import { Pager } from './pager.js';
import { decodeRedo, type RedoRecord } from './redo-codec.js';
import type { IoCounters, Key, Row, StorageStats, TableDef } from './ports.js';
import { Wal } from './wal.js';

export interface CommitWork {
  readonly state: DbState;
  readonly changed: readonly string[];
  readonly removed: readonly string[];
  readonly metaChanged: readonly string[];
  readonly freed: readonly number[];
  readonly dropped: readonly ChildRef[];
  readonly overflowFreed: readonly OverflowRef[];
}

export interface FileStoreOptions {
  readonly pageSize: number;
  readonly poolPages: number;
  readonly checkpointBytes: number;
  readonly durable: boolean;
  /** File I/O of the data file and the WAL (tests inject faults); default node:fs. */
  readonly io?: FileIo | undefined;
}

/** Catalog entry of a table: [def, root page, index root pages, row count, next row id]. */
type TableEntry = [TableDef, number, number[], number, number];

export class FileStore {
  readonly src: NodeSource;
  readonly #file: string;
  readonly #pager: Pager;
  readonly #wal: Wal;
  readonly #pool: BufferPool;
  readonly #lock: FileLock;
  readonly #pageSize: number;
  readonly #capacity: number;
  readonly #spillSize: number;
  readonly #checkpointBytes: number;
  #catalogRoot: number;
  #seq: number;
  /** The page count, free pages and pages waiting for old readers. */
  readonly #pages: PageAllocator;
  /** Page images staged for the next WAL write (readable before they reach the file). */
  readonly #staged = new Map<number, Buffer>();
  /**
   * The images the last write put in the log, kept when that write filled it: the checkpoint that
   * follows copies them to the data file without reading each back from the log.
   */
  #written: Map<number, Buffer> | null = null;
  #pagesWritten = 0;
  #checkpoints = 0;
  /**
   * What redo commits changed since the last page images: the tables whose trees hold nodes
   * without a page id, the pages and overflow runs those commits replaced. The replaced pages
   * stay as they are until the next image point (recovery starts from the images that use them).
   */
  #dirtyTables = new Set<string>();
  #dirtyFreed: number[] = [];
  #dirtyOverflow: OverflowRef[] = [];
  #redoBytes = 0;
  /**
   * Image point bounds: replaced pages (about the nodes held without a page: at most as many
   * again as the pool holds) and redo bytes (the replay recovery would face).
   */
  readonly #imageNodes: number;
  readonly #imageBytes: number;
  /** The data file's header describes the current state (nothing committed since). */
  #clean: boolean;

  private constructor(
    file: string,
    pager: Pager,
    wal: Wal,
    lock: FileLock,
    meta: Meta,
    o: FileStoreOptions,
    capacity: number,
    spillSize: number,
  ) {
    this.#file = file;
    this.#pager = pager;
    this.#wal = wal;
    this.#lock = lock;
    this.#pageSize = pager.pageSize;
    this.#capacity = capacity;
    this.#spillSize = spillSize;
    this.#checkpointBytes = o.checkpointBytes;
    this.#imageNodes = Math.max(32, o.poolPages);
    this.#imageBytes = Math.max(64 * 1024, o.checkpointBytes >> 2);
    this.#catalogRoot = meta.catalogRoot;
    this.#seq = meta.seq;
    this.#clean = wal.index.size === 0 && meta.freeKnown;
    const pool = new BufferPool(o.poolPages, this);
    this.#pool = pool;
    this.src = new TreeSource(pool);
    this.#pages = new PageAllocator(file, meta.pageCount, pool, this.#overflowCache);
  }

  static async open(
    path: string,
    o: FileStoreOptions,
    limits: (pageSize: number) => { capacity: number; spillSize: number },
  ): Promise<{ store: FileStore; state: DbState; pageSize: number; redo: RedoRecord[] }> {
    const lock = FileLock.acquire(path);
    let pager: Pager | undefined;
    let wal: Wal | undefined;
    try {
      const io = o.io ?? nodeFileIo;
      const p = await Pager.open(io, path, o.pageSize, o.durable);
      pager = p.pager;
      const w = await Wal.open(io, `${path}-wal`, pager.pageSize, o.durable);
      wal = w.wal;
      let meta = p.meta;
      let redo = w.redo.map((b) => decodeRedo(b, wal!.file));
      let top = w.meta?.seq ?? -1;
      for (const r of redo) top = Math.max(top, r.seq);
      if (w.meta !== null && w.meta.seq >= meta.seq) meta = w.meta;
      else if (top >= 0 && top <= meta.seq) {
        // A log older than the data file is already checkpointed.
        await wal.reset();
        redo = [];
      }
      redo = redo.filter((r) => r.seq > meta.seq);
      for (let i = 0; i < redo.length; i++) {
        if (redo[i]!.seq !== meta.seq + 1 + i) {
          throw new DispatcherError(SqlState.DataCorrupted, `${wal.file} is corrupted`, {
            detail: `redo record ${redo[i]!.seq} follows the state of commit ${meta.seq + i}`,
          });
        }
      }
      const { capacity, spillSize } = limits(pager.pageSize);
      const store = new FileStore(path, pager, wal, lock, meta, o, capacity, spillSize);
      const state = store.#loadCatalog(meta.seq);
      if (meta.freeKnown) store.#pages.load(meta.freeHead, (id) => store.#readRaw(id));
      else store.#pages.rebuild(state, store.#catalogRoot);
      return { store, state, pageSize: pager.pageSize, redo };
    } catch (e) {
      await wal?.close();
      await pager?.close();
      lock.release();
      throw e;
    }
  }

  // ---- reading

  #readRaw(id: number): Buffer {
    const pageCount = this.#pages.pageCount;
    if (id <= 0 || id >= pageCount) throw corrupted(id, this.#file, `page id out of range (page count ${pageCount})`);
    return this.#staged.get(id) ?? this.#wal.readPage(id) ?? this.#pager.readPage(id);
  }

  /** A page the buffer pool missed, read and decoded (the pool's loader). */
  loadNode(id: number): BNode {
    return decodeNode(this.#readRaw(id), id, this.#file);
  }

  /** Decoded large rows by first page (see OverflowCache). */
  readonly #overflowCache = new OverflowCache();

  readOverflow(ref: OverflowRef): Row {
    const hit = this.#overflowCache.get(ref.o);
    if (hit !== undefined) return hit;
    const row = this.#readOverflow(ref);
    this.#overflowCache.add(ref, row, Math.max(16, this.#pool.capacity >> 2));
    return row;
  }

  #readOverflow(ref: OverflowRef): Row {
    const parts: Buffer[] = [];
    for (let i = 0; i < ref.c; i++) {
      const id = ref.o + i;
      const page = this.#readRaw(id);
      if (checkPage(page, id, this.#file) !== PageKind.Overflow) throw corrupted(id, this.#file, 'expected an overflow page');
      parts.push(pageBody(page));
    }
    const bytes = Buffer.concat(parts);
    if (bytes.length !== ref.n) throw corrupted(ref.o, this.#file, 'overflow run length mismatch');
    try {
      const row = packr().unpack(bytes) as Row;
      plainBytes(row);
      return row;
    } catch {
      throw corrupted(ref.o, this.#file, 'undecodable overflow row');
    }
  }

  #resolve(v: LeafValue): Row {
    if (Array.isArray(v)) return v;
    if (v !== null && 'row' in v) return v.row;
    if (isOverflowRef(v)) return this.readOverflow(v);
    throw new DispatcherError(SqlState.InternalError, 'missing row value');
  }

  #loadCatalog(seq: number): DbState {
    const tables = new Map<string, TableState>();
    const meta = new Map<string, unknown>();
    if (this.#catalogRoot !== 0) {
      const c = new TreeCursor(this.src, this.#pool.get(this.#catalogRoot), undefined, false);
      while (c.advance()) {
        const [kind, name] = c.key as [string, string];
        const v = this.#resolve(c.value);
        if (kind === 't') {
          const [def, root, indexRoots, rowCount, nextRowId] = v as unknown as TableEntry;
          tables.set(name, { def, root, indexRoots, rowCount, nextRowId });
        } else meta.set(name, v[0]);
      }
    }
    return { seq, tables, meta };
  }

  // ---- commit

  #writePage(id: number, seq: number, page: Buffer): void {
    this.#wal.addPage(id, seq, page);
    this.#staged.set(id, page);
    this.#pagesWritten++;
  }

  #writeOverflow(row: Row, seq: number): OverflowRef {
    const bytes = packr().pack(row);
    const per = this.#pageSize - PAGE_HEADER_SIZE;
    const count = Math.max(1, Math.ceil(bytes.length / per));
    // A run is contiguous so the reference is (first, count): one page can be any free page,
    // longer runs come from the end of the file.
    let first: number;
    if (count === 1) first = this.#pages.alloc();
    else {
      first = this.#pages.allocRun(count);
      if (first === 0) first = this.#pages.extend(count);
    }
    for (let i = 0; i < count; i++) {
      const page = Buffer.alloc(this.#pageSize);
      const chunk = bytes.subarray(i * per, Math.min(bytes.length, (i + 1) * per));
      chunk.copy(page, PAGE_HEADER_SIZE);
      sealPage(page, first + i, PageKind.Overflow, chunk.length);
      this.#writePage(first + i, seq, page);
    }
    return { o: first, c: count, n: bytes.length };
  }

  /** Gives an uncommitted subtree page ids (children first), encodes and stages its pages. */
  #persist(ref: ChildRef, seq: number): number {
    if (typeof ref === 'number') return ref;
    const node = ref;
    if (node.id !== 0) return node.id;
    if (node.leaf) {
      // Only the rows form holds rows waiting to spill (leaf-values.ts).
      const vals = node.vals ?? [];
      for (let i = 0; i < vals.length; i++) {
        const v = vals[i]!;
        if (v !== null && !Array.isArray(v) && 'row' in v) vals[i] = this.#writeOverflow(v.row, seq);
      }
    } else {
      const ch = node.children;
      for (let i = 0; i < ch.length; i++) ch[i] = this.#persist(ch[i]!, seq);
    }
    node.id = this.#pages.alloc();
    node.owner = 0;
    this.#writePage(node.id, seq, encodeNode(node, this.#pageSize));
    this.#pool.put(node.id, node);
    return node.id;
  }

  #catalogValue(v: unknown[]): [LeafValue, number] {
    // tupleSize (an upper bound of the encoding), as a leaf measures the rows it keeps flat
    // (leaf-values.ts) and a decoded page its entries.
    const size = tupleSize(v as Row);
    if (size <= this.#spillSize) return [v as Row, size];
    return [{ row: v as Row }, REF_SIZE];
  }

  /** Turns a transaction's work into staged WAL frames; returns the state with page-id roots. */
  stage(work: CommitWork, oldestLiveSeq: number): DbState {
    this.#pages.release(oldestLiveSeq);
    // A failure half-way (a corrupt page met while freeing a dropped tree, ...) must leave the
    // allocation state and the WAL batch as they were: the commit is rejected, nothing else.
    const catalogRoot = this.#catalogRoot;
    const walMark = this.#wal.mark();
    const stagedBefore = new Set(this.#staged.keys());
    this.#pages.beginStage();
    try {
      return this.#stage(work);
    } catch (e) {
      for (const id of this.#staged.keys()) {
        if (!stagedBefore.has(id)) {
          this.#staged.delete(id);
          this.#pool.drop(id);
        }
      }
      this.#pages.undoStage();
      this.#catalogRoot = catalogRoot;
      this.#wal.rewind(walMark);
      throw e;
    } finally {
      this.#pages.endStage();
    }
  }

  #stage(work: CommitWork): DbState {
    const seq = work.state.seq;
    for (const id of work.freed) this.#superseded(id);
    const freed = work.freed.concat(this.#dirtyFreed);
    for (const r of work.dropped) this.#pages.collectTree(r, freed);
    for (const r of work.overflowFreed) for (let i = 0; i < r.c; i++) freed.push(r.o + i);
    for (const r of this.#dirtyOverflow) for (let i = 0; i < r.c; i++) freed.push(r.o + i);
    // Tables redo commits changed get their images now too (a dropped or renamed one is in
    // work.removed already).
    let changedNames = work.changed;
    if (this.#dirtyTables.size > 0) {
      const all = new Set(work.changed);
      for (const n of this.#dirtyTables) if (work.state.tables.has(n)) all.add(n);
      changedNames = [...all];
    }

    const tables = new Map(work.state.tables);
    const cw = new TreeWriter(this.src, this.#capacity);
    cw.owner = newToken();
    const droppedRefs: OverflowRef[] = [];
    cw.droppedRefs = droppedRefs;
    let croot: BNode = this.#catalogRoot === 0 ? newLeaf(cw.owner) : this.#pool.get(this.#catalogRoot);
    for (const name of changedNames) {
      const t = tables.get(name)!;
      const root = this.#persist(t.root, seq);
      const indexRoots = t.indexRoots.map((r) => this.#persist(r, seq));
      tables.set(name, { def: t.def, root, indexRoots, rowCount: t.rowCount, nextRowId: t.nextRowId });
      const key: Key = ['t', name];
      const [val, size] = this.#catalogValue([t.def, root, indexRoots, t.rowCount, t.nextRowId]);
      croot = cw.put(croot, key, val, tupleSize(key) + size, PutMode.Upsert);
    }
    for (const name of work.removed) croot = cw.remove(croot, ['t', name]);
    for (const name of work.metaChanged) {
      const key: Key = ['m', name];
      if (work.state.meta.has(name)) {
        const [val, size] = this.#catalogValue([work.state.meta.get(name)]);
        croot = cw.put(croot, key, val, tupleSize(key) + size, PutMode.Upsert);
      } else croot = cw.remove(croot, key);
    }
    this.#catalogRoot = this.#persist(croot, seq);
    for (const r of droppedRefs) for (let i = 0; i < r.c; i++) freed.push(r.o + i);
    for (const id of cw.freed) freed.push(id);
    if (freed.length > 0) this.#pages.freeAfter(seq, freed);
    this.#seq = seq;
    this.#clean = false;
    this.#wal.addCommit({
      catalogRoot: this.#catalogRoot,
      pageCount: this.#pages.pageCount,
      freeHead: 0,
      freeKnown: false,
      seq,
    });
    this.#dirtyTables.clear();
    this.#dirtyFreed = [];
    this.#dirtyOverflow = [];
    this.#redoBytes = 0;
    return { seq, tables, meta: work.state.meta };
  }

  /**
   * Stages a batch of row-change commits as redo frames (`records`: each commit's seq and body,
   * in order). Their trees keep nodes without page ids until the next image point.
   */
  stageRedo(work: CommitWork, records: readonly { readonly seq: number; readonly body: Buffer }[]): DbState {
    for (const r of records) {
      this.#wal.addRedo(r.seq, r.body);
      this.#redoBytes += r.body.length;
    }
    this.noteRedo(work);
    return work.state;
  }

  /**
   * A commit replaced this page: its node leaves the pool at once. It was read just before its
   * copy was made, so the clock would keep it longest, and a run of small updates filled the pool
   * with replaced pages (~2,000 of 4,096 after 2,000 one-row commits) and evicted live ones. A
   * reader on an older snapshot that still wants it reads it again: the page keeps its image
   * until its id is reused, which waits for every such reader.
   */
  #superseded(id: number): void {
    this.#pool.drop(id);
  }

  /** Accounts a redo commit's changes (staged now, or replayed from the log at open). */
  noteRedo(work: CommitWork): void {
    for (const n of work.changed) this.#dirtyTables.add(n);
    for (const id of work.freed) {
      this.#dirtyFreed.push(id);
      this.#superseded(id);
    }
    for (const r of work.overflowFreed) this.#dirtyOverflow.push(r);
    this.#clean = false;
  }

  /** Whether redo commits left trees with nodes that have no page image. */
  get hasDirty(): boolean {
    return this.#dirtyTables.size > 0 || this.#dirtyFreed.length > 0 || this.#dirtyOverflow.length > 0;
  }

  /**
   * Whether enough has piled up since the last images that the next ones should be written now.
   * An image point writes every page changed since the last one: when those are many (one-row
   * updates spread over a large table dirty every leaf), redo is kept until it is about as large
   * as that image, up to a checkpoint's worth, instead of re-imaging the whole table every
   * quarter of it.
   */
  wantsImage(): boolean {
    if (this.#dirtyFreed.length >= this.#imageNodes) return true;
    if (this.#redoBytes < this.#imageBytes) return false;
    return this.#redoBytes >= Math.min(this.#checkpointBytes, this.#dirtyFreed.length * this.#pageSize);
  }

  /** Stages an image point of `state` (a page-image commit that changes nothing). */
  stageImage(state: DbState, oldestLiveSeq: number): DbState {
    return this.stage({ state, changed: [], removed: [], metaChanged: [], freed: [], dropped: [], overflowFreed: [] }, oldestLiveSeq);
  }

  /** Writes the staged frames and fsyncs (one write, one fsync for the whole batch). */
  async flush(inline = false): Promise<void> {
    this.#written = null;
    await this.#wal.flush(inline);
    if (this.wantsCheckpoint() && this.#staged.size > 0) this.#written = new Map(this.#staged);
    this.#staged.clear();
  }

  wantsCheckpoint(): boolean {
    return this.#wal.size > this.#checkpointBytes;
  }

  /** Copies the latest page images into the data file, records the free list, resets the WAL. */
  async checkpoint(state: DbState | undefined, oldestLiveSeq: number): Promise<void> {
    if (this.#clean) return;
    // Trees with nodes that have no page image would be lost with the log: the engine writes an
    // image point first, so the images are those of the state it checkpoints.
    if (this.hasDirty || (state !== undefined && state.seq !== this.#seq))
      throw new DispatcherError(
        SqlState.InternalError,
        `checkpoint of commit ${state?.seq ?? '?'} over page images of commit ${this.#seq}${this.hasDirty ? ' with redo commits not imaged' : ''}`,
      );
    this.#pages.release(oldestLiveSeq);
    const ids = [...this.#wal.index.keys()].sort((a, b) => a - b);
    // The last write's images are the newest of their pages; older ones are read from the log.
    const written = this.#written;
    this.#written = null;
    this.#pager.writePages(ids, (id) => written?.get(id) ?? this.#wal.readPage(id, false)!);
    const freeHead = this.#pages.writeList(this.#pageSize, (id, page) => {
      this.#pager.writePage(id, page);
      this.#pagesWritten++;
    });
    this.#pager.writeHeader({
      catalogRoot: this.#catalogRoot,
      pageCount: this.#pages.pageCount,
      freeHead,
      freeKnown: true,
      seq: this.#seq,
    });
    await this.#pager.syncAsync();
    await this.#wal.reset();
    this.#pagesWritten += ids.length;
    this.#checkpoints++;
    this.#clean = true;
  }

  stats(): StorageStats {
    const c = this.#pool.counters;
    return {
      pageSize: this.#pageSize,
      poolCapacity: this.#pool.capacity,
      poolSize: this.#pool.size,
      pinnedPages: this.#pool.pinned,
      hits: c.hits,
      misses: c.misses,
      evictions: c.evictions,
      pagesRead: this.#pager.pagesRead + this.#wal.pagesRead,
      pagesWritten: this.#pagesWritten,
      walFrames: this.#wal.frames,
      fsyncs: this.#pager.fsyncs + this.#wal.fsyncs,
      checkpoints: this.#checkpoints,
      pageCount: this.#pages.pageCount,
      freePages: this.#pages.freeCount,
    };
  }

  ioCounters(): IoCounters {
    const c = this.#pool.counters;
    return { hits: c.hits, misses: c.misses, pagesIo: this.#pager.pagesRead + this.#wal.pagesRead + this.#pagesWritten };
  }

  /** Page accounting for integrityCheck: every page used exactly once, or free. */
  accounting(state: DbState): string[] {
    return this.#pages.accounting(state, this.#catalogRoot, this.#dirtyFreed, this.#dirtyOverflow);
  }

  resolve(v: LeafValue): Row {
    return this.#resolve(v);
  }

  /** Drops unpinned cached pages (tests: force reads from disk). */
  dropCache(): void {
    this.#pool.clear();
  }

  get pool(): BufferPool {
    return this.#pool;
  }

  async close(clean: boolean): Promise<void> {
    try {
      if (clean) await this.checkpoint(undefined, Number.MAX_SAFE_INTEGER);
    } finally {
      await this.#wal.close();
      await this.#pager.close();
      this.#lock.release();
      this.#retire();
    }
  }

  /**
   * A closed store, emptied, stays as the last retired one: while no file database is open V8
   * would otherwise drop the hidden classes of the store, its log, pool and pager (one instance
   * each per database), and with them the code compiled against them: the next file database's
   * commits then ran unoptimized until compiled again (see shape-keeper.ts for the same on
   * per-statement classes).
   */
  #retire(): void {
    this.#pool.clear();
    this.#staged.clear();
    this.#written = null;
    this.#overflowCache.clear();
    this.#dirtyTables.clear();
    this.#pages.clear();
    this.#dirtyFreed.length = 0;
    this.#dirtyOverflow.length = 0;
    this.#wal.index.clear();
    retired = this;
  }
}

/** The last closed store (see FileStore's #retire). */
let retired: FileStore | null = null;

/** The last closed store, emptied, if any (tests compare its classes' maps). */
export function retiredStore(): FileStore | null {
  return retired;
}

