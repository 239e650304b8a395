// What the execution layer may call of storage. Execution never sees pages, frames or files:
// it sees committed snapshots, private write transactions over them, and cursors.
// Rows handed out by storage are shared with the buffer pool's decoded pages: treat them as
// read-only (never mutate a Row you did not build yourself).

import type { ColumnType, Key, Row, SqlValue } from '../protocol/values.js';
import type { FileIo } from './file-io.js';

export type { ColumnType, Key, Row, SqlValue };

export interface ColumnDef {
  readonly name: string;
  readonly type: ColumnType;
  /** The declared type as written (for .schema and error messages), e.g. 'VARCHAR(20)'. */
  readonly declaredType: string;
  readonly notNull: boolean;
  /** DEFAULT expression as SQL text; execution parses and evaluates it. */
  readonly defaultSql?: string | undefined;
  /** SERIAL / BIGSERIAL: an omitted value is the next of the column's counter (WriteTxn.nextSerial). */
  readonly serial?: boolean | undefined;
  /**
   * GENERATED ALWAYS AS IDENTITY (a serial column): INSERT takes no value for it but DEFAULT, and
   * UPDATE may set it to DEFAULT only (428C9).
   */
  readonly identityAlways?: boolean | undefined;
}

export interface IndexDef {
  readonly name: string;
  readonly table: string;
  /** Positions of the indexed columns in the table's column list. */
  readonly columns: readonly number[];
  readonly unique: boolean;
  /** True for indexes created implicitly by a UNIQUE / PRIMARY KEY constraint. */
  readonly implicit: boolean;
}

export interface TableDef {
  readonly name: string;
  readonly columns: readonly ColumnDef[];
  /** Positions of the primary-key columns; empty means the table is keyed by a hidden row id. */
  readonly primaryKey: readonly number[];
  readonly indexes: readonly IndexDef[];
  /** Opaque to storage: extra schema facts execution keeps (checks, foreign keys, view text...). */
  readonly extra?: Readonly<Record<string, unknown>> | undefined;
}

export interface KeyRange {
  /** A full key or a prefix of one; a prefix bound covers every key that starts with it. */
  readonly lower?: Key | undefined;
  readonly lowerInclusive?: boolean | undefined;
  readonly upper?: Key | undefined;
  readonly upperInclusive?: boolean | undefined;
}

/** Pull cursor over rows in key order. After next() returns a row, `key` is that row's key. */
export interface RowCursor {
  next(): Row | undefined;
  /**
   * Writes up to `max` next rows to out[at], out[at + 1], ... in one call (fewer only at the
   * end of the range); returns how many. `key` is then the last one's key. Optional: scans use
   * it when present.
   */
  nextBatch?(out: Row[], at: number, max: number): number;
  /**
   * Optional, for loops that read a leaf in place (no copy): takes up to `max` next entries of
   * one leaf, which are then leafEntries[leafStart], [leafStart + 1], ... (downwards for a reverse
   * cursor); 0 at the end. Entries are rows, or references entryRow() turns into rows; when
   * leafWidth is not 0 the leaf keeps its rows flat, entry i being leafEntries[i * leafWidth ..
   * (i + 1) * leafWidth). An entries array handed out never changes afterwards (the nodes a
   * cursor reaches are committed or frozen), so readers may keep values derived from it, keyed by
   * the array.
   */
  nextLeafRun?(max: number): number;
  readonly leafEntries?: readonly unknown[];
  readonly leafWidth?: number;
  readonly leafStart?: number;
  entryRow?(v: unknown): Row;
  readonly key: Key;
  /** Unpins what the cursor holds; idempotent; cursors run to the end close themselves. */
  close(): void;
}

/** Pull cursor over an index: yields the table key (primary key or row id) of each entry. */
export interface IndexCursor {
  next(): Key | undefined;
  /** The indexed column values of the current entry. */
  readonly indexKey: Key;
  /**
   * Bulk reads: up to `max` next entries, each the whole entry key (indexed values, then the table
   * key), shared with the tree (never to be changed), into out[0 ..]; fewer than `max` only at the
   * range's end (the cursor is then closed).
   */
  nextEntries(out: Key[], max: number): number;
  close(): void;
}

export interface StorageStats {
  readonly pageSize: number;
  readonly poolCapacity: number;
  readonly poolSize: number;
  /** Pins held now (cursors open on pool pages); 0 when nothing runs. */
  readonly pinnedPages?: number;
  readonly hits: number;
  readonly misses: number;
  readonly evictions: number;
  readonly pagesRead: number;
  readonly pagesWritten: number;
  /** Frames in the WAL now (it empties at each checkpoint). */
  readonly walFrames: number;
  readonly fsyncs: number;
  readonly checkpoints: number;
  /** Pages in the data file's address space, header included (0 in memory). */
  readonly pageCount: number;
  /** Free pages, including those waiting for older snapshots to be released. */
  readonly freePages: number;
}

export interface IoCounters {
  readonly hits: number;
  readonly misses: number;
  readonly pagesIo: number;
}

