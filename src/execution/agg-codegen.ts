// Generated per-plan aggregation loops. The shared loop in aggregate-node.ts calls each group
// key and each aggregate step through closures; those call sites see every plan's closures, so
// V8 can inline none of them. Once a plan has aggregated enough rows, this writes one loop for
// it (new Function): the common shapes (column reads, `column % n`, length(column), count, sum,
// avg, total) are inlined, and everything else calls the same closure the shared loop calls.
// Every inlined fast path tests exactly what its closure tests and falls back to the closure
// (or to addNumber) otherwise, so results and errors are the closures' own.
//
// The loop reads runs of rows: a batch from the operator below, or, when the aggregation reads
// its table itself, storage leaves' entries in place (the operator reads the cursor). In a leaf,
// the numbers and text lengths the loop reads come from the leaf's kept columns
// (leaf-columns.ts); the row itself is then not loaded.
import type { ColumnType, Row, SqlValue } from '../storage/ports.js';
import { addNumber, type AggSpec, type AggState, type AggStep } from './aggregates.js';
import type { ExprShape } from './expr-shape.js';
import { NULL_LENGTH, flatRowAt, leafColumns } from './leaf-columns.js';
import type { Eval, Frame } from './runtime.js';
import { isNumericType } from './values.js';

/** What the planner knows of a GROUP BY expression beyond its closure. */
export interface KeyForm {
  readonly slot: number | undefined;
  readonly shape: ExprShape | undefined;
  readonly type: ColumnType;
}

/** A group's running state (aggregate-node.ts owns the groups). */
export interface GroupState {
  /** The aggregates' states; null until needed for a group whose values the accumulators hold. */
  st: AggState[] | null;
  rows: number;
  /** The group's accumulator index in a generated loop (its key when dense), else -1. */
  readonly slot: number;
}

/** The running aggregation's side the generated loop calls when a key is not in the dense array. */
export interface GroupSink<G extends GroupState> {
  /** Makes the group of a new small non-negative integer key (stored in the dense array). */
  dense(v: number): G;
  /** Finds or makes the group of any other key. */
  keyed(v: SqlValue): G;
  /** The row of a leaf entry that is not an array (an overflow reference). */
  row(entry: unknown): Row;
}

/**
 * Runs of rows: for j < count, rows[j][from[j] .. to[j]). In leaves (inLeaf), the arrays are
 * storage leaves' entries (the caller reads the cursor: storage code inlined into a plan's loop
 * deoptimized it at the scan's end, and its reoptimization cost the next execution); a run of
 * width[j] > 0 is a flat leaf, row i at rows[j][i * width[j] ..].
 */
export interface Runs {
  readonly rows: (readonly unknown[])[];
  readonly from: Int32Array;
  readonly to: Int32Array;
  readonly width: Int32Array;
  count: number;
  inLeaf: boolean;
}

export type Consume<G extends GroupState> = (
  runs: Runs,
  f: Frame,
  dense: (G | undefined)[],
  sink: GroupSink<G>,
  only: G | null,
  acc: Accumulators,
) => void;

/** Generated loop of a plan, with the layout of its per-key accumulators. */
export interface Generated<G extends GroupState> {
  readonly fn: Consume<G>;
  readonly layout: Layout;
  /**
   * Every aggregate with a state is accumulated (count, sum, avg, total of inlined shapes): keys
   * that are not small integers get an accumulator slot too (GroupSink.keyed gives it), and their
   * groups no states until the end.
   */
  readonly slotted: boolean;
}

/**
 * Per key, `width` numbers: the key's rows, then per accumulated aggregate its count of non-NULL
 * values and (sum, avg, total) their running sum. Slot `at` is the count, `at + 1` the sum.
 */
export interface Layout {
  readonly width: number;
  readonly slots: readonly { readonly agg: number; readonly at: number; readonly sum: boolean; readonly real: boolean }[];
}

