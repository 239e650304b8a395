// Scalar function calls inside expressions: the grammar's special forms (position's and trim's
// keyword arguments), then the date/time functions (datetime.ts), then the function library
// (functions.ts). EXISTS, NOT, aggregates and window calls are sorted out before this (expr.ts).
import { DispatcherError, SqlState } from '../api/errors.js';
import type { Scope } from './scope.js';
import { compileFunction, type Arg } from './functions.js';
import type { Node } from './ast.js';
import { datetimeFunction } from './datetime.js';
import { jsonFunction } from './json-functions.js';
import { infoFunction } from './info-functions.js';
import { datetimeExtra } from './datetime-extras.js';
import { toCharEval } from './to-char.js';
import type { Compiled, ExprCompiler } from './expr.js';

export function compileCall(ec: ExprCompiler, name: string, argNodes: Node[], scope: Scope): Compiled {
  if (name === '__dispatchdb_distinct') {
    throw new DispatcherError(SqlState.SyntaxError, 'DISTINCT is only allowed in aggregate calls');
  }
  if (name === 'trim' || name === 'btrim') return compileTrim(ec, argNodes, scope);
  if (name === 'position') {
    // position(a IN b) arrives as [a, 'in', b].
    let vals = argNodes.filter((a) => !(a?.type === 'origin' && String(a.value).toLowerCase() === 'in'));
    const only = vals[0];
    if (vals.length === 1 && only?.type === 'binary_expr' && String(only.operator).toUpperCase() === 'IN') {
      vals = [only.left, only.right?.type === 'expr_list' && only.right.value?.length === 1 ? only.right.value[0] : only.right];
    }
    const c = compileFunction('strpos', vals.reverse().map((a) => ec.compile(a, scope)));
    return { ev: c.ev, type: c.type, name: 'position' };
  }
  const args: Arg[] = argNodes.map((a) => ec.compile(a, scope));
  if (name === 'to_char') {
    if (args.length !== 2) throw new DispatcherError(SqlState.UndefinedFunction, `function to_char with ${args.length} argument(s) does not exist`);
    return { ev: toCharEval(args[0]!.ev, args[0]!.type, args[1]!.ev), type: 'text', name };
  }
  const js = jsonFunction(name, args) ?? infoFunction(name, args) ?? datetimeExtra(name, args);
  if (js !== null) return { ev: js.ev, type: js.type, name };
  const dt = datetimeFunction(name, args, argNodes);
  if (dt !== null) return { ev: dt.ev, type: dt.type, name };
  const c = compileFunction(name, args);
  return c.shape === undefined ? { ev: c.ev, type: c.type, name } : { ev: c.ev, type: c.type, name, shape: c.shape };
}

function compileTrim(ec: ExprCompiler, argNodes: Node[], scope: Scope): Compiled {
  // trim([both|leading|trailing] [chars] [from] s) arrives as a flat list of words and values.
  let mode = 'trim';
  const vals: Node[] = [];
  let sawFrom = false;
  for (const a of argNodes) {
    if (a?.type === 'origin') {
      const w = String(a.value).toLowerCase();
      if (w === 'leading') mode = 'ltrim';
      else if (w === 'trailing') mode = 'rtrim';
      else if (w === 'from') sawFrom = true;
      continue;
    }
    vals.push(a);
  }
  const compiled = vals.map((a) => ec.compile(a, scope));
  const ordered = sawFrom && compiled.length === 2 ? [compiled[1]!, compiled[0]!] : compiled;
  const c = compileFunction(mode, ordered);
  return { ev: c.ev, type: c.type, name: 'btrim' };
}
