// Turning result values into the text sqllogictest compares, the way the reference SQLite driver
// does it: NULL, (empty), I through a 64-bit integer conversion, R as %.3f, T with non-printable
// bytes shown as '@'; then sorting (rowsort / valuesort) and the md5 of long results.
import { createHash } from 'node:crypto';
import type { SortMode } from './parser.js';

export type ResultValue = null | boolean | number | bigint | string | Uint8Array;

export interface FormatOptions {
  /**
   * How a floating-point value reads as text in a T column. Engines differ (SQLite prints 3.0,
   * PostgreSQL 3), so the engine adapter may say; the default is JavaScript's shortest form.
   */
  readonly realToText?: ((x: number) => string) | undefined;
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** A value as an I column shows it: SQLite's conversion of any value to a 64-bit integer. */
export function toInt64Text(v: Exclude<ResultValue, null>): string {
  if (typeof v === 'bigint') return clampBig(v).toString();
  if (typeof v === 'number') return realToInt64(v).toString();
  if (typeof v === 'boolean') return v ? '1' : '0';
  // Text (or a blob read as text): the leading integer, as SQLite's text-to-integer does
  // ('12abc' -> 12, '3.9' -> 3, 'abc' -> 0).
  const text = typeof v === 'string' ? v : latin1(v);
  const m = /^\s*([+-]?\d+)/.exec(text);
  return m === null ? '0' : clampBig(BigInt(m[1]!)).toString();
}

function clampBig(b: bigint): bigint {
  return b > INT64_MAX ? INT64_MAX : b < INT64_MIN ? INT64_MIN : b;
}

function realToInt64(x: number): bigint {
  if (Number.isNaN(x)) return 0n;
  // Beyond the int64 range SQLite saturates; 2^63 itself is already out of range.
  if (x >= 9223372036854775807) return INT64_MAX;
  if (x <= -9223372036854775808) return INT64_MIN;
  return BigInt(Math.trunc(x));
}

/** A value as an R column shows it: printf("%.3f") of the value as a double. */
export function toRealText(v: Exclude<ResultValue, null>): string {
  let x: number;
  if (typeof v === 'number') x = v;
  else if (typeof v === 'bigint') x = Number(v);
  else if (typeof v === 'boolean') x = v ? 1 : 0;
  else {
    const text = typeof v === 'string' ? v : latin1(v);
    const m = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(text);
    x = m === null ? 0 : Number(m[0]);
  }
  return fixed3(x);
}

function fixed3(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Inf' : '-Inf';
  const ax = Math.abs(x);
  // SQLite's printf writes at most 16 significant digits and zeros after them; below 1e13 the
  // three decimals fit in 16 digits and toFixed gives the same text (it rounds ties away from
  // zero, as SQLite does).
  if (ax < 1e13) return x.toFixed(3);
  const [mantissa, expText] = ax.toExponential(15).split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const intDigits = Number(expText) + 1;
  const intPart = intDigits >= digits.length ? digits + '0'.repeat(intDigits - digits.length) : digits.slice(0, intDigits);
  const frac = `${intDigits >= digits.length ? '' : digits.slice(intDigits)}000`.slice(0, 3);
  return `${x < 0 ? '-' : ''}${intPart}.${frac}`;
}

/** A value as a T column shows it: its text, '(empty)' for '', non-printable bytes as '@'. */
export function toText(v: Exclude<ResultValue, null>, opts: FormatOptions = {}): string {
  let text: string;
  if (typeof v === 'string') text = v;
  else if (typeof v === 'number') text = opts.realToText !== undefined ? opts.realToText(v) : String(v);
  else if (typeof v === 'bigint') text = v.toString();
  else if (typeof v === 'boolean') text = v ? 'true' : 'false';
  else text = latin1(v);
  if (text === '') return '(empty)';
  return printable(text);
}

/** The reference driver replaces every byte outside ' '..'~' of the UTF-8 text with '@'. */
function printable(text: string): string {
  // Fast path: plain ASCII text needs no change.
  if (/^[ -~]*$/.test(text)) return text;
  const bytes = Buffer.from(text, 'utf8');
  let out = '';
  for (const b of bytes) out += b < 0x20 || b > 0x7e ? '@' : String.fromCharCode(b);
  return out;
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

export function formatValue(v: ResultValue, type: string, opts: FormatOptions = {}): string {
  if (v === null) return 'NULL';
  switch (type) {
    case 'I':
      return toInt64Text(v);
    case 'R':
      return toRealText(v);
    default:
      return toText(v, opts);
  }
}

/** Formats rows column by column with the query's type string. */
export function formatRows(
  rows: readonly (readonly ResultValue[])[],
  types: string,
  opts: FormatOptions = {},
): string[][] {
  const out: string[][] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    const cells: string[] = new Array(row.length);
    for (let c = 0; c < row.length; c++) cells[c] = formatValue(row[c]!, types[c] ?? 'T', opts);
    out[r] = cells;
  }
  return out;
}

/** strcmp order on the formatted text (byte order; the same as UTF-16 order for ASCII). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareRows(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareText(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** Applies the sort mode and flattens to the list of values the file's results describe. */
export function sortedValues(rows: readonly (readonly string[])[], sort: SortMode): string[] {
  if (sort === 'rowsort') return [...rows].sort(compareRows).flat();
  const values = rows.flat();
  if (sort === 'valuesort') values.sort(compareText);
  return values;
}

/** md5 over every value followed by a newline, lower-case hex. */
export function hashValues(values: readonly string[]): string {
  const h = createHash('md5');
  for (const v of values) {
    h.update(v);
    h.update('\n');
  }
  return h.digest('hex');
}

export function hashLine(values: readonly string[]): string {
  return `${values.length} values hashing to ${hashValues(values)}`;
}

const HASH_LINE = /^(\d+) values hashing to ([0-9a-f]{32})$/;

export function isHashLine(line: string): boolean {
  return HASH_LINE.test(line);
}

export interface Comparison {
  readonly ok: boolean;
  /** What the engine produced, in the form the expected text uses (for reports). */
  readonly got: readonly string[];
}

/**
 * Compares produced values with the expected lines. The expected text is either one hash line,
 * one value per line, or one row per line with values separated by spaces; the last form is
 * compared as a flat list of whitespace-separated words.
 */
export function compareValues(
  values: readonly string[],
  expected: readonly string[],
  threshold: number,
): Comparison {
  const first = expected[0];
  if (expected.length === 1 && first !== undefined && isHashLine(first)) {
    const got = hashLine(values);
    return { ok: got === first, got: [got] };
  }
  if (threshold > 0 && values.length > threshold) {
    // The file should hold a hash here; show ours so a mismatch is readable.
    return { ok: false, got: [hashLine(values)] };
  }
  const got = values.map((v) => v.trimEnd());
  if (got.length === expected.length && got.every((v, i) => v === expected[i])) return { ok: true, got };
  if (got.length !== expected.length) {
    const gotWords = got.flatMap(words);
    const expWords = expected.flatMap(words);
    if (gotWords.length === expWords.length && gotWords.every((w, i) => w === expWords[i])) {
      return { ok: true, got };
    }
  }
  return { ok: false, got };
}

function words(line: string): string[] {
  return line.split(/\s+/).filter((w) => w !== '');
}
