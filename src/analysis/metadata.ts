// The seed's statement metadata, derived from the AST: tables accessed, read-only, transactional,
// complexity class, a rough cost, and the lock modes the statement will need. Computed once per
// shape (cached with the AST), so it may walk the whole tree.
import type { Complexity, KindFlags, StatementKind, StatementMetadata } from './types.js';
import type { FrontNode } from './front-nodes.js';

interface Facts {
  /** Every table named, in order of appearance (CTE names excluded at the end). */
  readonly tables: string[];
  /** Tables the statement writes or redefines. */
  readonly targets: Set<string>;
  readonly cteNames: Set<string>;
  joins: number;
  subqueries: number;
  aggregates: number;
  windows: number;
  setOps: number;
  ctes: number;
  recursive: boolean;
  /** A data-modifying statement nested in a SELECT (WITH x AS (INSERT ...)). */
  nestedWrite: boolean;
}

type Node = Record<string, unknown>;

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null;
}

// Names arrive folded by the shape pass (unquoted ones lower-cased, quoted ones as written), so
// they are used as they are: "T" and t are different tables in PostgreSQL.
function tableName(db: unknown, table: unknown): string {
  const t = String(table);
  return typeof db === 'string' && db.length > 0 && db !== 'public' ? `${db}.${t}` : t;
}

/** Walks a node-sql-parser AST iteratively (deep ASTs must not overflow the stack here). */
function collect(root: unknown): Facts {
  const f: Facts = {
    tables: [],
    targets: new Set(),
    cteNames: new Set(),
    joins: 0,
    subqueries: 0,
    aggregates: 0,
    windows: 0,
    setOps: 0,
    ctes: 0,
    recursive: false,
    nestedWrite: false,
  };
  const addTable = (db: unknown, table: unknown, target: boolean): void => {
    if (typeof table !== 'string') return;
    const name = tableName(db, table);
    if (!f.tables.includes(name)) f.tables.push(name);
    if (target) f.targets.add(name);
  };
  const stack: unknown[] = [root];
  let first = true;
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) if (isNode(v[i])) stack.push(v[i]);
      continue;
    }
    if (!isNode(v)) continue;
    const type = v['type'];
    const top = first;
    first = false;
    switch (type) {
      case 'insert':
      case 'replace':
      case 'update':
      case 'delete':
        if (!top) f.nestedWrite = true;
        if (Array.isArray(v['table'])) for (const t of v['table']) if (isNode(t)) addTable(t['db'], t['table'], true);
        break;
      case 'aggr_func':
        f.aggregates++;
        break;
      case 'window_func':
        f.windows++;
        break;
      case 'create':
        if (v['keyword'] === 'view' && isNode(v['view'])) addTable(v['view']['db'], v['view']['view'], true);
        else if (Array.isArray(v['table'])) for (const t of v['table']) isNode(t) && addTable(t['db'], t['table'], true);
        else if (isNode(v['table'])) addTable(v['table']['db'], v['table']['table'], true);
        break;
      case 'drop':
        if (Array.isArray(v['name'])) for (const t of v['name']) isNode(t) && addTable(t['db'], t['table'], true);
        break;
      case 'alter':
        if (Array.isArray(v['table'])) for (const t of v['table']) isNode(t) && addTable(t['db'], t['table'], true);
        break;
    }
    if (isNode(v['over']) && type !== 'window_func') f.windows++;
    if (v['set_op'] !== undefined && v['set_op'] !== null) f.setOps++;
    if (isNode(v['ast']) && v['ast']['type'] === 'select') f.subqueries++;
    const withs = v['with'];
    if (Array.isArray(withs)) {
      for (const w of withs) {
        if (!isNode(w)) continue;
        f.ctes++;
        if (w['recursive'] === true) f.recursive = true;
        const name = isNode(w['name']) ? w['name']['value'] : w['name'];
        if (typeof name === 'string') f.cteNames.add(name);
      }
    }
    const from = v['from'];
    if (Array.isArray(from)) {
      for (const item of from) {
        if (!isNode(item)) continue;
        if (typeof item['table'] === 'string' && item['expr'] === undefined) addTable(item['db'], item['table'], false);
        if (item['join'] !== undefined && item['join'] !== null) f.joins++;
      }
      if (from.length > 1) f.joins += from.length - 1 - from.filter((x) => isNode(x) && x['join']).length;
    }
    for (const key in v) {
      if (key === 'tableList' || key === 'columnList' || key === 'loc') continue;
      const child = v[key];
      if (isNode(child)) stack.push(child);
    }
  }
  return f;
}

function complexityOf(f: Facts, tableCount: number): Complexity {
  if (f.ctes > 0 || f.recursive) return 'very_complex';
  if (f.subqueries > 0 || f.aggregates > 0 || f.windows > 0 || f.setOps > 0) return 'complex';
  if (f.joins > 0 || tableCount > 1) return 'moderate';
  return 'simple';
}

