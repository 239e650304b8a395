// Checks a list-append history (elle-history.ts) the way Jepsen's Elle does: per-read sanity,
// then a dependency graph (ww, wr, rw edges) between committed transactions, its strongly
// connected components (Tarjan), and the classification of the cycles found in them.
import type { Encoding, History, Level, Txn } from './elle-history.js';

export type AnomalyType =
  | 'G0'
  | 'G1a'
  | 'G1b'
  | 'G1c'
  | 'G-single'
  | 'G2'
  | 'lost-append'
  | 'internal'
  | 'incompatible-order'
  | 'duplicate'
  | 'garbage'
  /** A read missed an append committed before its transaction began (session or real-time order). */
  | 'stale-read'
  | 'problem';

export interface Anomaly {
  readonly type: AnomalyType;
  readonly detail: string;
}

/** What each level forbids (PostgreSQL's guarantees): everything but cycles is always forbidden. */
export function forbiddenAt(level: Level, type: AnomalyType): boolean {
  if (type === 'G-single') return level !== 'RC';
  if (type === 'G2') return level === 'SER';
  return true;
}

export function violations(level: Level, anomalies: readonly Anomaly[]): Anomaly[] {
  return anomalies.filter((a) => forbiddenAt(level, a.type));
}

type Dep = 'ww' | 'wr' | 'rw';

/** Edges between committed transactions: from -> to -> kinds. */
export class DepGraph {
  readonly edges = new Map<number, Map<number, Set<Dep>>>();

  add(from: number, to: number, dep: Dep): void {
    if (from === to) return;
    let m = this.edges.get(from);
    if (m === undefined) this.edges.set(from, (m = new Map()));
    let s = m.get(to);
    if (s === undefined) m.set(to, (s = new Set()));
    s.add(dep);
  }

  nodes(): number[] {
    const n = new Set<number>();
    for (const [a, m] of this.edges) {
      n.add(a);
      for (const b of m.keys()) n.add(b);
    }
    return [...n].sort((x, y) => x - y);
  }

  next(a: number, allowed: ReadonlySet<Dep>, within: ReadonlySet<number>): number[] {
    const out: number[] = [];
    for (const [b, deps] of this.edges.get(a) ?? []) {
      if (within.has(b) && [...deps].some((d) => allowed.has(d))) out.push(b);
    }
    return out;
  }

  deps(a: number, b: number): ReadonlySet<Dep> {
    return this.edges.get(a)?.get(b) ?? new Set();
  }
}

/** Tarjan's strongly connected components of the subgraph over `within` using `allowed` edges. */
export function tarjan(g: DepGraph, within: ReadonlySet<number>, allowed: ReadonlySet<Dep>): number[][] {
  let counter = 0;
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  const out: number[][] = [];
  const visit = (v: number): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of g.next(v, allowed, within)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const comp: number[] = [];
      let w: number;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      out.push(comp.sort((a, b) => a - b));
    }
  };
  for (const v of [...within].sort((a, b) => a - b)) if (!index.has(v)) visit(v);
  return out;
}

/** Shortest path from `from` to `to` over allowed edges, as a node list; null if none. */
function path(g: DepGraph, from: number, to: number, allowed: ReadonlySet<Dep>, within: ReadonlySet<number>): number[] | null {
  const parent = new Map<number, number>([[from, from]]);
  const queue = [from];
  while (queue.length > 0) {
    const a = queue.shift()!;
    for (const b of g.next(a, allowed, within)) {
      if (parent.has(b)) continue;
      parent.set(b, a);
      if (b === to) {
        const p = [to];
        for (let x = to; x !== from; ) p.push((x = parent.get(x)!));
        return p.reverse();
      }
      queue.push(b);
    }
  }
  return null;
}

function describeCycle(g: DepGraph, nodes: readonly number[], allowed: ReadonlySet<Dep>): string {
  let s = `T${nodes[0]}`;
  for (let i = 1; i < nodes.length; i++) {
    const deps = [...g.deps(nodes[i - 1]!, nodes[i]!)].filter((d) => allowed.has(d));
    s += ` -${deps.join('/')}-> T${nodes[i]}`;
  }
  return s;
}

const WW: ReadonlySet<Dep> = new Set(['ww']);
const WWR: ReadonlySet<Dep> = new Set(['ww', 'wr']);
const ALL: ReadonlySet<Dep> = new Set(['ww', 'wr', 'rw']);

