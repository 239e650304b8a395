// The YAML configuration: fields reach the engine, defaults fill the rest, and every bad field is
// a 22023 DispatcherError that names the field.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, loadConfigFile, resolveConfig } from '../../src/api/config.js';
import { Database } from '../../src/api/database.js';
import { DispatcherError } from '../../src/api/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'dispatchdb-config-'));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function refusal(fn: () => unknown): DispatcherError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DispatcherError);
    return e as DispatcherError;
  }
  throw new Error('expected a refusal');
}

describe('configuration file', () => {
  it('parses every field of the seed and the engine', () => {
    const p = file(
      'full.yaml',
      [
        'max_concurrent_queries: 8',
        'query_timeout: 30s',
        'slow_query_threshold: 250ms',
        'max_sessions_per_user: 4',
        'cache_size: 500',
        'enable_query_logging: true',
        'security_level: medium',
        'buffer_pool_pages: 256',
        `slow_query_log: ${join(dir, 'slow.log')}`,
        'slow_query_log_max_bytes: 65536',
        'max_statement_length: 10000',
        'allowed_functions: [count, LOWER]',
        'result_cache_size: 100',
        'plan_cache_size: 50',
        'circuit_breaker_reset_timeout: 2min',
      ].join('\n'),
    );
    const c = loadConfigFile(p);
    expect(c.maxConcurrentQueries).toBe(8);
    expect(c.queryTimeoutMs).toBe(30_000);
    expect(c.slowQueryThresholdMs).toBe(250);
    expect(c.maxSessionsPerUser).toBe(4);
    expect(c.cacheSize).toBe(500);
    expect(c.enableQueryLogging).toBe(true);
    expect(c.securityLevel).toBe('medium');
    expect(c.bufferPoolPages).toBe(256);
    expect(c.slowQueryLog).toBe(join(dir, 'slow.log'));
    expect(c.slowQueryLogMaxBytes).toBe(65536);
    expect(c.maxStatementLength).toBe(10000);
    expect(c.allowedFunctions).toEqual(['count', 'lower']);
    expect(c.resultCacheSize).toBe(100);
    expect(c.planCacheSize).toBe(50);
    expect(c.circuitBreakerResetTimeoutMs).toBe(120_000);
  });

  it('fills defaults, and cache_size sizes the plan cache unless plan_cache_size is given', () => {
    expect(resolveConfig({})).toEqual(DEFAULT_CONFIG);
    expect(resolveConfig({ cache_size: 7 }).planCacheSize).toBe(7);
    expect(resolveConfig({ query_timeout: 1500 }).queryTimeoutMs).toBe(1500);
    expect(loadConfigFile(file('empty.yaml', '# nothing set\n'))).toEqual(DEFAULT_CONFIG);
  });

  it.each([
    [{ max_concurrent_queries: 0 }, 'max_concurrent_queries', 'at least 1'],
    [{ max_concurrent_queries: 2.5 }, 'max_concurrent_queries', 'integer'],
    [{ query_timeout: 'soon' }, 'query_timeout', 'duration'],
    [{ query_timeout: -5 }, 'query_timeout', 'non-negative'],
    [{ security_level: 'paranoid' }, 'security_level', "'low', 'medium' or 'high'"],
    [{ enable_query_logging: 'yes please' }, 'enable_query_logging', 'true or false'],
    [{ allowed_functions: 'lower' }, 'allowed_functions', 'list'],
    [{ allowed_functions: ['lower', 'drop table'] }, 'allowed_functions[1]', 'function name'],
    [{ max_sesions_per_user: 3 }, 'max_sesions_per_user', 'unknown setting'],
    [{ slow_query_log: 42 }, 'slow_query_log', 'file path'],
  ])('refuses %j naming the field', (input, field, why) => {
    const e = refusal(() => resolveConfig(input));
    expect(e.sqlState).toBe('22023');
    expect(e.message).toContain(field);
    expect(e.message).toContain(why);
  });

  it('refuses a file that is not YAML or not a mapping, and a missing file', () => {
    expect(refusal(() => loadConfigFile(file('bad.yaml', 'a: [1, 2\n'))).sqlState).toBe('22023');
    const list = refusal(() => loadConfigFile(file('list.yaml', '- 1\n- 2\n')));
    expect(list.message).toContain('mapping');
    expect(refusal(() => loadConfigFile(join(dir, 'absent.yaml'))).sqlState).toBe('58030');
  });

  it('Database.open takes the file or an object and runs with it', async () => {
    const p = file('db.yaml', 'max_concurrent_queries: 3\nquery_timeout: 2s\nbuffer_pool_pages: 64\n');
    const db = await Database.open(join(dir, 'configured.db'), { config: p, durable: false });
    try {
      expect(db.config.maxConcurrentQueries).toBe(3);
      expect(db.stats().poolCapacity).toBe(64);
      const s = await db.connect();
      // query_timeout is every session's default statement_timeout; RESET returns to it.
      expect((await s.execute('SHOW statement_timeout')).rows).toEqual([['2000']]);
      await s.execute('SET statement_timeout = 0');
      expect((await s.execute('SHOW statement_timeout')).rows).toEqual([['0']]);
      await s.execute('RESET statement_timeout');
      expect((await s.execute('SHOW statement_timeout')).rows).toEqual([['2000']]);
    } finally {
      await db.close();
    }
    const limited = await Database.open(':memory:', { config: { max_sessions_per_user: 1 } });
    await limited.connect();
    await expect(limited.connect()).rejects.toMatchObject({ sqlState: '53300' });
    await limited.close();
    await expect(Database.open(':memory:', { config: { security_level: 'none' as 'low' } })).rejects.toMatchObject({
      sqlState: '22023',
    });
  });
});