/** A sum slot no longer taken by the loop (its later values go to the group's state). */
const INT_DONE = Infinity;
const REAL_DONE = NaN;
/** Integer running sums stay exact below this; each step adds less than 2^31. */
const INT_SUM_BOUND = 2 ** 52;

/**
 * The typed side of one execution of a generated loop: keys that are small non-negative
 * integers (and the single group of an aggregation without keys) count rows and accumulate
 * count/sum/avg/total in one Float64Array, with no per-group object touched per row. Values the
 * loop does not take (not a number, or an integer sum that could leave the exact range) go
 * through slow(), which first moves what the key accumulated into the group's state, so every
 * group's state sees its values in input order, as the shared loop's steps would.
 */
export class Accumulators {
  a: Float64Array;
  cap: number;
  readonly #layout: Layout;
  readonly #aggs: readonly AggSpec[];
  /** A group's states, made when it has none yet. */
  readonly #states: (g: GroupState) => AggState[];

  /** `cap`: keys to make room for (a plan's earlier executions tell; growing in the loop costs a deopt). */
  /** `kept`: a finished execution's array, reused (cleared) when it has this size. */
  constructor(layout: Layout, aggs: readonly AggSpec[], cap: number, states: (g: GroupState) => AggState[], kept: Float64Array | null = null) {
    this.#layout = layout;
    this.#aggs = aggs;
    this.#states = states;
    this.cap = cap;
    const n = this.cap * layout.width;
    this.a = kept !== null && kept.length === n ? kept.fill(0) : new Float64Array(n);
  }

