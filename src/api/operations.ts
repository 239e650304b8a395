// The operational controls around every request, on the API side of the dispatcher: the security
// validator, plugins (beforeExecute / afterExecute), the storage circuit breaker and the result
// cache. Session.run calls in at two points — before the request is told to the session actor, and
// when its result is settled — and everything here is skipped by a flag check when unused.
import type { SessionActor } from '../../actors/session.js';
import { functionsOf, SecurityValidator } from '../analysis/security.js';
import { CircuitBreaker } from '../observability/circuit-breaker.js';
import type { DataVersions } from '../observability/data-versions.js';
import { ResultCache, type CachedResult } from '../observability/result-cache.js';
import type { PluginContext, PluginResult } from '../plugins/plugin.js';
import { PluginRegistry } from '../plugins/registry.js';
import type { AnalyzedStatement } from '../protocol/statement.js';
import type { ReadView, SqlValue } from '../storage/ports.js';
import type { DispatcherConfig } from './config.js';
import type { DispatcherError } from './errors.js';
import type { QueryRun } from './query-run.js';
import type { QueryResult } from './types.js';

/** Called by QueryRun when its request ends (raw rows are the array rows, before row mode). */
export type SettledHook = (result: QueryResult | null, raw: readonly unknown[][] | null, error: DispatcherError | null) => QueryResult | void;

/** Functions whose value changes between calls: a result that uses one is never cached. */
const VOLATILE = new Set([
  'random', 'now', 'current_timestamp', 'current_date', 'current_time', 'localtime', 'localtimestamp',
  'clock_timestamp', 'statement_timestamp', 'transaction_timestamp', 'timeofday', 'nextval', 'currval',
  'setval', 'lastval', 'gen_random_uuid', 'uuid', 'random_uuid', 'current_user', 'session_user', 'user',
  'changes', 'total_changes', 'last_insert_rowid', 'pg_backend_pid', 'txid_current', 'randomblob',
]);
const VOLATILE_WORDS = /\b(current_\w+|localtime\w*|session_user|user)\b/i;

const cacheableByAst = new WeakMap<object, boolean>();

function cacheableStatement(st: AnalyzedStatement): boolean {
  if (st.kind !== 'SELECT' || !st.flags.cacheable || !st.metadata.isReadOnly) return false;
  const ast = st.ast;
  if (ast === null || typeof ast !== 'object') return false;
  let ok = cacheableByAst.get(ast);
  if (ok === undefined) {
    ok = !functionsOf(ast).some((f) => VOLATILE.has(f)) && !VOLATILE_WORDS.test(st.shapeKey);
    cacheableByAst.set(ast, ok);
  }
  return ok;
}

function encodeValue(v: SqlValue): string {
  if (v === null) return 'n';
  switch (typeof v) {
    case 'number':
      return `d${v}`;
    case 'bigint':
      return `b${v}`;
    case 'boolean':
      return v ? 't' : 'f';
    case 'string':
      return `s${v.length}:${v}`;
    default:
      return `x${Buffer.from(v).toString('hex')}`;
  }
}

function cacheKey(user: string, st: AnalyzedStatement, params: readonly SqlValue[]): string {
  let k = `${user}\u0000${st.shapeKey}\u0000`;
  for (let i = 0; i < st.userParamCount; i++) k += `${encodeValue(params[i] ?? null)},`;
  for (const v of st.liftedParams) k += `${encodeValue(v)},`;
  return k;
}

export interface OperationsDeps {
  readonly config: DispatcherConfig;
  readonly dataVersions: DataVersions;
  /** A committed snapshot, to tell base tables from views before a result is cached. */
  readonly snapshot: () => ReadView & { release(): void };
}

export class Operations {
  readonly plugins = new PluginRegistry();
  readonly security: SecurityValidator;
  readonly breaker: CircuitBreaker;
  readonly resultCache: ResultCache;
  readonly #deps: OperationsDeps;
  readonly #checkSecurity: boolean;
  readonly #maxLength: number;

  constructor(deps: OperationsDeps) {
    const c = deps.config;
    this.#deps = deps;
    this.security = new SecurityValidator({
      level: c.securityLevel,
      maxStatementLength: c.maxStatementLength,
      allowedFunctions: c.allowedFunctions,
    });
    this.#checkSecurity = !this.security.lengthOnly;
    this.#maxLength = c.maxStatementLength;
    this.breaker = new CircuitBreaker({
      maxFailures: c.circuitBreakerMaxFailures,
      resetTimeoutMs: c.circuitBreakerResetTimeoutMs,
    });
    this.resultCache = new ResultCache(deps.dataVersions, c.resultCacheSize);
  }

