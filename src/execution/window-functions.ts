// Window functions over one sorted partition: ranking (from the peer groups of ORDER BY),
// lag/lead, ntile, frame values (first_value, last_value, nth_value) and aggregates over
// ROWS / RANGE / GROUPS frames. Aggregates run in O(n) for the usual frames: a running state
// when every frame starts at the partition start (the default frame), add/remove for count and
// integer sum/avg over sliding frames, a monotonic deque for min/max; anything else recomputes
// each row's frame (reusing the previous result when the frame is the same).
import { DispatcherError, SqlState } from '../api/errors.js';
import type { Row, SqlValue } from '../storage/ports.js';
import { accumulate, finish, newState, type AggState } from './aggregates.js';
import type { Frame } from './runtime.js';
import type { FrameBoundSpec, FrameSpec, WindowCall, WindowStage } from './window-plan.js';
import { compareNonNull, isIntegerType, normBig, toNumber } from './values.js';

/** A call with its frame offsets evaluated for this run. */
export interface CallRuntime {
  readonly call: WindowCall;
  readonly startOffset: number;
  readonly endOffset: number;
}

/** Whether two rows hold equal values (NULL equal to NULL) at `slots`: same partition / peers. */
export function sameValues(a: Row, b: Row, slots: readonly number[]): boolean {
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i]!;
    const x = a[s]!;
    const y = b[s]!;
    if (x === null || y === null) {
      if (x !== y) return false;
    } else if (compareNonNull(x, y) !== 0) return false;
  }
  return true;
}

/** Peer groups of a partition: group of each row, first and last row of each group. */
interface Peers {
  readonly grp: Int32Array;
  readonly start: Int32Array;
  readonly end: Int32Array;
}

function peerGroups(P: readonly Row[], orderSlots: readonly number[]): Peers {
  const n = P.length;
  const grp = new Int32Array(n);
  const starts: number[] = [0];
  if (orderSlots.length > 0) {
    for (let i = 1; i < n; i++) {
      if (sameValues(P[i - 1]!, P[i]!, orderSlots)) grp[i] = grp[i - 1]!;
      else {
        grp[i] = grp[i - 1]! + 1;
        starts.push(i);
      }
    }
  }
  const ng = starts.length;
  const start = Int32Array.from(starts);
  const end = new Int32Array(ng);
  for (let g = 0; g < ng; g++) end[g] = (g + 1 < ng ? start[g + 1]! : n) - 1;
  return { grp, start, end };
}

/** What the calls of a stage share over one partition: its rows, peer groups and frames. */
export interface PartitionState {
  readonly P: Row[];
  readonly stage: WindowStage;
  readonly peers: Peers;
  readonly frames: Map<string, { fs: Int32Array; fe: Int32Array }>;
}

/** A partition (rows sorted by the window's ORDER BY) ready for computeCall. */
export function partitionState(P: Row[], stage: WindowStage): PartitionState {
  return {
    P,
    stage,
    peers: peerGroups(
      P,
      stage.order.map((k) => k.slot),
    ),
    frames: new Map(),
  };
}

/** Computes one call over a partition, writing its result slot in every row. */
export function computeCall(ps: PartitionState, rt: CallRuntime, f: Frame): void {
  const { P, stage, peers, frames } = ps;
  const n = P.length;
  if (n === 0) return;
  const call = rt.call;
  const out = call.out;
  switch (call.fn) {
    case 'row_number':
      for (let i = 0; i < n; i++) P[i]![out] = i + 1;
      break;
    case 'rank':
      for (let i = 0; i < n; i++) P[i]![out] = peers.start[peers.grp[i]!]! + 1;
      break;
    case 'dense_rank':
      for (let i = 0; i < n; i++) P[i]![out] = peers.grp[i]! + 1;
      break;
    case 'percent_rank':
      for (let i = 0; i < n; i++) P[i]![out] = n > 1 ? peers.start[peers.grp[i]!]! / (n - 1) : 0;
      break;
    case 'cume_dist':
      for (let i = 0; i < n; i++) P[i]![out] = (peers.end[peers.grp[i]!]! + 1) / n;
      break;
    case 'ntile':
      ntile(P, call);
      break;
    case 'lag':
    case 'lead':
      lagLead(P, call, call.fn === 'lag' ? -1 : 1);
      break;
    default: {
      const key = frameKey(rt);
      let fr = frames.get(key);
      if (fr === undefined) {
        fr = frameBounds(P, call.frame, rt, peers, stage);
        frames.set(key, fr);
      }
      if (call.fn === 'aggregate') aggregate(P, call, fr.fs, fr.fe, peers, f);
      else frameValue(P, call, fr.fs, fr.fe, peers);
    }
  }
  f.root.work += n;
}

