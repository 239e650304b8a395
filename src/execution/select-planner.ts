// SELECT planning: FROM sources and joins (join order, access paths, join algorithms),
// WHERE placement, grouping, projection, DISTINCT, ORDER BY (top-N, index order), LIMIT, and
// compound selects. Produces a PlanNode tree whose open() builds resumable operators.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ColumnType, ReadView, TableDef } from '../storage/ports.js';
import type { ResultColumn } from './types.js';
import { choosePath, fullScan, indexOrderPath, type AccessPath, type Sarg } from './access.js';
import {
  ExprCompiler,
  colRefTable,
  exprKey,
  fixBoolChain,
  hasAggregate,
  identName,
  isSubquery,
  literalValue,
  type Compiled,
  type Node,
} from './expr.js';
import { JoinNode, ScanNode, type JoinMode, type JoinType, type LevelSpec, type SourceSpec } from './join-ops.js';
import {
  AggregateNode,
  DistinctNode,
  FilterNode,
  LimitNode,
  OneRowNode,
  ProjectNode,
  SetOpNode,
  SortNode,
  evalCount,
  type SetOpKind,
  type SortKey,
} from './operators.js';
import type { Eval, Frame, PlanNode } from './runtime.js';
import { Scope, type GroupInfo, type SourceColumn } from './scope.js';
import { truth } from './values.js';

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

interface FromSource {
  readonly spec: SourceSpec;
  readonly table: TableDef | null;
  readonly joinType: JoinType;
  readonly on: Node[];
  readonly rows: number;
}

