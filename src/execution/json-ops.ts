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
import { castValue, textOf } from './values.js';

/** An evaluator of two operands that is NULL when either is (each JSON operator is). */
function strict2(a: Eval, b: Eval, fn: (x: SqlValue, y: SqlValue) => SqlValue): Eval {
  return (row, f) => {
    const x = a(row, f);
    if (x === null) return null;
    const y = b(row, f);
    return y === null ? null : fn(x, y);
  };
}

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
    case '?':
    case '?|':
    case '?&':
    case '#-':
      break;
    default:
      return null;
  }
  if (op.startsWith('?') || op === '#-') return keyOp(ec, op, n, scope);
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
        ev: strict2(a, b, (x, sel) => {
          const m = take(docOf(x, lt), sel);
          if (text) return asText(m);
          return m === undefined ? null : jsonOut(m, type);
        }),
      };
    }
    default: {
      checkOperand(op, rt);
      const within = op === '<@';
      return {
        type: 'boolean',
        name: '?column?',
        ev: strict2(a, b, (x, y) => {
          const dx = docOf(x, lt);
          const dy = docOf(y, rt);
          return within ? contains(dy, dx) : contains(dx, dy);
        }),
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
    ev: strict2(a, b, (x, y) => jsonOut(concat(docOf(x, lt), docOf(y, rt)), 'jsonb')),
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

/** The keys a `?|` / `?&` / `#-` operand names: a text array literal ('{a,b}') or ARRAY['a', 'b']. */
function keysOf(ec: ExprCompiler, node: Node, scope: Scope): Eval {
  const items = node?.type === 'array' ? node.expr_list?.value : undefined;
  if (Array.isArray(items)) {
    const evs = items.map((x: Node) => ec.compile(x, scope).ev);
    return (row, f) => {
      const out: string[] = [];
      for (const e of evs) {
        const v = e(row, f);
        if (v !== null) out.push(textOf(v));
      }
      return JSON.stringify(out);
    };
  }
  const e = ec.compile(node, scope).ev;
  return (row, f) => {
    const v = e(row, f);
    return v === null ? null : JSON.stringify(textArray(v));
  };
}

/**
 * `doc ? key` (a top-level key, or a string element of an array), `?|` / `?&` (any / every key of
 * a text array), `doc #- path` (the document without the member at the path).
 */
function keyOp(ec: ExprCompiler, op: string, n: Node, scope: Scope): Compiled {
  const l = ec.compile(n.left, scope);
  checkOperand(op, l.type);
  const a = l.ev;
  const lt = l.type;
  const one = op === '?';
  // The right side: one key as text, or a list of keys (carried as its JSON text).
  const b = one ? ec.compile(n.right, scope).ev : keysOf(ec, n.right, scope);
  const has = (doc: Json, key: string): boolean => {
    if (Array.isArray(doc)) return doc.some((x) => x === key);
    return doc !== null && typeof doc === 'object' && Object.prototype.hasOwnProperty.call(doc, key);
  };
  if (op === '#-') {
    return {
      type: 'jsonb',
      name: '?column?',
      ev: strict2(a, b, (x, y) => jsonOut(without(docOf(x, lt), JSON.parse(y as string) as string[]), 'jsonb')),
    };
  }
  return {
    type: 'boolean',
    name: '?column?',
    ev: strict2(a, b, (x, y) => {
      const doc = docOf(x, lt);
      if (one) return has(doc, textOf(y));
      const keys = JSON.parse(y as string) as string[];
      return op === '?|' ? keys.some((k) => has(doc, k)) : keys.every((k) => has(doc, k));
    }),
  };
}

/** `doc` without the member or element at `path` (unchanged when there is none). */
function without(doc: Json, path: readonly string[]): Json {
  if (path.length === 0 || doc === null || typeof doc !== 'object') return doc;
  const [step, ...rest] = path as [string, ...string[]];
  if (Array.isArray(doc)) {
    if (!/^-?\d+$/.test(step)) return doc;
    let i = Number(step);
    if (i < 0) i += doc.length;
    if (i < 0 || i >= doc.length) return doc;
    const out = doc.slice();
    if (rest.length === 0) out.splice(i, 1);
    else out[i] = without(doc[i]!, rest);
    return out;
  }
  if (!Object.prototype.hasOwnProperty.call(doc, step)) return doc;
  const out = { ...doc };
  if (rest.length === 0) delete out[step];
  else out[step] = without(doc[step]!, rest);
  return out;
}
