// One statement being executed by a coordinator: runs the execution in bounded steps, yielding to
// the event loop between slices so cancel(), an AbortSignal or a timeout can stop it within a slice.
import { performance } from 'node:perf_hooks';
import { canceled, DispatcherError, SqlState } from '../../src/api/errors.js';
import type { CompiledStatement, ExecCounters, Execution } from '../../src/execution/types.js';
import { keepShape } from '../../src/execution/shape-keeper.js';
import type { RunStatement, WireColumn } from '../../src/protocol/messages.js';
import type { SqlValue, StorageEngine } from '../../src/storage/ports.js';
import { LockWait } from '../lock-wait.js';
import type { ReplyRouter } from '../reply-router.js';
import { toWire } from '../wire-error.js';

/** Work between yields to the event loop: long enough to amortise the yield, short enough to cancel fast. */
const SLICE_MS = 4;

export interface StatementOutcome {
  readonly command: string;
  readonly columns: readonly WireColumn[];
  readonly indexesUsed: readonly string[];
  readonly planCacheHit: boolean;
  readonly plan?: (() => string[]) | undefined;
}

/** What every statement of one coordinator shares (one object per coordinator, not per statement). */
export interface StatementEnv {
  readonly router: ReplyRouter;
  readonly storage: StorageEngine;
  readonly onEnd: (r: RunningStatement) => void;
  /** Slow-query threshold: statements past it send their plan summary (slow-query log). */
  readonly slowPlan?: { readonly thresholdMs: number } | undefined;
}

/** The statement is its own counters (ExecCounters): one object less per statement. */
export class RunningStatement implements ExecCounters {
  readonly run: RunStatement;
  rowsExamined = 0;
  rowsProduced = 0;
  /** Indexes operators reported: made when the first one is. */
  #indexes: Set<string> | null = null;
  readonly startedAt: number;
  #cancelReason: 'user' | 'timeout' | null = null;
  #execution: Execution | null = null;
  #done = false;
  readonly #env: StatementEnv;
  readonly #hits0: number;
  readonly #misses0: number;
  readonly #io0: number;
  #timer: NodeJS.Timeout | null = null;
  outcome: StatementOutcome | null = null;
  /** The compiled plan being run (executePlan): what the outcome is read from, with #planHit. */
  #plan: CompiledStatement | null = null;
  #planHit = false;
  /**
   * An unobserved statement holds back its latest batch of rows and hands it over with its
   * StatementDone (one reply instead of two for a statement that ends in its first step); earlier
   * batches, and a held one when the statement yields, fails or waits, go as Rows at once.
   */
  #held: SqlValue[][] | null = null;
  readonly #holdRows: boolean;

  constructor(run: RunStatement, env: StatementEnv) {
    this.run = run;
    // Started when sent: the dispatcher stamps a statement that waited in its queue anew.
    this.startedAt = run.sentAt ?? performance.now();
    this.#holdRows = run.observed !== true;
    this.#env = env;
    const s = env.storage.ioCounters();
    this.#hits0 = s.hits;
    this.#misses0 = s.misses;
    this.#io0 = s.pagesIo;
    if (Number.isFinite(run.deadline)) {
      // The deadline is also checked inline; the timer covers a statement that is not running.
      const ms = Math.max(0, run.deadline - performance.now());
      this.#timer = setTimeout(() => this.cancel('timeout'), ms);
      this.#timer.unref?.();
    }
  }

  /** Cheap interrupt check for operators (PostgreSQL's CHECK_FOR_INTERRUPTS). */
  readonly checkInterrupt = (): void => {
    if (this.#cancelReason !== null) throw this.#cancelError();
    if (this.run.deadline !== Infinity && performance.now() > this.run.deadline) {
      this.#cancelReason = 'timeout';
      throw this.#cancelError();
    }
  };

  get counters(): ExecCounters {
    return this;
  }

  get indexesUsed(): Set<string> {
    return (this.#indexes ??= new Set());
  }

  get done(): boolean {
    return this.#done;
  }

  /** Runs the statement again once the row lock it hit is granted (set by the plan runner). */
  onLockWait: ((wait: LockWait) => void) | null = null;
  /** Set while the statement waits for a lock: takes the request out of the wait queue. */
  cancelWait: ((reason: 'user' | 'timeout') => void) | null = null;
  lockWaitMs = 0;

  cancel(reason: 'user' | 'timeout'): void {
    if (this.#done || this.#cancelReason !== null) return;
    this.#cancelReason = reason;
    if (this.cancelWait !== null) {
      // The lock manager answers the waiting request with 57014; the statement fails then.
      this.cancelWait(reason);
      return;
    }
    // A statement between slices is stopped now, not at its next slice.
    if (this.#execution === null || this.#idle) this.fail(this.#cancelError());
  }

  #idle = false;
  #slices = 0;

  progress(phase: string): void {
    this.#env.router.send({
      type: 'Progress',
      to: this.run.rowsTo,
      phase,
      rowsExamined: this.rowsExamined,
      rowsProduced: this.rowsProduced,
    });
  }

  /** Runs the execution to its end, yielding between slices. */
  execute(execution: Execution, outcome: StatementOutcome): void {
    this.#execution = execution;
    this.outcome = outcome;
    if (this.run.observed === true) this.progress('executing');
    this.#pump();
  }

  /** execute() for a compiled plan: the outcome is read from the plan when the statement ends. */
  executePlan(execution: Execution, plan: CompiledStatement, hit: boolean): void {
    this.#execution = execution;
    this.#plan = plan;
    this.#planHit = hit;
    this.outcome = null;
    if (this.run.observed === true) this.progress('executing');
    this.#pump();
  }

  #columns(): readonly WireColumn[] | undefined {
    return this.#plan !== null ? this.#plan.columns : this.outcome?.columns;
  }

  #sendRows(rows: SqlValue[][]): void {
    this.#env.router.send({ type: 'Rows', to: this.run.rowsTo, rows, columns: this.#columns() });
  }

