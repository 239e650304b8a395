// Scalar functions: each entry types its call statically and returns a closure over the
// compiled arguments, so a call costs one closure hop per row.
import { createHash, randomUUID } from 'node:crypto';
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ColumnType, SqlValue } from '../storage/ports.js';
import type { Eval } from './runtime.js';
import type { ExprShape } from './expr-shape.js';
import { moreFunction } from './more-functions.js';
import { RAISE_FUNCTION, compileRaise } from './raise.js';
import {
  castValue,
  checkFloat,
  compareNonNull,
  err,
  intMod,
  isIntValue,
  isIntegerType,
  roundAway,
  textOf,
  toNumber,
} from './values.js';

export interface Arg {
  readonly ev: Eval;
  readonly type: ColumnType;
}

export interface CompiledCall {
  readonly ev: Eval;
  readonly type: ColumnType;
  readonly shape?: ExprShape;
}

function nargs(name: string, args: readonly Arg[], min: number, max: number): void {
  if (args.length < min || args.length > max) {
    throw new DispatcherError(
      SqlState.UndefinedFunction,
      `function ${name} with ${args.length} argument(s) does not exist`,
    );
  }
}

function commonType(types: readonly ColumnType[]): ColumnType {
  let t: ColumnType = 'any';
  for (const x of types) {
    if (x === 'any') continue;
    if (t === 'any') t = x;
    else if (t !== x) {
      if (isIntegerType(t) && isIntegerType(x)) t = 'bigint';
      else if ((t === 'real' || t === 'numeric' || isIntegerType(t)) && (x === 'real' || x === 'numeric' || isIntegerType(x))) {
        t = t === 'real' || x === 'real' ? 'real' : 'numeric';
      }
    }
  }
  return t;
}

function unary(a: Arg & { readonly slot?: number }, fn: (v: SqlValue) => SqlValue, type: ColumnType): CompiledCall {
  const e = a.ev;
  const slot = a.slot;
  if (slot !== undefined) {
    // f(column): read the slot here rather than through the column's closure.
    return {
      type,
      ev: (r) => {
        const v = r[slot]!;
        return v === null ? null : fn(v);
      },
    };
  }
  return {
    type,
    ev: (r, f) => {
      const v = e(r, f);
      return v === null ? null : fn(v);
    },
  };
}

function str(v: SqlValue): string {
  return textOf(v);
}

/** Any UTF-16 surrogate: without one, code points and string indexes agree. */
const SURROGATE = /[\ud800-\udfff]/;

