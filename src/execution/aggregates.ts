// Aggregate functions: specs produced by the compiler, per-group accumulators driven by the
// aggregation operator. Accumulators are plain objects updated in place (no per-row allocation).
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ColumnType, SqlValue } from '../storage/ports.js';
import type { Eval, Frame } from './runtime.js';
import type { ExprShape } from './expr-shape.js';
import type { Row } from '../storage/ports.js';
import { compareNonNull, groupKey, isIntegerType, textOf, toNumber, truth } from './values.js';
import { elementOf, jsonOut, type Json } from './json-values.js';

export type AggName =
  | 'count'
  | 'sum'
  | 'avg'
  | 'min'
  | 'max'
  | 'total'
  | 'bool_and'
  | 'bool_or'
  | 'every'
  | 'string_agg'
  | JsonAggName
  | VarianceName
  | OrderedSetName;

/** Ordered-set aggregates: `name(fraction) WITHIN GROUP (ORDER BY x)`, and mode() WITHIN GROUP. */
type OrderedSetName = 'percentile_cont' | 'percentile_disc' | 'mode';

export function isOrderedSet(name: string): name is OrderedSetName {
  return name === 'percentile_cont' || name === 'percentile_disc' || name === 'mode';
}

/** Aggregates into a JSON array (of every value, NULLs too) or object (of key / value pairs). */
type JsonAggName = 'json_agg' | 'jsonb_agg' | 'json_object_agg' | 'jsonb_object_agg';

export function isJsonAgg(name: string): name is JsonAggName {
  return name === 'json_agg' || name === 'jsonb_agg' || name === 'json_object_agg' || name === 'jsonb_object_agg';
}

/** The sample (n - 1) and population (n) variances and standard deviations (stddev, variance: sample). */
type VarianceName = 'variance' | 'var_samp' | 'var_pop' | 'stddev' | 'stddev_samp' | 'stddev_pop';

export interface AggSpec {
  readonly name: AggName;
  /** count(*): counts rows, no argument. */
  readonly star: boolean;
  readonly arg: Eval | null;
  /** Set when the argument is a plain column read of this slot. */
  readonly argSlot?: number;
  /** Set when generated code may inline the argument (agg-codegen.ts). */
  readonly argShape?: ExprShape;
  readonly distinct: boolean;
  readonly argType: ColumnType;
  readonly type: ColumnType;
  /** FILTER (WHERE ...): rows for which it is not true are skipped. */
  readonly filter?: Eval;
  /** string_agg: the separator, evaluated per row; json[b]_object_agg: the value. */
  readonly sep?: Eval | null;
  /** json[b]_object_agg: the value's type. */
  readonly sepType?: ColumnType;
  /** percentile_cont / percentile_disc: the fraction (taken from the group's first row). */
  readonly fraction?: Eval;
  /** string_agg(... ORDER BY ...): sort keys evaluated per row, with directions. */
  readonly order?: readonly { readonly ev: Eval; readonly desc: boolean; readonly nullsFirst: boolean }[];
}

export interface AggState {
  n: number;
  v: SqlValue;
  /** Float sum kept apart so int sums stay exact. */
  f: number;
  seen: Set<string | number> | null;
  /**
   * DISTINCT over non-negative integers below BITSET_LIMIT: one bit per value seen (the Set's
   * hashing and growth were ~3/4 of count(DISTINCT k) over 100k rows).
   */
  bits: Uint32Array | null;
  /** string_agg with ORDER BY: [value, separator, ...keys] per input row. */
  list: SqlValue[][] | null;
}

export const AGG_NAMES: ReadonlySet<string> = new Set([
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'total',
  'bool_and',
  'bool_or',
  'every',
  'string_agg',
  'json_agg',
  'jsonb_agg',
  'json_object_agg',
  'jsonb_object_agg',
  'variance',
  'var_samp',
  'var_pop',
  'stddev',
  'stddev_samp',
  'stddev_pop',
  'percentile_cont',
  'percentile_disc',
  'mode',
]);

/** Aggregates of numbers only (text is 42883, as for sum and avg). */
export function numericOnly(name: string): boolean {
  return isVariance(name as AggName);
}

function isVariance(name: AggName): name is VarianceName {
  return name === 'variance' || name === 'var_samp' || name === 'var_pop' || name === 'stddev' || name === 'stddev_samp' || name === 'stddev_pop';
}

