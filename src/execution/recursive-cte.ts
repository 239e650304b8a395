// WITH RECURSIVE: a query of the WITH list that reads its own name is
//   non-recursive term UNION [ALL] recursive term
// and runs as PostgreSQL runs it: the non-recursive term's rows form the first working table;
// the recursive term is run again and again over the previous iteration's new rows (its
// reference to the query reads only those), until an iteration yields no new row. UNION drops
// rows seen in any earlier iteration. Rows are emitted as they are produced, so a LIMIT above
// stops an unbounded recursion, and every batch checks for cancellation.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ColumnType, Row } from '../storage/ports.js';
import { hasAggregate, isSubquery, type Node } from './expr.js';
import type { CteDef, QueryPlan } from './from-planner.js';
import { BATCH, indent, type Frame, type Op, type PlanNode } from './runtime.js';
import type { ResultColumn } from './types.js';
import { rowKey } from './values.js';

/** PostgreSQL's invalid_recursion. */
const INVALID_RECURSION = '42P19';

/** What the recursive planning needs of the planner. */
export interface CteCompiler {
  /** Plans a query expression (no outer scope: WITH queries are never correlated). */
  compile(ast: Node): QueryPlan;
  /** Makes WITH definitions visible while the recursive term is planned. */
  pushCtes(defs: Map<string, CteDef>): void;
  popCtes(): void;
}

function recursionError(message: string): DispatcherError {
  return new DispatcherError(INVALID_RECURSION, message);
}

/** FROM items (and nothing else) naming `name`, anywhere in the tree. */
function countRefs(n: Node, name: string): number {
  if (n === null || typeof n !== 'object') return 0;
  if (Array.isArray(n)) {
    let c = 0;
    for (const x of n) c += countRefs(x, name);
    return c;
  }
  let c = 0;
  if (n.type === undefined && typeof n.table === 'string' && (n.db === null || n.db === undefined) && n.table.toLowerCase() === name) c++;
  for (const k of Object.keys(n)) {
    if (k === 'loc') continue;
    const v = n[k];
    if (v !== null && typeof v === 'object') c += countRefs(v, name);
  }
  return c;
}

/** The members of a compound select chain, and the set operation before each next member. */
function chain(ast: Node): { members: Node[]; ops: string[] } {
  const members: Node[] = [];
  const ops: string[] = [];
  for (let cur = ast; cur !== null && cur !== undefined; cur = cur._next) {
    members.push(cur);
    if (cur._next !== null && cur._next !== undefined) ops.push(String(cur.set_op ?? 'union').toLowerCase().replace(/\s+distinct$/, ''));
  }
  return { members, ops };
}

/** A chain of members[from..to) as its own query expression (the members are copied, not changed). */
function subChain(members: readonly Node[], ops: readonly string[], from: number, to: number): Node {
  let next: Node = null;
  for (let i = to - 1; i >= from; i--) {
    const m = { ...members[i], _next: next };
    if (next !== null) m.set_op = ops[i];
    else delete m.set_op;
    next = m;
  }
  return next;
}

/**
 * PostgreSQL's placement rules for the recursive reference inside the recursive term: at most
 * once, in FROM (derived tables included), never in a sublink, never on the nullable side of an
 * outer join. Returns the number of references.
 */
function checkRecursiveTerm(sel: Node, name: string, nullable: boolean): number {
  let count = 0;
  for (const m of chain(sel).members) {
    const items: Node[] = Array.isArray(m.from) ? m.from : [];
    const nullables = items.map(() => nullable);
    items.forEach((it, k) => {
      const j = String(it.join ?? '').toUpperCase();
      if (k > 0 && (j.startsWith('LEFT') || j.startsWith('FULL'))) nullables[k] = true;
      if (j.startsWith('RIGHT') || j.startsWith('FULL')) for (let p = 0; p < k; p++) nullables[p] = true;
    });
    items.forEach((it, k) => {
      if (typeof it.table === 'string' && (it.db === null || it.db === undefined) && it.table.toLowerCase() === name) {
        if (nullables[k]) throw recursionError(`recursive reference to query "${name}" must not appear within an outer join`);
        count++;
      } else if (it.expr !== null && it.expr !== undefined && (isSubquery(it.expr) || it.expr.type === 'select')) {
        count += checkRecursiveTerm(isSubquery(it.expr) ? it.expr.ast : it.expr, name, nullables[k]!);
      } else if (countRefs(it.expr, name) > 0) {
        throw recursionError(`recursive reference to query "${name}" must not appear within a subquery`);
      }
      if (countRefs(it.on, name) > 0) throw recursionError(`recursive reference to query "${name}" must not appear within a subquery`);
    });
    for (const k of Object.keys(m)) {
      if (k === 'from' || k === '_next' || k === 'loc') continue;
      if (countRefs(m[k], name) > 0) throw recursionError(`recursive reference to query "${name}" must not appear within a subquery`);
    }
    const aggregated =
      (Array.isArray(m.columns) && m.columns.some((c: Node) => hasAggregate(c?.expr ?? c))) ||
      hasAggregate(m.having) ||
      (Array.isArray(m.orderby) && m.orderby.some((o: Node) => hasAggregate(o.expr)));
    if (aggregated) throw recursionError("aggregate functions are not allowed in a recursive query's recursive term");
  }
  if (count > 1) throw recursionError(`recursive reference to query "${name}" must not appear more than once`);
  return count;
}

