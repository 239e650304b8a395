// API misuse: random sequences of what a careless program does with sessions, handles, prepared
// statements and the database itself: work on a closed session, COMMIT twice, ROLLBACK without
// BEGIN, cancel after completion, cancel twice, unsubscribe early, abort signals, db.close() while
// queries run, connect after close, prepare then close, session and database closed at once.
// Calls that are not awaited overlap with the ones after them. Every promise must settle with a
// result or a DispatcherError; what is known to be refused must be refused with its SQLSTATE.
import fc from 'fast-check';
import { Database } from '../../src/api/database.js';
import { DispatcherError } from '../../src/api/errors.js';
import type { PreparedStatement } from '../../src/api/prepared-statement.js';
import type { Session } from '../../src/api/session.js';
import type { SqlValue } from '../../src/storage/ports.js';
import { describeValue } from './cases.js';
import { paramValue } from './param-arbitraries.js';
import { classifyError, tick, Violation, within, type EscapeTrap } from './oracle.js';
import { SCHEMA_SQL, validStatement } from './sql-arbitraries.js';

const SLOTS = 3;

/** Database.open arguments a JavaScript caller gets wrong (each on a path of its own). */
const ODD_OPENS: readonly ((dir: string) => readonly [unknown, unknown])[] = [
  (d) => [`${d}/odd-a.db`, null],
  (d) => [`${d}/odd-b.db`, { pageSize: 3 }],
  (d) => [`${d}/odd-c.db`, { poolPages: 0 }],
  (d) => [`${d}/odd-d.db`, { maxConcurrentQueries: 0 }],
  (d) => [`${d}/odd-e.db`, { checkpointBytes: Number.NaN }],
  (d) => [`${d}/odd-f.db`, { config: { max_concurrent_queries: -1 } }],
  (d) => [`${d}/odd-g.db`, { config: 'no/such/file.yaml' }],
  () => [42, {}],
  () => [null, undefined],
  (d) => [d, {}],
  (d) => [`${d}/\0nul.db`, {}],
  (d) => [`${d}/odd-h.db`, { durable: 'maybe' }],
  (d) => [`${d}/odd-i.db`, { pageSize: 4096, poolPages: 1, maxSessions: 1 }],
];

export type QueryEnd = 'await' | 'cancel' | 'cancel-twice' | 'cancel-after' | 'unsubscribe' | 'abort' | 'abort-before' | 'timeout';

export type MisuseAction =
  | { readonly t: 'execute'; readonly s: number; readonly sql: string; readonly wait: boolean }
  | { readonly t: 'burst'; readonly s: number; readonly sqls: readonly string[] }
  | { readonly t: 'query'; readonly s: number; readonly sql: string; readonly end: QueryEnd }
  | { readonly t: 'prepare'; readonly s: number; readonly p: number; readonly sql: string }
  | { readonly t: 'run-prepared'; readonly p: number; readonly params: readonly unknown[]; readonly wait: boolean; readonly many: number }
  | { readonly t: 'close-prepared'; readonly p: number }
  | { readonly t: 'close-session'; readonly s: number; readonly wait: boolean }
  | { readonly t: 'connect'; readonly s: number }
  | { readonly t: 'close-db'; readonly wait: boolean }
  | { readonly t: 'close-both'; readonly s: number }
  | { readonly t: 'reopen' }
  | { readonly t: 'open-again' }
  | { readonly t: 'db-cancel'; readonly id: number }
  | { readonly t: 'cancel-active'; readonly pick: number }
  | { readonly t: 'open-odd'; readonly k: number }
  | { readonly t: 'checkpoint' }
  | { readonly t: 'settle' };

