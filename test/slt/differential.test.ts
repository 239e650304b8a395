// Randomized queries of the kinds sqllogictest's select4 (compound selects) and select5 (joins of
// up to eight tables) hold, answered by dispatchdb and by SQLite (better-sqlite3) on the same
// data. The generated SQL keeps to what both engines mean the same way: integer columns, no
// division, and no INTERSECT mixed with other compound operators (PostgreSQL binds INTERSECT
// tighter; SQLite reads all of them left to right).
import Database3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import type { Session } from '../../src/api/session.js';
import { Rng } from '../crash/workload.js';

const SEED = Number(process.env['DISPATCHDB_DIFF_SEED'] ?? 20261127);
const rand = new Rng(SEED);
const r = (): number => rand.next();
const int = (n: number): number => Math.floor(r() * n);
const pick = <T>(a: readonly T[]): T => a[int(a.length)]!;

let lite: Database3.Database;
let db: Database;
let s: Session;

async function both(sql: string): Promise<void> {
  lite.exec(sql);
  await s.execute(sql);
}

async function rowsOf(sql: string): Promise<string[]> {
  const r2 = await s.execute(sql);
  return r2.rows.map((row) => JSON.stringify(Array.isArray(row) ? row : Object.values(row)));
}

function liteRows(sql: string): string[] {
  return (lite.prepare(sql).raw().all() as unknown[][]).map((row) => JSON.stringify(row));
}

const TABLES = 24;

beforeAll(async () => {
  lite = new Database3(':memory:');
  db = await Database.open(':memory:');
  s = await db.connect();
  for (let t = 1; t <= TABLES; t++) {
    await both(`CREATE TABLE t${t}(a${t} INTEGER, b${t} INTEGER, x${t} VARCHAR(40))`);
    const rows: string[] = [];
    for (let i = 1; i <= 10; i++) rows.push(`(${i}, ${1 + int(10)}, 'table t${t} row ${i}')`);
    await both(`INSERT INTO t${t} VALUES ${rows.join(', ')}`);
  }
  // Enough rows that aggregation runs its generated loops (a whole table of 8192 rows or more).
  await both('CREATE TABLE g(a INTEGER, b INTEGER, c INTEGER, x REAL, t TEXT)');
  for (let i = 0; i < 12_000; i += 1000) {
    const rows: string[] = [];
    for (let j = 0; j < 1000; j++) {
      const maybe = (v: string): string => (r() < 0.05 ? 'NULL' : v);
      rows.push(`(${maybe(String(int(50) - 10))}, ${maybe(String(int(7)))}, ${int(1000)}, ${maybe((int(2000) / 8).toFixed(3))}, ${maybe(`'s${int(30)}'`)})`);
    }
    await both(`INSERT INTO g VALUES ${rows.join(', ')}`);
  }
  await both('CREATE TABLE c1(a INTEGER, b INTEGER, c INTEGER, d INTEGER, e INTEGER)');
  await both('CREATE TABLE c2(a INTEGER, b INTEGER, c INTEGER, d INTEGER, e INTEGER)');
  for (let i = 0; i < 40; i++) {
    const vals = Array.from({ length: 5 }, () => (r() < 0.1 ? 'NULL' : String(int(20) - 5)));
    await both(`INSERT INTO c${1 + int(2)} VALUES (${vals.join(', ')})`);
  }
});

afterAll(async () => {
  lite.close();
  await db.close();
});

