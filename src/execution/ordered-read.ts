// Reading rows in a wanted order instead of sorting them, and from an index alone: whether the
// first (only) source of a query level can deliver ORDER BY's order along its primary key or an
// index (choosing a whole-index read for ORDER BY ... LIMIT); whether window calls
// (window-stream.ts) or groups (group-stream.ts) can be computed as rows stream past in such an
// order, which then serves an ORDER BY on the same columns too; and which index reads need no
// table lookup because the level reads no other column (markIndexOnly).
import { indexOrderPath, type AccessPath } from './access.js';
import { colRefTable, identName, type Compiled, type Node } from './expr.js';
import type { LevelSpec } from './join-ops.js';
import type { SortKey } from './operators.js';
import type { Scope } from './scope.js';
import type { ReadView, TableDef } from '../storage/ports.js';
import type { StreamOrder, WindowRegistry } from './window-plan.js';

/** What the planner lends these checks: its view (row counts) and the indexes its plan reads. */
export interface OrderContext {
  readonly view: ReadView;
  readonly indexes: Set<string>;
}

export interface SortPlan {
  readonly keys: SortKey[];
  readonly hidden: Compiled[];
  readonly exprs: (Node | null)[];
}

export type SelectItems = { node: Node; alias: string | null }[];

/** A query level as planned so far: what the stream checks read of it. */
export interface QueryLevel {
  readonly ast: Node;
  readonly sortPlan: SortPlan;
  readonly items: SelectItems;
  readonly scope: Scope;
  /** The first source's access (null: no table first). */
  readonly firstPath: LevelSpec | null;
  /** The sources in join order. */
  readonly order: number[];
}

/** A stream order's keys as sort keys (slot i for its i-th expression). */
function streamKeys(so: StreamOrder): SortKey[] {
  return so.dirs.map((d, i) => ({ slot: i, desc: d.desc, nullsFirst: d.nullsFirst }));
}

/**
 * True when the first (only) source already yields rows in ORDER BY order: along the primary
 * key or an index, possibly after an equality prefix, forwards or backwards. With a LIMIT, a
 * plain table scan may be swapped for a whole-index scan in order. Index keys put NULL first,
 * so a nullable column qualifies when NULLs cannot pass or NULL placement agrees, or (the first
 * column of a whole-index read) with its NULLs read apart at the other end.
 */
export function orderedByPath(
  ctx: OrderContext,
  sortPlan: SortPlan,
  items: SelectItems,
  scope: Scope,
  spec: LevelSpec | null,
  order: number[],
  distinct: boolean,
  hasLimit: boolean,
  levelAst: Node | null = null,
): boolean {
  const path = spec?.path ?? null;
  const table = spec?.src.table ?? null;
  if (spec === null || path === null || table === null || order.length !== 1 || scope.grouped !== null || distinct) return false;
  if (path.inList !== null || path.reverse) return false;
  const src = scope.sources[0]!;
  const desc = sortPlan.keys[0]!.desc;
  const cols: number[] = [];
  for (let i = 0; i < sortPlan.keys.length; i++) {
    const k = sortPlan.keys[i]!;
    if (k.desc !== desc) return false;
    let e = sortPlan.exprs[i];
    if (k.slot < items.length) e = items[k.slot]!.node;
    // A column of an expanded * names its column exactly (a string); a written one is an identifier.
    if (e?.type !== 'column_ref' || e.column === '*') return false;
    const hit = scope.findLocal(colRefTable(e), typeof e.column === 'string' ? e.column : identName(e.column));
    if (hit === undefined || hit.source !== src || hit.col >= table.columns.length) return false;
    cols.push(hit.col);
  }
  // Set by fits when the order holds only with the first column's NULLs read apart (whole-index reads).
  let apart = false;
  const fits = (p: AccessPath, wholeIndex: boolean): boolean => {
    apart = false;
    if (p.keyColumns.length === 0) return false;
    // An index's entries end with the table key, so equal indexed values come in key order.
    const kc = p.index === null ? p.keyColumns : [...p.keyColumns, ...table.primaryKey];
    const unique = p.index === null || table.indexes.find((ix) => ix.name === p.index)?.unique === true;
    if (p.lower === null && p.upper === null && p.eq.length === p.keyColumns.length && unique) return true;
    // Sort keys on equality-prefix columns are constant: skip them.
    const eqCols = new Set(kc.slice(0, p.eq.length));
    const rest = cols.map((c, i) => ({ c, k: sortPlan.keys[i]! })).filter((x) => !eqCols.has(x.c));
    if (rest.length > kc.length - p.eq.length) return false;
    for (let i = 0; i < rest.length; i++) {
      const { c, k } = rest[i]!;
      if (kc[p.eq.length + i] !== c) return false;
      const nullsOk =
        p.index === null ||
        table.columns[c]!.notNull ||
        (i === 0 && (p.lower !== null || p.upper !== null)) ||
        k.nullsFirst === !k.desc;
      if (!nullsOk) {
        if (!wholeIndex || i !== 0) return false;
        apart = true;
      }
    }
    return true;
  };
  if (fits(path, false)) {
    path.reverse = desc;
    path.ordered = true;
    return true;
  }
  const plainScan = path.eq.length === 0 && path.lower === null && path.upper === null;
  // Without a LIMIT, a whole-index read still beats scanning and sorting (or hashing groups)
  // when the index holds every column the level reads: its entries are the rows, in order.
  const used = !hasLimit && plainScan && levelAst !== null ? columnsRead(levelAst, src.name, table) : null;
  if (plainScan && (hasLimit || used !== null)) {
    for (const ix of table.indexes) {
      if (!hasLimit) {
        const held = new Set([...ix.columns, ...table.primaryKey]);
        if (![...used!].every((c) => held.has(c))) continue;
      }
      const p = indexOrderPath(table, ix, ctx.view.rowCount(table.name));
      if (!fits(p, true)) continue;
      p.reverse = desc;
      p.nullsApart = apart;
      p.ordered = true;
      spec.path = p;
      ctx.indexes.add(ix.name);
      return true;
    }
  }
  return false;
}

