// Further scalar functions of PostgreSQL's usual set (string, trigonometric, integer): each types
// its call statically and returns a closure over the compiled arguments, as functions.ts does.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ColumnType, SqlValue } from '../storage/ports.js';
import type { Eval } from './runtime.js';
import { checkFloat, err, isIntValue, isIntegerType, normBig, textOf, toNumber } from './values.js';

interface Arg {
  readonly ev: Eval;
  readonly type: ColumnType;
}

interface Call {
  readonly ev: Eval;
  readonly type: ColumnType;
}

function arity(name: string, args: readonly Arg[], min: number, max: number): void {
  if (args.length < min || args.length > max) {
    throw new DispatcherError(SqlState.UndefinedFunction, `function ${name} with ${args.length} argument(s) does not exist`);
  }
}

/** A function of its arguments that is NULL when any argument is NULL. */
function strict(args: readonly Arg[], type: ColumnType, fn: (vals: SqlValue[]) => SqlValue): Call {
  const evs = args.map((a) => a.ev);
  return {
    type,
    ev: (r, f) => {
      const vals: SqlValue[] = new Array(evs.length);
      for (let i = 0; i < evs.length; i++) {
        const v = evs[i]!(r, f);
        if (v === null) return null;
        vals[i] = v;
      }
      return fn(vals);
    },
  };
}

function float(args: readonly Arg[], fn: (x: number) => number, check?: (x: number) => void): Call {
  return strict(args, 'real', ([v]) => {
    const x = toNumber(v!);
    check?.(x);
    return checkFloat(fn(x));
  });
}

function domain(lo: number, hi: number): (x: number) => void {
  return (x) => {
    if (x < lo || x > hi) throw err(SqlState.InvalidParameterValue, 'input is out of range');
  };
}

function bigOf(v: SqlValue): bigint {
  if (typeof v === 'bigint') return v;
  return BigInt(toNumber(v));
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/** PostgreSQL regular expression flags that JavaScript shares: g (all), i (case), and the rest refused. */
function regexFlags(flags: string): string {
  let out = '';
  for (const c of flags) {
    if (c === 'g' || c === 'i') out += c;
    else if (c !== 'c') throw err(SqlState.InvalidParameterValue, `invalid regular expression option: "${c}"`);
  }
  return out;
}

function regex(pattern: string, flags: string): RegExp {
  try {
    return new RegExp(pattern, flags);
  } catch (e) {
    throw err('2201B', `invalid regular expression: ${(e as Error).message}`);
  }
}

/** The function, or null when `name` is not one of this module's. */
export function moreFunction(name: string, args: readonly Arg[]): Call | null {
  switch (name) {
    case 'concat_ws': {
      if (args.length < 1) arity(name, args, 1, Infinity);
      const sep = args[0]!.ev;
      const rest = args.slice(1).map((a) => a.ev);
      return {
        type: 'text',
        ev: (r, f) => {
          const s = sep(r, f);
          if (s === null) return null;
          const parts: string[] = [];
          for (const e of rest) {
            const v = e(r, f);
            if (v !== null) parts.push(textOf(v));
          }
          return parts.join(textOf(s));
        },
      };
    }
    case 'translate':
      arity(name, args, 3, 3);
      return strict(args, 'text', ([s, from, to]) => {
        const f = Array.from(textOf(from!));
        const t = Array.from(textOf(to!));
        let out = '';
        for (const c of textOf(s!)) {
          const i = f.indexOf(c);
          if (i < 0) out += c;
          else if (i < t.length) out += t[i]!;
        }
        return out;
      });
    case 'bit_length':
      arity(name, args, 1, 1);
      return strict(args, 'integer', ([v]) => (v instanceof Uint8Array ? v.length : Buffer.byteLength(textOf(v!))) * 8);
    case 'to_hex':
      arity(name, args, 1, 1);
      return strict(args, 'text', ([v]) => {
        const b = bigOf(v!);
        // Negative numbers print as their two's complement (64-bit for bigint, 32-bit for integer).
        const bits = args[0]!.type === 'integer' && b >= -(2n ** 31n) && b < 2n ** 31n ? 32n : 64n;
        return (b < 0n ? (1n << bits) + b : b).toString(16);
      });
    case 'regexp_replace': {
      arity(name, args, 3, 4);
      return strict(args, 'text', ([s, p, rep, fl]) => {
        const flags = regexFlags(fl === undefined ? '' : textOf(fl));
        // PostgreSQL writes \1 and \& in the replacement; JavaScript $1 and $&.
        const replacement = textOf(rep!).replace(/\$/g, '$$$$').replace(/\\(\d|&)/g, (_m, d: string) => (d === '&' ? '$&' : `$${d}`));
        return textOf(s!).replace(regex(textOf(p!), flags), replacement);
      });
    }
    case 'cbrt':
      arity(name, args, 1, 1);
      return float(args, Math.cbrt);
    case 'degrees':
      arity(name, args, 1, 1);
      return float(args, (x) => (x * 180) / Math.PI);
    case 'radians':
      arity(name, args, 1, 1);
      return float(args, (x) => (x * Math.PI) / 180);
    case 'sin':
      arity(name, args, 1, 1);
      return float(args, Math.sin);
    case 'cos':
      arity(name, args, 1, 1);
      return float(args, Math.cos);
    case 'tan':
      arity(name, args, 1, 1);
      return float(args, Math.tan);
    case 'cot':
      arity(name, args, 1, 1);
      return float(args, (x) => 1 / Math.tan(x));
    case 'asin':
      arity(name, args, 1, 1);
      return float(args, Math.asin, domain(-1, 1));
    case 'acos':
      arity(name, args, 1, 1);
      return float(args, Math.acos, domain(-1, 1));
    case 'atan':
      arity(name, args, 1, 1);
      return float(args, Math.atan);
    case 'atan2':
      arity(name, args, 2, 2);
      return strict(args, 'real', ([y, x]) => Math.atan2(toNumber(y!), toNumber(x!)));
    case 'gcd':
    case 'lcm': {
      arity(name, args, 2, 2);
      if (!isIntegerType(args[0]!.type) && args[0]!.type !== 'any') break;
      const type: ColumnType = args[0]!.type === 'bigint' || args[1]!.type === 'bigint' ? 'bigint' : 'integer';
      return strict(args, type, ([a, b]) => {
        if (!isIntValue(a!) || !isIntValue(b!)) throw err(SqlState.DatatypeMismatch, `function ${name} requires integer arguments`);
        const x = bigOf(a!);
        const y = bigOf(b!);
        const g = gcd(x, y);
        if (name === 'gcd') return normBig(g);
        if (x === 0n || y === 0n) return 0;
        const l = (x / g) * y;
        return normBig(l < 0n ? -l : l);
      });
    }
  }
  return null;
}
