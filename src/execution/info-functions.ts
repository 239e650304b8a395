// PostgreSQL's system information and formatting functions that scripts written for it call:
// current_user, pg_typeof, version, current_schema, div, format, quote_ident / quote_literal /
// quote_nullable.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ColumnType, SqlValue } from '../storage/ports.js';
import type { Arg } from './functions.js';
import type { Eval } from './runtime.js';
import { err, isIntValue, normBig, textOf, toNumber, typeOfValue } from './values.js';

interface InfoCall {
  readonly ev: Eval;
  readonly type: ColumnType;
}

/** PostgreSQL's names of the engine's types, as pg_typeof gives them. */
const PG_TYPE_NAMES: Readonly<Record<ColumnType, string>> = {
  integer: 'integer',
  bigint: 'bigint',
  real: 'double precision',
  numeric: 'numeric',
  text: 'text',
  boolean: 'boolean',
  bytea: 'bytea',
  date: 'date',
  timestamp: 'timestamp without time zone',
  json: 'json',
  jsonb: 'jsonb',
  any: 'unknown',
};

const VERSION = `dispatchdb 0.1.0 on Node.js ${process.versions.node}`;

function arity(name: string, args: readonly Arg[], min: number, max: number): void {
  if (args.length < min || args.length > max) {
    throw new DispatcherError(SqlState.UndefinedFunction, `function ${name} with ${args.length} argument(s) does not exist`);
  }
}

export function quoteIdent(s: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(s) ? s : '"' + s.replace(/"/g, '""') + '"';
}

export function quoteLiteral(s: string): string {
  const body = s.replace(/'/g, "''");
  return s.includes('\\') ? "E'" + body.replace(/\\/g, '\\\\') + "'" : "'" + body + "'";
}

/** A system information or formatting function's compiled call, or null when `name` is none of them. */
export function infoFunction(name: string, args: readonly Arg[]): InfoCall | null {
  switch (name) {
    case 'pg_typeof': {
      arity(name, args, 1, 1);
      const a = args[0]!;
      // The static type; a parameter without one is typed by the value it gets.
      if (a.type !== 'any') {
        const t = PG_TYPE_NAMES[a.type];
        return { type: 'text', ev: () => t };
      }
      return { type: 'text', ev: (r, f) => {
        const v = a.ev(r, f);
        return v === null ? 'unknown' : PG_TYPE_NAMES[typeOfValue(v)];
      } };
    }
    case 'current_user':
    case 'session_user':
    case 'current_role':
      arity(name, args, 0, 0);
      return { type: 'text', ev: (_r, f) => f.ctx.user ?? null };
    case 'version':
      arity(name, args, 0, 0);
      return { type: 'text', ev: () => VERSION };
    case 'current_schema':
      arity(name, args, 0, 0);
      return { type: 'text', ev: () => 'public' };
    case 'div': {
      arity(name, args, 2, 2);
      const [a, b] = args as [Arg, Arg];
      const type: ColumnType = a.type === 'bigint' || b.type === 'bigint' ? 'bigint' : a.type === 'integer' && b.type === 'integer' ? 'integer' : 'numeric';
      return { type, ev: (r, f) => {
        const x = a.ev(r, f);
        const y = b.ev(r, f);
        if (x === null || y === null) return null;
        if (isIntValue(x) && isIntValue(y)) {
          const d = BigInt(y as number | bigint);
          if (d === 0n) throw err(SqlState.DivisionByZero, 'division by zero');
          return normBig(BigInt(x as number | bigint) / d);
        }
        const d = toNumber(y);
        if (d === 0) throw err(SqlState.DivisionByZero, 'division by zero');
        return Math.trunc(toNumber(x) / d);
      } };
    }
    case 'format': {
      arity(name, args, 1, Infinity);
      const [fmt, ...rest] = args as [Arg, ...Arg[]];
      return { type: 'text', ev: (r, f) => {
        const s = fmt.ev(r, f);
        if (s === null) return null;
        return format(textOf(s), rest.map((x) => x.ev(r, f)));
      } };
    }
    case 'quote_ident':
    case 'quote_literal':
    case 'quote_nullable': {
      arity(name, args, 1, 1);
      const a = args[0]!.ev;
      return { type: 'text', ev: (r, f) => {
        const v = a(r, f);
        if (v === null) return name === 'quote_nullable' ? 'NULL' : null;
        return name === 'quote_ident' ? quoteIdent(textOf(v)) : quoteLiteral(textOf(v));
      } };
    }
  }
  return null;
}

/** format(): %s (text, NULL as empty), %I (identifier), %L (literal, NULL as NULL), %%, and n$ positions. */
function format(fmt: string, vals: readonly SqlValue[]): string {
  let out = '';
  let next = 0;
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    let j = i + 1;
    if (fmt[j] === '%') {
      out += '%';
      i = j;
      continue;
    }
    let pos: number | null = null;
    const m = /^(\d+)\$/.exec(fmt.slice(j));
    if (m !== null) {
      pos = Number(m[1]) - 1;
      j += m[0].length;
    }
    const kind = fmt[j];
    if (kind !== 's' && kind !== 'I' && kind !== 'L') throw err(SqlState.InvalidParameterValue, `unrecognized format() type specifier "${kind ?? ''}"`);
    const at = pos ?? next;
    if (at < 0 || at >= vals.length) throw err(SqlState.InvalidParameterValue, 'too few arguments for format()');
    next = at + 1;
    const v = vals[at]!;
    if (kind === 's') out += v === null ? '' : textOf(v);
    else if (kind === 'L') out += v === null ? 'NULL' : quoteLiteral(textOf(v));
    else {
      if (v === null) throw err(SqlState.NullValueNotAllowed, 'null values cannot be formatted as an SQL identifier');
      out += quoteIdent(textOf(v));
    }
    i = j;
  }
  return out;
}
