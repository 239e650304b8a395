// Row sources of a SELECT: the first table of the join order (a scan along its access path) and
// each further table joined to the rows so far — index nested loop (re-opening the access path
// per left row), hash join, or plain nested loop over a materialized inner side. Rows use a fixed
// layout: every source owns a slice [offset, offset+width) of a row of the query's full width.
import type { Key, Row, SqlValue, TableDef } from '../storage/ports.js';
import { TableReader, type AccessPath } from './access.js';
import { BATCH, indent, type Eval, type Frame, type Op, type PlanNode } from './runtime.js';
import { groupKey, truth } from './values.js';

export interface SourceSpec {
  readonly name: string;
  readonly table: TableDef | null;
  /** Derived table / view: a plan yielding rows of the source's width. */
  readonly sub: PlanNode | null;
  readonly offset: number;
  /** Number of slots the source owns (its columns, plus the key slot when wantKey). */
  readonly ncols: number;
  /** DML targets keep each row's storage key in their last slot. */
  readonly wantKey: boolean;
}

export type JoinType = 'inner' | 'left' | 'right' | 'full';
export type JoinMode = 'index' | 'hash' | 'loop';

export interface LevelSpec {
  readonly src: SourceSpec;
  /** Replaced by the planner when an index order serves ORDER BY (first source only). */
  path: AccessPath | null;
  /** Conjuncts on this source alone (evaluated on a full-width row). */
  readonly local: Eval | null;
  /** Conjuncts linking this source with the earlier ones. */
  readonly join: Eval | null;
  readonly mode: JoinMode;
  readonly leftKeys: readonly Eval[];
  readonly rightKeys: readonly Eval[];
  /** Per right key: the row slot it reads when it is a plain column of this source. */
  readonly rightSlots?: readonly (number | undefined)[];
  readonly type: JoinType;
}

interface Reader {
  read(max: number, keys: Key[] | null): Row[] | null;
  close(): void;
}

function openReader(spec: LevelSpec, left: Row, f: Frame): Reader {
  const src = spec.src;
  if (src.table !== null) return new TableReader(src.table, spec.path!, left, f, src.wantKey);
  const op = src.sub!.open(f);
  return {
    read: () => op.next(),
    close: () => op.close(),
  };
}

function pass(e: Eval | null, row: Row, f: Frame): boolean {
  return e === null || truth(e(row, f)) === true;
}

/**
 * A Map key that is the same for values SQL `=` makes equal. Numbers and text are their own key
 * (no string built per row); a collision between types is harmless, since every match is checked
 * again by the join condition.
 */
