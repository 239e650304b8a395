// dispatchdb through its public API: Database.open → connect → prepare/execute, rows in array
// mode. The file variant opens a durable file database (fsync per commit, group commit) and also
// runs W5c over 8 concurrent sessions. W1 and W5 (inside their transaction) go through the
// prepared statement's executeMany, a slice of rows per call, as a bulk load would; the 'rows'
// variant sends one execute per row instead, to show what the per-statement path costs.
import type { Database as ApiDatabase } from '../../src/api/database.js';
import type { ExecuteOptions, QueryResult, SqlValue } from '../../src/api/types.js';
import type { TRow, URow } from '../data.js';
import { benchFile, removeDbFiles } from './files.js';
import { SCHEMA, type Acc, type Engine, type EngineId, type RowsQuery } from './types.js';

// The shape of src/api/database.ts as far as the bench needs it. The module is loaded dynamically,
// so the peers still run when dispatchdb does not build or load.
interface DdbPrepared {
  execute(params?: readonly SqlValue[], options?: ExecuteOptions): Promise<QueryResult>;
  executeMany(paramSets: Iterable<readonly SqlValue[]>, options?: ExecuteOptions): Promise<QueryResult>;
}
interface DdbSession {
  execute(sql: string, params?: readonly SqlValue[], options?: ExecuteOptions): Promise<QueryResult>;
  prepare(sql: string): Promise<DdbPrepared>;
  close(): Promise<void>;
}
export interface DdbDatabase {
  connect(): Promise<DdbSession>;
  close(): Promise<void>;
}
interface DdbModule {
  Database: { open(path: string, options?: { durable?: boolean; poolPages?: number }): Promise<DdbDatabase> };
}

// Compile-time guard: the real API still has the shape this adapter drives.
type ApiMatches = [ApiDatabase] extends [DdbDatabase] ? true : false;
export const API_MATCHES: ApiMatches = true;

const ARRAY: ExecuteOptions = { rowMode: 'array' };
export const W5C_SESSIONS = 8;

let loaded: Promise<DdbModule | Error> | undefined;

