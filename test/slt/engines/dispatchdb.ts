// dispatchdb through its public API, one database and one session per script. The engine takes
// PostgreSQL's name in skipif / onlyif lines, since its SQL is PostgreSQL-flavoured.
import type { EngineFactory, SltEngine } from '../engine.js';
import type { ResultValue } from '../format.js';

type Api = typeof import('../../../src/api/database.js');
type ApiDatabase = Awaited<ReturnType<Api['Database']['open']>>;
type ApiSession = Awaited<ReturnType<ApiDatabase['connect']>>;

class DispatchdbEngine implements SltEngine {
  readonly conditionName = 'postgresql';
  readonly #db: ApiDatabase;
  readonly #session: ApiSession;
  readonly #opts: { readonly rowMode: 'array'; readonly timeoutMs?: number };

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
    // Loaded on first use, so the runner's other engines work while the engine is mid-change.
    const { Database } = await import('../../../src/api/database.js');
    const db = await Database.open(opts.path ?? ':memory:');
    try {
      const session = await db.connect();
      return new DispatchdbEngine(db, session, opts.statementTimeoutMs);
    } catch (e) {
      await db.close();
      throw e;
    }
  },
};
