// Enforcement of CHECK and FOREIGN KEY constraints while a statement writes rows.
//
// Timing follows PostgreSQL's (non-deferrable) constraints: CHECKs before each row is written;
// foreign keys at the end of the statement, as its AFTER triggers run. A referencing row whose
// parent is there at once is settled at once (and its parent row locked); one whose parent is not
// is checked again at the end (a statement may insert the parent later). Actions on referencing
// rows (CASCADE, SET NULL, SET DEFAULT) and NO ACTION checks run at the end of the statement, so
// a self-referencing table can be deleted from or re-keyed in one statement.
//
// Concurrency: the parent row a new reference depends on is share-locked through the
// transaction's view (lockKeyShare, PostgreSQL's FOR KEY SHARE), so a concurrent delete
// of that parent waits for this transaction and then sees the reference.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { Key, ReadView, Row, SqlValue, TableDef, WriteTxn } from '../storage/ports.js';
import type { Frame } from './runtime.js';
import { compareNonNull } from './values.js';
import { compileDefault, compiledChecks, enforceChecks, type CompiledCheck } from './check-constraints.js';
import { foreignKeysOf, hasNoConstraints, referencedByOf, type ForeignKeyDef, type ReferenceDef } from './constraint-defs.js';
import {
  findByUniqueKey,
  findRows,
  keyPath,
  matchFullMixed,
  missingParent,
  positionsOf,
  stillReferenced,
  valuesFor,
  type KeyPath,
} from './foreign-keys.js';

/**
 * An optional member of the transaction view (the actors' LockingView has it): a shared lock on a
 * row key, held to the end of the transaction, and the row must still be as the transaction's
 * snapshot saw it. Storage alone (tests, single session) has nothing to lock.
 */
interface KeyShareLocking {
  lockKeyShare?(table: string, key: Key): void;
  /** Snapshot isolation: `probe` on the latest committed state and the transaction's snapshot. */
  newerCommitted?<T>(probe: (latest: ReadView, snapshot: ReadView) => T): T | undefined;
}

/**
 * Under snapshot isolation a referencing row committed after the transaction's snapshot is
 * invisible to it: acting on the parent as if it were not there would orphan it (40001 instead).
 */
function checkNewerReferences(txn: WriteTxn, child: TableDef, fk: OutgoingFk, vals: readonly SqlValue[]): void {
  const probe = (txn as WriteTxn & KeyShareLocking).newerCommitted;
  if (probe === undefined) return;
  const conflict = probe.call(txn, (latest: ReadView, snapshot: ReadView) => {
    const now = latest.getTable(child.name);
    if (now === undefined) return false;
    const seen = snapshot.getTable(child.name) !== undefined;
    for (const r of findRows(latest, now, keyPath(now, fk.cols, false)!, fk.cols, valuesFor(now, fk.cols, vals))) {
      if (!seen || !sameRow(snapshot.getRow(child.name, r.key), r.row)) return true;
    }
    return false;
  });
  if (conflict === true) throw new DispatcherError(SqlState.SerializationFailure, 'could not serialize access due to concurrent update');
}

function sameRow(a: Row | undefined, b: Row): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === null || y === null ? x !== y : compareNonNull(x, y) !== 0) return false;
  }
  return true;
}

/** A foreign key of a (child) table, resolved against its definition. */
interface OutgoingFk {
  readonly def: ForeignKeyDef;
  /** Referencing column positions in the child. */
  readonly cols: readonly number[];
  /** Path to the child rows by the referencing columns (parent-side actions). */
  readonly childPath: KeyPath;
  /** Resolved against the parent's definition, refreshed when that definition changes. */
  parent: ParentSide | null;
  /** SET DEFAULT values of the referencing columns, compiled on first use. */
  defaults: ((f: Frame) => SqlValue)[] | null;
}

interface ParentSide {
  readonly def: TableDef;
  readonly cols: readonly number[];
  readonly path: KeyPath;
}

/** What one table definition needs checked: compiled once per definition. */
export class TableRules {
  readonly def: TableDef;
  readonly checks: readonly CompiledCheck[];
  readonly outgoing: readonly OutgoingFk[];
  readonly incoming: readonly ReferenceDef[];

  constructor(def: TableDef) {
    this.def = def;
    this.checks = compiledChecks(def);
    this.outgoing = foreignKeysOf(def).map((fk) => {
      const cols = positionsOf(def, fk.columns);
      if (cols === undefined) throw new DispatcherError(SqlState.InternalError, `foreign key ${fk.name} names a missing column`);
      return { def: fk, cols, childPath: keyPath(def, cols, false)!, parent: null, defaults: null };
    });
    this.incoming = referencedByOf(def);
  }

  /**
   * Positions of this table's columns some foreign key references. Safe to keep with the
   * definition: adding or dropping a reference, or renaming a referenced column, changes it.
   */
  #referenced: readonly number[] | null = null;

