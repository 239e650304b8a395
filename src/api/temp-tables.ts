// Temporary tables: CREATE TEMP TABLE t in session 7 creates pg_temp_7_t in the same storage.
// Every later statement of that session that names t is rewritten to pg_temp_7_t (the session's
// temporary table shadows a permanent one, as in PostgreSQL); other sessions never resolve t to
// it, and a name of another session's temporary table is refused as if it did not exist. The
// session drops its tables when it closes; Database.open drops any a crash left behind.
import { DispatcherError, SqlState } from './errors.js';
import type { AnalyzedStatement } from '../protocol/statement.js';
import type { StorageEngine } from '../storage/ports.js';

/** What dropping a session's temporary tables needs of the session. */
interface ClosingSession {
  readonly transactionState: string;
  execute(sql: string): Promise<unknown>;
}

export const TEMP_PREFIX = 'pg_temp_';

export function isTempTable(name: string): boolean {
  return name.startsWith(TEMP_PREFIX);
}

export class TempTables {
  readonly prefix: string;
  readonly #names = new Set<string>();
  /** Indexes on temporary tables: their names are mangled too (index names are database-wide). */
  readonly #indexes = new Set<string>();

  constructor(sessionId: string | number) {
    this.prefix = `${TEMP_PREFIX}${sessionId}_`;
  }

  /** No temporary table or index: rewrite() hands every statement back unchanged. */
  get empty(): boolean {
    return this.#names.size === 0 && this.#indexes.size === 0;
  }

