// The database's configuration: a YAML file (or the same fields as an object) with the seed's
// settings and the engine's own, validated field by field. Every problem is a DispatcherError
// 22023 that names the field and says why, so a bad file never opens a half-configured database.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { parse as ParseYaml } from 'yaml';
import { DispatcherError, SqlState } from './errors.js';

/**
 * yaml, loaded the first time a configuration file is read: most databases are configured with an
 * object or not at all, and loading the parser with the library cost every one of them its memory.
 */
let yamlParse: typeof ParseYaml | undefined;
function parseYaml(text: string): unknown {
  yamlParse ??= (createRequire(import.meta.url)('yaml') as { parse: typeof ParseYaml }).parse;
  return yamlParse(text);
}

export type SecurityLevel = 'low' | 'medium' | 'high';

/** The fields as written in the YAML file (durations as '30s', '250ms', '2min' or a number of ms). */
export interface ConfigObject {
  readonly max_concurrent_queries?: number;
  readonly max_queued_queries?: number;
  readonly query_timeout?: string | number;
  readonly slow_query_threshold?: string | number;
  readonly max_sessions_per_user?: number;
  readonly cache_size?: number;
  readonly enable_query_logging?: boolean;
  readonly security_level?: SecurityLevel;
  readonly buffer_pool_pages?: number;
  readonly slow_query_log?: string | null;
  readonly slow_query_log_max_bytes?: number;
  readonly slow_query_log_keep?: number;
  readonly max_statement_length?: number;
  readonly allowed_functions?: readonly string[];
  readonly result_cache_size?: number;
  readonly plan_cache_size?: number;
  readonly circuit_breaker_max_failures?: number;
  readonly circuit_breaker_reset_timeout?: string | number;
}

/** The validated configuration the engine runs with (durations in ms; 0 = no limit). */
export interface DispatcherConfig {
  readonly maxConcurrentQueries: number;
  readonly maxQueuedQueries: number;
  /** Default statement_timeout of every session (SET statement_timeout overrides it). */
  readonly queryTimeoutMs: number;
  readonly slowQueryThresholdMs: number;
  /** 0 = unlimited. */
  readonly maxSessionsPerUser: number;
  /** Shape (parse) cache entries. */
  readonly cacheSize: number;
  /** Logs every statement (not only slow ones) to the query log. */
  readonly enableQueryLogging: boolean;
  readonly securityLevel: SecurityLevel;
  /** Buffer pool capacity in pages; undefined keeps the storage engine's default. */
  readonly bufferPoolPages: number | undefined;
  /** File of the slow-query log (JSON lines); null logs nowhere (slowQueries$ still publishes). */
  readonly slowQueryLog: string | null;
  readonly slowQueryLogMaxBytes: number;
  /** Rotated files kept beside the log (.1 … .N). */
  readonly slowQueryLogKeep: number;
  readonly maxStatementLength: number;
  /** Lower-cased function names; empty = every function is allowed (at levels low and medium). */
  readonly allowedFunctions: readonly string[];
  /** Cached SELECT results; 0 turns the result cache off. */
  readonly resultCacheSize: number;
  readonly planCacheSize: number;
  readonly circuitBreakerMaxFailures: number;
  readonly circuitBreakerResetTimeoutMs: number;
}

export const DEFAULT_CONFIG: DispatcherConfig = {
  maxConcurrentQueries: 64,
  maxQueuedQueries: 10_000,
  queryTimeoutMs: 0,
  slowQueryThresholdMs: 1000,
  maxSessionsPerUser: 0,
  cacheSize: 2000,
  enableQueryLogging: false,
  securityLevel: 'low',
  bufferPoolPages: undefined,
  slowQueryLog: null,
  slowQueryLogMaxBytes: 10 * 1024 * 1024,
  slowQueryLogKeep: 3,
  maxStatementLength: 1024 * 1024,
  allowedFunctions: [],
  resultCacheSize: 0,
  planCacheSize: 2000,
  circuitBreakerMaxFailures: 5,
  circuitBreakerResetTimeoutMs: 30_000,
};

const KNOWN: ReadonlySet<string> = new Set([
  'max_concurrent_queries',
  'max_queued_queries',
  'query_timeout',
  'slow_query_threshold',
  'max_sessions_per_user',
  'cache_size',
  'enable_query_logging',
  'security_level',
  'buffer_pool_pages',
  'slow_query_log',
  'slow_query_log_max_bytes',
  'slow_query_log_keep',
  'max_statement_length',
  'allowed_functions',
  'result_cache_size',
  'plan_cache_size',
  'circuit_breaker_max_failures',
  'circuit_breaker_reset_timeout',
]);

function bad(source: string, field: string, why: string): DispatcherError {
  return new DispatcherError(SqlState.InvalidParameterValue, `invalid configuration: ${field}: ${why}`, {
    detail: `in ${source}`,
  });
}

function integer(source: string, field: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw bad(source, field, `must be an integer, got ${show(v)}`);
  if (v < min) throw bad(source, field, `must be at least ${min}, got ${v}`);
  return v;
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, min: 60_000, m: 60_000, h: 3_600_000 };

