// The view a statement of an explicit transaction reads and writes through: it delegates to the
// storage transaction and takes row locks on the way. Writes take X on the row's key (two writers
// of one key never both proceed); under REPEATABLE READ a write to a row that changed since the
// transaction's snapshot is a serialization failure (first updater wins, as in PostgreSQL); the
// same holds under SERIALIZABLE, which also reads one snapshot.
// Lock escalation: a transaction that has written ESCALATE_AFTER rows of one table in a row tries
// to take SIX on the table instead (granted only while no other transaction writes it); from then
// on its inserts, and its updates that keep the key, take no row lock there. Other writers of the
// table wait for it at their table lock; readers (IS) go on. Deletes and key changes still lock
// their rows, so a concurrent foreign-key check (a shared row lock) still waits for them.
import { DispatcherError, SqlState } from '../src/api/errors.js';
import type { IsolationLevel } from '../src/protocol/messages.js';
import type {
  IndexCursor,
  Key,
  KeyRange,
  ReadTxn,
  ReadView,
  Row,
  RowCursor,
  SqlValue,
  StorageEngine,
  TableDef,
  WriteTxn,
} from '../src/storage/ports.js';
import type { LockManager } from './lock-manager.js';
import { LockWait } from './lock-wait.js';

function encodeValue(v: SqlValue): string {
  if (v === null) return 'N';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return `x${Buffer.from(v).toString('hex')}`;
  return String(v);
}

/** Rows of one table a transaction writes in a row before it tries to lock the table instead. */
export const ESCALATE_AFTER = 1024;

export function rowResource(table: string, key: Key): string {
  return keyResource(`row:${table.toLowerCase()}:`, key);
}

/** rowResource with the table's prefix already made. */
function keyResource(prefix: string, key: Key): string {
  if (key.length === 1 && typeof key[0] === 'number') return prefix + key[0];
  let s = prefix;
  for (let i = 0; i < key.length; i++) s += (i > 0 ? ',' : '') + encodeValue(key[i] as SqlValue);
  return s;
}

/** Whether two keys name the same row lock (rowResource would give one string). */
function sameResource(prefix: string, a: Key, b: Key): boolean {
  if (a.length === b.length) {
    let same = true;
    for (let i = 0; i < a.length && same; i++) same = a[i] === b[i] && typeof a[i] === typeof b[i];
    if (same) return true;
  }
  return keyResource(prefix, a) === keyResource(prefix, b);
}

function sameValue(a: SqlValue | undefined, b: SqlValue | undefined): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b));
  // eslint-disable-next-line eqeqeq -- 1 and 1n are the same SQL value
  return a === b || (typeof a !== typeof b && a != null && b != null && a == b);
}

export function sameRow(a: Row | undefined, b: Row | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
  return true;
}

export class LockingView implements WriteTxn {
  readonly #txn: WriteTxn;
  readonly #txnId: number;
  readonly #locks: LockManager;
  readonly #storage: StorageEngine;
  readonly #isolation: IsolationLevel;
  /**
   * The committed state writes are checked against: the transaction's snapshot (REPEATABLE READ,
   * SERIALIZABLE: a changed row is 40001) or the statement's (READ COMMITTED: the statement runs again).
   */
  readonly #snapshot: ReadTxn | null;
  /** Lower-cased names of the tables this transaction wrote (for serializable validation). */
  readonly #written: Set<string>;
  /**
   * The table last written through this view (statements write one table row after row): its
   * name as given, definition and row lock prefix. Forgotten on schema changes and rollbacks.
   */
  #lastName = '';
  #lastDef: TableDef | undefined = undefined;
  #lastPrefix = '';
  /** Whether this transaction holds SIX or X on the last table (its row locks escalated). */
  #lastEscalated = false;
  /** Row locks taken on the last table since it became the last one (or since a failed escalation). */
  #lastRun = 0;

  constructor(
    txn: WriteTxn,
    txnId: number,
    locks: LockManager,
    storage: StorageEngine,
    isolation: IsolationLevel,
    snapshot: ReadTxn | null,
    written: Set<string>,
  ) {
    this.#written = written;
    this.#txn = txn;
    this.#txnId = txnId;
    this.#locks = locks;
    this.#storage = storage;
    this.#isolation = isolation;
    this.#snapshot = snapshot;
  }

