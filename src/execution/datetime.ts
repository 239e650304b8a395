// Dates, timestamps and intervals as PostgreSQL has them, over the engine's text representation:
// a date is 'YYYY-MM-DD', a timestamp 'YYYY-MM-DD HH:MM:SS[.ffffff]' (both sort as text), an
// interval its PostgreSQL output text ('1 year 2 mons 3 days 04:05:06'). Typed literals, EXTRACT
// / date_part / date_trunc, and the arithmetic date ± integer, date - date, date/timestamp ±
// interval, timestamp - timestamp.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ColumnType, SqlValue } from '../storage/ports.js';
import type { Compiled, Node } from './expr.js';
import type { Eval } from './runtime.js';
import { err, textOf, toNumber } from './values.js';

const INVALID = '22007';
const OUT_OF_RANGE = '22008';

export const US_PER_DAY = 86_400_000_000;

// ------------------------------------------------------------------ civil calendar

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z0: number): [number, number, number] {
  const z = z0 + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

export function daysInMonth(y: number, m: number): number {
  return m === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

// ------------------------------------------------------------------ parsing and printing

/** A point in time: whole days since the epoch and microseconds into the day. */
export interface Stamp {
  days: number;
  us: number;
}

const STAMP_RE = /^\s*(\d{1,6})-(\d{1,2})-(\d{1,2})(?:(?:\s+|T)(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?)?\s*(?:Z|[+-]\d{1,2}(?::?\d{2})?)?\s*$/i;

function parseStamp(s: string, type: 'date' | 'timestamp'): Stamp {
  const m = STAMP_RE.exec(s);
  if (m === null) throw err(INVALID, `invalid input syntax for type ${type === 'date' ? 'date' : 'timestamp'}: "${s}"`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const hh = Number(m[4] ?? 0);
  const mi = Number(m[5] ?? 0);
  const ss = Number(m[6] ?? 0);
  const frac = m[7] === undefined ? 0 : Math.round(Number(`0.${m[7]}`) * 1e6);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || hh > 24 || mi > 59 || ss > 60 || (hh === 24 && (mi > 0 || ss > 0 || frac > 0))) {
    throw err(OUT_OF_RANGE, `date/time field value out of range: "${s}"`);
  }
  return { days: daysFromCivil(y, mo, d), us: type === 'date' ? 0 : ((hh * 60 + mi) * 60 + ss) * 1e6 + frac };
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

function dateText(days: number): string {
  const [y, m, d] = civilFromDays(days);
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

function timeText(us: number): string {
  const secs = Math.floor(us / 1e6);
  const frac = us - secs * 1e6;
  let s = `${pad(Math.floor(secs / 3600), 2)}:${pad(Math.floor(secs / 60) % 60, 2)}:${pad(secs % 60, 2)}`;
  if (frac > 0) s += `.${pad(Math.round(frac), 6).replace(/0+$/, '')}`;
  return s;
}

function normalize(t: Stamp): Stamp {
  const carry = Math.floor(t.us / US_PER_DAY);
  return { days: t.days + carry, us: t.us - carry * US_PER_DAY };
}

export function stampText(t0: Stamp): string {
  const t = normalize(t0);
  return `${dateText(t.days)} ${timeText(t.us)}`;
}

/** A date value in canonical form (22007 / 22008 on bad input). */
export function toDate(v: SqlValue): string {
  return dateText(parseStamp(textOf(v), 'date').days);
}

/** The calendar fields of a date or timestamp value (to_char). */
export interface StampFields {
  readonly y: number;
  readonly mo: number;
  readonly d: number;
  readonly hh: number;
  readonly mi: number;
  readonly ss: number;
  readonly us: number;
  /** Day of the week, 0 = Sunday. */
  readonly dow: number;
  /** Day of the year, 1-based. */
  readonly doy: number;
}

export function stampFields(v: SqlValue): StampFields {
  const t = normalize(parseStamp(textOf(v), 'timestamp'));
  const [y, mo, d] = civilFromDays(t.days);
  const secs = Math.floor(t.us / 1e6);
  return {
    y,
    mo,
    d,
    hh: Math.floor(secs / 3600),
    mi: Math.floor(secs / 60) % 60,
    ss: secs % 60,
    us: t.us - secs * 1e6,
    dow: (((t.days + 4) % 7) + 7) % 7,
    doy: t.days - daysFromCivil(y, 1, 1) + 1,
  };
}

/** A timestamp value in canonical form. */
export function toTimestamp(v: SqlValue): string {
  return stampText(parseStamp(textOf(v), 'timestamp'));
}

export function stampOf(v: SqlValue): Stamp {
  return parseStamp(textOf(v), 'timestamp');
}

// ------------------------------------------------------------------ intervals

export interface Interval {
  months: number;
  days: number;
  us: number;
}

const UNITS: Record<string, [keyof Interval, number]> = {
  microsecond: ['us', 1],
  us: ['us', 1],
  usec: ['us', 1],
  millisecond: ['us', 1e3],
  ms: ['us', 1e3],
  msec: ['us', 1e3],
  second: ['us', 1e6],
  sec: ['us', 1e6],
  s: ['us', 1e6],
  minute: ['us', 6e7],
  min: ['us', 6e7],
  m: ['us', 6e7],
  hour: ['us', 3.6e9],
  hr: ['us', 3.6e9],
  h: ['us', 3.6e9],
  day: ['days', 1],
  d: ['days', 1],
  week: ['days', 7],
  w: ['days', 7],
  month: ['months', 1],
  mon: ['months', 1],
  year: ['months', 12],
  yr: ['months', 12],
  y: ['months', 12],
  decade: ['months', 120],
  century: ['months', 1200],
  centurie: ['months', 1200],
  millennium: ['months', 12000],
  millennia: ['months', 12000],
};

function unitOf(word: string): [keyof Interval, number] | undefined {
  const w = word.toLowerCase();
  return UNITS[w] ?? (w.endsWith('s') ? UNITS[w.slice(0, -1)] : undefined);
}

/** Adds `n` of a unit, spilling fractions down as PostgreSQL does (1.5 months = 1 mon 15 days). */
function addUnit(iv: Interval, n: number, unit: [keyof Interval, number]): void {
  const [field, scale] = unit;
  if (field === 'us') {
    iv.us += Math.round(n * scale);
    return;
  }
  const whole = Math.trunc(n * scale);
  const frac = n * scale - whole;
  if (field === 'months') {
    iv.months += whole;
    const days = frac * 30;
    iv.days += Math.trunc(days);
    iv.us += Math.round((days - Math.trunc(days)) * US_PER_DAY);
  } else {
    iv.days += whole;
    iv.us += Math.round(frac * US_PER_DAY);
  }
}

export function parseInterval(text: string, unitHint = ''): Interval {
  const iv: Interval = { months: 0, days: 0, us: 0 };
  let s = text.trim().replace(/^@\s*/, '');
  let ago = false;
  if (/\s+ago$/i.test(s)) {
    ago = true;
    s = s.replace(/\s+ago$/i, '');
  }
  const bad = (): DispatcherError => err(INVALID, `invalid input syntax for type interval: "${text}"`);
  if (s === '') throw bad();
  const tokens = s.split(/\s+/);
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    const time = /^([+-]?)(\d+):(\d{1,2})(?::(\d{1,2}(?:\.\d+)?))?$/.exec(tok);
    if (time !== null) {
      const sign = time[1] === '-' ? -1 : 1;
      iv.us += sign * Math.round(((Number(time[2]) * 60 + Number(time[3])) * 60 + Number(time[4] ?? 0)) * 1e6);
      continue;
    }
    const num = /^([+-]?(?:\d+\.?\d*|\.\d+))([a-z]*)$/i.exec(tok);
    if (num === null) throw bad();
    let unitWord = num[2]!;
    if (unitWord === '') {
      const next = tokens[i + 1];
      if (next !== undefined && unitOf(next) !== undefined) {
        unitWord = next;
        i++;
      } else unitWord = unitHint === '' ? 'second' : unitHint;
    }
    const unit = unitOf(unitWord);
    if (unit === undefined) throw bad();
    addUnit(iv, Number(num[1]), unit);
  }
  if (ago) {
    iv.months = -iv.months;
    iv.days = -iv.days;
    iv.us = -iv.us;
  }
  return iv;
}

export function intervalText(iv: Interval): string {
  const parts: string[] = [];
  const years = Math.trunc(iv.months / 12);
  const mons = iv.months - years * 12;
  const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
  if (years !== 0) parts.push(plural(years, 'year', 'years'));
  if (mons !== 0) parts.push(plural(mons, 'mon', 'mons'));
  if (iv.days !== 0) parts.push(plural(iv.days, 'day', 'days'));
  if (iv.us !== 0 || parts.length === 0) {
    const neg = iv.us < 0;
    const t = timeText(Math.abs(iv.us));
    const anyNegative = iv.months < 0 || iv.days < 0;
    parts.push(neg ? `-${t}` : anyNegative ? `+${t}` : t);
  }
  return parts.join(' ');
}

// ------------------------------------------------------------------ arithmetic

function addMonths(t: Stamp, months: number): Stamp {
  if (months === 0) return t;
  const [y, m, d] = civilFromDays(t.days);
  const total = y * 12 + (m - 1) + months;
  const ny = Math.floor(total / 12);
  const nm = total - ny * 12 + 1;
  return { days: daysFromCivil(ny, nm, Math.min(d, daysInMonth(ny, nm))), us: t.us };
}

function plusInterval(t: Stamp, iv: Interval, sign: number): Stamp {
  const a = addMonths(t, sign * iv.months);
  return normalize({ days: a.days + sign * iv.days, us: a.us + sign * iv.us });
}

/** timestamp - timestamp: days and time, as PostgreSQL (justified to days, never months). */
function stampDiff(a: Stamp, b: Stamp): Interval {
  const total = (a.days - b.days) * US_PER_DAY + (a.us - b.us);
  const days = Math.trunc(total / US_PER_DAY);
  return { months: 0, days, us: total - days * US_PER_DAY };
}

function isDatish(t: ColumnType): boolean {
  return t === 'date' || t === 'timestamp';
}

/**
 * Whether an expression is an interval (intervals travel as text, so they are known by their
 * syntax): a literal, a cast to interval, an interval scaled by * or /, or intervals added.
 */
export function isIntervalNode(n: Node): boolean {
  if (n === null || typeof n !== 'object') return false;
  if (n.type === 'interval') return true;
  if (n.type === 'cast') {
    const t = Array.isArray(n.target) ? n.target[0] : n.target;
    return String(t?.dataType ?? '').toLowerCase() === 'interval';
  }
  if (n.type === 'binary_expr') {
    const op = String(n.operator);
    if (op === '*') return isIntervalNode(n.left) !== isIntervalNode(n.right);
    if (op === '/') return isIntervalNode(n.left) && !isIntervalNode(n.right);
    if (op === '+' || op === '-') return isIntervalNode(n.left) && isIntervalNode(n.right);
  }
  return false;
}

function isIntType(t: ColumnType): boolean {
  return t === 'integer' || t === 'bigint';
}

/**
 * `+` / `-` with a date, timestamp or interval operand; null when neither operand is one (the
 * caller compiles ordinary arithmetic). `ln` / `rn` are the operand nodes (an interval is known
 * by its literal).
 */
export function datetimeArith(op: string, ln: Node, rn: Node, l: Compiled, r: Compiled): Compiled | null {
  const li = isIntervalNode(ln);
  const ri = isIntervalNode(rn);
  if (!li && !ri && !isDatish(l.type) && !isDatish(r.type)) return null;
  if (op !== '+' && op !== '-') return null;
  const a = l.ev;
  const b = r.ev;
  const both = (fn: (x: SqlValue, y: SqlValue) => SqlValue): Eval => (row, f) => {
    const x = a(row, f);
    const y = b(row, f);
    return x === null || y === null ? null : fn(x, y);
  };
  const out = (type: ColumnType, ev: Eval): Compiled => ({ ev, type, name: '?column?' });
  // date ± integer, integer + date
  if (l.type === 'date' && !ri && (isIntType(r.type) || r.type === 'any')) {
    const sign = op === '+' ? 1 : -1;
    return out('date', both((x, y) => dateText(parseStamp(textOf(x), 'date').days + sign * Number(toNumber(y)))));
  }
  if (op === '+' && r.type === 'date' && !li && isIntType(l.type)) {
    return out('date', both((x, y) => dateText(parseStamp(textOf(y), 'date').days + Number(toNumber(x)))));
  }
  // date - date: days
  if (op === '-' && l.type === 'date' && r.type === 'date') {
    return out('integer', both((x, y) => parseStamp(textOf(x), 'date').days - parseStamp(textOf(y), 'date').days));
  }
  // date/timestamp ± interval, interval + date/timestamp
  if (ri && !li) {
    const sign = op === '+' ? 1 : -1;
    return out('timestamp', both((x, y) => stampText(plusInterval(stampOf(x), parseInterval(textOf(y)), sign))));
  }
  if (li && !ri && op === '+') {
    return out('timestamp', both((x, y) => stampText(plusInterval(stampOf(y), parseInterval(textOf(x)), 1))));
  }
  if (li && ri) {
    const sign = op === '+' ? 1 : -1;
    return out(
      'text',
      both((x, y) => {
        const p = parseInterval(textOf(x));
        const q = parseInterval(textOf(y));
        return intervalText({ months: p.months + sign * q.months, days: p.days + sign * q.days, us: p.us + sign * q.us });
      }),
    );
  }
  // timestamp - timestamp (or date): an interval
  if (op === '-' && isDatish(l.type) && isDatish(r.type)) {
    return out('text', both((x, y) => intervalText(stampDiff(stampOf(x), stampOf(y)))));
  }
  throw new DispatcherError(SqlState.UndefinedFunction, `operator does not exist: ${l.type} ${op} ${r.type}`);
}

// ------------------------------------------------------------------ literals, EXTRACT, functions

/** `date '...'`, `timestamp '...'`, `interval '...'` (checked and normalized at compile time). */
export function datetimeLiteral(n: Node): Compiled | null {
  const raw = n.type === 'interval' ? n.expr?.value : n.value;
  if (n.type === 'date' || n.type === 'timestamp' || n.type === 'interval') {
    if (typeof raw !== 'string') {
      throw new DispatcherError(SqlState.FeatureNotSupported, `${String(n.type)} literals must be quoted strings`);
    }
  }
  switch (n.type) {
    case 'date': {
      const v = toDate(raw);
      return { ev: () => v, type: 'date', name: 'date' };
    }
    case 'timestamp': {
      const v = toTimestamp(raw);
      return { ev: () => v, type: 'timestamp', name: 'timestamp' };
    }
    case 'interval': {
      const v = intervalText(parseInterval(raw, String(n.unit ?? '')));
      return { ev: () => v, type: 'text', name: 'interval' };
    }
  }
  return null;
}

function fieldOfStamp(field: string, t: Stamp, isDate: boolean): number {
  const [y, m, d] = civilFromDays(t.days);
  const secs = t.us / 1e6;
  const dow = (((t.days + 4) % 7) + 7) % 7;
  switch (field) {
    case 'year':
      return y;
    case 'month':
      return m;
    case 'day':
      return d;
    case 'hour':
      return Math.floor(secs / 3600);
    case 'minute':
      return Math.floor(secs / 60) % 60;
    case 'second':
      return secs % 60;
    case 'milliseconds':
      return (secs % 60) * 1000;
    case 'microseconds':
      return Math.round((secs % 60) * 1e6);
    case 'dow':
      return dow;
    case 'isodow':
      return dow === 0 ? 7 : dow;
    case 'doy':
      return t.days - daysFromCivil(y, 1, 1) + 1;
    case 'quarter':
      return Math.floor((m - 1) / 3) + 1;
    case 'week':
      return isoWeek(t.days)[1];
    case 'isoyear':
      return isoWeek(t.days)[0];
    case 'decade':
      return Math.floor(y / 10);
    case 'century':
      return y > 0 ? Math.floor((y - 1) / 100) + 1 : Math.floor(y / 100);
    case 'millennium':
      return y > 0 ? Math.floor((y - 1) / 1000) + 1 : Math.floor(y / 1000);
    case 'epoch':
      return t.days * 86400 + secs;
    case 'julian':
      return t.days + 2440588 + secs / 86400;
  }
  throw err(SqlState.InvalidParameterValue, `unit "${field}" not supported for type ${isDate ? 'date' : 'timestamp'}`);
}

function isoWeek(days: number): [number, number] {
  const dow = ((((days + 4) % 7) + 7) % 7) || 7;
  const thursday = days + (4 - dow);
  const [y] = civilFromDays(thursday);
  return [y, Math.floor((thursday - daysFromCivil(y, 1, 1)) / 7) + 1];
}

function fieldOfInterval(field: string, iv: Interval): number {
  const secs = iv.us / 1e6;
  switch (field) {
    case 'year':
      return Math.trunc(iv.months / 12);
    case 'month':
      return iv.months % 12;
    case 'day':
      return iv.days;
    case 'hour':
      return Math.trunc(secs / 3600);
    case 'minute':
      return Math.trunc(secs / 60) % 60;
    case 'second':
      return secs % 60;
    case 'milliseconds':
      return (secs % 60) * 1000;
    case 'microseconds':
      return Math.round((secs % 60) * 1e6);
    case 'epoch':
      return Math.trunc(iv.months / 12) * 365.25 * 86400 + (iv.months % 12) * 30 * 86400 + iv.days * 86400 + secs;
  }
  throw err(SqlState.InvalidParameterValue, `unit "${field}" not supported for type interval`);
}

const FIELD_ALIASES: Record<string, string> = {
  years: 'year',
  months: 'month',
  mon: 'month',
  mons: 'month',
  days: 'day',
  hours: 'hour',
  minutes: 'minute',
  min: 'minute',
  mins: 'minute',
  seconds: 'second',
  sec: 'second',
  secs: 'second',
  millisecond: 'milliseconds',
  ms: 'milliseconds',
  microsecond: 'microseconds',
  us: 'microseconds',
  weeks: 'week',
};

function fieldName(f: string): string {
  const l = f.toLowerCase();
  return FIELD_ALIASES[l] ?? l;
}

/** A function of a date/time field; `interval` when the source is an interval. */
function fieldEval(field: string, src: Eval, srcType: ColumnType, interval: boolean, type: ColumnType): Compiled {
  const fl = fieldName(field);
  const isDate = srcType === 'date';
  return {
    type,
    name: 'extract',
    ev: (row, f) => {
      const v = src(row, f);
      if (v === null) return null;
      if (interval) return fieldOfInterval(fl, parseInterval(textOf(v)));
      return fieldOfStamp(fl, stampOf(v), isDate);
    },
  };
}

/** EXTRACT(field FROM source): numeric, as in PostgreSQL 14 and later. */
export function compileExtract(n: Node, compile: (x: Node) => Compiled): Compiled {
  const field = String(n.args?.field ?? '');
  const castType = String(n.args?.cast_type ?? '').toLowerCase();
  let source: Compiled;
  let interval = false;
  const srcNode = n.args?.source;
  if (castType === 'date' || castType === 'timestamp' || castType === 'interval') {
    source = datetimeLiteral(castType === 'interval' ? { type: 'interval', expr: srcNode, unit: '' } : { type: castType, value: srcNode?.value })!;
    interval = castType === 'interval';
  } else {
    source = compile(srcNode);
    interval = isIntervalNode(srcNode);
  }
  const out = fieldEval(field, source.ev, source.type, interval, 'numeric');
  return { ...out, name: 'extract' };
}

/** date_part, date_trunc, make_date, make_timestamp, isfinite; null for other names. */
export function datetimeFunction(name: string, args: readonly { ev: Eval; type: ColumnType }[], argNodes: readonly Node[]): Compiled | null {
  const nargs = (k: number): void => {
    if (args.length !== k) throw new DispatcherError(SqlState.UndefinedFunction, `function ${name} with ${args.length} argument(s) does not exist`);
  };
  switch (name) {
    case 'date_part': {
      nargs(2);
      const fieldEv = args[0]!.ev;
      const src = args[1]!;
      const interval = isIntervalNode(argNodes[1]);
      return {
        type: 'real',
        name: 'date_part',
        ev: (row, f) => {
          const fv = fieldEv(row, f);
          if (fv === null) return null;
          return fieldEval(textOf(fv), src.ev, src.type, interval, 'real').ev(row, f);
        },
      };
    }
    case 'date_trunc': {
      nargs(2);
      const fieldEv = args[0]!.ev;
      const src = args[1]!.ev;
      return {
        type: 'timestamp',
        name: 'date_trunc',
        ev: (row, f) => {
          const fv = fieldEv(row, f);
          const v = src(row, f);
          if (fv === null || v === null) return null;
          return stampText(truncate(fieldName(textOf(fv)), stampOf(v)));
        },
      };
    }
    case 'make_date': {
      nargs(3);
      const [y, m, d] = args.map((a) => a.ev) as [Eval, Eval, Eval];
      return {
        type: 'date',
        name: 'make_date',
        ev: (row, f) => {
          const a = y(row, f);
          const b = m(row, f);
          const c = d(row, f);
          if (a === null || b === null || c === null) return null;
          return toDate(`${pad(Number(a), 4)}-${pad(Number(b), 2)}-${pad(Number(c), 2)}`);
        },
      };
    }
  }
  return null;
}

function truncate(field: string, t: Stamp): Stamp {
  const [y, m] = civilFromDays(t.days);
  const hourUs = 3.6e9;
  switch (field) {
    case 'microseconds':
      return t;
    case 'milliseconds':
      return { days: t.days, us: Math.floor(t.us / 1e3) * 1e3 };
    case 'second':
      return { days: t.days, us: Math.floor(t.us / 1e6) * 1e6 };
    case 'minute':
      return { days: t.days, us: Math.floor(t.us / 6e7) * 6e7 };
    case 'hour':
      return { days: t.days, us: Math.floor(t.us / hourUs) * hourUs };
    case 'day':
      return { days: t.days, us: 0 };
    case 'week': {
      const dow = ((((t.days + 4) % 7) + 7) % 7) || 7;
      return { days: t.days - (dow - 1), us: 0 };
    }
    case 'month':
      return { days: daysFromCivil(y, m, 1), us: 0 };
    case 'quarter':
      return { days: daysFromCivil(y, Math.floor((m - 1) / 3) * 3 + 1, 1), us: 0 };
    case 'year':
      return { days: daysFromCivil(y, 1, 1), us: 0 };
    case 'decade':
      return { days: daysFromCivil(Math.floor(y / 10) * 10, 1, 1), us: 0 };
    case 'century':
      return { days: daysFromCivil(Math.floor((y - 1) / 100) * 100 + 1, 1, 1), us: 0 };
    case 'millennium':
      return { days: daysFromCivil(Math.floor((y - 1) / 1000) * 1000 + 1, 1, 1), us: 0 };
  }
  throw err(SqlState.InvalidParameterValue, `unit "${field}" not recognized for type timestamp`);
}
