// The storage engine: committed state, snapshots, write transactions and the commit pipeline.
// ':memory:' keeps committed trees as plain objects; a file path adds the page store (pager,
// WAL, buffer pool) which gives committed nodes page ids and makes commits durable.
import { DispatcherError, SqlState, toDispatcherError } from '../api/errors.js';
import { objectSource, type NodeSource } from './btree.js';
import type { BufferPool } from './buffer-pool.js';
import { EMPTY_STATE, lowerName, type DbState, type TableState } from './catalog.js';
import { FileStore, type CommitWork } from './file-store.js';
import { PAGE_HEADER_SIZE } from './format.js';
import { checkState } from './integrity.js';
import { NODE_OVERHEAD, type LeafValue } from './node.js';
import { encodeRedo, type RedoRecord } from './redo-codec.js';
import type { IoCounters, ReadTxn, Row, StorageEngine, StorageOptions, StorageStats } from './ports.js';

const NO_IO: IoCounters = Object.freeze({ hits: 0, misses: 0, pagesIo: 0 });
import { ViewBase, type TableLike } from './view.js';
import { freezeTable } from './work-table.js';
import { WriteTxnImpl, type TxnCore } from './write-txn.js';
import { SerialCounters } from './serial-counters.js';

export const DEFAULT_PAGE_SIZE = 8192;
export const DEFAULT_POOL_PAGES = 4096;
export const DEFAULT_CHECKPOINT_BYTES = 16 * 1024 * 1024;
/** Node capacity and the row size past which rows go to overflow pages, for a page size. */
export function nodeLimits(pageSize: number): { capacity: number; spillSize: number } {
  return {
    capacity: pageSize - PAGE_HEADER_SIZE - 8,
    spillSize: Math.floor((pageSize - PAGE_HEADER_SIZE - NODE_OVERHEAD) / 4),
  };
}

function released(): DispatcherError {
  // Its pages may already be reused: reading on could return another table's rows.
  return new DispatcherError(SqlState.ObjectNotInPrerequisiteState, 'snapshot used after release()');
}

class Snapshot extends ViewBase implements ReadTxn {
  protected override readonly shared = true;
  readonly #state: DbState;
  readonly #engine: Engine;
  #released = false;

  constructor(engine: Engine, state: DbState) {
    super(engine);
    this.#engine = engine;
    this.#state = state;
  }

  get seq(): number {
    return this.#state.seq;
  }

