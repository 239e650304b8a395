// FROM planning: sources (tables, views, WITH queries, derived tables), join order, WHERE and ON
// conjunct placement, access paths per source and the join algorithm per level.
import { tableStatistics, type TableStatistics } from './admin/analyze.js';
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ColumnType, ReadView, TableDef } from '../storage/ports.js';
import { choosePath, fullScan, type AccessPath, type Sarg } from './access.js';
import { autoIndexFor } from './auto-index.js';
import { ExprCompiler, colRefTable, fixBoolChain, identName, isSubquery, type Compiled, type Node } from './expr.js';
import { funcName } from './ast.js';
import { renameColumns, splitAlias, valuesAsSelect } from './from-values.js';
import { GenerateSeriesNode, seriesArguments } from './generate-series.js';
import { isJsonTableFunction, jsonTableArguments, jsonTableColumns, JsonTableNode } from './json-table.js';
import { asJsonbPair } from './json-ops.js';
import { JoinNode, ScanNode, type JoinMode, type JoinType, type KeyedLocal, type LevelSpec, type SourceSpec } from './join-ops.js';
import type { Eval, PlanNode } from './runtime.js';
import type { Scope, SourceColumn } from './scope.js';
import type { ResultColumn } from './types.js';
import { truth } from './values.js';
import { sampledStatistics } from './sampled-stats.js';

/** What one probe of a secondary index costs, in rows a hash join scans and hashes (measured ~1.3 µs against ~0.05). */
const INDEX_PROBE_ROWS = 20;
/**
 * The same for a hash join's run-time choice (AdaptiveHashOp), measured inside joins of 1,000 to
 * 3,000 left rows against 100k, where random probes miss the CPU caches: ~3.4 µs a secondary-index
 * probe and its row, against ~5 ms for a hash join streaming the table (~50 ns a row). A
 * primary-key probe is one descent of the two.
 */
const RUNTIME_INDEX_PROBE_ROWS = 65;
const RUNTIME_PK_PROBE_ROWS = 30;

/** Name of the hidden slot holding a DML target row's storage key. */
export const KEY_COLUMN = '\u0000key';

export interface QueryPlan {
  readonly node: PlanNode;
  readonly columns: ResultColumn[];
  readonly correlated: boolean;
}

export interface ViewDef {
  readonly sql: string;
  readonly ast: Node;
  readonly dependsOn: readonly string[];
  /** Column names given in CREATE VIEW v(a, b). */
  readonly columns?: readonly string[];
}

export function getViews(view: ReadView): Record<string, ViewDef> {
  const v = view.getMeta('views');
  return v !== null && typeof v === 'object' ? (v as Record<string, ViewDef>) : {};
}

export interface FromSource {
  readonly spec: SourceSpec;
  readonly table: TableDef | null;
  readonly joinType: JoinType;
  readonly on: Node[];
  readonly rows: number;
}

export interface Conjunct {
  readonly node: Node;
  readonly ev: Eval;
  readonly refs: ReadonlySet<number>;
}

export function splitAnd(n0: Node, out: Node[] = []): Node[] {
  if (n0 === null || n0 === undefined) return out;
  const n = fixBoolChain(n0);
  if (n.type === 'binary_expr' && String(n.operator).toUpperCase() === 'AND') {
    splitAnd(n.left, out);
    splitAnd(n.right, out);
  } else out.push(n);
  return out;
}

export function andAll(evs: readonly Eval[]): Eval | null {
  if (evs.length === 0) return null;
  if (evs.length === 1) {
    const e = evs[0]!;
    return (r, f) => truth(e(r, f)) === true;
  }
  return (r, f) => {
    for (let i = 0; i < evs.length; i++) if (truth(evs[i]!(r, f)) !== true) return false;
    return true;
  };
}