export function aggResultType(name: AggName, argType: ColumnType): ColumnType {
  switch (name) {
    case 'count':
      return 'bigint';
    case 'sum':
      if (isIntegerType(argType)) return 'bigint';
      return argType === 'any' ? 'any' : argType === 'numeric' ? 'numeric' : 'real';
    case 'avg':
    case 'variance':
    case 'var_samp':
    case 'var_pop':
    case 'stddev':
    case 'stddev_samp':
    case 'stddev_pop':
      if (isIntegerType(argType) || argType === 'numeric') return 'numeric';
      return argType === 'any' ? 'any' : 'real';
    case 'total':
    case 'percentile_cont':
      return 'real';
    case 'bool_and':
    case 'bool_or':
    case 'every':
      return 'boolean';
    case 'string_agg':
      return 'text';
    case 'json_agg':
    case 'json_object_agg':
      return 'json';
    case 'jsonb_agg':
    case 'jsonb_object_agg':
      return 'jsonb';
    default:
      return argType;
  }
}

export function newState(spec: AggSpec): AggState {
  return { n: 0, v: null, f: 0, seen: spec.distinct ? new Set() : null, bits: null, list: spec.order !== undefined && spec.order.length > 0 ? [] : null };
}

// V8 tracks what each field of an AggState has held (small integers, floats, objects...); a field
// that first meets another kind in the middle of a run generalizes the shape of every state,
// which throws away the optimized code that relied on it (measured: the next execution of a
// generated aggregation loop ran unoptimized). One state given every kind up front settles them.
{
  const st = newState({ distinct: true, order: [{}] } as unknown as AggSpec);
  st.v = 1;
  st.v = 0.5;
  st.v = 1n;
  st.v = 'x';
  st.f = 0.5;
  st.seen = null;
  st.bits = new Uint32Array(1);
  st.bits = null;
  st.list = null;
}

/** Integers from 0 below this are DISTINCT through a bitset (at most 2 MB of it). */
const BITSET_LIMIT = 1 << 24;

/** Whether a DISTINCT value is new to the state (and notes it). */
function firstSeen(st: AggState, value: SqlValue): boolean {
  let x = value;
  // A bigint equal to a number is the same value (distinctKey agrees).
  if (typeof x === 'bigint' && x >= 0n && x < BigInt(BITSET_LIMIT)) x = Number(x);
  if (typeof x === 'number' && x >= 0 && x < BITSET_LIMIT && (x | 0) === x) {
    const w = x >>> 5;
    let bits = st.bits;
    if (bits === null || w >= bits.length) {
      let n = bits === null ? 64 : bits.length;
      while (n <= w) n *= 2;
      const grown = new Uint32Array(n);
      if (bits !== null) grown.set(bits);
      bits = st.bits = grown;
    }
    const m = 1 << (x & 31);
    const word = bits[w]!;
    if ((word & m) !== 0) return false;
    bits[w] = word | m;
    return true;
  }
  const k = distinctKey(value);
  if (st.seen!.has(k)) return false;
  st.seen!.add(k);
  return true;
}

function addExact(a: SqlValue, b: number | bigint): number | bigint {
  if (a === null) return b;
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  const s = BigInt(a as number | bigint) + BigInt(b);
  return s >= -9007199254740991n && s <= 9007199254740991n ? Number(s) : s;
}

/**
 * The key DISTINCT compares a value by: a number as itself (a Set hashes it without making a
 * string; 0 and -0, NaN and NaN are one key, as SQL has them), a bigint in the safe range as the
 * number it equals, anything else as its group key.
 */
function distinctKey(v: SqlValue): string | number {
  if (typeof v === 'number') return v === 0 ? 0 : v;
  if (typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  return groupKey(v);
}

/** sum/avg/total: integers stay exact (number, then bigint) until a non-integer arrives. */
export function addNumber(spec: AggSpec, st: AggState, value: SqlValue): void {
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value) && st.f === 0 && spec.argType !== 'real')) {
    if (typeof st.v !== 'number' && typeof st.v !== 'bigint' && st.v !== null) st.v = null;
    st.v = addExact(st.v, value as number | bigint);
  } else {
    st.f += toNumber(value);
  }
}

