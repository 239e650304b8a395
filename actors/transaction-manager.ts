// The transaction manager owns every open transaction: its id, its storage transaction (a private
// write set over a committed snapshot, or a read-only snapshot), its statement mark and savepoints,
// and how each statement sees the database at its isolation level:
//   READ COMMITTED  every statement starts from the latest commit (the write set is rebased);
//   REPEATABLE READ one snapshot from the first statement on; a write to a row changed since
//                   then is a serialization failure;
//   SERIALIZABLE    the latest commit, with table locks S / SIX held to the end (two-phase locking).
// Coordinators reach a transaction's view through the synchronous port view(txnId).
import { DispatcherError, SqlState } from '../src/api/errors.js';
import type { IsolationLevel, TxnManagerMsg } from '../src/protocol/messages.js';
import type { ReadTxn, ReadView, StorageEngine, WriteTxn } from '../src/storage/ports.js';
import { isStale, logPosition, rebase } from '../src/storage/rebase.js';
import { Actor } from './actor.js';
import type { LockManager } from './lock-manager.js';
import { LockingView } from './locking-view.js';
import type { ReplyRouter } from './reply-router.js';
import { toWire } from './wire-error.js';

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
}

export class TransactionManager extends Actor<TxnManagerMsg> {
  readonly #storage: StorageEngine;
  readonly #router: ReplyRouter;
  readonly #locks: LockManager;
  readonly #txns = new Map<number, OpenTxn>();
  #nextId = 1;
  commits = 0;
  rollbacks = 0;
  rebases = 0;
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

  /** Synchronous begin, for the session's hot path (the Begin message answers the same way). */
  begin(sessionId: number, readOnly: boolean, isolation: IsolationLevel, implicit = false): number {
    const id = this.#nextId++;
    const t: OpenTxn = {
      id,
      sessionId,
      isolation,
      readOnly,
      read: readOnly ? this.#storage.snapshot() : null,
      write: readOnly ? null : this.#storage.begin(),
      view: null,
      snapshot: null,
      started: false,
      // An implicit (autocommit) transaction runs its statement right away, on the state just taken.
      fresh: implicit,
      statementMark: -1,
      savepoints: [],
      changedSchema: false,
    };
    this.#txns.set(id, t);
    return id;
  }

  /**
   * Before each statement: move the transaction to what its isolation level lets it see, then
   * mark where the statement starts so a failure undoes exactly its own writes.
   */
  statementStart(txnId: number): void {
    const t = this.#txns.get(txnId);
    if (t === undefined) return;
    const refresh = !t.fresh && (t.isolation !== 'repeatable read' || !t.started);
    t.fresh = false;
    if (refresh) this.#refresh(t);
    if (t.isolation === 'repeatable read' && !t.started) {
      // The snapshot the transaction's writes are checked against (first updater wins).
      t.snapshot = t.read ?? this.#storage.snapshot();
    }
    t.started = true;
    if (t.write !== null) t.statementMark = t.write.savepoint();
  }

  /** A statement that waited for a row lock runs again: undo its writes, see the latest, re-mark. */
  restartStatement(txnId: number): void {
    const t = this.#get(txnId);
    if (t.write !== null && t.statementMark >= 0) t.write.rollbackTo(t.statementMark);
    t.statementMark = -1;
    if (t.isolation !== 'repeatable read') this.#refresh(t);
    if (t.write !== null) t.statementMark = t.write.savepoint();
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
    } else if (t.read !== null && t.isolation !== 'repeatable read') {
      const latest = this.#storage.snapshot();
      if (latest.seq === t.read.seq) {
        latest.release();
        return;
      }
      t.read.release();
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
        t.isolation === 'repeatable read' ? t.snapshot : null,
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
          t.write.rollbackTo(t.statementMark);
          t.statementMark = -1;
        }
        return;
      }
      case 'ReleaseStatement': {
        const t = this.#txns.get(m.txnId);
        if (t?.write != null && t.statementMark >= 0) {
          t.write.release(t.statementMark);
          t.statementMark = -1;
        }
        return;
      }
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
    const w = t.write;
    this.#txns.delete(txnId);
    t.snapshot?.release();
    const observed = this.commitObserver?.prepare(w) ?? null;
    // Strict two-phase locking: locks are released only once the commit is durable (or failed).
    w.commit().then(
      () => {
        this.commits++;
        if (observed !== null) this.commitObserver?.committed(observed as never);
        this.#locks.tell({ type: 'ReleaseAll', txnId });
        this.#router.send({ type: 'Ok', to: replyTo });
      },
      (e: unknown) => {
        this.rollbacks++;
        w.rollback();
        this.#locks.tell({ type: 'ReleaseAll', txnId });
        this.#router.send({ type: 'Failed', to: replyTo, error: toWire(e) });
      },
    );
  }

  #end(txnId: number, committed: boolean): void {
    const t = this.#txns.get(txnId);
    if (t === undefined) return;
    this.#txns.delete(txnId);
    if (t.snapshot !== null && t.snapshot !== t.read) t.snapshot.release();
    t.read?.release();
    t.write?.rollback();
    this.#locks.tell({ type: 'ReleaseAll', txnId });
    if (committed) this.commits++;
    else this.rollbacks++;
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
    for (const id of [...this.#txns.keys()]) this.#end(id, false);
  }
}