  /** Room for key k. */
  grow(k: number): void {
    let cap = this.cap;
    while (cap <= k) cap *= 2;
    const a = new Float64Array(cap * this.#layout.width);
    a.set(this.a);
    this.a = a;
    this.cap = cap;
  }

  /** Moves key k's accumulated slot s into its group's aggregate state. */
  #flush(k: number, s: number, g: GroupState, states: AggState[] | null): void {
    const slot = this.#layout.slots[s]!;
    const a = this.a;
    const b = k * this.#layout.width + slot.at;
    const n = a[b]!;
    if (n === 0) return;
    const st = (states ?? this.#states(g))[slot.agg]!;
    st.n = small(st.n + n);
    a[b] = 0;
    if (!slot.sum) return;
    const sum = a[b + 1]!;
    a[b + 1] = 0;
    // A REAL sum went in input order from 0, as st.f would have; integers are exact either way.
    if (slot.real) st.f += sum;
    else addNumber(this.#aggs[slot.agg]!, st, small(sum));
  }

  /** A non-NULL value of slot s the loop does not take: from now on key k's slot s is the group's. */
  slow(k: number, s: number, g: GroupState, v: SqlValue): void {
    this.#flush(k, s, g, null);
    const slot = this.#layout.slots[s]!;
    this.a[k * this.#layout.width + slot.at + 1] = slot.real ? REAL_DONE : INT_DONE;
    const st = this.#states(g)[slot.agg]!;
    st.n++;
    addNumber(this.#aggs[slot.agg]!, st, v);
  }

  /** At the end of the input: the rows and accumulated values of every key below `end` into its group. */
  fold(group: (k: number) => GroupState, end: number): void {
    const a = this.a;
    const w = this.#layout.width;
    const to = Math.min(end, this.cap);
    for (let k = 0; k < to; k++) {
      if (a[k * w]! === 0) continue;
      this.take(k, group(k), null);
    }
  }

  /**
   * Key k's rows and accumulated values into group g (into `states` when given: a slotted
   * group's states made only to finish it, kept by nobody).
   */
  take(k: number, g: GroupState, states: AggState[] | null): void {
    const a = this.a;
    const w = this.#layout.width;
    const rows = a[k * w]!;
    if (rows === 0) return;
    g.rows = small(g.rows + rows);
    a[k * w] = 0;
    const ns = this.#layout.slots.length;
    for (let s = 0; s < ns; s++) this.#flush(k, s, g, states);
  }
}

/**
 * An integral number read from a Float64Array as a small integer when it is one: a double stored
 * into a field that held small integers would generalize the field (see aggregates.ts).
 */
function small(x: number): number {
  return x === (x | 0) && (x !== 0 || 1 / x > 0) ? x | 0 : x;
}

export interface StepPlan {
  /** Steps of the aggregates that need one per row, and the index of each one's state. */
  readonly steps: readonly AggStep[];
  readonly at: readonly number[];
  /** Aggregates that are plain count(*): finished from the group's row count. */
  readonly counted: readonly number[];
}

/** Input rows a plan aggregates through the shared loop before its own loop is generated. */
let generateAfter = 8192;

/** Tests set this to 0 to run every aggregation through generated code; returns the old value. */
export function setGenerateAfter(rows: number): number {
  const old = generateAfter;
  generateAfter = rows;
  return old;
}

export function rowsBeforeGenerating(): number {
  return generateAfter;
}

let made = 0;

/** Loops generated so far (tests check that a query took one). */
export function generatedLoops(): number {
  return made;
}

/** Any UTF-16 surrogate (length() counts code points; without one they are the string's length). */
const SURROGATE = /[\ud800-\udfff]/;

/**
 * The loop for a plan with no or one group key; null for more keys (they stay on the shared
 * loop, whose row-key building dominates anyway).
 */
export function generateConsume<G extends GroupState>(
  keys: readonly Eval[],
  forms: readonly KeyForm[],
  aggs: readonly AggSpec[],
  plan: StepPlan,
  denseKeys: number,
  params: readonly SqlValue[],
): Generated<G> | null {
  if (keys.length > 1 || forms.length !== keys.length) return null;
  const consts: unknown[] = [];
  // Constants are copied into locals of the factory so the loop reads them as context slots.
  const locals: string[] = [];
  const local = (v: unknown): string => {
    consts.push(v);
    const name = `c${locals.length}`;
    locals.push(`const ${name} = C[${consts.length - 1}];`);
    return name;
  };
  const surrogate = local(SURROGATE);
  const columnsOf = local(leafColumns);
  const addNum = local(addNumber);
  // Columns read from the leaves' kept values (fetched once per leaf): numbers, text lengths.
  const numberSlots = new Set<number>();
  const lengthSlots = new Set<number>();
  /** The row, loaded at the first read that needs it (kept values may make it unnecessary). */
  const flatRowOf = local(flatRowAt);
  const load = `(W === 0 ? (Array.isArray(e) ? e : sink.row(e)) : ${flatRowOf}(rows, i, W))`;
  const row = `(r ?? (r = ${load}))`;
  const number = (slot: number): string => {
    numberSlots.add(slot);
    return `{ const q = hit ? K${slot}[i] : NaN; x = q === q ? q : ${row}[${slot}]; }`;
  };
  /** Statements that set `v` to the expression's value: its fast path inline, else its closure. */
  const value = (v: string, slot: number | undefined, shape: ExprShape | undefined, closure: Eval, numeric: boolean): string => {
    const call = `${local(closure)}(${row}, f)`;
    if (slot !== undefined) return numeric ? `{ let x; ${number(slot)} ${v} = x; }` : `${v} = ${row}[${slot}];`;
    if (shape === undefined) return `${v} = ${call};`;
    if (shape.kind === 'length') {
      const s = shape.slot;
      lengthSlots.add(s);
      return (
        `{ const q = hit ? N${s}[i] : ${NULL_LENGTH - 1}; ` +
        `if (q >= 0) ${v} = q; else if (q === ${NULL_LENGTH}) ${v} = null; ` +
        `else { const x = ${row}[${s}]; ${v} = typeof x === 'string' && !${surrogate}.test(x) ? x.length : ${call}; } }`
      );
    }
    // column-op: the test and arithmetic of columnOpOperand (expr-ops.ts), on the column's value.
    const y = shape.param !== undefined ? `P[${shape.param}]` : `(${String(shape.constant)})`;
    const head = `{ let x; ${number(shape.slot)} const y = ${y}; `;
    if (shape.op === '%') {
      const general = `if (typeof x === 'number' && typeof y === 'number' && y !== 0 && Number.isSafeInteger(y)) ${v} = (x % y) + 0; else ${v} = ${call}; }`;
      // A literal lifted to a parameter: the value it had when the loop was made, as a constant
      // (a remainder by a constant is a multiplication, by a variable a division), guarded by an
      // equality test so another value takes the general path. An int32 operand (the kept
      // values are doubles) keeps the remainder in integer arithmetic.
      const now = shape.param !== undefined ? params[shape.param] : shape.constant;
      if (typeof now === 'number' && Number.isSafeInteger(now) && now !== 0 && Math.abs(now) < 2 ** 31) {
        return head + `if (typeof x === 'number' && y === ${now}) { const xi = x | 0; ${v} = (xi === x ? xi % ${now} : x % ${now}) + 0; } else ` + general;
      }
      return head + general;
    }
    const sign = shape.op === '+' ? 1 : -1;
    return (
      head +
      `let s = NaN; if (typeof x === 'number' && typeof y === 'number' && Number.isSafeInteger(y)) s = x + ${sign} * y; ` +
      `${v} = Number.isSafeInteger(s) ? s : ${call}; }`
    );
  };

  // The typed path (small integer keys, the one group, and every key of a slotted loop) and the
  // object path (other keys otherwise).
  // Typed lines name the key's accumulator index @K and its group @G (filled in per branch below).
  const typed: string[] = [];
  const object: string[] = ['g.rows++;', 'const st = g.st;'];
  const group = '@G';
  let slotted = true;
  const slots: { agg: number; at: number; sum: boolean; real: boolean }[] = [];
  let width = 1;
  for (let i = 0; i < plan.steps.length; i++) {
    const j = plan.at[i]!;
    const a = aggs[j]!;
    const inline = !a.star && !a.distinct && a.filter === undefined && a.sep === undefined && a.arg !== null;
    if (!inline || (a.name !== 'count' && a.name !== 'sum' && a.name !== 'avg' && a.name !== 'total')) {
      const step = local(plan.steps[i]!);
      slotted = false;
      typed.push(`${step}(${group}.st[${j}], ${row}, f);`);
      object.push(`${step}(st[${j}], ${row}, f);`);
      continue;
    }
    const v = `v${j}`;
    const read = value(v, a.argSlot, a.argShape, a.arg!, isNumericType(a.argType));
    const sum = a.name !== 'count';
    const real = a.argType === 'real';
    const at = width;
    const s = slots.length;
    slots.push({ agg: j, at, sum, real });
    width += sum ? 2 : 1;
    typed.push(`let ${v};`, read);
    object.push(`let ${v};`, read);
    if (!sum) {
      typed.push(`if (${v} !== null) A[b + ${at}]++;`);
      object.push(`if (${v} !== null) st[${j}].n++;`);
      continue;
    }
    // (-0 is left to the group's state: alone, it sums to -0 there, and to 0 here.)
    const takes = real
      ? `typeof ${v} === 'number' && t === t`
      : `typeof ${v} === 'number' && (${v} | 0) === ${v} && (${v} !== 0 || 1 / ${v} > 0) && t <= ${INT_SUM_BOUND} && t >= -${INT_SUM_BOUND}`;
    typed.push(
      `if (${v} !== null) {`,
      `  const t = A[b + ${at + 1}];`,
      `  if (${takes}) {`,
      `    A[b + ${at}]++;`,
      `    A[b + ${at + 1}] = t + ${v};`,
      `  } else acc.slow(@K, ${s}, ${group}, ${v});`,
      '}',
    );
    // The sum step of aggregates.ts (plainStep), with addNumber for everything past its fast path.
    const spec = local(a);
    object.push(`if (${v} !== null) {`, `  const s = st[${j}];`, '  s.n++;');
    if (real) {
      object.push(`  if (typeof ${v} === 'number') s.f += ${v};`, `  else ${addNum}(${spec}, s, ${v});`);
    } else {
      object.push(
        `  const c = s.v;`,
        `  if (typeof ${v} === 'number' && s.f === 0 && (c === null || typeof c === 'number')) {`,
        `    const t = c === null ? ${v} : c + ${v};`,
        `    if (Number.isSafeInteger(${v}) && Number.isSafeInteger(t)) s.v = t;`,
        `    else ${addNum}(${spec}, s, ${v});`,
        `  } else ${addNum}(${spec}, s, ${v});`,
      );
    }
    object.push('}');
  }

  // (Keys with no accumulated aggregate keep the object path: a slot would only add a count.)
  slotted = slotted && keys.length === 1 && slots.length > 0;
  const body: string[] = [];
  const typedFor = (k: string, g: string): string[] => typed.map((l) => l.replaceAll('@K', k).replaceAll('@G', g));
  if (keys.length === 0) {
    body.push('const k = 0;', 'const b = 0;', 'A[0]++;', ...typedFor('k', 'only'));
  } else {
    const form = forms[0]!;
    // The accumulators grown to hold slot d, and b its first number.
    const at = (d: string): string[] => [`  if (${d} >= cap) {`, `    acc.grow(${d});`, '    A = acc.a;', '    cap = acc.cap;', '  }', `  const b = ${d} * ${width};`];
    body.push(
      'let k;',
      value('k', form.slot, form.shape, keys[0]!, isNumericType(form.type)),
      `if (typeof k === 'number' && k >= 0 && k < ${denseKeys} && (k | 0) === k) {`,
      ...at('k'),
      // A key's first row makes its group (groups come out in order of first appearance).
      '  if (A[b]++ === 0) sink.dense(k);',
      ...typedFor('k', 'dense[k]').map((l) => '  ' + l),
      '} else {',
      '  const g = sink.keyed(k);',
      ...(slotted
        ? [
            // Any other key: the accumulators too, at the slot keyed() gave its group.
            '  const d = g.slot;',
            ...at('d'),
            '  A[b]++;',
            ...typedFor('d', 'g').map((l) => '  ' + l),
          ]
        : object.map((l) => '  ' + l)),
      '}',
    );
  }
  const kept = numberSlots.size + lengthSlots.size > 0;
  const prelude = [
    '    const W = runs.width[run];',
    kept ? `    const LC = inLeaf ? ${columnsOf}(rows, W) : null;` : '    const LC = null;',
    ...[...numberSlots].map((s) => `    const K${s} = LC === null ? null : LC.numbers(${s});`),
    ...[...lengthSlots].map((s) => `    const N${s} = LC === null ? null : LC.lengths(${s});`),
  ];
  const src = [
    '"use strict";',
    ...locals,
    'return function aggregateLoop(runs, f, dense, sink, only, acc) {',
    '  const P = f.params;',
    '  let A = acc.a;',
    '  let cap = acc.cap;',
    '  const inLeaf = runs.inLeaf;',
    '  for (let run = 0; run < runs.count; run++) {',
    '    const rows = runs.rows[run];',
    '    const from = runs.from[run];',
    '    const to = runs.to[run];',
    ...prelude,
    '    for (let i = from; i < to; i++) {',
    '      const e = W === 0 ? rows[i] : null;',
    // In a leaf, values come from its kept columns; a row is loaded only when one is missing.
    '      const hit = LC !== null;',
    `      let r = hit ? null : ${load};`,
    ...body.map((l) => '      ' + l),
    '    }',
    '  }',
    '};',
  ].join('\n');
  const fn = new Function('C', src)(consts) as Consume<G>;
  made++;
  return { fn, layout: { width, slots }, slotted };
}
