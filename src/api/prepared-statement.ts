// A statement analysed once: each execution skips parsing and goes straight to the session, and
// its plan comes from the plan cache under the statement's shape.
import type { AnalyzedStatement } from '../protocol/statement.js';
import type { SqlValue } from '../storage/ports.js';
import { DispatcherError, SqlState } from './errors.js';
import type { Session } from './session.js';
import type { ArrayRow, ExecuteOptions, ObjectRow, QueryHandle, QueryResult } from './types.js';
import { keepShape } from '../execution/shape-keeper.js';

/** What a prepared statement hands Session.run each time. */
export interface PreparedRequest {
  readonly statements: readonly AnalyzedStatement[];
  readonly id: number;
  /**
   * The privilege snapshot and role under which the statements last passed admission unchanged
   * (no temporary table involved): the same pair admits them again without a check.
   */
  admitted?: { readonly acl: object; readonly user: string } | undefined;
}

const NO_PARAMS: readonly SqlValue[] = [];

export class PreparedStatement {
  readonly text: string;
  readonly #session: Session;
  readonly #prepared: PreparedRequest;
  #closed = false;

  constructor(session: Session, text: string, statements: readonly AnalyzedStatement[], id: number) {
    this.#session = session;
    this.text = text;
    this.#prepared = { statements, id, admitted: undefined };
  }

  /** Number of parameters ($1..$n) the statement takes. */
  get parameterCount(): number {
    let n = 0;
    for (const s of this.#prepared.statements) n = Math.max(n, s.userParamCount);
    return n;
  }

  execute(params?: readonly SqlValue[], options?: ExecuteOptions & { rowMode?: 'array' }): Promise<QueryResult<ArrayRow>>;
  execute(params: readonly SqlValue[] | undefined, options: ExecuteOptions & { rowMode: 'object' }): Promise<QueryResult<ObjectRow>>;
  execute(params: readonly SqlValue[] = [], options: ExecuteOptions = {}): Promise<QueryResult> {
    if (this.#closed) return Promise.reject(this.#closedError());
    return this.#session.run(this.text, params, options, false, this.#prepared).result;
  }

  /**
   * Runs the statement once per parameter set, as one statement (see Session.executeMany): a bulk
   * load or update pays one round trip through the session instead of one per row.
   */
  executeMany(paramSets: Iterable<readonly SqlValue[]>, options?: ExecuteOptions & { rowMode?: 'array' }): Promise<QueryResult<ArrayRow>>;
  executeMany(paramSets: Iterable<readonly SqlValue[]>, options: ExecuteOptions & { rowMode: 'object' }): Promise<QueryResult<ObjectRow>>;
  executeMany(paramSets: Iterable<readonly SqlValue[]>, options: ExecuteOptions = {}): Promise<QueryResult> {
    if (this.#closed) return Promise.reject(this.#closedError());
    return this.#session.run(this.text, NO_PARAMS, options, false, this.#prepared, paramSets).result;
  }

  query(params: readonly SqlValue[] = [], options: ExecuteOptions = {}): QueryHandle {
    if (this.#closed) throw this.#closedError();
    return this.#session.run(this.text, params, options, true, this.#prepared).handle();
  }

  close(): void {
    this.#closed = true;
  }

  #closedError(): DispatcherError {
    return new DispatcherError(SqlState.InvalidParameterValue, 'prepared statement is closed', { query: this.text });
  }
}

/**
 * An idle statement, kept so that V8 keeps the class's map (see execution/shape-keeper.ts): a
 * program that closes its database and opens another (or prepares its statements again) may
 * have none alive at a memory-reducing collection.
 */
keepShape(new PreparedStatement(null as never, '', [], 0));
