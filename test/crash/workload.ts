// The crash harness's workload: unit n is a pure function of (seed, n, schema before n), so the
// writer (child) and the checker (parent) generate the same units without talking. A unit is one
// autocommit statement, a transaction (with savepoints, maybe rolled back as a whole), DDL
// (tables, indexes, ALTER TABLE ADD/DROP COLUMN), or a checkpoint. Units never fail by design (fresh ids, range predicates, a unique column that only
// changes sign), so the exact expected state after any prefix of units is computable by Model.
import type { SqlValue } from '../../src/api/types.js';

/** [id, k, u, v, pad]: id unique, k small (index on k), u unique in absolute value, pad maybe large. */
export type WRow = readonly [number, number | null, number, string, string];
/** A stored row: the five columns, then the columns ALTER TABLE added, in order. */
export type MRow = readonly [number, number | null, number, string, string, ...(number | null)[]];

export const COLUMNS = ['id', 'k', 'u', 'v', 'pad'] as const;
const TABLE_NAMES = ['t0', 't1', 't2', 't3', 't4', 't5'] as const;
/** Index shapes: name suffix, columns, unique. */
const INDEX_SHAPES = [
  { suffix: 'k', cols: ['k'], unique: false },
  { suffix: 'u', cols: ['u'], unique: true },
  { suffix: 'kv', cols: ['k', 'v'], unique: false },
] as const;

export interface Where {
  readonly col: 'id' | 'k';
  readonly lo: number;
  readonly hi: number;
}
export type SetClause =
  | { readonly col: 'k'; readonly add: number }
  | { readonly col: 'extra'; readonly name: string; readonly value: number | null }
  | { readonly col: 'v' | 'pad'; readonly value: string }
  | { readonly col: 'u' | 'id'; readonly negate: true };

export type Op =
  | { readonly op: 'insert'; readonly table: string; readonly rows: readonly WRow[] }
  | { readonly op: 'update'; readonly table: string; readonly where: Where; readonly set: SetClause }
  | { readonly op: 'delete'; readonly table: string; readonly where: Where }
  | { readonly op: 'createTable'; readonly table: string; readonly keyed: boolean }
  | { readonly op: 'dropTable'; readonly table: string }
  | { readonly op: 'createIndex'; readonly table: string; readonly name: string; readonly cols: readonly string[]; readonly unique: boolean }
  | { readonly op: 'dropIndex'; readonly table: string; readonly name: string }
  | { readonly op: 'addColumn'; readonly table: string; readonly name: string; readonly def: number | null }
  | { readonly op: 'dropColumn'; readonly table: string; readonly name: string }
  | { readonly op: 'savepoint' | 'rollbackTo' | 'release'; readonly name: string };

export interface Unit {
  readonly n: number;
  /** auto: ops[0] alone in autocommit; txn: BEGIN..COMMIT; rollback: BEGIN..ROLLBACK; checkpoint. */
  readonly kind: 'auto' | 'txn' | 'rollback' | 'checkpoint';
  readonly ops: readonly Op[];
  /** checkpoint units: by the CHECKPOINT statement or by db.checkpoint(). */
  readonly via?: 'sql' | 'api';
}

export interface IndexShape {
  readonly cols: readonly string[];
  readonly unique: boolean;
}
/** A column ALTER TABLE added (INTEGER, with a constant default or none). */
export interface ExtraColumn {
  readonly name: string;
  readonly def: number | null;
}
export interface TableSchema {
  readonly keyed: boolean;
  readonly indexes: ReadonlyMap<string, IndexShape>;
  readonly extras: readonly ExtraColumn[];
}
export type Schema = ReadonlyMap<string, TableSchema>;

// ---------------------------------------------------------------- randomness

