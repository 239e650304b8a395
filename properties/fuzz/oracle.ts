// The fuzz oracle: runs one case as a user would and classifies what came back. A result, or a
// DispatcherError with a five-character SQLSTATE, is an outcome; anything else is a violation: an
// exception of another type, an internal error (XX000: a crash some layer caught and wrapped),
// corruption or I/O codes, a promise that never settles, an unhandled rejection, an uncaught
// exception. At the end the database file must reopen and pass the integrity check.
import { Database, type DatabaseOptions } from '../../src/api/database.js';
import { DispatcherError } from '../../src/api/errors.js';
import type { Session } from '../../src/api/session.js';
import type { SqlValue } from '../../src/storage/ports.js';
import type { QueryHandle } from '../../src/api/types.js';
import { SCHEMA_SQL } from './sql-arbitraries.js';
import { describeCase, type FuzzCase } from './cases.js';

/** SQLSTATEs that mean the engine broke, not that the statement was refused. */
export const BROKEN_STATES: ReadonlySet<string> = new Set(['XX000', 'XX001', 'XX002', '58030']);

export class Violation extends Error {
  constructor(message: string, readonly detail: string) {
    super(`${message}\n  ${detail}`);
    this.name = 'Violation';
  }
}

/** 'ok' or the SQLSTATE; a `sync:` prefix marks an error thrown synchronously by the API call. */
export type Outcome = string;

function describeThrown(e: unknown): string {
  if (e instanceof Error) return `${e.constructor.name}: ${e.message.slice(0, 300)}\n${(e.stack ?? '').split('\n').slice(1, 8).join('\n')}`;
  try {
    return `${typeof e}: ${String(e).slice(0, 300)}`;
  } catch {
    return typeof e;
  }
}

/** The SQLSTATE of a proper error; a Violation for anything else. */
export function classifyError(e: unknown, what: string): string {
  if (!(e instanceof DispatcherError)) throw new Violation(`not a DispatcherError: ${describeThrown(e)}`, what);
  if (typeof e.sqlState !== 'string' || !/^[0-9A-Z]{5}$/.test(e.sqlState)) {
    throw new Violation(`DispatcherError without a valid SQLSTATE (${String(e.sqlState)}): ${e.message}`, what);
  }
  if (BROKEN_STATES.has(e.sqlState)) {
    const cause = e.cause === undefined ? '' : `\n  cause: ${describeThrown(e.cause)}`;
    throw new Violation(`engine failure ${e.sqlState}: ${e.message.slice(0, 300)}${cause}`, what);
  }
  return e.sqlState;
}

/** Settles `p` or fails with a hang violation after `ms`. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Violation(`no answer within ${ms} ms (hang)`, what)), ms);
  });
  try {
    const settled = p.then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    return await Promise.race([settled, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** Records unhandled rejections and uncaught exceptions while installed. */
