// better-sqlite3 12: synchronous prepared statements, raw (array) rows. The file variant uses
// journal_mode=WAL and synchronous=FULL, so every commit is fsynced.
import Database from 'better-sqlite3';
import type { TRow, URow } from '../data.js';
import { benchFile, removeDbFiles } from './files.js';
import { SCHEMA, type Acc, type Engine, type EngineId, type RowsQuery } from './types.js';

type Stmt = Database.Statement<unknown[], unknown>;

export class BetterSqlite3Engine implements Engine {
  readonly id: EngineId;
  readonly label: string;
  readonly durable: boolean;
  readonly concurrentSessions = false;
  #db: Database.Database | undefined;
  #path: string | undefined;
  #point: Stmt | undefined;
  #range: Stmt | undefined;
  #byK: Stmt | undefined;
  #update: Stmt | undefined;

  constructor(file: boolean) {
    this.id = file ? 'better-sqlite3-file' : 'better-sqlite3';
    this.label = file ? 'better-sqlite3 file (WAL, FULL)' : 'better-sqlite3 (memory)';
    this.durable = file;
  }

  get #d(): Database.Database {
    if (!this.#db) throw new Error('better-sqlite3: not open');
    return this.#db;
  }

  async open(): Promise<void> {
    if (this.durable) {
      this.#path = benchFile('better-sqlite3');
      removeDbFiles(this.#path);
      this.#db = new Database(this.#path);
      this.#db.pragma('journal_mode = WAL');
      this.#db.pragma('synchronous = FULL');
    } else {
      this.#db = new Database(':memory:');
    }
  }

  async createSchema(): Promise<void> {
    for (const s of SCHEMA) this.#d.exec(s);
  }

  async insertT(chunks: Iterable<readonly TRow[]>): Promise<number> {
    const db = this.#d;
    const ins = db.prepare('INSERT INTO t VALUES (?, ?, ?, ?)');
    let n = 0;
    db.exec('BEGIN');
    for (const chunk of chunks) for (const r of chunk) n += ins.run(r[0], r[1], r[2], r[3]).changes;
    db.exec('COMMIT');
    return n;
  }

  async insertU(chunks: Iterable<readonly URow[]>): Promise<number> {
    const db = this.#d;
    const ins = db.prepare('INSERT INTO u VALUES (?, ?, ?)');
    let n = 0;
    db.exec('BEGIN');
    for (const chunk of chunks) for (const r of chunk) n += ins.run(r[0], r[1], r[2]).changes;
    db.exec('COMMIT');
    return n;
  }

  async pointSelect(ids: Int32Array, from: number, to: number, acc: Acc): Promise<void> {
    const st = (this.#point ??= this.#d.prepare('SELECT * FROM t WHERE id = ?').raw(true));
    for (let i = from; i < to; i++) {
      const r = st.get(ids[i]) as unknown[] | undefined;
      if (r) {
        acc.rows++;
        acc.sum += r[1] as number;
      }
    }
  }

  async pointSelectInline(ids: Int32Array, from: number, to: number, acc: Acc): Promise<void> {
    const db = this.#d;
    for (let i = from; i < to; i++) {
      // better-sqlite3 has no unprepared query that returns rows: prepare + get is its one-shot path.
      const r = db.prepare(`SELECT * FROM t WHERE id = ${ids[i]}`).raw(true).get() as unknown[] | undefined;
      if (r) {
        acc.rows++;
        acc.sum += r[1] as number;
      }
    }
  }

  async rangeSelect(lo: Int32Array, from: number, to: number, acc: Acc): Promise<void> {
    const st = (this.#range ??= this.#d.prepare('SELECT * FROM t WHERE id BETWEEN ? AND ?').raw(true));
    for (let i = from; i < to; i++) {
      const a = lo[i] ?? 0;
      const rows = st.all(a, a + 99) as unknown[][];
      acc.rows += rows.length;
      for (const r of rows) acc.sum += r[1] as number;
    }
  }

  async kSelect(ks: Int32Array, from: number, to: number, acc: Acc): Promise<void> {
    const st = (this.#byK ??= this.#d.prepare('SELECT * FROM t WHERE k = ?').raw(true));
    for (let i = from; i < to; i++) {
      const rows = st.all(ks[i]) as unknown[][];
      acc.rows += rows.length;
      for (const r of rows) acc.sum += r[0] as number;
    }
  }

  async begin(): Promise<void> {
    this.#d.exec('BEGIN');
  }

  async commit(): Promise<void> {
    this.#d.exec('COMMIT');
  }

  async update(ids: Int32Array, cs: readonly string[], from: number, to: number): Promise<number> {
    const st = (this.#update ??= this.#d.prepare('UPDATE t SET c = ? WHERE id = ?'));
    let n = 0;
    for (let i = from; i < to; i++) n += st.run(cs[i], ids[i]).changes;
    return n;
  }

  async prepareRows(sql: string): Promise<RowsQuery> {
    const st = this.#d.prepare(sql).raw(true);
    return async () => st.all() as unknown[][];
  }

  async close(): Promise<void> {
    this.#db?.close();
    this.#db = undefined;
    this.#point = this.#range = this.#byK = this.#update = undefined;
    if (this.#path) removeDbFiles(this.#path);
  }
}
