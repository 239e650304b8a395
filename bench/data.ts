// Deterministic, seeded data and operation sequences for the workloads of bench/WORKLOADS.md,
// plus the expected answers every timed result is checked against.

/** One row of t: [id, k, c, pad]. */
export type TRow = [id: number, k: number, c: string, pad: string];
/** One row of u: [id, t_id, v]. */
export type URow = [id: number, tId: number, v: number];

export const DATA_SEED = 20260401;
const ALPHABET_CODES = [...'abcdefghijklmnopqrstuvwxyz0123456789'].map((ch) => ch.charCodeAt(0));

/** mulberry32: small, fast, and identical on every platform, so every engine gets the same data. */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  next(): number {
    this.#s = (this.#s + 0x6d2b79f5) >>> 0;
    let x = this.#s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  }
  /** Uniform integer in lo..hi inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  text(len: number): string {
    // Lower-case letters and digits only: byte order and every locale's collation agree on them,
    // so ORDER BY c gives the same answer in SQLite, PostgreSQL and JavaScript. Built from char
    // codes in one go: `s += ch` would leave a rope of `len` nodes (~6 KB per string) in the heap.
    const codes = new Array<number>(len);
    for (let i = 0; i < len; i++) codes[i] = ALPHABET_CODES[Math.floor(this.next() * 36)] ?? 97;
    return String.fromCharCode(...codes);
  }
}

/**
 * The rows of t then u, generated in chunks from one seeded stream. The memory probe inserts them
 * chunk by chunk so that the data never exists twice; the main run keeps them all.
 */
export function* generateT(rows: number, chunk = 10_000): Generator<TRow[]> {
  const rng = new Rng(DATA_SEED);
  for (let start = 1; start <= rows; start += chunk) {
    const end = Math.min(rows, start + chunk - 1);
    const out: TRow[] = [];
    for (let id = start; id <= end; id++) out.push([id, rng.int(1, rows), rng.text(60), rng.text(120)]);
    yield out;
  }
}

export function* generateU(rows: number, tRows: number, chunk = 10_000): Generator<URow[]> {
  const rng = new Rng(DATA_SEED + 1);
  for (let start = 1; start <= rows; start += chunk) {
    const end = Math.min(rows, start + chunk - 1);
    const out: URow[] = [];
    // v has two decimals so sums are well conditioned in float4 (PostgreSQL REAL) and float8.
    for (let id = start; id <= end; id++) out.push([id, rng.int(1, tRows), rng.int(0, 100_000) / 100]);
    yield out;
  }
}

export function chunksOf<T>(rows: readonly T[], size = 10_000): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/** The whole data set plus indexes over it from which the expected answers are computed. */
export class Dataset {
  readonly rows: number;
  readonly t: TRow[];
  readonly u: URow[];
  readonly tChunks: TRow[][];
  readonly uChunks: URow[][];
  /** k by id (index 0 unused). */
  readonly kById: Int32Array;
  /** prefix sums of k by id: kPrefix[i] = sum of k for ids 1..i. */
  readonly kPrefix: Float64Array;
  /** sum of ids per k value, and count. */
  readonly idSumByK: Float64Array;
  readonly countByK: Int32Array;

  constructor(rows: number) {
    this.rows = rows;
    this.t = [];
    for (const c of generateT(rows)) for (const r of c) this.t.push(r);
    this.u = [];
    for (const c of generateU(rows, rows)) for (const r of c) this.u.push(r);
    this.tChunks = chunksOf(this.t);
    this.uChunks = chunksOf(this.u);
    this.kById = new Int32Array(rows + 1);
    this.kPrefix = new Float64Array(rows + 1);
    this.idSumByK = new Float64Array(rows + 1);
    this.countByK = new Int32Array(rows + 1);
    for (const [id, k] of this.t) {
      this.kById[id] = k;
      this.idSumByK[k] = (this.idSumByK[k] ?? 0) + id;
      this.countByK[k] = (this.countByK[k] ?? 0) + 1;
    }
    for (let i = 1; i <= rows; i++) this.kPrefix[i] = (this.kPrefix[i - 1] ?? 0) + (this.kById[i] ?? 0);
  }

  #groups: Int32Array | undefined;
  #join: { count: number; sum: number } | undefined;
  #smallest: TRow[] | undefined;

  sumK(): number {
    return this.kPrefix[this.rows] ?? 0;
  }

  /** W6: count per (k % 100). */
  groupCounts(): Int32Array {
    if (this.#groups) return this.#groups;
    const out = (this.#groups = new Int32Array(100));
    for (const r of this.t) out[r[1] % 100] = (out[r[1] % 100] ?? 0) + 1;
    return out;
  }

  /** W7: count(*) and sum(u.v) of t JOIN u ON u.t_id = t.id WHERE t.k < 1000. */
  joinAnswer(): { count: number; sum: number } {
    if (this.#join) return this.#join;
    let count = 0;
    let sum = 0;
    for (const [, tId, v] of this.u) {
      if ((this.kById[tId] ?? 0) < 1000) {
        count++;
        sum += v;
      }
    }
    return (this.#join = { count, sum });
  }

  /** W8: the ids of the 10 rows with the smallest c. */
  smallestC(): TRow[] {
    return (this.#smallest ??= [...this.t].sort((a, b) => (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0)).slice(0, 10));
  }
}

/** Operation sequences; each workload has its own seed so that selecting workloads changes nothing. */
export interface OpSequences {
  /** W2 and W9: ids to look up. */
  readonly pointIds: Int32Array;
  /** W3: lower bounds of 100-row ranges. */
  readonly rangeLo: Int32Array;
  /** W4: k values. */
  readonly kValues: Int32Array;
  /** W5/W5b/W5c: distinct ids to update and their new c values (60 chars, marked 'w5'). */
  readonly updateIds: Int32Array;
  readonly updateC: string[];
}

export function makeOps(rows: number, counts: { point: number; range: number; k: number; update: number }): OpSequences {
  const ints = (n: number, seed: number, lo: number, hi: number): Int32Array => {
    const rng = new Rng(seed);
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = rng.int(lo, hi);
    return a;
  };
  // Updates use distinct ids (a seeded shuffle) so that the concurrent sessions of W5c never wait
  // on each other's key locks and every update's result is checkable.
  const rng = new Rng(DATA_SEED + 5);
  const perm = new Int32Array(rows);
  for (let i = 0; i < rows; i++) perm[i] = i + 1;
  const n = Math.min(counts.update, rows);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rng.next() * (rows - i));
    const tmp = perm[i] ?? 0;
    perm[i] = perm[j] ?? 0;
    perm[j] = tmp;
  }
  const updateC: string[] = [];
  for (let i = 0; i < n; i++) updateC.push('w5' + rng.text(58));
  return {
    pointIds: ints(counts.point, DATA_SEED + 2, 1, rows),
    rangeLo: ints(counts.range, DATA_SEED + 3, 1, Math.max(1, rows - 99)),
    kValues: ints(counts.k, DATA_SEED + 4, 1, rows),
    updateIds: perm.slice(0, n),
    updateC,
  };
}
