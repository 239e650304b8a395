// A mixed OLTP load on one durable file database, shared by `npm run load` (test/load/run.ts,
// 64 sessions for 60 s) and its bounded version in npm test (load.test.ts). Every session loops
// over point reads, range reads, single-row updates (some on hot rows), transfers between hot
// accounts in random order (so lock waits and deadlocks really happen), read-modify-write
// transfers at REPEATABLE READ, audited transfers at SERIALIZABLE, inserts and deletes; it
// retries on 40001 / 40P01 / 55P03. What it proves, and fails on otherwise:
// - no hang: a watchdog fails the run when a statement runs past hangMs (dumping the active
//   queries and the lock queues), and the sessions must stop within hangMs of the deadline;
// - every error is a DispatcherError with an expected SQLSTATE;
// - invariants: the sum of balances never changes (checked by every SERIALIZABLE and RR audit,
//   by autocommit sums and at the end); the history table has exactly one row per acknowledged
//   transfer; the scratch table holds exactly the acknowledged inserts minus deletes; the sum of
//   item quantities equals the acknowledged increments;
// - the integrity check passes at the end, and again after a reopen.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../../src/api/database.js';
import { DispatcherError } from '../../src/api/errors.js';
import type { QueryResult, SqlValue } from '../../src/api/types.js';
import type { Session } from '../../src/api/session.js';
import { mix, Rng } from '../crash/workload.js';

export interface LoadOptions {
  readonly sessions: number;
  readonly durationMs: number;
  /** Database file (default: a new one in a temporary directory, removed at the end). */
  readonly path?: string;
  readonly seed?: number;
  readonly accounts?: number;
  /** Accounts most transfers pick from (contention). */
  readonly hotAccounts?: number;
  readonly items?: number;
  readonly poolPages?: number;
  /** A statement running longer than this is a hang. */
  readonly hangMs?: number;
  /** SET lock_timeout for every session (0: wait as long as it takes; deadlocks must be detected). */
  readonly lockTimeoutMs?: number;
  readonly sampleEveryMs?: number;
  readonly onSample?: (s: Sample) => void;
}

export interface Sample {
  readonly t: number;
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly poolPages: number;
  readonly commits: number;
  readonly statements: number;
  readonly deadlocks: number;
  readonly dbBytes: number;
}

export type OpName = 'point' | 'range' | 'update' | 'transfer' | 'rrTransfer' | 'serAudit' | 'insert' | 'delete' | 'sum';

export interface LoadReport {
  readonly sessions: number;
  readonly elapsedMs: number;
  readonly poolCapacity: number;
  readonly pageSize: number;
  readonly statements: number;
  /** Write transactions acknowledged (explicit COMMITs and autocommit writes). */
  readonly commits: number;
  readonly ops: Readonly<Record<OpName, { readonly ok: number; readonly retries: number }>>;
  readonly deadlocks: number;
  readonly serializationFailures: number;
  readonly lockTimeouts: number;
  readonly errorsByState: Readonly<Record<string, number>>;
  /** The first message seen per operation and SQLSTATE. */
  readonly errorSamples: Readonly<Record<string, string>>;
  /** CPU seconds of this process during the load (the machine may be shared). */
  readonly cpuSeconds: number;
  readonly lockManager: { readonly deadlocks: number; readonly timeouts: number; readonly waits: number };
  readonly samples: readonly Sample[];
  readonly failures: readonly string[];
  readonly final: Readonly<Record<string, number>>;
}

const OP_WEIGHTS: readonly [OpName, number][] = [
  ['point', 25],
  ['range', 8],
  ['update', 15],
  ['transfer', 20],
  ['rrTransfer', 7],
  ['serAudit', 3],
  ['insert', 9],
  ['delete', 6],
  ['sum', 3],
];
const RETRYABLE = new Set(['40001', '40P01', '55P03']);
const INITIAL_BALANCE = 1000;

function pickOp(r: Rng): OpName {
  let total = 0;
  for (const [, w] of OP_WEIGHTS) total += w;
  let x = r.next() * total;
  for (const [op, w] of OP_WEIGHTS) {
    if (x < w) return op;
    x -= w;
  }
  return 'point';
}