  referencedColumns(view: WriteTxn): readonly number[] {
    if (this.#referenced === null) {
      const cols = new Set<number>();
      for (const ref of this.incoming) {
        const child = ref.table === this.def.name ? this.def : view.getTable(ref.table);
        const fk = child === undefined ? undefined : foreignKeysOf(child).find((k) => k.name === ref.constraint);
        for (const p of positionsOf(this.def, fk?.refColumns ?? []) ?? []) cols.add(p);
      }
      this.#referenced = [...cols];
    }
    return this.#referenced;
  }

  outgoingNamed(name: string): OutgoingFk | undefined {
    return this.outgoing.find((o) => o.def.name === name);
  }
}

const rulesCache = new WeakMap<TableDef, TableRules | null>();

/** The rules of a table definition; null when it has no CHECK and takes part in no foreign key. */
export function rulesFor(def: TableDef): TableRules | null {
  let r = rulesCache.get(def);
  if (r === undefined) {
    r = hasNoConstraints(def) ? null : new TableRules(def);
    rulesCache.set(def, r);
  }
  return r;
}

function parentSide(view: WriteTxn, fk: OutgoingFk): ParentSide {
  const pdef = view.getTable(fk.def.refTable);
  if (pdef === undefined) throw new DispatcherError(SqlState.UndefinedTable, `relation "${fk.def.refTable}" does not exist`);
  if (fk.parent !== null && fk.parent.def === pdef) return fk.parent;
  const cols = positionsOf(pdef, fk.def.refColumns);
  const path = cols === undefined ? null : keyPath(pdef, cols, true);
  if (cols === undefined || path === null) {
    throw new DispatcherError(
      SqlState.InvalidForeignKey,
      `there is no unique constraint matching given keys for referenced table "${pdef.name}"`,
    );
  }
  fk.parent = { def: pdef, cols, path };
  return fk.parent;
}

function sameValues(a: Row, b: Row, cols: readonly number[]): boolean {
  for (let i = 0; i < cols.length; i++) {
    const x = a[cols[i]!]!;
    const y = b[cols[i]!]!;
    if (x === null || y === null) {
      if (x !== y) return false;
    } else if (compareNonNull(x, y) !== 0) return false;
  }
  return true;
}

interface ParentEvent {
  readonly rules: TableRules;
  readonly old: Row;
  /** Null for a delete. */
  readonly row: Row | null;
}

interface PendingChild {
  readonly table: string;
  readonly fk: OutgoingFk;
  readonly vals: SqlValue[];
}

interface PendingNoAction {
  readonly parent: string;
  readonly child: TableRules;
  readonly fk: OutgoingFk;
  readonly vals: SqlValue[];
}

/** One statement's constraint work: immediate checks and what waits for its end. */
export class ConstraintRun {
  readonly #txn: WriteTxn;
  readonly #f: Frame;
  readonly #events: ParentEvent[] = [];
  readonly #pendingChild: PendingChild[] = [];
  readonly #noAction: PendingNoAction[] = [];

  constructor(txn: WriteTxn, f: Frame) {
    this.#txn = txn;
    this.#f = f;
  }