function frameKey(rt: CallRuntime): string {
  const fr = rt.call.frame;
  return `${fr.units} ${fr.start.kind} ${rt.startOffset} ${fr.end.kind} ${rt.endOffset}`;
}

function ntile(P: Row[], call: WindowCall): void {
  const n = P.length;
  const out = call.out;
  const v = P[0]![call.args[0]!]!;
  if (v === null) {
    for (let i = 0; i < n; i++) P[i]![out] = null;
    return;
  }
  const k = typeof v === 'bigint' ? Number(v) : toNumber(v);
  if (!(k > 0)) throw new DispatcherError('22014', 'argument of ntile must be greater than zero');
  const buckets = Math.floor(k);
  const q = Math.floor(n / buckets);
  const r = n % buckets;
  const big = r * (q + 1);
  for (let i = 0; i < n; i++) P[i]![out] = i < big ? Math.floor(i / (q + 1)) + 1 : r + Math.floor((i - big) / q) + 1;
}

function lagLead(P: Row[], call: WindowCall, dir: number): void {
  const n = P.length;
  const out = call.out;
  const [vs, os, ds] = call.args;
  for (let i = 0; i < n; i++) {
    const row = P[i]!;
    let off = 1;
    if (os !== undefined) {
      const o = row[os]!;
      if (o === null) {
        row[out] = null;
        continue;
      }
      off = typeof o === 'bigint' ? Number(o) : Math.round(toNumber(o));
    }
    const j = i + dir * off;
    row[out] = j >= 0 && j < n ? P[j]![vs!]! : ds === undefined ? null : row[ds]!;
  }
}

// ---------------------------------------------------------------- frames

/** First (fs) and last (fe) row of each row's frame; fs > fe for an empty frame. */
function frameBounds(P: readonly Row[], fr: FrameSpec, rt: CallRuntime, peers: Peers, stage: WindowStage): { fs: Int32Array; fe: Int32Array } {
  const n = P.length;
  const fs = new Int32Array(n);
  const fe = new Int32Array(n);
  const range = fr.units === 'range' && (fr.start.offset !== null || fr.end.offset !== null) ? rangeKeys(P, stage) : null;
  for (let i = 0; i < n; i++) {
    fs[i] = bound(fr.units, fr.start, rt.startOffset, true, i, n, peers, range);
    fe[i] = bound(fr.units, fr.end, rt.endOffset, false, i, n, peers, range);
  }
  return { fs, fe };
}

/** The single ORDER BY key of a RANGE frame with offsets, made ascending, and its null rows. */
interface RangeKeys {
  /** sign * value per row (NaN for nulls). */
  readonly keys: Float64Array;
  /** Non-null rows are [lo, hi). */
  readonly lo: number;
  readonly hi: number;
}