function hashValue(v: SqlValue): unknown {
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

function hashKey(keys: readonly Eval[], row: Row, f: Frame): unknown {
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

function describePath(spec: LevelSpec): string {
  if (spec.src.table === null) return `Subquery Scan on ${spec.src.name}`;
  return spec.path!.describe;
}

/** The first source of a FROM list. */
export class ScanNode implements PlanNode {
  readonly spec: LevelSpec;
  readonly width: number;

  constructor(spec: LevelSpec, width: number) {
    this.spec = spec;
    this.width = width;
  }

  open(f: Frame): Op {
    const spec = this.spec;
    const src = spec.src;
    const width = this.width;
    const direct = src.offset === 0 && src.ncols === width && !src.wantKey;
    const reader = openReader(spec, new Array<null>(width).fill(null), f);
    const keys: Key[] | null = src.wantKey ? [] : null;
    const local = spec.local;
    const nData = src.wantKey ? src.ncols - 1 : src.ncols;
    const passThrough = direct && local === null && src.table !== null;
    let size = BATCH;
    return {
      next: () => {
        f.ctx.checkInterrupt();
        if (keys !== null) keys.length = 0;
        // Batches grow from BATCH to 4 * BATCH: a LIMIT that stops early reads little, a long
        // scan pays the per-batch work of the operators above less often.
        const raw = reader.read(size, keys);
        if (size < BATCH * 4) size *= 2;
        if (raw === null) return null;
        // A table reader's batch is a fresh array: passed on as it is when nothing changes.
        if (passThrough) return raw;
        const out: Row[] = [];
        for (let i = 0; i < raw.length; i++) {
          let r = raw[i]!;
          if (!direct) {
            const w = new Array<unknown>(width).fill(null) as Row;
            for (let j = 0; j < nData; j++) w[src.offset + j] = r[j]!;
            if (keys !== null) w[src.offset + nData] = keys[i] as unknown as Row[number];
            r = w;
          }
          if (local === null || truth(local(r, f)) === true) out.push(r);
        }
        return out;
      },
      close: () => reader.close(),
    };
  }

  explain(out: string[], depth: number): void {
    out.push(indent(depth) + describePath(this.spec) + (this.spec.local !== null ? ' [filter]' : ''));
  }
}

const WORK_BUDGET = 2000;

/** Joins one more source to the rows of `left`. */
export class JoinNode implements PlanNode {
  readonly left: PlanNode;
  readonly spec: LevelSpec;
  readonly width: number;

  constructor(left: PlanNode, spec: LevelSpec, width: number) {
    this.left = left;
    this.spec = spec;
    this.width = width;
  }

  open(f: Frame): Op {
    const spec = this.spec;
    const left = this.left.open(f);
    const table = spec.src.table;
    if (spec.mode === 'hash' && table !== null && (spec.type === 'inner' || spec.type === 'left')) {
      return this.#adaptive(f, left, f.ctx.view.rowCount(table.name));
    }
    return this.#classic(f, left);
  }

  /**
   * Hash join against a table whose build side is picked at run time: the left input is read
   * first; if it ends while clearly smaller than the table, the hash table is built on it and
   * the table streams past (PostgreSQL's hash join on the smaller side). Otherwise the buffered
   * left rows are replayed into the table-side build.
   */
  #adaptive(f: Frame, left: Op, tableRows: number): Op {
    const limit = tableRows / 2;
    const buffered: Row[] = [];
    let op: Op | null = null;
    return {
      next: () => {
        if (op !== null) return op.next();
        f.ctx.checkInterrupt();
        const b = left.next();
        if (b === null) {
          op = this.#streamTable(f, left, buffered, tableRows);
          return [];
        }
        for (let i = 0; i < b.length; i++) buffered.push(b[i]!);
        f.root.work += b.length;
        if (buffered.length > limit) {
          let replayed = false;
          const replay: Op = {
            next: () => {
              if (replayed) return left.next();
              replayed = true;
              return buffered;
            },
            close: () => left.close(),
          };
          op = this.#classic(f, replay);
        }
        return [];
      },
      close: () => (op !== null ? op.close() : left.close()),
    };
  }

  /** Inner / left hash join with the hash table on the (finished) left rows; the table streams. */
  #streamTable(f: Frame, left: Op, rows: Row[], tableRows: number): Op {
    const spec = this.spec;
    const off = spec.src.offset;
    const nData = spec.src.ncols;
    const outerLeft = spec.type === 'left';
    const n = rows.length;
    const rightKeys = spec.rightKeys;
    // Build side. Integer keys in a compact range (ids, foreign keys) chain the rows through
    // typed arrays indexed by key: no Map, no per-key list, nothing for the GC to trace.
    const keys: unknown[] = new Array(n);
    let dense = rightKeys.length === 1;
    let maxKey = -1;
    const bound = 8 * (n + tableRows) + 1024;
    for (let i = 0; i < n; i++) {
      const k = hashKey(spec.leftKeys, rows[i]!, f);
      keys[i] = k;
      if (!dense || k === null) continue;
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k >= bound) dense = false;
      else if (k > maxKey) maxKey = k;
    }
    f.root.work += n;
    let head: Int32Array | null = null;
    let chain: Int32Array | null = null;
    let hash: Map<unknown, number[]> | null = null;
    if (dense && maxKey >= 0) {
      // head[key] and chain[row] hold row index + 1 (0 ends a chain); built backwards so each
      // chain lists its rows in input order.
      head = new Int32Array(maxKey + 1);
      chain = new Int32Array(n);
      for (let i = n - 1; i >= 0; i--) {
        const k = keys[i];
        if (k === null) continue;
        chain[i] = head[k as number]!;
        head[k as number] = i + 1;
      }
    } else {
      hash = new Map();
      for (let i = 0; i < n; i++) {
        const k = keys[i];
        if (k === null) continue;
        const list = hash.get(k);
        if (list === undefined) hash.set(k, [i]);
        else list.push(i);
      }
    }
    const anyKey = head !== null || hash!.size > 0;
    const matched: Uint8Array | null = outerLeft ? new Uint8Array(n) : null;
    const scratch = new Array<unknown>(this.width).fill(null) as Row;
    let reader: Reader | null = anyKey || outerLeft ? openReader(spec, scratch, f) : null;
    const local = spec.local;
    const join = spec.join;
    // One key that is a plain column of the table, no filter to evaluate first: read it from the
    // table row itself, without filling the scratch row.
    const rs = spec.rightSlots?.[0];
    const rawSlot = local === null && rightKeys.length === 1 && rs !== undefined && rs >= off && rs < off + nData ? rs - off : -1;
    let batch: Row[] | null = null;
    let idx = 0;
    let unmatchedIdx = 0;
    /** The left row `i` joined with the table row `raw`, if the join condition holds. */
    const pair = (out: Row[], i: number, raw: Row): void => {
      const o = rows[i]!.slice();
      for (let j = 0; j < nData; j++) o[off + j] = raw[j]!;
      if (join !== null && truth(join(o, f)) !== true) return;
      out.push(o);
      if (matched !== null) matched[i] = 1;
    };
    return {
      next: () => {
        f.ctx.checkInterrupt();
        const out: Row[] = [];
        if (reader === null) {
          // Unmatched left rows of a LEFT join, null-extended (their right slots are null).
          if (matched === null || unmatchedIdx >= n) return null;
          const end = Math.min(n, unmatchedIdx + BATCH * 4);
          for (; unmatchedIdx < end; unmatchedIdx++) if (matched[unmatchedIdx] === 0) out.push(rows[unmatchedIdx]!);
          return out;
        }
        if (batch === null || idx >= batch.length) {
          batch = reader.read(BATCH * 4, null);
          idx = 0;
          if (batch === null) {
            reader.close();
            reader = null;
            return out;
          }
        }
        const b = batch;
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
          if (head !== null) {
            // Only an integer can equal the integer keys of the build side.
            let at: number;
            if (typeof k === 'number') {
              if (!(k >= 0 && k <= maxKey && Number.isInteger(k))) continue;
              at = k;
            } else if (typeof k === 'bigint') {
              if (!(k >= 0n && k <= BigInt(maxKey))) continue;
              at = Number(k);
            } else continue;
            let c = 0;
            for (let j = head[at]!; j !== 0; j = chain![j - 1]!, c++) pair(out, j - 1, raw);
            f.root.work += c;
          } else {
            const list = hash!.get(rightKeys.length === 1 ? hashValue(k as SqlValue) : k);
            if (list === undefined) continue;
            for (let m = 0; m < list.length; m++) pair(out, list[m]!, raw);
            f.root.work += list.length;
          }
        }
        return out;
      },
      close: () => {
        reader?.close();
        reader = null;
        left.close();
      },
    };
  }

  #classic(f: Frame, left: Op): Op {
    const spec = this.spec;
    const width = this.width;
    const src = spec.src;
    const off = src.offset;
    const nData = src.ncols;
    const outerLeft = spec.type === 'left' || spec.type === 'full';
    const keepUnmatchedRight = spec.type === 'right' || spec.type === 'full';
    const scratch = new Array<unknown>(width).fill(null) as Row;
    // Build side (hash and loop modes).
    let building = spec.mode !== 'index';
    let buildReader: Reader | null = building ? openReader(spec, scratch, f) : null;
    const build: Row[] = [];
    const matched: boolean[] = [];
    const hash: Map<unknown, number[]> | null = spec.mode === 'hash' ? new Map() : null;
    let leftBatch: Row[] | null = null;
    let leftIdx = 0;
    let leftDone = false;
    let unmatchedIdx = 0;
    const writeRaw = (raw: Row): void => {
      for (let j = 0; j < nData; j++) scratch[off + j] = raw[j]!;
    };
    const clearRaw = (): void => {
      for (let j = 0; j < nData; j++) scratch[off + j] = null;
    };
    const loadLeft = (l: Row): void => {
      for (let j = 0; j < width; j++) scratch[j] = l[j]!;
    };

    const buildStep = (): void => {
      const raw = buildReader!.read(BATCH * 4, null);
      if (raw === null) {
        buildReader!.close();
        buildReader = null;
        building = false;
        clearRaw();
        return;
      }
      for (let i = 0; i < raw.length; i++) {
        const r = raw[i]!;
        writeRaw(r);
        if (!pass(spec.local, scratch, f)) continue;
        const at = build.length;
        build.push(r);
        matched.push(false);
        if (hash !== null) {
          // The hash table grows with the build input, one slice per call.
          const k = hashKey(spec.rightKeys, scratch, f);
          if (k === null) continue;
          const list = hash.get(k);
          if (list === undefined) hash.set(k, [at]);
          else list.push(at);
        }
      }
    };

    const combine = (out: Row[], raw: Row, i: number): boolean => {
      writeRaw(raw);
      if (!pass(spec.join, scratch, f)) return false;
      if (i >= 0) matched[i] = true;
      out.push(scratch.slice());
      return true;
    };

    const probe = (l: Row, out: Row[]): void => {
      loadLeft(l);
      let any = false;
      if (spec.mode === 'index') {
        const reader = openReader(spec, l, f);
        for (;;) {
          const raw = reader.read(BATCH, null);
          if (raw === null) break;
          for (let i = 0; i < raw.length; i++) {
            writeRaw(raw[i]!);
            if (!pass(spec.local, scratch, f)) continue;
            if (!pass(spec.join, scratch, f)) continue;
            out.push(scratch.slice());
            any = true;
          }
        }
        reader.close();
      } else if (spec.mode === 'hash') {
        const k = hashKey(spec.leftKeys, l, f);
        const list = k === null ? undefined : hash!.get(k);
        if (list !== undefined) {
          for (let j = 0; j < list.length; j++) {
            const i = list[j]!;
            if (combine(out, build[i]!, i)) any = true;
          }
          f.root.work += list.length;
        }
      } else {
        for (let i = 0; i < build.length; i++) {
          if (combine(out, build[i]!, i)) any = true;
          if ((i & 1023) === 1023) f.ctx.checkInterrupt();
        }
        f.root.work += build.length;
      }
      if (!any && outerLeft) out.push(l);
      f.root.work++;
    };

    return {
      next: () => {
        f.ctx.checkInterrupt();
        if (building) {
          buildStep();
          return [];
        }
        const out: Row[] = [];
        const start = f.root.work;
        while (f.root.work - start < WORK_BUDGET && out.length < BATCH * 4) {
          if (leftBatch === null || leftIdx >= leftBatch.length) {
            if (leftDone) break;
            const b = left.next();
            if (b === null) {
              leftDone = true;
              break;
            }
            leftBatch = b;
            leftIdx = 0;
            continue;
          }
          probe(leftBatch[leftIdx++]!, out);
        }
        if (leftDone && out.length === 0) {
          if (!keepUnmatchedRight) return null;
          // Unmatched inner rows of RIGHT / FULL joins, null-extended on the left.
          if (unmatchedIdx >= build.length) return null;
          const end = Math.min(build.length, unmatchedIdx + BATCH * 4);
          for (; unmatchedIdx < end; unmatchedIdx++) {
            if (matched[unmatchedIdx]) continue;
            const r = new Array<unknown>(width).fill(null) as Row;
            const raw = build[unmatchedIdx]!;
            for (let j = 0; j < nData; j++) r[off + j] = raw[j]!;
            out.push(r);
          }
        }
        return out;
      },
      close: () => {
        left.close();
        buildReader?.close();
      },
    };
  }

  explain(out: string[], depth: number): void {
    const s = this.spec;
    const kind =
      s.mode === 'index' ? 'Nested Loop (index lookup)' : s.mode === 'hash' ? 'Hash Join' : 'Nested Loop';
    const jt = s.type === 'inner' ? '' : ` ${s.type.toUpperCase()}`;
    out.push(indent(depth) + kind + jt);
    this.left.explain(out, depth + 1);
    out.push(indent(depth + 1) + describePath(s) + (s.local !== null ? ' [filter]' : ''));
  }
}