/**
 * The columns of `table` (the level's only source, named `name`) that a query level's text can
 * read: every column reference anywhere in it, nested queries included, that names one of them
 * (a reference qualified by another name is another source's; an unknown bare name is an alias or
 * another source's column). `*` reads them all. Over-counting only forgoes an index-only read.
 */
function columnsRead(ast: Node, name: string, table: TableDef): Set<number> {
  const out = new Set<number>();
  const byName = new Map(table.columns.map((c, i) => [c.name.toLowerCase(), i] as const));
  const own = (q: string | null): boolean => q === null || q.toLowerCase() === name.toLowerCase() || q.toLowerCase() === table.name.toLowerCase();
  const walk = (n: unknown): void => {
    if (n === null || typeof n !== 'object') return;
    if (Array.isArray(n)) {
      for (const x of n) walk(x);
      return;
    }
    const o = n as Node;
    if (o.type === 'column_ref') {
      const q = colRefTable(o);
      if (o.column === '*') {
        if (own(q)) for (let i = 0; i < table.columns.length; i++) out.add(i);
        return;
      }
      const col = typeof o.column === 'string' ? o.column : identName(o.column);
      const at = own(q) ? byName.get(String(col).toLowerCase()) : undefined;
      if (at !== undefined) out.add(at);
      return;
    }
    for (const k in o) walk(o[k]);
  };
  walk(ast);
  return out;
}

/**
 * The order the window calls stream in (window-stream.ts: input read along the primary key or
 * an index in the window's order), or null when they need a sort.
 */
export function streamWindow(ctx: OrderContext, win: WindowRegistry, level: QueryLevel): StreamOrder | null {
  const so = win.streamOrder();
  if (so === null) return null;
  if (so.exprs.length === 0) return so;
  return readIn(ctx, so, level);
}

/**
 * The order GROUP BY's groups can be formed in as rows stream past (group-stream.ts), when every
 * key is a column of the only source and an index or the primary key yields them together;
 * else null.
 */
export function streamGroups(ctx: OrderContext, keys: readonly Node[], level: QueryLevel): StreamOrder | null {
  if (keys.length === 0 || keys.some((k) => k?.type !== 'column_ref' || k.column === '*')) return null;
  const so: StreamOrder = { partitions: keys.length, exprs: keys, dirs: keys.map(() => ({ desc: false, nullsFirst: true })) };
  return readIn(ctx, so, level);
}

/**
 * Whether the first source can be read in `so`'s order, adapted to ORDER BY: the leading
 * `partitions` keys only need equal values together, so an ORDER BY that starts with their
 * columns chooses their sequence and directions (and where NULLs go); an ORDER BY that goes on
 * past all the keys (ORDER BY k, id over a window ordered by k) orders peers too, which no caller
 * minds. A plain scan becomes a whole-index read only where a LIMIT then stops the read early
 * (ORDER BY in the stream's order, or none); otherwise sorting the table is cheaper than reading
 * it by index. The order read, or null.
 */
