// Hash joins whose build side is chosen at run time: the left input is read first, and when it is
// clearly smaller than the table it joins, the hash table is built on it and the table streams
// past (see JoinNode in join-ops.ts for the general operator).
import type { Row, SqlValue } from '../storage/ports.js';
import type { LevelSpec, Reader } from './join-ops.js';
import { BATCH, objectArray, type Eval, type Frame, type Op } from './runtime.js';
import { groupKey, truth } from './values.js';
import { JoinHashTable } from './join-hash-table.js';

/**
 * A Map key that is the same for values SQL `=` makes equal. Numbers and text are their own key
 * (no string built per row); a collision between types is harmless, since every match is checked
 * again by the join condition.
 */
export function hashValue(v: SqlValue): unknown {
  switch (typeof v) {
    case 'number':
      // -0 joins 0; an integer past 2^53 must meet the bigint of the same value.
      if (v === 0) return 0;
      return Number.isSafeInteger(v) || !Number.isInteger(v) ? v : 'n' + BigInt(v).toString();
    case 'bigint':
      return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : 'n' + v.toString();
    case 'string':
    case 'boolean':
      return v;
    default:
      return groupKey(v);
  }
}

export function hashKey(keys: readonly Eval[], row: Row, f: Frame): unknown {
  if (keys.length === 1) {
    const v = keys[0]!(row, f);
    return v === null ? null : hashValue(v);
  }
  let s = '';
  for (let i = 0; i < keys.length; i++) {
    const v = keys[i]!(row, f);
    if (v === null) return null;
    const k = groupKey(v);
    s += k.length + ':' + k;
  }
  return s;
}

/** An index nested loop an adaptive hash join may take instead, and its cost per left row. */
export interface ProbeChoice {
  /** In rows of the table a hash join would stream past. */
  readonly costPerRow: number;
  readonly open: (left: Op) => Op;
}

/** The rows read so far, then the rest of the left input (none when it has ended). */
function replayOf(buffered: Row[], left: Op, ended = false): Op {
  let replayed = false;
  return {
    next: () => {
      if (replayed) return ended ? null : left.next();
      replayed = true;
      return buffered;
    },
    close: () => left.close(),
  };
}

/** Reads the left input of an adaptive hash join, then hands over to the plan it chose. */
export class AdaptiveHashOp implements Op {
  readonly #f: Frame;
  readonly #left: Op;
  readonly #limit: number;
  readonly #buffered: Row[] = objectArray();
  readonly #classic: (left: Op) => Op;
  readonly #stream: (rows: Row[]) => Op;
  readonly #probe: ProbeChoice | null;
  readonly #tableRows: number;
  #op: Op | null = null;

  constructor(f: Frame, left: Op, tableRows: number, classic: (left: Op) => Op, stream: (rows: Row[]) => Op, probe: ProbeChoice | null = null) {
    this.#f = f;
    this.#left = left;
    this.#limit = tableRows / 2;
    this.#tableRows = tableRows;
    this.#classic = classic;
    this.#stream = stream;
    this.#probe = probe;
  }

