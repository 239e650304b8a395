// Runs one Hermitage case at one isolation level on a fresh in-memory database: one session per
// T1/T2/T3, steps strictly in order. A step that has not answered within block_ms counts as
// blocked and keeps running; its eventual result is recorded when it arrives. A session's next
// step first waits for its blocked statement. The whole case has a hard cap after which pending
// statements are cancelled and the case is reported as hung.
import { Database } from '../../src/api/database.js';
import { DispatcherError } from '../../src/api/errors.js';
import type { Session } from '../../src/api/session.js';
import {
  describeExpect,
  describeOutcome,
  evaluate,
  matchesExpect,
  noteCommit,
  type Observations,
  type StepOutcome,
} from './anomaly-predicate.js';
import { expectAt, levelSql, type HermitageCase, type HermitageFile, type LevelKey, type Row } from './hermitage-cases.js';

export type Verdict = 'prevented' | 'ANOMALY' | 'hung';

export interface StepMismatch {
  readonly index: number;
  readonly session: string;
  readonly sql: string;
  readonly expected: string;
  readonly observed: string;
}

export interface CaseRun {
  readonly caseId: string;
  readonly level: LevelKey;
  readonly outcomes: readonly StepOutcome[];
  readonly observations: Observations;
  readonly hung: boolean;
  readonly anomaly: boolean;
  readonly verdict: Verdict;
  /** Harness-level failures that make the verdict unreliable (final_check failed, ...). */
  readonly problems: readonly string[];
  /** Steps whose outcome differs from PostgreSQL's `expect` (information only). */
  readonly mismatches: readonly StepMismatch[];
}

export interface RunOptions {
  readonly blockMs: number;
  /** Hard cap of the whole case (steps and waits), ms. */
  readonly capMs: number;
}

interface Slot {
  readonly session: Session;
  /** The blocked statement still running, if any. */
  pending: Promise<void> | null;
  abort: AbortController | null;
}

const CLEANUP_MS = 1000;

/** Resolves true when p settles before `ms`, false otherwise (p keeps running). */
function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), Math.max(0, ms));
    p.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}

function toOutcome(p: Promise<{ command: string; rows: readonly Row[] }>): Promise<
  | { kind: 'ok'; command: string; rows: readonly Row[] }
  | { kind: 'error'; sqlState: string; message: string }
> {
  return p.then(
    (r) => ({ kind: 'ok' as const, command: r.command, rows: r.rows }),
    (e: unknown) => ({
      kind: 'error' as const,
      sqlState: e instanceof DispatcherError ? e.sqlState : 'not-a-DispatcherError',
      message: e instanceof Error ? e.message : String(e),
    }),
  );
}

