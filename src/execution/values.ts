// Value semantics shared by every operator: ordering, 64-bit integer arithmetic with overflow
// checks, casts between the engine's types, and grouping keys. Kept free of AST knowledge.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ColumnType, SqlValue } from '../storage/ports.js';
import { toDate, toTimestamp } from './datetime.js';
import { castJson } from './json-values.js';
import { compareValues } from '../storage/key-order.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function err(state: string, message: string): DispatcherError {
  return new DispatcherError(state, message);
}

export function isIntegerType(t: ColumnType): boolean {
  return t === 'integer' || t === 'bigint';
}

export function isNumericType(t: ColumnType): boolean {
  return t === 'integer' || t === 'bigint' || t === 'real' || t === 'numeric';
}

/** True for a runtime value that is an integer (a bigint, or a number without fraction). */
export function isIntValue(v: SqlValue): boolean {
  return typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));
}

/** Narrows a bigint to a number when it is safe, raising 22003 outside int64. */
export function normBig(x: bigint): number | bigint {
  if (x < INT64_MIN || x > INT64_MAX) throw err(SqlState.NumericOutOfRange, 'bigint out of range');
  if (x >= -9007199254740991n && x <= 9007199254740991n) return Number(x);
  return x;
}

function big(v: number | bigint): bigint {
  if (typeof v === 'bigint') return v;
  if (Number.isInteger(v)) return BigInt(v);
  // A value the static type did not foresee (a text or real parameter under an integer-typed
  // CASE) is cast as PostgreSQL casts it at bind time: 22P02 / 22003, not a TypeError.
  const c = castValue(v as SqlValue, 'bigint');
  if (typeof c === 'bigint') return c;
  if (typeof c === 'number') return BigInt(c);
  throw err(SqlState.DatatypeMismatch, 'integer operator applied to a non-numeric value');
}

export function intAdd(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  return normBig(big(a) + big(b));
}

export function intSub(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (Number.isSafeInteger(r)) return r;
  }
  return normBig(big(a) - big(b));
}

export function intMul(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a * b;
    if (Number.isSafeInteger(r)) return r;
  }
  return normBig(big(a) * big(b));
}

export function intDiv(a: number | bigint, b: number | bigint): number | bigint {
  if (b === 0 || b === 0n) throw err(SqlState.DivisionByZero, 'division by zero');
  // Float division is exact enough below 2^31; beyond, bigint keeps truncation right.
  if (typeof a === 'number' && typeof b === 'number' && Math.abs(a) < 2147483648) {
    return Math.trunc(a / b) + 0;
  }
  const d = big(b);
  if (d === 0n) throw err(SqlState.DivisionByZero, 'division by zero');
  return normBig(big(a) / d);
}

export function intMod(a: number | bigint, b: number | bigint): number | bigint {
  if (b === 0 || b === 0n) throw err(SqlState.DivisionByZero, 'division by zero');
  if (typeof a === 'number' && typeof b === 'number') return (a % b) + 0;
  const d = big(b);
  if (d === 0n) throw err(SqlState.DivisionByZero, 'division by zero');
  return normBig(big(a) % d);
}

export function checkFloat(r: number): number {
  if (!Number.isFinite(r)) throw err(SqlState.NumericOutOfRange, 'value out of range: overflow');
  return r;
}

export function toNumber(v: SqlValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') return castText(v, 'real') as number;
  throw err(SqlState.DatatypeMismatch, 'cannot use a bytea value as a number');
}

function typeRank(v: SqlValue): number {
  switch (typeof v) {
    case 'boolean':
      return 1;
    case 'number':
    case 'bigint':
      return 2;
    case 'string':
      return 3;
    default:
      return 4;
  }
}

