// SQLite through better-sqlite3: the reference engine the corpus was generated with. The runner
// must pass every record with it, which checks the parser, the formatting and the hashing.
import Database from 'better-sqlite3';
import type { EngineFactory, SltEngine } from '../engine.js';
import type { ResultValue } from '../format.js';

/** SQLite's text of a REAL ("%!.15g"): 3.0 stays "3.0", 1e+20 reads "1.0e+20". */
export function sqliteRealText(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? '' : x > 0 ? 'Inf' : '-Inf';
  let s = x.toPrecision(15);
  let exp = '';
  const e = s.indexOf('e');
  if (e >= 0) {
    exp = s.slice(e);
    s = s.slice(0, e);
  }
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '.0');
  else s += '.0';
  if (exp !== '') {
    const sign = exp[1] === '-' ? '-' : '+';
    const digits = exp.slice(2).padStart(2, '0');
    exp = `e${sign}${digits}`;
  }
  return s + exp;
}

class SqliteEngine implements SltEngine {
  readonly conditionName = 'sqlite';
  readonly format = { realToText: sqliteRealText };
  readonly #db: Database.Database;

  constructor(path: string) {
    this.#db = new Database(path);
  }

  async statement(sql: string): Promise<void> {
    let stmt: Database.Statement;
    try {
      stmt = this.#db.prepare(sql);
    } catch (e) {
      // A record may hold several statements; prepare() takes one, exec() takes many.
      if (e instanceof RangeError || /more than one statement/i.test(String(e))) {
        this.#db.exec(sql);
        return;
      }
      throw e;
    }
    if (stmt.reader) stmt.raw(true).all();
    else stmt.run();
  }

  async query(sql: string): Promise<readonly (readonly ResultValue[])[]> {
    const stmt = this.#db.prepare(sql);
    if (!stmt.reader) {
      stmt.run();
      return [];
    }
    // Integers as bigint keep 64-bit values exact and tell integers from reals.
    const rows: ResultValue[][] = [];
    try {
      for (const row of stmt.raw(true).safeIntegers(true).iterate()) rows.push(row as ResultValue[]);
    } catch {
      // The reference SQLite driver ends the result at a run-time error (after a successful
      // prepare) instead of failing the query; the corpus expects that (sum() overflow).
    }
    return rows;
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}

export const sqliteEngine: EngineFactory = {
  name: 'sqlite',
  async open(opts) {
    return new SqliteEngine(opts.path ?? ':memory:');
  },
};
