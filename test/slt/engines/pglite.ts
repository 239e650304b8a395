// PostgreSQL (PGlite, in WebAssembly) as a reference: what PostgreSQL itself answers for a
// record dispatchdb fails. Engine name `postgresql`, like dispatchdb.
import { PGlite } from '@electric-sql/pglite';
import type { EngineFactory, SltEngine } from '../engine.js';
import type { ResultValue } from '../format.js';

class PgliteEngine implements SltEngine {
  readonly conditionName = 'postgresql';
  readonly #db: PGlite;

  constructor(db: PGlite) {
    this.#db = db;
  }

  async statement(sql: string): Promise<void> {
    await this.#db.exec(sql);
  }

  async query(sql: string): Promise<readonly (readonly ResultValue[])[]> {
    const r = await this.#db.query<ResultValue[]>(sql, [], { rowMode: 'array' });
    return r.rows;
  }

  async close(): Promise<void> {
    await this.#db.close();
  }
}

export const pgliteEngine: EngineFactory = {
  name: 'pglite',
  async open(opts) {
    const path = opts.path === undefined || opts.path === ':memory:' ? undefined : opts.path;
    return new PgliteEngine(await PGlite.create(path));
  },
};