interface Conjunct {
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

const FLIP: Record<string, Sarg['op']> = { '=': '=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

function joinTypeOf(j: unknown): JoinType {
  const s = String(j ?? '').toUpperCase();
  if (s.startsWith('LEFT')) return 'left';
  if (s.startsWith('RIGHT')) return 'right';
  if (s.startsWith('FULL')) return 'full';
  return 'inner';
}

export class SelectPlanner {
  readonly #view: ReadView;
  readonly #x: ExprCompiler;
  readonly #deps: Set<string>;
  readonly #indexes: Set<string>;
  readonly #viewsExpanding = new Set<string>();
  /** WITH queries in scope, innermost last; each reference is planned as a derived table. */
  readonly #ctes: Map<string, { ast: Node; columns: string[] | null }>[] = [];
  readonly #ctesExpanding = new Set<string>();

  readonly #text: string;

  constructor(view: ReadView, x: ExprCompiler, deps: Set<string>, indexes: Set<string>, text = '') {
    this.#text = text;
    this.#view = view;
    this.#x = x;
    this.#deps = deps;
    this.#indexes = indexes;
  }

  /**
   * An output alias as PostgreSQL names it: folded to lower case unless it was double-quoted
   * (the parser drops the quotes, so the statement text tells).
   */
  aliasName(as: string): string {
    if (as !== as.toLowerCase() && this.#text.includes(`"${as}"`)) return as;
    return as.toLowerCase();
  }

  /** A whole query expression (possibly compound). */
  compileQuery(ast: Node, parent: Scope | null): QueryPlan {
    if (ast?.type !== 'select') {
      throw new DispatcherError(SqlState.SyntaxError, 'a SELECT was expected here');
    }
    if (Array.isArray(ast.with) && ast.with.length > 0) {
      const defs = new Map<string, { ast: Node; columns: string[] | null }>();
      for (const w of ast.with as Node[]) {
        if (w.recursive === true) throw new DispatcherError(SqlState.FeatureNotSupported, 'WITH RECURSIVE is not supported');
        const name = identName(w.name);
        if (defs.has(name)) throw new DispatcherError(SqlState.DuplicateTable, `WITH query name "${name}" specified more than once`);
        const cols = Array.isArray(w.columns) && w.columns.length > 0 ? (w.columns as Node[]).map((c) => identName(c.column ?? c)) : null;
        defs.set(name, { ast: w.stmt?.ast ?? w.stmt, columns: cols });
      }
      this.#ctes.push(defs);
      try {
        return this.#queryBody(ast, parent);
      } finally {
        this.#ctes.pop();
      }
    }
    return this.#queryBody(ast, parent);
  }

  #queryBody(ast: Node, parent: Scope | null): QueryPlan {
    if (ast._next === undefined || ast._next === null) return this.#simple(ast, parent, true);
    return this.#compound(ast, parent);
  }

  #findCte(name: string): { ast: Node; columns: string[] | null } | undefined {
    if (this.#ctesExpanding.has(name)) return undefined;
    for (let i = this.#ctes.length - 1; i >= 0; i--) {
      const d = this.#ctes[i]!.get(name);
      if (d !== undefined) return d;
    }
    return undefined;
  }

  #compound(ast: Node, parent: Scope | null): QueryPlan {
    const members: Node[] = [];
    const ops: SetOpKind[] = [];
    let cur: Node = ast;
    while (cur !== null && cur !== undefined) {
      members.push(cur);
      if (cur._next !== null && cur._next !== undefined) {
        const op = String(cur.set_op ?? 'union').toLowerCase().replace(/\s+distinct$/, '') as SetOpKind;
        ops.push(op);
      }
      cur = cur._next;
    }
    const last = members[members.length - 1]!;
    const plans = members.map((m, i) => this.#simple(m, parent, false, i === members.length - 1));
    const width = plans[0]!.columns.length;
    for (const p of plans) {
      if (p.columns.length !== width) {
        throw new DispatcherError(SqlState.SyntaxError, 'each UNION query must have the same number of columns');
      }
    }
    // INTERSECT binds tighter than UNION / EXCEPT.
    const terms: { node: PlanNode; correlated: boolean }[] = [];
    const termOps: SetOpKind[] = [];
    let acc = { node: plans[0]!.node, correlated: plans[0]!.correlated };
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      const next = plans[i + 1]!;
      if (op.startsWith('intersect')) {
        acc = { node: new SetOpNode(acc.node, next.node, op, width), correlated: acc.correlated || next.correlated };
      } else {
        terms.push(acc);
        termOps.push(op);
        acc = { node: next.node, correlated: next.correlated };
      }
    }
    terms.push(acc);
    let node = terms[0]!.node;
    let correlated = terms[0]!.correlated;
    for (let i = 0; i < termOps.length; i++) {
      node = new SetOpNode(node, terms[i + 1]!.node, termOps[i]!, width);
      correlated ||= terms[i + 1]!.correlated;
    }
    const columns = plans[0]!.columns.map((c, i) => {
      let type: ColumnType = c.type;
      for (const p of plans) {
        const t = p.columns[i]!.type;
        if (type === 'any') type = t;
        else if (t !== type && t !== 'any' && (t === 'real' || t === 'numeric')) type = t;
      }
      return { name: c.name, type };
    });
    // ORDER BY / LIMIT written after the last member apply to the whole compound.
    const keys: SortKey[] = [];
    for (const o of (last.orderby ?? []) as Node[]) {
      const slot = this.#outputSlot(o.expr, columns);
      if (slot === undefined) {
        throw new DispatcherError(
          SqlState.FeatureNotSupported,
          'ORDER BY on a UNION/INTERSECT/EXCEPT result must name an output column',
        );
      }
      keys.push(sortKey(o, slot));
    }
    const { limit, offset } = this.#limitOffset(last, parent);
    if (keys.length > 0) node = new SortNode(node, keys, this.#topN(limit, offset));
    if (limit !== null || offset !== null) node = new LimitNode(node, limit, offset, width);
    return { node, columns, correlated };
  }

  #outputSlot(e: Node, columns: readonly ResultColumn[]): number | undefined {
    const lit = literalValue(e);
    if (lit !== undefined && typeof lit.v === 'number' && e.type === 'number') {
      const k = lit.v;
      if (!Number.isInteger(k) || k < 1 || k > columns.length) {
        throw new DispatcherError(SqlState.InvalidColumnReference, `ORDER BY position ${k} is not in select list`);
      }
      return k - 1;
    }
    if (e.type === 'column_ref' && (e.table === null || e.table === undefined) && typeof e.column !== 'string') {
      const name = identName(e.column);
      const i = columns.findIndex((c) => c.name === name);
      if (i >= 0) return i;
    }
    return undefined;
  }

  #limitOffset(ast: Node, parent: Scope | null): { limit: Eval | null; offset: Eval | null } {
    const vals: Node[] = ast.limit?.value ?? [];
    if (vals.length === 0) return { limit: null, offset: null };
    const scope = new Scope(parent);
    const comp = (n: Node): Eval | null => {
      if (n?.type === 'origin' && String(n.value).toLowerCase() === 'all') return null;
      return this.#x.compile(n, scope).ev;
    };
    const sep = String(ast.limit.seperator ?? '').toLowerCase();
    if (vals.length === 1) {
      if (sep === 'offset') return { limit: null, offset: comp(vals[0]) };
      return { limit: comp(vals[0]), offset: null };
    }
    if (sep === ',') return { limit: comp(vals[1]), offset: comp(vals[0]) };
    return { limit: comp(vals[0]), offset: comp(vals[1]) };
  }