  /** Before analysis: the length limit (cheap; a huge text is refused before it is parsed). */
  checkText(sql: string): void {
    if (sql.length > this.#maxLength) this.security.checkText(sql);
  }

  /**
   * After analysis, before the session actor: security, plugins, circuit breaker. Throws the
   * DispatcherError that refuses the request.
   */
  admit(session: { readonly id: string; readonly user: string }, sql: string, params: readonly SqlValue[], statements: readonly AnalyzedStatement[]): void {
    if (this.#checkSecurity) this.security.check(sql, statements);
    if (this.plugins.active) {
      for (const st of statements) this.plugins.beforeExecute(contextOf(session, st, params));
    }
    const refused = this.breaker.admit();
    if (refused !== null) throw refused.withQuery(sql);
  }

  /**
   * Answers the request from the result cache when it can: a single cacheable SELECT, a session
   * with nothing running and no open transaction (so it would run in autocommit now). Returns the
   * hook to call when the request ends (storing a missed result, afterExecute, the breaker), or
   * 'served' when the run was answered here.
   */
  prepareRun(
    actor: SessionActor,
    session: { readonly id: string; readonly user: string },
    params: readonly SqlValue[],
    statements: readonly AnalyzedStatement[],
    run: QueryRun,
    batched = false,
  ): SettledHook | 'served' {
    let cache: { key: string; tables: readonly string[]; taken: { stamp: number[]; global: number } } | null = null;
    const rc = this.resultCache;
    // A batch's result is not keyed by one parameter list: it is neither served nor stored.
    if (rc.enabled && !batched && statements.length === 1 && actor.transactionState === 'noTxn' && !actor.busy) {
      const st = statements[0] as AnalyzedStatement;
      if (cacheableStatement(st)) {
        const key = cacheKey(session.user, st, params);
        const hit = rc.get(key);
        if (hit !== undefined) {
          if (this.plugins.active) run.onSettled = (result, _raw, error) => this.#afterPlugins(session, st, params, result, error);
          serve(run, hit);
          return 'served';
        }
        const tables = st.metadata.tablesAccessed.map((t) => t.toLowerCase());
        // Taken before the statement's snapshot: a commit after it makes the entry stale.
        cache = { key, tables, taken: rc.stamp(tables) };
      }
    }
    if (cache === null && !this.plugins.active) return this.#settledDefault;
    const last = statements[statements.length - 1];
    return (result, raw, error) => {
      this.#settledDefault(result, raw, error);
      if (cache !== null && result !== null && raw !== null && actor.transactionState === 'noTxn') {
        this.#store(cache.key, cache.tables, cache.taken, result, raw);
      }
      if (this.plugins.active && last !== undefined) return this.#afterPlugins(session, last, params, result, error);
      return undefined;
    };
  }

  /** afterExecute, then transformResult (whose answer replaces what the caller gets). */
  #afterPlugins(
    session: { readonly id: string; readonly user: string },
    st: AnalyzedStatement,
    params: readonly SqlValue[],
    result: QueryResult | null,
    error: DispatcherError | null,
  ): QueryResult | undefined {
    const ctx = contextOf(session, st, params);
    this.plugins.afterExecute(ctx, resultOf(result, error));
    if (result === null || !this.plugins.transforms) return undefined;
    return this.plugins.transformResult(ctx, result);
  }

  readonly #settledDefault: SettledHook = (_result, _raw, error) => {
    const b = this.breaker;
    if (error !== null) b.record(error.sqlState);
    else if (b.failures > 0 || b.state !== 'closed') b.record(null);
  };

  #store(key: string, tables: readonly string[], taken: { stamp: number[]; global: number }, result: QueryResult, raw: readonly unknown[][]): void {
    if (raw.length > this.resultCache.maxRows) return;
    // Only base tables: a view's result depends on tables its name does not reveal.
    const snap = this.#deps.snapshot();
    try {
      for (const t of tables) if (snap.getTable(t) === undefined) return;
    } finally {
      snap.release();
    }
    this.resultCache.put(key, tables, taken, {
      command: result.command,
      columns: result.columns,
      rows: raw.map((r) => r.slice()),
    });
  }

  async shutdown(): Promise<void> {
    await this.plugins.shutdownAll();
  }
}

function contextOf(session: { readonly id: string; readonly user: string }, st: AnalyzedStatement, params: readonly SqlValue[]): PluginContext {
  return {
    sql: st.text,
    kind: st.kind,
    tables: st.metadata.tablesAccessed,
    params,
    user: session.user,
    sessionId: session.id,
    shape: st.shapeKey,
  };
}

function resultOf(result: QueryResult | null, error: DispatcherError | null): PluginResult {
  if (result === null) {
    return { ok: false, error: { sqlState: error?.sqlState ?? 'XX000', message: error?.message ?? 'failed' } };
  }
  return {
    ok: true,
    command: result.command,
    rowCount: result.rows.length,
    rowsAffected: result.rowsAffected,
    executionTimeMs: result.metrics.executionTimeMs,
    rows: result.rows,
  };
}

/** Answers a run with a cached result, through the same replies a coordinator would send. */
function serve(run: QueryRun, hit: CachedResult): void {
  const rows = hit.rows.map((r) => r.slice() as SqlValue[]);
  const to = run.id;
  if (rows.length > 0) run.onReply({ type: 'Rows', to, rows, columns: hit.columns });
  run.onReply({
    type: 'StatementDone',
    to,
    command: hit.command,
    columns: hit.columns,
    rowsAffected: 0,
    metrics: {
      kind: 'SELECT',
      executionTimeMs: 0,
      rowsAffected: 0,
      rowsExamined: 0,
      rowsProduced: rows.length,
      indexesUsed: [],
      bufferHits: 0,
      bufferMisses: 0,
      ioOperations: 0,
      lockWaitMs: 0,
      planCacheHit: true,
    },
  });
  run.onReply({ type: 'Ok', to });
}
