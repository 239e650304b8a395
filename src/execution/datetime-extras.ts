// More of PostgreSQL's date/time functions, over the stamps and intervals of datetime.ts:
// age (the symbolic difference in years, months and days), to_timestamp of Unix seconds,
// make_interval, and justify_days / justify_hours / justify_interval.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ColumnType, SqlValue } from '../storage/ports.js';
import type { Eval } from './runtime.js';
import { civilFromDays, daysInMonth, intervalText, isIntervalNode, parseInterval, stampOf, stampText, US_PER_DAY, type Interval, type Stamp } from './datetime.js';
import type { Node } from './ast.js';
import type { Compiled } from './expr.js';
import { err, textOf, toNumber } from './values.js';

interface DatetimeCall {
  readonly ev: Eval;
  readonly type: ColumnType;
}

/**
 * a - b as PostgreSQL's age() gives it: whole months (as years and months), then days, then the
 * time of day, each borrowed from the next larger field when negative.
 */
export function ageOf(a: Stamp, b: Stamp): Interval {
  const neg = a.days < b.days || (a.days === b.days && a.us < b.us);
  const [hi, lo] = neg ? [b, a] : [a, b];
  const [y1, m1, d1] = civilFromDays(hi.days);
  const [y0, m0, d0] = civilFromDays(lo.days);
  let us = hi.us - lo.us;
  let days = d1 - d0;
  let months = (y1 - y0) * 12 + (m1 - m0);
  if (us < 0) {
    us += US_PER_DAY;
    days--;
  }
  if (days < 0) {
    // Borrow the length of the earlier stamp's month, as PostgreSQL does.
    days += daysInMonth(y0, m0);
    months--;
  }
  const s = neg ? -1 : 1;
  return { months: s * months, days: s * days, us: s * us };
}

function arity(name: string, args: readonly unknown[], min: number, max: number): void {
  if (args.length < min || args.length > max) throw new DispatcherError(SqlState.UndefinedFunction, `function ${name} with ${args.length} argument(s) does not exist`);
}

/** Today at midnight (age with one argument counts from it). */
function midnight(): Stamp {
  const ms = Date.now();
  return { days: Math.floor(ms / 86_400_000), us: 0 };
}

/** One of these functions' compiled call, or null for other names. */
export function datetimeExtra(name: string, args: readonly { ev: Eval; type: ColumnType }[]): DatetimeCall | null {
  switch (name) {
    case 'age': {
      arity(name, args, 1, 2);
      const a = args[0]!.ev;
      const b = args[1]?.ev;
      return { type: 'text', ev: (r, f) => {
        const x = a(r, f);
        if (x === null) return null;
        if (b === undefined) return intervalText(ageOf(midnight(), stampOf(x)));
        const y = b(r, f);
        return y === null ? null : intervalText(ageOf(stampOf(x), stampOf(y)));
      } };
    }
    case 'to_timestamp': {
      arity(name, args, 1, 1);
      const a = args[0]!.ev;
      return { type: 'timestamp', ev: (r, f) => {
        const v = a(r, f);
        if (v === null) return null;
        const secs = toNumber(v);
        if (!Number.isFinite(secs)) throw err(SqlState.InvalidParameterValue, 'timestamp cannot be NaN or infinite');
        const us = Math.round(secs * 1e6);
        const days = Math.floor(us / US_PER_DAY);
        return stampText({ days, us: us - days * US_PER_DAY });
      } };
    }
    case 'make_interval': {
      // Positional: years, months, weeks, days, hours, mins, secs.
      arity(name, args, 0, 7);
      const evs = args.map((x) => x.ev);
      return { type: 'text', ev: (r, f) => {
        const v: number[] = [];
        for (const e of evs) {
          const x = e(r, f);
          if (x === null) return null;
          v.push(toNumber(x));
        }
        const [years = 0, months = 0, weeks = 0, days = 0, hours = 0, mins = 0, secs = 0] = v;
        return intervalText({ months: years * 12 + months, days: weeks * 7 + days, us: Math.round(((hours * 60 + mins) * 60 + secs) * 1e6) });
      } };
    }
    case 'justify_days':
    case 'justify_hours':
    case 'justify_interval': {
      arity(name, args, 1, 1);
      const a = args[0]!.ev;
      return { type: 'text', ev: (r, f) => {
        const v: SqlValue = a(r, f);
        if (v === null) return null;
        return intervalText(justify(parseInterval(textOf(v)), name));
      } };
    }
  }
  return null;
}

/** 24 hours to a day (justify_hours), 30 days to a month (justify_days), or both. */
function justify(iv: Interval, how: string): Interval {
  let { months, days, us } = iv;
  if (how !== 'justify_days') {
    const d = Math.trunc(us / US_PER_DAY);
    days += d;
    us -= d * US_PER_DAY;
  }
  if (how !== 'justify_hours') {
    const m = Math.trunc(days / 30);
    months += m;
    days -= m * 30;
  }
  return { months, days, us };
}

/**
 * interval * number, number * interval, interval / number (PostgreSQL's rules: a fraction of a
 * month goes to days at 30 a month, a fraction of a day to time at 24 hours); null for other
 * operands.
 */
export function intervalScale(op: string, ln: Node, rn: Node, l: Compiled, r: Compiled): Compiled | null {
  if (op !== '*' && op !== '/') return null;
  const li = isIntervalNode(ln);
  const ri = isIntervalNode(rn);
  if (li === ri || (op === '/' && !li)) return null;
  const iv = li ? l.ev : r.ev;
  const num = li ? r.ev : l.ev;
  const divide = op === '/';
  return {
    type: 'text',
    name: '?column?',
    ev: (row, f) => {
      const a = iv(row, f);
      const b = num(row, f);
      if (a === null || b === null) return null;
      let k = toNumber(b);
      if (divide) {
        if (k === 0) throw err(SqlState.DivisionByZero, 'division by zero');
        k = 1 / k;
      }
      if (!Number.isFinite(k)) throw err(SqlState.NumericOutOfRange, 'interval out of range');
      return intervalText(scale(parseInterval(textOf(a)), k));
    },
  };
}

function scale(iv: Interval, k: number): Interval {
  const m = iv.months * k;
  const months = Math.trunc(m);
  const d = iv.days * k + (m - months) * 30;
  const days = Math.trunc(d);
  const us = Math.round(iv.us * k + (d - days) * US_PER_DAY);
  return { months, days, us };
}