function readIn(ctx: OrderContext, so0: StreamOrder, level: QueryLevel): StreamOrder | null {
  const { ast, sortPlan, items, scope, firstPath, order } = level;
  let so = so0;
  if (sortPlan.keys.length > 0) {
    const want = sortColumns(sortPlan.keys, sortPlan.exprs, items, scope);
    const have = sortColumns(streamKeys(so), so.exprs, [], scope);
    if (want !== null && have !== null) {
      const exprs = so.exprs.slice();
      const dirs = so.dirs.slice();
      for (let i = 0; i < so.partitions && i < want.length; i++) {
        const at = have.findIndex((h, j) => j >= i && j < so.partitions && h.col === want[i]!.col);
        if (at < 0) break;
        [exprs[i], exprs[at]] = [exprs[at]!, exprs[i]!];
        [have[i], have[at]] = [have[at]!, have[i]!];
        dirs[at] = dirs[i]!;
        dirs[i] = { desc: want[i]!.desc, nullsFirst: want[i]!.nullsFirst };
      }
      so = { ...so, exprs, dirs };
      const same = (i: number): boolean => want[i]!.col === have[i]!.col && want[i]!.desc === dirs[i]!.desc && want[i]!.nullsFirst === dirs[i]!.nullsFirst;
      if (want.length > have.length && have.every((_, i) => same(i))) {
        const more = sortPlan.keys.slice(have.length).map((k, j) => (k.slot < items.length ? items[k.slot]!.node : sortPlan.exprs[have.length + j]!));
        so = { ...so, exprs: [...exprs, ...more], dirs: [...dirs, ...want.slice(have.length).map((w) => ({ desc: w.desc, nullsFirst: w.nullsFirst }))] };
      }
    }
  }
  const wanted = { keys: streamKeys(so), hidden: [], exprs: [...so.exprs] };
  const hasLimit = Array.isArray(ast.limit?.value) && ast.limit.value.length > 0;
  const stopsEarly = hasLimit && (sortPlan.keys.length === 0 || follows(sortPlan, items, scope, so));
  return orderedByPath(ctx, wanted, [], scope, firstPath, order, false, stopsEarly, ast) ? so : null;
}

/** The table columns and directions of a sort whose every key is a plain column of the first source; else null. */
function sortColumns(
  keys: readonly SortKey[],
  exprs: readonly (Node | null)[],
  items: SelectItems,
  scope: Scope,
): { col: number; desc: boolean; nullsFirst: boolean }[] | null {
  const src = scope.sources[0];
  if (src === undefined) return null;
  const out: { col: number; desc: boolean; nullsFirst: boolean }[] = [];
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const e = k.slot < items.length ? items[k.slot]!.node : exprs[i];
    if (e?.type !== 'column_ref' || e.column === '*') return null;
    const hit = scope.findLocal(colRefTable(e), typeof e.column === 'string' ? e.column : identName(e.column));
    if (hit === undefined || hit.source !== src) return null;
    out.push({ col: hit.col, desc: k.desc, nullsFirst: k.nullsFirst });
  }
  return out;
}

/** Whether rows in the stream's order are in ORDER BY's order too (it is a prefix of the stream's). */
export function follows(sortPlan: SortPlan, items: SelectItems, scope: Scope, so: StreamOrder): boolean {
  const want = sortColumns(sortPlan.keys, sortPlan.exprs, items, scope);
  const have = sortColumns(streamKeys(so), so.exprs, [], scope);
  if (want === null || have === null || want.length > have.length) return false;
  return want.every((w, i) => w.col === have[i]!.col && w.desc === have[i]!.desc && w.nullsFirst === have[i]!.nullsFirst);
}

/**
 * Marks the index reads of a planned query level whose table's other columns no expression of
 * the level reads (every expression is compiled by now: select list, WHERE, ORDER BY, nested
 * queries): their rows come from the index entries (access.ts indexOnly).
 */
export function markIndexOnly(levels: readonly LevelSpec[], scope: Scope): void {
  for (const spec of levels) {
    const t = spec.src.table;
    const p = spec.path;
    if (t === null || p === null || p.index === null || spec.src.wantKey) continue;
    const ix = t.indexes.find((i) => i.name === p.index);
    if (ix === undefined) continue;
    const covered = new Set([...ix.columns, ...t.primaryKey]);
    let only = true;
    for (let c = 0; c < t.columns.length && only; c++) if (!covered.has(c) && scope.usedSlots.has(spec.src.offset + c)) only = false;
    if (only) p.indexOnly = true;
  }
}
