// Grouping and aggregation: hash aggregation keyed by the group value (small non-negative
// integer keys index an array), per-row aggregate steps chosen once per plan. A plan that has
// aggregated enough rows gets its own generated loop (agg-codegen.ts); over a whole table, that
// loop reads the storage leaves in place rather than batches of rows from a scan operator.
import type { Row, RowCursor, SqlValue, TableDef } from '../storage/ports.js';
import { aggStep, finish, newState, type AggSpec, type AggState, type AggStep } from './aggregates.js';
import { Accumulators, generateConsume, rowsBeforeGenerating, type Generated, type GroupSink, type KeyForm, type Runs, type StepPlan } from './agg-codegen.js';
import { ScanNode } from './join-ops.js';
import { BATCH, indent, objectArray, type Eval, type Frame, type Op, type PlanNode } from './runtime.js';
import { groupKey, rowKey } from './values.js';

/** Groups a plan keeps from one execution for the next (GenState.pool): ~60 bytes each. */
const POOLED_GROUPS = 1 << 17;

/** Group keys below this (non-negative integers) live in an array rather than the Map. */
const DENSE_KEYS = 4096;

const EMPTY_ROWS: readonly unknown[] = [];
const EMPTY_INTS = new Int32Array(0);

/** Rows one next() reads when the aggregation reads its table itself (a scan's largest batch). */
const LEAF_READ = BATCH * 4;

export class AggregateNode implements PlanNode {
  readonly #child: PlanNode;
  readonly #keys: readonly Eval[];
  readonly #aggs: readonly AggSpec[];
  /**
   * Per-row steps, made once per plan: a hot loop whose callees change with every execution
   * would be deoptimized at the next one ("wrong call target").
   */
  #steps: StepPlan | null = null;
  /** This plan's generated loop (agg-codegen.ts), made once enough rows went through the shared one. */
  readonly #gen: GenState;

  constructor(child: PlanNode, keys: readonly Eval[], aggs: readonly AggSpec[], forms: readonly KeyForm[] = []) {
    this.#child = child;
    this.#keys = keys;
    this.#aggs = aggs;
    // The runs object is the plan's, not each execution's: the loop is optimized for the shapes
    // of the objects it first saw, and a fresh one per execution deoptimized it at the next.
    // (A run list is filled and consumed within one call, so executions can share it.)
    const runs: Runs = { rows: objectArray(), from: new Int32Array(LEAF_READ + 1), to: new Int32Array(LEAF_READ + 1), width: new Int32Array(LEAF_READ + 1), count: 0, inLeaf: false };
    this.#gen = { fn: null, rows: 0, tried: false, forms, cap: 16, runs, pool: null, accArray: null };
  }