function rangeKeys(P: readonly Row[], stage: WindowStage): RangeKeys {
  const k = stage.order[0]!;
  const sign = k.desc ? -1 : 1;
  const n = P.length;
  const keys = new Float64Array(n);
  let lo = n;
  let hi = 0;
  for (let i = 0; i < n; i++) {
    const v = P[i]![k.slot]!;
    if (v === null) {
      keys[i] = NaN;
      continue;
    }
    if (typeof v !== 'number' && typeof v !== 'bigint') {
      throw new DispatcherError(SqlState.FeatureNotSupported, `RANGE with offset PRECEDING/FOLLOWING is not supported for column type ${typeof v === 'string' ? 'text' : typeof v}`);
    }
    keys[i] = sign * Number(v);
    if (i < lo) lo = i;
    hi = i + 1;
  }
  if (lo > hi) lo = hi;
  return { keys, lo, hi };
}

function bound(
  units: FrameSpec['units'],
  b: FrameBoundSpec,
  off: number,
  isStart: boolean,
  i: number,
  n: number,
  peers: Peers,
  range: RangeKeys | null,
): number {
  switch (b.kind) {
    case 'unbounded preceding':
      return 0;
    case 'unbounded following':
      return n - 1;
    case 'current row':
      if (units === 'rows') return i;
      return isStart ? peers.start[peers.grp[i]!]! : peers.end[peers.grp[i]!]!;
  }
  const sign = b.kind === 'preceding' ? -1 : 1;
  if (units === 'rows') {
    const j = i + sign * off;
    if (isStart) return j < 0 ? 0 : j > n ? n : j;
    return j >= n ? n - 1 : j < -1 ? -1 : j;
  }
  if (units === 'groups') {
    const ng = peers.start.length;
    const g = peers.grp[i]! + sign * off;
    if (isStart) return g < 0 ? 0 : g >= ng ? n : peers.start[g]!;
    return g >= ng ? n - 1 : g < 0 ? -1 : peers.end[g]!;
  }
  // RANGE with an offset: rows whose key lies within [key - off, key + off] on that side
  const r = range!;
  const key = r.keys[i]!;
  if (Number.isNaN(key)) {
    // a null key's frame bound is its peer group (the nulls)
    return isStart ? peers.start[peers.grp[i]!]! : peers.end[peers.grp[i]!]!;
  }
  const target = key + sign * off;
  const keys = r.keys;
  if (isStart) {
    // first row in [lo, hi) with key >= target
    let a = r.lo;
    let z = r.hi;
    while (a < z) {
      const m = (a + z) >>> 1;
      if (keys[m]! < target) a = m + 1;
      else z = m;
    }
    return a === r.hi ? n : a;
  }
  // last row in [lo, hi) with key <= target
  let a = r.lo;
  let z = r.hi;
  while (a < z) {
    const m = (a + z) >>> 1;
    if (keys[m]! <= target) a = m + 1;
    else z = m;
  }
  return a === r.lo ? -1 : a - 1;
}

/** Rows excluded from row i's frame by EXCLUDE: [xs, xe], keeping i itself when `keepSelf`. */
function excluded(fr: FrameSpec, i: number, peers: Peers): { xs: number; xe: number; keepSelf: boolean } | null {
  switch (fr.exclude) {
    case 'no others':
      return null;
    case 'current row':
      return { xs: i, xe: i, keepSelf: false };
    case 'group':
      return { xs: peers.start[peers.grp[i]!]!, xe: peers.end[peers.grp[i]!]!, keepSelf: false };
    case 'ties':
      return { xs: peers.start[peers.grp[i]!]!, xe: peers.end[peers.grp[i]!]!, keepSelf: true };
  }
}

/** Row indexes of row i's frame, EXCLUDE applied. */
function frameRows(fs: number, fe: number, x: { xs: number; xe: number; keepSelf: boolean } | null, i: number): number[] {
  const out: number[] = [];
  for (let j = fs; j <= fe; j++) {
    if (x !== null && j >= x.xs && j <= x.xe && !(x.keepSelf && j === i)) continue;
    out.push(j);
  }
  return out;
}