  protected tableState(lname: string): TableLike | undefined {
    if (this.#released) throw released();
    return this.#state.tables.get(lname);
  }

  protected tableNames(): Iterable<string> {
    if (this.#released) throw released();
    return this.#state.tables.keys();
  }

  protected metaValue(name: string): unknown {
    return this.#state.meta.get(name);
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#engine.releaseSeq(this.#state.seq);
  }
}

interface QueuedCommit {
  readonly txn: WriteTxnImpl;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Two consecutive commits' work as one: the later state, every table and meta entry either touched.
 * A batch's first commit (a null `a`) is its own work: the group commit calls this for every
 * commit, so the call site has seen a call by the time batches of several arrive (one session
 * alone, then many) and V8 does not throw away the compiled batch loop for lack of feedback.
 */
function mergeWork(a: CommitWork | null, b: CommitWork): CommitWork {
  if (a === null) return b;
  const tables = b.state.tables;
  const changed = new Set<string>();
  const removed = new Set<string>();
  // Each name ends up present (its catalog entry is written) or absent (its entry removed).
  for (const n of [...a.changed, ...a.removed, ...b.changed, ...b.removed]) {
    if (tables.has(n)) changed.add(n);
    else removed.add(n);
  }
  return {
    state: b.state,
    changed: [...changed],
    removed: [...removed],
    metaChanged: [...new Set([...a.metaChanged, ...b.metaChanged])],
    freed: a.freed.concat(b.freed),
    dropped: a.dropped.concat(b.dropped),
    overflowFreed: a.overflowFreed.concat(b.overflowFreed),
  };
}

export class Engine implements StorageEngine, TxnCore {
  readonly serials = new SerialCounters();
  readonly path: string;
  readonly inMemory: boolean;
  readonly src: NodeSource;
  readonly capacity: number;
  readonly spillSize: number;
  readonly maxKeySize: number;
  readonly #pageSize: number;
  readonly #store: FileStore | null;
  /** The latest durable state: what new snapshots and transactions start from. */
  #committed: DbState;
  /** The latest applied state (ahead of #committed while its WAL write is in flight). */
  #head: DbState;
  /** Live snapshots (and write transaction bases) by seq. */
  readonly #live = new Map<number, number>();
  #queue: QueuedCommit[] = [];
  /** Write transactions begun and neither committed nor rolled back: commits that may yet join a batch. */
  #openWrites = 0;
  /** Commits in the last batch: more than one means sessions commit concurrently now. */
  #lastBatch = 1;
  #flushing = false;
  #closed = false;
  #failed: DispatcherError | null = null;

  constructor(path: string, pageSize: number, store: FileStore | null, state: DbState) {
    this.path = path;
    this.inMemory = store === null;
    this.#pageSize = pageSize;
    this.#store = store;
    this.src = store?.src ?? objectSource;
    const limits = nodeLimits(pageSize);
    this.capacity = limits.capacity;
    this.spillSize = limits.spillSize;
    this.maxKeySize = this.spillSize;
    this.#committed = state;
    this.#head = state;
  }

  resolve(v: LeafValue): Row {
    if (v === null) throw new DispatcherError(SqlState.InternalError, 'no row value');
    if (Array.isArray(v)) return v;
    if ('row' in v) return v.row;
    if (this.#store === null) throw new DispatcherError(SqlState.InternalError, 'overflow reference in memory');
    return this.#store.readOverflow(v);
  }

  #open(): void {
    if (this.#closed) throw new DispatcherError(SqlState.ObjectNotInPrerequisiteState, 'storage is closed');
  }

  #register(seq: number): void {
    this.#live.set(seq, (this.#live.get(seq) ?? 0) + 1);
  }

  releaseSeq(seq: number): void {
    const n = this.#live.get(seq);
    if (n === undefined) return;
    if (n <= 1) this.#live.delete(seq);
    else this.#live.set(seq, n - 1);
  }

  /** The oldest seq any reader may still look at. */
  oldestLiveSeq(): number {
    let min = this.#committed.seq;
    for (const s of this.#live.keys()) if (s < min) min = s;
    return min;
  }

  snapshot(): ReadTxn {
    this.#open();
    this.#register(this.#committed.seq);
    return new Snapshot(this, this.#committed);
  }

  committedSeq(): number {
    return this.#committed.seq;
  }

  begin(): WriteTxnImpl {
    this.#open();
    if (this.#failed) throw this.#failed;
    this.#register(this.#committed.seq);
    this.#openWrites++;
    return new WriteTxnImpl(this, this.#committed);
  }

  finished(txn: WriteTxnImpl): void {
    this.#openWrites--;
    this.releaseSeq(txn.base.seq);
  }

  /** Whether a table `txn` touched moved since its base: its private roots no longer fit `head`. */
  #moved(txn: WriteTxnImpl, head: DbState): boolean {
    for (const name of txn.work.keys()) if (head.tables.get(name) !== txn.base.tables.get(name)) return true;
    return false;
  }

  /** Applies a transaction onto `head`: its private roots if nothing it touched moved, else a replay. */
  #apply(txn: WriteTxnImpl, head: DbState): CommitWork {
    let src: WriteTxnImpl = txn;
    if (this.#moved(txn, head)) {
      src = new WriteTxnImpl(this, head, true);
      src.replay(txn.log);
    }
    return this.#workOf(src, head, 1);
  }

  /** The state `src` (over `head`) makes, `commits` commits later, and what it changed. */
  #workOf(src: WriteTxnImpl, head: DbState, commits: number): CommitWork {
    const tables = new Map<string, TableState>(head.tables);
    const changed: string[] = [];
    const removed: string[] = [];
    for (const [n, w] of src.work) {
      if (w === null) {
        if (tables.delete(n)) removed.push(n);
      } else {
        tables.set(n, freezeTable(w));
        changed.push(n);
      }
    }
    let meta = head.meta;
    if (src.meta.size > 0) {
      const m = new Map(head.meta);
      for (const [k, v] of src.meta) {
        if (v === undefined) m.delete(k);
        else m.set(k, v);
      }
      meta = m;
    }
    return {
      state: { seq: head.seq + commits, tables, meta },
      changed,
      removed,
      metaChanged: [...src.meta.keys()],
      freed: src.freedPages,
      dropped: src.dropped,
      overflowFreed: src.overflowFreed,
    };
  }

  commit(txn: WriteTxnImpl): Promise<void> {
    this.#openWrites--;
    if (this.#closed || this.#failed) {
      txn.settle();
      this.releaseSeq(txn.base.seq);
      return Promise.reject(this.#failed ?? new DispatcherError(SqlState.ObjectNotInPrerequisiteState, 'storage is closed'));
    }
    if (!txn.hasWrites) {
      txn.settle();
      this.releaseSeq(txn.base.seq);
      return Promise.resolve();
    }
    if (this.#store === null) {
      // No I/O: apply and publish at once.
      try {
        const work = this.#apply(txn, this.#head);
        this.#head = this.#committed = work.state;
        return Promise.resolve();
      } catch (e) {
        return Promise.reject(toDispatcherError(e));
      } finally {
        txn.settle();
        this.releaseSeq(txn.base.seq);
      }
    }
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ txn, resolve, reject });
      if (!this.#flushing) this.#startDrain();
    });
  }

  /**
   * A failed WAL write or fsync, or a failed checkpoint, stops writes until the database is
   * reopened (PostgreSQL PANICs on a failed fsync for the same reasons): after fsync reports
   * EIO the kernel may have dropped the dirty pages, so a later fsync that succeeds proves
   * nothing; and the page store's allocation state has moved past a batch that never landed.
   * Reads of the acknowledged state go on; reopening recovers from what the files hold.
   * Returns the error for the operation that failed.
   */
  #fail(what: string, cause: unknown): DispatcherError {
    const msg = cause instanceof Error ? cause.message : String(cause);
    this.#failed ??= new DispatcherError(
      SqlState.IoError,
      `${this.path} refuses writes after an I/O failure (${what} failed: ${msg}); close and reopen the database`,
      { cause },
    );
    return new DispatcherError(SqlState.IoError, `${what} failed: ${msg}`, { cause });
  }

