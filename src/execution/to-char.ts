// to_char(value, format): PostgreSQL's formatting of dates and timestamps (YYYY, MM, Mon, Month,
// DD, DDD, D, Dy, Day, HH, HH12, HH24, MI, SS, MS, US, AM/PM, Q, WW, "quoted text", the FM
// prefix) and of numbers (9, 0, '.', D, ',', G, FM). Other characters are copied.
import type { ColumnType, SqlValue } from '../storage/ports.js';
import { stampFields, type StampFields } from './datetime.js';
import type { Eval } from './runtime.js';
import { err, textOf, toNumber } from './values.js';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Case of a name as the pattern is written: MONTH, Month or month. */
function cased(name: string, pattern: string): string {
  if (pattern === pattern.toUpperCase()) return name.toUpperCase();
  if (pattern[0] === pattern[0]!.toUpperCase()) return name;
  return name.toLowerCase();
}

const pad = (n: number, w: number, fm: boolean): string => (fm ? String(n) : String(n).padStart(w, '0'));

/** Patterns longest first, so HH24 wins over HH and DDD over DD. */
const PATTERNS = ['HH24', 'HH12', 'YYYY', 'MONTH', 'Month', 'month', 'A.M.', 'P.M.', 'a.m.', 'p.m.', 'DDD', 'YYY', 'MON', 'Mon', 'mon', 'DAY', 'Day', 'day', 'HH', 'MI', 'SS', 'MS', 'US', 'YY', 'MM', 'DD', 'DY', 'Dy', 'dy', 'AM', 'PM', 'am', 'pm', 'WW', 'Y', 'D', 'Q'];

function field(p: string, t: StampFields, fm: boolean): string {
  const h12 = t.hh % 12 === 0 ? 12 : t.hh % 12;
  switch (p) {
    case 'YYYY':
      return pad(t.y, 4, fm);
    case 'YYY':
      return pad(t.y % 1000, 3, fm);
    case 'YY':
      return pad(t.y % 100, 2, fm);
    case 'Y':
      return String(t.y % 10);
    case 'MM':
      return pad(t.mo, 2, fm);
    case 'MONTH':
    case 'Month':
    case 'month': {
      const m = cased(MONTHS[t.mo - 1]!, p);
      return fm ? m : m.padEnd(9, ' ');
    }
    case 'MON':
    case 'Mon':
    case 'mon':
      return cased(MONTHS[t.mo - 1]!.slice(0, 3), p);
    case 'DD':
      return pad(t.d, 2, fm);
    case 'DDD':
      return pad(t.doy, 3, fm);
    case 'D':
      return String(t.dow + 1);
    case 'DAY':
    case 'Day':
    case 'day': {
      const d = cased(DAYS[t.dow]!, p);
      return fm ? d : d.padEnd(9, ' ');
    }
    case 'DY':
    case 'Dy':
    case 'dy':
      return cased(DAYS[t.dow]!.slice(0, 3), p);
    case 'HH':
    case 'HH12':
      return pad(h12, 2, fm);
    case 'HH24':
      return pad(t.hh, 2, fm);
    case 'MI':
      return pad(t.mi, 2, fm);
    case 'SS':
      return pad(t.ss, 2, fm);
    case 'MS':
      return pad(Math.floor(t.us / 1000), 3, fm);
    case 'US':
      return pad(t.us, 6, fm);
    case 'AM':
    case 'PM':
      return t.hh < 12 ? 'AM' : 'PM';
    case 'am':
    case 'pm':
      return t.hh < 12 ? 'am' : 'pm';
    case 'A.M.':
    case 'P.M.':
      return t.hh < 12 ? 'A.M.' : 'P.M.';
    case 'a.m.':
    case 'p.m.':
      return t.hh < 12 ? 'a.m.' : 'p.m.';
    case 'Q':
      return String(Math.floor((t.mo - 1) / 3) + 1);
    case 'WW':
      return pad(Math.floor((t.doy - 1) / 7) + 1, 2, fm);
  }
  return p;
}