class InvariantError extends Error {}

export async function runLoad(o: LoadOptions): Promise<LoadReport> {
  const sessions = o.sessions;
  const accounts = o.accounts ?? 1000;
  const hot = Math.min(o.hotAccounts ?? 8, accounts);
  const items = o.items ?? 20000;
  const hangMs = o.hangMs ?? 15000;
  const seed = o.seed ?? 1;
  const total = accounts * INITIAL_BALANCE;
  const dir = o.path === undefined ? mkdtempSync(join(tmpdir(), 'dispatchdb-load-')) : null;
  const path = o.path ?? join(dir!, 'load.db');
  const failures: string[] = [];
  const fail = (m: string): void => {
    if (failures.length < 50) failures.push(m);
  };

  let db = await Database.open(path, { durable: true, ...(o.poolPages !== undefined ? { poolPages: o.poolPages } : {}) });
  try {
    await setup(db, accounts, items);

    const ops = Object.fromEntries(OP_WEIGHTS.map(([n]) => [n, { ok: 0, retries: 0 }])) as Record<OpName, { ok: number; retries: number }>;
    const errorsByState: Record<string, number> = {};
    const errorSamples: Record<string, string> = {};
    let statements = 0;
    let commits = 0;
    let transfers = 0;
    let scratchRows = 0;
    let qtyAdded = 0;
    let stopping = false;
    let hung = false;
    /** Per session: when its current statement started (0 when idle) and its text. */
    const busy: { since: number; sql: string }[] = Array.from({ length: sessions }, () => ({ since: 0, sql: '' }));

    const run = async (i: number, s: Session, sql: string, params: SqlValue[] = []): Promise<QueryResult<SqlValue[]>> => {
      busy[i] = { since: performance.now(), sql };
      try {
        const r = await s.execute(sql, params);
        statements++;
        return r;
      } finally {
        busy[i] = { since: 0, sql };
      }
    };
    const exec = async (i: number, s: Session, sql: string, params: SqlValue[] = []): Promise<SqlValue[][]> =>
      (await run(i, s, sql, params)).rows;
    const expectSum = (v: SqlValue | undefined, where: string): void => {
      if (Number(v) !== total) throw new InvariantError(`${where}: sum of balances ${String(v)}, expected ${total}`);
    };

    const session = async (i: number): Promise<void> => {
      const s = await db.connect();
      const r = new Rng(mix(seed, i + 1));
      if ((o.lockTimeoutMs ?? 0) > 0) await s.execute(`SET lock_timeout = ${o.lockTimeoutMs}`);
      const mine: number[] = [];
      let serial = 0;
      const freshId = (): number => (i + 1) * 10_000_000 + ++serial;
      const account = (): number => (r.chance(0.8) ? r.int(1, hot) : r.int(1, accounts));
      const pair = (): [number, number] => {
        const a = account();
        let b = account();
        while (b === a) b = r.int(1, accounts);
        return [a, b];
      };
      const item = (): number => (r.chance(0.2) ? r.int(1, 20) : r.int(1, items));

      const bodies: Record<OpName, () => Promise<() => void>> = {
        point: async () => {
          const rows = await exec(i, s, 'SELECT id, qty, note FROM items WHERE id = $1', [item()]);
          if (rows.length !== 1) throw new InvariantError(`point read found ${rows.length} rows`);
          return () => {};
        },
        range: async () => {
          const lo = r.int(1, items);
          await exec(i, s, 'SELECT count(*), sum(qty) FROM items WHERE id BETWEEN $1 AND $2', [lo, lo + 100]);
          return () => {};
        },
        update: async () => {
          const id = item();
          const res = await run(i, s, 'UPDATE items SET qty = qty + 1, note = $2 WHERE id = $1', [id, `s${i}-${serial++}`]);
          if (res.rowsAffected !== 1) throw new InvariantError(`update of item ${id} affected ${res.rowsAffected} rows`);
          return () => {
            qtyAdded++;
            commits++;
          };
        },
        transfer: async () => {
          const [a, b] = pair();
          const amount = r.int(1, 50);
          await exec(i, s, 'BEGIN');
          await exec(i, s, 'UPDATE accounts SET balance = balance - $2 WHERE id = $1', [a, amount]);
          await exec(i, s, 'UPDATE accounts SET balance = balance + $2 WHERE id = $1', [b, amount]);
          await exec(i, s, 'INSERT INTO history (id, src, dst, amount) VALUES ($1, $2, $3, $4)', [freshId(), a, b, amount]);
          await exec(i, s, 'COMMIT');
          return () => {
            transfers++;
            commits++;
          };
        },
        rrTransfer: async () => {
          // Read-modify-write: without lost-update protection the sum would drift.
          const [a, b] = pair();
          const amount = r.int(1, 50);
          await exec(i, s, 'BEGIN ISOLATION LEVEL REPEATABLE READ');
          const ra = await exec(i, s, 'SELECT balance FROM accounts WHERE id = $1', [a]);
          const rb = await exec(i, s, 'SELECT balance FROM accounts WHERE id = $1', [b]);
          await exec(i, s, 'UPDATE accounts SET balance = $2 WHERE id = $1', [a, Number(ra[0]![0]) - amount]);
          await exec(i, s, 'UPDATE accounts SET balance = $2 WHERE id = $1', [b, Number(rb[0]![0]) + amount]);
          await exec(i, s, 'INSERT INTO history (id, src, dst, amount) VALUES ($1, $2, $3, $4)', [freshId(), a, b, amount]);
          await exec(i, s, 'COMMIT');
          return () => {
            transfers++;
            commits++;
          };
        },
        serAudit: async () => {
          const [a, b] = pair();
          await exec(i, s, 'BEGIN ISOLATION LEVEL SERIALIZABLE');
          expectSum((await exec(i, s, 'SELECT sum(balance) FROM accounts'))[0]?.[0], 'SERIALIZABLE audit');
          await exec(i, s, 'UPDATE accounts SET balance = balance - 1 WHERE id = $1', [a]);
          await exec(i, s, 'UPDATE accounts SET balance = balance + 1 WHERE id = $1', [b]);
          await exec(i, s, 'INSERT INTO history (id, src, dst, amount) VALUES ($1, $2, $3, $4)', [freshId(), a, b, 1]);
          expectSum((await exec(i, s, 'SELECT sum(balance) FROM accounts'))[0]?.[0], 'SERIALIZABLE audit after its own transfer');
          await exec(i, s, 'COMMIT');
          return () => {
            transfers++;
            commits++;
          };
        },
        insert: async () => {
          const id = freshId();
          await exec(i, s, 'INSERT INTO scratch (id, owner, payload) VALUES ($1, $2, $3)', [id, i, 'p'.repeat(r.int(10, 300))]);
          return () => {
            mine.push(id);
            scratchRows++;
            commits++;
          };
        },
        delete: async () => {
          if (mine.length === 0) return () => {};
          const at = r.int(0, mine.length - 1);
          const id = mine[at]!;
          const res = await run(i, s, 'DELETE FROM scratch WHERE id = $1', [id]);
          if (res.rowsAffected !== 1) throw new InvariantError(`delete of acknowledged scratch row ${id} affected ${res.rowsAffected} rows`);
          return () => {
            mine.splice(at, 1);
            scratchRows--;
            commits++;
          };
        },
        sum: async () => {
          expectSum((await exec(i, s, 'SELECT sum(balance) FROM accounts'))[0]?.[0], 'autocommit sum');
          return () => {};
        },
      };

      try {
        while (!stopping) {
          const op = pickOp(r);
          for (;;) {
            try {
              const done = await bodies[op]();
              done();
              ops[op].ok++;
              break;
            } catch (e) {
              if (e instanceof InvariantError) throw e;
              if (!(e instanceof DispatcherError)) throw new InvariantError(`not a DispatcherError: ${(e as Error)?.stack ?? String(e)}`);
              errorsByState[e.sqlState] = (errorsByState[e.sqlState] ?? 0) + 1;
              errorSamples[`${op} ${e.sqlState}`] ??= `${busy[i]!.sql || 'statement'}: ${e.message}`;
              if (s.transactionState !== 'noTxn') await s.execute('ROLLBACK');
              if (!RETRYABLE.has(e.sqlState)) throw new InvariantError(`unexpected ${e.sqlState} in ${op}: ${e.message}`);
              ops[op].retries++;
              if (stopping || hung) break;
            }
          }
        }
      } catch (e) {
        // After a hang the close cancels what still runs (57014): that is no news.
        if (!hung) fail(`session ${i}: ${(e as Error).message}`);
        stopping = true;
      } finally {
        await s.close().catch(() => {});
      }
    };

    const samples: Sample[] = [];
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const sample = (): void => {
      const m = process.memoryUsage();
      const st = db.stats();
      const x: Sample = {
        t: (performance.now() - t0) / 1000,
        rss: m.rss,
        heapUsed: m.heapUsed,
        external: m.external,
        poolPages: st.poolSize,
        commits,
        statements,
        deadlocks: errorsByState['40P01'] ?? 0,
        dbBytes: st.pageCount * st.pageSize,
      };
      samples.push(x);
      o.onSample?.(x);
    };
    const dumpHang = (why: string): void => {
      hung = true;
      const now = performance.now();
      const lines = [why, 'active queries:'];
      for (const q of db.activeQueries()) lines.push(`  #${q.queryId} session ${q.sessionId} ${q.state} ${Math.round(now - q.startedAt)} ms: ${q.text}`);
      lines.push('lock queues:');
      for (const [res, r] of db.system.locks.table.resources()) {
        if (r.queue.length === 0) continue;
        const granted = [...r.granted].map(([t, m]) => `${t}:${String(m)}`).join(' ');
        lines.push(`  ${res}: granted ${granted}; waiting ${r.queue.map((w) => JSON.stringify(w)).join(' ')}`);
      }
      fail(lines.join('\n'));
      stopping = true;
    };
    let progressAt = performance.now();
    let progressCount = 0;
    const watchdog = setInterval(() => {
      sample();
      const now = performance.now();
      if (statements !== progressCount) {
        progressCount = statements;
        progressAt = now;
      } else if (!hung && now - progressAt > hangMs) dumpHang(`hang: no statement completed for ${Math.round(now - progressAt)} ms`);
      for (let i = 0; i < sessions; i++) {
        const b = busy[i]!;
        if (!hung && b.since > 0 && now - b.since > hangMs) dumpHang(`hang: session ${i} has run "${b.sql}" for ${Math.round(now - b.since)} ms`);
      }
    }, o.sampleEveryMs ?? 1000);
    // Autocommit sums from the outside, once per second too.
    const auditor = setInterval(() => {
      void (async () => {
        const s = await db.connect();
        try {
          expectSum((await s.execute('SELECT sum(balance) FROM accounts')).rows[0]?.[0], 'periodic audit');
        } catch (e) {
          fail(`periodic audit: ${(e as Error).message}`);
        } finally {
          await s.close();
        }
      })();
    }, 1000);

    const running = Array.from({ length: sessions }, (_, i) => session(i));
    const deadline = setTimeout(() => (stopping = true), o.durationMs);
    const all = Promise.all(running);
    // The sessions must wind down: a stuck one is a hang even if the watchdog missed it.
    const ended = await Promise.race([
      all.then(() => true),
      new Promise<boolean>((r) => {
        const check = setInterval(() => {
          if (hung) {
            clearInterval(check);
            r(false);
          }
        }, 100);
        void all.finally(() => clearInterval(check));
      }),
    ]);
    clearTimeout(deadline);
    clearInterval(watchdog);
    clearInterval(auditor);
    sample();
    const elapsedMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);

    const lm = db.system.locks;
    const st = db.stats();
    const final: Record<string, number> = {};
    if (ended && failures.length === 0) {
      await checkFinal(db, { total, transfers, scratchRows, qtyAdded }, final, fail, 'at the end');
      const problems = db.integrityCheck();
      if (problems.length > 0) fail(`integrity check: ${problems.slice(0, 5).join('; ')}`);
      await db.close();
      db = await Database.open(path, { poolPages: 256 });
      await checkFinal(db, { total, transfers, scratchRows, qtyAdded }, final, fail, 'after reopen');
      const again = db.integrityCheck();
      if (again.length > 0) fail(`integrity check after reopen: ${again.slice(0, 5).join('; ')}`);
    }
    return {
      sessions,
      elapsedMs,
      poolCapacity: st.poolCapacity,
      pageSize: st.pageSize,
      statements,
      commits,
      ops,
      deadlocks: errorsByState['40P01'] ?? 0,
      serializationFailures: errorsByState['40001'] ?? 0,
      lockTimeouts: errorsByState['55P03'] ?? 0,
      errorsByState,
      errorSamples,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      lockManager: { deadlocks: lm.deadlocks, timeouts: lm.timeouts, waits: lm.waits },
      samples,
      failures,
      final,
    };
  } finally {
    // After a hang the close may never finish: do not wait for it forever.
    await Promise.race([db.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000).unref())]);
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
  }
}