  /**
   * Replays `e`'s log into the batch's shared transaction behind a statement mark. A failed
   * replay is rolled back and rethrown (that commit alone fails); false when even the rollback
   * failed, which leaves the shared transaction unusable.
   */
  #fold(shared: WriteTxnImpl, e: QueuedCommit): boolean {
    const mark = shared.statementMark();
    try {
      shared.replay(e.txn.log);
    } catch (err) {
      try {
        shared.rollbackTo(mark);
        shared.release(mark);
      } catch {
        return false;
      }
      throw err;
    }
    shared.release(mark);
    return true;
  }

  #startDrain(): void {
    // Nothing may escape as an unhandled rejection: a failure here stops further commits.
    this.#drain().catch((e: unknown) => {
      this.#fail('commit pipeline', e);
      for (const q of this.#queue.splice(0)) {
        q.txn.settle();
        this.releaseSeq(q.txn.base.seq);
        q.reject(this.#failed);
      }
    });
  }

  /** Group commit: everything queued while a WAL write+fsync runs goes into the next one. */
  async #drain(): Promise<void> {
    const store = this.#store!;
    this.#flushing = true;
    try {
      while (this.#queue.length > 0) {
        // Let the commits other sessions make in this same turn (their acknowledgements just
        // resolved) join this batch: one fsync for all of them instead of one for the first alone.
        // A lone writer (the last batch held one commit, no other write transaction is open)
        // skips the wait; should others be running after all, they queue behind its fsync and
        // the next batch, of several, turns the wait back on.
        if (this.#lastBatch > 1 || this.#openWrites > 0) await new Promise<void>((r) => setImmediate(r));
        const batch = this.#queue;
        this.#queue = [];
        const staged: QueuedCommit[] = [];
        // The batch's commits are applied one after another in memory, then written as one:
        // pages several of them changed (a shared root, the catalog) go out once, under one
        // commit frame. Nothing of the batch is acknowledged before its fsync, so recovery
        // seeing all of it or none of it is what each client may see.
        let merged: CommitWork | null = null;
        // Row-change commits go out as redo frames; one commit of any other kind makes the whole
        // batch a page-image commit (which also images what earlier redo commits changed).
        let redo: { seq: number; body: Buffer }[] | null = [];
        // Commits whose base fell behind (every one after the batch's first, when sessions began
        // from the same state) are replayed into one transaction over the head: the nodes near
        // the root are copied once per batch, not once per commit, and no state is built between
        // them. Each replay sits behind a statement mark, so a failing one undoes only itself.
        let shared: WriteTxnImpl | null = null;
        const folded: QueuedCommit[] = [];
        for (const e of batch) {
          if (this.#failed) {
            e.txn.settle();
            this.releaseSeq(e.txn.base.seq);
            e.reject(this.#failed);
            continue;
          }
          let seq: number;
          try {
            if (shared === null && !this.#moved(e.txn, this.#head)) {
              const work = this.#workOf(e.txn, this.#head, 1);
              this.#head = work.state;
              merged = mergeWork(merged, work);
              staged.push(e);
              seq = work.state.seq;
            } else {
              shared ??= new WriteTxnImpl(this, this.#head, true);
              if (!this.#fold(shared, e)) {
                // The replay could not be undone: the shared transaction is lost, with every
                // commit folded into it (none is acknowledged; each is told it failed).
                const lost = new DispatcherError(SqlState.SerializationFailure, 'could not serialize access due to concurrent update', { detail: 'a commit replayed in the same group could not be undone' });
                for (const f of [...folded.splice(0), e]) {
                  const at = staged.indexOf(f);
                  if (at >= 0) staged.splice(at, 1);
                  f.txn.settle();
                  this.releaseSeq(f.txn.base.seq);
                  f.reject(lost);
                }
                // They were the batch's last staged commits; their redo records go with them.
                if (redo !== null) redo.length = staged.length;
                shared = null;
                continue;
              }
              folded.push(e);
              staged.push(e);
              seq = this.#head.seq + folded.length;
            }
          } catch (err) {
            e.txn.settle();
            this.releaseSeq(e.txn.base.seq);
            e.reject(toDispatcherError(err));
            continue;
          }
          if (redo !== null) {
            const body = encodeRedo(seq, e.txn.log);
            if (body === null) redo = null;
            else redo.push({ seq, body });
          }
        }
        if (shared !== null && folded.length > 0) {
          const work = this.#workOf(shared, this.#head, folded.length);
          this.#head = work.state;
          merged = mergeWork(merged, work);
        }
        if (staged.length === 0) continue;
        this.#lastBatch = staged.length;
        try {
          this.#head = redo !== null ? store.stageRedo(merged!, redo) : store.stage(merged!, this.oldestLiveSeq());
        } catch (err) {
          this.#head = this.#committed;
          const failure = toDispatcherError(err);
          for (const e of staged) {
            e.txn.settle();
            this.releaseSeq(e.txn.base.seq);
            e.reject(failure);
          }
          continue;
        }
        try {
          // The fsync runs on this thread when no other write transaction is open (a lone
          // commit, or a batch holding every writer): no commit could be made during a
          // thread-pool fsync, which would only add its round trip (~50 µs) to the wait. The
          // count is read first, on every batch: read only for batches of several, its first
          // read threw away the compiled loop (no feedback) when a lone session got company.
          await store.flush(this.#openWrites === 0 || staged.length === 1);
          this.#committed = this.#head;
        } catch (err) {
          const failure = this.#fail('commit', err);
          this.#head = this.#committed;
          for (const e of staged) {
            e.txn.settle();
            this.releaseSeq(e.txn.base.seq);
            e.reject(failure);
          }
          continue;
        }
        for (const e of staged) {
          e.txn.settle();
          this.releaseSeq(e.txn.base.seq);
        }
        // The batch that filled the log pays for writing it back, before it is acknowledged (as
        // SQLite's automatic checkpoint runs in the committing call): acknowledged first, it had
        // the next sessions' commits queue behind the image point and checkpoint instead, a
        // stall of tens of milliseconds falling on small commits after a large one. These
        // commits are durable already; a failed checkpoint stops later writes, not them.
        await this.#writeBack(store);
        for (const e of staged) e.resolve();
      }
    } finally {
      this.#flushing = false;
    }
  }

  /** The image point and checkpoint the log asks for now, if any (a failure stops writes). */
  async #writeBack(store: FileStore): Promise<void> {
    if (store.wantsCheckpoint() || store.wantsImage()) {
      if ((await this.#imagePoint(store.wantsCheckpoint() ? 'checkpoint' : 'image point')) !== null) return;
    }
    if (store.wantsCheckpoint()) {
      try {
        await store.checkpoint(this.#committed, this.oldestLiveSeq());
      } catch (err) {
        // The WAL still holds every commit, but its state after a failed reset is uncertain.
        this.#fail('checkpoint', err);
      }
    }
  }

  /**
   * Writes page images of every node redo commits left without one (a page-image commit of the
   * committed state, same seq), so the log up to here is no longer needed to rebuild the trees.
   * Returns null, or the error of `what` when it failed (writes stop then).
   */
  async #imagePoint(what: string): Promise<DispatcherError | null> {
    const store = this.#store!;
    if (this.#failed) return this.#failed;
    if (!store.hasDirty) return null;
    try {
      this.#head = store.stageImage(this.#committed, this.oldestLiveSeq());
      await store.flush(true);
      this.#committed = this.#head;
      return null;
    } catch (err) {
      this.#head = this.#committed;
      return this.#fail(what, err);
    }
  }

  /** Replays the redo records recovery found after the last page images (open only). */
  recoverRedo(records: readonly RedoRecord[]): void {
    const store = this.#store!;
    for (const r of records) {
      const txn = new WriteTxnImpl(this, this.#head);
      this.#register(this.#head.seq);
      try {
        txn.replay(r.ops);
        const work = this.#apply(txn, this.#head);
        if (work.state.seq !== r.seq) throw new DispatcherError(SqlState.DataCorrupted, `redo record ${r.seq} replayed as commit ${work.state.seq}`);
        store.noteRedo(work);
        this.#head = this.#committed = work.state;
      } catch (e) {
        const err = toDispatcherError(e);
        throw new DispatcherError(SqlState.DataCorrupted, `${this.path}-wal is corrupted`, {
          detail: `redo record ${r.seq} does not replay: ${err.message}`,
          cause: e,
        });
      } finally {
        txn.settle();
        this.releaseSeq(txn.base.seq);
      }
    }
  }

  /**
   * Resolves once no batch, image point or checkpoint is running. The caller must claim the store
   * (#flushing = true) in the same synchronous step as its own last look at #flushing: the hop
   * back from an async helper would leave a gap in which a commit can start a batch whose
   * frames the caller's image point would then overwrite and its WAL reset drop.
   */
  #whenIdle(): Promise<void> | null {
    return this.#flushing ? new Promise((r) => setTimeout(r, 1)) : null;
  }

  stats(): StorageStats {
    if (this.#store) return this.#store.stats();
    return {
      pageSize: this.#pageSize,
      poolCapacity: 0,
      poolSize: 0,
      hits: 0,
      misses: 0,
      evictions: 0,
      pagesRead: 0,
      pagesWritten: 0,
      walFrames: 0,
      fsyncs: 0,
      checkpoints: 0,
      pageCount: 0,
      freePages: 0,
    };
  }

  ioCounters(): IoCounters {
    return this.#store !== null ? this.#store.ioCounters() : NO_IO;
  }

  async checkpoint(): Promise<void> {
    this.#open();
    if (this.#store === null) return;
    for (let wait = this.#whenIdle(); wait !== null; wait = this.#whenIdle()) await wait;
    this.#open();
    // After a failed WAL write the page store's allocation state (catalog root, page count)
    // includes a batch that never landed: writing it into the data file would lose data.
    if (this.#failed) throw this.#failed;
    // Holding #flushing keeps commits queued (not staged) while the data file is rewritten.
    this.#flushing = true;
    let imaged = false;
    try {
      const failed = await this.#imagePoint('checkpoint');
      if (failed !== null) throw failed;
      imaged = true;
      await this.#store.checkpoint(this.#committed, this.oldestLiveSeq());
    } catch (err) {
      if (!imaged) throw err;
      // The WAL keeps every commit; the data file may be half rewritten (see #fail).
      throw this.#fail('checkpoint', err);
    } finally {
      this.#flushing = false;
      if (this.#queue.length > 0) this.#startDrain();
    }
  }

  /** The buffer pool of a file engine (tests and tools); null in memory. */
  get pool(): BufferPool | null {
    return this.#store?.pool ?? null;
  }

  /** Test hook: forgets cached pages so reads go to the files. */
  dropCache(): void {
    this.#store?.dropCache();
  }

  integrityCheck(): string[] {
    this.#open();
    const state = this.#committed;
    const problems = checkState(state, this.src, this.capacity, (v) => this.resolve(v));
    // After a failed WAL write the free-page accounting still holds that write's allocations
    // (nothing may write again, and a reopen rebuilds it): only the trees can be checked.
    if (this.#store && this.#failed === null) problems.push(...this.#store.accounting(state));
    return problems;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    for (let wait = this.#whenIdle(); wait !== null; wait = this.#whenIdle()) await wait;
    if (this.#closed) return;
    // From here on commits are refused (none is queued: the queue empties before #flushing drops).
    this.#closed = true;
    if (this.#store && this.#failed === null) {
      this.#flushing = true;
      try {
        await this.#imagePoint('close');
      } finally {
        this.#flushing = false;
      }
    }
    if (this.#store) await this.#store.close(this.#failed === null);
  }

  /** The page store of a file database, null in memory (for tests and tools). */
  get fileStore(): FileStore | null {
    return this.#store;
  }

  /** Table names (for tests and tools). */
  tableNames(): string[] {
    return [...this.#committed.tables.keys()].map(lowerName);
  }
}

/**
 * An idle engine's ended write transaction and released snapshot, kept for the life of the
 * process, for the reason table-cursors.ts gives for its idle cursors: between write transactions
 * (a run of reads, a database closed and another opened) no instance may be alive, a
 * memory-reducing collection then drops the classes' maps, and the first write after it
 * deoptimized every read path compiled against both kinds of view ("wrong map" in requireTable,
 * getRow and the point lookup, W5 after the read workloads).
 */
function idleViews(): readonly object[] {
  const engine = new Engine(':memory:', DEFAULT_PAGE_SIZE, null, EMPTY_STATE);
  const txn = engine.begin();
  txn.rollback();
  const snap = engine.snapshot();
  snap.release();
  return [engine, txn, snap];
}
export const IDLE_VIEWS = idleViews();

/** Opens (or creates) a database file; ':memory:' gives the same engine without a file. */
export async function openStorage(path: string, options: StorageOptions = {}): Promise<StorageEngine> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1024 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0)
    throw new DispatcherError(SqlState.InvalidParameterValue, `page size ${pageSize} must be a power of two from 1024 to 65536`);
  if (path === ':memory:') return new Engine(path, pageSize, null, EMPTY_STATE);
  const opened = await FileStore.open(path, {
    pageSize,
    poolPages: options.poolPages ?? DEFAULT_POOL_PAGES,
    checkpointBytes: options.checkpointBytes ?? DEFAULT_CHECKPOINT_BYTES,
    durable: options.durable ?? true,
    io: options.fileIo,
  }, nodeLimits);
  const engine = new Engine(path, opened.pageSize, opened.store, opened.state);
  try {
    engine.recoverRedo(opened.redo);
  } catch (e) {
    await opened.store.close(false);
    throw e;
  }
  return engine;
}
