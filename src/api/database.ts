// Database.open: the storage engine, the actor system over it, the analyser with its shape cache,
// and the sessions connected to it.
import './v8-tuning.js';
import { ActorSystem } from '../../actors/system.js';
import type { ActiveQuery } from '../../actors/dispatcher.js';
import type { KindAggregate, ShapeStats } from '../../actors/monitor.js';
import { Analyzer } from '../analysis/analyzer.js';
import type { MonitorMsg } from '../protocol/messages.js';
import { openStorage } from '../storage/engine.js';
import type { StorageStats, TableDef } from '../storage/ports.js';
import type { FileIo } from '../storage/file-io.js';
import type { Observable } from 'rxjs';
import { DispatcherError, SqlState } from './errors.js';
import { Session, type SessionHost } from './session.js';
import type { ConnectOptions } from './types.js';
import { installAccessControl, checkLogin } from './access.js';
import { SessionPool, type SessionLimits } from './session-pool.js';
import { dropLeftoverTempTables, isTempTable } from './temp-tables.js';
import type { RowChange } from '../../actors/commit-observer.js';
import type { ConfigObject, DispatcherConfig } from './config.js';
import type { Operations } from './operations.js';
import { DatabaseOps, openOperations, type ConcurrentRequest, type ConcurrentResult, type OperationsMonitor } from './database-ops.js';

/** Session limits from open() until the constructor takes them (open builds the system first). */
const pendingLimits = new WeakMap<ActorSystem, SessionLimits>();

export interface DatabaseOptions {
  /** A YAML configuration file, or its fields as an object (src/api/config.ts). */
  readonly config?: string | ConfigObject;
  /** Page size in bytes for a new file (default 8192). */
  readonly pageSize?: number;
  /** Buffer pool capacity in pages. */
  readonly poolPages?: number;
  /** false skips fsync: faster, not crash-safe. Default true. */
  readonly durable?: boolean;
  /** WAL size in bytes that triggers a checkpoint. */
  readonly checkpointBytes?: number;
  /**
   * For tests: the file I/O under the data file and the WAL (default node:fs). A
   * FaultyFileIo (src/storage/faulty-file-io.ts) fails chosen reads, writes or fsyncs.
   */
  readonly fileIo?: FileIo;
  readonly maxConcurrentQueries?: number;
  readonly maxQueuedQueries?: number;
  readonly planCacheSize?: number;
  readonly parseCacheSize?: number;
  /** Open sessions at most; one more connect() answers 53300. */
  readonly maxSessions?: number;
  /** Open sessions per user at most (53300 'too many connections for role'). */
  readonly maxSessionsPerUser?: number;
  /** Closes sessions idle this long (ms), rolling back their open work; SET idle_session_timeout overrides it per session. */
  readonly idleSessionTimeoutMs?: number;
}

export interface DatabaseMonitor extends OperationsMonitor {
  readonly metrics$: Observable<MonitorMsg>;
  byKind(): ReadonlyMap<string, KindAggregate>;
  byShape(): readonly ShapeStats[];
}

/**
 * An idle database: in memory, one session that runs nothing, made at the first open and kept for
 * the life of the process. A database has one instance of most of its classes (the system,
 * transaction manager, dispatcher, coordinators, lock manager, the database and its operations),
 * and V8 keeps such a class's map only while an instance lives (see execution/shape-keeper.ts).
 * When a program closed its last database, the maps went with it and every statement path
 * compiled against them was deoptimized ("weak objects": 25 functions in a small open-close-open
 * program, 60-100 in the bench after its rehearsal's close); the next database ran them
 * unoptimized until V8 had compiled them again.
 */
let idle: Promise<IdleDatabase> | null = null;

interface IdleDatabase {
  readonly db: Database;
  readonly session: Session;
}

/** The idle database and its session, once a database was opened (tests compare their maps). */
export function idleDatabase(): Promise<IdleDatabase> | null {
  return idle;
}

