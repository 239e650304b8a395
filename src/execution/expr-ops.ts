// Operator closures for the expression compiler: arithmetic with static typing and 64-bit
// overflow checks, comparisons with NULL propagation, LIKE patterns.
import { SqlState } from '../api/errors.js';
import type { ColumnType, Row, SqlValue } from '../storage/ports.js';
import type { Eval, Frame } from './runtime.js';
import type { Compiled } from './expr.js';
import type { ExprShape } from './expr-shape.js';
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
 * `integer column op integer literal or parameter` (k % 100, id + 1; prepared statements see
 * their literals as parameters): one closure that reads the slot and the operand and does the
 * arithmetic on numbers itself, falling back to the exact operation otherwise.
 */
function columnOpOperand(op: string, l: Compiled, r: Compiled, io: IntOp): Eval | null {
  const slot = l.slot;
  if (slot === undefined) return null;
  const b = r.ev;
  const c = r.constant;
  const pi = r.param;
  if (pi === undefined && (typeof c !== 'number' || !Number.isSafeInteger(c))) return null;
  // The general path for a value the fast test rejects (NULL, bigint, a missing parameter...).
  const slow = (x: SqlValue, row: Row, f: Frame): SqlValue => {
    if (x === null) return null;
    const y = b(row, f);
    if (y === null) return null;
    return io(x as number, y as number);
  };
  switch (op) {
    case '%':
      return (row, f) => {
        const x = row[slot]!;
        const y = pi === undefined ? c : f.params[pi];
        if (typeof x === 'number' && typeof y === 'number' && y !== 0 && Number.isSafeInteger(y)) return (x % y) + 0;
        return slow(x, row, f);
      };
    case '+':
    case '-': {
      const sign = op === '+' ? 1 : -1;
      return (row, f) => {
        const x = row[slot]!;
        const y = pi === undefined ? c : f.params[pi];
        if (typeof x === 'number' && typeof y === 'number' && Number.isSafeInteger(y)) {
          const s = x + sign * y;
          if (Number.isSafeInteger(s)) return s;
        }
        return slow(x, row, f);
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
    const fast = columnOpOperand(op, l, r, io);
    if (fast !== null) {
      const shape: ExprShape = { kind: 'column-op', op: op as '%' | '+' | '-', slot: l.slot!, ...(r.param !== undefined ? { param: r.param } : { constant: r.constant as number }) };
      return { type, name, ev: fast, shape };
    }
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