describe('differential against SQLite', () => {
  it('joins of two to eight tables with equality chains and IN lists (select5-style)', async () => {
    for (let q = 0; q < 120; q++) {
      const n = 2 + int(7);
      const ts: number[] = [];
      while (ts.length < n) {
        const t = 1 + int(TABLES);
        if (!ts.includes(t)) ts.push(t);
      }
      const conds: string[] = [];
      for (let i = 1; i < n; i++) {
        const j = int(i);
        conds.push(r() < 0.5 ? `a${ts[i]}=b${ts[j]}` : `b${ts[i]}=a${ts[j]}`);
      }
      if (r() < 0.5) conds.push(`a${ts[int(n)]} IN (${1 + int(10)}, ${1 + int(10)}, ${1 + int(10)})`);
      if (r() < 0.3) conds.push(`b${ts[int(n)]} > ${int(10)}`);
      const sql = `SELECT ${ts.map((t) => `x${t}`).join(', ')} FROM ${ts.map((t) => `t${t}`).join(', ')} WHERE ${conds.join(' AND ')}`;
      expect((await rowsOf(sql)).sort(), sql).toEqual(liteRows(sql).sort());
    }
  });

  it('compound selects with DISTINCT, expressions, WHERE forms and ORDER BY (select4-style)', async () => {
    const col = (): string => pick(['a', 'b', 'c', 'd', 'e']);
    const expr = (): string =>
      pick([col(), `${col()}+${int(5)}`, `${col()}*2`, `abs(${col()})`, `coalesce(${col()},-1)`, `CASE WHEN ${col()}>${int(10)} THEN ${col()} ELSE ${int(9)} END`]);
    const where = (): string =>
      pick([
        '',
        ` WHERE ${col()}>${int(10)}`,
        ` WHERE ${col()} IS NULL`,
        ` WHERE ${col()} BETWEEN ${int(5)} AND ${5 + int(10)}`,
        ` WHERE ${col()} IN (${int(9)},${int(9)},${int(9)})`,
        ` WHERE NOT (${col()}<${int(9)})`,
      ]);
    let compared = 0;
    for (let q = 0; q < 300; q++) {
      const ncols = 1 + int(3);
      const part = (): string => `SELECT ${pick(['', 'DISTINCT '])}${Array.from({ length: ncols }, expr).join(', ')} FROM c${1 + int(2)}${where()}`;
      const k = 1 + int(3);
      const ops = k === 1 ? ['UNION', 'UNION ALL', 'INTERSECT', 'EXCEPT'] : ['UNION', 'UNION ALL', 'EXCEPT'];
      let sql = part();
      for (let i = 0; i < k; i++) sql += ` ${pick(ops)} ${part()}`;
      const ordered = r() < 0.5;
      if (ordered) sql += ` ORDER BY ${Array.from({ length: ncols }, (_, i) => `${i + 1}${pick(['', ' DESC'])}`).join(', ')}`;
      const expected = liteRows(sql);
      const got = await rowsOf(sql);
      // NULLs sort first in SQLite and last in PostgreSQL: with a NULL about, compare as sets.
      const exact = ordered && !expected.some((x) => x.includes('null'));
      if (exact) expect(got, sql).toEqual(expected);
      else expect(got.slice().sort(), sql).toEqual(expected.slice().sort());
      compared++;
    }
    expect(compared).toBe(300);
  });

  it('aggregates over a large table with GROUP BY keys, WHERE and HAVING', async () => {
    const col = (): string => pick(['a', 'b', 'c']);
    const key = (): string => pick(['a', 'b', 'a % 7', 'b + 1', 'c % 100', 't', 'length(t)', 'abs(a)']);
    const agg = (): string =>
      pick(['count(*)', `count(${col()})`, `sum(${col()})`, `min(${col()})`, `max(${col()})`, `avg(${col()})`, 'sum(x)', 'avg(x)', 'max(t)',
        `count(DISTINCT ${col()})`, 'avg(length(t))', `total(${col()})`, `sum(${col()} + 1)`]);
    // avg of integers is numeric in PostgreSQL and a float in SQLite: compare to 6 decimals.
    const norm = (v: unknown): unknown =>
      typeof v === 'number' ? Number(v.toFixed(6)) : typeof v === 'string' && /^-?\d+\.\d+$/.test(v) ? Number(Number(v).toFixed(6)) : typeof v === 'bigint' ? Number(v) : v;
    for (let q = 0; q < 80; q++) {
      const nk = int(3);
      const keys = Array.from({ length: nk }, key);
      const aggs = Array.from({ length: 1 + int(3) }, agg);
      let sql = `SELECT ${[...keys, ...aggs].join(', ')} FROM g`;
      if (r() < 0.3) sql += ` WHERE ${col()} > ${int(30)}`;
      if (nk > 0) sql += ` GROUP BY ${keys.join(', ')}`;
      if (nk > 0 && r() < 0.2) sql += ` HAVING count(*) > ${int(50)}`;
      const expected = (lite.prepare(sql).raw().all() as unknown[][]).map((row) => JSON.stringify(row.map(norm))).sort();
      const got = (await s.execute(sql)).rows.map((row) => JSON.stringify((Array.isArray(row) ? row : Object.values(row)).map(norm))).sort();
      expect(got, sql).toEqual(expected);
    }
  });
});
