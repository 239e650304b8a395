// A connection to the database: runs statements one at a time, in order, in its own transaction
// state. Every call returns promptly; the work happens in the session actor.
import { isUint8Array } from 'node:util/types';
import type { SessionActor } from '../../actors/session.js';
import type { ActorSystem } from '../../actors/system.js';
import type { Analyzer } from '../analysis/analyzer.js';
import type { AnalyzedStatement } from '../protocol/statement.js';
import { appendParamSet, newParamSetsCopy, paramSet, type ParamSets, type ParamSetsCopy } from '../protocol/param-sets.js';
import type { SqlValue } from '../storage/ports.js';
import { canceled, DispatcherError, SqlState, toDispatcherError } from './errors.js';
import { PreparedStatement, type PreparedRequest } from './prepared-statement.js';
import { QueryRun, type QueryOwner } from './query-run.js';
import { admitStatements } from './statement-admission.js';
import { dropTempTables, TempTables } from './temp-tables.js';
import type { Operations } from './operations.js';
import type { ArrayRow, ExecuteOptions, ObjectRow, QueryHandle, QueryResult } from './types.js';

export interface SessionHost {
  readonly system: ActorSystem;
  readonly analyzer: Analyzer;
  /** Security, plugins, circuit breaker, result cache (src/api/operations.ts). */
  readonly operations?: Operations | undefined;
  sessionClosed(s: Session): void;
}

