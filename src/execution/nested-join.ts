// The general join of one more source to the rows so far: an index nested loop (the source's
// access path opened again per left row), a hash join with the table on the build side, or a
// plain nested loop over the materialized source. A class rather than closures made per
// execution: its methods are one function for every execution, so the code V8 optimizes for one
// run is not thrown away at the next ("wrong call target" on a fresh closure).
import type { Row, RowCursor, SqlValue } from '../storage/ports.js';
import { TableReader, equalityPoint } from './access.js';
import { flatRowAt } from './leaf-columns.js';
import { hashKey, hashValue } from './hash-join.js';
import { JoinHashTable } from './join-hash-table.js';
import { ValueColumn } from './value-column.js';
import { giveBack, growInt32, takeInt32 } from './scratch-arrays.js';
import type { LevelSpec, Reader } from './join-ops.js';
import { BATCH, objectArray, type Eval, type Frame, type Op } from './runtime.js';
import { truth } from './values.js';

const WORK_BUDGET = 2000;
const NO_ROWS: readonly Row[] = Object.freeze([]) as readonly Row[];

function pass(e: Eval | null, row: Row, f: Frame): boolean {
  return e === null || truth(e(row, f)) === true;
}

export class NestedJoinOp implements Op {
  readonly #f: Frame;
  readonly #spec: LevelSpec;
  readonly #left: Op;
  readonly #width: number;
  readonly #off: number;
  readonly #nData: number;
  readonly #outerLeft: boolean;
  readonly #keepUnmatchedRight: boolean;
  readonly #openReader: (spec: LevelSpec, left: Row, f: Frame) => Reader;
  /** The row being put together: the left row's values, then this source's at [off, off + nData). */
  readonly #scratch: Row;
  #building: boolean;
  #buildReader: Reader | null;
  /** A whole-table build read in place from the table's leaves (TableReader.leafRuns). */
  #leafRuns: RowCursor | null;
  /**
   * Build row i is srcs[bSrc[i]][bAt[i] ..]: a row (at 0), or the entries array of a flat table
   * leaf read in place, the row's values beginning at bAt[i]. A whole-table build then makes no
   * array per row, and holds no young objects that every scavenge would copy until the join ends
   * (the leaf arrays a cursor lends never change); its positions live in typed arrays kept
   * between statements (scratch-arrays.ts), not in arrays grown through fresh memory.
   */
  readonly #srcs: (readonly unknown[])[] = objectArray();
  #bSrc: Int32Array | null = null;
  #bAt: Int32Array | null = null;
  #n = 0;
  /** Hash mode: each build row's key while building (the table is made from them at the end). */
  #buildKeys: ValueColumn | null;
  /** One hash key that is a plain column of this source, with no filter: its place in a row; else -1. */
  readonly #rawSlot: number;
  #hash: JoinHashTable | null = null;
  /** RIGHT / FULL joins: which build rows found a partner (made when the build ends). */
  #matched: Uint8Array | null = null;
  #leftBatch: Row[] | null = null;
  #leftIdx = 0;
  #leftDone = false;
  #unmatchedIdx = 0;

