// Operator closures for the expression compiler: arithmetic with static typing and 64-bit
// overflow checks, comparisons with NULL propagation, LIKE patterns.
import { SqlState } from '../api/errors.js';
import type { ColumnType } from '../storage/ports.js';
import type { Eval } from './runtime.js';
import type { Compiled } from './expr.js';
import {
  checkFloat,
  compareNonNull,
  err,
  intAdd,
  intDiv,
  intMod,
  intMul,
  intSub,
  isIntValue,
  isIntegerType,
  toNumber,
} from './values.js';

export function arithType(a: ColumnType, b: ColumnType): ColumnType {
  if (isIntegerType(a) && isIntegerType(b)) return a === 'bigint' || b === 'bigint' ? 'bigint' : 'integer';
  if (a === 'real' || b === 'real') return 'real';
  if (a === 'numeric' || b === 'numeric') {
    if (a === 'any' || b === 'any') return 'any';
    return 'numeric';
  }
  return 'any';
}

type IntOp = (a: number | bigint, b: number | bigint) => number | bigint;

function floatOp(op: string): (a: number, b: number) => number {
  switch (op) {
    case '+':
      return (a, b) => checkFloat(a + b);
    case '-':
      return (a, b) => checkFloat(a - b);
    case '*':
      return (a, b) => checkFloat(a * b);
    case '/':
      return (a, b) => {
        if (b === 0) throw err(SqlState.DivisionByZero, 'division by zero');
        return checkFloat(a / b);
      };
    default:
      return (a, b) => {
        if (b === 0) throw err(SqlState.DivisionByZero, 'division by zero');
        return a % b;
      };
  }
}

function intOp(op: string): IntOp {
  switch (op) {
    case '+':
      return intAdd;
    case '-':
      return intSub;
    case '*':
      return intMul;
    case '/':
      return intDiv;
    default:
      return intMod;
  }
}

/**
 * `integer column op integer literal` (k % 100, id + 1): one closure that reads the slot and
 * does the arithmetic on numbers itself, falling back to the exact operation otherwise.
 */
function columnOpConstant(op: string, l: Compiled, r: Compiled, io: IntOp): Eval | null {
  const slot = l.slot;
  const c = r.constant;
  if (slot === undefined || typeof c !== 'number' || !Number.isSafeInteger(c)) return null;
  switch (op) {
    case '%':
      if (c === 0) return null;
      return (row) => {
        const x = row[slot]!;
        if (x === null) return null;
        if (typeof x === 'number') return (x % c) + 0;
        return io(x as bigint, c);
      };
    case '+':
    case '-': {
      const d = op === '+' ? c : -c;
      return (row) => {
        const x = row[slot]!;
        if (x === null) return null;
        if (typeof x === 'number') {
          const s = x + d;
          if (Number.isSafeInteger(s)) return s;
        }
        return io(x as number, c);
      };
    }
    default:
      return null;
  }
}