/** The cycles of the graph, one anomaly per kind per strongly connected component. */
export function cycleAnomalies(g: DepGraph): Anomaly[] {
  const out: Anomaly[] = [];
  for (const scc of tarjan(g, new Set(g.nodes()), ALL)) {
    if (scc.length < 2) continue;
    const within = new Set(scc);
    let found = false;
    for (const c of tarjan(g, within, WW)) {
      if (c.length < 2) continue;
      const p = path(g, c[1]!, c[0]!, WW, new Set(c));
      const q = path(g, c[0]!, c[1]!, WW, new Set(c));
      out.push({ type: 'G0', detail: describeCycle(g, [...q!, ...p!.slice(1)], WW) });
      found = true;
      break;
    }
    const tryEdges = (dep: Dep, allowedBack: ReadonlySet<Dep>, type: AnomalyType): boolean => {
      for (const a of scc) {
        for (const b of g.next(a, new Set([dep]), within)) {
          const back = path(g, b, a, allowedBack, within);
          if (back !== null) {
            const cycle = [a, ...back];
            out.push({ type, detail: describeCycle(g, cycle, new Set([...allowedBack, dep])) });
            return true;
          }
        }
      }
      return false;
    };
    if (tryEdges('wr', WWR, 'G1c')) found = true;
    if (tryEdges('rw', WWR, 'G-single')) found = true;
    if (!found) {
      // Every cycle here has two or more rw edges.
      const a = scc[0]!;
      const b = g.next(a, ALL, within)[0]!;
      const back = path(g, b, a, ALL, within)!;
      out.push({ type: 'G2', detail: describeCycle(g, [a, ...back], ALL) });
    }
  }
  return out;
}

interface Writer {
  readonly txn: Txn;
  readonly k: number;
}

function isPrefix(a: readonly number[], b: readonly number[]): boolean {
  return a.length <= b.length && a.every((v, i) => b[i] === v);
}

/** Every anomaly found in the history (callers filter by level with `violations`). */
export function check(h: History): Anomaly[] {
  const out: Anomaly[] = h.problems.map((p) => ({ type: 'problem' as const, detail: p }));
  const writers = new Map<number, Writer>();
  const appendsOf = new Map<string, number[]>(); // `${txn}/${k}` -> values in op order
  for (const t of h.txns) {
    for (const o of t.ops) {
      if (o.f !== 'append') continue;
      writers.set(o.value, { txn: t, k: o.k });
      const key = `${t.id}/${o.k}`;
      appendsOf.set(key, [...(appendsOf.get(key) ?? []), o.value]);
    }
  }
  const haveFinal = h.problems.length === 0;
  const ok = h.txns.filter((t) => t.status === 'ok');
  const g = new DepGraph();

  // Final state: every committed append is there, no failed one is.
  if (haveFinal) {
    for (const [v, w] of writers) {
      const fin = h.final.get(w.k) ?? [];
      if (w.txn.status === 'ok' && !fin.includes(v)) out.push({ type: 'lost-append', detail: `T${w.txn.id}'s append ${v} to key ${w.k} is missing from the final read [${fin.join(' ')}]` });
      if (w.txn.status === 'fail' && fin.includes(v)) out.push({ type: 'G1a', detail: `failed T${w.txn.id}'s append ${v} to key ${w.k} is in the final read` });
    }
    for (const [k, fin] of h.final) checkValues(out, writers, fin, k, 'the final read');
  }

  for (const t of ok) {
    t.ops.forEach((o, i) => {
      if (o.f !== 'r') return;
      const where = `T${t.id}'s read of key ${o.k} [${o.value.join(' ')}]`;
      if (!checkValues(out, writers, o.value, o.k, where)) return;
      const own = t.ops.slice(0, i).filter((x) => x.f === 'append' && x.k === o.k).map((x) => x.value as number);
      const mine = new Set(appendsOf.get(`${t.id}/${o.k}`) ?? []);
      // Internal consistency: the read shows exactly the txn's earlier appends, after the rest.
      const external = o.value.slice(0, o.value.length - own.length);
      const tail = o.value.slice(o.value.length - own.length);
      const internalOk =
        h.encoding === 'list'
          ? own.every((v, j) => tail[j] === v) && external.every((v) => !mine.has(v))
          : own.every((v) => o.value.includes(v)) && o.value.filter((v) => mine.has(v)).length === own.length;
      if (!internalOk) {
        out.push({ type: 'internal', detail: `${where} after its own appends [${own.join(' ')}]` });
        return;
      }
      const seen = h.encoding === 'list' ? external : o.value.filter((v) => !mine.has(v));
      // G1a / G1b: what the read saw of each other writer.
      const byWriter = new Map<number, number[]>();
      for (const v of seen) {
        const w = writers.get(v)!;
        byWriter.set(w.txn.id, [...(byWriter.get(w.txn.id) ?? []), v]);
      }
      for (const [wid, vs] of byWriter) {
        const w = h.txns.find((x) => x.id === wid)!;
        if (w.status === 'fail') out.push({ type: 'G1a', detail: `${where} saw failed T${wid}'s [${vs.join(' ')}]` });
        const all = appendsOf.get(`${wid}/${o.k}`) ?? [];
        if (w.status === 'ok' && vs.length < all.length) {
          out.push({ type: 'G1b', detail: `${where} saw [${vs.join(' ')}] of T${wid}'s appends [${all.join(' ')}]` });
        }
      }
      for (const p of ok) {
        if (p.id === t.id || p.committedAt === undefined || t.begunAt === undefined || p.committedAt > t.begunAt) continue;
        const missed = (appendsOf.get(`${p.id}/${o.k}`) ?? []).filter((v) => !o.value.includes(v));
        if (missed.length > 0) out.push({ type: 'stale-read', detail: `${where} misses [${missed.join(' ')}] of T${p.id}, committed before T${t.id} began` });
      }
      if (!haveFinal) return;
      deriveReadEdges(g, h.encoding, t, o.k, o.value, seen, h.final.get(o.k) ?? [], writers, ok, appendsOf, out, where);
    });
  }

  if (haveFinal && h.encoding === 'list') {
    // ww: the version order of each key is its final list.
    for (const fin of h.final.values()) {
      for (let i = 0; i + 1 < fin.length; i++) {
        const a = writers.get(fin[i]!)?.txn;
        const b = writers.get(fin[i + 1]!)?.txn;
        if (a?.status === 'ok' && b?.status === 'ok') g.add(a.id, b.id, 'ww');
      }
    }
  }
  out.push(...cycleAnomalies(g));
  return out;
}

