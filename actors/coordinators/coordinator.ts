// What every coordinator shares: a mailbox of Run and Cancel, the statements it is running, and
// the release of the dispatcher's admission slot when one ends.
import type { CoordinatorMsg, RunStatement } from '../../src/protocol/messages.js';
import type { StorageEngine } from '../../src/storage/ports.js';
import type { PlanCache } from '../../src/observability/plan-cache.js';
import type { SchemaVersions } from '../../src/observability/schema-versions.js';
import { Actor } from '../actor.js';
import { IdMap } from '../id-map.js';
import type { ReplyRouter } from '../reply-router.js';
import type { LockManager } from '../lock-manager.js';
import type { TransactionManager } from '../transaction-manager.js';
import { RunningStatement, type StatementEnv } from './running-statement.js';

export interface CoordinatorDeps {
  readonly router: ReplyRouter;
  readonly storage: StorageEngine;
  readonly txns: TransactionManager;
  readonly plans: PlanCache;
  readonly versions: SchemaVersions;
  readonly locks: LockManager;
  /** Tells the dispatcher a statement ended (frees its admission slot). */
  readonly released: (queryId: number) => void;
  /** Slow-query threshold: statements past it send their plan summary (slow-query log). */
  readonly slowPlan?: { readonly thresholdMs: number } | undefined;
}

/**
 * A coordinator's statements. Its own class, so the per-message work reads one object shape:
 * code in the Coordinator base class would see six (one per coordinator class) on every field.
 */
class RunningTable {
  readonly running = new IdMap<RunningStatement>();
  readonly env: StatementEnv;
  readonly #start: (rs: RunningStatement, run: RunStatement) => void;
  readonly #released: (queryId: number) => void;

  constructor(deps: CoordinatorDeps, start: (rs: RunningStatement, run: RunStatement) => void) {
    this.#start = start;
    this.#released = deps.released;
    this.env = { router: deps.router, storage: deps.storage, onEnd: (rs) => this.#ended(rs), slowPlan: deps.slowPlan };
  }

  receive(m: CoordinatorMsg): void {
    if (m.type === 'Cancel') {
      this.running.get(m.queryId)?.cancel(m.reason);
      return;
    }
    const rs = new RunningStatement(m, this.env);
    this.running.set(m.queryId, rs);
    try {
      this.#start(rs, m);
    } catch (e) {
      rs.fail(e);
    }
  }

  #ended(rs: RunningStatement): void {
    this.running.delete(rs.run.queryId);
    this.#released(rs.run.queryId);
  }
}

export abstract class Coordinator extends Actor<CoordinatorMsg> {
  protected readonly deps: CoordinatorDeps;
  readonly #table: RunningTable;

  constructor(name: string, deps: CoordinatorDeps) {
    super(name);
    this.deps = deps;
    // The subclass's start, read once (already on the prototype chain while the base constructs).
    const start = this.start;
    this.#table = new RunningTable(deps, (rs, run) => start.call(this, rs, run));
  }

  get runningCount(): number {
    return this.#table.running.size;
  }

  protected receive(m: CoordinatorMsg): void {
    this.#table.receive(m);
  }

  /** Starts the statement; it must end with rs.finish() / rs.fail() (now or later). */
  protected abstract start(rs: RunningStatement, run: RunStatement): void;
}
