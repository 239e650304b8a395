// Model-based checks against a live Database: random sequences of statements, transaction control,
// cancellations (at any moment of a query's life, including while it waits for a lock) and session
// closes, over a few sessions. After every run: no lock held, no page pinned, no transaction left
// open, and a fresh session still answers. Register your plugin on the database before the check
// to prove it never leaves a query stuck or a lock held.
import fc from 'fast-check';
import type { Database } from '../api/database.js';
import type { Session } from '../api/session.js';

export type LiveOp =
  | { readonly kind: 'sql'; readonly session: number; readonly sql: string }
  | { readonly kind: 'cancel'; readonly session: number; readonly sql: string; readonly afterMs: number }
  | { readonly kind: 'close'; readonly session: number };

export interface LiveCheckOptions {
  /** Statements run before each case (schema and data). */
  readonly setup?: readonly string[];
  /** Statements to draw from; defaults work on the table the default setup creates. */
  readonly statements?: readonly string[];
  readonly sessions?: number;
  readonly maxOps?: number;
  readonly numRuns?: number;
  readonly seed?: number;
}

const DEFAULT_SETUP = [
  'CREATE TABLE IF NOT EXISTS kv (k INTEGER PRIMARY KEY, v INTEGER)',
  'DELETE FROM kv',
  'INSERT INTO kv VALUES (1, 1), (2, 2), (3, 3)',
];
const DEFAULT_STATEMENTS = [
  'BEGIN',
  'BEGIN ISOLATION LEVEL REPEATABLE READ',
  'BEGIN ISOLATION LEVEL SERIALIZABLE',
  'COMMIT',
  'ROLLBACK',
  'SAVEPOINT sp',
  'ROLLBACK TO SAVEPOINT sp',
  'RELEASE SAVEPOINT sp',
  'SELECT * FROM kv',
  'SELECT count(*) FROM kv a, kv b, kv c, kv d',
  'UPDATE kv SET v = v + 1 WHERE k = 1',
  'UPDATE kv SET v = v + 1 WHERE k = 2',
  'INSERT INTO kv VALUES (4, 4)',
  'DELETE FROM kv WHERE k = 4',
  'SELECT * FROM missing_table',
];

export function liveOps(o: LiveCheckOptions = {}): fc.Arbitrary<LiveOp[]> {
  const sessions = o.sessions ?? 3;
  const statements = o.statements ?? DEFAULT_STATEMENTS;
  const session = fc.integer({ min: 0, max: sessions - 1 });
  const sql = fc.constantFrom(...statements);
  const op: fc.Arbitrary<LiveOp> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('sql' as const), session, sql }) },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant('cancel' as const), session, sql, afterMs: fc.integer({ min: 0, max: 5 }) }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('close' as const), session }) },
  );
  return fc.array(op, { maxLength: o.maxOps ?? 12 });
}

export interface Leftovers {
  readonly locks: number;
  readonly openTransactions: number;
  readonly pinnedPages: number;
}

/** What the engine still holds; all zero when every session has ended. */
export function leftovers(db: Database): Leftovers {
  return {
    locks: db.system.locks.table.resources().size,
    openTransactions: db.system.txns.openCount,
    pinnedPages: db.system.storage.stats().pinnedPages ?? 0,
  };
}

/** Runs one sequence; every statement's outcome (ok or DispatcherError) is accepted. */
export async function runLiveOps(db: Database, ops: readonly LiveOp[], sessionCount: number): Promise<void> {
  const sessions: (Session | null)[] = [];
  for (let i = 0; i < sessionCount; i++) sessions.push(await db.connect());
  const pending: Promise<unknown>[] = [];
  for (const op of ops) {
    let s = sessions[op.session] ?? null;
    if (s === null) {
      s = await db.connect();
      sessions[op.session] = s;
    }
    if (op.kind === 'close') {
      pending.push(s.close().catch(() => undefined));
      sessions[op.session] = null;
      continue;
    }
    if (op.kind === 'sql') {
      // A statement that waits for a lock must not stall the whole sequence: go on after a moment.
      const p = s.execute(op.sql).catch(() => undefined);
      pending.push(p);
      await Promise.race([p, new Promise((r) => setTimeout(r, 20))]);
      continue;
    }
    const q = s.query(op.sql);
    pending.push(q.result.catch(() => undefined));
    if (op.afterMs === 0) q.cancel();
    else setTimeout(() => q.cancel(), op.afterMs);
  }
  for (const s of sessions) if (s !== null) pending.push(s.close().catch(() => undefined));
  await Promise.all(pending);
}

/**
 * The property: after any sequence, with every session closed, nothing is held and a fresh
 * session answers a query. Throws with a shrunk counterexample otherwise.
 */
export async function checkDatabaseLifecycles(db: Database, o: LiveCheckOptions = {}): Promise<void> {
  const setup = o.setup ?? DEFAULT_SETUP;
  const sessions = o.sessions ?? 3;
  await fc.assert(
    fc.asyncProperty(liveOps(o), async (ops) => {
      const admin = await db.connect();
      for (const s of setup) await admin.execute(s);
      await admin.close();
      await runLiveOps(db, ops, sessions);
      const left = leftovers(db);
      if (left.locks !== 0 || left.openTransactions !== 0 || left.pinnedPages !== 0) {
        throw new Error(`resources held after every session ended: ${JSON.stringify(left)}`);
      }
      const fresh = await db.connect();
      try {
        const r = await fresh.execute('SELECT 1');
        if (r.rows.length !== 1) throw new Error('a fresh query did not answer');
      } finally {
        await fresh.close();
      }
    }),
    { numRuns: o.numRuns ?? 30, ...(o.seed !== undefined ? { seed: o.seed } : {}) },
  );
}
