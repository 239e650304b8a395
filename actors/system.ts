// The running system: one of each actor, wired together over one reply router.
import type { CoordinatorName } from '../src/protocol/statement.js';
import type { StorageEngine } from '../src/storage/ports.js';
import { PlanCache } from '../src/observability/plan-cache.js';
import { SchemaVersions } from '../src/observability/schema-versions.js';
import { DataVersions, type WriteTracker } from '../src/observability/data-versions.js';
import { BufferPoolActor } from './buffer-pool.js';
import { AdministrationCoordinator } from './coordinators/admin.js';
import type { Coordinator, CoordinatorDeps } from './coordinators/coordinator.js';
import { AccessControlCoordinator } from './coordinators/dcl.js';
import { SchemaChangeCoordinator } from './coordinators/ddl.js';
import { DataChangeCoordinator } from './coordinators/dml.js';
import { QueryCoordinator } from './coordinators/dql.js';
import { TransactionControlCoordinator } from './coordinators/tcl.js';
import { Dispatcher, type DispatcherLimits } from './dispatcher.js';
import { LockManager } from './lock-manager.js';
import { Monitor } from './monitor.js';
import { ReplyRouter } from './reply-router.js';
import { SessionActor } from './session.js';
import { TransactionManager } from './transaction-manager.js';
import { AccessControl } from './access-control.js';
import { CommitObserver } from './commit-observer.js';
import type { AnalyzedStatement } from '../src/protocol/statement.js';

export interface SystemOptions extends DispatcherLimits {
  readonly planCacheSize: number;
}

export class ActorSystem {
  readonly router = new ReplyRouter();
  readonly versions = new SchemaVersions();
  readonly plans: PlanCache;
  readonly storage: StorageEngine;
  readonly txns: TransactionManager;
  readonly locks: LockManager;
  readonly bufferPool: BufferPoolActor;
  readonly monitor = new Monitor();
  /** Slow-query threshold the coordinators read (set from the configuration). */
  readonly slowPlan = { thresholdMs: Infinity };
  /** Per-table counters bumped by commits that wrote the table (result cache invalidation). */
  readonly dataVersions = new DataVersions();
  /** Set when the result cache is on: sessions report the tables their transactions write. */
  writes: WriteTracker | null = null;
  readonly coordinators: Readonly<Record<CoordinatorName, Coordinator>>;
  readonly dispatcher: Dispatcher;
  readonly sessions = new Map<number, SessionActor>();
  /** Roles, owners and grants as of the latest commit that changed them. */
  readonly access: AccessControl;
  /** Change log (changes$) and ACL reloads after durable commits. */
  readonly commits: CommitObserver;
  /** Privilege check the API installs (analysis is above actors); sessions call it for EXECUTE. */
  authorize: ((user: string, st: AnalyzedStatement) => void) | null = null;
  #nextSession = 1;

  constructor(storage: StorageEngine, options: SystemOptions) {
    this.storage = storage;
    this.plans = new PlanCache(this.versions, options.planCacheSize);
    this.locks = new LockManager(this.router);
    this.txns = new TransactionManager(storage, this.router, this.locks);
    this.bufferPool = new BufferPoolActor(storage, this.router);
    this.access = new AccessControl(storage);
    this.commits = new CommitObserver(storage, () => this.access.reload());
    this.txns.commitObserver = this.commits;
    // The dispatcher is created after the coordinators, which only need to reach it by message.
    let dispatcher: Dispatcher | null = null;
    const deps: CoordinatorDeps = {
      router: this.router,
      storage,
      txns: this.txns,
      plans: this.plans,
      versions: this.versions,
      locks: this.locks,
      released: (queryId) => dispatcher?.tell({ type: 'Released', queryId }),
      slowPlan: this.slowPlan,
    };
    this.coordinators = {
      dql: new QueryCoordinator(deps),
      dml: new DataChangeCoordinator(deps),
      ddl: new SchemaChangeCoordinator(deps),
      tcl: new TransactionControlCoordinator(deps),
      dcl: new AccessControlCoordinator(deps),
      admin: new AdministrationCoordinator(deps),
    };
    dispatcher = new Dispatcher(this.coordinators, this.router, options);
    this.dispatcher = dispatcher;
  }

  createSession(user: string): SessionActor {
    const s = new SessionActor(this.#nextSession++, user, {
      router: this.router,
      dispatcher: this.dispatcher,
      txns: this.txns,
      monitor: this.monitor,
      versions: this.versions,
      writes: this.writes,
      authorize: (user, st) => this.authorize?.(user, st),
    });
    this.sessions.set(s.id, s);
    return s;
  }

  async closeSession(s: SessionActor): Promise<void> {
    await this.router.ask((replyTo) => s.tell({ type: 'Close', replyTo }));
    this.sessions.delete(s.id);
    s.stop();
  }

  stop(): void {
    this.txns.rollbackAll();
    for (const c of Object.values(this.coordinators)) c.stop();
    this.dispatcher.stop();
    this.txns.stop();
    this.locks.stop();
    this.bufferPool.stop();
    this.monitor.stop();
    this.commits.stop();
  }
}