function frameValue(P: Row[], call: WindowCall, fs: Int32Array, fe: Int32Array, peers: Peers): void {
  const n = P.length;
  const out = call.out;
  const vs = call.args[0]!;
  const ns = call.args[1];
  const fr = call.frame;
  for (let i = 0; i < n; i++) {
    const row = P[i]!;
    let k = 1;
    if (call.fn === 'nth_value') {
      const v = row[ns!]!;
      if (v === null) {
        row[out] = null;
        continue;
      }
      k = typeof v === 'bigint' ? Number(v) : Math.round(toNumber(v));
      if (!(k > 0)) throw new DispatcherError('22016', 'argument of nth_value must be greater than zero');
    }
    const a = fs[i]!;
    const z = fe[i]!;
    const x = excluded(fr, i, peers);
    let j: number;
    if (x === null) {
      if (call.fn === 'last_value') j = z;
      else j = a + k - 1;
      row[out] = a <= z && j >= a && j <= z ? P[j]![vs]! : null;
      continue;
    }
    const rows = frameRows(a, z, x, i);
    const at = call.fn === 'last_value' ? rows.length - 1 : k - 1;
    const pick = rows[at];
    row[out] = pick === undefined ? null : P[pick]![vs]!;
  }
}

// ---------------------------------------------------------------- aggregates

/** Adds a row's argument values to an aggregate call's state (the streamed stage adds them too). */
export function addRow(call: WindowCall, st: AggState, row: Row): void {
  const spec = call.agg!;
  const args = call.args;
  if (spec.sep !== undefined || spec.name === 'string_agg') accumulate(spec, st, row[args[0]!]!, row[args[1]!] ?? null);
  else accumulate(spec, st, args.length === 0 ? null : row[args[0]!]!);
}

function subExact(a: SqlValue, b: number | bigint): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (Number.isSafeInteger(r)) return r;
  }
  return normBig(BigInt(a as number | bigint) - BigInt(b));
}

function aggregate(P: Row[], call: WindowCall, fs: Int32Array, fe: Int32Array, peers: Peers, f: Frame): void {
  const n = P.length;
  const out = call.out;
  const spec = call.agg!;
  if (call.frame.exclude !== 'no others') {
    if (invertible(call) && excludedByPrefix(P, call, fs, fe, peers)) return;
    for (let i = 0; i < n; i++) {
      const st = newState(spec);
      for (const j of frameRows(fs[i]!, fe[i]!, excluded(call.frame, i, peers), i)) addRow(call, st, P[j]!);
      P[i]![out] = finish(spec, st);
      if ((i & 1023) === 1023) f.ctx.checkInterrupt();
    }
    return;
  }
  let sameStart = true;
  let monotonic = true;
  for (let i = 1; i < n; i++) {
    if (fs[i] !== fs[0]) sameStart = false;
    if (fs[i]! < fs[i - 1]! || fe[i]! < fe[i - 1]!) monotonic = false;
  }
  if (sameStart && monotonic) {
    // running state: frames only grow at the end
    const st = newState(spec);
    let next = fs[0]!;
    let last: SqlValue = null;
    for (let i = 0; i < n; i++) {
      const z = fe[i]!;
      if (i > 0 && z === fe[i - 1]!) {
        P[i]![out] = last;
        continue;
      }
      while (next <= z) addRow(call, st, P[next++]!);
      last = finish(spec, st);
      P[i]![out] = last;
    }
    return;
  }
  if (monotonic && invertible(call)) {
    slidingSum(P, call, fs, fe);
    return;
  }
  if (monotonic && (spec.name === 'min' || spec.name === 'max')) {
    slidingMinMax(P, call, fs, fe);
    return;
  }
  let last: SqlValue = null;
  for (let i = 0; i < n; i++) {
    if (i > 0 && fs[i] === fs[i - 1] && fe[i] === fe[i - 1]) {
      P[i]![out] = last;
      continue;
    }
    const st = newState(spec);
    for (let j = fs[i]!; j <= fe[i]!; j++) addRow(call, st, P[j]!);
    last = finish(spec, st);
    P[i]![out] = last;
    if ((i & 1023) === 1023) f.ctx.checkInterrupt();
  }
}