  /** CHECK constraints of a row about to be written (23514). */
  checkRow(rules: TableRules, row: Row): void {
    if (rules.checks.length > 0) enforceChecks(rules.def, rules.checks, row, this.#f);
  }

  /** After a row was inserted: its references. */
  inserted(rules: TableRules, row: Row): void {
    const out = rules.outgoing;
    for (let i = 0; i < out.length; i++) this.#reference(rules.def.name, out[i]!, row);
  }

  /** After a row was updated: changed references are checked, changed referenced keys acted on. */
  updated(rules: TableRules, old: Row, row: Row): void {
    const out = rules.outgoing;
    for (let i = 0; i < out.length; i++) {
      const fk = out[i]!;
      if (!sameValues(old, row, fk.cols)) this.#reference(rules.def.name, fk, row);
    }
    if (rules.incoming.length > 0 && !sameValues(old, row, rules.referencedColumns(this.#txn))) this.#events.push({ rules, old, row });
  }

  /** After a row was deleted: referencing rows are acted on at the end of the statement. */
  deleted(rules: TableRules, old: Row): void {
    if (rules.incoming.length > 0) this.#events.push({ rules, old, row: null });
  }

  /** The end of the statement: actions, NO ACTION checks, references still unresolved. */
  finish(): void {
    const txn = this.#txn;
    for (let i = 0; i < this.#events.length; i++) {
      if ((i & 255) === 255) this.#f.ctx.checkInterrupt();
      this.#act(this.#events[i]!);
    }
    this.#events.length = 0;
    for (const p of this.#noAction) {
      const ps = parentSide(txn, p.fk);
      // NO ACTION passes when the key is there again (another row now has it).
      if (findByUniqueKey(txn, ps.def, ps.path, ps.cols, valuesFor(ps.def, ps.cols, p.vals)) !== undefined) continue;
      const childVals = valuesFor(p.child.def, p.fk.cols, p.vals);
      if (findRows(txn, p.child.def, p.fk.childPath, p.fk.cols, childVals, 1).length > 0) {
        throw stillReferenced(p.parent, p.child.def.name, p.fk.def, p.vals);
      }
      checkNewerReferences(txn, p.child.def, p.fk, p.vals);
    }
    this.#noAction.length = 0;
    for (const p of this.#pendingChild) {
      if (!this.#parentExists(p.fk, p.vals)) throw missingParent(p.table, p.fk.def, p.vals);
    }
    this.#pendingChild.length = 0;
  }

  /** A row's reference must find its parent (MATCH SIMPLE: any NULL column passes). */
  #reference(table: string, fk: OutgoingFk, row: Row): void {
    const cols = fk.cols;
    const vals: SqlValue[] = new Array(cols.length);
    let nulls = 0;
    for (let i = 0; i < cols.length; i++) {
      const v = row[cols[i]!]!;
      vals[i] = v;
      if (v === null) nulls++;
    }
    if (nulls > 0) {
      if (fk.def.matchFull && nulls < cols.length) throw matchFullMixed(table, fk.def);
      return;
    }
    if (!this.#parentExists(fk, vals)) this.#pendingChild.push({ table, fk, vals });
  }

  #parentExists(fk: OutgoingFk, vals: readonly SqlValue[]): boolean {
    const txn = this.#txn;
    const ps = parentSide(txn, fk);
    const key = findByUniqueKey(txn, ps.def, ps.path, ps.cols, valuesFor(ps.def, ps.cols, vals));
    if (key === undefined) return false;
    // FOR KEY SHARE: a concurrent delete of the parent waits for this transaction.
    (txn as WriteTxn & KeyShareLocking).lockKeyShare?.(ps.def.name, key);
    return true;
  }

  /** Applies the referencing tables' actions for one changed or deleted parent row. */
  #act(ev: ParentEvent): void {
    const txn = this.#txn;
    const parent = ev.rules.def;
    for (const ref of ev.rules.incoming) {
      const cdef = txn.getTable(ref.table);
      const child = cdef === undefined ? null : rulesFor(cdef);
      const fk = child?.outgoingNamed(ref.constraint);
      if (child === null || child === undefined || fk === undefined) continue;
      const ps = parentSide(txn, fk);
      if (ps.def.name !== parent.name) continue;
      const pcols = ps.cols;
      const vals: SqlValue[] = pcols.map((c) => ev.old[c]!);
      if (vals.some((v) => v === null)) continue;
      if (ev.row !== null && sameValues(ev.old, ev.row, pcols)) continue;
      const action = ev.row === null ? fk.def.onDelete : fk.def.onUpdate;
      if (action === 'no action') {
        this.#noAction.push({ parent: parent.name, child, fk, vals });
        continue;
      }
      const cdefNow = child.def;
      const rows = findRows(txn, cdefNow, fk.childPath, fk.cols, valuesFor(cdefNow, fk.cols, vals), action === 'restrict' ? 1 : Infinity);
      if (action === 'restrict' && rows.length > 0) throw stillReferenced(parent.name, cdefNow.name, fk.def, vals);
      checkNewerReferences(txn, cdefNow, fk, vals);
      if (rows.length === 0) continue;
      if (action === 'cascade' && ev.row === null) {
        for (const r of rows) {
          txn.delete(cdefNow.name, r.key);
          this.deleted(child, r.row);
        }
        continue;
      }
      // CASCADE on update: the new key; SET NULL / SET DEFAULT: the new values of the columns.
      let fill: SqlValue[];
      if (action === 'cascade') fill = valuesFor(cdefNow, fk.cols, pcols.map((c) => ev.row![c]!));
      else if (action === 'set null') fill = fk.cols.map(() => null);
      else {
        fk.defaults ??= fk.cols.map((c) => compileDefault(cdefNow, c));
        fill = fk.defaults.map((d) => d(this.#f));
      }
      for (const r of rows) {
        const next = r.row.slice();
        for (let i = 0; i < fk.cols.length; i++) {
          const c = fk.cols[i]!;
          const v = fill[i]!;
          if (v === null && cdefNow.columns[c]!.notNull) {
            throw new DispatcherError(
              SqlState.NotNullViolation,
              `null value in column "${cdefNow.columns[c]!.name}" of relation "${cdefNow.name}" violates not-null constraint`,
            );
          }
          next[c] = v;
        }
        this.checkRow(child, next);
        txn.update(cdefNow.name, r.key as Key, next);
        this.updated(child, r.row, next);
      }
    }
  }
}