const MISUSE_SQL = [
  'BEGIN', 'BEGIN', 'COMMIT', 'COMMIT', 'ROLLBACK', 'ROLLBACK', 'END', 'SAVEPOINT a', 'ROLLBACK TO SAVEPOINT a', 'RELEASE SAVEPOINT a',
  'SELECT * FROM t1', 'SELECT count(*) FROM t1 x, t1 y, t2 z', 'SELECT pg_sleep(0)',
  // long enough (hundreds of thousands of rows) to be running when the next actions come
  'SELECT count(*) FROM t1 a, t1 b, t1 c, t1 d, t1 e, t1 f, t1 g, t2 h, t2 i',
  'UPDATE t1 SET a = a + 1 WHERE id = 1', 'UPDATE t1 SET a = a - 1 WHERE id = 2', 'DELETE FROM t2 WHERE id > 100',
  "INSERT INTO t2 (id, e) VALUES (101, 'm1')", "INSERT INTO t2 (id, e) VALUES (102, 'm2')", 'SELECT * FROM t1 FOR UPDATE',
  'CREATE TABLE g1 (x INTEGER)', 'DROP TABLE g1', 'LOCK TABLE t1', 'SELECT 1/0', 'SELEC 1',
];

const misuseSql = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...MISUSE_SQL) }, { weight: 1, arbitrary: validStatement });
const slot = fc.nat(SLOTS - 1);