async function setup(db: Database, accounts: number, items: number): Promise<void> {
  const s = await db.connect();
  await s.execute('CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)');
  await s.execute('CREATE TABLE items (id INTEGER PRIMARY KEY, qty INTEGER NOT NULL, note TEXT)');
  await s.execute('CREATE TABLE history (id INTEGER PRIMARY KEY, src INTEGER NOT NULL, dst INTEGER NOT NULL, amount INTEGER NOT NULL)');
  await s.execute('CREATE TABLE scratch (id INTEGER PRIMARY KEY, owner INTEGER NOT NULL, payload TEXT)');
  await s.execute('CREATE INDEX scratch_owner ON scratch (owner)');
  await s.execute('CREATE INDEX history_src ON history (src)');
  const bulk = async (table: string, cols: string, n: number, row: (id: number) => SqlValue[]): Promise<void> => {
    const per = 400;
    for (let at = 1; at <= n; at += per) {
      const params: SqlValue[] = [];
      const groups: string[] = [];
      for (let id = at; id < at + per && id <= n; id++) {
        const v = row(id);
        groups.push(`(${v.map((_, j) => `$${params.length + j + 1}`).join(', ')})`);
        params.push(...v);
      }
      await s.execute(`INSERT INTO ${table} (${cols}) VALUES ${groups.join(', ')}`, params);
    }
  };
  await bulk('accounts', 'id, balance', accounts, (id) => [id, INITIAL_BALANCE]);
  await bulk('items', 'id, qty, note', items, (id) => [id, 0, `item ${id} ${'n'.repeat(60 + (id % 40))}`]);
  await s.close();
}