export class Session {
  readonly id: string;
  readonly user: string;
  readonly #host: SessionHost;
  readonly #actor: SessionActor;
  #closed = false;
  #closing: Promise<void> | null = null;
  /** Why the session was closed for its user (the idle timeout), answered to later calls. */
  #closedBy: DispatcherError | null = null;
  /** This session's temporary tables (name-mangled in the shared storage). */
  readonly #temp: TempTables;
  #nextPrepared = 1;
  /** What every QueryRun of this session calls back (cancel, release). */
  readonly #owner: QueryOwner = {
    cancelQuery: (queryId, reason) => this.#actor.tell({ type: 'Cancel', queryId, reason }),
    releaseQuery: (run) => {
      this.#host.system.router.unregister(run.id);
      if (run.abortCleanup !== null) {
        run.abortCleanup();
        run.abortCleanup = null;
      }
    },
  };

  constructor(host: SessionHost, actor: SessionActor) {
    this.#host = host;
    this.#actor = actor;
    this.id = String(actor.id);
    this.user = actor.user;
    this.#temp = new TempTables(actor.id);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The transaction machine's state: 'noTxn', 'open.explicit', 'aborted', ... */
  get transactionState(): string {
    return this.#actor.transactionState;
  }

  execute(sql: string, params?: readonly SqlValue[], options?: ExecuteOptions & { rowMode?: 'array' }): Promise<QueryResult<ArrayRow>>;
  execute(sql: string, params: readonly SqlValue[] | undefined, options: ExecuteOptions & { rowMode: 'object' }): Promise<QueryResult<ObjectRow>>;
  execute(sql: string, params: readonly SqlValue[] = [], options: ExecuteOptions = {}): Promise<QueryResult> {
    return this.run(sql, params, options, false, null).result;
  }

  query(sql: string, params?: readonly SqlValue[], options?: ExecuteOptions & { rowMode?: 'array' }): QueryHandle<ArrayRow>;
  query(sql: string, params: readonly SqlValue[] | undefined, options: ExecuteOptions & { rowMode: 'object' }): QueryHandle<ObjectRow>;
  query(sql: string, params: readonly SqlValue[] = [], options: ExecuteOptions = {}): QueryHandle {
    return this.run(sql, params, options, true, null).handle();
  }

  /**
   * Runs one statement (SELECT, INSERT, UPDATE or DELETE) once per parameter set, as one statement:
   * a failure in any set undoes them all, rowsAffected is their sum and rows come in set order.
   */
  executeMany(sql: string, paramSets: Iterable<readonly SqlValue[]>, options?: ExecuteOptions & { rowMode?: 'array' }): Promise<QueryResult<ArrayRow>>;
  executeMany(sql: string, paramSets: Iterable<readonly SqlValue[]>, options: ExecuteOptions & { rowMode: 'object' }): Promise<QueryResult<ObjectRow>>;
  executeMany(sql: string, paramSets: Iterable<readonly SqlValue[]>, options: ExecuteOptions = {}): Promise<QueryResult> {
    return this.run(sql, NO_PARAMS, options, false, null, paramSets).result;
  }

  async prepare(sql: string): Promise<PreparedStatement> {
    this.#assertOpen();
    if (typeof sql !== 'string') throw new DispatcherError(SqlState.InvalidParameterValue, `statement text must be a string, not ${typeof sql}`);
    let statements: AnalyzedStatement[];
    try {
      // The length limit refuses a text before it is parsed, at PREPARE as at execution.
      this.#host.operations?.checkText(sql);
      statements = this.#host.analyzer.analyze(sql);
    } catch (e) {
      throw toDispatcherError(e, sql);
    }
    return new PreparedStatement(this, sql, statements, this.#nextPrepared++);
  }

  /** Starts a request; `prepared` skips analysis. Internal to the API layer. */
  run(
    sql: string,
    params: readonly SqlValue[],
    options: ExecuteOptions,
    observed: boolean,
    prepared: PreparedRequest | null,
    paramSets?: Iterable<readonly SqlValue[]>,
  ): QueryRun {
    const router = this.#host.system.router;
    const id = router.newId();
    // JavaScript callers can pass anything: a bad call is refused through the result, not thrown.
    const misuse = paramSets === undefined ? readCall(sql, params, options) : readBatchCall(sql, paramSets, options);
    // What readCall read, once (its scratch object is overwritten by the next call).
    params = CALL.params;
    const batch = CALL.batch;
    const signal = CALL.signal;
    const timeoutMs = CALL.timeoutMs;
    const run = new QueryRun(id, sql, CALL.rowMode ?? 'array', observed, this.#owner);
    if (misuse !== null) {
      run.failEarly(misuse);
      return run;
    }
    if (this.#closed) {
      run.failEarly(this.#closedBy?.withQuery(sql) ?? new DispatcherError(SqlState.ConnectionDoesNotExist, 'session is closed', { query: sql }));
      return run;
    }
    let statements: readonly AnalyzedStatement[];
    const ops = this.#host.operations;
    try {
      ops?.checkText(sql);
      statements = prepared?.statements ?? this.#host.analyzer.analyze(sql);
      if (this.#actor.transactionState === 'noTxn') this.#temp.prune(this.#host.system.storage);
      const acl = this.#host.system.access.current;
      const user = this.#actor.currentUser;
      const admitted = prepared?.admitted;
      // Admission is a pure function of the statements, privileges, role and temporary tables:
      // a prepared statement admitted unchanged under this snapshot and role needs no new check.
      if (admitted === undefined || admitted.acl !== acl || admitted.user !== user || !this.#temp.empty) {
        statements = admitStatements(statements, user, acl, this.#temp, this.user);
        if (prepared !== null && statements === prepared.statements && this.#temp.empty) prepared.admitted = { acl, user };
      }
      if (batch === undefined) checkParams(statements, params);
      else checkBatch(statements, batch);
      ops?.admit(this, sql, params, statements);
    } catch (e) {
      run.failEarly(toDispatcherError(e, sql));
      return run;
    }
    run.analyzed(prepared !== null || statements.every((s) => s.cacheHit));
    router.register(id, run.onReply);
    if (signal !== undefined) {
      if (signal.aborted) {
        router.unregister(id);
        run.failEarly(canceled().withQuery(sql));
        return run;
      }
      const onAbort = (): void => run.cancel('user');
      signal.addEventListener('abort', onAbort, { once: true });
      run.abortCleanup = () => signal.removeEventListener('abort', onAbort);
    }
    if (ops !== undefined) {
      const hook = ops.prepareRun(this.#actor, this, params, statements, run, batch !== undefined);
      if (hook === 'served') return run;
      run.onSettled = hook;
    }
    this.#actor.tell({
      type: 'Execute',
      queryId: id,
      statements,
      params,
      batch,
      timeoutMs,
      observed,
      preparedId: prepared?.id,
    });
    return run;
  }

  async close(reason?: DispatcherError): Promise<void> {
    if (this.#closed) return;
    this.#closedBy ??= reason ?? null;
    // Temporary tables go first, as statements of this session (its open work is rolled back).
    this.#closing ??= dropTempTables(this, this.#temp, this.#host.system.storage);
    await this.#closing;
    if (this.#closed) return;
    this.#closed = true;
    await this.#host.system.closeSession(this.#actor);
    this.#host.sessionClosed(this);
  }

  /**
   * Milliseconds since the session last worked (0 while a request runs): the idle timeout reads it.
   * `now` is a performance.now() reading.
   */
  idleMs(now: number): number {
    return this.#actor.busy ? 0 : now - this.#actor.lastActivity;
  }

  /** SET idle_session_timeout of this session in ms (0: the database's default applies). */
  get idleTimeoutMs(): number {
    return Number(this.#actor.variables.show('idle_session_timeout'));
  }

  #assertOpen(): void {
    if (this.#closed) throw new DispatcherError(SqlState.ConnectionDoesNotExist, 'session is closed');
  }
}

const NO_PARAMS: readonly SqlValue[] = Object.freeze([]);

function bad(message: string): DispatcherError {
  return new DispatcherError(SqlState.InvalidParameterValue, message);
}

/** What readCall read: one scratch object, read by Session.run right after the call. */
const CALL: {
  params: readonly SqlValue[];
  batch: ParamSets | undefined;
  rowMode: ExecuteOptions['rowMode'];
  signal: AbortSignal | undefined;
  timeoutMs: number | undefined;
} = {
  params: NO_PARAMS,
  batch: undefined,
  rowMode: undefined,
  signal: undefined,
  timeoutMs: undefined,
};

/**
 * What the type system promises TypeScript callers, checked for JavaScript ones. The parameters and
 * options are copied: the caller may change its array while the statement runs, and a proxy that
 * throws must fail here, as a refused call.
 */
function readCall(sql: unknown, params: unknown, options: unknown): DispatcherError | null {
  CALL.params = NO_PARAMS;
  CALL.batch = undefined;
  CALL.rowMode = undefined;
  CALL.signal = undefined;
  CALL.timeoutMs = undefined;
  if (typeof sql !== 'string') return bad(`statement text must be a string, not ${sql === null ? 'null' : typeof sql}`);
  if (!Array.isArray(params)) return bad(`parameters must be an array, not ${params === null ? 'null' : typeof params}`);
  if (options === null || typeof options !== 'object') return bad('options must be an object');
  try {
    const { rowMode, signal, timeoutMs } = options as ExecuteOptions;
    if (signal !== undefined && !(signal instanceof AbortSignal)) return bad('options.signal must be an AbortSignal');
    if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs >= 0)) return bad('options.timeoutMs must be a number of milliseconds');
    if (rowMode !== undefined && rowMode !== 'array' && rowMode !== 'object') return bad(`options.rowMode must be 'array' or 'object'`);
    CALL.params = Array.prototype.slice.call(params) as SqlValue[];
    CALL.rowMode = rowMode;
    CALL.signal = signal;
    CALL.timeoutMs = timeoutMs;
    return null;
  } catch {
    return bad('the parameters or options could not be read');
  }
}

/** What the copy loops return for a set that is null (their null means every set was copied). */
const NULL_SET = {};

// The copy loops are functions of their own: a loop that runs once per call is compiled on the
// stack (OSR), and the code after it, met without type feedback, deoptimized it at every call
// (50 deoptimizations in six 100k-row loads).

/** Appends one set to the copy; the set itself when it is not an array (NULL_SET for null), else null. */
function copySet(set: unknown, c: ParamSetsCopy): unknown {
  if (!Array.isArray(set)) return set === null ? NULL_SET : set;
  appendParamSet(c, set);
  return null;
}

/** Copies the sets of an array; the first one that is not an array, or null. */
function copyArraySets(paramSets: readonly unknown[], c: ParamSetsCopy): unknown {
  for (let i = 0; i < paramSets.length && c.misfit < 0; i++) {
    const refused = copySet(paramSets[i], c);
    if (refused !== null) return refused;
  }
  return null;
}

/** copyArraySets for any other iterable. */
function copyIterableSets(paramSets: Iterable<unknown>, c: ParamSetsCopy): unknown {
  for (const set of paramSets) {
    const refused = copySet(set, c);
    if (refused !== null || c.misfit >= 0) return refused;
  }
  return null;
}

/** readCall for executeMany: every set is copied (the first also becomes CALL.params). */
function readBatchCall(sql: unknown, paramSets: unknown, options: unknown): DispatcherError | null {
  const misuse = readCall(sql, NO_PARAMS, options);
  if (misuse !== null) return misuse;
  if (paramSets === null || typeof paramSets !== 'object' || typeof (paramSets as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    return bad(`parameter sets must be an iterable of arrays, not ${paramSets === null ? 'null' : typeof paramSets}`);
  }
  const c = newParamSetsCopy();
  let refused: unknown = null;
  try {
    refused = Array.isArray(paramSets) ? copyArraySets(paramSets, c) : copyIterableSets(paramSets as Iterable<unknown>, c);
  } catch {
    return bad('the parameter sets could not be read');
  }
  if (refused !== null) return bad(`parameter set ${c.count + 1} must be an array, not ${refused === NULL_SET ? 'null' : typeof refused}`);
  CALL.batch = c;
  CALL.params = c.count > 0 ? paramSet(c, 0) : NO_PARAMS;
  return null;
}

const BATCH_KINDS: ReadonlySet<string> = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE']);

function checkBatch(statements: readonly AnalyzedStatement[], sets: ParamSets): void {
  const st = statements[0];
  if (statements.length !== 1 || st === undefined || !BATCH_KINDS.has(st.kind)) {
    throw new DispatcherError(SqlState.FeatureNotSupported, 'executeMany runs one SELECT, INSERT, UPDATE or DELETE statement');
  }
  const needed = paramsNeeded(statements);
  const inSet = (i: number, e: DispatcherError): DispatcherError =>
    new DispatcherError(e.sqlState, `parameter set ${i + 1}: ${e.message}`);
  if (sets.count > 0 && sets.width !== needed) throw inSet(0, countMismatch(sets.width, needed));
  const { chunks, perChunk } = sets;
  for (let c = 0; c < chunks.length; c++) {
    const chunk = chunks[c]!;
    for (let k = 0; k < chunk.length; k++) {
      const bad = badParam(chunk[k]!, k % needed);
      if (bad !== null) throw inSet(c * perChunk + Math.floor(k / needed), bad);
    }
  }
  if (sets.misfit >= 0) throw inSet(sets.misfit, countMismatch(sets.misfitLength, needed));
}

function paramsNeeded(statements: readonly AnalyzedStatement[]): number {
  let needed = 0;
  for (const s of statements) needed = Math.max(needed, s.userParamCount);
  return needed;
}

function countMismatch(supplied: number, needed: number): DispatcherError {
  return new DispatcherError(SqlState.InvalidParameterCount, `bind message supplies ${supplied} parameters, but the statement requires ${needed}`);
}

function checkParams(statements: readonly AnalyzedStatement[], params: readonly SqlValue[]): void {
  const needed = paramsNeeded(statements);
  if (params.length !== needed) throw countMismatch(params.length, needed);
  for (let i = 0; i < params.length; i++) {
    const bad = badParam(params[i]!, i);
    if (bad !== null) throw bad;
  }
}

/** The error for parameter i's value, or null when it is a value the engine takes. */
function badParam(v: SqlValue, i: number): DispatcherError | null {
  const t = typeof v;
  if (
    v === null ||
    t === 'number' ||
    t === 'string' ||
    t === 'boolean' ||
    t === 'bigint' ||
    // not instanceof: it asks the value for its prototype, and a proxy can throw there
    isUint8Array(v)
  )
    return null;
  return new DispatcherError(SqlState.DatatypeMismatch, `parameter $${i + 1} has an unsupported type (${t})`);
}