/** Length in code points, without building an array (V8 rejects one-byte strings at once). */
function codePointLength(s: string): number {
  if (!SURROGATE.test(s)) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function lengthOf(v: SqlValue): number {
  return typeof v === 'string' ? codePointLength(v) : v instanceof Uint8Array ? v.length : codePointLength(str(v));
}

/** length(x): its own closure (not unary's shared one), so the call inside it stays monomorphic. */
function lengthCall(a: Arg & { readonly slot?: number }): CompiledCall {
  const slot = a.slot;
  if (slot !== undefined) {
    return {
      type: 'integer',
      ev: (r) => {
        const v = r[slot]!;
        return v === null ? null : lengthOf(v);
      },
      shape: { kind: 'length', slot },
    };
  }
  const e = a.ev;
  return {
    type: 'integer',
    ev: (r, f) => {
      const v = e(r, f);
      return v === null ? null : lengthOf(v);
    },
  };
}

function substr(s: string, start: number, len: number | null): string {
  // SQL positions are 1-based and may start before the string.
  let from = start - 1;
  let to = len === null ? Infinity : from + len;
  if (len !== null && len < 0) throw err(SqlState.InvalidParameterValue, 'negative substring length not allowed');
  if (from < 0) from = 0;
  if (to <= from) return '';
  if (!SURROGATE.test(s)) return s.slice(from, to === Infinity ? undefined : to);
  const cps = Array.from(s);
  return cps.slice(from, to === Infinity ? undefined : to).join('');
}

function trimChars(s: string, chars: string, left: boolean, right: boolean): string {
  let a = 0;
  let b = s.length;
  if (left) while (a < b && chars.includes(s[a]!)) a++;
  if (right) while (b > a && chars.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

function roundTo(x: number, d: number): number {
  const m = 10 ** d;
  return roundAway(x * m) / m;
}

export function compileFunction(name: string, args: readonly Arg[]): CompiledCall {
  switch (name) {
    case 'coalesce': {
      if (args.length === 0) nargs(name, args, 1, 1);
      const evs = args.map((a) => a.ev);
      return {
        type: commonType(args.map((a) => a.type)),
        ev: (r, f) => {
          for (let i = 0; i < evs.length; i++) {
            const v = evs[i]!(r, f);
            if (v !== null) return v;
          }
          return null;
        },
      };
    }
    case 'nullif': {
      nargs(name, args, 2, 2);
      const a = args[0]!.ev;
      const b = args[1]!.ev;
      return {
        type: args[0]!.type,
        ev: (r, f) => {
          const x = a(r, f);
          const y = b(r, f);
          if (x !== null && y !== null && compareNonNull(x, y) === 0) return null;
          return x;
        },
      };
    }
    case 'greatest':
    case 'least': {
      if (args.length === 0) nargs(name, args, 1, 1);
      const evs = args.map((a) => a.ev);
      const sign = name === 'greatest' ? 1 : -1;
      return {
        type: commonType(args.map((a) => a.type)),
        ev: (r, f) => {
          let best: SqlValue = null;
          for (let i = 0; i < evs.length; i++) {
            const v = evs[i]!(r, f);
            if (v !== null && (best === null || compareNonNull(v, best) * sign > 0)) best = v;
          }
          return best;
        },
      };
    }
    case 'abs': {
      nargs(name, args, 1, 1);
      const t = args[0]!.type;
      return unary(
        args[0]!,
        (v) => {
          if (typeof v === 'bigint') {
            const r = v < 0n ? -v : v;
            return castValue(r, 'bigint');
          }
          return Math.abs(toNumber(v));
        },
        t === 'any' || t === 'text' ? 'any' : t,
      );
    }
    case 'length':
    case 'char_length':
    case 'character_length':
      nargs(name, args, 1, 1);
      return lengthCall(args[0]!);
    case 'octet_length':
      nargs(name, args, 1, 1);
      return unary(args[0]!, (v) => (v instanceof Uint8Array ? v.length : Buffer.byteLength(str(v))), 'integer');
    case 'lower':
      nargs(name, args, 1, 1);
      return unary(args[0]!, (v) => str(v).toLowerCase(), 'text');
    case 'upper':
      nargs(name, args, 1, 1);
      return unary(args[0]!, (v) => str(v).toUpperCase(), 'text');
    case 'substr':
    case 'substring': {
      nargs(name, args, 2, 3);
      const s = args[0]!.ev;
      const p = args[1]!.ev;
      const l = args[2]?.ev;
      return {
        type: 'text',
        ev: (r, f) => {
          const v = s(r, f);
          const from = p(r, f);
          const len = l === undefined ? null : l(r, f);
          if (v === null || from === null || (l !== undefined && len === null)) return null;
          return substr(str(v), Number(from), len === null ? null : Number(len));
        },
      };
    }
    case 'trim':
    case 'btrim':
    case 'ltrim':
    case 'rtrim': {
      nargs(name, args, 1, 2);
      const s = args[0]!.ev;
      const c = args[1]?.ev;
      const left = name !== 'rtrim';
      const right = name !== 'ltrim';
      return {
        type: 'text',
        ev: (r, f) => {
          const v = s(r, f);
          const chars = c === undefined ? ' ' : c(r, f);
          if (v === null || chars === null) return null;
          return trimChars(str(v), str(chars), left, right);
        },
      };
    }
    case 'replace': {
      nargs(name, args, 3, 3);
      const [a, b, c] = args.map((x) => x.ev) as [Eval, Eval, Eval];
      return {
        type: 'text',
        ev: (r, f) => {
          const x = a(r, f);
          const y = b(r, f);
          const z = c(r, f);
          if (x === null || y === null || z === null) return null;
          const from = str(y);
          return from === '' ? str(x) : str(x).split(from).join(str(z));
        },
      };
    }
    case 'round': {
      nargs(name, args, 1, 2);
      const a = args[0]!.ev;
      const d = args[1]?.ev;
      const t = args[0]!.type;
      const type: ColumnType = isIntegerType(t) ? (d === undefined ? t : 'numeric') : t === 'any' ? 'any' : t === 'real' && d === undefined ? 'real' : 'numeric';
      return {
        type,
        ev: (r, f) => {
          const v = a(r, f);
          if (v === null) return null;
          const digits = d === undefined ? 0 : d(r, f);
          if (digits === null) return null;
          if (isIntValue(v) && d === undefined) return v;
          const x = toNumber(v);
          // double precision rounds half to even, numeric half away from zero.
          if (t === 'real' && d === undefined) {
            const rr = Math.round(x);
            return Math.abs(x % 1) === 0.5 && rr % 2 !== 0 ? rr - 1 : rr;
          }
          return roundTo(x, Number(digits));
        },
      };
    }
    case 'floor':
    case 'ceil':
    case 'ceiling': {
      nargs(name, args, 1, 1);
      const fn = name === 'floor' ? Math.floor : Math.ceil;
      const t = args[0]!.type;
      return unary(args[0]!, (v) => (isIntValue(v) ? v : fn(toNumber(v))), t === 'text' ? 'real' : t);
    }
    case 'sign': {
      nargs(name, args, 1, 1);
      return unary(args[0]!, (v) => Math.sign(toNumber(v)), args[0]!.type);
    }
    case 'mod': {
      nargs(name, args, 2, 2);
      const a = args[0]!.ev;
      const b = args[1]!.ev;
      const bothInt = isIntegerType(args[0]!.type) && isIntegerType(args[1]!.type);
      return {
        type: bothInt ? commonType([args[0]!.type, args[1]!.type]) : 'numeric',
        ev: (r, f) => {
          const x = a(r, f);
          const y = b(r, f);
          if (x === null || y === null) return null;
          if (isIntValue(x) && isIntValue(y)) return intMod(x as number | bigint, y as number | bigint);
          const d = toNumber(y);
          if (d === 0) throw err(SqlState.DivisionByZero, 'division by zero');
          return toNumber(x) % d;
        },
      };
    }
    case 'power':
    case 'pow': {
      nargs(name, args, 2, 2);
      const a = args[0]!.ev;
      const b = args[1]!.ev;
      const numeric = args[0]!.type === 'numeric' || args[1]!.type === 'numeric';
      return {
        type: numeric ? 'numeric' : 'real',
        ev: (r, f) => {
          const x = a(r, f);
          const y = b(r, f);
          if (x === null || y === null) return null;
          const bx = toNumber(x);
          const by = toNumber(y);
          if (bx === 0 && by < 0) throw err(SqlState.DivisionByZero, 'zero raised to a negative power is undefined');
          if (bx < 0 && !Number.isInteger(by)) {
            throw err(SqlState.InvalidParameterValue, 'a negative number raised to a non-integer power yields a complex result');
          }
          return checkFloat(bx ** by);
        },
      };
    }
    case 'sqrt': {
      nargs(name, args, 1, 1);
      return unary(
        args[0]!,
        (v) => {
          const x = toNumber(v);
          if (x < 0) throw err(SqlState.InvalidParameterValue, 'cannot take square root of a negative number');
          return Math.sqrt(x);
        },
        args[0]!.type === 'numeric' ? 'numeric' : 'real',
      );
    }
    case 'concat': {
      const evs = args.map((a) => a.ev);
      return {
        type: 'text',
        ev: (r, f) => {
          let s = '';
          for (let i = 0; i < evs.length; i++) {
            const v = evs[i]!(r, f);
            if (v !== null) s += str(v);
          }
          return s;
        },
      };
    }
    case 'left':
    case 'right': {
      nargs(name, args, 2, 2);
      const a = args[0]!.ev;
      const n = args[1]!.ev;
      const left = name === 'left';
      return {
        type: 'text',
        ev: (r, f) => {
          const v = a(r, f);
          const k = n(r, f);
          if (v === null || k === null) return null;
          const cps = Array.from(str(v));
          const c = Number(k);
          if (left) return (c >= 0 ? cps.slice(0, c) : cps.slice(0, Math.max(0, cps.length + c))).join('');
          return (c >= 0 ? cps.slice(Math.max(0, cps.length - c)) : cps.slice(Math.min(cps.length, -c))).join('');
        },
      };
    }
    case 'lpad':
    case 'rpad': {
      nargs(name, args, 2, 3);
      const a = args[0]!.ev;
      const n = args[1]!.ev;
      const fill = args[2]?.ev;
      const leftPad = name === 'lpad';
      return {
        type: 'text',
        ev: (r, f) => {
          const v = a(r, f);
          const k = n(r, f);
          const fl = fill === undefined ? ' ' : fill(r, f);
          if (v === null || k === null || fl === null) return null;
          const len = Number(k);
          // repeat()'s limit: a huge length must be an error, not an array the VM cannot grow
          if (len > 1e8) throw err(SqlState.ProgramLimitExceeded, 'requested length too large');
          const cps = Array.from(str(v));
          if (len <= cps.length) return cps.slice(0, Math.max(0, len)).join('');
          const fc = Array.from(str(fl));
          if (fc.length === 0) return cps.join('');
          const unit = fc.join('');
          const want = len - cps.length;
          // whole copies of the fill, then its first code points
          const pad = unit.repeat(Math.floor(want / fc.length)) + fc.slice(0, want % fc.length).join('');
          return leftPad ? pad + cps.join('') : cps.join('') + pad;
        },
      };
    }
    case 'repeat': {
      nargs(name, args, 2, 2);
      const a = args[0]!.ev;
      const n = args[1]!.ev;
      return {
        type: 'text',
        ev: (r, f) => {
          const v = a(r, f);
          const k = n(r, f);
          if (v === null || k === null) return null;
          const c = Number(k);
          if (c * str(v).length > 1e8) throw err(SqlState.ProgramLimitExceeded, 'requested length too large');
          return c <= 0 ? '' : str(v).repeat(c);
        },
      };
    }
    case 'reverse':
      nargs(name, args, 1, 1);
      return unary(args[0]!, (v) => Array.from(str(v)).reverse().join(''), 'text');
    case 'initcap':
      nargs(name, args, 1, 1);
      return unary(args[0]!, (v) => str(v).toLowerCase().replace(/(^|[^a-z0-9])([a-z])/g, (_m, p: string, c: string) => p + c.toUpperCase()), 'text');
    case 'strpos': {
      nargs(name, args, 2, 2);
      const a = args[0]!.ev;
      const b = args[1]!.ev;
      return {
        type: 'integer',
        ev: (r, f) => {
          const x = a(r, f);
          const y = b(r, f);
          if (x === null || y === null) return null;
          const i = str(x).indexOf(str(y));
          return i < 0 ? 0 : Array.from(str(x).slice(0, i)).length + 1;
        },
      };
    }
    case 'starts_with': {
      nargs(name, args, 2, 2);
      const a = args[0]!.ev;
      const b = args[1]!.ev;
      return {
        type: 'boolean',
        ev: (r, f) => {
          const x = a(r, f);
          const y = b(r, f);
          return x === null || y === null ? null : str(x).startsWith(str(y));
        },
      };
    }
    case 'split_part': {
      nargs(name, args, 3, 3);
      const [a, b, c] = args.map((x) => x.ev) as [Eval, Eval, Eval];
      return {
        type: 'text',
        ev: (r, f) => {
          const x = a(r, f);
          const d = b(r, f);
          const n = c(r, f);
          if (x === null || d === null || n === null) return null;
          const k = Number(n);
          if (k === 0) throw err(SqlState.InvalidParameterValue, 'field position must not be zero');
          const parts = str(d) === '' ? [str(x)] : str(x).split(str(d));
          const i = k > 0 ? k - 1 : parts.length + k;
          return parts[i] ?? '';
        },
      };
    }
    case 'ascii':
      nargs(name, args, 1, 1);
      return unary(args[0]!, (v) => str(v).codePointAt(0) ?? 0, 'integer');
    case 'chr':
      nargs(name, args, 1, 1);
      return unary(args[0]!, (v) => String.fromCodePoint(Number(v)), 'text');
    case 'md5':
      nargs(name, args, 1, 1);
      return unary(args[0]!, (v) => createHash('md5').update(str(v)).digest('hex'), 'text');
    case 'trunc': {
      nargs(name, args, 1, 2);
      const a = args[0]!.ev;
      const d = args[1]?.ev;
      return {
        type: args[0]!.type === 'real' ? 'real' : 'numeric',
        ev: (r, f) => {
          const v = a(r, f);
          const k = d === undefined ? 0 : d(r, f);
          if (v === null || k === null) return null;
          const m = 10 ** Number(k);
          return Math.trunc(toNumber(v) * m) / m;
        },
      };
    }
    case 'exp':
      nargs(name, args, 1, 1);
      return unary(args[0]!, (v) => checkFloat(Math.exp(toNumber(v))), args[0]!.type === 'numeric' ? 'numeric' : 'real');
    case 'ln':
    case 'log':
    case 'log10': {
      nargs(name, args, 1, name === 'log' ? 2 : 1);
      const a = args[0]!.ev;
      const b = args[1]?.ev;
      const natural = name === 'ln';
      return {
        type: 'real',
        ev: (r, f) => {
          const x = a(r, f);
          const y = b === undefined ? null : b(r, f);
          if (x === null || (b !== undefined && y === null)) return null;
          const arg = toNumber(b === undefined ? x : y);
          if (arg === 0) throw err('2201E', 'cannot take logarithm of zero');
          if (arg < 0) throw err('2201E', 'cannot take logarithm of a negative number');
          if (b !== undefined) return Math.log(arg) / Math.log(toNumber(x));
          return natural ? Math.log(arg) : Math.log10(arg);
        },
      };
    }
    case 'pi':
      nargs(name, args, 0, 0);
      return { type: 'real', ev: () => Math.PI };
    case 'random':
      nargs(name, args, 0, 0);
      return { type: 'real', ev: () => Math.random() };
    case 'gen_random_uuid':
      // A version 4 UUID as text (there is no uuid type).
      nargs(name, args, 0, 0);
      return { type: 'text', ev: () => randomUUID() };
    case 'now':
    case 'current_timestamp':
    case 'localtimestamp':
      return { type: 'timestamp', ev: () => new Date().toISOString().replace('T', ' ').replace('Z', '') };
    case 'current_date':
      return { type: 'date', ev: () => new Date().toISOString().slice(0, 10) };
    case 'typeof': {
      nargs(name, args, 1, 1);
      const a = args[0]!.ev;
      return {
        type: 'text',
        ev: (r, f) => {
          const v = a(r, f);
          if (v === null) return 'null';
          if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'real';
          if (typeof v === 'bigint') return 'integer';
          if (typeof v === 'string') return 'text';
          if (typeof v === 'boolean') return 'boolean';
          return 'blob';
        },
      };
    }
  }
  if (name === RAISE_FUNCTION) return compileRaise(args);
  const more = moreFunction(name, args);
  if (more !== null) return more;
  throw new DispatcherError(SqlState.UndefinedFunction, `function ${name}() does not exist`);
}