/**
 * For a path that looks up a whole key by equalities: the level's filter without those equality
 * conjuncts, which the lookup already answers for a row whose key columns hold exactly (===) the
 * values looked up (a text value converted to a number, say, is no such row: point-lookup.ts
 * then keeps the whole filter). Undefined when the path is no such lookup.
 */
function keyedLocal(path: AccessPath | null, conj: readonly Conjunct[]): KeyedLocal | undefined {
  if (path === null || path.inList !== null || path.lower !== null || path.upper !== null) return undefined;
  const from = path.eqSources;
  if (path.eq.length === 0 || path.eq.length !== path.keyColumns.length || from === undefined) return undefined;
  if (from.some((c) => c === undefined)) return undefined;
  const rest = conj.filter((c) => !from.includes(c));
  return { path, rest: andAll(rest.map((c) => c.ev)) };
}

const FLIP: Record<string, Sarg['op']> = { '=': '=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

function joinTypeOf(j: unknown): JoinType {
  const s = String(j ?? '').toUpperCase();
  if (s.startsWith('LEFT')) return 'left';
  if (s.startsWith('RIGHT')) return 'right';
  if (s.startsWith('FULL')) return 'full';
  return 'inner';
}

/** A WITH query; `plan` builds the plan of one reference itself (WITH RECURSIVE, recursive-cte.ts). */
export type CteDef = { ast: Node; columns: string[] | null; plan?: () => QueryPlan };

export class FromPlanner {
  readonly #view: ReadView;
  readonly #x: ExprCompiler;
  readonly #deps: Set<string>;
  readonly #indexes: Set<string>;
  readonly #compileQuery: (ast: Node, parent: Scope | null) => QueryPlan;
  readonly #viewsExpanding = new Set<string>();
  readonly #stats = new Map<string, TableStatistics | undefined>();
  /** WITH queries in scope, innermost last; each reference is planned as a derived table. */
  readonly #ctes: Map<string, CteDef>[] = [];
  readonly #ctesExpanding = new Set<CteDef>();

  constructor(
    view: ReadView,
    x: ExprCompiler,
    deps: Set<string>,
    indexes: Set<string>,
    compileQuery: (ast: Node, parent: Scope | null) => QueryPlan,
  ) {
    this.#view = view;
    this.#x = x;
    this.#deps = deps;
    this.#indexes = indexes;
    this.#compileQuery = compileQuery;
  }

  pushCtes(defs: Map<string, CteDef>): void {
    this.#ctes.push(defs);
  }

  popCtes(): void {
    this.#ctes.pop();
  }

  /** The WITH query a name means; inside its own body a query's name means an outer one (or a table). */
  /** Whether `name` (lower-cased) is a stored table here: not a CTE in scope, not a view. */
  isTable(name: string): boolean {
    return this.#findCte(name) === undefined && this.#view.getTable(name) !== undefined;
  }

  #findCte(name: string): CteDef | undefined {
    for (let i = this.#ctes.length - 1; i >= 0; i--) {
      const d = this.#ctes[i]!.get(name);
      if (d !== undefined && !this.#ctesExpanding.has(d)) return d;
    }
    return undefined;
  }

  /** `keyFirst`: the first source, a table, carries each row's key in a last hidden slot (as a DML target does: rows it locks). */
  addFrom(scope: Scope, parent: Scope | null, items0: Node[], dmlTarget: boolean, keyFirst = false): FromSource[] {
    const out: FromSource[] = [];
    // A parenthesized join list `(a JOIN b ...)` arrives as one item: splice it in place.
    const items: Node[] = [];
    const splice = (list: Node[]): void => {
      for (const it of list) {
        if (it?.expr?.type === 'tables' && Array.isArray(it.expr.expr)) {
          const inner: Node[] = it.expr.expr;
          const first = { ...inner[0], join: it.join, on: it.on, using: it.using };
          const before = items.length;
          splice([first, ...inner.slice(1)]);
          if (items.length === before) continue;
        } else items.push(it);
      }
    };
    splice(items0);
    let natural = false;
    let isLateral = false;
    for (let idx = 0; idx < items.length; idx++) {
      const item = items[idx]!;
      const joinType = idx === 0 ? 'inner' : joinTypeOf(item.join);
      // The grammar reads `a NATURAL JOIN b` as `a` aliased NATURAL, then `JOIN b`.
      const naturalHere = natural;
      natural = item.as !== null && item.as !== undefined && String(item.as).toUpperCase() === 'NATURAL';
      // CROSS is reserved, never an unquoted alias: the grammar yields `as: 'CROSS'` for a
      // `t CROSS JOIN u` that follows another join, the join itself being on the next item.
      const aliasAs = item.as !== null && item.as !== undefined && !natural && item.as !== 'CROSS' ? splitAlias(String(item.as)) : null;
      const alias = aliasAs?.name ?? null;
      let cols: SourceColumn[];
      let table: TableDef | null = null;
      let sub: PlanNode | null = null;
      let name: string;
      let rows = 1000;
      // LATERAL (after another FROM item): the item sees the earlier items as outer columns. A
      // function call there always does (PostgreSQL: LATERAL is a noise word before one); it is
      // joined as a lateral item only when its arguments read them.
      const call = idx > 0 && item.expr?.type === 'function';
      const lateral = idx > 0 && (call || String(item.prefix ?? '').toUpperCase() === 'LATERAL');
      if (lateral && !call) isLateral = true;
      if (item.expr !== undefined && item.expr !== null && (isSubquery(item.expr) || item.expr.type === 'select' || item.expr.type === 'values')) {
        const ast = isSubquery(item.expr) ? item.expr.ast : item.expr.type === 'values' ? valuesAsSelect(item.expr) : item.expr;
        const p = this.#compileQuery(ast, lateral ? scope : parent);
        if (p.correlated) scope.correlated = true;
        sub = p.node;
        cols = p.columns.map((c) => ({ name: c.name, type: c.type }));
        name = alias ?? 'subquery';
      } else if (item.expr?.type === 'function' && !dmlTarget && funcName(item.expr) === 'generate_series') {
        const p = this.#compileQuery(seriesArguments(item.expr), lateral ? scope : parent);
        if (p.correlated) {
          scope.correlated = true;
          // Compiled with this level as parent: each left row is its outer row.
          if (lateral) isLateral = true;
        }
        sub = new GenerateSeriesNode(p.node);
        name = alias ?? 'generate_series';
        // A function returning one column: its alias names the column too (PostgreSQL).
        cols = [{ name: name.toLowerCase(), type: p.columns.every((c) => c.type === 'integer' || c.type === 'bigint') ? 'integer' : 'numeric' }];
      } else if (item.expr?.type === 'function' && !dmlTarget && isJsonTableFunction(funcName(item.expr))) {
        const fname = funcName(item.expr);
        const p = this.#compileQuery(jsonTableArguments(fname, item.expr), lateral ? scope : parent);
        if (p.correlated) {
          scope.correlated = true;
          // Compiled with this level as parent: each left row is its outer row.
          if (lateral) isLateral = true;
        }
        sub = new JsonTableNode(fname, p.node, p.columns[0]?.type ?? 'any');
        name = alias ?? fname;
        cols = jsonTableColumns(fname, alias);
      } else if (typeof item.table === 'string' && !dmlTarget && this.#findCte(item.table.toLowerCase()) !== undefined) {
        const tname = item.table.toLowerCase();
        const cte = this.#findCte(tname)!;
        name = (alias ?? tname).toLowerCase();
        this.#ctesExpanding.add(cte);
        try {
          const p = cte.plan !== undefined ? cte.plan() : this.#compileQuery(cte.ast, null);
          sub = p.node;
          cols = p.columns.map((c, i) => ({ name: cte.columns?.[i] ?? c.name, type: c.type }));
        } finally {
          this.#ctesExpanding.delete(cte);
        }
      } else if (typeof item.table === 'string') {
        const tname = item.table.toLowerCase();
        name = (alias ?? tname).toLowerCase();
        const def = this.#view.getTable(tname);
        if (def !== undefined) {
          this.#deps.add(tname);
          table = def;
          cols = def.columns.map((c) => ({ name: c.name, type: c.type }));
          if ((dmlTarget || keyFirst) && idx === 0) cols.push({ name: KEY_COLUMN, type: 'any', hiddenUnqualified: true });
          rows = this.#view.rowCount(tname);
        } else {
          const vd = getViews(this.#view)[tname];
          if (vd === undefined) throw new DispatcherError(SqlState.UndefinedTable, `relation "${tname}" does not exist`);
          if (dmlTarget) throw new DispatcherError(SqlState.WrongObjectType, `cannot change view "${tname}"`);
          if (this.#viewsExpanding.has(tname)) {
            throw new DispatcherError(SqlState.InvalidName, `infinite recursion detected in view "${tname}"`);
          }
          this.#deps.add(tname);
          this.#viewsExpanding.add(tname);
          try {
            const p = this.#compileQuery(vd.ast, null);
            sub = p.node;
            const renamed = vd.columns;
            cols = p.columns.map((c, i) => ({ name: renamed?.[i] ?? c.name, type: c.type }));
          } finally {
            this.#viewsExpanding.delete(tname);
          }
        }
      } else {
        throw new DispatcherError(SqlState.FeatureNotSupported, 'unsupported FROM item');
      }
      if (aliasAs !== null && aliasAs.columns !== null) {
        if (dmlTarget && idx === 0) throw new DispatcherError(SqlState.SyntaxError, 'a column alias list is not allowed on the target of a change');
        cols = renameColumns(name, cols, aliasAs.columns);
      }
      const s = scope.addSource(name, cols);
      const on: Node[] = [];
      if (item.on !== null && item.on !== undefined) on.push(...splitAnd(item.on));
      let using: Node[] | null = Array.isArray(item.using) ? item.using : null;
      if (naturalHere) {
        using = s.columns
          .filter((c) => scope.sources.some((p) => p !== s && p.columns.some((pc) => pc.name === c.name && pc.hiddenUnqualified !== true)))
          .map((c) => c.name);
      }
      if (using !== null) {
        for (const u of using) {
          const cname = identName(u);
          let leftSrc: string | null = null;
          let leftCol: SourceColumn | undefined;
          for (const prev of scope.sources) {
            if (prev === s) continue;
            const pc = prev.columns.find((c) => c.name === cname && c.hiddenUnqualified !== true);
            if (pc !== undefined) {
              if (leftSrc !== null) {
                throw new DispatcherError(SqlState.AmbiguousColumn, `common column name "${cname}" appears more than once in left table`);
              }
              leftSrc = prev.name;
              leftCol = pc;
            }
          }
          const ri = s.columns.findIndex((c) => c.name === cname);
          const rc = s.columns[ri];
          if (leftSrc === null || rc === undefined || leftCol === undefined) {
            throw new DispatcherError(SqlState.UndefinedColumn, `column "${cname}" specified in USING clause does not exist`);
          }
          rc.hiddenUnqualified = true;
          // The merged column is COALESCE(left, right): it matters when the left side may be null.
          if (joinType === 'right' || joinType === 'full') leftCol.coalesceWith = s.offset + ri;
          on.push({
            type: 'binary_expr',
            operator: '=',
            left: { type: 'column_ref', table: leftSrc, column: cname },
            right: { type: 'column_ref', table: s.name, column: cname },
          });
        }
      }
      const spec: SourceSpec = {
        name,
        table,
        sub,
        offset: s.offset,
        ncols: cols.length,
        wantKey: (dmlTarget || keyFirst) && idx === 0 && table !== null,
        ...(isLateral && sub !== null ? { lateral: true } : {}),
      };
      isLateral = false;
      out.push({ spec, table, joinType, on, rows });
    }
    return out;
  }

  conjunct(node: Node, scope: Scope): Conjunct {
    scope.used = new Set();
    const c = this.#x.compile(node, scope);
    return { node, ev: c.ev, refs: scope.used };
  }

  #refsOf(node: Node, scope: Scope): { c: Compiled; refs: Set<number> } {
    const saved = scope.used;
    scope.used = new Set();
    const c = this.#x.compile(node, scope);
    const refs = scope.used;
    scope.used = saved;
    return { c, refs };
  }

  /** Usable conjunct shapes on source `s` whose other side reads only `allowed` sources. */
  #sargs(conj: readonly Conjunct[], s: number, allowed: ReadonlySet<number>, scope: Scope): Sarg[] {
    const out: Sarg[] = [];
    const src = scope.sources[s]!;
    const colOf = (n: Node): number | undefined => {
      if (n?.type !== 'column_ref' || typeof n.column === 'string') return undefined;
      const t = colRefTable(n);
      const hit = scope.findLocal(t, identName(n.column));
      if (hit === undefined || hit.source.index !== s) return undefined;
      if (hit.col >= src.columns.length || src.columns[hit.col]!.name === KEY_COLUMN) return undefined;
      return hit.col;
    };
    const okSide = (n: Node, col: number): Eval | undefined => {
      const r = this.#refsOf(n, scope);
      for (const x of r.refs) if (x === s || !allowed.has(x)) return undefined;
      // A jsonb column holds canonical text: a text value is looked up as the jsonb it reads as
      // (the comparison itself does the same: asJsonbPair).
      return src.columns[col]!.type === 'jsonb' ? asJsonbPair({ ev: r.c.ev, type: 'jsonb', name: '' }, r.c)[1].ev : r.c.ev;
    };
    for (const c of conj) {
      const n = c.node;
      if (n?.type !== 'binary_expr') continue;
      const op = String(n.operator).toUpperCase();
      if (op in FLIP) {
        const lc = colOf(n.left);
        if (lc !== undefined) {
          const v = okSide(n.right, lc);
          if (v !== undefined) {
            out.push({ column: lc, op: op as Sarg['op'], values: [v], source: c });
            continue;
          }
        }
        const rc = colOf(n.right);
        if (rc !== undefined) {
          const v = okSide(n.left, rc);
          if (v !== undefined) out.push({ column: rc, op: FLIP[op]!, values: [v], source: c });
        }
      } else if (op === 'BETWEEN') {
        const col = colOf(n.left);
        const b = n.right?.value;
        if (col === undefined || !Array.isArray(b) || b.length !== 2) continue;
        const lo = okSide(b[0], col);
        const hi = okSide(b[1], col);
        if (lo !== undefined) out.push({ column: col, op: '>=', values: [lo] });
        if (hi !== undefined) out.push({ column: col, op: '<=', values: [hi] });
      } else if (op === 'IN') {
        const col = colOf(n.left);
        const list = n.right?.value;
        if (col === undefined || !Array.isArray(list) || list.length === 0) continue;
        if (list.some((x: Node) => isSubquery(x))) continue;
        const vals: Eval[] = [];
        let ok = true;
        for (const x of list) {
          const v = okSide(x, col);
          if (v === undefined) {
            ok = false;
            break;
          }
          vals.push(v);
        }
        if (ok) out.push({ column: col, op: 'in', values: vals });
      } else if (op === 'OR') {
        // col = a OR col = b OR ...: probed as col IN (a, b, ...); the OR stays as the filter.
        const arms: Node[] = [];
        const flatten = (x: Node): void => {
          if (x?.type === 'binary_expr' && String(x.operator).toUpperCase() === 'OR') {
            flatten(x.left);
            flatten(x.right);
          } else arms.push(x);
        };
        flatten(n);
        let col: number | undefined;
        const vals: Eval[] = [];
        for (const a of arms) {
          if (a?.type !== 'binary_expr' || a.operator !== '=') break;
          let ac = colOf(a.left);
          let other: Node = a.right;
          if (ac === undefined || (col !== undefined && ac !== col)) {
            ac = colOf(a.right);
            other = a.left;
          }
          if (ac === undefined || (col !== undefined && ac !== col)) break;
          const v = okSide(other, ac);
          if (v === undefined) break;
          col = ac;
          vals.push(v);
        }
        if (col !== undefined && vals.length === arms.length) out.push({ column: col, op: 'in', values: vals });
      }
    }
    return out;
  }

  /** Equalities `expr(s) = expr(earlier)` usable as hash keys. */
  #equiKeys(
    conj: readonly Conjunct[],
    s: number,
    placed: ReadonlySet<number>,
    scope: Scope,
  ): { left: Eval[]; right: Eval[]; rightSlots: (number | undefined)[] } {
    const left: Eval[] = [];
    const right: Eval[] = [];
    const rightSlots: (number | undefined)[] = [];
    for (const c of conj) {
      const n = c.node;
      if (n?.type !== 'binary_expr' || n.operator !== '=') continue;
      const a = this.#refsOf(n.left, scope);
      const b = this.#refsOf(n.right, scope);
      const onlyS = (r: Set<number>): boolean => r.size > 0 && [...r].every((x) => x === s);
      const onlyPlaced = (r: Set<number>): boolean => r.size > 0 && [...r].every((x) => placed.has(x));
      const numeric = (t: ColumnType): boolean => t === 'integer' || t === 'bigint' || t === 'real' || t === 'numeric';
      const compatible = a.c.type === b.c.type || (numeric(a.c.type) && numeric(b.c.type));
      if (!compatible) continue;
      if (onlyS(a.refs) && onlyPlaced(b.refs)) {
        right.push(a.c.ev);
        rightSlots.push(a.c.slot);
        left.push(b.c.ev);
      } else if (onlyS(b.refs) && onlyPlaced(a.refs)) {
        right.push(b.c.ev);
        rightSlots.push(b.c.slot);
        left.push(a.c.ev);
      }
    }
    return { left, right, rightSlots };
  }

  #pathFor(src: FromSource, sargs: Sarg[]): AccessPath | null {
    if (src.table === null) return null;
    return choosePath(src.table, sargs, src.rows, this.#statsOf(src.table.name));
  }

  /** ANALYZE statistics of a table, else a guess from its indexes' ends (selectivities for the access path and the join order). */
  #statsOf(table: string): TableStatistics | undefined {
    if (!this.#stats.has(table)) this.#stats.set(table, tableStatistics(this.#view, table) ?? sampledStatistics(this.#view, table));
    return this.#stats.get(table);
  }

  #use(path: AccessPath | null): void {
    if (path?.index !== null && path?.index !== undefined) this.#indexes.add(path.index);
  }

  /** Builds the join tree; returns it with the conjuncts left for after the joins. */
  planFrom(
    sources: FromSource[],
    where: Conjunct[],
    scope: Scope,
  ): { node: PlanNode; residual: Eval[]; order: number[]; first: LevelSpec | null; levels: LevelSpec[] } {
    const n = sources.length;
    // A LATERAL item reads the items before it: FROM's order is kept.
    const allInner = sources.every((s) => s.joinType === 'inner') && !sources.some((s) => s.spec.lateral === true);
    const onConj: Conjunct[][] = sources.map((s) => s.on.map((o) => this.conjunct(o, scope)));
    let order: number[];
    const residual: Eval[] = [];
    // Conjuncts per level: those placed at order[k].
    const atLevel: Conjunct[][] = Array.from({ length: n }, () => []);
    const onAtLevel: Conjunct[][] = Array.from({ length: n }, () => []);
    if (allInner) {
      const pool = [...where, ...onConj.flat()];
      order = this.#greedyOrder(sources, pool, scope);
      const pos = new Map(order.map((s, k) => [s, k]));
      for (const c of pool) {
        let lvl = 0;
        for (const r of c.refs) lvl = Math.max(lvl, pos.get(r) ?? 0);
        atLevel[lvl]!.push(c);
      }
    } else {
      order = sources.map((_, i) => i);
      const nullable = new Set<number>();
      for (let i = 0; i < n; i++) {
        const t = sources[i]!.joinType;
        if (t === 'left' || t === 'full') nullable.add(i);
        if (t === 'right' || t === 'full') for (let j = 0; j < i; j++) nullable.add(j);
      }
      for (const c of where) {
        if (c.refs.size === 0 || [...c.refs].some((r) => nullable.has(r))) {
          residual.push(c.ev);
          continue;
        }
        let lvl = 0;
        for (const r of c.refs) lvl = Math.max(lvl, r);
        atLevel[lvl]!.push(c);
      }
      for (let i = 0; i < n; i++) for (const c of onConj[i]!) onAtLevel[i]!.push(c);
    }
    let node: PlanNode | null = null;
    let first: LevelSpec | null = null;
    const levels: LevelSpec[] = [];
    /** Rough rows of the join so far (the first source's path estimate, times index probes' rows). */
    let leftRows = 1;
    const placed = new Set<number>();
    for (let k = 0; k < n; k++) {
      const s = order[k]!;
      const src = sources[s]!;
      const jt: JoinType = k === 0 ? 'inner' : src.joinType;
      const local: Conjunct[] = [];
      const join: Conjunct[] = [];
      for (const c of [...atLevel[k]!]) {
        if ([...c.refs].every((r) => r === s)) local.push(c);
        else join.push(c);
      }
      for (const c of onAtLevel[k]!) {
        if ((jt === 'inner' || jt === 'left') && [...c.refs].every((r) => r === s) && c.refs.size > 0) local.push(c);
        else join.push(c);
      }
      const localSargs = this.#sargs(local, s, new Set(), scope);
      if (k === 0) {
        const path = this.#pathFor(src, localSargs);
        if (path !== null) path.outermost = true;
        this.#use(path);
        const all = [...local, ...join];
        const autoIndex = src.spec.wantKey ? undefined : autoIndexFor(src.table, path, localSargs);
        const spec: LevelSpec = {
          src: src.spec,
          path,
          local: andAll(all.map((c) => c.ev)),
          keyedLocal: keyedLocal(path, all),
          join: null,
          mode: 'loop',
          leftKeys: [],
          rightKeys: [],
          type: 'inner',
          ...(autoIndex === undefined ? {} : { autoIndex }),
        };
        first = spec;
        levels.push(spec);
        leftRows = path?.estimate ?? src.rows;
        node = new ScanNode(spec, scope.width);
        placed.add(s);
        continue;
      }
      const localPath = this.#pathFor(src, localSargs);
      let mode: JoinMode = 'loop';
      let path = localPath;
      let leftKeys: Eval[] = [];
      let rightKeys: Eval[] = [];
      let rightSlots: (number | undefined)[] = [];
      /** An index path the join could probe, turned down on estimates (a hash join's run-time alternative). */
      let probePath: AccessPath | null = null;
      if (src.table !== null && (jt === 'inner' || jt === 'left')) {
        const joinSargs = this.#sargs([...local, ...join], s, placed, scope);
        const jp = this.#pathFor(src, joinSargs)!;
        // A probe of a secondary index costs about what hashing ~20 rows does: with estimates
        // guessed from the index's ends (no ANALYZE), probe only for a left side known to be
        // small next to the table a hash join would read.
        const guessed = jp.index !== null && tableStatistics(this.#view, src.table.name) === undefined;
        const cheap = !guessed || leftRows * (INDEX_PROBE_ROWS + jp.estimate) <= src.rows;
        if (jp.estimate < localPath!.estimate && jp.estimate <= 64) {
          if (cheap) {
            mode = 'index';
            path = jp;
          } else probePath = jp;
        }
      }
      // A LATERAL item runs once per left row: the index mode's loop opens it with that row.
      if (src.spec.lateral === true) mode = 'index';
      leftRows = mode === 'index' ? leftRows * Math.max(1, path?.estimate ?? src.rows) : leftRows;
      if (mode !== 'index') {
        const keys = this.#equiKeys(join, s, placed, scope);
        if (keys.left.length > 0) {
          mode = 'hash';
          leftKeys = keys.left;
          rightKeys = keys.right;
          rightSlots = keys.rightSlots;
        }
      }
      this.#use(path);
      const localEv = andAll(local.map((c) => c.ev));
      const joinEv = andAll(join.map((c) => c.ev));
      let probe: LevelSpec['probe'];
      if (mode === 'hash' && probePath !== null) {
        this.#use(probePath);
        const spec: LevelSpec = { src: src.spec, path: probePath, local: localEv, join: joinEv, mode: 'index', leftKeys: [], rightKeys: [], type: jt };
        probe = { spec, costPerRow: (probePath.index === null ? RUNTIME_PK_PROBE_ROWS : RUNTIME_INDEX_PROBE_ROWS) + probePath.estimate };
      }
      const spec: LevelSpec = {
        src: src.spec,
        path: path ?? (src.table !== null ? fullScan(src.table, src.rows) : null),
        local: localEv,
        join: joinEv,
        mode,
        leftKeys,
        rightKeys,
        rightSlots,
        type: jt,
        ...(probe === undefined ? {} : { probe }),
      };
      node = new JoinNode(node!, spec, scope.width);
      levels.push(spec);
      placed.add(s);
    }
    return { node: node!, residual, order, first, levels };
  }

  #greedyOrder(sources: FromSource[], pool: Conjunct[], scope: Scope): number[] {
    const n = sources.length;
    if (n === 1) return [0];
    const localOf = (s: number): Conjunct[] => pool.filter((c) => c.refs.size > 0 && [...c.refs].every((r) => r === s));
    const est = (s: number, conj: Conjunct[], allowed: Set<number>): number => {
      const src = sources[s]!;
      if (src.table === null) return src.rows;
      return choosePath(src.table, this.#sargs(conj, s, allowed, scope), src.rows, this.#statsOf(src.table.name)).estimate;
    };
    const remaining = new Set(sources.map((_, i) => i));
    const order: number[] = [];
    let best = -1;
    let bestCost = Infinity;
    // An UPDATE/DELETE target stays first: only the first source's scan hands out row keys.
    const targetFirst = sources[0]!.spec.wantKey;
    for (const s of remaining) {
      if (targetFirst && s !== 0) continue;
      const c = est(s, localOf(s), new Set());
      if (c < bestCost) {
        bestCost = c;
        best = s;
      }
    }
    order.push(best);
    remaining.delete(best);
    const placed = new Set<number>([best]);
    while (remaining.size > 0) {
      let pick = -1;
      let pickCost = Infinity;
      for (const s of remaining) {
        const conj = pool.filter((c) => c.refs.has(s) && [...c.refs].every((r) => r === s || placed.has(r)));
        const linked = conj.some((c) => [...c.refs].some((r) => placed.has(r)));
        const localCost = est(s, localOf(s), new Set());
        let cost: number;
        if (linked) cost = Math.min(est(s, conj, placed), localCost);
        else cost = 1e9 + localCost;
        if (cost < pickCost) {
          pickCost = cost;
          pick = s;
        }
      }
      order.push(pick);
      remaining.delete(pick);
      placed.add(pick);
    }
    return order;
  }

  // ---- one SELECT ------------------------------------------------------------------------
}
