// The transaction manager owns every open transaction: its id, its storage transaction (a private
// write set over a committed snapshot, or a read-only snapshot), its statement mark and savepoints.
// Coordinators reach a transaction's view through the synchronous port view(txnId).
import { DispatcherError, SqlState } from '../src/api/errors.js';
import type { IsolationLevel, TxnManagerMsg } from '../src/protocol/messages.js';
import type { ReadTxn, ReadView, StorageEngine, WriteTxn } from '../src/storage/ports.js';
import { Actor } from './actor.js';
import type { LockManager } from './lock-manager.js';
import type { ReplyRouter } from './reply-router.js';
import { toWire } from './wire-error.js';

interface OpenTxn {
  readonly id: number;
  readonly sessionId: number;
  readonly isolation: IsolationLevel;
  readonly readOnly: boolean;
  read: ReadTxn | null;
  write: WriteTxn | null;
  statementMark: number;
  readonly savepoints: { name: string; mark: number }[];
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

  constructor(storage: StorageEngine, router: ReplyRouter, locks: LockManager) {
    super('transaction-manager');
    this.#storage = storage;
    this.#router = router;
    this.#locks = locks;
  }

  /** The view a statement of this transaction reads and writes through. */
  view(txnId: number): ReadView | WriteTxn {
    const t = this.#get(txnId);
    if (t.write !== null) return t.write;
    if (t.read !== null) return t.read;
    throw new DispatcherError(SqlState.InternalError, `transaction ${txnId} has no view`);
  }

  /** Writes need a write transaction; a read-only one answers 25006. */
  writable(txnId: number): WriteTxn {
    const t = this.#get(txnId);
    if (t.write === null) {
      throw new DispatcherError(SqlState.ReadOnlyTransaction, 'cannot execute a write in a read-only transaction');
    }
    return t.write;
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

  /** Synchronous begin, for the session's hot path (the Begin message answers the same way). */
  begin(sessionId: number, readOnly: boolean, isolation: IsolationLevel): number {
    const id = this.#nextId++;
    const t: OpenTxn = {
      id,
      sessionId,
      isolation,
      readOnly,
      read: readOnly ? this.#storage.snapshot() : null,
      write: readOnly ? null : this.#storage.begin(),
      statementMark: -1,
      savepoints: [],
      changedSchema: false,
    };
    this.#txns.set(id, t);
    return id;
  }

  protected receive(m: TxnManagerMsg): void {
    switch (m.type) {
      case 'Begin':
        this.#router.send({ type: 'Ok', to: m.replyTo, value: this.begin(m.sessionId, m.readOnly, m.isolation) });
        return;
      case 'MarkStatement': {
        const t = this.#get(m.txnId);
        if (t.write !== null) t.statementMark = t.write.savepoint();
        return;
      }
      case 'UndoStatement': {
        const t = this.#txns.get(m.txnId);
        if (t?.write != null && t.statementMark >= 0) {
          t.write.rollbackTo(t.statementMark);
          // Savepoints taken inside the failed statement cannot exist (SAVEPOINT is its own statement).
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
          const mark = t.write !== null ? t.write.savepoint() : -1;
          t.savepoints.push({ name: m.name.toLowerCase(), mark });
        });
        return;
      case 'ReleaseSavepoint':
        this.#reply(m.replyTo, () => {
          const t = this.#get(m.txnId);
          const i = this.#findSavepoint(t, m.name);
          const sp = t.savepoints[i] as { mark: number };
          if (t.write !== null && sp.mark >= 0) t.write.release(sp.mark);
          t.savepoints.length = i;
        });
        return;
      case 'RollbackToSavepoint':
        this.#reply(m.replyTo, () => {
          const t = this.#get(m.txnId);
          const i = this.#findSavepoint(t, m.name);
          const sp = t.savepoints[i] as { mark: number };
          if (t.write !== null && sp.mark >= 0) {
            t.write.rollbackTo(sp.mark);
            // The savepoint stays (PostgreSQL keeps it after ROLLBACK TO): take it again.
            sp.mark = t.write.savepoint();
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

  /** True for a transaction without a write set (a read-only snapshot). */
  isReadOnly(txnId: number): boolean {
    return this.#txns.get(txnId)?.write === null;
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
    // Strict two-phase locking: locks are released only once the commit is durable (or failed).
    w.commit().then(
      () => {
        this.commits++;
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