/** Duplicates and values no transaction appended to this key; false when the read is unusable. */
function checkValues(out: Anomaly[], writers: ReadonlyMap<number, Writer>, values: readonly number[], k: number, where: string): boolean {
  let good = true;
  if (new Set(values).size !== values.length) {
    out.push({ type: 'duplicate', detail: `${where} has duplicates` });
    good = false;
  }
  const garbage = values.filter((v) => writers.get(v)?.k !== k);
  if (garbage.length > 0) {
    out.push({ type: 'garbage', detail: `${where} has values never appended to key ${k}: [${garbage.join(' ')}]` });
    good = false;
  }
  return good;
}

function deriveReadEdges(
  g: DepGraph,
  encoding: Encoding,
  t: Txn,
  k: number,
  read: readonly number[],
  seen: readonly number[],
  fin: readonly number[],
  writers: ReadonlyMap<number, Writer>,
  ok: readonly Txn[],
  appendsOf: ReadonlyMap<string, number[]>,
  out: Anomaly[],
  where: string,
): void {
  const okWriter = (v: number | undefined): Txn | undefined => {
    const w = v === undefined ? undefined : writers.get(v)?.txn;
    return w?.status === 'ok' ? w : undefined;
  };
  if (encoding === 'list') {
    if (!isPrefix(read, fin)) {
      out.push({ type: 'incompatible-order', detail: `${where} is not a prefix of the final [${fin.join(' ')}]` });
      return;
    }
    const last = okWriter(seen[seen.length - 1]);
    if (last !== undefined) g.add(last.id, t.id, 'wr');
    const missed = okWriter(fin[seen.length]);
    if (missed !== undefined) g.add(t.id, missed.id, 'rw');
    return;
  }
  // Sets: the read saw each writer of a value in it, and precedes each committed writer it missed.
  for (const v of seen) {
    const w = okWriter(v);
    if (w !== undefined) g.add(w.id, t.id, 'wr');
  }
  const inRead = new Set(read);
  for (const u of ok) {
    if (u.id === t.id) continue;
    if ((appendsOf.get(`${u.id}/${k}`) ?? []).some((v) => !inRead.has(v))) g.add(t.id, u.id, 'rw');
  }
}