export class Database implements SessionHost {
  readonly path: string;
  readonly system: ActorSystem;
  readonly analyzer: Analyzer;
  readonly monitor: DatabaseMonitor;
  readonly #sessions = new Set<Session>();
  #closed = false;
  readonly #pool: SessionPool;
  readonly operations: Operations;
  readonly #ops: DatabaseOps;
  /** The configuration the database runs with (defaults where the file said nothing). */
  readonly config: DispatcherConfig;
  /** db.plugins.register(plugin) / unregister(name) / list(). */
  readonly plugins: Operations['plugins'];

  private constructor(path: string, system: ActorSystem, analyzer: Analyzer, config: DispatcherConfig) {
    this.path = path;
    this.system = system;
    this.analyzer = analyzer;
    this.#pool = new SessionPool(pendingLimits.get(system) ?? {});
    installAccessControl(system);
    this.config = config;
    this.#ops = openOperations(this, config);
    this.operations = this.#ops.operations;
    this.plugins = this.operations.plugins;
    const m = system.monitor;
    this.monitor = {
      metrics$: m.metrics$,
      byKind: () => m.byKind,
      byShape: () => [...m.byShape.values()],
      ...this.#ops.monitor,
    };
  }

  /** Runs requests on a small pool of sessions, at most `parallelism` at once; results in order. */
  executeConcurrent(requests: readonly ConcurrentRequest[], options: { readonly parallelism?: number } = {}): Promise<ConcurrentResult[]> {
    return this.#ops.executeConcurrent(requests, options.parallelism);
  }

  static async open(path: string, options: DatabaseOptions = {}): Promise<Database> {
    checkOpenArguments(path, options);
    if (idle === null) {
      idle = Database.#open(':memory:', {}).then(async (db) => ({ db, session: await db.connect() }));
      // It only keeps compiled code warm: failing to make it must not fail this open.
      await idle.catch(() => undefined);
    }
    return Database.#open(path, options);
  }

