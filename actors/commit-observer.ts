// What happens after a commit is durable, derived from the transaction's own operation log (the
// log holds exactly what commits: a failed statement or a rolled-back savepoint has already
// truncated it, and a rolled-back transaction never gets here):
//  - the change log of the seed (db.changes$): every row change, in commit order, for replication;
//  - the access control snapshot reloads when the commit wrote an acl: value.
import { Subject } from '../src/observability/rx.js';
import type { Key, Row, SqlValue, StorageEngine, WriteTxn } from '../src/storage/ports.js';
import { WriteTxnImpl } from '../src/storage/write-txn.js';
import { runKey, runRow } from '../src/storage/insert-run.js';
import { ACL_PREFIX } from './access-control.js';

export interface RowChange {
  /** Commit number (ascending, one per committed transaction that changed rows). */
  readonly commit: number;
  readonly table: string;
  readonly operation: 'insert' | 'update' | 'delete';
  /** The row's key before the change (primary key, or the hidden row id); an update may move it (see after). */
  readonly key: Key;
  /** Rows are shared with storage: read them, never mutate them. */
  readonly before: Row | null;
  readonly after: Row | null;
}

export interface PendingCommit {
  readonly changes: readonly Omit<RowChange, 'commit'>[];
  readonly aclChanged: boolean;
}

/** Temporary tables are private to a session: their rows are not replicated. */
const isTemp = (t: string): boolean => t.startsWith('pg_temp_');

export class CommitObserver {
  readonly changes$ = new Subject<RowChange>();
  readonly #storage: StorageEngine;
  readonly #aclChanged: () => void;
  #commits = 0;

  constructor(storage: StorageEngine, aclChanged: () => void) {
    this.#storage = storage;
    this.#aclChanged = aclChanged;
  }

  /** Before the commit: what it will publish (before images come from the latest commit). */
  prepare(w: WriteTxn): PendingCommit | null {
    if (!(w instanceof WriteTxnImpl)) return null;
    // Only a meta change writes an acl, and the transaction's meta map holds each one it kept
    // (savepoint rollbacks restore it with the log). Not the log: it has an entry per row change,
    // and a bulk load's commit walked its 100k entries here.
    let aclChanged = false;
    for (const name of w.meta.keys()) if (name.startsWith(ACL_PREFIX)) aclChanged = true;
    if (!this.changes$.observed) return aclChanged ? { changes: [], aclChanged } : null;
    return this.#changes(w, aclChanged);
  }

  /** The row changes the commit publishes on changes$, with before images. */
  #changes(w: WriteTxnImpl, aclChanged: boolean): PendingCommit | null {
    const log = w.log;
    const changes: Omit<RowChange, 'commit'>[] = [];
    // Rows as the transaction left them so far, keyed by table + key, over the committed base.
    const current = new Map<string, Row | null>();
    const base = this.#storage.snapshot();
    try {
      const before = (t: string, key: Key): Row | null => {
        const k = `${t}\u0000${keyText(key)}`;
        if (current.has(k)) return current.get(k) ?? null;
        return base.getTable(t) === undefined ? null : (base.getRow(t, key) ?? null);
      };
      const set = (t: string, key: Key, row: Row | null): void => {
        current.set(`${t}\u0000${keyText(key)}`, row);
      };
      for (const op of log) {
        if (op.op === 'insert') {
          if (isTemp(op.t)) continue;
          changes.push({ table: op.t, operation: 'insert', key: op.key, before: null, after: op.row });
          set(op.t, op.key, op.row);
        } else if (op.op === 'inserts') {
          if (isTemp(op.t)) continue;
          for (let i = 0; i < op.count; i++) {
            const row = runRow(op, i);
            changes.push({ table: op.t, operation: 'insert', key: runKey(op, i), before: null, after: row });
            set(op.t, runKey(op, i), row);
          }
        } else if (op.op === 'update') {
          if (isTemp(op.t)) continue;
          changes.push({ table: op.t, operation: 'update', key: op.key, before: before(op.t, op.key), after: op.row });
          // An update may move the row to another primary key: the old key is empty then.
          const pk = w.getTable(op.t)?.primaryKey ?? [];
          const next = pk.length === 0 ? op.key : pk.map((i) => op.row[i] as SqlValue);
          if (keyText(next) !== keyText(op.key)) set(op.t, op.key, null);
          set(op.t, next, op.row);
        } else if (op.op === 'delete') {
          if (isTemp(op.t)) continue;
          changes.push({ table: op.t, operation: 'delete', key: op.key, before: before(op.t, op.key), after: null });
          set(op.t, op.key, null);
        }
      }
    } finally {
      base.release();
    }
    return changes.length === 0 && !aclChanged ? null : { changes, aclChanged };
  }

  /** After the commit is durable. */
  committed(p: PendingCommit): void {
    if (p.aclChanged) this.#aclChanged();
    if (p.changes.length === 0) return;
    const commit = ++this.#commits;
    for (const c of p.changes) this.changes$.next({ ...c, commit });
  }

  stop(): void {
    this.changes$.complete();
  }
}

function keyText(key: Key): string {
  let s = '';
  for (const v of key) {
    s += typeof v === 'string' ? `s${v.length}:${v}` : v instanceof Uint8Array ? `b${Buffer.from(v).toString('hex')}` : `${typeof v}:${String(v)}`;
    s += '|';
  }
  return s;
}