/** count, and sum / avg of integers: exact, so rows can be taken out of a state again. */
function invertible(call: WindowCall): boolean {
  const spec = call.agg!;
  return spec.name === 'count' || ((spec.name === 'sum' || spec.name === 'avg') && isIntegerType(spec.argType));
}

/**
 * count / integer sum / avg with EXCLUDE: prefix counts and sums answer each piece of the frame
 * (before and after the excluded rows) in O(1). False when a prefix sum leaves the safe integer
 * range (the caller recomputes instead).
 */
function excludedByPrefix(P: Row[], call: WindowCall, fs: Int32Array, fe: Int32Array, peers: Peers): boolean {
  const spec = call.agg!;
  const n = P.length;
  const slot = call.args[0];
  const cnt = new Float64Array(n + 1);
  const sum = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const v = slot === undefined ? 0 : P[i]![slot]!;
    const counted = spec.star || v !== null;
    cnt[i + 1] = cnt[i]! + (counted ? 1 : 0);
    const s = spec.name === 'count' || v === null ? sum[i]! : sum[i]! + Number(v);
    if (!Number.isSafeInteger(s)) return false;
    sum[i + 1] = s;
  }
  const st = newState(spec);
  for (let i = 0; i < n; i++) {
    const a = fs[i]!;
    const z = fe[i]!;
    const x = excluded(call.frame, i, peers)!;
    let c = 0;
    let t = 0;
    const take = (lo: number, hi: number): void => {
      if (lo > hi) return;
      c += cnt[hi + 1]! - cnt[lo]!;
      t += sum[hi + 1]! - sum[lo]!;
    };
    take(a, Math.min(z, x.xs - 1));
    take(Math.max(a, x.xe + 1), z);
    if (x.keepSelf && i >= a && i <= z) take(i, i);
    st.n = c;
    st.v = c === 0 ? null : t;
    P[i]![call.out] = finish(spec, st);
  }
  return true;
}

/** count / integer sum / avg over frames that slide forward: add entering rows, remove leaving ones. */
function slidingSum(P: Row[], call: WindowCall, fs: Int32Array, fe: Int32Array): void {
  const spec = call.agg!;
  const out = call.out;
  const slot = call.args[0];
  const st = newState(spec);
  let lo = 0;
  let hi = 0; // rows [lo, hi) are in the state
  for (let i = 0; i < P.length; i++) {
    const a = fs[i]!;
    const z = fe[i]! + 1;
    if (a >= hi || z <= a) {
      // disjoint from the previous frame (or empty): start over
      st.n = 0;
      st.v = null;
      lo = a;
      hi = a;
    }
    while (hi < z) addRow(call, st, P[hi++]!);
    while (lo < a && lo < hi) {
      if (spec.star) st.n--;
      else {
        const v = P[lo]![slot!]!;
        if (v !== null) {
          st.n--;
          if (spec.name !== 'count') st.v = subExact(st.v, v as number | bigint);
        }
      }
      lo++;
    }
    P[i]![out] = finish(spec, st);
  }
}

/** min / max over frames that slide forward: a deque of candidate rows, best at the front. */
function slidingMinMax(P: Row[], call: WindowCall, fs: Int32Array, fe: Int32Array): void {
  const out = call.out;
  const slot = call.args[0]!;
  const sign = call.agg!.name === 'min' ? 1 : -1;
  const dq = new Int32Array(P.length);
  let head = 0;
  let tail = 0;
  let next = 0;
  for (let i = 0; i < P.length; i++) {
    const a = fs[i]!;
    const z = fe[i]!;
    if (next < a) next = a;
    while (next <= z) {
      const v = P[next]![slot]!;
      if (v !== null) {
        while (tail > head && sign * compareNonNull(P[dq[tail - 1]!]![slot]!, v) > 0) tail--;
        dq[tail++] = next;
      }
      next++;
    }
    while (head < tail && dq[head]! < a) head++;
    P[i]![out] = head < tail && a <= z ? P[dq[head]!]![slot]! : null;
  }
}
