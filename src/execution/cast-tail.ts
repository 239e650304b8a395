// node-sql-parser's postgresql grammar reads `$1::type` (a user's parameter, or a literal the
// shape cache lifted into one) with the wrong grouping: the cast node swallows the operator chain
// on its left as its operand and keeps the chain on its right as a `tail`
// (`1 + $2::int * 3` arrives as cast(1 + $2) with tail `* 3`). This rebuilds the expression as
// written, with PostgreSQL's operator precedence, and `a::t1::t2` as nested casts.
import type { Node } from './ast.js';

const PRECEDENCE: Record<string, number> = {
  OR: 1,
  AND: 2,
  '=': 4,
  '<>': 4,
  '!=': 4,
  '<': 4,
  '>': 4,
  '<=': 4,
  '>=': 4,
  '||': 5,
  '+': 6,
  '-': 6,
  '*': 7,
  '/': 7,
  '%': 7,
};

/** Other operators (PostgreSQL's "any other operator" row) bind like ||. */
function prec(op: string): number {
  return PRECEDENCE[op] ?? 5;
}

function level(n: Node): number | undefined {
  if (n === null || typeof n !== 'object' || n.type !== 'binary_expr' || n.parentheses === true) return undefined;
  return PRECEDENCE[String(n.operator).toUpperCase()];
}

/** Flattens an unparenthesized chain of the operators above into atoms and operators. */
function flatten(n: Node, atoms: Node[], ops: string[]): void {
  if (level(n) === undefined) {
    atoms.push(n);
    return;
  }
  flatten(n.left, atoms, ops);
  ops.push(String(n.operator).toUpperCase());
  flatten(n.right, atoms, ops);
}

/** Builds the tree of atoms and operators by precedence (all left-associative). */
function build(atoms: Node[], ops: string[]): Node {
  const out: Node[] = [];
  const stack: string[] = [];
  const reduce = (): void => {
    const op = stack.pop()!;
    const right = out.pop();
    const left = out.pop();
    out.push({ type: 'binary_expr', operator: op, left, right, __assoc: true });
  };
  out.push(atoms[0]);
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    while (stack.length > 0 && prec(stack[stack.length - 1]!) >= prec(op)) reduce();
    stack.push(op);
    out.push(atoms[i + 1]);
  }
  while (stack.length > 0) reduce();
  return out[0];
}

/**
 * True when the cast node needs rebuilding: a tail, several targets, or a `::` whose operand is
 * an unparenthesized operator chain (only the swallowing reads it so; CAST(a + b AS t) is fine).
 */
export function isTangledCast(n: Node): boolean {
  return (
    (n.tail !== null && n.tail !== undefined) ||
    (Array.isArray(n.target) && n.target.length > 1) ||
    (n.symbol === '::' && level(n.expr) !== undefined)
  );
}

export function untangleCast(n: Node): Node {
  const targets: Node[] = Array.isArray(n.target) ? n.target : [n.target];
  const atoms: Node[] = [];
  const ops: string[] = [];
  flatten(n.expr, atoms, ops);
  // The cast belongs to the last operand on its left only.
  let operand = atoms.pop();
  for (const t of targets) operand = { type: 'cast', keyword: 'cast', symbol: '::', expr: operand, target: [t] };
  atoms.push(operand);
  if (n.tail !== null && n.tail !== undefined) {
    ops.push(String(n.tail.operator).toUpperCase());
    flatten(n.tail.expr, atoms, ops);
  }
  return build(atoms, ops);
}
