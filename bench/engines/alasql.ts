// AlaSQL: a pure-JavaScript SQL engine. Each run gets its own alasql.Database; statements are
// compiled once with alasql.compile (its prepared form). Rows come back as objects.
import { createRequire } from 'node:module';
import type { TRow, URow } from '../data.js';
import { SCHEMA, type Acc, type Engine, type EngineId, type RowsQuery } from './types.js';

type Compiled = (params?: unknown[]) => unknown;
interface AlaDatabase {
  readonly databaseid: string;
  exec(sql: string, params?: unknown[]): unknown;
}
interface AlaSql {
  Database: new (id?: string) => AlaDatabase;
  compile(sql: string, databaseid?: string): Compiled;
  databases: Record<string, unknown>;
}
type TObj = { id: number; k: number; c: string; pad: string };

const require = createRequire(import.meta.url);

export class AlasqlEngine implements Engine {
  readonly id: EngineId = 'alasql';
  readonly label = 'AlaSQL';
  readonly durable = false;
  readonly concurrentSessions = false;
  #ala: AlaSql | undefined;
  #db: AlaDatabase | undefined;
  #point: Compiled | undefined;
  #range: Compiled | undefined;
  #byK: Compiled | undefined;
  #update: Compiled | undefined;

  get #d(): AlaDatabase {
    if (!this.#db) throw new Error('alasql: not open');
    return this.#db;
  }

  #compile(sql: string): Compiled {
    if (!this.#ala) throw new Error('alasql: not open');
    return this.#ala.compile(sql, this.#d.databaseid);
  }

  async open(): Promise<void> {
    this.#ala = require('alasql') as AlaSql;
    this.#db = new this.#ala.Database();
  }

  async createSchema(): Promise<void> {
    for (const s of SCHEMA) this.#d.exec(s);
  }

  async insertT(chunks: Iterable<readonly TRow[]>): Promise<number> {
    const ins = this.#compile('INSERT INTO t VALUES (?, ?, ?, ?)');
    let n = 0;
    this.#d.exec('BEGIN TRANSACTION');
    for (const chunk of chunks) for (const r of chunk) n += ins(r as unknown[]) as number;
    this.#d.exec('COMMIT TRANSACTION');
    return n;
  }

  async insertU(chunks: Iterable<readonly URow[]>): Promise<number> {
    const ins = this.#compile('INSERT INTO u VALUES (?, ?, ?)');
    let n = 0;
    for (const chunk of chunks) for (const r of chunk) n += ins(r as unknown[]) as number;
    return n;
  }

  async pointSelect(ids: Int32Array, from: number, to: number, acc: Acc): Promise<void> {
    const st = (this.#point ??= this.#compile('SELECT * FROM t WHERE id = ?'));
    for (let i = from; i < to; i++) {
      const r = (st([ids[i]]) as TObj[])[0];
      if (r) {
        acc.rows++;
        acc.sum += r.k;
      }
    }
  }

  async pointSelectInline(ids: Int32Array, from: number, to: number, acc: Acc): Promise<void> {
    const db = this.#d;
    for (let i = from; i < to; i++) {
      const r = (db.exec(`SELECT * FROM t WHERE id = ${ids[i]}`) as TObj[])[0];
      if (r) {
        acc.rows++;
        acc.sum += r.k;
      }
    }
  }

  async rangeSelect(lo: Int32Array, from: number, to: number, acc: Acc): Promise<void> {
    const st = (this.#range ??= this.#compile('SELECT * FROM t WHERE id BETWEEN ? AND ?'));
    for (let i = from; i < to; i++) {
      const a = lo[i] ?? 0;
      const rows = st([a, a + 99]) as TObj[];
      acc.rows += rows.length;
      for (const r of rows) acc.sum += r.k;
    }
  }

  async kSelect(ks: Int32Array, from: number, to: number, acc: Acc): Promise<void> {
    const st = (this.#byK ??= this.#compile('SELECT * FROM t WHERE k = ?'));
    for (let i = from; i < to; i++) {
      const rows = st([ks[i]]) as TObj[];
      acc.rows += rows.length;
      for (const r of rows) acc.sum += r.id;
    }
  }

  async begin(): Promise<void> {
    this.#d.exec('BEGIN TRANSACTION');
  }

  async commit(): Promise<void> {
    this.#d.exec('COMMIT TRANSACTION');
  }

  async update(ids: Int32Array, cs: readonly string[], from: number, to: number): Promise<number> {
    const st = (this.#update ??= this.#compile('UPDATE t SET c = ? WHERE id = ?'));
    let n = 0;
    for (let i = from; i < to; i++) n += st([cs[i], ids[i]]) as number;
    return n;
  }

  async prepareRows(sql: string): Promise<RowsQuery> {
    const st = this.#compile(sql);
    return async () => (st() as Record<string, unknown>[]).map((r) => Object.values(r));
  }

  async close(): Promise<void> {
    if (this.#ala && this.#db) delete this.#ala.databases[this.#db.databaseid];
    this.#db = undefined;
    this.#point = this.#range = this.#byK = this.#update = undefined;
  }
}