  #topN(limit: Eval | null, offset: Eval | null): ((f: Frame) => number) | null {
    if (limit === null) return null;
    return (f) => {
      const l = evalCount(limit, f, 'LIMIT', Infinity);
      const o = evalCount(offset, f, 'OFFSET', 0);
      return l + o;
    };
  }

  // ---- FROM ------------------------------------------------------------------------------

  #addFrom(scope: Scope, parent: Scope | null, items0: Node[], dmlTarget: boolean): FromSource[] {
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
    for (let idx = 0; idx < items.length; idx++) {
      const item = items[idx]!;
      const joinType = idx === 0 ? 'inner' : joinTypeOf(item.join);
      // The grammar reads `a NATURAL JOIN b` as `a` aliased NATURAL, then `JOIN b`.
      const naturalHere = natural;
      natural = item.as !== null && item.as !== undefined && String(item.as).toUpperCase() === 'NATURAL';
      const alias = item.as !== null && item.as !== undefined && !natural ? String(item.as) : null;
      let cols: SourceColumn[];
      let table: TableDef | null = null;
      let sub: PlanNode | null = null;
      let name: string;
      let rows = 1000;
      if (item.expr !== undefined && item.expr !== null && (isSubquery(item.expr) || item.expr.type === 'select')) {
        const ast = isSubquery(item.expr) ? item.expr.ast : item.expr;
        const p = this.compileQuery(ast, parent);
        if (p.correlated) scope.correlated = true;
        sub = p.node;
        cols = p.columns.map((c) => ({ name: c.name, type: c.type }));
        name = alias ?? 'subquery';
      } else if (typeof item.table === 'string' && !dmlTarget && this.#findCte(item.table.toLowerCase()) !== undefined) {
        const tname = item.table.toLowerCase();
        const cte = this.#findCte(tname)!;
        name = (alias ?? tname).toLowerCase();
        this.#ctesExpanding.add(tname);
        try {
          const p = this.compileQuery(cte.ast, null);
          sub = p.node;
          cols = p.columns.map((c, i) => ({ name: cte.columns?.[i] ?? c.name, type: c.type }));
        } finally {
          this.#ctesExpanding.delete(tname);
        }
      } else if (typeof item.table === 'string') {
        const tname = item.table.toLowerCase();
        name = (alias ?? tname).toLowerCase();
        const def = this.#view.getTable(tname);
        if (def !== undefined) {
          this.#deps.add(tname);
          table = def;
          cols = def.columns.map((c) => ({ name: c.name, type: c.type }));
          if (dmlTarget && idx === 0) cols.push({ name: KEY_COLUMN, type: 'any', hiddenUnqualified: true });
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
            const p = this.compileQuery(vd.ast, null);
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
          for (const prev of scope.sources) {
            if (prev === s) continue;
            if (prev.columns.some((c) => c.name === cname && c.hiddenUnqualified !== true)) {
              if (leftSrc !== null) {
                throw new DispatcherError(SqlState.AmbiguousColumn, `common column name "${cname}" appears more than once in left table`);
              }
              leftSrc = prev.name;
            }
          }
          const rc = s.columns.find((c) => c.name === cname);
          if (leftSrc === null || rc === undefined) {
            throw new DispatcherError(SqlState.UndefinedColumn, `column "${cname}" specified in USING clause does not exist`);
          }
          rc.hiddenUnqualified = true;
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
        wantKey: dmlTarget && idx === 0 && table !== null,
      };
      out.push({ spec, table, joinType, on, rows });
    }
    return out;
  }

  #conjunct(node: Node, scope: Scope): Conjunct {
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
    const okSide = (n: Node): Eval | undefined => {
      const r = this.#refsOf(n, scope);
      for (const x of r.refs) if (x === s || !allowed.has(x)) return undefined;
      return r.c.ev;
    };
    for (const c of conj) {
      const n = c.node;
      if (n?.type !== 'binary_expr') continue;
      const op = String(n.operator).toUpperCase();
      if (op in FLIP) {
        const lc = colOf(n.left);
        if (lc !== undefined) {
          const v = okSide(n.right);
          if (v !== undefined) {
            out.push({ column: lc, op: op as Sarg['op'], values: [v] });
            continue;
          }
        }
        const rc = colOf(n.right);
        if (rc !== undefined) {
          const v = okSide(n.left);
          if (v !== undefined) out.push({ column: rc, op: FLIP[op]!, values: [v] });
        }
      } else if (op === 'BETWEEN') {
        const col = colOf(n.left);
        const b = n.right?.value;
        if (col === undefined || !Array.isArray(b) || b.length !== 2) continue;
        const lo = okSide(b[0]);
        const hi = okSide(b[1]);
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
          const v = okSide(x);
          if (v === undefined) {
            ok = false;
            break;
          }
          vals.push(v);
        }
        if (ok) out.push({ column: col, op: 'in', values: vals });
      }
    }
    return out;
  }

  /** Equalities `expr(s) = expr(earlier)` usable as hash keys. */
  #equiKeys(conj: readonly Conjunct[], s: number, placed: ReadonlySet<number>, scope: Scope): { left: Eval[]; right: Eval[] } {
    const left: Eval[] = [];
    const right: Eval[] = [];
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
        left.push(b.c.ev);
      } else if (onlyS(b.refs) && onlyPlaced(a.refs)) {
        right.push(b.c.ev);
        left.push(a.c.ev);
      }
    }
    return { left, right };
  }

  #pathFor(src: FromSource, sargs: Sarg[]): AccessPath | null {
    if (src.table === null) return null;
    return choosePath(src.table, sargs, src.rows);
  }

  #use(path: AccessPath | null): void {
    if (path?.index !== null && path?.index !== undefined) this.#indexes.add(path.index);
  }

  /** Builds the join tree; returns it with the conjuncts left for after the joins. */
  #planFrom(
    sources: FromSource[],
    where: Conjunct[],
    scope: Scope,
  ): { node: PlanNode; residual: Eval[]; order: number[]; first: LevelSpec | null } {
    const n = sources.length;
    const allInner = sources.every((s) => s.joinType === 'inner');
    const onConj: Conjunct[][] = sources.map((s) => s.on.map((o) => this.#conjunct(o, scope)));
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
        this.#use(path);
        const spec: LevelSpec = {
          src: src.spec,
          path,
          local: andAll([...local, ...join].map((c) => c.ev)),
          join: null,
          mode: 'loop',
          leftKeys: [],
          rightKeys: [],
          type: 'inner',
        };
        first = spec;
        node = new ScanNode(spec, scope.width);
        placed.add(s);
        continue;
      }
      const localPath = this.#pathFor(src, localSargs);
      let mode: JoinMode = 'loop';
      let path = localPath;
      let leftKeys: Eval[] = [];
      let rightKeys: Eval[] = [];
      if (src.table !== null && (jt === 'inner' || jt === 'left')) {
        const joinSargs = this.#sargs([...local, ...join], s, placed, scope);
        const jp = this.#pathFor(src, joinSargs)!;
        if (jp.estimate < localPath!.estimate && jp.estimate <= 64) {
          mode = 'index';
          path = jp;
        }
      }
      if (mode !== 'index') {
        const keys = this.#equiKeys(join, s, placed, scope);
        if (keys.left.length > 0) {
          mode = 'hash';
          leftKeys = keys.left;
          rightKeys = keys.right;
        }
      }
      this.#use(path);
      const spec: LevelSpec = {
        src: src.spec,
        path: path ?? (src.table !== null ? fullScan(src.table, src.rows) : null),
        local: andAll(local.map((c) => c.ev)),
        join: andAll(join.map((c) => c.ev)),
        mode,
        leftKeys,
        rightKeys,
        type: jt,
      };
      node = new JoinNode(node!, spec, scope.width);
      placed.add(s);
    }
    return { node: node!, residual, order, first };
  }

  #greedyOrder(sources: FromSource[], pool: Conjunct[], scope: Scope): number[] {
    const n = sources.length;
    if (n === 1) return [0];
    const localOf = (s: number): Conjunct[] => pool.filter((c) => c.refs.size > 0 && [...c.refs].every((r) => r === s));
    const est = (s: number, conj: Conjunct[], allowed: Set<number>): number => {
      const src = sources[s]!;
      if (src.table === null) return src.rows;
      return choosePath(src.table, this.#sargs(conj, s, allowed, scope), src.rows).estimate;
    };
    const remaining = new Set(sources.map((_, i) => i));
    const order: number[] = [];
    let best = -1;
    let bestCost = Infinity;
    for (const s of remaining) {
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

  /** Compiles a DML target's row source: FROM target [WHERE ...], rows carry their key. */
  compileTargetScan(tableItem: Node, where: Node, scope: Scope): PlanNode {
    const sources = this.#addFrom(scope, scope.parent, [tableItem], true);
    const conj = splitAnd(where).map((c) => this.#conjunct(c, scope));
    const { node, residual } = this.#planFrom(sources, conj, scope);
    const r = andAll(residual);
    return r === null ? node : new FilterNode(node, r);
  }

  #simple(ast: Node, parent: Scope | null, withOrder: boolean, skipOrderLimit = false): QueryPlan {
    const scope = new Scope(parent);
    const fromItems: Node[] = Array.isArray(ast.from) ? ast.from : [];
    const sources = this.#addFrom(scope, parent, fromItems, false);
    const whereConj = splitAnd(ast.where).map((c) => {
      if (hasAggregate(c)) throw new DispatcherError(SqlState.GroupingError, 'aggregate functions are not allowed in WHERE');
      return this.#conjunct(c, scope);
    });
    let node: PlanNode;
    let firstPath: LevelSpec | null = null;
    let order: number[] = [];
    if (sources.length === 0) {
      node = new OneRowNode();
      const r = andAll(whereConj.map((c) => c.ev));
      if (r !== null) node = new FilterNode(node, r);
    } else {
      const planned = this.#planFrom(sources, whereConj, scope);
      node = planned.node;
      firstPath = planned.first;
      order = planned.order;
      const r = andAll(planned.residual);
      if (r !== null) node = new FilterNode(node, r);
    }

    // Select list, with * expanded.
    const items: { node: Node; alias: string | null }[] = [];
    for (const col of (ast.columns ?? []) as Node[]) {
      const e = selectItemExpr(col);
      if (e?.type === 'column_ref' && e.column === '*') {
        const t = colRefTable(e);
        const srcs = t === null ? scope.sources : scope.sources.filter((s) => s.name === t);
        if (t !== null && srcs.length === 0) {
          throw new DispatcherError(SqlState.UndefinedTable, `missing FROM-clause entry for table "${t}"`);
        }
        if (scope.sources.length === 0) throw new DispatcherError(SqlState.SyntaxError, 'SELECT * with no tables specified is not valid');
        for (const s of srcs) {
          for (const c of s.columns) {
            if (c.name === KEY_COLUMN || (t === null && c.hiddenUnqualified === true)) continue;
            items.push({ node: { type: 'column_ref', table: s.name, column: c.name }, alias: null });
          }
        }
        continue;
      }
      if (e?.type === 'star') {
        throw new DispatcherError(SqlState.SyntaxError, 'unexpected *');
      }
      items.push({ node: e, alias: col.as === null || col.as === undefined ? null : this.aliasName(String(col.as)) });
    }

    const groupBy: Node[] = Array.isArray(ast.groupby?.columns) ? ast.groupby.columns : Array.isArray(ast.groupby) ? ast.groupby : [];
    const orderBy: Node[] = withOrder && !skipOrderLimit ? ((ast.orderby ?? []) as Node[]) : skipOrderLimit ? [] : ((ast.orderby ?? []) as Node[]);
    const grouped =
      groupBy.length > 0 ||
      items.some((i) => hasAggregate(i.node)) ||
      hasAggregate(ast.having) ||
      orderBy.some((o) => hasAggregate(o.expr));

    let outScope = scope;
    if (grouped) {
      const info: GroupInfo = {
        keySlots: new Map(),
        colSlots: new Map(),
        aggs: [],
        aggKeys: new Map(),
        nKeys: groupBy.length,
        raw: scope,
      };
      const keyEvals: Eval[] = [];
      groupBy.forEach((g, i) => {
        let gn = g;
        const lit = literalValue(g);
        if (lit !== undefined && g.type === 'number') {
          const k = Number(lit.v);
          const item = items[k - 1];
          if (item === undefined) {
            throw new DispatcherError(SqlState.InvalidColumnReference, `GROUP BY position ${k} is not in select list`);
          }
          gn = item.node;
        } else if (g?.type === 'column_ref' && (g.table === null || g.table === undefined) && typeof g.column !== 'string') {
          const name = identName(g.column);
          if (scope.findLocal(null, name) === undefined) {
            const item = items.find((it) => it.alias !== null && it.alias === name);
            if (item !== undefined) gn = item.node;
          }
        }
        if (hasAggregate(gn)) throw new DispatcherError(SqlState.GroupingError, 'aggregate functions are not allowed in GROUP BY');
        const c = this.#x.compile(gn, scope);
        keyEvals.push(c.ev);
        info.keySlots.set(exprKey(gn, scope), i);
        if (gn?.type === 'column_ref' && typeof gn.column !== 'string') {
          const hit = scope.findLocal(colRefTable(gn), identName(gn.column));
          if (hit !== undefined) info.colSlots.set(`${hit.source.index}.${hit.col}`, i);
        }
      });
      outScope = new Scope(parent);
      outScope.grouped = info;
      const outputs = items.map((it) => this.#x.compile(it.node, outScope));
      const having = ast.having ? this.#x.compile(ast.having, outScope) : null;
      const sortPlan = this.#orderBy(orderBy, items, outputs, outScope);
      if (outScope.correlated) scope.correlated = true;
      node = new AggregateNode(node, keyEvals, info.aggs);
      if (having !== null) {
        const h = having.ev;
        node = new FilterNode(node, (r, f) => truth(h(r, f)) === true);
      }
      return this.#finish(ast, node, items, outputs, sortPlan, scope, parent, skipOrderLimit, null, order);
    }
    const outputs = items.map((it) => this.#x.compile(it.node, scope));
    const sortPlan = this.#orderBy(orderBy, items, outputs, scope);
    return this.#finish(ast, node, items, outputs, sortPlan, scope, parent, skipOrderLimit, firstPath, order);
  }

  #orderBy(
    orderBy: Node[],
    items: { node: Node; alias: string | null }[],
    outputs: Compiled[],
    scope: Scope,
  ): { keys: SortKey[]; hidden: Compiled[]; exprs: (Node | null)[] } {
    const names = outputs.map((o, i) => items[i]!.alias ?? o.name);
    const cols = names.map((name, i) => ({ name, type: outputs[i]!.type }));
    const keys: SortKey[] = [];
    const hidden: Compiled[] = [];
    const exprs: (Node | null)[] = [];
    const raw = scope.grouped?.raw ?? scope;
    const itemKeys = items.map((it) => {
      try {
        return exprKey(it.node, raw);
      } catch {
        return '';
      }
    });
    for (const o of orderBy) {
      let slot: number | undefined;
      const e = o.expr;
      if (e?.type === 'column_ref' && (e.table === null || e.table === undefined) && typeof e.column !== 'string') {
        const name = identName(e.column);
        const matches = names.map((n, i) => (n === name ? i : -1)).filter((i) => i >= 0);
        if (matches.length > 0) slot = matches[0];
      } else slot = this.#outputSlot(e, cols);
      if (slot === undefined) {
        const k = exprKey(e, raw);
        const i = itemKeys.indexOf(k);
        if (i >= 0) slot = i;
      }
      if (slot === undefined) {
        const c = this.#x.compile(e, scope);
        slot = outputs.length + hidden.length;
        hidden.push(c);
      }
      exprs.push(e);
      keys.push(sortKey(o, slot));
    }
    return { keys, hidden, exprs };
  }

  #finish(
    ast: Node,
    input: PlanNode,
    items: { node: Node; alias: string | null }[],
    outputs: Compiled[],
    sortPlan: { keys: SortKey[]; hidden: Compiled[]; exprs: (Node | null)[] },
    scope: Scope,
    parent: Scope | null,
    skipOrderLimit: boolean,
    firstPath: LevelSpec | null,
    order: number[],
  ): QueryPlan {
    const columns: ResultColumn[] = outputs.map((o, i) => ({
      name: items[i]!.alias ?? o.name,
      type: o.type,
    }));
    const evs = [...outputs.map((o) => o.ev), ...sortPlan.hidden.map((h) => h.ev)];
    let node: PlanNode = new ProjectNode(input, evs);
    const width = outputs.length;
    const distinct = String(ast.distinct?.type ?? '').toUpperCase() === 'DISTINCT';
    if (distinct) node = new DistinctNode(node, width);
    const { limit, offset } = skipOrderLimit ? { limit: null, offset: null } : this.#limitOffset(ast, parent);
    if (sortPlan.keys.length > 0 && !this.#orderedByPath(sortPlan, items, scope, firstPath, order, distinct, limit !== null)) {
      node = new SortNode(node, sortPlan.keys, this.#topN(limit, offset));
    }
    if (limit !== null || offset !== null || sortPlan.hidden.length > 0) {
      node = new LimitNode(node, limit, offset, width);
    }
    return { node, columns, correlated: scope.correlated };
  }

  /**
   * True when the first (only) source already yields rows in ORDER BY order: along the primary
   * key or an index, possibly after an equality prefix, forwards or backwards. With a LIMIT, a
   * plain table scan may be swapped for a whole-index scan in order. Index keys put NULL first,
   * so a nullable column qualifies only when NULLs cannot pass or NULL placement agrees.
   */
  #orderedByPath(
    sortPlan: { keys: SortKey[]; hidden: Compiled[]; exprs: (Node | null)[] },
    items: { node: Node; alias: string | null }[],
    scope: Scope,
    spec: LevelSpec | null,
    order: number[],
    distinct: boolean,
    hasLimit: boolean,
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
      if (e?.type !== 'column_ref' || typeof e.column === 'string') return false;
      const hit = scope.findLocal(colRefTable(e), identName(e.column));
      if (hit === undefined || hit.source !== src || hit.col >= table.columns.length) return false;
      cols.push(hit.col);
    }
    const fits = (p: AccessPath): boolean => {
      const kc = p.keyColumns;
      if (kc.length === 0) return false;
      const unique = p.index === null || table.indexes.find((ix) => ix.name === p.index)?.unique === true;
      if (p.lower === null && p.upper === null && p.eq.length === kc.length && unique) return true;
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
        if (!nullsOk) return false;
      }
      return true;
    };
    if (fits(path)) {
      path.reverse = desc;
      return true;
    }
    const plainScan = path.eq.length === 0 && path.lower === null && path.upper === null;
    if (plainScan && hasLimit) {
      for (const ix of table.indexes) {
        const p = indexOrderPath(table, ix, this.#view.rowCount(table.name));
        if (!fits(p)) continue;
        p.reverse = desc;
        spec.path = p;
        this.#indexes.add(ix.name);
        return true;
      }
    }
    return false;
  }
}

/** A select-list item's expression (a top-level `x::t` item is the cast node itself). */
export function selectItemExpr(col: Node): Node {
  return col.type !== undefined && col.type !== null && col.type !== 'expr' ? col : col.expr;
}

function sortKey(o: Node, slot: number): SortKey {
  const desc = String(o.type ?? '').toUpperCase() === 'DESC';
  const nulls = String(o.nulls ?? '').toUpperCase();
  const nullsFirst = nulls.includes('FIRST') ? true : nulls.includes('LAST') ? false : desc;
  return { slot, desc, nullsFirst };
}
