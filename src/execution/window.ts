// Window function operators. A prepare step copies each input row into a wider row (input
// columns, then one slot per window call for its result, then scratch slots holding the calls'
// argument values and the sort keys, each evaluated once per row). Then, per distinct
// (PARTITION BY, ORDER BY), a sort (SortNode: resumable, stable) and a stage that cuts the
// sorted rows into partitions and computes the calls of that window over each partition.
import { DispatcherError } from '../api/errors.js';
import type { Row, SqlValue } from '../storage/ports.js';
import { SortNode, type SortKey } from './operators.js';
import { BATCH, indent, type Eval, type Frame, type Op, type PlanNode } from './runtime.js';
import { computeCall, partitionState, sameValues, type CallRuntime, type PartitionState } from './window-functions.js';
import type { FrameBoundSpec, WindowStage } from './window-plan.js';
import { toNumber } from './values.js';
import { StreamWindowNode } from './window-stream.js';

/** Rows widened for the window stages: [input | k results | prepared values]. */
export class WindowPrepareNode implements PlanNode {
  readonly #child: PlanNode;
  readonly #width: number;
  readonly #results: number;
  readonly #prep: readonly Eval[];

  constructor(child: PlanNode, width: number, results: number, prep: readonly Eval[]) {
    this.#child = child;
    this.#width = width;
    this.#results = results;
    this.#prep = prep;
  }

  open(f: Frame): Op {
    const c = this.#child.open(f);
    const w = this.#width;
    const k = this.#results;
    const prep = this.#prep;
    const np = prep.length;
    const total = w + k + np;
    return {
      next: () => {
        const b = c.next();
        if (b === null) return null;
        const out: Row[] = new Array(b.length);
        for (let i = 0; i < b.length; i++) {
          const r = b[i]!;
          const o: SqlValue[] = new Array(total);
          for (let j = 0; j < w; j++) o[j] = r[j]!;
          for (let j = w; j < w + k; j++) o[j] = null;
          for (let j = 0; j < np; j++) o[w + k + j] = prep[j]!(r, f);
          out[i] = o;
        }
        f.root.work += b.length;
        return out;
      },
      close: () => c.close(),
    };
  }

  explain(out: string[], depth: number): void {
    this.#child.explain(out, depth);
  }
}

/**
 * Stacks a sort (when the window orders or partitions) and a stage per window; with `presorted`
 * (one stage whose input arrives in its order, calls that stream: window-stream.ts), a stage
 * that computes them as rows pass.
 */
export function windowStages(input: PlanNode, stages: readonly WindowStage[], presorted = false): PlanNode {
  if (presorted && stages.length === 1) return new StreamWindowNode(input, stages[0]!);
  let node = input;
  for (const st of stages) {
    const keys: SortKey[] = [...st.partition.map((slot) => ({ slot, desc: false, nullsFirst: false })), ...st.order];
    if (keys.length > 0) node = new SortNode(node, keys, null);
    node = new WindowStageNode(node, st);
  }
  return node;
}

function offsetValue(b: FrameBoundSpec, which: 'starting' | 'ending', integral: boolean, f: Frame): number {
  if (b.offset === null) return 0;
  const v = b.offset([], f);
  if (v === null) throw new DispatcherError('22004', `frame ${which} offset must not be null`);
  let n = typeof v === 'bigint' ? Number(v) : toNumber(v);
  if (Number.isNaN(n)) throw new DispatcherError('22P02', `invalid frame ${which} offset`);
  if (integral) n = Math.round(n);
  if (n < 0) throw new DispatcherError('22013', `frame ${which} offset must not be negative`);
  return n;
}

/** Rows handed out per call; partitions this big are computed one window call per next(). */
const SLICE = BATCH * 4;
const BIG_PARTITION = 4096;

class WindowStageNode implements PlanNode {
  readonly #child: PlanNode;
  readonly #stage: WindowStage;

  constructor(child: PlanNode, stage: WindowStage) {
    this.#child = child;
    this.#stage = stage;
  }

  open(f: Frame): Op {
    const st = this.#stage;
    const calls: CallRuntime[] = st.calls.map((call) => {
      const integral = call.frame.units !== 'range';
      return {
        call,
        startOffset: offsetValue(call.frame.start, 'starting', integral, f),
        endOffset: offsetValue(call.frame.end, 'ending', integral, f),
      };
    });
    const c = this.#child.open(f);
    const pslots = st.partition;
    // the partition being read, complete partitions waiting, a big partition being computed
    // one call per next(), and computed rows being handed out in slices
    let part: Row[] = [];
    const queue: Row[][] = [];
    let qi = 0;
    let computing: PartitionState | null = null;
    let ci = 0;
    let ready: Row[] = [];
    let ri = 0;
    let finished = false;
    return {
      next: () => {
        f.ctx.checkInterrupt();
        if (ri < ready.length) {
          const end = Math.min(ready.length, ri + SLICE);
          const out = ready.slice(ri, end);
          ri = end;
          if (ri >= ready.length) ready = [];
          return out;
        }
        if (computing !== null) {
          computeCall(computing, calls[ci++]!, f);
          if (ci >= calls.length) {
            ready = computing.P;
            ri = 0;
            computing = null;
          }
          return [];
        }
        if (qi < queue.length) {
          const out: Row[] = [];
          while (qi < queue.length && out.length < SLICE) {
            const P = queue[qi]!;
            if (P.length >= BIG_PARTITION) {
              if (out.length > 0) break;
              qi++;
              computing = partitionState(P, st);
              ci = 0;
              break;
            }
            qi++;
            const ps = partitionState(P, st);
            for (let k = 0; k < calls.length; k++) computeCall(ps, calls[k]!, f);
            for (let i = 0; i < P.length; i++) out.push(P[i]!);
          }
          if (qi >= queue.length) {
            queue.length = 0;
            qi = 0;
          }
          return out;
        }
        if (finished) return null;
        const b = c.next();
        if (b === null) {
          finished = true;
          if (part.length > 0) queue.push(part);
          part = [];
          return [];
        }
        for (let i = 0; i < b.length; i++) {
          const r = b[i]!;
          if (part.length > 0 && pslots.length > 0 && !sameValues(part[0]!, r, pslots)) {
            queue.push(part);
            part = [];
          }
          part.push(r);
        }
        return [];
      },
      close: () => c.close(),
    };
  }

  explain(out: string[], depth: number): void {
    out.push(indent(depth) + this.#stage.label);
    this.#child.explain(out, depth + 1);
  }
}