export async function runCase(file: HermitageFile, c: HermitageCase, level: LevelKey, opts: RunOptions): Promise<CaseRun> {
  const levelName = levelSql(file, level);
  const problems: string[] = [];
  const outcomes: StepOutcome[] = c.steps.map(() => ({ kind: 'not-run' }));
  const committed: Record<string, boolean> = {};
  const slots = new Map<string, Slot>();
  const db = await Database.open(':memory:');
  let hung = false;
  /** Set once the cap is hit: statements ending after it were cancelled, not answered. */
  let stopped = false;
  let final: readonly Row[] | null = null;
  try {
    const admin = await db.connect();
    for (const sql of file.setup) await admin.execute(sql);
    await admin.close();
    const deadline = Date.now() + opts.capMs;

    for (let i = 0; i < c.steps.length; i++) {
      const step = c.steps[i]!;
      let slot = slots.get(step.session);
      if (slot === undefined) {
        slot = { session: await db.connect(), pending: null, abort: null };
        slots.set(step.session, slot);
      }
      if (slot.pending !== null) {
        if (!(await within(slot.pending, deadline - Date.now()))) {
          hung = true;
          break;
        }
        slot.pending = null;
        slot.abort = null;
      }
      if (Date.now() >= deadline) {
        hung = true;
        break;
      }
      const sql = step.sql.replaceAll('{LEVEL}', levelName);
      const abort = new AbortController();
      outcomes[i] = { kind: 'pending' };
      let blocked = false;
      const session = step.session;
      const settled = toOutcome(slot.session.execute(sql, [], { signal: abort.signal })).then((o) => {
        const outcome: StepOutcome = stopped ? { kind: 'pending' } : { ...o, blocked };
        outcomes[i] = outcome;
        noteCommit(committed, session, sql, outcome);
      });
      const answered = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          blocked = true;
          resolve(false);
        }, opts.blockMs);
        void settled.then(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      if (!answered) {
        slot.pending = settled;
        slot.abort = abort;
      }
    }

    // Every session ends: blocked statements finish (or the case is hung), open blocks roll back.
    for (const slot of slots.values()) {
      if (slot.pending === null || hung) continue;
      if (await within(slot.pending, deadline - Date.now())) slot.pending = null;
      else hung = true;
    }
    if (hung) {
      stopped = true;
      for (const slot of slots.values()) slot.abort?.abort();
      await Promise.all([...slots.values()].map(async (slot) => {
        if (slot.pending !== null && (await within(slot.pending, CLEANUP_MS))) slot.pending = null;
      }));
    }
    for (const [name, slot] of slots) {
      if (slot.pending !== null) {
        problems.push(`${name}: a statement ignored cancellation`);
        continue;
      }
      if (slot.session.transactionState !== 'noTxn') {
        const ac = new AbortController();
        const rb = toOutcome(slot.session.execute('ROLLBACK', [], { signal: ac.signal }));
        if (!(await within(rb, CLEANUP_MS))) {
          ac.abort();
          problems.push(`${name}: ROLLBACK at the end did not answer`);
        }
      }
      if (!(await within(slot.session.close(), CLEANUP_MS))) problems.push(`${name}: close did not answer`);
    }

    const checker = await db.connect();
    const ac = new AbortController();
    const fc = toOutcome(checker.execute(file.final_check, [], { signal: ac.signal }));
    if (await within(fc, CLEANUP_MS)) {
      const o = await fc;
      if (o.kind === 'ok') final = o.rows;
      else problems.push(`final_check failed: ${o.sqlState} ${o.message}`);
    } else {
      ac.abort();
      problems.push('final_check did not answer (a lock left behind?)');
    }
    await within(checker.close(), CLEANUP_MS);
  } finally {
    if (!(await within(db.close(), CLEANUP_MS))) problems.push('Database.close did not answer');
  }

  // An error that is not a DispatcherError, or an internal one, is a bug whatever the level.
  c.steps.forEach((s, i) => {
    const o = outcomes[i]!;
    if (o.kind === 'error' && (o.sqlState === 'not-a-DispatcherError' || o.sqlState.startsWith('XX'))) {
      problems.push(`step ${i + 1} ${s.session}: ${o.sqlState} ${o.message}`);
    }
  });
  const steps: Record<string, StepOutcome> = {};
  c.steps.forEach((s, i) => {
    if (s.id !== undefined) steps[s.id] = outcomes[i]!;
  });
  const observations: Observations = { steps, committed, final };
  const anomaly = evaluate(c.anomaly, observations);
  const mismatches: StepMismatch[] = [];
  c.steps.forEach((s, i) => {
    const sql = s.sql.replaceAll('{LEVEL}', levelName);
    const e = expectAt(s, level);
    const o = outcomes[i]!;
    if (!matchesExpect(sql, e, o)) {
      mismatches.push({ index: i + 1, session: s.session, sql, expected: describeExpect(e), observed: describeOutcome(sql, o) });
    }
  });
  return {
    caseId: c.id,
    level,
    outcomes,
    observations,
    hung,
    anomaly,
    verdict: hung ? 'hung' : anomaly ? 'ANOMALY' : 'prevented',
    problems,
    mismatches,
  };
}

/** The step trace of a run, one line per step, for failure messages and the report. */
export function traceOf(file: HermitageFile, c: HermitageCase, run: CaseRun): string {
  const levelName = levelSql(file, run.level);
  const lines = c.steps.map((s, i) => {
    const sql = s.sql.replaceAll('{LEVEL}', levelName);
    const id = s.id !== undefined ? ` [${s.id}]` : '';
    return `  ${String(i + 1).padStart(2)} ${s.session}${id}: ${sql}  =>  ${describeOutcome(sql, run.outcomes[i]!)}`;
  });
  const fin = run.observations.final;
  lines.push(`  final: ${fin === null ? 'none' : JSON.stringify(fin.map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v))))}`);
  lines.push(`  committed: ${JSON.stringify(run.observations.committed)}`);
  return lines.join('\n');
}
