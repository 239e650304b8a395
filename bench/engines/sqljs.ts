// sql.js: SQLite compiled to WebAssembly, in memory. Prepared Statement objects with bind/step/get
// (rows as arrays); W9 goes through db.exec, its one-shot path.
import { createRequire } from 'node:module';
import type { Database, SqlJsStatic, Statement } from 'sql.js';
import type { TRow, URow } from '../data.js';
import { SCHEMA, type Acc, type Engine, type EngineId, type RowsQuery } from './types.js';

const require = createRequire(import.meta.url);
let sqlJs: Promise<SqlJsStatic> | undefined;

function loadSqlJs(): Promise<SqlJsStatic> {
  const init = require('sql.js') as () => Promise<SqlJsStatic>;
  return (sqlJs ??= init());
}

export class SqljsEngine implements Engine {
  readonly id: EngineId = 'sqljs';
  readonly label = 'sql.js';
  readonly durable = false;
  readonly concurrentSessions = false;
  #db: Database | undefined;
  #stmts: Statement[] = [];
  #point: Statement | undefined;
  #range: Statement | undefined;
  #byK: Statement | undefined;
  #update: Statement | undefined;

  get #d(): Database {
    if (!this.#db) throw new Error('sql.js: not open');
    return this.#db;
  }

  #prepare(sql: string): Statement {
    const st = this.#d.prepare(sql);
    this.#stmts.push(st);
    return st;
  }

  async open(): Promise<void> {
    const SQL = await loadSqlJs();
    this.#db = new SQL.Database();
  }

  async createSchema(): Promise<void> {
    for (const s of SCHEMA) this.#d.run(s);
  }

  async insertT(chunks: Iterable<readonly TRow[]>): Promise<number> {
    const db = this.#d;
    const ins = this.#prepare('INSERT INTO t VALUES (?, ?, ?, ?)');
    let n = 0;
    db.run('BEGIN');
    for (const chunk of chunks) {
      for (const r of chunk) {
        ins.run(r);
        n += db.getRowsModified();
      }
    }
    db.run('COMMIT');
    return n;
  }

  async insertU(chunks: Iterable<readonly URow[]>): Promise<number> {
    const db = this.#d;
    const ins = this.#prepare('INSERT INTO u VALUES (?, ?, ?)');
    let n = 0;
    db.run('BEGIN');
    for (const chunk of chunks) {
      for (const r of chunk) {
        ins.run(r);
        n += db.getRowsModified();
      }
    }
    db.run('COMMIT');
    return n;
  }

  async pointSelect(ids: Int32Array, from: number, to: number, acc: Acc): Promise<void> {
    const st = (this.#point ??= this.#prepare('SELECT * FROM t WHERE id = ?'));
    for (let i = from; i < to; i++) {
      st.bind([ids[i] ?? 0]);
      if (st.step()) {
        const r = st.get();
        acc.rows++;
        acc.sum += r[1] as number;
      }
      st.reset();
    }
  }

  async pointSelectInline(ids: Int32Array, from: number, to: number, acc: Acc): Promise<void> {
    const db = this.#d;
    for (let i = from; i < to; i++) {
      const res = db.exec(`SELECT * FROM t WHERE id = ${ids[i]}`)[0];
      const r = res?.values[0];
      if (r) {
        acc.rows++;
        acc.sum += r[1] as number;
      }
    }
  }

  async rangeSelect(lo: Int32Array, from: number, to: number, acc: Acc): Promise<void> {
    const st = (this.#range ??= this.#prepare('SELECT * FROM t WHERE id BETWEEN ? AND ?'));
    for (let i = from; i < to; i++) {
      const a = lo[i] ?? 0;
      st.bind([a, a + 99]);
      while (st.step()) {
        acc.rows++;
        acc.sum += st.get()[1] as number;
      }
      st.reset();
    }
  }

  async kSelect(ks: Int32Array, from: number, to: number, acc: Acc): Promise<void> {
    const st = (this.#byK ??= this.#prepare('SELECT * FROM t WHERE k = ?'));
    for (let i = from; i < to; i++) {
      st.bind([ks[i] ?? 0]);
      while (st.step()) {
        acc.rows++;
        acc.sum += st.get()[0] as number;
      }
      st.reset();
    }
  }

  async begin(): Promise<void> {
    this.#d.run('BEGIN');
  }

  async commit(): Promise<void> {
    this.#d.run('COMMIT');
  }

  async update(ids: Int32Array, cs: readonly string[], from: number, to: number): Promise<number> {
    const db = this.#d;
    const st = (this.#update ??= this.#prepare('UPDATE t SET c = ? WHERE id = ?'));
    let n = 0;
    for (let i = from; i < to; i++) {
      st.run([cs[i] ?? '', ids[i] ?? 0]);
      n += db.getRowsModified();
    }
    return n;
  }

  async prepareRows(sql: string): Promise<RowsQuery> {
    const st = this.#prepare(sql);
    return async () => {
      const rows: unknown[][] = [];
      while (st.step()) rows.push(st.get());
      st.reset();
      return rows;
    };
  }

  async close(): Promise<void> {
    for (const st of this.#stmts) st.free();
    this.#stmts = [];
    this.#point = this.#range = this.#byK = this.#update = undefined;
    this.#db?.close();
    this.#db = undefined;
  }
}