const TYPE_RANK: Partial<Record<ColumnType, number>> = { integer: 1, bigint: 2, numeric: 3, real: 4 };
const TYPE_NAME: Partial<Record<ColumnType, string>> = { integer: 'integer', bigint: 'bigint', numeric: 'numeric', real: 'double precision' };

let nextWorkTable = -1;

/**
 * For a WITH RECURSIVE list: the definitions that read their own name get a plan of their own
 * (CteDef.plan), built at each reference. PostgreSQL's errors for malformed recursion are
 * raised here, when the WITH clause is planned, whether or not the query is referenced.
 */
export function planRecursiveCtes(defs: Map<string, CteDef>, compiler: CteCompiler): void {
  const names = [...defs.keys()];
  // Mutual recursion (t reads u, u reads t) is not supported, as in PostgreSQL.
  const reads = new Map(names.map((n) => [n, names.filter((m) => m !== n && countRefs(defs.get(n)!.ast, m) > 0)]));
  const reaches = (from: string, to: string, seen: Set<string>): boolean => {
    for (const m of reads.get(from) ?? []) {
      if (m === to) return true;
      if (!seen.has(m)) {
        seen.add(m);
        if (reaches(m, to, seen)) return true;
      }
    }
    return false;
  };
  for (const n of names) {
    if (reaches(n, n, new Set())) throw new DispatcherError(SqlState.FeatureNotSupported, 'mutual recursion between WITH items is not implemented');
  }
  for (const [name, def] of defs) {
    if (countRefs(def.ast, name) === 0) continue;
    defs.set(name, { ...def, plan: recursivePlan(name, def, compiler) });
  }
}

function recursivePlan(name: string, def: CteDef, compiler: CteCompiler): () => QueryPlan {
  const { members, ops } = chain(def.ast);
  // The top operation: the last UNION / EXCEPT of the chain (INTERSECT binds tighter).
  let top = -1;
  for (let i = ops.length - 1; i >= 0; i--) {
    if (!ops[i]!.startsWith('intersect')) {
      top = i;
      break;
    }
  }
  if (top < 0 || !ops[top]!.startsWith('union')) {
    throw recursionError(`recursive query "${name}" does not have the form non-recursive-term UNION [ALL] recursive-term`);
  }
  const all = ops[top] === 'union all';
  const initAst = subChain(members, ops, 0, top + 1);
  const recAst = subChain(members, ops, top + 1, members.length);
  if (countRefs(initAst, name) > 0) throw recursionError(`recursive reference to query "${name}" must not appear within its non-recursive term`);
  const last = members[members.length - 1]!;
  if (last.parentheses_symbol !== true) {
    // ORDER BY / LIMIT written after the last member belong to the whole union
    if (Array.isArray(last.orderby) && last.orderby.length > 0) {
      throw new DispatcherError(SqlState.FeatureNotSupported, 'ORDER BY in a recursive query is not implemented');
    }
    const lim: Node[] = Array.isArray(last.limit?.value) ? last.limit.value : [];
    if (lim.length > 0) {
      const offsetOnly = lim.length === 1 && String(last.limit.seperator ?? '').toLowerCase() === 'offset';
      throw new DispatcherError(SqlState.FeatureNotSupported, `${offsetOnly ? 'OFFSET' : 'LIMIT'} in a recursive query is not implemented`);
    }
  }
  checkRecursiveTerm(recAst, name, false);
  return () => {
    const init = compiler.compile(initAst);
    const width = init.columns.length;
    if (def.columns !== null && def.columns.length > width) {
      throw new DispatcherError(
        SqlState.InvalidColumnReference,
        `WITH query "${name}" has ${width} columns available but ${def.columns.length} columns specified`,
      );
    }
    const columns: ResultColumn[] = init.columns.map((c, i) => ({ name: def.columns?.[i] ?? c.name, type: c.type }));
    const id = nextWorkTable--;
    const work: QueryPlan = { node: new WorkTableNode(id, name, width), columns, correlated: false };
    compiler.pushCtes(new Map([[name, { ast: null, columns: columns.map((c) => c.name), plan: () => work }]]));
    let rec: QueryPlan;
    try {
      rec = compiler.compile(recAst);
    } finally {
      compiler.popCtes();
    }
    if (rec.columns.length !== width) {
      throw new DispatcherError(SqlState.SyntaxError, 'each UNION query must have the same number of columns');
    }
    rec.columns.forEach((c, i) => {
      const a = TYPE_RANK[columns[i]!.type];
      const b = TYPE_RANK[c.type];
      if (a !== undefined && b !== undefined && b > a) {
        throw new DispatcherError(
          SqlState.DatatypeMismatch,
          `recursive query "${name}" column ${i + 1} has type ${TYPE_NAME[columns[i]!.type]} in non-recursive term but type ${TYPE_NAME[c.type]} overall`,
        );
      }
    });
    return { node: new RecursiveUnionNode(init.node, rec.node, all, width, id, name), columns, correlated: init.correlated || rec.correlated };
  };
}

