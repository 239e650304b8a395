// PGlite (PostgreSQL in WebAssembly, in memory). It has no client-side prepared statement object:
// its natural API is query(sql, params) on the extended protocol, rows in array mode.
import { PGlite } from '@electric-sql/pglite';
import type { TRow, URow } from '../data.js';
import { SCHEMA, type Acc, type Engine, type EngineId, type RowsQuery } from './types.js';

const ARRAY = { rowMode: 'array' } as const;

export class PgliteEngine implements Engine {
  readonly id: EngineId = 'pglite';
  readonly label = 'PGlite (memory)';
  readonly durable = false;
  readonly concurrentSessions = false;
  #pg: PGlite | undefined;

  get #db(): PGlite {
    if (!this.#pg) throw new Error('pglite: not open');
    return this.#pg;
  }

  async open(): Promise<void> {
    this.#pg = await PGlite.create();
  }

  async createSchema(): Promise<void> {
    for (const s of SCHEMA) await this.#db.exec(s);
  }

  async insertT(chunks: Iterable<readonly TRow[]>): Promise<number> {
    const db = this.#db;
    let n = 0;
    await db.exec('BEGIN');
    for (const chunk of chunks) {
      for (const r of chunk) n += (await db.query('INSERT INTO t VALUES ($1, $2, $3, $4)', r as unknown[])).affectedRows ?? 0;
    }
    await db.exec('COMMIT');
    return n;
  }

  async insertU(chunks: Iterable<readonly URow[]>): Promise<number> {
    // Setup only: multi-row inserts, since row-at-a-time would cost ~10 s per run here.
    const db = this.#db;
    const per = 1000;
    let n = 0;
    await db.exec('BEGIN');
    for (const chunk of chunks) {
      for (let i = 0; i < chunk.length; i += per) {
        const part = chunk.slice(i, i + per);
        const values = part.map((_, j) => `($${3 * j + 1}, $${3 * j + 2}, $${3 * j + 3})`).join(', ');
        n += (await db.query(`INSERT INTO u VALUES ${values}`, part.flat())).affectedRows ?? 0;
      }
    }
    await db.exec('COMMIT');
    return n;
  }

  async pointSelect(ids: Int32Array, from: number, to: number, acc: Acc): Promise<void> {
    const db = this.#db;
    for (let i = from; i < to; i++) {
      const res = await db.query<unknown[]>('SELECT * FROM t WHERE id = $1', [ids[i]], ARRAY);
      const r = res.rows[0];
      if (r) {
        acc.rows++;
        acc.sum += r[1] as number;
      }
    }
  }

  async pointSelectInline(ids: Int32Array, from: number, to: number, acc: Acc): Promise<void> {
    const db = this.#db;
    for (let i = from; i < to; i++) {
      const res = await db.query<unknown[]>(`SELECT * FROM t WHERE id = ${ids[i]}`, [], ARRAY);
      const r = res.rows[0];
      if (r) {
        acc.rows++;
        acc.sum += r[1] as number;
      }
    }
  }

  async rangeSelect(lo: Int32Array, from: number, to: number, acc: Acc): Promise<void> {
    const db = this.#db;
    for (let i = from; i < to; i++) {
      const a = lo[i] ?? 0;
      const res = await db.query<unknown[]>('SELECT * FROM t WHERE id BETWEEN $1 AND $2', [a, a + 99], ARRAY);
      acc.rows += res.rows.length;
      for (const r of res.rows) acc.sum += r[1] as number;
    }
  }

  async kSelect(ks: Int32Array, from: number, to: number, acc: Acc): Promise<void> {
    const db = this.#db;
    for (let i = from; i < to; i++) {
      const res = await db.query<unknown[]>('SELECT * FROM t WHERE k = $1', [ks[i]], ARRAY);
      acc.rows += res.rows.length;
      for (const r of res.rows) acc.sum += r[0] as number;
    }
  }

  async begin(): Promise<void> {
    await this.#db.exec('BEGIN');
  }

  async commit(): Promise<void> {
    await this.#db.exec('COMMIT');
  }

  async update(ids: Int32Array, cs: readonly string[], from: number, to: number): Promise<number> {
    const db = this.#db;
    let n = 0;
    for (let i = from; i < to; i++) n += (await db.query('UPDATE t SET c = $1 WHERE id = $2', [cs[i], ids[i]])).affectedRows ?? 0;
    return n;
  }

  async prepareRows(sql: string): Promise<RowsQuery> {
    const db = this.#db;
    return async () => (await db.query<unknown[]>(sql, [], ARRAY)).rows;
  }

  async close(): Promise<void> {
    await this.#pg?.close();
    this.#pg = undefined;
  }
}
