// dispatchdb through its public API, one database and one session per script. The engine takes
// PostgreSQL's name in skipif / onlyif lines, since its SQL is PostgreSQL-flavoured.
import type { EngineFactory, SltEngine } from '../engine.js';
import type { ResultValue } from '../format.js';

// The slice of the public API the runner uses, named structurally so the runner builds while
// src/api/database.ts is still being written.
interface ApiResult {
  readonly rows: readonly unknown[];
}
interface ApiSession {
  execute(
    sql: string,
    params?: readonly unknown[],
    opts?: { rowMode?: 'array'; timeoutMs?: number },
  ): Promise<ApiResult>;
  close(): Promise<void>;
}
interface ApiDatabase {
  connect(): Promise<ApiSession>;
  close(): Promise<void>;
}
interface ApiModule {
  readonly Database: { open(path: string, opts?: object): Promise<ApiDatabase> };
}

const API_PATH = '../../../src/api/database.js';

class DispatchdbEngine implements SltEngine {
  readonly conditionName = 'postgresql';
  readonly #db: ApiDatabase;
  readonly #session: ApiSession;
  readonly #opts: { rowMode: 'array'; timeoutMs?: number };

  constructor(db: ApiDatabase, session: ApiSession, timeoutMs: number | undefined) {
    this.#db = db;
    this.#session = session;
    this.#opts = timeoutMs === undefined ? { rowMode: 'array' } : { rowMode: 'array', timeoutMs };
  }

  async statement(sql: string): Promise<void> {
    await this.#session.execute(sql, [], this.#opts);
  }

  async query(sql: string): Promise<readonly (readonly ResultValue[])[]> {
    const r = await this.#session.execute(sql, [], this.#opts);
    return r.rows as readonly (readonly ResultValue[])[];
  }

  async close(): Promise<void> {
    try {
      await this.#session.close();
    } finally {
      await this.#db.close();
    }
  }
}

export const dispatchdbEngine: EngineFactory = {
  name: 'dispatchdb',
  async open(opts) {
    const api = (await import(API_PATH)) as ApiModule;
    const db = await api.Database.open(opts.path ?? ':memory:');
    try {
      const session = await db.connect();
      return new DispatchdbEngine(db, session, opts.statementTimeoutMs);
    } catch (e) {
      await db.close();
      throw e;
    }
  },
};