export function accumulate(spec: AggSpec, st: AggState, value: SqlValue, sep: SqlValue = null, keys: SqlValue[] | null = null): void {
  if (spec.star) {
    st.n++;
    return;
  }
  if (value === null) return;
  if (st.seen !== null && !firstSeen(st, value)) return;
  st.n++;
  switch (spec.name) {
    case 'count':
      return;
    case 'sum':
    case 'avg':
    case 'total':
      addNumber(spec, st, value);
      return;
    case 'min':
      if (st.v === null || compareNonNull(value, st.v) < 0) st.v = value;
      return;
    case 'max':
      if (st.v === null || compareNonNull(value, st.v) > 0) st.v = value;
      return;
    case 'bool_and':
    case 'every':
      st.v = st.v === null ? value === true : st.v === true && value === true;
      return;
    case 'bool_or':
      st.v = st.v === true || value === true;
      return;
    case 'variance':
    case 'var_samp':
    case 'var_pop':
    case 'stddev':
    case 'stddev_samp':
    case 'stddev_pop': {
      // Welford's running mean (f) and sum of squared deviations (v): no cancellation as the
      // sum of squares minus the squared sum has.
      const x = toNumber(value);
      const m2 = (st.v as number | null) ?? 0;
      const d = x - st.f;
      st.f += d / st.n;
      st.v = m2 + d * (x - st.f);
      return;
    }
    case 'string_agg': {
      const text = textOf(value);
      if (st.list !== null) {
        st.list.push([text, sep, ...(keys ?? [])]);
        return;
      }
      st.v = st.v === null ? text : (st.v as string) + (sep === null ? '' : textOf(sep)) + text;
      return;
    }
  }
}

/** One aggregate's work for one input row: FILTER, argument, accumulation. */
export type AggStep = (st: AggState, row: Row, f: Frame) => void;

/**
 * The per-row step of an aggregate, chosen once per plan so the common cases (count, sum, avg
 * of numbers) run without the general dispatch of accumulate().
 */
export function aggStep(spec: AggSpec): AggStep {
  const step = plainStep(spec);
  const filter = spec.filter;
  if (filter === undefined) return step;
  return (st, r, f) => {
    if (truth(filter(r, f)) === true) step(st, r, f);
  };
}

function plainStep(spec: AggSpec): AggStep {
  if (spec.star) {
    return (st) => {
      st.n++;
    };
  }
  const arg = spec.arg!;
  if (isOrderedSet(spec.name)) {
    // The group's values, sorted at the end; the fraction once per group (st.f; NaN for NULL).
    const fraction = spec.fraction;
    return (st, r, f) => {
      const v = arg(r, f);
      if (v === null) return;
      if (st.n++ === 0 && fraction !== undefined) {
        const fv = fraction(r, f);
        st.f = fv === null ? NaN : toNumber(fv);
      }
      (st.list ??= []).push([v]);
    };
  }
  if (isJsonAgg(spec.name)) return jsonAggStep(spec, arg);
  if (spec.sep !== undefined) {
    const sep = spec.sep;
    const order = spec.order;
    return (st, r, f) => {
      const keys = order === undefined || order.length === 0 ? null : order.map((o) => o.ev(r, f));
      accumulate(spec, st, arg(r, f), sep === null ? null : sep(r, f), keys);
    };
  }
  if (spec.distinct) return (st, r, f) => accumulate(spec, st, arg(r, f));
  const slot = spec.argSlot;
  switch (spec.name) {
    case 'count':
      if (slot !== undefined) {
        return (st, r) => {
          if (r[slot] !== null) st.n++;
        };
      }
      return (st, r, f) => {
        if (arg(r, f) !== null) st.n++;
      };
    case 'sum':
    case 'avg':
    case 'total': {
      const exactInts = spec.argType !== 'real';
      return (st, r, f) => {
        const v = slot !== undefined ? r[slot]! : arg(r, f);
        if (v === null) return;
        st.n++;
        if (typeof v === 'number' && !exactInts) {
          // A REAL argument: a float sum.
          st.f += v;
          return;
        }
        // Small integers into a small integer sum: the common case, without a call.
        if (typeof v === 'number' && st.f === 0) {
          const cur = st.v;
          if (cur === null && Number.isSafeInteger(v)) {
            st.v = v;
            return;
          }
          if (typeof cur === 'number' && Number.isSafeInteger(v)) {
            const s = cur + v;
            if (Number.isSafeInteger(s)) {
              st.v = s;
              return;
            }
          }
        }
        addNumber(spec, st, v);
      };
    }
    default:
      return (st, r, f) => accumulate(spec, st, arg(r, f));
  }
}

/** json[b]_agg keeps every value (NULL too); json[b]_object_agg each key (never NULL) and value. */
function jsonAggStep(spec: AggSpec, arg: Eval): AggStep {
  const value = spec.sep ?? null;
  if (spec.name === 'json_agg' || spec.name === 'jsonb_agg') {
    return (st, r, f) => {
      st.n++;
      (st.list ??= []).push([arg(r, f)]);
    };
  }
  return (st, r, f) => {
    const k = arg(r, f);
    if (k === null) throw new DispatcherError(SqlState.NullValueNotAllowed, 'field name must not be null');
    st.n++;
    (st.list ??= []).push([textOf(k), value === null ? null : value(r, f)]);
  };
}