export class EscapeTrap {
  readonly escaped: string[] = [];
  readonly #onRejection = (reason: unknown): void => {
    this.escaped.push(`unhandled rejection: ${describeThrown(reason)}`);
  };
  readonly #onException = (e: unknown): void => {
    this.escaped.push(`uncaught exception: ${describeThrown(e)}`);
  };

  install(): this {
    process.on('unhandledRejection', this.#onRejection);
    process.on('uncaughtException', this.#onException);
    return this;
  }

  uninstall(): void {
    process.off('unhandledRejection', this.#onRejection);
    process.off('uncaughtException', this.#onException);
  }

  /** Throws a Violation naming what escaped since the last check. */
  check(what: string): void {
    if (this.escaped.length === 0) return;
    const all = this.escaped.splice(0).join('\n  ');
    throw new Violation(all, what);
  }
}

export interface OracleOptions {
  /** A statement that has not answered after this long is a hang. */
  readonly hangMs: number;
  /** The statement timeout passed to every call (bounds legitimate long work). */
  readonly statementTimeoutMs: number;
}

export const DEFAULT_ORACLE: OracleOptions = { hangMs: 30_000, statementTimeoutMs: 1_500 };

/** Gives the macrotask queue a turn (rejections handled late show up as unhandled by then). */
export function tick(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** Runs one case on `session`; returns the outcome, throws a Violation. */
export async function runCase(session: Session, c: FuzzCase, o: OracleOptions = DEFAULT_ORACLE): Promise<Outcome> {
  const what = describeCase(c);
  const params = c.params as readonly SqlValue[];
  const options = { timeoutMs: o.statementTimeoutMs };
  const settle = async (start: () => Promise<unknown>): Promise<Outcome> => {
    let p: Promise<unknown>;
    try {
      p = start();
    } catch (e) {
      return `sync:${classifyError(e, what)}`;
    }
    if (!(p instanceof Promise)) throw new Violation('the API call did not return a promise', what);
    const r = await within(p, o.hangMs, what);
    return r.ok ? 'ok' : classifyError(r.error, what);
  };
  switch (c.mode) {
    case 'execute':
      return settle(() => session.execute(c.sql, params, options));
    case 'object-rows':
      return settle(() => session.execute(c.sql, params, { ...options, rowMode: 'object' }));
    case 'prepared': {
      let prepared: Awaited<ReturnType<Session['prepare']>> | undefined;
      const first = await settle(async () => {
        prepared = await session.prepare(c.sql);
      });
      if (first !== 'ok' || prepared === undefined) return first;
      const p = prepared;
      const outcome = await settle(() => p.execute(params, options));
      p.close();
      // A closed prepared statement refuses politely.
      const after = await settle(() => p.execute(params, options));
      if (after === 'ok') throw new Violation('a closed prepared statement executed', what);
      return outcome;
    }
    case 'query':
    case 'query-unsubscribe':
    case 'query-cancel': {
      let handle: QueryHandle;
      try {
        handle = session.query(c.sql, params, options);
      } catch (e) {
        return `sync:${classifyError(e, what)}`;
      }
      let streamError: unknown = null;
      // Rows produced before the subscription replay synchronously inside subscribe().
      let sub: { unsubscribe(): void } | undefined;
      let early = false;
      sub = handle.rows$.subscribe({
        next: () => {
          if (c.mode !== 'query-unsubscribe') return;
          if (sub === undefined) early = true;
          else sub.unsubscribe();
        },
        error: (e: unknown) => {
          streamError = e;
        },
      });
      if (early) sub.unsubscribe();
      const progress = handle.progress$.subscribe({ error: (e: unknown) => (streamError = e) });
      if (c.mode === 'query-cancel') handle.cancel();
      const r = await within(handle.result, o.hangMs, what);
      // Cancelling or unsubscribing after the end must be harmless.
      handle.cancel();
      handle.cancel();
      sub.unsubscribe();
      progress.unsubscribe();
      if (streamError !== null) classifyError(streamError, `${what} (rows$ error)`);
      return r.ok ? 'ok' : classifyError(r.error, what);
    }
  }
}

export interface FuzzDatabaseOptions extends DatabaseOptions {
  /** Lock wait bound per session (a second session may meet the first one's locks). */
  readonly lockTimeout?: string;
}

/** A database file with the fuzz schema and two sessions, reconnecting a session that was closed. */
export class FuzzTarget {
  readonly path: string;
  readonly #options: FuzzDatabaseOptions;
  #db: Database | null = null;
  readonly #sessions: (Session | null)[] = [null, null];

  constructor(path: string, options: FuzzDatabaseOptions = {}) {
    this.path = path;
    this.#options = options;
  }

  get db(): Database {
    if (this.#db === null) throw new Error('fuzz target is not open');
    return this.#db;
  }

  async open(withSchema: boolean): Promise<void> {
    this.#db = await Database.open(this.path, { durable: false, ...this.#options });
    if (withSchema) {
      const s = await this.session(0);
      for (const sql of SCHEMA_SQL) await s.execute(sql);
    }
  }

  /** Session `k`, connected (again) when needed. */
  async session(k: number): Promise<Session> {
    const s = this.#sessions[k];
    if (s !== null && s !== undefined && !s.closed) return s;
    const fresh = await this.db.connect();
    await fresh.execute(`SET lock_timeout = '${this.#options.lockTimeout ?? '200ms'}'`);
    this.#sessions[k] = fresh;
    return fresh;
  }

  /** Closes the database, reopens the file, and checks it: integrity, and a query answers. */
  async closeAndVerify(what: string, hangMs: number): Promise<void> {
    const db = this.#db;
    this.#db = null;
    this.#sessions.fill(null);
    if (db !== null) {
      const closed = await within(db.close(), hangMs, `${what}: close`);
      if (!closed.ok) classifyError(closed.error, `${what}: close`);
    }
    await verifyFile(this.path, what, hangMs);
  }
}

/** Reopens a closed database file: it must open, pass the integrity check and answer a query. */
export async function verifyFile(path: string, what: string, hangMs: number): Promise<void> {
  const opened = await within(Database.open(path, { durable: false }), hangMs, `${what}: reopen`);
  if (!opened.ok) throw new Violation(`the database does not reopen: ${describeThrown(opened.error)}`, what);
  const db = opened.value;
  try {
    const problems = db.integrityCheck();
    if (problems.length > 0) throw new Violation(`integrity check failed: ${problems.slice(0, 5).join('; ')}`, what);
    const s = await db.connect();
    const r = await within(s.execute('SELECT count(*) FROM t1'), hangMs, `${what}: query after reopen`);
    if (!r.ok) {
      // t1 may have been dropped by a fuzzed statement: any proper answer will do
      classifyError(r.error, `${what}: query after reopen`);
    }
  } finally {
    await db.close();
  }
}

