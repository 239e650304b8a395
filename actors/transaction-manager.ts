// The transaction manager owns every open transaction: its id, its storage transaction (a private
// write set over a committed snapshot, or a read-only snapshot), its statement mark and savepoints,
// and how each statement sees the database at its isolation level:
//   READ COMMITTED  every statement starts from the latest commit (the write set is rebased);
//   REPEATABLE READ one snapshot from the first statement on; a write to a row changed since
//                   then is a serialization failure;
//   SERIALIZABLE    the same snapshot and first-updater-wins, plus a check at commit: if a
//                   transaction that committed after the snapshot (or was committing when it was
//                   taken) wrote a table this one read, this one fails with 40001 — so no cycle of
//                   dependencies (write skew included) can commit (optimistic validation at table
//                   granularity).
// Coordinators reach a transaction's view through the synchronous port view(txnId).
import { DispatcherError, SqlState } from '../src/api/errors.js';
import type { IsolationLevel, TxnManagerMsg } from '../src/protocol/messages.js';
import type { ReadTxn, ReadView, StorageEngine, WriteTxn } from '../src/storage/ports.js';
import { isStale, logPosition, rebase } from '../src/storage/rebase.js';
import { Actor } from './actor.js';
import { IdMap } from './id-map.js';
import type { LockManager } from './lock-manager.js';
import { LockingView } from './locking-view.js';
import './idle-views.js';
import type { ReplyRouter } from './reply-router.js';
import { toWire } from './wire-error.js';

const EMPTY: ReadonlySet<number> = new Set();
const NO_TABLES: Set<string> = new Set();

interface Savepoint {
  readonly name: string;
  mark: number;
  /** Position in the write set's log, so the mark can be taken again after a rebase. */
  pos: number;
}

interface OpenTxn {
  readonly id: number;
  readonly sessionId: number;
  isolation: IsolationLevel;
  readonly readOnly: boolean;
  read: ReadTxn | null;
  write: WriteTxn | null;
  /** The view statements use (row locks, first-updater-wins checks). */
  view: LockingView | null;
  /** REPEATABLE READ: the snapshot of the first statement. */
  snapshot: ReadTxn | null;
  started: boolean;
  /** Begun in this same turn: its base is the latest commit already, no refresh needed. */
  fresh: boolean;
  statementMark: number;
  readonly savepoints: Savepoint[];
  /** Set once a statement changed the schema: plans compiled inside are not shared. */
  changedSchema: boolean;
  /** Tables this transaction wrote (the locking view fills it). */
  readonly written: Set<string>;
  /** SERIALIZABLE: tables this transaction read. */
  read$: Set<string> | null;
  /** SERIALIZABLE: the commit counter when the snapshot was taken, and the commits then in flight. */
  startCommit: number;
  inflightAtStart: ReadonlySet<number>;
}

interface CommitRecord {
  readonly id: number;
  readonly tables: ReadonlySet<string>;
}

/** A statement's mark: the storage's cheap kind when it has one. */
function markStatement(w: WriteTxn): number {
  return w.statementMark !== undefined ? w.statementMark() : w.savepoint();
}

/** Undoes a statement's writes and forgets its mark (nothing refers to it any more). */
function undoStatement(w: WriteTxn, mark: number): void {
  w.rollbackTo(mark);
  w.release(mark);
}

const usesSnapshot = (t: { readonly isolation: IsolationLevel }): boolean => t.isolation !== 'read committed';

export class TransactionManager extends Actor<TxnManagerMsg> {
  readonly #storage: StorageEngine;
  readonly #router: ReplyRouter;
  readonly #locks: LockManager;
  /** Open transactions by id (an id table: a Map emptied by every autocommit statement rebuilt itself). */
  readonly #txns = new IdMap<OpenTxn>();
  #nextId = 1;
  commits = 0;
  rollbacks = 0;
  rebases = 0;
  serializationFailures = 0;
  /** Write commits handed to storage, numbered in commit order. */
  #commitCounter = 0;
  readonly #inflight = new Map<number, ReadonlySet<string>>();
  /** Recent durable write commits, for serializable validation (pruned as transactions end). */
  #history: CommitRecord[] = [];
  /** Sees each write set before its commit and is told once it is durable (change log, ACL reload). */
  commitObserver: { prepare(w: WriteTxn): unknown; committed(pending: never): void } | null = null;