  open(f: Frame): Op {
    // (Steps are made at the first open: the compiler may still add aggregates after construction.)
    const steps = (this.#steps ??= stepPlan(this.#aggs));
    const gen = this.#gen;
    const whole = wholeTable(this.#child);
    if (gen.fn === null && !gen.tried) {
      // A whole table known to be large gets its loop at once (its first execution runs it, and
      // pays V8's optimizing compile of it); other inputs once the shared loop saw enough rows.
      const after = rowsBeforeGenerating();
      if (gen.rows >= after || (whole !== null && f.ctx.view.rowCount(whole) >= after)) {
        gen.tried = true;
        gen.fn = generateConsume<Group>(this.#keys, gen.forms, this.#aggs, steps, DENSE_KEYS, f.params);
      }
    }
    const table = gen.fn !== null ? whole : null;
    return new AggregateOp(table === null ? this.#child.open(f) : null, table, f, this.#keys, this.#aggs, steps, gen);
  }

  explain(out: string[], depth: number): void {
    out.push(indent(depth) + (this.#keys.length > 0 ? `HashAggregate (${this.#keys.length} keys)` : 'Aggregate'));
    this.#child.explain(out, depth + 1);
  }
}

/** The table a plan node reads whole, in key order, unfiltered, as stored rows; else null. */
/** The table a plan reads whole along its primary key (either way), without a filter; else null. */
export function wholeTableScan(node: PlanNode): TableDef | null {
  if (!(node instanceof ScanNode)) return null;
  const { src, path, local } = node.spec;
  if (src.table === null || local !== null || path === null) return null;
  if (src.offset !== 0 || src.ncols !== node.width || src.wantKey) return null;
  const whole = path.index === null && path.eq.length === 0 && path.inList === null && path.lower === null && path.upper === null;
  return whole ? src.table : null;
}

function wholeTable(node: PlanNode): string | null {
  const def = wholeTableScan(node);
  return def !== null && !(node as ScanNode).spec.path!.reverse ? def.name : null;
}

interface GenState {
  fn: Generated<Group> | null;
  /** Rows aggregated by the shared loop so far, over every execution of the plan. */
  rows: number;
  tried: boolean;
  readonly forms: readonly KeyForm[];
  /** Accumulator room the last execution needed (the next one starts with it). */
  cap: number;
  /** The runs of rows handed to the generated loop. */
  readonly runs: Runs;
  /**
   * Group objects of a finished execution, for the next one to refill: with tens of thousands of
   * groups, all alive to the end, copying fresh ones out of the young generation was most of a
   * query's time in the collector.
   */
  pool: Group[] | null;
  /**
   * The accumulators' array of a closed execution, for the next one (cleared): a correlated
   * subquery's aggregation runs once per outer row, and an off-heap Float64Array made each time
   * was ~1 µs of it.
   */
  accArray: Float64Array | null;
}

/**
 * One group. Grouping by one expression keeps its value in k0 (no key array); plain count(*)
 * aggregates have no state (their value is `rows`), so `SELECT k, count(*) ... GROUP BY k` makes
 * one object a group instead of six: with tens of thousands of groups, all alive to the end,
 * the young-generation copies of those objects were half of the query's time.
 */
interface Group {
  k0: SqlValue;
  /** The key values when grouping by several expressions (null for one, or none). */
  key: SqlValue[] | null;
  /**
   * The aggregates' states. Null for a group whose values the generated loop accumulates at its
   * slot (a key that is not a small integer, when every aggregate is accumulated): made, if ever,
   * when a value leaves the accumulators, and otherwise only while the group is emitted, so
   * tens of thousands of groups do not each keep a states array and a state object alive.
   */
  st: AggState[] | null;
  /** Input rows in the group: count(*) without FILTER needs no step of its own. */
  rows: number;
  /** Accumulator slot in the generated loop: the key itself when dense, DENSE_KEYS + n for the n-th other key; else -1. */
  slot: number;
}

/** The state slot of an aggregate that has none (a plain count(*)): never read or written. */
const NO_STATE: AggState = newState({ distinct: false } as AggSpec);

function stepPlan(aggs: readonly AggSpec[]): StepPlan {
  const steps: AggStep[] = [];
  const at: number[] = [];
  const counted: number[] = [];
  aggs.forEach((a, j) => {
    if (a.star && a.name === 'count' && a.filter === undefined && !a.distinct) counted.push(j);
    else {
      steps.push(aggStep(a));
      at.push(j);
    }
  });
  return { steps, at, counted };
}

/**
 * A running aggregation. A class rather than closures: its next() is then one function for every
 * execution, and the loops that call it are not deoptimized when the next execution comes.
 */
class AggregateOp implements Op, GroupSink<Group> {
  /** The input operator, or null when the aggregation reads #table itself. */
  readonly #c: Op | null;
  readonly #table: string | null;
  #cursor: RowCursor | null = null;
  /** The generated loop's per-key accumulators for this execution (null on the shared loop). */
  readonly #acc: Accumulators | null;
  readonly #runs: Runs;
  readonly #f: Frame;
  readonly #keys: readonly Eval[];
  readonly #aggs: readonly AggSpec[];
  readonly #steps: readonly AggStep[];
  readonly #at: readonly number[];
  readonly #counted: readonly number[];
  readonly #gen: GenState;
  /** Groups of keys other than text and 32-bit integers (their groupKey, or the value itself). */
  readonly #groups = new Map<string | SqlValue, Group>();
  readonly #texts = new Map<string, Group>();
  /** Integer keys' table (#intGroup): the key, and its group's place in #order plus one (0: empty). */
  #intKeys: Int32Array | null = null;
  #intAt: Int32Array = EMPTY_INTS;
  #intCount = 0;
  /** Small non-negative integer keys (k % 100, flags, small codes) index an array instead. */
  readonly #dense: (Group | undefined)[] = objectArray();
  readonly #order: Group[] = objectArray();
  /** The groups of the plan's last execution, reused in order by #newGroup (taken from GenState.pool). */
  #recycled: Group[] | null;
  #pooled = false;
  readonly #kv: SqlValue[];
  /** The one states array of every group when no aggregate needs a state of its own; else null. */
  readonly #sharedStates: AggState[] | null;
  /** Keys that are not small integers get accumulator slots (the generated loop is slotted). */
  readonly #slotted: boolean;
  #slots = 0;
  #consuming = true;
  #emitIdx = 0;

  constructor(c: Op | null, table: string | null, f: Frame, keys: readonly Eval[], aggs: readonly AggSpec[], plan: StepPlan, gen: GenState) {
    this.#c = c;
    this.#table = table;
    this.#f = f;
    this.#keys = keys;
    this.#aggs = aggs;
    this.#steps = plan.steps;
    this.#at = plan.at;
    this.#counted = plan.counted;
    this.#gen = gen;
    // Taken, not shared: an execution running beside this one makes its own groups.
    this.#recycled = gen.pool;
    gen.pool = null;
    const kept = gen.accArray;
    gen.accArray = null;
    this.#acc = gen.fn === null ? null : new Accumulators(gen.fn.layout, aggs, gen.cap, (g) => (g.st ??= this.#statesFor()), kept);
    this.#slotted = gen.fn !== null && gen.fn.slotted;
    this.#runs = gen.runs;
    this.#kv = new Array<SqlValue>(keys.length);
    this.#sharedStates = plan.at.length === 0 ? aggs.map(() => NO_STATE) : null;
  }

  #newGroup(k0: SqlValue, key: SqlValue[] | null, slot = -1): Group {
    const st = slot >= DENSE_KEYS ? null : this.#statesFor();
    const old = this.#recycled;
    let g: Group;
    if (old !== null && this.#order.length < old.length) {
      // The plan's last execution's group, refilled: no new object for the collector to copy.
      g = old[this.#order.length]!;
      g.k0 = k0;
      g.key = key;
      g.st = st;
      g.rows = 0;
      g.slot = slot;
    } else g = { k0, key, st, rows: 0, slot };
    this.#order.push(g);
    return g;
  }

  /** A new group's aggregate states; groups share one array when every aggregate is a plain count(*). */
  #statesFor(): AggState[] {
    if (this.#sharedStates !== null) return this.#sharedStates;
    const aggs = this.#aggs;
    const st: AggState[] = new Array(aggs.length);
    for (let i = 0; i < aggs.length; i++) st[i] = NO_STATE;
    for (const j of this.#at) st[j] = newState(aggs[j]!);
    return st;
  }

  dense(v: number): Group {
    return (this.#dense[v] = this.#newGroup(v, null, v));
  }

  keyed(v: SqlValue): Group {
    if (typeof v === 'number' && (v | 0) === v) return this.#intGroup(v);
    // Text keys by themselves: the stored strings' hashes are kept in them, where a prefixed copy
    // was a new string to hash on every row.
    if (typeof v === 'string') return this.#textGroup(v);
    const k = typeof v === 'bigint' || v instanceof Uint8Array || (typeof v === 'number' && Object.is(v, -0)) ? groupKey(v) : v;
    let g = this.#groups.get(k);
    if (g === undefined) {
      g = this.#newGroup(v, null, this.#slotted ? DENSE_KEYS + this.#slots++ : -1);
      this.#groups.set(k, g);
    }
    return g;
  }

  #textGroup(v: string): Group {
    let g = this.#texts.get(v);
    if (g === undefined) {
      g = this.#newGroup(v, null, this.#slotted ? DENSE_KEYS + this.#slots++ : -1);
      this.#texts.set(v, g);
    }
    return g;
  }

  /**
   * The group of a 32-bit integer key (ids, foreign keys: the common many-group case) from an
   * open-addressing table of typed arrays: a Map of tens of thousands of number keys grew its
   * tables by doubling on the heap every execution, and its lookups were a sixth of the query.
   */
  #intGroup(v: number): Group {
    let keys = this.#intKeys;
    if (keys === null || this.#intCount * 2 >= keys.length) keys = this.#growInts();
    const at = this.#intAt;
    const mask = keys.length - 1;
    // Fibonacci hashing spreads runs of consecutive keys over the table.
    let h = Math.imul(v, 0x9e3779b1) >>> 0 & mask;
    for (;;) {
      const gi = at[h]!;
      if (gi === 0) break;
      if (keys[h] === v) return this.#order[gi - 1]!;
      h = (h + 1) & mask;
    }
    const g = this.#newGroup(v, null, this.#slotted ? DENSE_KEYS + this.#slots++ : -1);
    keys[h] = v;
    at[h] = this.#order.length;
    this.#intCount++;
    return g;
  }

  #growInts(): Int32Array {
    const old = this.#intKeys;
    const oldAt = this.#intAt;
    const size = old === null ? 1024 : old.length * 2;
    const keys = new Int32Array(size);
    const at = new Int32Array(size);
    const mask = size - 1;
    if (old !== null) {
      for (let i = 0; i < old.length; i++) {
        if (oldAt[i] === 0) continue;
        let h = Math.imul(old[i]!, 0x9e3779b1) >>> 0 & mask;
        while (at[h] !== 0) h = (h + 1) & mask;
        keys[h] = old[i]!;
        at[h] = oldAt[i]!;
      }
    }
    this.#intKeys = keys;
    this.#intAt = at;
    return keys;
  }

  row(entry: unknown): Row {
    return this.#cursor!.entryRow!(entry);
  }

  /** The one group of an aggregation without keys (it exists even for no input rows). */
  #only(): Group | null {
    return this.#keys.length === 0 ? (this.#order[0] ?? this.#newGroup(null, null, 0)) : null;
  }

  #consume(b: Row[]): void {
    const gen = this.#gen;
    // The loop this execution began with: another execution of the plan may generate one
    // meanwhile, but this one's accumulators (#acc) were made, or not, when it opened.
    if (this.#acc !== null) {
      const runs = this.#runs;
      runs.rows[0] = b;
      runs.from[0] = 0;
      runs.to[0] = b.length;
      runs.width[0] = 0;
      runs.count = 1;
      runs.inLeaf = false;
      gen.fn!.fn(runs, this.#f, this.#dense, this, this.#only(), this.#acc);
      runs.rows[0] = EMPTY_ROWS;
      this.#f.root.work += b.length;
      return;
    }
    this.#shared(b);
    gen.rows += b.length;
  }

  /** Reads and aggregates the next rows of the whole table, leaf by leaf in place. */
  #readTable(table: string): void {
    const f = this.#f;
    const cur = (this.#cursor ??= f.ctx.view.scanTable(table));
    const runs = this.#runs;
    let n = 0;
    let count = 0;
    let end = false;
    if (cur.nextLeafRun !== undefined) {
      while (n < LEAF_READ) {
        const got = cur.nextLeafRun(LEAF_READ - n);
        if (got === 0) {
          end = true;
          break;
        }
        const from = cur.leafStart!;
        runs.rows[count] = cur.leafEntries!;
        runs.from[count] = from;
        runs.to[count] = from + got;
        runs.width[count] = cur.leafWidth ?? 0;
        count++;
        n += got;
      }
      runs.inLeaf = true;
    } else {
      const b: Row[] = [];
      for (let r = cur.next(); r !== undefined; r = b.length < LEAF_READ ? cur.next() : undefined) b.push(r);
      end = b.length < LEAF_READ;
      runs.rows[0] = b;
      runs.from[0] = 0;
      runs.to[0] = b.length;
      runs.width[0] = 0;
      count = 1;
      n = b.length;
      runs.inLeaf = false;
    }
    runs.count = count;
    this.#gen.fn!.fn(runs, f, this.#dense, this, this.#only(), this.#acc!);
    // (Leaves are not held past the call.)
    for (let j = 0; j < count; j++) runs.rows[j] = EMPTY_ROWS;
    f.ctx.counters.rowsExamined += n;
    f.root.work += n + 1;
    if (end) this.#endInput();
  }

  #endInput(): void {
    this.#consuming = false;
    if (this.#keys.length === 0 && this.#order.length === 0) this.#newGroup(null, null);
    if (this.#acc !== null) {
      const dense = this.#dense;
      const only = this.#only();
      this.#acc.fold((k) => only ?? dense[k]!, DENSE_KEYS);
      this.#gen.cap = this.#acc.cap;
    }
  }

  /** The loop every plan shares (until its own is generated). */
  #shared(b: Row[]): void {
    const f = this.#f;
    const keys = this.#keys;
    const nk = keys.length;
    const steps = this.#steps;
    const at = this.#at;
    const na = steps.length;
    const dense = this.#dense;
    const groups = this.#groups;
    const key0 = keys[0];
    for (let i = 0; i < b.length; i++) {
      const r = b[i]!;
      let g: Group | undefined;
      if (nk === 0) {
        g = this.#order[0] ?? this.#newGroup(null, null);
      } else if (nk === 1) {
        const v = key0!(r, f);
        if (typeof v === 'number' && v >= 0 && v < DENSE_KEYS && (v | 0) === v) {
          // -0 lands on 0's slot: the same group, as SQL equality says.
          g = dense[v];
          if (g === undefined) g = dense[v] = this.#newGroup(v, null);
        } else g = this.keyed(v);
      } else {
        const kv = this.#kv;
        for (let j = 0; j < nk; j++) kv[j] = keys[j]!(r, f);
        const k = rowKey(kv, nk);
        g = groups.get(k);
        if (g === undefined) {
          g = this.#newGroup(null, kv.slice());
          groups.set(k, g);
        }
      }
      g.rows++;
      const st = g.st!;
      for (let j = 0; j < na; j++) steps[j]!(st[at[j]!]!, r, f);
    }
    f.root.work += b.length;
  }

  next(): Row[] | null {
    if (this.#consuming) {
      this.#f.ctx.checkInterrupt();
      if (this.#table !== null) {
        this.#readTable(this.#table);
        return [];
      }
      const b = this.#c!.next();
      if (b === null) {
        this.#endInput();
        return [];
      }
      this.#consume(b);
      return [];
    }
    const order = this.#order;
    const aggs = this.#aggs;
    if (this.#emitIdx >= order.length) return null;
    const end = Math.min(order.length, this.#emitIdx + BATCH * 4);
    const out: Row[] = [];
    const nk = this.#keys.length;
    const na = aggs.length;
    const counted = this.#counted;
    for (; this.#emitIdx < end; this.#emitIdx++) {
      const g = order[this.#emitIdx]!;
      // (Built by push, as rows elsewhere are: packed arrays, one elements kind downstream.)
      const row: SqlValue[] = nk === 1 ? [g.k0] : nk === 0 ? [] : g.key!.slice();
      let st = g.st;
      if (g.slot >= DENSE_KEYS) {
        // A slotted group: its accumulated values into states made for the moment (or its own, when it has them).
        const own = st;
        st = own ?? this.#statesFor();
        this.#acc!.take(g.slot, g, own === null ? st : null);
      }
      for (let j = 0; j < na; j++) row.push(st![j] === NO_STATE ? null : finish(aggs[j]!, st![j]!));
      // A plain count(*) is its group's row count.
      for (let c = 0; c < counted.length; c++) row[nk + counted[c]!] = g.rows;
      out.push(row);
    }
    return out;
  }

  close(): void {
    this.#c?.close();
    this.#cursor?.close();
    // This execution's groups go back to the plan for its next one (unless too many to keep),
    // once: a second close must not hand out groups another execution may have taken since.
    if (this.#pooled) return;
    this.#pooled = true;
    // Slotted groups read their sums until they are emitted: the array goes back only now (an
    // execution closed early leaves values in it, which the next one clears).
    if (this.#acc !== null) this.#gen.accArray = this.#acc.a;
    const order = this.#order;
    // Kept without the states and key lists of groups long emitted (a key value is mostly a
    // stored row's own).
    const shared = this.#sharedStates;
    for (let i = 0; i < order.length; i++) {
      const g = order[i]!;
      if (g.st !== null && g.st !== shared) g.st = null;
      if (g.key !== null) g.key = null;
    }
    if (order.length <= POOLED_GROUPS && order.length > (this.#recycled?.length ?? 0)) this.#gen.pool = order;
    else if (this.#recycled !== null) this.#gen.pool = this.#recycled;
    this.#recycled = null;
  }
}
