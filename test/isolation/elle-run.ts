// Runs a workload on a fresh in-memory dispatchdb under fast-check's scheduler. Only the *start*
// of each statement is scheduled: fast-check picks which session sends its next statement, and a
// statement that waits for a lock simply stays pending while the others go on (the scheduler
// never waits for it). When nothing is scheduled and nothing finishes for stallMs, the run is
// declared stalled: pending statements are cancelled and the run reports a problem.
import type fc from 'fast-check';
import { Database } from '../../src/api/database.js';
import { DispatcherError } from '../../src/api/errors.js';
import type { Session } from '../../src/api/session.js';
import type { ArrayRow, QueryResult } from '../../src/api/types.js';
import { appendValue, LEVEL_SQL, type Encoding, type History, type Level, type Op, type Txn, type TxnStatus, type Workload } from './elle-history.js';

export const RETRYABLE: ReadonlySet<string> = new Set(['40001', '40P01', '55P03']);

class Stopped extends Error {}

function sqlFor(encoding: Encoding): { setup: (keys: number) => string[]; append: string; read: string } {
  if (encoding === 'set') {
    return {
      setup: () => ['CREATE TABLE elems (k int, val int primary key)'],
      append: 'INSERT INTO elems (k, val) VALUES ($1, $2)',
      read: 'SELECT val FROM elems WHERE k = $1 ORDER BY val',
    };
  }
  return {
    setup: (keys) => [
      'CREATE TABLE lists (k int primary key, v text)',
      `INSERT INTO lists (k, v) VALUES ${Array.from({ length: keys }, (_, k) => `(${k}, '')`).join(', ')}`,
    ],
    append: "UPDATE lists SET v = v || ' ' || $2 WHERE k = $1",
    read: 'SELECT v FROM lists WHERE k = $1',
  };
}

function parseRead(encoding: Encoding, rows: readonly (readonly unknown[])[]): number[] {
  if (encoding === 'set') return rows.map((r) => Number(r[0]));
  const text = rows.length === 0 ? '' : String(rows[0]![0] ?? '');
  return text
    .split(' ')
    .filter((x) => x !== '')
    .map(Number);
}

export interface RunOptions {
  readonly stallMs: number;
}

export async function runWorkload(w: Workload, level: Level, encoding: Encoding, s: fc.Scheduler, opts: RunOptions): Promise<History> {
  const sql = sqlFor(encoding);
  const db = await Database.open(':memory:');
  const problems: string[] = [];
  const txns: Txn[] = [];
  let stopped = false;
  // Single-threaded: a plain counter orders every BEGIN sent and COMMIT answered exactly.
  let clock = 0;
  const inFlight = new Set<AbortController>();
  try {
    const admin = await db.connect();
    for (const q of sql.setup(w.keys)) await admin.execute(q);
    const sessions: Session[] = [];
    for (let i = 0; i < w.sessions; i++) sessions.push(await db.connect());

    /** Sends a statement once the scheduler lets this session start it. */
    const send = async (session: Session, label: string, text: string, params: readonly (number | string)[] = []): Promise<QueryResult<ArrayRow>> => {
      await s.schedule(Promise.resolve(), label);
      if (stopped) throw new Stopped();
      const ac = new AbortController();
      inFlight.add(ac);
      try {
        return await session.execute(text, params, { signal: ac.signal });
      } finally {
        inFlight.delete(ac);
      }
    };

    const runSession = async (si: number): Promise<void> => {
      const session = sessions[si]!;
      for (let ti = 0; ti < w.txns.length; ti++) {
        const spec = w.txns[ti]!;
        if (spec.session !== si) continue;
        const ops: Op[] = [];
        let status: TxnStatus = 'ok';
        let error: string | undefined;
        let begunAt: number | undefined;
        let committedAt: number | undefined;
        const at = `s${si} T${ti}`;
        try {
          await s.schedule(Promise.resolve(), `${at} BEGIN`);
          if (stopped) throw new Stopped();
          begunAt = clock++;
          await session.execute('BEGIN');
          await send(session, `${at} SET ${level}`, `SET TRANSACTION ISOLATION LEVEL ${LEVEL_SQL[level]}`);
          for (let oi = 0; oi < spec.ops.length; oi++) {
            const o = spec.ops[oi]!;
            if (o.f === 'append') {
              const v = appendValue(ti, oi);
              // Recorded before it runs: if it fails the value must not show up anywhere.
              ops.push({ f: 'append', k: o.k, value: v });
              const params = encoding === 'set' ? [o.k, v] : [o.k, String(v)];
              const r = await send(session, `${at} append ${o.k} ${v}`, sql.append, params);
              if (encoding === 'list' && r.rowsAffected !== 1) throw new Error(`append to key ${o.k} updated ${r.rowsAffected} rows`);
            } else {
              const r = await send(session, `${at} r ${o.k}`, sql.read, [o.k]);
              ops.push({ f: 'r', k: o.k, value: parseRead(encoding, r.rows) });
            }
          }
          const c = await send(session, `${at} COMMIT`, 'COMMIT');
          if (c.command !== 'COMMIT') {
            status = 'fail';
            error = `COMMIT answered ${c.command}`;
          } else {
            committedAt = clock++;
          }
        } catch (e) {
          if (e instanceof Stopped) {
            status = 'info';
            error = 'stopped';
          } else if (e instanceof DispatcherError && RETRYABLE.has(e.sqlState)) {
            status = 'fail';
            error = e.sqlState;
          } else {
            status = 'info';
            error = e instanceof DispatcherError ? `${e.sqlState} ${e.message}` : String(e);
            if (!stopped) problems.push(`T${ti}: unexpected error ${error}`);
          }
          if (!stopped && session.transactionState !== 'noTxn') {
            try {
              await send(session, `${at} ROLLBACK`, 'ROLLBACK');
            } catch (e2) {
              if (!(e2 instanceof Stopped)) problems.push(`T${ti}: ROLLBACK failed: ${String(e2)}`);
            }
          }
        }
        txns[ti] = {
          id: ti,
          session: si,
          ops,
          status,
          ...(error !== undefined ? { error } : {}),
          ...(begunAt !== undefined ? { begunAt } : {}),
          ...(committedAt !== undefined ? { committedAt } : {}),
        };
      }
    };

    let finished = false;
    const all = Promise.all(sessions.map((_, i) => runSession(i))).finally(() => {
      finished = true;
    });
    let idleSince = Date.now();
    while (!finished) {
      if (s.count() > 0) {
        await s.waitNext(1);
        idleSince = Date.now();
        continue;
      }
      // Nothing to schedule: every session is inside the engine (running or waiting for a lock).
      await new Promise((r) => setImmediate(r));
      if (!stopped && Date.now() - idleSince > opts.stallMs) {
        stopped = true;
        problems.push(`stalled: no statement finished for ${opts.stallMs} ms with ${inFlight.size} pending (an undetected deadlock?)`);
        for (const ac of inFlight) ac.abort();
      }
      if (stopped && Date.now() - idleSince > opts.stallMs * 3) {
        problems.push('cancelled statements did not end');
        break;
      }
    }
    if (finished) await all;

    const final = new Map<number, number[]>();
    if (!stopped) {
      const reader = await db.connect();
      for (let k = 0; k < w.keys; k++) {
        final.set(k, parseRead(encoding, (await reader.execute(sql.read, [k])).rows));
      }
      await reader.close();
    }
    return { level, encoding, txns: txns.filter((t) => t !== undefined), final, problems };
  } finally {
    await Promise.race([db.close(), new Promise((r) => setTimeout(r, 1000))]);
  }
}