  constructor(storage: StorageEngine, router: ReplyRouter, locks: LockManager) {
    super('transaction-manager');
    this.#storage = storage;
    this.#router = router;
    this.#locks = locks;
  }

  /** The view a statement of this transaction reads and writes through. */
  view(txnId: number): ReadView | WriteTxn {
    const t = this.#get(txnId);
    if (t.write !== null) return this.#viewOf(t);
    if (t.read !== null) return t.read;
    throw new DispatcherError(SqlState.InternalError, `transaction ${txnId} has no view`);
  }

  /** Writes need a write transaction; a read-only one answers 25006. */
  writable(txnId: number): WriteTxn {
    const t = this.#get(txnId);
    if (t.write === null) {
      throw new DispatcherError(SqlState.ReadOnlyTransaction, 'cannot execute a write in a read-only transaction');
    }
    return this.#viewOf(t);
  }

  isolation(txnId: number): IsolationLevel {
    return this.#txns.get(txnId)?.isolation ?? 'read committed';
  }

  /** SET TRANSACTION ISOLATION LEVEL: only before the transaction's first query (as in PostgreSQL). */
  setIsolation(txnId: number, level: IsolationLevel): void {
    const t = this.#get(txnId);
    if (t.started) {
      throw new DispatcherError(
        SqlState.ActiveTransaction,
        'SET TRANSACTION ISOLATION LEVEL must be called before any query',
      );
    }
    t.isolation = level;
    t.view = null;
  }

  noteSchemaChange(txnId: number): void {
    this.#get(txnId).changedSchema = true;
  }

  changedSchema(txnId: number): boolean {
    return this.#txns.get(txnId)?.changedSchema ?? false;
  }

  get openCount(): number {
    return this.#txns.size;
  }

  /** True for a transaction without a write set (a read-only snapshot). */
  isReadOnly(txnId: number): boolean {
    return this.#txns.get(txnId)?.write === null;
  }

  /**
   * One committed snapshot shared by read-only autocommit transactions while nothing has committed
   * after it: a snapshot taken and released per statement made storage's count of live snapshots
   * empty and refill every statement (~0.3 us of a prepared point select). It goes once no
   * statement uses it and it is stale, and whenever a write transaction begins, so it never holds
   * back the reuse of pages behind writers.
   */
  #shared: ReadTxn | null = null;
  #sharedUsers = 0;

  /** The snapshot a read-only autocommit transaction reads: the shared one while it is current. */
  #autocommitSnapshot(): ReadTxn {
    const committedSeq = this.#storage.committedSeq?.();
    // A storage that cannot tell what is current gets a snapshot per transaction.
    if (committedSeq === undefined) return this.#storage.snapshot();
    const s = this.#shared;
    if (s !== null) {
      if (s.seq === committedSeq) {
        this.#sharedUsers++;
        return s;
      }
      // A stale one still read by a running statement stays with it; this one reads its own.
      if (this.#sharedUsers > 0) return this.#storage.snapshot();
      s.release();
    }
    const fresh = this.#storage.snapshot();
    this.#shared = fresh;
    this.#sharedUsers = 1;
    return fresh;
  }