  /** Sends the held batch now (before a yield, a failure or a lock wait). */
  #flushHeld(): void {
    const held = this.#held;
    if (held === null) return;
    this.#held = null;
    this.#sendRows(held);
  }

  #resume: (() => void) | null = null;

  #pump(): void {
    this.#idle = false;
    if (this.#done) return;
    const exec = this.#execution as Execution;
    // The first slice starts when the statement did (one clock read less per short statement).
    const first = this.#slices++ === 0;
    const sliceEnd = (first ? this.startedAt : performance.now()) + SLICE_MS;
    // The statement's first step (bounded by its work budget) is not followed by a clock read:
    // most short statements end in their second, empty one.
    let steps = first ? 0 : 1;
    try {
      for (;;) {
        if (this.#cancelReason !== null) throw this.#cancelError();
        const rows = exec.step();
        if (rows === null) break;
        if (rows.length > 0) {
          if (this.#holdRows) {
            if (this.#held !== null) this.#sendRows(this.#held);
            this.#held = rows;
          } else this.#sendRows(rows);
        }
        if (steps++ > 0 && performance.now() > sliceEnd) {
          this.checkInterrupt();
          this.#flushHeld();
          this.progress('executing');
          this.#idle = true;
          setImmediate((this.#resume ??= () => this.#pump()));
          return;
        }
      }
    } catch (e) {
      if (e instanceof LockWait && this.onLockWait !== null && this.#cancelReason === null) {
        this.#flushHeld();
        try {
          exec.close();
        } catch {
          // the execution is abandoned either way
        }
        this.#execution = null;
        this.onLockWait(e);
        return;
      }
      this.fail(e);
      return;
    }
    this.finish(exec.rowsAffected);
  }

  finish(rowsAffected: number): void {
    if (this.#done) return;
    this.#done = true;
    this.#cleanup();
    const p = this.#plan;
    const o = p === null ? (this.outcome as StatementOutcome) : null;
    const columns = p !== null ? p.columns : (o as StatementOutcome).columns;
    const indexesUsed = p !== null ? p.indexesUsed : (o as StatementOutcome).indexesUsed;
    const rows = this.#held;
    this.#held = null;
    const reported = this.#indexes !== null && this.#indexes.size > 0 ? this.#indexes : null;
    const s = this.#env.storage.ioCounters();
    const endedAt = performance.now();
    const elapsed = endedAt - this.startedAt;
    this.#env.router.send({
      type: 'StatementDone',
      to: this.run.replyTo,
      command: p !== null ? p.command : (o as StatementOutcome).command,
      columns,
      rows: rows ?? undefined,
      rowsAffected,
      metrics: {
        kind: this.run.statement.kind,
        executionTimeMs: elapsed,
        rowsAffected,
        rowsExamined: this.rowsExamined,
        rowsProduced: this.rowsProduced,
        indexesUsed: reported !== null ? [...reported] : indexesUsed,
        bufferHits: s.hits - this.#hits0,
        bufferMisses: s.misses - this.#misses0,
        ioOperations: s.pagesIo - this.#io0,
        lockWaitMs: this.lockWaitMs,
        planCacheHit: p !== null ? this.#planHit : (o as StatementOutcome).planCacheHit,
      },
      endedAt,
      plan: elapsed >= (this.#env.slowPlan?.thresholdMs ?? Infinity) ? planLines(p !== null ? () => p.explain() : (o as StatementOutcome).plan) : undefined,
    });
    this.#env.onEnd(this);
  }

  fail(e: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#cleanup();
    // Rows already produced reach the caller before the error, as they would have streamed.
    this.#flushHeld();
    this.#env.router.send({ type: 'Failed', to: this.run.replyTo, error: toWire(e) });
    this.#env.onEnd(this);
  }

  #cleanup(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    try {
      this.#execution?.close();
    } catch {
      // closing cursors cannot make the outcome worse
    }
  }

  #cancelError(): DispatcherError {
    return this.#cancelReason === 'timeout'
      ? new DispatcherError(SqlState.QueryCanceled, 'canceling statement due to statement timeout')
      : canceled();
  }
}

/**
 * An idle statement, kept so that V8 keeps the class's map (see execution/shape-keeper.ts): its
 * fields hold the same kinds of value as a real statement's (startedAt a fractional time).
 */
keepShape(
  new RunningStatement(
    { type: 'Run', queryId: 0, statement: null as never, params: [], context: null as never, rowsTo: 0, replyTo: 0, sentAt: performance.now(), deadline: Infinity },
    { router: null as never, storage: { ioCounters: () => ({ hits: 0, misses: 0, pagesIo: 0 }) } as never, onEnd: () => {} },
  ),
);

/** The plan summary for the slow-query log; explaining must never fail the statement. */
function planLines(plan: (() => string[]) | undefined): string[] | undefined {
  try {
    return plan?.();
  } catch {
    return undefined;
  }
}