export function compileArith(op: string, l: Compiled, r: Compiled): Compiled {
  const type = arithType(l.type, r.type);
  const a = l.ev;
  const b = r.ev;
  const name = '?column?';
  if (isIntegerType(type)) {
    const io = intOp(op);
    const fast = columnOpConstant(op, l, r, io);
    if (fast !== null) return { type, name, ev: fast };
    if (op === '+') {
      return {
        type,
        name,
        ev: (row, f) => {
          const x = a(row, f);
          if (x === null) return null;
          const y = b(row, f);
          if (y === null) return null;
          if (typeof x === 'number' && typeof y === 'number') {
            const s = x + y;
            if (Number.isSafeInteger(s)) return s;
          }
          return intAdd(x as number, y as number);
        },
      };
    }
    if (op === '*') {
      return {
        type,
        name,
        ev: (row, f) => {
          const x = a(row, f);
          if (x === null) return null;
          const y = b(row, f);
          if (y === null) return null;
          if (typeof x === 'number' && typeof y === 'number') {
            const s = x * y;
            if (Number.isSafeInteger(s)) return s + 0;
          }
          return intMul(x as number, y as number);
        },
      };
    }
    return {
      type,
      name,
      ev: (row, f) => {
        const x = a(row, f);
        if (x === null) return null;
        const y = b(row, f);
        if (y === null) return null;
        return io(x as number, y as number);
      },
    };
  }
  const fo = floatOp(op);
  if (type === 'real' || type === 'numeric') {
    return {
      type,
      name,
      ev: (row, f) => {
        const x = a(row, f);
        if (x === null) return null;
        const y = b(row, f);
        if (y === null) return null;
        return fo(toNumber(x), toNumber(y));
      },
    };
  }
  // Types unknown until run time (untyped parameters, NULL literals): decide per value.
  const io = intOp(op);
  const lInt = isIntegerType(l.type) || l.type === 'any';
  const rInt = isIntegerType(r.type) || r.type === 'any';
  return {
    type,
    name,
    ev: (row, f) => {
      const x = a(row, f);
      if (x === null) return null;
      const y = b(row, f);
      if (y === null) return null;
      if (lInt && rInt && isIntValue(x) && isIntValue(y)) return io(x as number, y as number);
      return fo(toNumber(x), toNumber(y));
    },
  };
}

export function compareOp(op: string, l: Compiled, r: Compiled): Eval {
  const a = l.ev;
  const b = r.ev;
  const numeric =
    (isIntegerType(l.type) || l.type === 'real' || l.type === 'numeric') &&
    (isIntegerType(r.type) || r.type === 'real' || r.type === 'numeric');
  if (numeric) {
    // Numbers and bigints compare directly with JS operators.
    switch (op) {
      case '=':
        return (row, f) => {
          const x = a(row, f);
          if (x === null) return null;
          const y = b(row, f);
          if (y === null) return null;
          // eslint-disable-next-line eqeqeq
          return x == y;
        };
      case '<>':
      case '!=':
        return (row, f) => {
          const x = a(row, f);
          if (x === null) return null;
          const y = b(row, f);
          if (y === null) return null;
          // eslint-disable-next-line eqeqeq
          return x != y;
        };
      case '<':
        return (row, f) => {
          const x = a(row, f);
          if (x === null) return null;
          const y = b(row, f);
          if (y === null) return null;
          return (x as number) < (y as number);
        };
      case '<=':
        return (row, f) => {
          const x = a(row, f);
          if (x === null) return null;
          const y = b(row, f);
          if (y === null) return null;
          return (x as number) <= (y as number);
        };
      case '>':
        return (row, f) => {
          const x = a(row, f);
          if (x === null) return null;
          const y = b(row, f);
          if (y === null) return null;
          return (x as number) > (y as number);
        };
      case '>=':
        return (row, f) => {
          const x = a(row, f);
          if (x === null) return null;
          const y = b(row, f);
          if (y === null) return null;
          return (x as number) >= (y as number);
        };
    }
  }
  let test: (c: number) => boolean;
  switch (op) {
    case '=':
      test = (c) => c === 0;
      break;
    case '<>':
    case '!=':
      test = (c) => c !== 0;
      break;
    case '<':
      test = (c) => c < 0;
      break;
    case '<=':
      test = (c) => c <= 0;
      break;
    case '>':
      test = (c) => c > 0;
      break;
    default:
      test = (c) => c >= 0;
  }
  return (row, f) => {
    const x = a(row, f);
    if (x === null) return null;
    const y = b(row, f);
    if (y === null) return null;
    return test(compareNonNull(x, y));
  };
}

export function likeRegex(pattern: string, escape: string | null, ci: boolean): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (escape !== null && c === escape) {
      const nx = pattern[i + 1];
      if (nx === undefined) throw err(SqlState.InvalidParameterValue, 'LIKE pattern must not end with escape character');
      re += nx.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i++;
    } else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(re + '$', ci ? 'isu' : 'su');
}
