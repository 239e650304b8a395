// generate_series(start, stop [, step]) as a FROM item: one column of numbers from start towards
// stop. Its arguments are a one-row plan of their own (a FROM-less SELECT of the three
// expressions), so parameters and outer columns work in them as anywhere else.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { Row, SqlValue } from '../storage/ports.js';
import { funcArgs, selectOf, type Node } from './ast.js';
import { BATCH, indent, runPlan, type Frame, type Op, type PlanNode } from './runtime.js';

/** The FROM-less SELECT computing the arguments (step 1 when not given). */
export function seriesArguments(fn: Node): Node {
  const args = funcArgs(fn);
  if (args.length < 2 || args.length > 3) {
    throw new DispatcherError(SqlState.UndefinedFunction, `function generate_series with ${args.length} arguments does not exist`);
  }
  const exprs = args.length === 3 ? args : [...args, { type: 'number', value: 1 }];
  return selectOf(exprs.map((expr, i) => ({ type: 'expr', expr, as: `a${i}` })));
}

function toNumber(v: SqlValue, what: string): number | null {
  if (v === null) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  throw new DispatcherError(SqlState.InvalidParameterValue, `generate_series: ${what} must be a number`);
}

export class GenerateSeriesNode implements PlanNode {
  readonly #args: PlanNode;

  constructor(args: PlanNode) {
    this.#args = args;
  }

  open(f: Frame): Op {
    const [a, b, c] = runPlan(this.#args, f, 1)[0] ?? [null, null, null];
    const start = toNumber(a ?? null, 'start');
    const stop = toNumber(b ?? null, 'stop');
    const step = toNumber(c ?? null, 'step');
    if (step === 0) throw new DispatcherError(SqlState.InvalidParameterValue, 'step size cannot equal zero');
    // NULL anywhere: no rows, as in PostgreSQL.
    let i = 0;
    const done = start === null || stop === null || step === null;
    return {
      next: (): Row[] | null => {
        if (done) return null;
        f.ctx.checkInterrupt();
        const out: Row[] = [];
        while (out.length < BATCH * 4) {
          const v = start + i * step;
          if (step > 0 ? v > stop : v < stop) break;
          out.push([v]);
          i++;
        }
        f.root.work += out.length + 1;
        return out.length === 0 ? null : out;
      },
      close: () => {},
    };
  }

  explain(out: string[], depth: number): void {
    out.push(indent(depth) + 'Function Scan on generate_series');
  }
}