  constructor(f: Frame, left: Op, spec: LevelSpec, width: number, openReader: (spec: LevelSpec, left: Row, f: Frame) => Reader) {
    this.#f = f;
    this.#spec = spec;
    this.#left = left;
    this.#width = width;
    this.#openReader = openReader;
    const off = (this.#off = spec.src.offset);
    const nData = (this.#nData = spec.src.ncols);
    this.#outerLeft = spec.type === 'left' || spec.type === 'full';
    this.#keepUnmatchedRight = spec.type === 'right' || spec.type === 'full';
    const scratch = (this.#scratch = new Array<unknown>(width).fill(null) as Row);
    this.#building = spec.mode !== 'index';
    const reader = (this.#buildReader = this.#building ? openReader(spec, scratch, f) : null);
    this.#leafRuns = reader instanceof TableReader ? reader.leafRuns() : null;
    const keys = (this.#buildKeys = spec.mode === 'hash' ? new ValueColumn(1024) : null);
    if (this.#building) {
      this.#bSrc = takeInt32(1024);
      this.#bAt = takeInt32(1024);
    }
    const rs = spec.rightSlots?.[0];
    this.#rawSlot = keys !== null && spec.local === null && spec.rightKeys.length === 1 && rs !== undefined && rs >= off && rs < off + nData ? rs - off : -1;
  }

  #writeRaw(src: readonly unknown[], at: number): void {
    const scratch = this.#scratch;
    const off = this.#off;
    const nData = this.#nData;
    for (let j = 0; j < nData; j++) scratch[off + j] = src[at + j] as Row[number];
  }

  /** Keeps a build row: `src` is srcs[si] (a leaf's entries, or a row at 0). */
  #keep(src: readonly unknown[], si: number, at: number): void {
    const slot = this.#rawSlot;
    if (slot >= 0) {
      const v = src[at + slot] as SqlValue;
      this.#buildKeys!.push(v === null ? null : hashValue(v));
    } else {
      this.#writeRaw(src, at);
      const spec = this.#spec;
      if (!pass(spec.local, this.#scratch, this.#f)) return;
      if (this.#buildKeys !== null) this.#buildKeys.push(hashKey(spec.rightKeys, this.#scratch, this.#f));
    }
    const n = this.#n;
    let bSrc = this.#bSrc!;
    let bAt = this.#bAt!;
    if (n === bSrc.length) {
      bSrc = this.#bSrc = growInt32(bSrc, n, n + 1);
      bAt = this.#bAt = growInt32(bAt, n, n + 1);
    }
    bSrc[n] = si;
    bAt[n] = at;
    this.#n = n + 1;
  }

  #endBuild(): void {
    this.#buildReader!.close();
    this.#buildReader = null;
    this.#leafRuns = null;
    this.#building = false;
    const scratch = this.#scratch;
    for (let j = 0; j < this.#nData; j++) scratch[this.#off + j] = null;
    if (this.#keepUnmatchedRight) this.#matched = new Uint8Array(this.#n);
    const keys = this.#buildKeys;
    if (keys !== null) {
      this.#hash = new JoinHashTable(keys.values, 0, keys.length);
      keys.release();
      this.#buildKeys = null;
    }
  }

  #buildStep(): void {
    const f = this.#f;
    const cur = this.#leafRuns;
    if (cur !== null) {
      const got = cur.nextLeafRun!(BATCH * 4);
      if (got === 0) return this.#endBuild();
      f.ctx.counters.rowsExamined += got;
      f.root.work += got + 1;
      const ents = cur.leafEntries!;
      const w = cur.leafWidth ?? 0;
      const nData = this.#nData;
      const from = cur.leafStart!;
      const srcs = this.#srcs;
      if (w === nData) {
        const si = srcs.length;
        srcs.push(ents);
        for (let i = from; i < from + got; i++) this.#keep(ents, si, i * w);
      } else {
        for (let i = from; i < from + got; i++) {
          const r = w === 0 ? cur.entryRow!(ents[i]) : flatRowAt(ents, i, w);
          srcs.push(r);
          this.#keep(r, srcs.length - 1, 0);
        }
      }
      return;
    }
    const raw = this.#buildReader!.read(BATCH * 4, null);
    if (raw === null) return this.#endBuild();
    const srcs = this.#srcs;
    for (let i = 0; i < raw.length; i++) {
      srcs.push(raw[i]!);
      this.#keep(raw[i]!, srcs.length - 1, 0);
    }
  }

  /** Build row i joined to the left row in the scratch row, if the join condition holds. */
  #combine(out: Row[], i: number): boolean {
    this.#writeRaw(this.#srcs[this.#bSrc![i]!]!, this.#bAt![i]!);
    if (!pass(this.#spec.join, this.#scratch, this.#f)) return false;
    const matched = this.#matched;
    if (matched !== null) matched[i] = 1;
    out.push(this.#scratch.slice());
    return true;
  }

  #probe(l: Row, out: Row[]): void {
    const f = this.#f;
    const spec = this.#spec;
    const scratch = this.#scratch;
    const width = this.#width;
    for (let j = 0; j < width; j++) scratch[j] = l[j]!;
    let any = false;
    if (spec.mode === 'index') {
      // A lookup of the whole primary key (a foreign key joined to its table: one row or none)
      // or of an index's equality prefix whose entries lie in one leaf: read without a reader
      // made per left row.
      const table = spec.src.table;
      const path = spec.path;
      const key = table !== null && path !== null && !spec.src.wantKey ? equalityPoint(table, path, l, f) : undefined;
      if (key !== undefined && path!.index === null) {
        const raw = key === null ? undefined : f.ctx.view.getRow(table!.name, key);
        f.root.work++;
        if (raw !== undefined) {
          f.ctx.counters.rowsExamined++;
          this.#writeRaw(raw, 0);
          if (pass(spec.local, scratch, f) && pass(spec.join, scratch, f)) {
            out.push(scratch.slice());
            any = true;
          }
        }
        if (!any && this.#outerLeft) out.push(l);
        f.root.work++;
        return;
      }
      if (key !== undefined) {
        let found: readonly Row[] | undefined = NO_ROWS;
        if (key !== null) {
          found = f.ctx.view.probeIndex?.(table!.name, path!.index!, key, path!.reverse);
          if (found !== undefined) f.ctx.counters.indexesUsed.add(path!.index!);
        }
        if (found !== undefined) {
          f.root.work += found.length + 1;
          f.ctx.counters.rowsExamined += found.length;
          for (let i = 0; i < found.length; i++) {
            this.#writeRaw(found[i]!, 0);
            if (!pass(spec.local, scratch, f) || !pass(spec.join, scratch, f)) continue;
            out.push(scratch.slice());
            any = true;
          }
          if (!any && this.#outerLeft) out.push(l);
          f.root.work++;
          return;
        }
      }
      const reader = this.#openReader(spec, l, f);
      for (;;) {
        const raw = reader.read(BATCH, null);
        if (raw === null) break;
        for (let i = 0; i < raw.length; i++) {
          this.#writeRaw(raw[i]!, 0);
          if (!pass(spec.local, scratch, f)) continue;
          if (!pass(spec.join, scratch, f)) continue;
          out.push(scratch.slice());
          any = true;
        }
      }
      reader.close();
    } else if (spec.mode === 'hash') {
      const k = hashKey(spec.leftKeys, l, f);
      if (k !== null) {
        const hash = this.#hash!;
        let c = 0;
        for (let j = hash.first(k); j !== 0; j = hash.next(j), c++) if (this.#combine(out, j - 1)) any = true;
        f.root.work += c;
      }
    } else {
      const n = this.#n;
      for (let i = 0; i < n; i++) {
        if (this.#combine(out, i)) any = true;
        if ((i & 1023) === 1023) f.ctx.checkInterrupt();
      }
      f.root.work += n;
    }
    if (!any && this.#outerLeft) out.push(l);
    f.root.work++;
  }

  next(): Row[] | null {
    const f = this.#f;
    f.ctx.checkInterrupt();
    if (this.#building) {
      this.#buildStep();
      return [];
    }
    const out: Row[] = [];
    const start = f.root.work;
    while (f.root.work - start < WORK_BUDGET && out.length < BATCH * 4) {
      const lb = this.#leftBatch;
      if (lb === null || this.#leftIdx >= lb.length) {
        if (this.#leftDone) break;
        const b = this.#left.next();
        if (b === null) {
          this.#leftDone = true;
          break;
        }
        this.#leftBatch = b;
        this.#leftIdx = 0;
        continue;
      }
      this.#probe(lb[this.#leftIdx++]!, out);
    }
    if (this.#leftDone && out.length === 0) {
      if (!this.#keepUnmatchedRight) return null;
      // Unmatched inner rows of RIGHT / FULL joins, null-extended on the left.
      const srcs = this.#srcs;
      const bSrc = this.#bSrc!;
      const bAt = this.#bAt!;
      const matched = this.#matched!;
      if (this.#unmatchedIdx >= this.#n) return null;
      const end = Math.min(this.#n, this.#unmatchedIdx + BATCH * 4);
      const off = this.#off;
      const nData = this.#nData;
      for (let i = this.#unmatchedIdx; i < end; i++) {
        if (matched[i] === 1) continue;
        const r = new Array<unknown>(this.#width).fill(null) as Row;
        const src = srcs[bSrc[i]!]!;
        const at = bAt[i]!;
        for (let j = 0; j < nData; j++) r[off + j] = src[at + j] as Row[number];
        out.push(r);
      }
      this.#unmatchedIdx = end;
    }
    return out;
  }

  close(): void {
    this.#left.close();
    this.#buildReader?.close();
    this.#buildReader = null;
    // The kept arrays go back for later statements (none is read after close).
    this.#buildKeys?.release();
    this.#buildKeys = null;
    this.#hash?.release();
    this.#hash = null;
    if (this.#bSrc !== null) giveBack(this.#bSrc);
    if (this.#bAt !== null) giveBack(this.#bAt);
    this.#bSrc = null;
    this.#bAt = null;
  }
}
