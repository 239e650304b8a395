// The JSON operators: -> and ->> (a member or element, as json or as text), #> and #>> (the same
// along a path given as a text array), @> and <@ (jsonb containment), and || between jsonb values
// (arrays concatenated, objects merged). Their operands are parsed per row (json-values.ts).
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ColumnType, SqlValue } from '../storage/ports.js';
import type { Node } from './ast.js';
import type { Compiled, ExprCompiler } from './expr.js';
import type { Eval } from './runtime.js';
import type { Scope } from './scope.js';
import { asText, atPath, contains, docOf, isJsonType, jsonOut, member, textArray, type Json } from './json-values.js';
import { castValue } from './values.js';

/** The type of a member taken from an operand of type `t` (json stays json; anything else reads as jsonb). */
function resultType(t: ColumnType): ColumnType {
  return t === 'json' ? 'json' : 'jsonb';
}

/** A JSON operator's compiled form, or null when `op` is none of them. */
export function compileJsonOp(ec: ExprCompiler, op: string, n: Node, scope: Scope): Compiled | null {
  switch (op) {
    case '->':
    case '->>':
    case '#>':
    case '#>>':
    case '@>':
    case '<@':
      break;
    default:
      return null;
  }
  const l = ec.compile(n.left, scope);
  const r = ec.compile(n.right, scope);
  const lt = l.type;
  const rt = r.type;
  checkOperand(op, lt);
  const a = l.ev;
  const b = r.ev;
  switch (op) {
    case '->':
    case '->>':
    case '#>':
    case '#>>': {
      const text = op.endsWith('>>');
      const type = text ? 'text' : resultType(lt);
      // -> takes a key or position, #> a path of them as a text array.
      const take = op.startsWith('#') ? (doc: Json, sel: SqlValue) => atPath(doc, textArray(sel)) : member;
      return {
        type,
        name: '?column?',
        ev: (row, f) => {
          const x = a(row, f);
          if (x === null) return null;
          const sel = b(row, f);
          if (sel === null) return null;
          const m = take(docOf(x, lt), sel);
          if (text) return asText(m);
          return m === undefined ? null : jsonOut(m, type);
        },
      };
    }
    default: {
      checkOperand(op, rt);
      const within = op === '<@';
      return {
        type: 'boolean',
        name: '?column?',
        ev: (row, f) => {
          const x = a(row, f);
          if (x === null) return null;
          const y = b(row, f);
          if (y === null) return null;
          const dx = docOf(x, lt);
          const dy = docOf(y, rt);
          return within ? contains(dy, dx) : contains(dx, dy);
        },
      };
    }
  }
}

/** Operands that cannot be JSON (numbers, booleans, dates...) are refused at compile time (42883). */
function checkOperand(op: string, t: ColumnType): void {
  if (isJsonType(t) || t === 'any' || t === 'text') return;
  throw new DispatcherError(SqlState.UndefinedFunction, `operator does not exist: ${t} ${op} unknown`);
}

/** `a || b` when either side is jsonb or json: arrays concatenated, objects merged (right wins). */
export function jsonConcat(l: Compiled, r: Compiled): Compiled | null {
  if (!isJsonType(l.type) && !isJsonType(r.type)) return null;
  const a: Eval = l.ev;
  const b: Eval = r.ev;
  const lt = l.type;
  const rt = r.type;
  return {
    type: 'jsonb',
    name: '?column?',
    ev: (row, f) => {
      const x = a(row, f);
      if (x === null) return null;
      const y = b(row, f);
      if (y === null) return null;
      return jsonOut(concat(docOf(x, lt), docOf(y, rt)), 'jsonb');
    },
  };
}

function concat(x: Json, y: Json): Json {
  const isObj = (v: Json): v is { [key: string]: Json } => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(x) && isObj(y)) return { ...x, ...y };
  const ax = Array.isArray(x) ? x : [x];
  const ay = Array.isArray(y) ? y : [y];
  return [...ax, ...ay];
}


/**
 * A jsonb value compared with a value of another type (a text literal or parameter): the other
 * side is read as jsonb first (22P02 if it is not JSON), so documents written differently but
 * equal compare equal, as in PostgreSQL.
 */
export function asJsonbPair(l: Compiled, r: Compiled): [Compiled, Compiled] {
  if (l.type === 'jsonb' && r.type !== 'jsonb') return [l, toJsonb(r)];
  if (r.type === 'jsonb' && l.type !== 'jsonb') return [toJsonb(l), r];
  return [l, r];
}

function toJsonb(c: Compiled): Compiled {
  const e = c.ev;
  const from = c.type;
  return { type: 'jsonb', name: c.name, ev: (row, f) => castValue(e(row, f), 'jsonb', from) };
}