async function checkFinal(
  db: Database,
  want: { total: number; transfers: number; scratchRows: number; qtyAdded: number },
  out: Record<string, number>,
  fail: (m: string) => void,
  when: string,
): Promise<void> {
  const s = await db.connect();
  try {
    const one = async (sql: string): Promise<number> => Number((await s.execute(sql)).rows[0]?.[0] ?? 0);
    const sum = await one('SELECT sum(balance) FROM accounts');
    const history = await one('SELECT count(*) FROM history');
    const scratch = await one('SELECT count(*) FROM scratch');
    const qty = await one('SELECT sum(qty) FROM items');
    out['sumBalance'] = sum;
    out['historyRows'] = history;
    out['scratchRows'] = scratch;
    out['qtySum'] = qty;
    if (sum !== want.total) fail(`${when}: sum of balances ${sum}, expected ${want.total}`);
    if (history !== want.transfers) fail(`${when}: ${history} history rows for ${want.transfers} acknowledged transfers`);
    if (scratch !== want.scratchRows) fail(`${when}: ${scratch} scratch rows, expected ${want.scratchRows}`);
    if (qty !== want.qtyAdded) fail(`${when}: sum of quantities ${qty}, expected ${want.qtyAdded} acknowledged increments`);
  } finally {
    await s.close();
  }
}