/** The dispatchdb module, or the reason it cannot be loaded (e.g. the API is not built yet). */
export function loadDispatchdb(): Promise<DdbModule | Error> {
  const spec = new URL('../../src/api/database.js', import.meta.url).href;
  return (loaded ??= (import(spec) as Promise<DdbModule>).then(
    (m) => (typeof m.Database?.open === 'function' ? m : new Error('src/api/database.js exports no Database.open')),
    (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
  ));
}

async function openDatabase(path: string, durable: boolean): Promise<DdbDatabase> {
  const m = await loadDispatchdb();
  if (m instanceof Error) throw m;
  return m.Database.open(path, { durable });
}

/** Reads column i of a row whether the API honoured rowMode 'array' or returned objects. */
function cell(r: unknown, i: number, name: string): unknown {
  return Array.isArray(r) ? r[i] : (r as Record<string, unknown>)[name];
}

export class DispatchdbEngine implements Engine {
  readonly id: EngineId;
  readonly label: string;
  readonly durable: boolean;
  readonly concurrentSessions: boolean;
  /** W1 and W5 through executeMany (else one execute per row). */
  readonly #batched: boolean;
  #db: DdbDatabase | undefined;
  #s: DdbSession | undefined;
  #path: string | undefined;
  #point: DdbPrepared | undefined;
  #range: DdbPrepared | undefined;
  #byK: DdbPrepared | undefined;
  #update: DdbPrepared | undefined;
  #lanes: { s: DdbSession; upd: DdbPrepared }[] = [];

  constructor(file: boolean, batched = true) {
    this.id = file ? 'dispatchdb-file' : batched ? 'dispatchdb' : 'dispatchdb-rows';
    this.label = file ? 'dispatchdb file (durable)' : batched ? 'dispatchdb (memory)' : 'dispatchdb (memory, execute per row)';
    this.durable = file;
    this.concurrentSessions = file;
    this.#batched = batched;
  }

  get #session(): DdbSession {
    if (!this.#s) throw new Error('dispatchdb: not open');
    return this.#s;
  }

  async open(): Promise<void> {
    if (this.durable) {
      this.#path = benchFile('dispatchdb');
      removeDbFiles(this.#path);
    }
    this.#db = await openDatabase(this.#path ?? ':memory:', this.durable);
    this.#s = await this.#db.connect();
  }

  async createSchema(): Promise<void> {
    for (const s of SCHEMA) await this.#session.execute(s);
  }

  async insertT(chunks: Iterable<readonly TRow[]>): Promise<number> {
    const s = this.#session;
    const ins = await s.prepare('INSERT INTO t VALUES ($1, $2, $3, $4)');
    let n = 0;
    await s.execute('BEGIN');
    if (this.#batched) for (const chunk of chunks) n += (await ins.executeMany(chunk)).rowsAffected;
    else for (const chunk of chunks) for (const r of chunk) n += (await ins.execute(r)).rowsAffected;
    await s.execute('COMMIT');
    return n;
  }

  async insertU(chunks: Iterable<readonly URow[]>): Promise<number> {
    const s = this.#session;
    const ins = await s.prepare('INSERT INTO u VALUES ($1, $2, $3)');
    let n = 0;
    await s.execute('BEGIN');
    for (const chunk of chunks) n += (await ins.executeMany(chunk)).rowsAffected;
    await s.execute('COMMIT');
    return n;
  }

  async pointSelect(ids: Int32Array, from: number, to: number, acc: Acc): Promise<void> {
    const st = (this.#point ??= await this.#session.prepare('SELECT * FROM t WHERE id = $1'));
    for (let i = from; i < to; i++) {
      const r = (await st.execute([ids[i] ?? 0], ARRAY)).rows[0];
      if (r) {
        acc.rows++;
        acc.sum += cell(r, 1, 'k') as number;
      }
    }
  }

  async pointSelectInline(ids: Int32Array, from: number, to: number, acc: Acc): Promise<void> {
    const s = this.#session;
    for (let i = from; i < to; i++) {
      const r = (await s.execute(`SELECT * FROM t WHERE id = ${ids[i]}`, undefined, ARRAY)).rows[0];
      if (r) {
        acc.rows++;
        acc.sum += cell(r, 1, 'k') as number;
      }
    }
  }

  async rangeSelect(lo: Int32Array, from: number, to: number, acc: Acc): Promise<void> {
    const st = (this.#range ??= await this.#session.prepare('SELECT * FROM t WHERE id BETWEEN $1 AND $2'));
    for (let i = from; i < to; i++) {
      const a = lo[i] ?? 0;
      const rows = (await st.execute([a, a + 99], ARRAY)).rows;
      acc.rows += rows.length;
      for (const r of rows) acc.sum += cell(r, 1, 'k') as number;
    }
  }

  async kSelect(ks: Int32Array, from: number, to: number, acc: Acc): Promise<void> {
    const st = (this.#byK ??= await this.#session.prepare('SELECT * FROM t WHERE k = $1'));
    for (let i = from; i < to; i++) {
      const rows = (await st.execute([ks[i] ?? 0], ARRAY)).rows;
      acc.rows += rows.length;
      for (const r of rows) acc.sum += cell(r, 0, 'id') as number;
    }
  }

  async begin(): Promise<void> {
    await this.#session.execute('BEGIN');
  }

  async commit(): Promise<void> {
    await this.#session.execute('COMMIT');
  }

  async update(ids: Int32Array, cs: readonly string[], from: number, to: number, inTxn: boolean): Promise<number> {
    const st = (this.#update ??= await this.#session.prepare('UPDATE t SET c = $1 WHERE id = $2'));
    if (inTxn && this.#batched) {
      const sets: SqlValue[][] = [];
      for (let i = from; i < to; i++) sets.push([cs[i] ?? '', ids[i] ?? 0]);
      return (await st.executeMany(sets)).rowsAffected;
    }
    let n = 0;
    for (let i = from; i < to; i++) n += (await st.execute([cs[i] ?? '', ids[i] ?? 0])).rowsAffected;
    return n;
  }

  async updateConcurrent(ids: Int32Array, cs: readonly string[], from: number, to: number): Promise<number> {
    if (!this.#db) throw new Error('dispatchdb: not open');
    while (this.#lanes.length < W5C_SESSIONS) {
      const s = await this.#db.connect();
      this.#lanes.push({ s, upd: await s.prepare('UPDATE t SET c = $1 WHERE id = $2') });
    }
    const counts = await Promise.all(
      this.#lanes.map(async ({ upd }, lane) => {
        let n = 0;
        for (let i = from + lane; i < to; i += W5C_SESSIONS) n += (await upd.execute([cs[i] ?? '', ids[i] ?? 0])).rowsAffected;
        return n;
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  async prepareRows(sql: string): Promise<RowsQuery> {
    const st = await this.#session.prepare(sql);
    return async () => (await st.execute([], ARRAY)).rows.map((r) => (Array.isArray(r) ? r : Object.values(r)));
  }

  async close(): Promise<void> {
    for (const { s } of this.#lanes) await s.close();
    this.#lanes = [];
    await this.#s?.close();
    await this.#db?.close();
    this.#s = this.#db = undefined;
    this.#point = this.#range = this.#byK = this.#update = undefined;
    if (this.#path) removeDbFiles(this.#path);
  }
}
