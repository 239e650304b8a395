// What the configuration switches on around a Database: the operations (security, plugins,
// circuit breaker, result cache), the slow-query log and slowQueries$, the monitor's read side
// (statements(), caches()), the default statement timeout of new sessions, and executeConcurrent.
// Kept out of database.ts so that file stays the small front door.
import type { SessionActor } from '../../actors/session.js';
import type { ActorSystem } from '../../actors/system.js';
import type { Analyzer } from '../analysis/analyzer.js';
import { WriteTracker } from '../observability/data-versions.js';
import { BoundedStream } from '../observability/bounded-stream.js';
import { SlowQueryLog, type SlowQueryEntry } from '../observability/slow-query-log.js';
import type { CircuitState } from '../observability/circuit-breaker.js';
import type { Observable } from 'rxjs';
import type { MonitorMsg } from '../protocol/messages.js';
import type { SqlValue } from '../storage/ports.js';
import { loadConfig, type ConfigObject, type DispatcherConfig } from './config.js';
import { toDispatcherError, type DispatcherError } from './errors.js';
import { Operations } from './operations.js';
import type { Session } from './session.js';
import type { ConnectOptions, QueryResult } from './types.js';

/** One row of db.monitor.statements(), like pg_stat_statements. */
export interface StatementStats {
  readonly shape: string;
  readonly calls: number;
  readonly totalMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly meanMs: number;
  readonly rows: number;
}

export interface CacheStats {
  readonly hits: number;
  readonly misses: number;
  /** hits / (hits + misses); 0 before the first lookup. */
  readonly hitRatio: number;
  readonly size?: number | undefined;
  readonly capacity?: number | undefined;
}

export interface CachesReport {
  readonly plan: CacheStats;
  readonly parse: CacheStats;
  readonly result: CacheStats & { readonly invalidations: number; readonly enabled: boolean };
  readonly bufferPool: CacheStats;
}

export interface OperationsMonitor {
  /** Per statement shape: calls, total / min / max / mean time, rows (like pg_stat_statements). */
  statements(): StatementStats[];
  caches(): CachesReport;
  /** Statements past slow_query_threshold (also written to slow_query_log when set). */
  readonly slowQueries$: Observable<SlowQueryEntry>;
  /** Metrics (and slow-query entries) lost because a subscriber could not keep up. */
  dropped(): { readonly metrics: number; readonly slowQueries: number };
  circuitBreaker(): { readonly state: CircuitState; readonly failures: number; readonly trips: number; readonly rejected: number };
}

export interface ConcurrentRequest {
  readonly sql: string;
  readonly params?: readonly SqlValue[];
  /** The user the request runs as (default: the owner). */
  readonly user?: string;
}

export type ConcurrentResult =
  | { readonly ok: true; readonly result: QueryResult }
  | { readonly ok: false; readonly error: DispatcherError };

export interface OpsHost {
  readonly system: ActorSystem;
  readonly analyzer: Analyzer;
  connect(options?: ConnectOptions): Promise<Session>;
}

function ratio(hits: number, misses: number): number {
  return hits + misses === 0 ? 0 : hits / (hits + misses);
}

export class DatabaseOps {
  readonly operations: Operations;
  readonly monitor: OperationsMonitor;
  readonly #host: OpsHost;
  readonly #config: DispatcherConfig;
  readonly #slowLog: SlowQueryLog | null;
  readonly #slow$ = new BoundedStream<SlowQueryEntry>();

  static loadConfig(config: string | ConfigObject | undefined): DispatcherConfig {
    return loadConfig(config);
  }

  /** Explicit options win; the configuration fills in what they leave out. */
  static withConfig<O extends {
    readonly poolPages?: number;
    readonly maxConcurrentQueries?: number;
    readonly maxQueuedQueries?: number;
    readonly planCacheSize?: number;
    readonly parseCacheSize?: number;
    readonly maxSessionsPerUser?: number | undefined;
  }>(options: O, c: DispatcherConfig): O {
    return {
      ...options,
      ...(options.maxSessionsPerUser === undefined && c.maxSessionsPerUser > 0 ? { maxSessionsPerUser: c.maxSessionsPerUser } : {}),
      ...(options.poolPages === undefined && c.bufferPoolPages !== undefined ? { poolPages: c.bufferPoolPages } : {}),
      maxConcurrentQueries: options.maxConcurrentQueries ?? c.maxConcurrentQueries,
      maxQueuedQueries: options.maxQueuedQueries ?? c.maxQueuedQueries,
      planCacheSize: options.planCacheSize ?? c.planCacheSize,
      parseCacheSize: options.parseCacheSize ?? c.cacheSize,
    };
  }