  #releaseRead(r: ReadTxn): void {
    if (r !== this.#shared) {
      r.release();
      return;
    }
    if (--this.#sharedUsers > 0) return;
    // Its last reader ended: a stale one goes now, a current one waits for the next statement.
    if (this.#storage.committedSeq?.() !== r.seq) this.#dropShared();
  }

  #dropShared(): void {
    if (this.#shared === null || this.#sharedUsers > 0) return;
    this.#shared.release();
    this.#shared = null;
  }

  /** Synchronous begin, for the session's hot path (the Begin message answers the same way). */
  begin(sessionId: number, readOnly: boolean, isolation: IsolationLevel, implicit = false): number {
    const id = this.#nextId++;
    if (!readOnly) this.#dropShared();
    const t: OpenTxn = {
      id,
      sessionId,
      isolation,
      readOnly,
      read: readOnly ? (implicit ? this.#autocommitSnapshot() : this.#storage.snapshot()) : null,
      write: readOnly ? null : this.#storage.begin(),
      view: null,
      snapshot: null,
      started: false,
      // An implicit (autocommit) transaction runs its statement right away, on the state just taken.
      fresh: implicit,
      statementMark: -1,
      savepoints: [],
      changedSchema: false,
      // A bare snapshot never writes: it shares one empty set instead of allocating its own.
      written: readOnly ? NO_TABLES : new Set(),
      read$: null,
      startCommit: 0,
      inflightAtStart: EMPTY,
    };
    this.#txns.set(id, t);
    return id;
  }

  /** SERIALIZABLE: the tables a statement reads (validated at commit). */
  noteRead(txnId: number, tables: readonly string[]): void {
    const t = this.#txns.get(txnId);
    if (t === undefined || t.isolation !== 'serializable') return;
    t.read$ ??= new Set();
    for (const n of tables) t.read$.add(n.toLowerCase());
  }

  /**
   * Before each statement: move the transaction to what its isolation level lets it see, then
   * mark where the statement starts so a failure undoes exactly its own writes.
   */
  statementStart(txnId: number): void {
    const t = this.#txns.get(txnId);
    if (t === undefined) return;
    const refresh = !t.fresh && (!usesSnapshot(t) || !t.started);
    t.fresh = false;
    if (refresh) this.#refresh(t);
    if (!usesSnapshot(t) && t.write !== null) this.#statementSnapshot(t);
    if (usesSnapshot(t) && !t.started) {
      // The snapshot the transaction's writes are checked against (first updater wins).
      t.snapshot = t.read ?? this.#storage.snapshot();
      t.startCommit = this.#commitCounter;
      t.inflightAtStart = this.#inflight.size === 0 ? EMPTY : new Set(this.#inflight.keys());
    }
    t.started = true;
    if (t.write !== null) t.statementMark = markStatement(t.write);
  }

  /** After a statement succeeded: its mark is forgotten, its writes stay. */
  releaseStatement(txnId: number): void {
    const t = this.#txns.get(txnId);
    if (t?.write != null && t.statementMark >= 0) {
      t.write.release(t.statementMark);
      t.statementMark = -1;
    }
  }

  /** A statement that waited for a row lock runs again: undo its writes, see the latest, re-mark. */
  restartStatement(txnId: number): void {
    const t = this.#get(txnId);
    if (t.write !== null && t.statementMark >= 0) undoStatement(t.write, t.statementMark);
    t.statementMark = -1;
    // The view caches table definitions: a rollback may have brought older ones back.
    t.view = null;
    if (!usesSnapshot(t)) {
      this.#refresh(t);
      if (t.write !== null) this.#statementSnapshot(t);
    }
    if (t.write !== null) t.statementMark = markStatement(t.write);
  }

  /**
   * READ COMMITTED: the committed state this statement's writes start from. A row that changed
   * after it (a commit that landed while the statement waited to run) makes the statement run
   * again on the newer state instead of writing over that commit.
   */
  #statementSnapshot(t: OpenTxn): void {
    // Nothing committed since the last statement's snapshot: it is still the latest (keep the view too).
    if (t.snapshot !== null && t.snapshot !== t.read && t.view !== null && this.#storage.committedSeq?.() === t.snapshot.seq) return;
    if (t.snapshot !== null && t.snapshot !== t.read) t.snapshot.release();
    t.snapshot = this.#storage.snapshot();
    t.view = null;
  }

  #refresh(t: OpenTxn): void {
    if (t.write !== null) {
      if (!isStale(this.#storage, t.write)) return;
      const positions = t.savepoints.map((s) => s.pos);
      const { txn, marks } = rebase(this.#storage, t.write, positions);
      this.rebases++;
      t.write = txn;
      t.view = null;
      t.savepoints.forEach((s, i) => {
        s.mark = marks[i] as number;
      });
    } else if (t.read !== null && !usesSnapshot(t)) {
      const latest = this.#storage.snapshot();
      if (latest.seq === t.read.seq) {
        latest.release();
        return;
      }
      this.#releaseRead(t.read);
      t.read = latest;
    }
  }

  #viewOf(t: OpenTxn): LockingView {
    if (t.view === null) {
      t.view = new LockingView(
        t.write as WriteTxn,
        t.id,
        this.#locks,
        this.#storage,
        t.isolation,
        t.snapshot,
        t.written,
      );
    }
    return t.view;
  }

  protected receive(m: TxnManagerMsg): void {
    switch (m.type) {
      case 'Begin':
        this.#router.send({ type: 'Ok', to: m.replyTo, value: this.begin(m.sessionId, m.readOnly, m.isolation) });
        return;
      case 'MarkStatement':
        this.statementStart(m.txnId);
        return;
      case 'UndoStatement': {
        const t = this.#txns.get(m.txnId);
        if (t?.write != null && t.statementMark >= 0) {
          undoStatement(t.write, t.statementMark);
          t.statementMark = -1;
          t.view = null;
        }
        return;
      }
      case 'AbortBlock': {
        const t = this.#txns.get(m.txnId);
        // With a savepoint the block may still be resumed (ROLLBACK TO): it keeps what it holds.
        if (t === undefined || t.savepoints.length > 0) return;
        t.write?.rollback();
        t.write = null;
        t.view = null;
        this.#locks.tell({ type: 'ReleaseAll', txnId: m.txnId });
        return;
      }
      case 'ReleaseStatement':
        this.releaseStatement(m.txnId);
        return;
      case 'Savepoint':
        this.#reply(m.replyTo, () => {
          const t = this.#get(m.txnId);
          if (!t.started) this.statementStart(m.txnId);
          const mark = t.write !== null ? t.write.savepoint() : -1;
          const pos = t.write !== null ? logPosition(t.write) : 0;
          t.savepoints.push({ name: m.name.toLowerCase(), mark, pos });
        });
        return;
      case 'ReleaseSavepoint':
        this.#reply(m.replyTo, () => {
          const t = this.#get(m.txnId);
          const i = this.#findSavepoint(t, m.name);
          const sp = t.savepoints[i] as Savepoint;
          if (t.write !== null && sp.mark >= 0) t.write.release(sp.mark);
          t.savepoints.length = i;
        });
        return;
      case 'RollbackToSavepoint':
        this.#reply(m.replyTo, () => {
          const t = this.#get(m.txnId);
          const i = this.#findSavepoint(t, m.name);
          const sp = t.savepoints[i] as Savepoint;
          if (t.write !== null && sp.mark >= 0) {
            t.write.rollbackTo(sp.mark);
            t.view = null;
            // The savepoint stays (PostgreSQL keeps it after ROLLBACK TO): take it again.
            sp.mark = t.write.savepoint();
            sp.pos = logPosition(t.write);
          }
          t.savepoints.length = i + 1;
        });
        return;
      case 'Commit':
        this.#commit(m.txnId, m.replyTo);
        return;
      case 'Rollback':
        this.#end(m.txnId, false);
        return;
    }
  }

  /** Ends a transaction without a message round trip (read-only autocommit, teardown). */
  finishReadOnly(txnId: number): void {
    this.#end(txnId, true);
  }

  rollback(txnId: number): void {
    this.#end(txnId, false);
  }

  #commit(txnId: number, replyTo: number): void {
    const t = this.#txns.get(txnId);
    if (t === undefined) {
      this.#router.send({ type: 'Ok', to: replyTo });
      return;
    }
    if (t.write === null || !t.write.hasWrites) {
      this.#end(txnId, true);
      this.#router.send({ type: 'Ok', to: replyTo });
      return;
    }
    const conflict = t.isolation === 'serializable' ? this.#conflictOf(t) : null;
    if (conflict !== null) {
      this.serializationFailures++;
      this.#end(txnId, false);
      const e = new DispatcherError(
        SqlState.SerializationFailure,
        'could not serialize access due to read/write dependencies among transactions',
        { detail: `table "${conflict}" was changed by a transaction that committed after this one's snapshot` },
      );
      this.#router.send({ type: 'Failed', to: replyTo, error: toWire(e) });
      return;
    }
    const w = t.write;
    this.#txns.delete(txnId);
    if (t.snapshot !== null && t.snapshot !== t.read) t.snapshot.release();
    const commitId = ++this.#commitCounter;
    if (t.written.size > 0) this.#inflight.set(commitId, t.written);
    const observed = this.commitObserver?.prepare(w) ?? null;
    // Strict two-phase locking: locks are released only once the commit is durable (or failed).
    w.commit().then(
      () => {
        this.commits++;
        this.#settled(commitId, true);
        if (observed !== null) this.commitObserver?.committed(observed as never);
        this.#locks.tell({ type: 'ReleaseAll', txnId });
        this.#router.send({ type: 'Ok', to: replyTo });
      },
      (e: unknown) => {
        this.rollbacks++;
        this.#settled(commitId, false);
        w.rollback();
        this.#locks.tell({ type: 'ReleaseAll', txnId });
        this.#router.send({ type: 'Failed', to: replyTo, error: toWire(e) });
      },
    );
  }

  /** A write commit became durable (kept for validation) or failed (forgotten). */
  #settled(commitId: number, durable: boolean): void {
    const tables = this.#inflight.get(commitId);
    this.#inflight.delete(commitId);
    if (durable && tables !== undefined) this.#history.push({ id: commitId, tables });
    this.#prune();
  }

  /** Drops history no open serializable transaction can conflict with any more. */
  #prune(): void {
    let oldest = this.#commitCounter;
    for (const t of this.#txns.values()) {
      if (t.isolation !== 'serializable' || !t.started) continue;
      oldest = Math.min(oldest, t.startCommit);
      for (const id of t.inflightAtStart) oldest = Math.min(oldest, id - 1);
    }
    if (this.#history.length > 0 && (this.#history[0] as CommitRecord).id <= oldest) {
      this.#history = this.#history.filter((c) => c.id > oldest);
    }
  }

  /** A table this transaction read that a concurrent commit wrote, or null. */
  #conflictOf(t: OpenTxn): string | null {
    const read = t.read$;
    if (!t.started || read === null || read.size === 0) return null;
    const check = (id: number, tables: ReadonlySet<string>): string | null => {
      if (id <= t.startCommit && !t.inflightAtStart.has(id)) return null;
      for (const n of tables) if (read.has(n)) return n;
      return null;
    };
    for (const c of this.#history) {
      const hit = check(c.id, c.tables);
      if (hit !== null) return hit;
    }
    for (const [id, tables] of this.#inflight) {
      const hit = check(id, tables);
      if (hit !== null) return hit;
    }
    return null;
  }

  #end(txnId: number, committed: boolean): void {
    const t = this.#txns.get(txnId);
    if (t === undefined) return;
    this.#txns.delete(txnId);
    if (t.snapshot !== null && t.snapshot !== t.read) t.snapshot.release();
    if (t.read !== null) this.#releaseRead(t.read);
    t.write?.rollback();
    // A snapshot-only transaction never locked anything: no message needed.
    if (this.#locks.table.holdsAny(txnId)) this.#locks.tell({ type: 'ReleaseAll', txnId });
    if (committed) this.commits++;
    else this.rollbacks++;
    if (t.isolation === 'serializable' && this.#history.length > 0) this.#prune();
  }

  #reply(replyTo: number, fn: () => void): void {
    try {
      fn();
      this.#router.send({ type: 'Ok', to: replyTo });
    } catch (e) {
      this.#router.send({ type: 'Failed', to: replyTo, error: toWire(e) });
    }
  }

  #findSavepoint(t: OpenTxn, name: string): number {
    const n = name.toLowerCase();
    for (let i = t.savepoints.length - 1; i >= 0; i--) if (t.savepoints[i]?.name === n) return i;
    throw new DispatcherError(SqlState.InvalidSavepoint, `savepoint "${name}" does not exist`);
  }

  #get(txnId: number): OpenTxn {
    const t = this.#txns.get(txnId);
    if (t === undefined) throw new DispatcherError(SqlState.InternalError, `no open transaction ${txnId}`);
    return t;
  }

  /** Rolls back everything (database close). */
  rollbackAll(): void {
    for (const t of this.#txns.values()) this.#end(t.id, false);
    this.#dropShared();
  }
}