/** A rough relative cost: tables, joins and nested queries multiply the work. */
function costOf(f: Facts, tableCount: number): number {
  let cost = Math.max(1, tableCount) * (1 + f.joins);
  cost *= 1 + f.subqueries;
  cost *= 1 + f.setOps * 0.5;
  if (f.aggregates > 0) cost *= 1.5;
  if (f.windows > 0) cost *= 2;
  if (f.ctes > 0) cost *= 1 + f.ctes;
  if (f.recursive) cost *= 10;
  return Math.round(cost * 100) / 100;
}

const TRANSACTIONAL_FRONT: ReadonlySet<StatementKind> = new Set([
  'SET', 'RESET', 'EXECUTE', 'GRANT', 'REVOKE', 'CREATE_USER', 'CREATE_ROLE', 'DROP_USER', 'ALTER_TABLE',
  'CREATE_TRIGGER', 'DROP_TRIGGER', 'REINDEX',
]);

function locksFor(kind: StatementKind, flags: KindFlags, tables: readonly string[], targets: ReadonlySet<string>): string[] {
  const locks: string[] = [];
  if (flags.exclusiveSchemaLock) locks.push('X:schema');
  for (const t of tables) {
    if (targets.has(t)) locks.push(flags.changesSchema ? `X:${t}` : `IX:${t}`);
    else locks.push(kind === 'CREATE_INDEX' || kind === 'REINDEX' ? `S:${t}` : `IS:${t}`);
  }
  return locks;
}

/** Metadata of a node-sql-parser AST of the given kind. */
export function metadataOfAst(kind: StatementKind, flags: KindFlags, ast: unknown, extra: readonly unknown[] = []): StatementMetadata {
  // `extra`: parts of the statement kept outside the AST (IS DISTINCT FROM operands)
  const f = collect(extra.length === 0 ? ast : [ast, ...extra]);
  const tables = f.tables.filter((t) => !f.cteNames.has(t));
  if (kind === 'CREATE_INDEX') for (const t of tables) f.targets.delete(t);
  // SELECT ... FOR UPDATE/SHARE locks rows: intent-exclusive on the tables, not read-only
  const locking = isNode(ast) && isNode(ast['locking']) ? (ast['locking'] as { of: readonly string[] | null }) : undefined;
  if (locking !== undefined) {
    // OF may name aliases, which the table list does not know: then every table takes the intent.
    const of = locking.of?.map((t) => t.toLowerCase()) ?? null;
    const named = of !== null && of.every((t) => tables.includes(t)) ? of : tables;
    for (const t of named) if (tables.includes(t)) f.targets.add(t);
  }
  const writes = flags.writesData || flags.changesSchema || f.nestedWrite || locking !== undefined;
  return {
    tablesAccessed: tables,
    isReadOnly: !writes,
    isTransactional: true,
    complexity: complexityOf(f, tables.length),
    estimatedCost: costOf(f, tables.length),
    requiredLocks: locksFor(kind, flags, tables, f.targets),
  };
}

/** Metadata of a front-end node (EXPLAIN and PREPARE take their inner statement's). */
export function metadataOfFront(kind: StatementKind, flags: KindFlags, node: FrontNode): StatementMetadata {
  switch (node.type) {
    case 'explain': {
      const inner = node.statement.metadata;
      return node.analyze ? inner : { ...inner, isReadOnly: true, requiredLocks: inner.requiredLocks.filter((l) => l.startsWith('IS:')) };
    }
    case 'prepare':
      return { ...node.statement.metadata, isReadOnly: true, isTransactional: false, requiredLocks: [] };
    default:
      break;
  }
  let tables: string[] = [];
  let targets: ReadonlySet<string> = new Set();
  if ((node.type === 'vacuum' || node.type === 'analyze') && node.table !== null) tables = [node.table];
  else if ((node.type === 'grant' || node.type === 'revoke') && (node.objectType === 'table')) tables = [...node.objects];
  else if (node.type === 'alter_table' || node.type === 'create_trigger' || (node.type === 'drop_trigger' && node.table !== null)) {
    tables = [node.table!];
    targets = new Set(tables);
  } else if (node.type === 'reindex' && node.target === 'table' && node.name !== null) tables = [node.name];
  return {
    tablesAccessed: tables,
    isReadOnly: flags.allowedReadOnly && !flags.writesData && !flags.changesSchema,
    isTransactional: TRANSACTIONAL_FRONT.has(kind),
    complexity: 'simple',
    estimatedCost: tables.length > 0 && node.type !== 'grant' && node.type !== 'revoke' ? 10 * tables.length : 0,
    requiredLocks: kind === 'VACUUM' || kind === 'ANALYZE' ? tables.map((t) => `S:${t}`) : locksFor(kind, flags, tables, targets),
  };
}