  next(): Row[] | null {
    if (this.#op !== null) return this.#op.next();
    const f = this.#f;
    f.ctx.checkInterrupt();
    const left = this.#left;
    const b = left.next();
    const buffered = this.#buffered;
    if (b === null) {
      // A left side this small looks its partners up in the index rather than stream the table.
      const probe = this.#probe;
      if (probe !== null && buffered.length * probe.costPerRow <= this.#tableRows) this.#op = probe.open(replayOf(buffered, left, true));
      else this.#op = this.#stream(buffered);
      return [];
    }
    for (let i = 0; i < b.length; i++) buffered.push(b[i]!);
    f.root.work += b.length;
    if (buffered.length > this.#limit) this.#op = this.#classic(replayOf(buffered, left));
    return [];
  }

  close(): void {
    if (this.#op !== null) this.#op.close();
    else this.#left.close();
  }
}

/**
 * Inner / left hash join with the hash table on the (finished) left rows; the table streams
 * past (see join-hash-table.ts).
 */
export class StreamHashOp implements Op {
  readonly #f: Frame;
  readonly #left: Op;
  readonly #rows: Row[];
  readonly #off: number;
  readonly #nData: number;
  readonly #local: Eval | null;
  readonly #join: Eval | null;
  readonly #rightKeys: readonly Eval[];
  readonly #table: JoinHashTable;
  /** LEFT joins: which left rows found a partner. */
  readonly #matched: Uint8Array | null;
  readonly #scratch: Row;
  /** The key's position in a table row when it can be read there directly, else -1. */
  readonly #rawSlot: number;
  #reader: Reader | null;
  #batch: Row[] | null = null;
  #idx = 0;
  #unmatchedIdx = 0;
  #released = false;

  constructor(
    f: Frame,
    spec: LevelSpec,
    width: number,
    left: Op,
    rows: Row[],
    tableRows: number,
    openReader: (spec: LevelSpec, left: Row, f: Frame) => Reader,
  ) {
    this.#f = f;
    this.#left = left;
    this.#rows = rows;
    const off = (this.#off = spec.src.offset);
    const nData = (this.#nData = spec.src.ncols);
    this.#local = spec.local;
    this.#join = spec.join;
    const rightKeys = (this.#rightKeys = spec.rightKeys);
    const n = rows.length;
    const keys: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) keys[i] = hashKey(spec.leftKeys, rows[i]!, f);
    f.root.work += n;
    this.#table = new JoinHashTable(keys, tableRows);
    const outerLeft = spec.type === 'left';
    this.#matched = outerLeft ? new Uint8Array(n) : null;
    this.#scratch = new Array<unknown>(width).fill(null) as Row;
    const anyKey = this.#table.size > 0;
    this.#reader = anyKey || outerLeft ? openReader(spec, this.#scratch, f) : null;
    // One key that is a plain column of the table, no filter to evaluate first: read it from the
    // table row itself, without filling the scratch row.
    const rs = spec.rightSlots?.[0];
    this.#rawSlot = this.#local === null && rightKeys.length === 1 && rs !== undefined && rs >= off && rs < off + nData ? rs - off : -1;
  }

  /** The left row `i` joined with the table row `raw`, if the join condition holds. */
  #pair(out: Row[], i: number, raw: Row): void {
    const o = this.#rows[i]!.slice();
    const off = this.#off;
    const nData = this.#nData;
    for (let j = 0; j < nData; j++) o[off + j] = raw[j]!;
    const join = this.#join;
    if (join !== null && truth(join(o, this.#f)) !== true) return;
    out.push(o);
    if (this.#matched !== null) this.#matched[i] = 1;
  }

  next(): Row[] | null {
    const f = this.#f;
    f.ctx.checkInterrupt();
    const out: Row[] = [];
    const reader = this.#reader;
    if (reader === null) {
      // Unmatched left rows of a LEFT join, null-extended (their right slots are null).
      const matched = this.#matched;
      const rows = this.#rows;
      if (matched === null || this.#unmatchedIdx >= rows.length) return null;
      const end = Math.min(rows.length, this.#unmatchedIdx + BATCH * 4);
      for (; this.#unmatchedIdx < end; this.#unmatchedIdx++) if (matched[this.#unmatchedIdx] === 0) out.push(rows[this.#unmatchedIdx]!);
      return out;
    }
    if (this.#batch === null || this.#idx >= this.#batch.length) {
      this.#batch = reader.read(BATCH * 4, null);
      this.#idx = 0;
      if (this.#batch === null) {
        reader.close();
        this.#reader = null;
        return out;
      }
    }
    const b = this.#batch;
    const rawSlot = this.#rawSlot;
    const table = this.#table;
    const local = this.#local;
    const rightKeys = this.#rightKeys;
    // A one-column key is probed with the column's value; the Map form wants it as hashValue() makes it.
    const hashed = table.hashed && rightKeys.length === 1;
    const scratch = this.#scratch;
    const off = this.#off;
    const nData = this.#nData;
    let idx = this.#idx;
    // A slice stops early when many pairs match, so one call's output stays bounded.
    while (idx < b.length && out.length < BATCH * 4) {
      const raw = b[idx++]!;
      let k: unknown;
      if (rawSlot >= 0) {
        k = raw[rawSlot]!;
      } else {
        for (let j = 0; j < nData; j++) scratch[off + j] = raw[j]!;
        if (local !== null && truth(local(scratch, f)) !== true) continue;
        k = rightKeys.length === 1 ? rightKeys[0]!(scratch, f) : hashKey(rightKeys, scratch, f);
      }
      if (k === null) continue;
      let c = 0;
      for (let j = table.first(hashed ? hashValue(k as SqlValue) : k); j !== 0; j = table.next(j), c++) this.#pair(out, j - 1, raw);
      f.root.work += c;
    }
    this.#idx = idx;
    return out;
  }

  close(): void {
    this.#reader?.close();
    this.#reader = null;
    this.#left.close();
    if (!this.#released) this.#table.release();
    this.#released = true;
  }
}