/** A consistent read view: a committed snapshot, or a write transaction's own view. */
export interface ReadView {
  /** Commit sequence number of the base snapshot. */
  readonly seq: number;
  tables(): readonly TableDef[];
  /** Lookup by lower-cased name. */
  getTable(name: string): TableDef | undefined;
  rowCount(table: string): number;
  getRow(table: string, key: Key): Row | undefined;
  scanTable(table: string, range?: KeyRange, reverse?: boolean): RowCursor;
  scanIndex(table: string, index: string, range?: KeyRange, reverse?: boolean): IndexCursor;
  /**
   * The rows scanIndex over [key, key] would lead to (getRow of each table key of the entries
   * starting with key, in index order), when one descent finds the entries all in one leaf;
   * undefined otherwise (use scanIndex). Optional.
   */
  probeIndex?(table: string, index: string, key: Key, reverse?: boolean): Row[] | undefined;
  /** Named small values kept in the catalog (users, grants, settings): msgpack-able data. */
  getMeta(name: string): unknown;
  /**
   * Locks a row for SELECT ... FOR UPDATE / SHARE until the transaction ends (`shared`: FOR SHARE
   * and FOR KEY SHARE, which other shared lockers may hold too); false when it is held elsewhere
   * and `onBusy` is 'skip'. Optional: views without locks (a read-only snapshot, storage alone)
   * lack it.
   */
  lockRow?(table: string, key: Key, onBusy: 'wait' | 'nowait' | 'skip', shared?: boolean): boolean;
  /**
   * Locks a whole table against other writers (SIX) until the transaction ends, for a locking
   * SELECT over a join whose table has no primary key to name its rows by. As lockRow otherwise.
   */
  lockTableRows?(table: string, onBusy: 'wait' | 'nowait' | 'skip'): boolean;
}

export interface ReadTxn extends ReadView {
  /** Lets the pages this snapshot holds be reused; idempotent. */
  release(): void;
}

export interface WriteTxn extends ReadView {
  /** A count that moves with every row written or undone (optional: 0 when absent). */
  readonly changes?: number;
  createTable(def: TableDef): void;
  dropTable(name: string): void;
  /** Renames a table (ALTER TABLE ... RENAME TO); its indexes follow. Optional member. */
  renameTable?(from: string, to: string): void;
  /** Replaces a table definition (ALTER); rewrite tells storage each old row's new shape. */
  alterTable(def: TableDef, rewrite?: (row: Row) => Row): void;
  /** Builds the index from the table's rows; a duplicate in a unique index throws 23505. */
  createIndex(index: IndexDef): void;
  dropIndex(table: string, name: string): void;
  /**
   * Inserts and maintains indexes; a duplicate key throws 23505. Returns the row's key. Storage
   * keeps a copy of the row, or the array itself when the caller hands it over (`owned`: a fresh
   * array it never changes afterwards).
   */
  insert(table: string, row: Row, owned?: boolean): Key;
  /** Replaces the row at key (the primary key may change); maintains indexes; 23505 on duplicates. `owned` as for insert. */
  update(table: string, key: Key, row: Row, owned?: boolean): Key;
  delete(table: string, key: Key): void;
  /**
   * Deletes every row of the table when `keys` are the keys of all of them (false, nothing done,
   * otherwise): one step instead of a removal per row. Optional.
   */
  deleteAll?(table: string, keys: readonly Key[]): boolean;
  setMeta(name: string, value: unknown): void;
  /**
   * The next value of a SERIAL column's counter, kept outside transactions as a PostgreSQL
   * sequence is (see serial-counters.ts). Optional member.
   */
  nextSerial?(table: string, column: number): number;
  /** Marks a point to roll back to: every statement and SAVEPOINT takes one. */
  savepoint(): number;
  /**
   * A statement's mark (optional; savepoint() otherwise): the same rollbackTo/release contract,
   * made cheap to take for a statement that is seldom rolled back.
   */
  statementMark?(): number;
  rollbackTo(mark: number): void;
  /** Forgets marks at and after `mark`, keeping their writes. */
  release(mark: number): void;
  readonly hasWrites: boolean;
  /** Makes the writes durable (WAL + fsync, shared with concurrent commits); resolves after fsync. */
  commit(): Promise<void>;
  /** Drops every write; idempotent. */
  rollback(): void;
}

export interface StorageEngine {
  readonly path: string;
  readonly inMemory: boolean;
  /** The latest durable committed state. */
  snapshot(): ReadTxn;
  /** The seq snapshot() would have now, without taking one (optional: per-row checks use it). */
  committedSeq?(): number;
  /** A private write transaction over the latest committed state. */
  begin(): WriteTxn;
  stats(): StorageStats;
  /** Cumulative pool hits, misses and pages read or written: cheap enough for every statement. */
  ioCounters(): IoCounters;
  checkpoint(): Promise<void>;
  /** Verifies B+tree order, index/table agreement and page accounting; returns problems found. */
  integrityCheck(): string[];
  close(): Promise<void>;
}

export interface StorageOptions {
  readonly pageSize?: number;
  /** Buffer pool capacity in pages. */
  readonly poolPages?: number;
  /** WAL size in bytes that triggers an automatic checkpoint. */
  readonly checkpointBytes?: number;
  /** false skips fsync (tests and benches that say so); default true. */
  readonly durable?: boolean;
  /**
   * File I/O of the data file and the WAL; default node:fs. For tests: a port that fails
   * chosen reads, writes or fsyncs (src/storage/faulty-file-io.ts).
   */
  readonly fileIo?: FileIo;
}