/** A duration: a number of ms, or '30s', '250ms', '2min', '1h'. */
export function durationMs(source: string, field: string, v: unknown): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) throw bad(source, field, `must be a non-negative number of milliseconds, got ${v}`);
    return v;
  }
  if (typeof v === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|m|h)?\s*$/i.exec(v);
    if (m !== null) return Math.round(Number(m[1]) * (UNITS[(m[2] ?? 'ms').toLowerCase()] as number));
  }
  throw bad(source, field, `must be a duration such as '30s', '250ms', '2min' or a number of ms, got ${show(v)}`);
}

function show(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'string' ? `'${v}'` : typeof v === 'object' ? 'a mapping' : String(v);
}

/** Validates the fields of a configuration object over the defaults. */
export function resolveConfig(input: unknown, source = 'configuration object'): DispatcherConfig {
  if (input === null || input === undefined) return DEFAULT_CONFIG;
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw bad(source, '(top level)', `must be a mapping of setting names to values, got ${show(input)}`);
  }
  const o = input as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!KNOWN.has(k)) throw bad(source, k, `unknown setting (known: ${[...KNOWN].join(', ')})`);
  }
  const d = DEFAULT_CONFIG;
  const has = (k: string): boolean => o[k] !== undefined;
  const int = (k: string, min: number, dflt: number): number => (has(k) ? integer(source, k, o[k], min) : dflt);
  const dur = (k: string, dflt: number): number => (has(k) ? durationMs(source, k, o[k]) : dflt);

  let securityLevel = d.securityLevel;
  if (has('security_level')) {
    const v = o['security_level'];
    if (v !== 'low' && v !== 'medium' && v !== 'high') {
      throw bad(source, 'security_level', `must be 'low', 'medium' or 'high', got ${show(v)}`);
    }
    securityLevel = v;
  }
  let enableQueryLogging = d.enableQueryLogging;
  if (has('enable_query_logging')) {
    const v = o['enable_query_logging'];
    if (typeof v !== 'boolean') throw bad(source, 'enable_query_logging', `must be true or false, got ${show(v)}`);
    enableQueryLogging = v;
  }
  let slowQueryLog = d.slowQueryLog;
  if (o['slow_query_log'] !== undefined && o['slow_query_log'] !== null) {
    const v = o['slow_query_log'];
    if (typeof v !== 'string' || v.trim() === '') throw bad(source, 'slow_query_log', `must be a file path, got ${show(v)}`);
    slowQueryLog = v;
  }
  let allowedFunctions = d.allowedFunctions;
  if (has('allowed_functions')) {
    const v = o['allowed_functions'];
    if (!Array.isArray(v)) throw bad(source, 'allowed_functions', `must be a list of function names, got ${show(v)}`);
    allowedFunctions = v.map((f, i) => {
      if (typeof f !== 'string' || !/^[A-Za-z_][A-Za-z0-9_$]*$/.test(f)) {
        throw bad(source, `allowed_functions[${i}]`, `must be a function name, got ${show(f)}`);
      }
      return f.toLowerCase();
    });
  }
  const cacheSize = int('cache_size', 0, d.cacheSize);
  return {
    maxConcurrentQueries: int('max_concurrent_queries', 1, d.maxConcurrentQueries),
    maxQueuedQueries: int('max_queued_queries', 0, d.maxQueuedQueries),
    queryTimeoutMs: dur('query_timeout', d.queryTimeoutMs),
    slowQueryThresholdMs: dur('slow_query_threshold', d.slowQueryThresholdMs),
    maxSessionsPerUser: int('max_sessions_per_user', 0, d.maxSessionsPerUser),
    cacheSize,
    enableQueryLogging,
    securityLevel,
    bufferPoolPages: has('buffer_pool_pages') ? integer(source, 'buffer_pool_pages', o['buffer_pool_pages'], 8) : undefined,
    slowQueryLog,
    slowQueryLogMaxBytes: int('slow_query_log_max_bytes', 1024, d.slowQueryLogMaxBytes),
    slowQueryLogKeep: int('slow_query_log_keep', 1, d.slowQueryLogKeep),
    maxStatementLength: int('max_statement_length', 1, d.maxStatementLength),
    allowedFunctions,
    resultCacheSize: int('result_cache_size', 0, d.resultCacheSize),
    // cache_size sizes both caches unless plan_cache_size says otherwise.
    planCacheSize: int('plan_cache_size', 0, has('cache_size') ? cacheSize : d.planCacheSize),
    circuitBreakerMaxFailures: int('circuit_breaker_max_failures', 1, d.circuitBreakerMaxFailures),
    circuitBreakerResetTimeoutMs: dur('circuit_breaker_reset_timeout', d.circuitBreakerResetTimeoutMs),
  };
}

/** Reads and validates a YAML configuration file. */
export function loadConfigFile(path: string): DispatcherConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DispatcherError(SqlState.IoError, `could not read configuration file ${path}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new DispatcherError(SqlState.InvalidParameterValue, `invalid configuration: ${path} is not valid YAML: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return resolveConfig(doc, path);
}

/** A path to a YAML file or the fields themselves. */
export function loadConfig(config: string | ConfigObject | undefined): DispatcherConfig {
  if (config === undefined) return DEFAULT_CONFIG;
  return typeof config === 'string' ? loadConfigFile(config) : resolveConfig(config);
}