export function formatStamp(v: SqlValue, format: string): string {
  const t = stampFields(v);
  let out = '';
  for (let i = 0; i < format.length; ) {
    const c = format[i]!;
    if (c === '"') {
      // Quoted text is copied as it is (a backslash escapes a quote inside).
      let j = i + 1;
      while (j < format.length && format[j] !== '"') {
        if (format[j] === '\\' && j + 1 < format.length) j++;
        out += format[j]!;
        j++;
      }
      i = j + 1;
      continue;
    }
    let fm = false;
    let at = i;
    if (format.startsWith('FM', at) || format.startsWith('fm', at)) {
      fm = true;
      at += 2;
    }
    const p = PATTERNS.find((q) => format.startsWith(q, at));
    if (p === undefined) {
      out += fm ? format.slice(i, at) : c;
      i = fm ? at : i + 1;
      continue;
    }
    out += field(p, t, fm);
    i = at + p.length;
  }
  return out;
}

/** A number through a pattern of 9 / 0 digits, '.' or D, ',' or G, with FM to drop the padding. */
export function formatNumber(v: SqlValue, format: string): string {
  let fm = false;
  let f = format;
  if (f.startsWith('FM') || f.startsWith('fm')) {
    fm = true;
    f = f.slice(2);
  }
  const dot = f.search(/[.D]/);
  const intPart = dot < 0 ? f : f.slice(0, dot);
  const fracPart = dot < 0 ? '' : f.slice(dot + 1).replace(/[^90]/g, '');
  const intDigits = intPart.replace(/[^90]/g, '').length;
  const x = toNumber(v);
  const neg = x < 0;
  const fixed = Math.abs(x).toFixed(fracPart.length);
  const [whole, frac = ''] = fixed.split('.');
  if (whole!.length > intDigits && !(whole === '0' && intDigits === 0)) {
    // Too many digits: PostgreSQL prints # in every digit place.
    return ' ' + intPart.replace(/[90]/g, '#').replace(/G/g, ',') + (dot < 0 ? '' : '.' + fracPart.replace(/./g, '#'));
  }
  // Fill the integer pattern from the right.
  let digits = whole === '0' && intDigits > 0 && !intPart.includes('0') && fracPart.length > 0 ? '' : whole!;
  let out = '';
  const firstZero = intPart.search(/0/);
  for (let i = intPart.length - 1, k = digits.length - 1; i >= 0; i--) {
    const c = intPart[i]!;
    const placeFromLeft = i;
    if (c === '9' || c === '0') {
      if (k >= 0) out = digits[k--]! + out;
      else out = (c === '0' || (firstZero >= 0 && placeFromLeft >= firstZero) ? '0' : fm ? '' : ' ') + out;
    } else if (c === ',' || c === 'G') {
      out = (k >= 0 || (firstZero >= 0 && placeFromLeft > firstZero) ? ',' : fm ? '' : ' ') + out;
    } else out = c + out;
  }
  digits = frac;
  let fracOut = '';
  if (dot >= 0) {
    fracOut = '.' + digits;
    if (fm) {
      // FM drops trailing zeros in 9 places (0 places keep theirs).
      let end = fracOut.length;
      for (let i = fracPart.length - 1; i >= 0 && fracPart[i] === '9' && fracOut[end - 1] === '0'; i--) end--;
      fracOut = fracOut.slice(0, end);
    }
  }
  const body = out + fracOut;
  const sign = neg ? '-' : fm ? '' : ' ';
  if (fm) return sign + body.trimStart();
  // The sign goes just before the first digit.
  const lead = body.length - body.trimStart().length;
  return body.slice(0, lead) + sign + body.slice(lead);
}

/** to_char(value, format) over evaluated arguments. */
export function toCharEval(value: Eval, valueType: ColumnType, format: Eval): Eval {
  return (r, f) => {
    const v = value(r, f);
    const fmt = format(r, f);
    if (v === null || fmt === null) return null;
    const text = textOf(fmt);
    if (valueType === 'date' || valueType === 'timestamp') return formatStamp(v, text);
    if (typeof v === 'number' || typeof v === 'bigint') return formatNumber(v, text);
    if (typeof v === 'string' && /^\s*\d{1,6}-\d{1,2}-\d{1,2}/.test(v)) return formatStamp(v, text);
    throw err('42883', `function to_char(${valueType}, text) does not exist`);
  };
}