  static async #open(path: string, options: DatabaseOptions): Promise<Database> {
    const config = DatabaseOps.loadConfig(options.config);
    options = DatabaseOps.withConfig(options, config);
    const storage = await openStorage(path, {
      ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
      ...(options.poolPages !== undefined ? { poolPages: options.poolPages } : {}),
      ...(options.durable !== undefined ? { durable: options.durable } : {}),
      ...(options.checkpointBytes !== undefined ? { checkpointBytes: options.checkpointBytes } : {}),
      ...(options.fileIo !== undefined ? { fileIo: options.fileIo } : {}),
    });
    await dropLeftoverTempTables(storage);
    const system = new ActorSystem(storage, {
      maxConcurrentQueries: options.maxConcurrentQueries ?? 64,
      maxQueuedQueries: options.maxQueuedQueries ?? 10_000,
      planCacheSize: options.planCacheSize ?? 2000,
    });
    pendingLimits.set(system, {
      maxSessions: options.maxSessions,
      maxSessionsPerUser: options.maxSessionsPerUser,
      idleSessionTimeoutMs: options.idleSessionTimeoutMs,
    });
    return new Database(path, system, new Analyzer({ cacheSize: options.parseCacheSize ?? 2000 }), config);
  }

  async connect(options: ConnectOptions = {}): Promise<Session> {
    if (this.#closed) throw new DispatcherError(SqlState.ConnectionDoesNotExist, 'database is closed');
    if (options === null || typeof options !== 'object' || (options.user !== undefined && typeof options.user !== 'string')) {
      throw new DispatcherError(SqlState.InvalidParameterValue, 'connect options must be an object with an optional user name');
    }
    this.#pool.admit(options.user ?? 'owner', checkLogin(this.system, options.user ?? 'owner'));
    const s = new Session(this, this.#ops.sessionCreated(this.system.createSession(options.user ?? 'owner')));
    this.#sessions.add(s);
    this.#pool.add(s);
    return s;
  }

  sessionClosed(s: Session): void {
    this.#sessions.delete(s);
    this.#pool.remove(s);
  }

  /** Committed table definitions. */
  tables(): TableDef[] {
    const snap = this.system.storage.snapshot();
    try {
      // Temporary tables belong to their sessions: no one lists them.
      return snap.tables().filter((t) => !isTempTable(t.name));
    } finally {
      snap.release();
    }
  }

  /** Committed views with their defining SQL (for .schema and tools). */
  views(): { readonly name: string; readonly sql: string }[] {
    const snap = this.system.storage.snapshot();
    try {
      const v = snap.getMeta('views');
      if (v === null || typeof v !== 'object') return [];
      return Object.entries(v as Record<string, { sql?: unknown }>).map(([name, def]) => ({
        name,
        sql: typeof def.sql === 'string' ? def.sql : '',
      }));
    } finally {
      snap.release();
    }
  }

  /** Committed row changes (table, operation, key, before, after) in commit order, once durable. */
  get changes$(): Observable<RowChange> {
    return this.system.commits.changes$.asObservable();
  }

  /** Open sessions (of one user when given). */
  sessionCount(user?: string): number {
    return user === undefined ? this.#pool.size : this.#pool.countOf(user);
  }

  activeQueries(): ActiveQuery[] {
    return this.system.dispatcher.activeQueries();
  }

  /** Cancels a running or queued query by id (as shown by activeQueries()). */
  cancel(queryId: string | number): boolean {
    const id = Number(queryId);
    // The seed's CancelQuery answers "not found" for an id that is not active.
    if (!this.system.dispatcher.activeQueries().some((q) => q.queryId === id)) return false;
    this.system.dispatcher.tell({ type: 'Cancel', queryId: id, reason: 'user' });
    return true;
  }

  stats(): StorageStats & { readonly planCacheHits: number; readonly planCacheMisses: number } {
    return { ...this.system.storage.stats(), planCacheHits: this.system.plans.hits, planCacheMisses: this.system.plans.misses };
  }

  async checkpoint(): Promise<void> {
    await this.system.storage.checkpoint();
  }

  integrityCheck(): string[] {
    return this.system.storage.integrityCheck();
  }

  get closed(): boolean {
    return this.#closed;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#sessions].map((s) => s.close()));
    await this.#ops.close();
    this.#pool.stop();
    this.system.stop();
    await this.system.storage.close();
  }
}

/** Numeric options: integers, at least this much (0 admission slots would queue every statement forever). */
const OPTION_MINIMUM: Readonly<Partial<Record<keyof DatabaseOptions, number>>> = {
  pageSize: 0,
  poolPages: 1,
  checkpointBytes: 0,
  maxConcurrentQueries: 1,
  maxQueuedQueries: 0,
  planCacheSize: 0,
  parseCacheSize: 0,
  maxSessions: 0,
  maxSessionsPerUser: 0,
  idleSessionTimeoutMs: 0,
};

/** What the types promise TypeScript callers, checked for JavaScript ones (22023 instead of a TypeError or a hang). */
function checkOpenArguments(path: unknown, options: unknown): void {
  const bad = (message: string): DispatcherError => new DispatcherError(SqlState.InvalidParameterValue, message);
  if (typeof path !== 'string') throw bad(`database path must be a string, not ${path === null ? 'null' : typeof path}`);
  if (options === null || typeof options !== 'object') throw bad('options must be an object');
  const o = options as Record<string, unknown>;
  for (const [name, min] of Object.entries(OPTION_MINIMUM)) {
    const v = o[name];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < (min as number)) throw bad(`option ${name} must be an integer of at least ${min}, got ${String(v)}`);
  }
  if (o['durable'] !== undefined && typeof o['durable'] !== 'boolean') throw bad('option durable must be true or false');
}