/** Orders two non-null values; numbers and bigints compare numerically, text by code unit. */
export function compareNonNull(a: SqlValue, b: SqlValue): number {
  const ta = typeof a;
  if (ta === typeof b || (ta === 'number' && typeof b === 'bigint') || (ta === 'bigint' && typeof b === 'number')) {
    if (a instanceof Uint8Array) return compareBytes(a, b as Uint8Array);
    // Text orders by code point, as the storage key order does.
    if (ta === 'string') return compareValues(a, b);
    return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  }
  // Text against a number: try the text as a number (an untyped literal compared with a column).
  if (ta === 'string' && (typeof b === 'number' || typeof b === 'bigint')) {
    const n = Number((a as string).trim());
    if (!Number.isNaN(n) && (a as string).trim() !== '') return n < b ? -1 : n > b ? 1 : 0;
  }
  if ((ta === 'number' || ta === 'bigint') && typeof b === 'string') {
    const n = Number(b.trim());
    if (!Number.isNaN(n) && b.trim() !== '') return (a as number) < n ? -1 : (a as number) > n ? 1 : 0;
  }
  return typeRank(a) - typeRank(b);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Sort order with NULL as larger than everything (PostgreSQL's default). */
export function compareNullsLast(a: SqlValue, b: SqlValue): number {
  if (a === null) return b === null ? 0 : 1;
  if (b === null) return -1;
  return compareNonNull(a, b);
}

export function valuesEqual(a: SqlValue, b: SqlValue): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  return compareNonNull(a, b) === 0;
}

/** A string that is equal for values that group together (1 and 1.0 alike). */
export function groupKey(v: SqlValue): string {
  switch (typeof v) {
    case 'number':
      return 'n' + (Object.is(v, -0) ? 0 : v);
    case 'bigint':
      return 'n' + v.toString();
    case 'string':
      return 's' + v;
    case 'boolean':
      return v ? 'T' : 'F';
    case 'object':
      if (v === null) return 'N';
      return 'x' + Buffer.from(v).toString('hex');
    default:
      return '?';
  }
}

export function rowKey(row: readonly SqlValue[], n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const k = groupKey(row[i]!);
    s += k.length + ':' + k;
  }
  return s;
}

/** Whether a declared type is one of PostgreSQL's auto-numbering SERIAL types. */
export function isSerialType(name: string): boolean {
  return /^\s*(small|big)?serial[248]?\s*$/i.test(name);
}

/** Maps a declared SQL type name to the engine's ColumnType. */
export function columnTypeOf(name: string): ColumnType {
  const n = name.toLowerCase().replace(/\s*\(.*\)\s*$/, '').trim();
  switch (n) {
    case 'int':
    case 'integer':
    case 'int4':
    case 'smallint':
    case 'int2':
    case 'tinyint':
    case 'mediumint':
    case 'serial':
    case 'serial4':
    case 'smallserial':
    case 'serial2':
      return 'integer';
    case 'bigint':
    case 'int8':
    case 'bigserial':
    case 'serial8':
      return 'bigint';
    case 'real':
    case 'float':
    case 'float4':
    case 'float8':
    case 'double':
    case 'double precision':
      return 'real';
    case 'numeric':
    case 'decimal':
      return 'numeric';
    case 'text':
    case 'varchar':
    case 'char':
    case 'character':
    case 'character varying':
    case 'string':
    case 'clob':
    case 'nvarchar':
    case 'nchar':
      return 'text';
    case 'bool':
    case 'boolean':
      return 'boolean';
    case 'bytea':
    case 'blob':
      return 'bytea';
    case 'date':
      return 'date';
    case 'timestamp':
    case 'timestamptz':
    case 'datetime':
    case 'timestamp without time zone':
    case 'timestamp with time zone':
      return 'timestamp';
    case 'json':
      return 'json';
    case 'jsonb':
      return 'jsonb';
    default:
      throw err(SqlState.UndefinedObject, `type "${name.toLowerCase()}" does not exist`);
  }
}

const INT_RE = /^[+-]?\d+$/;
const NUM_RE = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function castText(s: string, to: ColumnType): SqlValue {
  const t = s.trim();
  switch (to) {
    case 'integer':
    case 'bigint': {
      if (!INT_RE.test(t)) {
        throw err(SqlState.InvalidTextRepresentation, `invalid input syntax for type ${to}: "${s}"`);
      }
      const n = Number(t);
      if (Number.isSafeInteger(n)) return n;
      return normBig(BigInt(t));
    }
    case 'real':
    case 'numeric': {
      if (NUM_RE.test(t)) return Number(t);
      const l = t.toLowerCase();
      if (to === 'real') {
        if (l === 'nan') return Number.NaN;
        if (l === 'infinity' || l === '+infinity' || l === 'inf') return Infinity;
        if (l === '-infinity' || l === '-inf') return -Infinity;
      }
      throw err(
        SqlState.InvalidTextRepresentation,
        `invalid input syntax for type ${to === 'real' ? 'double precision' : 'numeric'}: "${s}"`,
      );
    }
    case 'boolean': {
      const l = t.toLowerCase();
      if (l.length > 0) {
        if ('true'.startsWith(l) || 'yes'.startsWith(l) || l === 'on' || l === '1') return true;
        if ('false'.startsWith(l) || 'no'.startsWith(l) || l === 'off' || l === '0') return false;
      }
      throw err(SqlState.InvalidTextRepresentation, `invalid input syntax for type boolean: "${s}"`);
    }
    case 'bytea':
      return byteaFromText(s);
    default:
      return s;
  }
}

/** PostgreSQL's bytea input: '\x0a1b' is hex (22P02 on a bad digit or an odd count); otherwise
 *  the escape format, where \\ is a backslash and \ooo an octal byte, other text its UTF-8 bytes. */