/** 32-bit mix of the seed and a counter (splitmix-like), the start of a unit's generator. */
export function mix(a: number, b: number): number {
  let h = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  /** mulberry32 in [0, 1). */
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

// ---------------------------------------------------------------- generation

const V_ALPHABET = ['a', 'b', 'c', 'é', 'ß', '😀', ' ', 'Z'];

function text(r: Rng, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += r.pick(V_ALPHABET);
  return s;
}

function pad(r: Rng, tag: string): string {
  const x = r.next();
  // Mostly small rows; some over a quarter page (one overflow page), a few spanning many pages.
  const len = x < 0.9 ? r.int(0, 200) : x < 0.98 ? r.int(2500, 9000) : r.int(20000, 40000);
  return `${tag}:${r.pick(['x', 'y', 'z', 'ü'])}`.padEnd(len, r.pick(['.', '-', '#']));
}

class UnitBuilder {
  readonly ops: Op[] = [];
  #serial = 0;
  #columns = 0;
  constructor(
    readonly n: number,
    readonly r: Rng,
    public schema: Map<string, TableSchema>,
  ) {}

  tables(): string[] {
    return [...this.schema.keys()];
  }

  /** Fresh ids: unique across the whole run (64 per unit), never 0. */
  freshId(): number {
    if (this.#serial >= 63) throw new Error('unit has too many rows');
    return this.n * 64 + ++this.#serial;
  }

  row(): WRow {
    const r = this.r;
    const id = this.freshId();
    return [id, r.chance(0.05) ? null : r.int(0, 999), id * 3 + 1, text(r, r.int(0, 12)), pad(r, `r${id}`)];
  }

  where(narrow: boolean): Where {
    const r = this.r;
    if (r.chance(0.3)) {
      const lo = r.int(0, 999);
      return { col: 'k', lo, hi: lo + (narrow ? r.pick([0, 0, 2]) : r.pick([0, 5, 30])) };
    }
    // Mostly recent units' rows, sometimes old ones or negated ids.
    const span = Math.min(this.n, 2000);
    const m = this.n - Math.floor(r.next() * r.next() * (span + 1));
    const lo = m * 64 + 1;
    const hi = lo + (narrow ? r.pick([0, 3, 40]) : r.pick([0, 10, 63, 200]));
    return r.chance(0.08) ? { col: 'id', lo: -hi, hi: -lo } : { col: 'id', lo, hi };
  }

  /** One DML statement on an existing table (undefined when there is no table). */
  dml(): Op | undefined {
    const names = this.tables();
    if (names.length === 0) return undefined;
    const r = this.r;
    const table = r.pick(names);
    const x = r.next();
    if (x < 0.5) {
      const rows: WRow[] = [];
      const count = r.chance(0.7) ? 1 : r.int(2, 5);
      for (let i = 0; i < count; i++) rows.push(this.row());
      return { op: 'insert', table, rows };
    }
    if (x < 0.87) {
      const y = r.next();
      const extras = this.schema.get(table)!.extras;
      const set: SetClause =
        extras.length > 0 && r.chance(0.15)
          ? { col: 'extra', name: r.pick(extras).name, value: r.chance(0.2) ? null : r.int(-1000, 1000) }
          : y < 0.4
          ? { col: 'k', add: r.int(-50, 50) }
          : y < 0.6
            ? { col: 'v', value: text(r, r.int(0, 12)) }
            : y < 0.75
              ? { col: 'pad', value: pad(r, `n${this.n}`) }
              : y < 0.9
                ? { col: 'u', negate: true }
                : { col: 'id', negate: true };
      return { op: 'update', table, where: this.where(false), set };
    }
    return { op: 'delete', table, where: this.where(true) };
  }

  /** One DDL statement that is valid on the current schema (undefined if none fits). */
  ddl(): Op | undefined {
    const r = this.r;
    const names = this.tables();
    const x = r.next();
    const absent = TABLE_NAMES.filter((t) => !this.schema.has(t));
    if (names.length === 0 || (x < 0.12 && absent.length > 0)) {
      const table = r.pick(absent);
      return this.apply({ op: 'createTable', table, keyed: r.chance(0.7) });
    }
    if (x >= 0.12 && x < 0.14 && names.length >= 4) return this.apply({ op: 'dropTable', table: r.pick(names) });
    const table = r.pick(names);
    const t = this.schema.get(table)!;
    if (x >= 0.14 && x < 0.24) {
      // ALTER TABLE rewrites every row of the table: a large commit.
      if (t.extras.length < 3 && (t.extras.length === 0 || r.chance(0.6))) {
        const def = r.chance(0.4) ? null : r.int(-100, 100);
        return this.apply({ op: 'addColumn', table, name: `x${this.n}_${++this.#columns}`, def });
      }
      if (t.extras.length > 0) return this.apply({ op: 'dropColumn', table, name: r.pick(t.extras).name });
    }
    const missing = INDEX_SHAPES.filter((s) => !t.indexes.has(`ix_${table}_${s.suffix}`));
    if (x < 0.75 && missing.length > 0) {
      const s = r.pick(missing);
      return this.apply({ op: 'createIndex', table, name: `ix_${table}_${s.suffix}`, cols: s.cols, unique: s.unique });
    }
    const present = [...t.indexes.keys()];
    if (present.length > 0) return this.apply({ op: 'dropIndex', table, name: r.pick(present) });
    if (missing.length > 0) {
      const s = r.pick(missing);
      return this.apply({ op: 'createIndex', table, name: `ix_${table}_${s.suffix}`, cols: s.cols, unique: s.unique });
    }
    return undefined;
  }

  /** Records a DDL op in the builder's schema (the ops after it see it). */
  apply(op: Op): Op {
    this.schema = applySchema(this.schema, op);
    return op;
  }

  /** 1..count statements, mostly DML, some DDL when allowed. */
  statements(count: number, ddlShare: number): void {
    for (let i = 0; i < count; i++) {
      const op = this.r.chance(ddlShare) ? this.ddl() : this.dml();
      const o = op ?? this.ddl();
      if (o !== undefined) this.ops.push(o);
    }
  }
}

function applySchema(schema: Map<string, TableSchema>, op: Op): Map<string, TableSchema> {
  const s = new Map(schema);
  switch (op.op) {
    case 'createTable':
      s.set(op.table, { keyed: op.keyed, indexes: new Map(), extras: [] });
      break;
    case 'dropTable':
      s.delete(op.table);
      break;
    case 'createIndex': {
      const t = s.get(op.table)!;
      s.set(op.table, { ...t, indexes: new Map(t.indexes).set(op.name, { cols: op.cols, unique: op.unique }) });
      break;
    }
    case 'dropIndex': {
      const t = s.get(op.table)!;
      const ix = new Map(t.indexes);
      ix.delete(op.name);
      s.set(op.table, { ...t, indexes: ix });
      break;
    }
    case 'addColumn': {
      const t = s.get(op.table)!;
      s.set(op.table, { ...t, extras: [...t.extras, { name: op.name, def: op.def }] });
      break;
    }
    case 'dropColumn': {
      const t = s.get(op.table)!;
      s.set(op.table, { ...t, extras: t.extras.filter((c) => c.name !== op.name) });
      break;
    }
    default:
  }
  return s;
}

/** The effective ops of a unit: what ROLLBACK TO and ROLLBACK undo is left out. */
export function effectiveOps(u: Unit): Op[] {
  if (u.kind === 'rollback' || u.kind === 'checkpoint') return [];
  const out: Op[] = [];
  const marks: { name: string; at: number }[] = [];
  for (const op of u.ops) {
    if (op.op === 'savepoint') marks.push({ name: op.name, at: out.length });
    else if (op.op === 'rollbackTo') {
      const i = marks.map((m) => m.name).lastIndexOf(op.name);
      out.length = marks[i]!.at;
      marks.length = i + 1; // ROLLBACK TO keeps the savepoint itself
    } else if (op.op === 'release') {
      marks.length = marks.map((m) => m.name).lastIndexOf(op.name);
    } else out.push(op);
  }
  return out;
}

/** Generates units in order; the schema it keeps is the one unit `next` starts from. */
export class Workload {
  readonly seed: number;
  #schema: Map<string, TableSchema> = new Map();
  #next = 0;

  constructor(seed: number) {
    this.seed = seed >>> 0;
  }

  get next(): number {
    return this.#next;
  }

  get schema(): Schema {
    return this.#schema;
  }

  /** The unit `next` (does not advance). */
  peek(): Unit {
    const n = this.#next;
    const r = new Rng(mix(this.seed, n));
    const b = new UnitBuilder(n, r, this.#schema);
    if (this.#schema.size === 0) {
      b.ops.push(b.ddl()!);
      return { n, kind: 'auto', ops: b.ops };
    }
    const x = r.next();
    if (x < 0.42) {
      b.ops.push(b.dml()!);
      return { n, kind: 'auto', ops: b.ops };
    }
    if (x < 0.5) {
      const op = b.ddl();
      if (op !== undefined) b.ops.push(op);
      return { n, kind: 'auto', ops: b.ops };
    }
    if (x < 0.57) return { n, kind: 'checkpoint', ops: [], via: r.chance(0.5) ? 'sql' : 'api' };
    const rollback = x >= 0.9;
    b.statements(r.int(1, 3), 0.04);
    // Savepoints: a segment rolled back or released, sometimes nested.
    if (r.chance(0.5)) {
      const before = b.schema;
      b.ops.push({ op: 'savepoint', name: 'a' });
      b.statements(r.int(1, 4), 0.1);
      if (r.chance(0.3)) {
        const inner = b.schema;
        b.ops.push({ op: 'savepoint', name: 'b' });
        b.statements(r.int(1, 3), 0.1);
        if (r.chance(0.5)) {
          b.ops.push({ op: 'rollbackTo', name: 'b' });
          b.schema = inner as Map<string, TableSchema>;
        }
      }
      if (r.chance(0.55)) {
        b.ops.push({ op: 'rollbackTo', name: 'a' });
        b.schema = before as Map<string, TableSchema>;
        if (r.chance(0.5)) b.statements(r.int(1, 2), 0.1);
      } else b.ops.push({ op: 'release', name: 'a' });
    }
    b.statements(r.int(0, 3), 0.04);
    return { n, kind: rollback ? 'rollback' : 'txn', ops: b.ops };
  }

  /** Advances past `u` (which must be peek()'s unit), recording its schema changes. */
  advance(u: Unit): void {
    if (u.n !== this.#next) throw new Error(`advance(${u.n}) at ${this.#next}`);
    for (const op of effectiveOps(u)) this.#schema = applySchema(this.#schema, op);
    this.#next++;
  }

  /** Generates and skips units up to `n` (the writer resuming where the checker says). */
  skipTo(n: number): void {
    while (this.#next < n) this.advance(this.peek());
  }
}

// ---------------------------------------------------------------- SQL

export interface Stmt {
  readonly sql: string;
  readonly params: SqlValue[];
}

function whereSql(w: Where, params: SqlValue[]): string {
  params.push(w.lo);
  if (w.lo === w.hi) return `${w.col} = $${params.length}`;
  params.push(w.hi);
  return `${w.col} BETWEEN $${params.length - 1} AND $${params.length}`;
}

export function opSql(op: Op): Stmt {
  const params: SqlValue[] = [];
  switch (op.op) {
    case 'insert': {
      const groups = op.rows.map((row) => {
        const at = params.length;
        params.push(...row);
        return `($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5})`;
      });
      return { sql: `INSERT INTO ${op.table} (id, k, u, v, pad) VALUES ${groups.join(', ')}`, params };
    }
    case 'update': {
      const s = op.set;
      let set: string;
      if (s.col === 'extra') {
        params.push(s.value);
        set = `${s.name} = $1`;
      } else if ('negate' in s) set = `${s.col} = -${s.col}`;
      else if ('add' in s) {
        params.push(s.add);
        set = `k = k + $1`;
      } else {
        params.push(s.value);
        set = `${s.col} = $1`;
      }
      return { sql: `UPDATE ${op.table} SET ${set} WHERE ${whereSql(op.where, params)}`, params };
    }
    case 'delete':
      return { sql: `DELETE FROM ${op.table} WHERE ${whereSql(op.where, params)}`, params };
    case 'createTable':
      return {
        sql: op.keyed
          ? `CREATE TABLE ${op.table} (id INTEGER PRIMARY KEY, k INTEGER, u INTEGER, v TEXT, pad TEXT)`
          : `CREATE TABLE ${op.table} (id INTEGER NOT NULL, k INTEGER, u INTEGER, v TEXT, pad TEXT)`,
        params,
      };
    case 'dropTable':
      return { sql: `DROP TABLE ${op.table}`, params };
    case 'createIndex':
      return { sql: `CREATE ${op.unique ? 'UNIQUE ' : ''}INDEX ${op.name} ON ${op.table} (${op.cols.join(', ')})`, params };
    case 'dropIndex':
      return { sql: `DROP INDEX ${op.name}`, params };
    case 'addColumn':
      return { sql: `ALTER TABLE ${op.table} ADD COLUMN ${op.name} INTEGER${op.def !== null ? ` DEFAULT ${op.def}` : ''}`, params };
    case 'dropColumn':
      return { sql: `ALTER TABLE ${op.table} DROP COLUMN ${op.name}`, params };
    case 'savepoint':
      return { sql: `SAVEPOINT ${op.name}`, params };
    case 'rollbackTo':
      return { sql: `ROLLBACK TO SAVEPOINT ${op.name}`, params };
    case 'release':
      return { sql: `RELEASE SAVEPOINT ${op.name}`, params };
  }
}

/** The statements a unit sends, in order (a checkpoint unit has none). */
export function unitSql(u: Unit): Stmt[] {
  if (u.kind === 'checkpoint') return [];
  const body = u.ops.map(opSql);
  if (u.kind === 'auto') return body;
  return [{ sql: 'BEGIN', params: [] }, ...body, { sql: u.kind === 'txn' ? 'COMMIT' : 'ROLLBACK', params: [] }];
}

// ---------------------------------------------------------------- model

export interface ModelTable {
  readonly keyed: boolean;
  readonly indexes: Map<string, IndexShape>;
  extras: ExtraColumn[];
  /** Rows by id (ids stay unique: fresh on insert, negation on update). */
  readonly rows: Map<number, MRow>;
}

function matches(row: MRow, w: Where): boolean {
  const v = w.col === 'id' ? row[0] : row[1];
  return v !== null && v >= w.lo && v <= w.hi;
}

/** The expected database: tables, their indexes and rows. */
export class Model {
  readonly tables = new Map<string, ModelTable>();

  clone(): Model {
    const m = new Model();
    for (const [name, t] of this.tables) {
      m.tables.set(name, { keyed: t.keyed, indexes: new Map(t.indexes), extras: [...t.extras], rows: new Map(t.rows) });
    }
    return m;
  }

  apply(u: Unit): void {
    for (const op of effectiveOps(u)) this.#op(op);
  }

  #op(op: Op): void {
    switch (op.op) {
      case 'createTable':
        this.tables.set(op.table, { keyed: op.keyed, indexes: new Map(), extras: [], rows: new Map() });
        return;
      case 'dropTable':
        this.tables.delete(op.table);
        return;
      case 'createIndex':
        this.tables.get(op.table)!.indexes.set(op.name, { cols: op.cols, unique: op.unique });
        return;
      case 'dropIndex':
        this.tables.get(op.table)!.indexes.delete(op.name);
        return;
      case 'insert': {
        const t = this.tables.get(op.table)!;
        const defaults = t.extras.map((c) => c.def);
        for (const row of op.rows) t.rows.set(row[0], [...row, ...defaults]);
        return;
      }
      case 'addColumn': {
        const t = this.tables.get(op.table)!;
        t.extras.push({ name: op.name, def: op.def });
        for (const [id, row] of t.rows) t.rows.set(id, [...row, op.def]);
        return;
      }
      case 'dropColumn': {
        const t = this.tables.get(op.table)!;
        const at = 5 + t.extras.findIndex((c) => c.name === op.name);
        t.extras = t.extras.filter((c) => c.name !== op.name);
        for (const [id, row] of t.rows) t.rows.set(id, row.filter((_, i) => i !== at) as unknown as MRow);
        return;
      }
      case 'delete': {
        const rows = this.tables.get(op.table)!.rows;
        for (const [id, row] of [...rows]) if (matches(row, op.where)) rows.delete(id);
        return;
      }
      case 'update': {
        const t = this.tables.get(op.table)!;
        const rows = t.rows;
        const changed: MRow[] = [];
        const s = op.set;
        const at = s.col === 'extra' ? 5 + t.extras.findIndex((c) => c.name === s.name) : s.col === 'id' ? 0 : s.col === 'k' ? 1 : s.col === 'u' ? 2 : s.col === 'v' ? 3 : 4;
        for (const [id, row] of [...rows]) {
          if (!matches(row, op.where)) continue;
          rows.delete(id);
          const next = row.slice() as (number | string | null)[];
          const old = next[at] as number | null;
          if (s.col === 'extra') next[at] = s.value;
          else if ('negate' in s) next[at] = -(old as number);
          else if ('add' in s) next[at] = old === null ? null : old + s.add;
          else next[at] = s.value;
          changed.push(next as unknown as MRow);
        }
        for (const row of changed) rows.set(row[0], row);
        return;
      }
      default:
    }
  }
}