  /** Names (as the session writes them) of its temporary tables. */
  get names(): readonly string[] {
    return [...this.#names];
  }

  /**
   * Outside a transaction every temporary table of the session is committed: names whose table is
   * gone (a CREATE TEMP TABLE rolled back, or dropped) stop shadowing permanent tables.
   */
  prune(storage: StorageEngine): void {
    if (this.#names.size === 0) return;
    const snap = storage.snapshot();
    try {
      for (const n of this.#names) if (snap.getTable(this.prefix + n) === undefined) this.#names.delete(n);
    } finally {
      snap.release();
    }
  }

  mangled(name: string): string {
    return this.prefix + name;
  }

  /** DROP INDEX of an index on one of this session's temporary tables names its mangled name. */
  #dropIndex(st: AnalyzedStatement): AnalyzedStatement {
    const ast = st.ast as DropIndexAst;
    const name = ast.name?.column?.expr?.value;
    if (typeof name !== 'string' || !this.#indexes.has(name)) return st;
    this.#indexes.delete(name);
    const expr = { ...ast.name?.column?.expr, value: this.prefix + name };
    const column = { ...ast.name?.column, expr };
    return {
      ...st,
      ast: { ...(st.ast as object), name: { ...ast.name, column } },
      flags: { ...st.flags, cacheable: false },
      shapeKey: `${this.prefix}:${st.shapeKey}`,
    };
  }

  /** The statement as storage must see it; the same object when no temporary table is involved. */
  rewrite(st: AnalyzedStatement): AnalyzedStatement {
    const ast = st.ast as { type?: string; keyword?: string; temporary?: string | null; table?: { table: string }[] };
    const creates =
      st.kind === 'CREATE_TABLE' && typeof ast.temporary === 'string' && ast.temporary !== '' ? (ast.table?.[0]?.table ?? null) : null;
    if (st.kind === 'CREATE_VIEW' && typeof ast.temporary === 'string' && ast.temporary !== '') {
      throw new DispatcherError(SqlState.FeatureNotSupported, 'temporary views are not supported');
    }
    let touches = creates !== null;
    for (const t of st.metadata.tablesAccessed) {
      if (isTempTable(t) && !t.startsWith(this.prefix)) {
        throw new DispatcherError(SqlState.UndefinedTable, `relation "${t}" does not exist`);
      }
      if (this.#names.has(t)) touches = true;
    }
    if (st.kind === 'EXPLAIN' || st.kind === 'PREPARE') {
      const inner = (ast as { statement?: { metadata: { tablesAccessed: readonly string[] } } }).statement;
      for (const t of inner?.metadata.tablesAccessed ?? []) if (this.#names.has(t)) touches = true;
    }
    if (st.kind === 'DROP_INDEX') return this.#dropIndex(st);
    if (!touches) return st;
    if (creates !== null) this.#names.add(creates);
    const names = this.#names;
    const map = (n: string): string => (names.has(n) ? this.prefix + n : n);
    let newAst = rewriteNode(st.ast, map) as Record<string, unknown>;
    if (creates !== null) newAst = { ...newAst, temporary: null };
    const index = (ast as { index?: unknown }).index;
    if (st.kind === 'CREATE_INDEX' && typeof index === 'string') {
      this.#indexes.add(index);
      newAst = { ...newAst, index: this.prefix + index };
    }
    const out: AnalyzedStatement = {
      ...st,
      ast: newAst,
      // Plans of a session's temporary table are its own: never shared through the plan cache.
      flags: { ...st.flags, cacheable: false },
      shapeKey: `${this.prefix}:${st.shapeKey}`,
      metadata: mapMetadata(st.metadata, map),
    };
    if (st.kind === 'DROP_TABLE') for (const t of st.metadata.tablesAccessed) names.delete(t);
    return out;
  }
}

export interface DropIndexAst {
  readonly name?: { readonly column?: { readonly expr?: { readonly value?: unknown } } };
}

function mapMetadata<M extends { readonly tablesAccessed: readonly string[]; readonly requiredLocks: readonly string[] }>(
  m: M,
  map: (n: string) => string,
): M {
  return {
    ...m,
    tablesAccessed: m.tablesAccessed.map(map),
    requiredLocks: m.requiredLocks.map((spec) => {
      const i = spec.indexOf(':');
      return `${spec.slice(0, i)}:${map(spec.slice(i + 1))}`;
    }),
  };
}

/** Copies the AST with table references (and column qualifiers) renamed; never mutates it. */
function rewriteNode(node: unknown, map: (n: string) => string): unknown {
  if (Array.isArray(node)) return node.map((n) => rewriteNode(n, map));
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return node;
  const src = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(src)) {
    if (k === 'table' && typeof v === 'string') out[k] = map(v);
    else if (k === 'metadata' && v !== null && typeof v === 'object' && 'tablesAccessed' in v) {
      out[k] = mapMetadata(v as { tablesAccessed: string[]; requiredLocks: string[] }, map);
    } else out[k] = rewriteNode(v, map);
  }
  return out;
}

function quoted(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Before a session closes: roll back its open work, then drop its temporary tables. */
export async function dropTempTables(session: ClosingSession, temp: TempTables, storage: StorageEngine): Promise<void> {
  const snap = storage.snapshot();
  let own: string[];
  try {
    own = snap.tables().map((t) => t.name).filter((n) => n.startsWith(temp.prefix));
  } finally {
    snap.release();
  }
  if (own.length === 0 && temp.names.length === 0) return;
  try {
    if (session.transactionState !== 'noTxn') await session.execute('ROLLBACK');
  } catch {
    // the session is going away either way
  }
  for (const name of own) {
    try {
      await session.execute(`DROP TABLE IF EXISTS ${quoted(name)}`);
    } catch {
      // left for the next open's sweep (dropLeftoverTempTables)
    }
  }
}

/** At open: temporary tables of sessions a crash or kill ended without closing. */
export async function dropLeftoverTempTables(storage: StorageEngine): Promise<number> {
  const w = storage.begin();
  let n = 0;
  try {
    for (const t of w.tables()) {
      if (isTempTable(t.name)) {
        w.dropTable(t.name);
        n++;
      }
    }
    if (n > 0) await w.commit();
    else w.rollback();
  } catch (e) {
    w.rollback();
    throw e;
  }
  return n;
}