/** The JSON text of a group's collected values (NULL for a group with none). */
function jsonAggResult(spec: AggSpec, list: SqlValue[][] | null): SqlValue {
  if (list === null || list.length === 0) return null;
  if (spec.name === 'json_agg' || spec.name === 'jsonb_agg') return jsonOut(list.map((x) => elementOf(x[0]!, spec.argType)), spec.type);
  const o = Object.create(null) as { [key: string]: Json };
  const vt = spec.sepType ?? 'any';
  for (const [k, v] of list) o[k as string] = elementOf(v!, vt);
  return jsonOut(o, spec.type);
}

function orderedStringAgg(spec: AggSpec, list: SqlValue[][]): SqlValue {
  if (list.length === 0) return null;
  const order = spec.order!;
  list.sort((a, b) => {
    for (let i = 0; i < order.length; i++) {
      const o = order[i]!;
      const x = a[i + 2]!;
      const y = b[i + 2]!;
      if (x === null || y === null) {
        if (x === y) continue;
        return (x === null) === o.nullsFirst ? -1 : 1;
      }
      const c = compareNonNull(x, y);
      if (c !== 0) return o.desc ? -c : c;
    }
    return 0;
  });
  let s = list[0]![0] as string;
  for (let i = 1; i < list.length; i++) s += (list[i]![1] === null ? '' : textOf(list[i]![1]!)) + (list[i]![0] as string);
  return s;
}

export function finish(spec: AggSpec, st: AggState): SqlValue {
  switch (spec.name) {
    case 'count':
      return st.n;
    case 'sum': {
      if (st.n === 0) return null;
      if (st.f === 0 && st.v !== null && spec.type !== 'real' && spec.type !== 'numeric') return st.v;
      return (st.v === null ? 0 : Number(st.v)) + st.f;
    }
    case 'total':
      return (st.v === null ? 0 : Number(st.v)) + st.f;
    case 'avg': {
      if (st.n === 0) return null;
      return ((st.v === null ? 0 : Number(st.v)) + st.f) / st.n;
    }
    case 'string_agg':
      return st.list !== null ? orderedStringAgg(spec, st.list) : st.v;
    case 'json_agg':
    case 'jsonb_agg':
    case 'json_object_agg':
    case 'jsonb_object_agg':
      return jsonAggResult(spec, st.list);
    default:
      if (isVariance(spec.name)) return spread(spec.name, st);
      if (isOrderedSet(spec.name)) return orderedSet(spec, st);
      return st.v;
  }
}

/** percentile_cont / percentile_disc / mode over a group's collected values. */
function orderedSet(spec: AggSpec, st: AggState): SqlValue {
  const list = st.list;
  if (list === null || list.length === 0 || Number.isNaN(st.f)) return null;
  const desc = spec.order?.[0]?.desc === true;
  const vals = list.map((x) => x[0]!).sort((a, b) => (desc ? compareNonNull(b, a) : compareNonNull(a, b)));
  if (spec.name === 'mode') {
    // The most frequent value; among equally frequent ones the first in the order.
    let best = vals[0]!;
    let bestRun = 0;
    for (let i = 0; i < vals.length; ) {
      let j = i + 1;
      while (j < vals.length && compareNonNull(vals[j]!, vals[i]!) === 0) j++;
      if (j - i > bestRun) {
        bestRun = j - i;
        best = vals[i]!;
      }
      i = j;
    }
    return best;
  }
  const p = st.f;
  if (p < 0 || p > 1) throw new DispatcherError(SqlState.NumericOutOfRange, `percentile value ${p} is not between 0 and 1`);
  if (spec.name === 'percentile_disc') return vals[Math.max(0, Math.ceil(p * vals.length) - 1)]!;
  const pos = p * (vals.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = toNumber(vals[lo]!);
  return lo === hi ? a : a + (toNumber(vals[hi]!) - a) * (pos - lo);
}

/** A variance or standard deviation from Welford's state: NULL without enough values. */
function spread(name: VarianceName, st: AggState): SqlValue {
  const pop = name === 'var_pop' || name === 'stddev_pop';
  const n = pop ? st.n : st.n - 1;
  if (n <= 0) return null;
  const m2 = Math.max(0, (st.v as number | null) ?? 0);
  const v = m2 / n;
  return name.startsWith('stddev') ? Math.sqrt(v) : v;
}

export function checkAggArgs(name: string, n: number): void {
  if (n !== 1) {
    throw new DispatcherError(SqlState.UndefinedFunction, `function ${name} with ${n} arguments does not exist`);
  }
}
