// CAST(x AS type) and x::type: the result column's type and name, and the conversion (values.ts)
// or, for dates, timestamps and intervals, the canonical form (datetime.ts).
import type { ColumnType } from '../storage/ports.js';
import type { Scope } from './scope.js';
import type { Node } from './ast.js';
import { isTangledCast, untangleCast } from './cast-tail.js';
import { intervalText, parseInterval, toDate, toTimestamp } from './datetime.js';
import { castValue, columnTypeOf, textOf } from './values.js';
import type { Compiled, ExprCompiler } from './expr.js';

export function compileCast(ec: ExprCompiler, n: Node, scope: Scope): Compiled {
  if (isTangledCast(n)) return ec.compile(untangleCast(n), scope);
  const target = Array.isArray(n.target) ? n.target[0] : n.target;
  const typeName = String(target?.dataType ?? 'text');
  const lower = typeName.toLowerCase();
  if (lower === 'interval') {
    const iv = ec.compile(n.expr, scope).ev;
    return { type: 'text', name: 'interval', ev: (r, f) => {
      const v = iv(r, f);
      return v === null ? null : intervalText(parseInterval(textOf(v)));
    } };
  }
  const to = columnTypeOf(typeName);
  const inner = ec.compile(n.expr, scope);
  const from = inner.type;
  const e = inner.ev;
  const name = n.expr?.type === 'column_ref' ? inner.name : typeNameFor(to, typeName);
  if (to === 'date' || to === 'timestamp') {
    // Checked and written in canonical form (a timestamp cast to date drops its time).
    const canon = to === 'date' ? toDate : toTimestamp;
    return { type: to, name, ev: (r, f) => {
      const v = e(r, f);
      return v === null ? null : canon(v);
    } };
  }
  return { type: to, name, ev: (r, f) => castValue(e(r, f), to, from) };
}

function typeNameFor(t: ColumnType, declared: string): string {
  switch (t) {
    case 'integer':
      return 'int4';
    case 'bigint':
      return 'int8';
    case 'real':
      return declared.toLowerCase() === 'real' ? 'float4' : 'float8';
    case 'boolean':
      return 'bool';
    default:
      return declared.toLowerCase().replace(/\(.*$/, '');
  }
}