export function byteaFromText(s: string): Uint8Array {
  if (s.startsWith('\\x') || s.startsWith('\\X')) {
    const hex = s.slice(2).replace(/\s+/g, '');
    if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length % 2 !== 0) {
      throw err(SqlState.InvalidTextRepresentation, `invalid hexadecimal data for type bytea: "${s}"`);
    }
    return new Uint8Array(Buffer.from(hex, 'hex'));
  }
  if (!s.includes('\\')) return new TextEncoder().encode(s);
  const out: number[] = [];
  for (let i = 0; i < s.length; ) {
    if (s[i] === '\\') {
      if (s[i + 1] === '\\') {
        out.push(92);
        i += 2;
        continue;
      }
      const oct = /^[0-3][0-7]{2}/.exec(s.slice(i + 1, i + 4));
      if (oct === null) throw err(SqlState.InvalidTextRepresentation, 'invalid input syntax for type bytea');
      out.push(parseInt(oct[0], 8));
      i += 4;
      continue;
    }
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    for (const b of new TextEncoder().encode(ch)) out.push(b);
    i += ch.length;
  }
  return new Uint8Array(out);
}

/** Round half to even, as PostgreSQL converts double precision to integer. */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Round half away from zero, as PostgreSQL converts numeric to integer. */
export function roundAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

export function textOf(v: SqlValue): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numberText(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Uint8Array) return '\\x' + Buffer.from(v).toString('hex');
  return '';
}

function numberText(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return String(v);
}

/**
 * Converts a value to a type as CAST does; `from` is the static source type when known
 * (it decides numeric vs real rounding).
 */
export function castValue(v: SqlValue, to: ColumnType, from: ColumnType = 'any'): SqlValue {
  if (v === null) return null;
  switch (to) {
    case 'any':
      return v;
    case 'integer':
    case 'bigint': {
      if (typeof v === 'bigint') return normBig(v);
      if (typeof v === 'number') {
        if (Number.isInteger(v)) {
          if (!Number.isSafeInteger(v)) return normBig(BigInt(v));
          // A 32-bit integer leaves as a small integer even when it came in as a heap number (the
          // result of float arithmetic): rows and keys built from it then hold one kind of number,
          // where a heap number had turned every key literal after it into an array of doubles
          // (and the B-tree's comparisons polymorphic). Also makes -0 plain 0.
          const i = v | 0;
          return i === v ? i : v;
        }
        if (!Number.isFinite(v)) throw err(SqlState.NumericOutOfRange, `${to} out of range`);
        const r = from === 'numeric' ? roundAway(v) : rint(v);
        return Number.isSafeInteger(r) ? r + 0 : normBig(BigInt(r));
      }
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (typeof v === 'string') return castText(v, to);
      break;
    }
    case 'real':
    case 'numeric': {
      if (typeof v === 'number') return v;
      if (typeof v === 'bigint') return Number(v);
      if (typeof v === 'string') return castText(v, to);
      if (typeof v === 'boolean' && to === 'real') break;
      break;
    }
    case 'text':
      return textOf(v);
    // Checked and kept in canonical text form (they then sort and compare as text).
    case 'date':
      return toDate(v);
    case 'timestamp':
      return toTimestamp(v);
    case 'boolean': {
      if (typeof v === 'boolean') return v;
      if (typeof v === 'number' || typeof v === 'bigint') return v !== 0 && v !== 0n;
      if (typeof v === 'string') return castText(v, 'boolean');
      break;
    }
    case 'bytea': {
      if (v instanceof Uint8Array) return v;
      if (typeof v === 'string') return byteaFromText(v);
      break;
    }
    case 'json':
    case 'jsonb':
      // json and jsonb are text checked (and for jsonb put in canonical form): a value already of
      // the type passes as it is, unless it changes kind.
      if (from === to) return v;
      return castJson(v, to);
  }
  throw err(SqlState.DatatypeMismatch, `cannot cast value ${textOf(v)} to ${to}`);
}

/** Static type of a runtime value (for parameters without a declared type). */
export function typeOfValue(v: SqlValue): ColumnType {
  switch (typeof v) {
    case 'number':
      return Number.isInteger(v) ? 'integer' : 'real';
    case 'bigint':
      return 'bigint';
    case 'string':
      return 'text';
    case 'boolean':
      return 'boolean';
    default:
      return v === null ? 'any' : 'bytea';
  }
}

/** Interprets a value as a truth value for WHERE/AND/OR: null stays null. */
export function truth(v: SqlValue): boolean | null {
  if (v === null) return null;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'string') return castText(v, 'boolean') as boolean;
  throw err(SqlState.DatatypeMismatch, 'argument must be type boolean');
}
