// The few places execution needs the parser itself: DEFAULT expressions stored as SQL text,
// view bodies, and operands node-sql-parser leaves as raw text (IS DISTINCT FROM).
import pkg from 'node-sql-parser/build/postgresql.js';
import { DispatcherError, SqlState } from '../api/errors.js';
import type { SqlValue } from '../storage/ports.js';
import { selectOf } from './ast.js';
import type { Node } from './expr.js';
import type { ParamType } from './types.js';

const { Parser } = pkg;
const parser = new Parser();
const OPTS = { database: 'postgresql' };
const exprCache = new Map<string, Node>();

/** Parses one expression (`SELECT <text>`); results are cached by text. */
export function parseExpression(text: string): Node {
  const hit = exprCache.get(text);
  if (hit !== undefined) return hit;
  let ast: Node;
  try {
    ast = parser.astify(`SELECT ${text}`, OPTS);
  } catch (e) {
    throw new DispatcherError(SqlState.SyntaxError, `cannot parse expression: ${text}`, { cause: e });
  }
  const sel = Array.isArray(ast) ? ast[0] : ast;
  const expr = sel?.columns?.[0]?.expr;
  if (expr === undefined) throw new DispatcherError(SqlState.SyntaxError, `cannot parse expression: ${text}`);
  if (exprCache.size > 1000) exprCache.clear();
  exprCache.set(text, expr);
  return expr;
}

/** SQL text of an expression node. */
export function expressionText(expr: Node): string {
  const ast = selectOf([{ type: 'expr', expr, as: null }]);
  const s = parser.sqlify(ast as never, OPTS);
  return s.replace(/^SELECT\s+/i, '');
}

function literalNode(v: SqlValue, t: ParamType): Node {
  if (v === null) return { type: 'null', value: null };
  if (typeof v === 'boolean') return { type: 'bool', value: v };
  if (typeof v === 'bigint') return { type: 'bigint', value: v.toString() };
  if (typeof v === 'number') {
    if (Number.isInteger(v) && (t === 'numeric' || t === 'real')) return { type: 'number', value: `${v}.0` };
    if (Number.isInteger(v)) return { type: 'number', value: v };
    return { type: 'number', value: String(v) };
  }
  if (typeof v === 'string') return { type: 'single_quote_string', value: v.replace(/'/g, "''") };
  // a bytea value: its hex input form cast to bytea (what the analyser writes for X'..' unlifted)
  return {
    type: 'cast',
    keyword: 'cast',
    symbol: '::',
    target: [{ dataType: 'BYTEA' }],
    expr: { type: 'single_quote_string', value: '\\x' + Buffer.from(v).toString('hex') },
  };
}

/** A deep copy of `ast` with every `$k` placeholder replaced by its value as a literal. */
export function bindParams(ast: Node, params: readonly SqlValue[], types: readonly ParamType[]): Node {
  const walk = (n: Node): Node => {
    if (Array.isArray(n)) return n.map(walk);
    if (n === null || typeof n !== 'object') return n;
    if (n.type === 'var' && n.prefix === '$') {
      const k = Number(n.name) - 1;
      const v = params[k];
      if (v === undefined) throw new DispatcherError(SqlState.InvalidParameterCount, `there is no parameter $${k + 1}`);
      return literalNode(v, types[k]);
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(n)) out[key] = walk(n[key]);
    return out;
  };
  return walk(ast);
}