export const misuseAction: fc.Arbitrary<MisuseAction> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ t: fc.constant('execute' as const), s: slot, sql: misuseSql, wait: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('burst' as const), s: slot, sqls: fc.array(misuseSql, { minLength: 2, maxLength: 12 }) }) },
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant('query' as const),
      s: slot,
      sql: misuseSql,
      end: fc.constantFrom<QueryEnd>('await', 'cancel', 'cancel-twice', 'cancel-after', 'unsubscribe', 'abort', 'abort-before', 'timeout'),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('prepare' as const), s: slot, p: slot, sql: misuseSql }) },
  { weight: 2, arbitrary: fc.record({
      t: fc.constant('run-prepared' as const),
      p: slot,
      params: fc.array(paramValue, { maxLength: 2 }),
      wait: fc.boolean(),
      // 0: execute; n > 0: executeMany with the parameters as n sets
      many: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) }),
    }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('close-prepared' as const), p: slot }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('close-session' as const), s: slot, wait: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('connect' as const), s: slot }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('close-db' as const), wait: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('close-both' as const), s: slot }) },
  { weight: 1, arbitrary: fc.constant({ t: 'reopen' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'open-again' as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('db-cancel' as const), id: fc.integer({ min: -1, max: 40 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('cancel-active' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('open-odd' as const), k: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ t: 'checkpoint' as const }) },
  { weight: 2, arbitrary: fc.constant({ t: 'settle' as const }) },
);

export const misuseSequence: fc.Arbitrary<MisuseAction[]> = fc.array(misuseAction, { minLength: 3, maxLength: 30 });

/** One line per action (parameters may be values that throw when converted). */
export function describeAction(a: MisuseAction): string {
  const parts: string[] = [a.t];
  for (const [k, v] of Object.entries(a)) {
    if (k === 't') continue;
    if (k === 'params') parts.push(`params=[${(v as unknown[]).map(describeValue).join(', ')}]`);
    else if (k === 'sqls') parts.push(`sqls=${JSON.stringify((v as string[]).map((x) => x.slice(0, 80)))}`);
    else if (typeof v === 'string') parts.push(`${k}=${JSON.stringify(v.length > 200 ? `${v.slice(0, 200)}…` : v)}`);
    else parts.push(`${k}=${String(v)}`);
  }
  return parts.join(' ');
}

/** Runs one misuse sequence against a database file; throws a Violation. */
export class MisuseRunner {
  readonly #path: string;
  readonly #hangMs: number;
  readonly #trap: EscapeTrap;
  #db: Database | null = null;
  /** A close started but not awaited: reopen waits for it. */
  #dbClosing: Promise<void> | null = null;
  readonly #sessions: (Session | null)[] = new Array<Session | null>(SLOTS).fill(null);
  /** Sessions whose close() has resolved: they must refuse work with 08003 (or 57P05). */
  readonly #closedSessions = new Set<Session>();
  readonly #prepared: (PreparedStatement | null)[] = new Array<PreparedStatement | null>(SLOTS).fill(null);
  readonly #closedPrepared = new Set<PreparedStatement>();
  readonly #pending: { readonly what: string; readonly p: Promise<unknown> }[] = [];
  /** Outcomes ('ok' or SQLSTATE) of every call, for the report. */
  readonly outcomes = new Map<string, number>();

  constructor(path: string, hangMs: number, trap: EscapeTrap) {
    this.#path = path;
    this.#hangMs = hangMs;
    this.#trap = trap;
  }

  async run(actions: readonly MisuseAction[]): Promise<void> {
    await this.#open(true);
    for (let i = 0; i < actions.length; i++) {
      const a = actions[i]!;
      const what = `action ${i} ${describeAction(a)}`;
      await this.#step(a, what);
      await tick();
      this.#trap.check(what);
    }
    await this.#settle('end of sequence');
    if (this.#dbClosing !== null) await this.#expectSettled(this.#dbClosing, 'pending close');
    if (this.#db !== null && !this.#db.closed) await this.#expectSettled(this.#db.close(), 'final close');
    await tick();
    this.#trap.check('after the sequence');
  }

  #count(outcome: string): void {
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
  }

  async #open(withSchema: boolean): Promise<void> {
    const r = await within(Database.open(this.#path, { durable: false }), this.#hangMs, 'open');
    if (!r.ok) throw new Violation(`the database does not open: ${String(r.error)}`, this.#path);
    this.#db = r.value;
    this.#dbClosing = null;
    this.#sessions.fill(null);
    this.#prepared.fill(null);
    if (withSchema) {
      const s = await this.#db.connect();
      for (const sql of SCHEMA_SQL) await s.execute(sql);
      await s.close();
    }
  }

  /** A promise the sequence does not wait for now: it must settle properly later. */
  #track(what: string, p: Promise<unknown>): void {
    const settled = p.then(
      () => this.#count('ok'),
      (e: unknown) => this.#count(classifyError(e, what)),
    );
    // the Violation surfaces at the next settle; keep it from being an unhandled rejection meanwhile
    settled.catch(() => undefined);
    this.#pending.push({ what, p: settled });
  }

  async #expectSettled(p: Promise<unknown>, what: string): Promise<'ok' | string> {
    const r = await within(p, this.#hangMs, what);
    const outcome = r.ok ? 'ok' : classifyError(r.error, what);
    this.#count(outcome);
    return outcome;
  }

  async #settle(what: string): Promise<void> {
    const all = this.#pending.splice(0);
    for (const x of all) {
      const r = await within(x.p, this.#hangMs, `${what}: ${x.what}`);
      if (!r.ok) throw r.error instanceof Violation ? r.error : new Violation(String(r.error), x.what);
    }
  }

  /** Calls `f`; a synchronous throw must be a DispatcherError too. */
  #call<T>(what: string, f: () => Promise<T>): Promise<T> | null {
    try {
      return f();
    } catch (e) {
      this.#count(`sync:${classifyError(e, what)}`);
      return null;
    }
  }

  async #session(k: number): Promise<Session | null> {
    const s = this.#sessions[k];
    if (s !== null && s !== undefined) return s;
    if (this.#db === null || this.#db.closed) return null;
    try {
      const fresh = await this.#db.connect();
      await fresh.execute("SET lock_timeout = '150ms'");
      this.#sessions[k] = fresh;
      return fresh;
    } catch (e) {
      this.#count(classifyError(e, 'connect'));
      return null;
    }
  }

  async #step(a: MisuseAction, what: string): Promise<void> {
    switch (a.t) {
      case 'execute': {
        const s = await this.#session(a.s);
        if (s === null) return;
        const known = this.#closedSessions.has(s);
        const p = this.#call(what, () => s.execute(a.sql, [], { timeoutMs: 3000 }));
        if (p === null) return;
        if (known) {
          // A session known to be closed refuses at once.
          const outcome = await this.#expectSettled(p, what);
          if (outcome !== '08003' && outcome !== '57P05') throw new Violation(`a closed session answered ${outcome}`, what);
          return;
        }
        if (a.wait) await this.#expectSettled(p, what);
        else this.#track(what, p);
        return;
      }
      case 'burst': {
        // many requests queued on one session at once, none awaited
        const s = await this.#session(a.s);
        if (s === null) return;
        for (const sql of a.sqls) {
          const p = this.#call(what, () => s.execute(sql, [], { timeoutMs: 3000 }));
          if (p !== null) this.#track(`${what}: ${sql.slice(0, 80)}`, p);
        }
        return;
      }
      case 'query': {
        const s = await this.#session(a.s);
        if (s === null) return;
        const controller = new AbortController();
        if (a.end === 'abort-before') controller.abort();
        let handle;
        try {
          handle = s.query(a.sql, [], { signal: controller.signal, timeoutMs: a.end === 'timeout' ? 1 : 3000 });
        } catch (e) {
          this.#count(`sync:${classifyError(e, what)}`);
          return;
        }
        const h = handle;
        let streamError: unknown = null;
        const sub = h.rows$.subscribe({ error: (e: unknown) => (streamError = e) });
        const prog = h.progress$.subscribe({ error: (e: unknown) => (streamError = e) });
        switch (a.end) {
          case 'cancel':
            h.cancel();
            break;
          case 'cancel-twice':
            h.cancel();
            h.cancel();
            break;
          case 'unsubscribe':
            sub.unsubscribe();
            break;
          case 'abort':
            controller.abort();
            break;
          default:
            break;
        }
        const outcome = await this.#expectSettled(h.result, what);
        if (a.end === 'abort-before' && outcome === 'ok') throw new Violation('a query with an aborted signal ran', what);
        // After the end: cancel, abort and unsubscribe are harmless.
        h.cancel();
        h.cancel();
        controller.abort();
        sub.unsubscribe();
        prog.unsubscribe();
        if (streamError !== null) classifyError(streamError, `${what} (stream error)`);
        return;
      }
      case 'prepare': {
        const s = await this.#session(a.s);
        if (s === null) return;
        const p = this.#call(what, () => s.prepare(a.sql));
        if (p === null) return;
        const r = await within(p, this.#hangMs, what);
        if (r.ok) {
          this.#prepared[a.p] = r.value;
          this.#count('ok');
        } else this.#count(classifyError(r.error, what));
        return;
      }
      case 'run-prepared': {
        const ps = this.#prepared[a.p];
        if (ps === null || ps === undefined) return;
        const known = this.#closedPrepared.has(ps);
        const params = a.params as SqlValue[];
        const p = this.#call(what, () =>
          a.many === 0
            ? ps.execute(params, { timeoutMs: 3000 })
            : ps.executeMany(Array.from({ length: a.many }, () => params), { timeoutMs: 3000 }),
        );
        if (p === null) return;
        if (known) {
          const outcome = await this.#expectSettled(p, what);
          if (outcome === 'ok') throw new Violation('a closed prepared statement executed', what);
          return;
        }
        if (a.wait) await this.#expectSettled(p, what);
        else this.#track(what, p);
        return;
      }
      case 'close-prepared': {
        const ps = this.#prepared[a.p];
        if (ps === null || ps === undefined) return;
        try {
          ps.close();
          this.#closedPrepared.add(ps);
        } catch (e) {
          this.#count(`sync:${classifyError(e, what)}`);
        }
        return;
      }
      case 'close-session': {
        const s = this.#sessions[a.s];
        if (s === null || s === undefined) return;
        const p = this.#call(what, () => s.close());
        if (p === null) return;
        if (a.wait) {
          await this.#expectSettled(p, what);
          this.#closedSessions.add(s);
        } else this.#track(what, p);
        return;
      }
      case 'connect': {
        const db = this.#db;
        if (db === null) return;
        const p = this.#call(what, () => db.connect());
        if (p === null) return;
        const r = await within(p, this.#hangMs, what);
        if (r.ok) {
          if (db.closed) throw new Violation('connect() succeeded on a closed database', what);
          this.#sessions[a.s] = r.value;
          this.#count('ok');
        } else {
          const state = classifyError(r.error, what);
          this.#count(state);
          if (db.closed && state !== '08003') throw new Violation(`connect() after close answered ${state}, not 08003`, what);
        }
        return;
      }
      case 'close-db': {
        const db = this.#db;
        if (db === null) return;
        const p = this.#call(what, () => db.close());
        if (p === null) return;
        if (a.wait) await this.#expectSettled(p, what);
        else {
          this.#dbClosing = p.then(
            () => undefined,
            () => undefined,
          );
          this.#track(what, p);
        }
        return;
      }
      case 'close-both': {
        const db = this.#db;
        const s = this.#sessions[a.s];
        if (db === null) return;
        const both = Promise.all([s?.close(), db.close(), s?.close(), db.close()]);
        await this.#expectSettled(both, what);
        if (s !== null && s !== undefined) this.#closedSessions.add(s);
        return;
      }
      case 'reopen': {
        if (this.#db !== null && !this.#db.closed) return;
        await this.#settle(what);
        if (this.#dbClosing !== null) await this.#expectSettled(this.#dbClosing, what);
        await this.#open(false);
        return;
      }
      case 'open-again': {
        // A second opener of an open file gets a clear error (or, once closed, the database).
        const r = await within(Database.open(this.#path, { durable: false }), this.#hangMs, what);
        if (r.ok) {
          const other = r.value;
          const stillOpen = this.#db !== null && !this.#db.closed && this.#dbClosing === null;
          await other.close();
          if (stillOpen) throw new Violation('a second Database.open of an open file succeeded', what);
          this.#count('ok');
        } else this.#count(classifyError(r.error, what));
        return;
      }
      case 'db-cancel': {
        const db = this.#db;
        if (db === null) return;
        try {
          db.cancel(a.id);
          db.cancel(String(a.id));
        } catch (e) {
          this.#count(`sync:${classifyError(e, what)}`);
        }
        return;
      }
      case 'open-odd': {
        const dir = this.#path.slice(0, this.#path.lastIndexOf('/'));
        const [path, options] = ODD_OPENS[a.k % ODD_OPENS.length]!(dir);
        const r = await within(Database.open(path as string, options as object), this.#hangMs, what);
        if (r.ok) {
          // it opened: it must also work and close
          const s = await r.value.connect();
          await this.#expectSettled(s.execute('SELECT 1'), what);
          await this.#expectSettled(r.value.close(), what);
        } else if (r.error instanceof DispatcherError && r.error.sqlState === '58030') {
          // a directory or a missing configuration file: an I/O error is the right answer here
          this.#count('58030');
        } else this.#count(classifyError(r.error, what));
        return;
      }
      case 'cancel-active': {
        // db.cancel() of a statement that is running or queued right now (twice: the second finds it gone or going)
        const db = this.#db;
        if (db === null) return;
        try {
          const active = db.activeQueries();
          if (active.length === 0) return;
          const q = active[a.pick % active.length]!;
          db.cancel(q.queryId);
          db.cancel(q.queryId);
        } catch (e) {
          this.#count(`sync:${classifyError(e, what)}`);
        }
        return;
      }
      case 'checkpoint': {
        const db = this.#db;
        if (db === null) return;
        const p = this.#call(what, () => db.checkpoint());
        if (p !== null) this.#track(what, p);
        return;
      }
      case 'settle':
        await this.#settle(what);
        return;
    }
  }
}