  constructor(host: OpsHost, config: DispatcherConfig) {
    this.#host = host;
    this.#config = config;
    const system = host.system;
    this.operations = new Operations({
      config,
      dataVersions: system.dataVersions,
      snapshot: () => system.storage.snapshot(),
    });
    if (config.resultCacheSize > 0) system.writes = new WriteTracker(system.dataVersions);
    system.slowPlan.thresholdMs = config.slowQueryThresholdMs;
    this.#slowLog =
      config.slowQueryLog === null
        ? null
        : new SlowQueryLog({ path: config.slowQueryLog, maxBytes: config.slowQueryLogMaxBytes, keep: config.slowQueryLogKeep });
    const m = system.monitor;
    m.slowThresholdMs = config.slowQueryThresholdMs;
    m.logAll = config.enableQueryLogging;
    m.onSlow = (msg, slow) => this.#onSlow(msg, slow);
    const ops = this.operations;
    this.monitor = {
      statements: () =>
        [...m.byShape.values()].map((s) => ({
          shape: s.shape,
          calls: s.calls,
          totalMs: s.totalMs,
          minMs: s.minMs,
          maxMs: s.maxMs,
          meanMs: s.calls === 0 ? 0 : s.totalMs / s.calls,
          rows: s.rows,
        })),
      caches: () => {
        const p = system.plans;
        const a = host.analyzer.stats();
        const r = ops.resultCache.stats();
        const b = system.storage.stats();
        return {
          plan: { hits: p.hits, misses: p.misses, hitRatio: ratio(p.hits, p.misses), size: p.size },
          parse: { hits: a.hits, misses: a.misses, hitRatio: ratio(a.hits, a.misses), size: a.size, capacity: a.capacity },
          result: { ...r, hitRatio: ratio(r.hits, r.misses), enabled: r.capacity > 0 },
          bufferPool: { hits: b.hits, misses: b.misses, hitRatio: ratio(b.hits, b.misses), size: b.poolSize, capacity: b.poolCapacity },
        };
      },
      slowQueries$: this.#slow$.observable,
      dropped: () => ({ metrics: m.stream.dropped, slowQueries: this.#slow$.dropped }),
      circuitBreaker: () => {
        const cb = ops.breaker;
        return { state: cb.state, failures: cb.failures, trips: cb.trips, rejected: cb.rejected };
      },
    };
  }

  #onSlow(m: MonitorMsg, slow: boolean): void {
    const entry: SlowQueryEntry = {
      queryId: m.queryId,
      sessionId: m.sessionId,
      kind: m.metrics.kind,
      text: m.text,
      shape: m.shapeKey,
      timeMs: m.totalMs,
      rowsAffected: m.metrics.rowsAffected,
      rowsProduced: m.metrics.rowsProduced,
      rowsExamined: m.metrics.rowsExamined,
      lockWaitMs: m.metrics.lockWaitMs,
      plan: m.plan,
      slow,
    };
    try {
      this.#slowLog?.log(entry);
    } catch {
      // A full disk under the log must not fail statements; the entry still reaches slowQueries$.
    }
    if (slow) this.#slow$.publish(entry);
  }

  /** New sessions start with the configured statement timeout as their default. */
  sessionCreated(actor: SessionActor): SessionActor {
    if (this.#config.queryTimeoutMs > 0) actor.variables.setDefault('statement_timeout', String(this.#config.queryTimeoutMs));
    return actor;
  }

  async executeConcurrent(requests: readonly ConcurrentRequest[], parallelism?: number): Promise<ConcurrentResult[]> {
    const results = new Array<ConcurrentResult>(requests.length);
    if (requests.length === 0) return results;
    const width = Math.max(1, Math.min(parallelism ?? Math.min(8, this.#config.maxConcurrentQueries), requests.length));
    // Idle sessions by user: a worker takes one per request and gives it back afterwards.
    const idle = new Map<string, Session[]>();
    const all: Session[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      for (;;) {
        const i = next++;
        if (i >= requests.length) return;
        const req = requests[i] as ConcurrentRequest;
        const user = req.user ?? 'owner';
        let s: Session | undefined;
        try {
          s = idle.get(user)?.pop();
          if (s === undefined) {
            s = await this.#host.connect({ user });
            all.push(s);
          }
          results[i] = { ok: true, result: await s.execute(req.sql, req.params ?? []) };
        } catch (e) {
          results[i] = { ok: false, error: toDispatcherError(e, req.sql) };
        }
        if (s !== undefined) {
          // A request that left a transaction open keeps its session out of the pool.
          if (s.transactionState === 'noTxn' && !s.closed) {
            const list = idle.get(user) ?? [];
            list.push(s);
            idle.set(user, list);
          } else {
            await s.close().catch(() => undefined);
          }
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: width }, worker));
    } finally {
      await Promise.all(all.map((s) => s.close().catch(() => undefined)));
    }
    return results;
  }

  async close(): Promise<void> {
    await this.operations.shutdown();
    this.#slowLog?.close();
    this.#slow$.complete();
  }
}

export function openOperations(host: OpsHost, config: DispatcherConfig): DatabaseOps {
  return new DatabaseOps(host, config);
}
