// Aggregate functions: specs produced by the compiler, per-group accumulators driven by the
// aggregation operator. Accumulators are plain objects updated in place (no per-row allocation).
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ColumnType, SqlValue } from '../storage/ports.js';
import type { Eval } from './runtime.js';
import { compareNonNull, groupKey, isIntegerType, toNumber } from './values.js';

export type AggName = 'count' | 'sum' | 'avg' | 'min' | 'max' | 'total' | 'bool_and' | 'bool_or' | 'every';

export interface AggSpec {
  readonly name: AggName;
  /** count(*): counts rows, no argument. */
  readonly star: boolean;
  readonly arg: Eval | null;
  readonly distinct: boolean;
  readonly argType: ColumnType;
  readonly type: ColumnType;
}

export interface AggState {
  n: number;
  v: SqlValue;
  /** Float sum kept apart so int sums stay exact. */
  f: number;
  seen: Set<string> | null;
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
]);

export function aggResultType(name: AggName, argType: ColumnType): ColumnType {
  switch (name) {
    case 'count':
      return 'bigint';
    case 'sum':
      if (isIntegerType(argType)) return 'bigint';
      return argType === 'any' ? 'any' : argType === 'numeric' ? 'numeric' : 'real';
    case 'avg':
      if (isIntegerType(argType) || argType === 'numeric') return 'numeric';
      return argType === 'any' ? 'any' : 'real';
    case 'total':
      return 'real';
    case 'bool_and':
    case 'bool_or':
    case 'every':
      return 'boolean';
    default:
      return argType;
  }
}

export function newState(spec: AggSpec): AggState {
  return { n: 0, v: null, f: 0, seen: spec.distinct ? new Set() : null };
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

export function accumulate(spec: AggSpec, st: AggState, value: SqlValue): void {
  if (spec.star) {
    st.n++;
    return;
  }
  if (value === null) return;
  if (st.seen !== null) {
    const k = groupKey(value);
    if (st.seen.has(k)) return;
    st.seen.add(k);
  }
  st.n++;
  switch (spec.name) {
    case 'count':
      return;
    case 'sum':
    case 'avg':
    case 'total':
      if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value) && st.f === 0 && spec.argType !== 'real')) {
        if (typeof st.v !== 'number' && typeof st.v !== 'bigint' && st.v !== null) st.v = null;
        st.v = addExact(st.v, value as number | bigint);
      } else {
        st.f += toNumber(value);
      }
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
  }
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
    default:
      return st.v;
  }
}

export function checkAggArgs(name: string, n: number): void {
  if (n !== 1) {
    throw new DispatcherError(SqlState.UndefinedFunction, `function ${name} with ${n} arguments does not exist`);
  }
}
