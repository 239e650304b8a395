// Kills under group commit: group-writer.ts runs several sessions committing transfers at once
// (one WAL write carries many commits; checkpoints run between them) and is killed with SIGKILL
// after a random delay or just before its N-th file write/fsync. After each kill a copy of the
// files is opened and checked: every acknowledged transfer is there, every transfer seen at an
// earlier check still is, nothing appears that was never submitted, every account's balance
// equals its opening balance plus what the history rows present say (so each transfer is all or
// nothing), and the integrity check passes.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Database } from '../../src/api/database.js';
import type { CrashPoint } from './child-io.js';
import { GROUP_ACCOUNTS, GROUP_BALANCE } from './child-io.js';
import { keepFiles, settingsFor, sizeOf, Writer } from './writer-process.js';
import { mix, Rng } from './workload.js';

const GROUP_WRITER = join(resolve(dirname(fileURLToPath(import.meta.url))), 'group-writer.ts');

export interface GroupOptions {
  readonly kills: number;
  readonly seed: number;
  readonly sessions?: number;
  readonly killsPerDatabase?: number;
  readonly maxDelayMs?: number;
  readonly ioSpan?: number;
  readonly keepFailuresIn?: string;
  readonly onKill?: (k: GroupKill) => void;
}

export interface GroupKill {
  readonly kill: number;
  readonly database: number;
  readonly mode: 'random' | 'io' | 'io-data';
  readonly point: string | null;
  readonly acked: number;
  /** Transfers committed by the killed run but not acknowledged to it (in its last WAL write). */
  readonly committedUnacked: number;
  readonly transfers: number;
  readonly walBytes: number;
  readonly failure: string | null;
}

export interface GroupSummary {
  readonly kills: number;
  readonly databases: number;
  readonly acked: number;
  readonly committedUnacked: number;
  readonly maxTransfers: number;
  readonly points: Readonly<Record<string, number>>;
  readonly failures: readonly { readonly seed: number; readonly kill: number; readonly message: string; readonly files: string | null }[];
  readonly elapsedMs: number;
}

export async function runGroupCampaign(o: GroupOptions): Promise<GroupSummary> {
  const t0 = performance.now();
  const perDb = o.killsPerDatabase ?? 25;
  const maxDelayMs = o.maxDelayMs ?? 400;
  const work = mkdtempSync(join(tmpdir(), 'dispatchdb-group-'));
  const r = new Rng(mix(o.seed, 0x6c));
  const warm: Writer[] = [new Writer(GROUP_WRITER), new Writer(GROUP_WRITER)];
  const failures: { seed: number; kill: number; message: string; files: string | null }[] = [];
  const points: Record<string, number> = {};
  let acked = 0;
  let committedUnacked = 0;
  let maxTransfers = 0;
  let database = -1;
  let dbPath = '';
  let known = new Set<number>();
  let killsOnDb = perDb;
  let performed = 0;
  try {
    for (let kill = 0; kill < o.kills; kill++) {
      if (killsOnDb >= perDb) {
        database++;
        killsOnDb = 0;
        dbPath = join(work, `db${database}`, 'group.db');
        mkdirSync(dirname(dbPath), { recursive: true });
        known = new Set();
      }
      killsOnDb++;
      performed++;
      const settings = settingsFor(o.seed, database);
      const x = r.next();
      const mode: GroupKill['mode'] = x < 0.5 ? 'random' : x < 0.8 ? 'io' : 'io-data';
      const crashAt: CrashPoint | undefined =
        mode === 'io' ? { nth: r.int(1, o.ioSpan ?? 200) } : mode === 'io-data' ? { nth: r.int(1, 30), file: 'data' } : undefined;
      const delay = mode === 'random' ? r.int(0, maxDelayMs) : maxDelayMs * 2 + 500;
      const w = warm.shift()!;
      warm.push(new Writer(GROUP_WRITER));
      await w.loaded;
      let timer: NodeJS.Timeout | null = null;
      let stalled = false;
      // A child that cannot open the database in a minute hangs in open or recovery.
      const openTimer = setTimeout(() => {
        stalled = true;
        w.kill();
      }, 60_000);
      w.on((what) => {
        if (what === 'ready') {
          clearTimeout(openTimer);
          timer = setTimeout(() => w.kill(), delay);
        }
      });
      w.go((kill + 1) * 100_000_000, dbPath, settings, crashAt, { sessions: o.sessions ?? 8 });
      const exit = await w.exited;
      if (timer !== null) clearTimeout(timer);
      clearTimeout(openTimer);
      if (w.crashPoint !== null) points[w.crashPoint] = (points[w.crashPoint] ?? 0) + 1;
      acked += w.acked.length;

      let failure: string | null = null;
      let transfers = 0;
      let unacked = 0;
      if (stalled) {
        failure = 'writer did not open the database within 60 s (a hang in open or recovery?)';
      } else if (exit.signal !== 'SIGKILL' || !w.killed) {
        failure = `writer ended by itself (${exit.code ?? exit.signal}): ${w.errorLine ?? ''} ${w.stderr.slice(0, 2000)}`;
      } else {
        const c = await checkGroup(dbPath, known, new Set(w.submitted), w.acked);
        failure = c.failure;
        transfers = c.present.size;
        for (const id of c.present) if (!known.has(id) && !w.acked.includes(id)) unacked++;
        known = c.present;
      }
      committedUnacked += unacked;
      maxTransfers = Math.max(maxTransfers, transfers);
      let files: string | null = null;
      if (failure !== null) {
        files = keepFiles(dbPath, o.keepFailuresIn ?? join(work, 'failures'), `group-seed${o.seed}-db${database}-kill${kill}`);
        failures.push({ seed: o.seed, kill, message: failure, files });
        killsOnDb = perDb;
      }
      o.onKill?.({ kill, database, mode, point: w.crashPoint, acked: w.acked.length, committedUnacked: unacked, transfers, walBytes: sizeOf(`${dbPath}-wal`), failure });
      if (failure !== null && !w.ready && w.errorLine === null) break; // the writer cannot even start
    }
  } finally {
    for (const w of warm) w.kill();
    await Promise.all(warm.map((w) => w.exited));
    if (failures.length === 0 || o.keepFailuresIn !== undefined) rmSync(work, { recursive: true, force: true });
  }
  return { kills: performed, databases: database + 1, acked, committedUnacked, maxTransfers, points, failures, elapsedMs: performance.now() - t0 };
}