/** Per-run state shared by a recursive union and its work table scans (in Frame.root.cache). */
interface WorkTable {
  rows: Row[];
}

/** The recursive term's reference to its own query: the rows of the previous iteration. */
class WorkTableNode implements PlanNode {
  readonly #id: number;
  readonly #name: string;
  readonly #width: number;

  constructor(id: number, name: string, width: number) {
    this.#id = id;
    this.#name = name;
    this.#width = width;
  }

  open(f: Frame): Op {
    const st = f.root.cache.get(this.#id) as WorkTable | undefined;
    if (st === undefined) throw new DispatcherError(SqlState.InternalError, `work table of "${this.#name}" read outside its recursion`);
    const rows = st.rows;
    let idx = 0;
    return {
      next: () => {
        if (idx >= rows.length) return null;
        const end = Math.min(rows.length, idx + BATCH * 4);
        const out = rows.slice(idx, end);
        idx = end;
        f.root.work += out.length;
        return out;
      },
      close: () => {},
    };
  }

  explain(out: string[], depth: number): void {
    out.push(indent(depth) + `WorkTable Scan on ${this.#name} (${this.#width} columns)`);
  }
}

class RecursiveUnionNode implements PlanNode {
  readonly #init: PlanNode;
  readonly #rec: PlanNode;
  readonly #all: boolean;
  readonly #width: number;
  readonly #id: number;
  readonly #name: string;

  constructor(init: PlanNode, rec: PlanNode, all: boolean, width: number, id: number, name: string) {
    this.#init = init;
    this.#rec = rec;
    this.#all = all;
    this.#width = width;
    this.#id = id;
    this.#name = name;
  }

  open(f: Frame): Op {
    const id = this.#id;
    const width = this.#width;
    const rec = this.#rec;
    const st: WorkTable = { rows: [] };
    f.root.cache.set(id, st);
    const seen = this.#all ? null : new Set<string>();
    let op: Op | null = this.#init.open(f);
    // rows produced by the running iteration: the next working table
    let produced: Row[] = [];
    return {
      next: () => {
        f.ctx.checkInterrupt();
        if (op === null) return null;
        const b = op.next();
        if (b === null) {
          op.close();
          op = null;
          if (produced.length === 0) return null;
          st.rows = produced;
          produced = [];
          op = rec.open(f);
          return [];
        }
        const out: Row[] = [];
        for (let i = 0; i < b.length; i++) {
          const r0 = b[i]!;
          const r = r0.length === width ? r0 : r0.slice(0, width);
          if (seen !== null) {
            const k = rowKey(r, width);
            if (seen.has(k)) continue;
            seen.add(k);
          }
          produced.push(r);
          out.push(r);
        }
        f.root.work += b.length;
        return out;
      },
      close: () => {
        op?.close();
        op = null;
        st.rows = [];
      },
    };
  }

  explain(out: string[], depth: number): void {
    out.push(indent(depth) + `Recursive Union${this.#all ? ' All' : ''} (${this.#name})`);
    this.#init.explain(out, depth + 1);
    this.#rec.explain(out, depth + 1);
  }
}