  get seq(): number {
    return this.#txn.seq;
  }

  get hasWrites(): boolean {
    return this.#txn.hasWrites;
  }

  /** Makes `table` the cached one (noting it as written); returns its definition. */
  #target(table: string): TableDef | undefined {
    if (table !== this.#lastName) {
      const lname = table.toLowerCase();
      this.#written.add(lname);
      this.#lastDef = this.#txn.getTable(table);
      this.#lastPrefix = `row:${lname}:`;
      this.#lastName = table;
      this.#lastEscalated = this.#holdsTable(table) || (lname !== table && this.#holdsTable(lname));
      this.#lastRun = 0;
    }
    return this.#lastDef;
  }

  #forget(): void {
    this.#lastName = '';
    this.#lastDef = undefined;
  }

  #holdsTable(name: string): boolean {
    const held = this.#locks.table.holds(this.#txnId, `table:${name}`);
    return held === 'SIX' || held === 'X';
  }

  /**
   * Takes SIX on the table under both spellings a statement may have locked it by (as written, and
   * lower-cased); true when held, so its row locks may be skipped. Never waits: with another
   * writer of the table present it fails, and row locking goes on (tried again after as many rows).
   */
  #escalate(table: string): boolean {
    this.#lastRun = 0;
    const lname = table.toLowerCase();
    const ok =
      this.#locks.tryAcquire(this.#txnId, `table:${table}`, 'SIX') &&
      (lname === table || this.#locks.tryAcquire(this.#txnId, `table:${lname}`, 'SIX'));
    this.#lastEscalated = ok;
    return ok;
  }

  /** The row lock of a write that may go without one once the table's locks are escalated. */
  #lockRowUnlessEscalated(table: string, key: Key): void {
    this.#target(table);
    if (this.#lastEscalated) return;
    if (++this.#lastRun >= ESCALATE_AFTER && this.#escalate(table)) return;
    this.#lockRow(table, key);
  }

  #lockRow(table: string, key: Key): void {
    this.#target(table);
    const k = key[0];
    if (key.length === 1 && typeof k === 'number') {
      if (!this.#locks.tryAcquireRow(this.#txnId, this.#lastPrefix, k, 'X')) throw new LockWait(this.#lastPrefix + k, 'X');
      return;
    }
    const resource = keyResource(this.#lastPrefix, key);
    if (!this.#locks.tryAcquire(this.#txnId, resource, 'X')) throw new LockWait(resource, 'X');
  }

  /**
   * SELECT ... FOR UPDATE / SHARE: the row's lock, exclusive or (FOR SHARE, FOR KEY SHARE) shared,
   * held to the end of the transaction, then the same first-updater check as a write. A held lock
   * waits (the statement runs again once it is granted), fails with 55P03 under NOWAIT, or leaves
   * the row out under SKIP LOCKED (false).
   */
  lockRow(table: string, key: Key, onBusy: 'wait' | 'nowait' | 'skip', shared = false): boolean {
    const prefix = `row:${table.toLowerCase()}:`;
    const k = key[0];
    const lone = key.length === 1 && typeof k === 'number';
    const mode = shared ? 'S' : 'X';
    const granted = lone ? this.#locks.tryAcquireRow(this.#txnId, prefix, k, mode) : this.#locks.tryAcquire(this.#txnId, keyResource(prefix, key), mode);
    if (!granted) {
      if (onBusy === 'skip') return false;
      if (onBusy === 'nowait') throw new DispatcherError(SqlState.LockNotAvailable, `could not obtain lock on row in relation "${table.toLowerCase()}"`);
      throw new LockWait(lone ? prefix + k : keyResource(prefix, key), mode);
    }
    this.#checkUnchanged(table, key);
    return true;
  }

  /** A table's SIX under both spellings (as #escalate), waiting, failing or skipping as lockRow. */
  lockTableRows(table: string, onBusy: 'wait' | 'nowait' | 'skip'): boolean {
    const lname = table.toLowerCase();
    for (const name of lname === table ? [table] : [table, lname]) {
      const resource = `table:${name}`;
      if (this.#locks.tryAcquire(this.#txnId, resource, 'SIX')) continue;
      if (onBusy === 'skip') return false;
      if (onBusy === 'nowait') throw new DispatcherError(SqlState.LockNotAvailable, `could not obtain lock on relation "${lname}"`);
      throw new LockWait(resource, 'SIX');
    }
    return true;
  }

  /** No snapshot to check against, or nothing committed since it (the common case): no row can have changed. */
  #nothingCommittedSince(): boolean {
    return this.#snapshot === null || this.#storage.committedSeq?.() === this.#snapshot.seq;
  }

  /** First updater wins: the row must be as this transaction's snapshot saw it. */
  #checkUnchanged(table: string, key: Key): void {
    const snapshot = this.#snapshot;
    if (snapshot === null || this.#nothingCommittedSince()) return;
    const latest = this.#storage.snapshot();
    try {
      if (latest.seq === snapshot.seq) return;
      if (!sameRow(latest.getRow(table, key), snapshot.getRow(table, key))) {
        if (this.#isolation === 'read committed') {
          // The row changed since this statement's start: run the statement again on the newer
          // state (the lock is already held, so the wait is immediate) — PostgreSQL re-evaluates.
          throw new LockWait(rowResource(table, key), 'X');
        }
        throw new DispatcherError(SqlState.SerializationFailure, 'could not serialize access due to concurrent update');
      }
    } finally {
      latest.release();
    }
  }

  /**
   * A shared lock on a row key to the end of the transaction (a foreign key's parent row:
   * PostgreSQL's FOR KEY SHARE), so a concurrent delete or re-key of that row waits for this
   * transaction and then sees the reference. The row must still be as this transaction's snapshot
   * saw it, as for a write (READ COMMITTED runs the statement again; REPEATABLE READ is 40001).
   */
  lockKeyShare(table: string, key: Key): void {
    const resource = rowResource(table, key);
    if (!this.#locks.tryAcquire(this.#txnId, resource, 'S')) throw new LockWait(resource, 'S');
    this.#checkUnchanged(table, key);
  }

  /**
   * Snapshot isolation: runs `probe` on the latest committed state and on this transaction's
   * snapshot, for checks the snapshot alone would get wrong (a foreign key's referencing rows
   * committed since: PostgreSQL's crosscheck snapshot). Undefined under READ COMMITTED, whose
   * statements start from the latest commit, and when nothing was committed since.
   */
  newerCommitted<T>(probe: (latest: ReadView, snapshot: ReadView) => T): T | undefined {
    if (this.#isolation === 'read committed' || this.#snapshot === null) return undefined;
    const latest = this.#storage.snapshot();
    try {
      return latest.seq === this.#snapshot.seq ? undefined : probe(latest, this.#snapshot);
    } finally {
      latest.release();
    }
  }

  /** Whether `row` has the one-column primary key `key` as it is (the common update): no key is built to tell. */
  #keepsKey(table: string, row: Row, key: Key): boolean {
    const pk = this.#target(table)?.primaryKey;
    if (pk === undefined || pk.length !== 1 || key.length !== 1) return false;
    return row[pk[0]!] === key[0];
  }

  #primaryKey(table: string, row: Row): Key | null {
    const def = this.#target(table);
    if (def === undefined) return null;
    const pk = def.primaryKey;
    if (pk.length === 0) return null;
    if (pk.length === 1) return [row[pk[0]!] as SqlValue];
    return pk.map((i) => row[i] as SqlValue);
  }

  insert(table: string, row: Row, owned?: boolean): Key {
    // Escalated, with nothing committed since the snapshot: neither a lock nor a check needs the
    // row's key, so none is built (a bulk load's rows come here by the thousand).
    this.#target(table);
    if (this.#lastEscalated && this.#nothingCommittedSince()) return this.#txn.insert(table, row, owned);
    const key = this.#primaryKey(table, row);
    if (key !== null) {
      this.#lockRowUnlessEscalated(table, key);
      this.#checkUnchanged(table, key);
    }
    return this.#txn.insert(table, row, owned);
  }

  update(table: string, key: Key, row: Row, owned?: boolean): Key {
    const next = this.#keepsKey(table, row, key) ? null : this.#primaryKey(table, row);
    if (next !== null && !sameResource(this.#lastPrefix, next, key)) {
      this.#lockRow(table, key);
      this.#checkUnchanged(table, key);
      this.#lockRow(table, next);
      this.#checkUnchanged(table, next);
    } else {
      this.#lockRowUnlessEscalated(table, key);
      this.#checkUnchanged(table, key);
    }
    return this.#txn.update(table, key, row, owned);
  }

  delete(table: string, key: Key): void {
    this.#lockRow(table, key);
    this.#checkUnchanged(table, key);
    this.#txn.delete(table, key);
  }

  deleteAll(table: string, keys: readonly Key[]): boolean {
    if (this.#txn.deleteAll === undefined) return false;
    // Every row's lock and check first, as each delete takes them (a wait retries the statement
    // before anything changed); the table's SIX, when no other transaction writes it, stands for
    // the row locks (deletes elsewhere keep theirs for foreign-key checks, but a table that
    // foreign keys reference never comes here).
    this.#target(table);
    const escalated = this.#lastEscalated || this.#escalate(table);
    for (const key of keys) {
      if (!escalated) this.#lockRow(table, key);
      this.#checkUnchanged(table, key);
    }
    return this.#txn.deleteAll(table, keys);
  }

  // ---- delegated as they are ----
  get changes(): number {
    return this.#txn.changes ?? 0;
  }

  tables(): readonly TableDef[] {
    return this.#txn.tables();
  }
  getTable(name: string): TableDef | undefined {
    return this.#txn.getTable(name);
  }
  nextSerial(table: string, column: number): number {
    if (this.#txn.nextSerial === undefined) throw new DispatcherError(SqlState.FeatureNotSupported, 'SERIAL columns are not supported here');
    return this.#txn.nextSerial(table, column);
  }

  rowCount(table: string): number {
    return this.#txn.rowCount(table);
  }
  getRow(table: string, key: Key): Row | undefined {
    return this.#txn.getRow(table, key);
  }
  scanTable(table: string, range?: KeyRange, reverse?: boolean): RowCursor {
    return this.#txn.scanTable(table, range, reverse);
  }
  scanIndex(table: string, index: string, range?: KeyRange, reverse?: boolean): IndexCursor {
    return this.#txn.scanIndex(table, index, range, reverse);
  }

  probeIndex(table: string, index: string, key: Key, reverse?: boolean): Row[] | undefined {
    return this.#txn.probeIndex?.(table, index, key, reverse);
  }
  getMeta(name: string): unknown {
    return this.#txn.getMeta(name);
  }
  createTable(def: TableDef): void {
    this.#forget();
    this.#txn.createTable(def);
  }
  dropTable(name: string): void {
    this.#forget();
    this.#txn.dropTable(name);
  }
  renameTable(from: string, to: string): void {
    this.#forget();
    if (this.#txn.renameTable === undefined) {
      throw new DispatcherError(SqlState.FeatureNotSupported, 'renaming tables is not supported by this storage');
    }
    this.#txn.renameTable(from, to);
  }
  alterTable(def: TableDef, rewrite?: (row: Row) => Row): void {
    this.#forget();
    this.#txn.alterTable(def, rewrite);
  }
  createIndex(index: Parameters<WriteTxn['createIndex']>[0]): void {
    this.#forget();
    this.#txn.createIndex(index);
  }
  dropIndex(table: string, name: string): void {
    this.#forget();
    this.#txn.dropIndex(table, name);
  }
  setMeta(name: string, value: unknown): void {
    this.#txn.setMeta(name, value);
  }
  savepoint(): number {
    return this.#txn.savepoint();
  }
  statementMark(): number {
    return this.#txn.statementMark !== undefined ? this.#txn.statementMark() : this.#txn.savepoint();
  }
  rollbackTo(mark: number): void {
    this.#forget();
    this.#txn.rollbackTo(mark);
  }
  release(mark: number): void {
    this.#txn.release(mark);
  }
  commit(): Promise<void> {
    return this.#txn.commit();
  }
  rollback(): void {
    this.#txn.rollback();
  }
}