async function checkGroup(
  dbPath: string,
  known: ReadonlySet<number>,
  submitted: ReadonlySet<number>,
  acked: readonly number[],
): Promise<{ failure: string | null; present: Set<number> }> {
  const copy = mkdtempSync(join(dirname(dbPath), 'check-'));
  const copyPath = join(copy, 'group.db');
  for (const suffix of ['', '-wal']) if (existsSync(dbPath + suffix)) copyFileSync(dbPath + suffix, copyPath + suffix);
  const present = new Set<number>();
  let db: Database | null = null;
  try {
    db = await Database.open(copyPath, { durable: false, poolPages: 256 });
    const names = new Set(db.tables().map((t) => t.name));
    if (!names.has('accounts') || !names.has('history')) {
      return { failure: known.size > 0 || acked.length > 0 ? `tables missing: ${[...names].join(',')}` : null, present };
    }
    const s = await db.connect();
    const history = (await s.execute('SELECT id, src, dst, amount FROM history')).rows;
    const accounts = (await s.execute('SELECT id, balance FROM accounts ORDER BY id')).rows;
    await s.close();
    const expected = new Map<number, number>();
    for (const [id, src, dst, amount] of history) {
      present.add(Number(id));
      expected.set(Number(src), (expected.get(Number(src)) ?? GROUP_BALANCE) - Number(amount));
      expected.set(Number(dst), (expected.get(Number(dst)) ?? GROUP_BALANCE) + Number(amount));
    }
    for (const id of known) if (!present.has(id)) return { failure: `transfer ${id}, present at the previous check, is gone`, present };
    for (const id of acked) if (!present.has(id)) return { failure: `acknowledged transfer ${id} is lost`, present };
    for (const id of present) {
      if (!known.has(id) && !submitted.has(id)) return { failure: `transfer ${id} is present but was never submitted`, present };
    }
    if (accounts.length === 0) {
      if (present.size > 0) return { failure: `${present.size} transfers but no accounts`, present };
    } else {
      if (accounts.length !== GROUP_ACCOUNTS) return { failure: `${accounts.length} accounts, expected ${GROUP_ACCOUNTS}`, present };
      for (const [id, balance] of accounts) {
        const want = expected.get(Number(id)) ?? GROUP_BALANCE;
        if (Number(balance) !== want) return { failure: `account ${String(id)} holds ${String(balance)}, its history says ${want} (a transfer is partial)`, present };
      }
    }
    const problems = db.integrityCheck();
    if (problems.length > 0) return { failure: `integrity check: ${problems.slice(0, 5).join('; ')}`, present };
    return { failure: null, present };
  } catch (e) {
    const err = e as { sqlState?: string; message?: string };
    return { failure: `reopen failed: ${err.sqlState ?? ''} ${err.message ?? String(e)}`, present };
  } finally {
    await db?.close().catch(() => {});
    rmSync(copy, { recursive: true, force: true });
  }
}
