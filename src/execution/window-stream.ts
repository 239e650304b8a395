// Window calls computed as rows stream past, for input that arrives sorted by the window's
// (PARTITION BY, ORDER BY), read so from an index (ordered-read.ts): each row's value follows
// from the rows before it, or, for a frame that ends at the current row's last peer, from its
// peer group once the group is complete. Rows then go on as they come, so an ORDER BY ...
// LIMIT on the same order reads little more than the rows it returns.
import type { Row, SqlValue } from '../storage/ports.js';
import { finish, newState, type AggState } from './aggregates.js';
import { indent, type Frame, type Op, type PlanNode } from './runtime.js';
import { addRow, sameValues } from './window-functions.js';
import type { WindowCall, WindowStage } from './window-plan.js';

/** How a streamed call gets its value. */
const enum Kind {
  RowNumber,
  Rank,
  DenseRank,
  /** lag(x): the partition's previous row's x. */
  Lag,
  /** first_value over a frame from the partition's start: the partition's first row's value. */
  FirstValue,
  /** An aggregate over a frame from the partition's start to the current row (ROWS). */
  RunningRows,
  /** The same to the current row's last peer (RANGE, GROUPS): known when its peer group ends. */
  RunningPeers,
  /** last_value over a frame ending at the current row (ROWS): the row's own value. */
  LastValueRows,
  /** last_value over a frame ending at the current row's last peer: the group's last row's value. */
  LastValuePeers,
}

/** What deciding how a call streams looks at (a compiled or a planned call). */
type CallShape = Pick<WindowCall, 'fn' | 'frame'> & { readonly args: readonly unknown[] };

function fromStart(call: CallShape): boolean {
  const fr = call.frame;
  return fr.start.kind === 'unbounded preceding' && fr.end.kind === 'current row' && fr.exclude === 'no others';
}

/** How `call` streams, or null when its value needs rows after the current one's peers. */
function kindOf(call: CallShape): Kind | null {
  switch (call.fn) {
    case 'row_number':
      return Kind.RowNumber;
    case 'rank':
      return Kind.Rank;
    case 'dense_rank':
      return Kind.DenseRank;
    case 'lag':
      // An offset (per row, possibly negative) or a default: left to the partition pass.
      return call.args.length === 1 ? Kind.Lag : null;
    case 'first_value': {
      // Any frame from the partition's start that reaches the current row holds the first row.
      const fr = call.frame;
      const reaches = fr.end.kind === 'current row' || fr.end.kind === 'following' || fr.end.kind === 'unbounded following';
      return fr.start.kind === 'unbounded preceding' && fr.exclude === 'no others' && reaches ? Kind.FirstValue : null;
    }
    case 'last_value':
      return fromStart(call) ? (call.frame.units === 'rows' ? Kind.LastValueRows : Kind.LastValuePeers) : null;
    case 'aggregate':
      return fromStart(call) ? (call.frame.units === 'rows' ? Kind.RunningRows : Kind.RunningPeers) : null;
    default:
      return null;
  }
}

/** Whether every call of a stage can be computed as its sorted rows stream past. */
export function streamable(calls: readonly CallShape[]): boolean {
  return calls.every((c) => kindOf(c) !== null);
}

export class StreamWindowNode implements PlanNode {
  readonly #child: PlanNode;
  readonly #stage: WindowStage;

  constructor(child: PlanNode, stage: WindowStage) {
    this.#child = child;
    this.#stage = stage;
  }

  open(f: Frame): Op {
    const st = this.#stage;
    const pslots = st.partition;
    const oslots = st.order.map((k) => k.slot);
    const calls = st.calls;
    const kinds = calls.map((c) => kindOf(c)!);
    // Rows wait for the end of their peer group only when some call needs it.
    const holds = kinds.some((k) => k === Kind.RunningPeers || k === Kind.LastValuePeers);
    const keepsPartition = kinds.includes(Kind.Lag);
    const c = this.#child.open(f);
    let prev: Row | null = null;
    let rowNumber = 0;
    let rank = 0;
    let dense = 0;
    let first: Row | null = null;
    let part: Row[] = [];
    let states: (AggState | null)[];
    let group: Row[] = [];
    let done = false;

    const newStates = (): (AggState | null)[] => calls.map((call) => (call.fn === 'aggregate' ? newState(call.agg!) : null));
    states = newStates();

    /** The waiting peer group's values, now that it is complete; its rows go out. */
    const closeGroup = (out: Row[]): void => {
      if (group.length === 0) return;
      const last = group[group.length - 1]!;
      for (let j = 0; j < calls.length; j++) {
        const k = kinds[j]!;
        if (k !== Kind.RunningPeers && k !== Kind.LastValuePeers) continue;
        const call = calls[j]!;
        const v: SqlValue = k === Kind.RunningPeers ? finish(call.agg!, states[j]!) : last[call.args[0]!]!;
        for (let i = 0; i < group.length; i++) group[i]![call.out] = v;
      }
      for (let i = 0; i < group.length; i++) out.push(group[i]!);
      group = [];
    };

    return {
      next: () => {
        if (done) return null;
        f.ctx.checkInterrupt();
        const b = c.next();
        if (b === null) {
          done = true;
          const out: Row[] = [];
          closeGroup(out);
          return out;
        }
        const out: Row[] = holds ? [] : b;
        for (let i = 0; i < b.length; i++) {
          const r = b[i]!;
          const newPartition = prev === null || (pslots.length > 0 && !sameValues(prev, r, pslots));
          const newPeers = newPartition || !sameValues(prev!, r, oslots);
          if (holds && newPeers) closeGroup(out);
          if (newPartition) {
            rowNumber = 0;
            dense = 0;
            first = r;
            if (keepsPartition) part = [];
            if (prev !== null) states = newStates();
          }
          rowNumber++;
          if (newPeers) {
            rank = rowNumber;
            dense++;
          }
          for (let j = 0; j < calls.length; j++) {
            const call = calls[j]!;
            switch (kinds[j]!) {
              case Kind.RowNumber:
                r[call.out] = rowNumber;
                break;
              case Kind.Rank:
                r[call.out] = rank;
                break;
              case Kind.DenseRank:
                r[call.out] = dense;
                break;
              case Kind.Lag:
                r[call.out] = part.length > 0 ? part[part.length - 1]![call.args[0]!]! : null;
                break;
              case Kind.FirstValue:
                r[call.out] = first![call.args[0]!]!;
                break;
              case Kind.RunningRows:
                addRow(call, states[j]!, r);
                r[call.out] = finish(call.agg!, states[j]!);
                break;
              case Kind.RunningPeers:
                addRow(call, states[j]!, r);
                break;
              case Kind.LastValueRows:
                r[call.out] = r[call.args[0]!]!;
                break;
              case Kind.LastValuePeers:
                break;
            }
          }
          if (keepsPartition) part.push(r);
          if (holds) group.push(r);
          prev = r;
        }
        f.root.work += b.length;
        return out;
      },
      close: () => c.close(),
    };
  }

  explain(out: string[], depth: number): void {
    out.push(indent(depth) + this.#stage.label + ' (streamed)');
    this.#child.explain(out, depth + 1);
  }
}
