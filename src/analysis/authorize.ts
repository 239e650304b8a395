// Privilege checks before anything runs: a pure function of the user, the analysed statement and a
// snapshot of the access control lists. PostgreSQL's rules, reduced to what the engine keeps:
// roles (users are roles that can log in) with membership, superusers, table owners, and the
// privileges SELECT, INSERT, UPDATE, DELETE on tables and CREATE on the database.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { StatementKind, StatementMetadata } from '../protocol/statement.js';

/** The user every database starts with: a superuser, the default of db.connect(). */
export const DATABASE_OWNER = 'owner';
/** The pseudo-role every role is a member of. */
export const PUBLIC_ROLE = 'public';

export const TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const;
export type TablePrivilege = (typeof TABLE_PRIVILEGES)[number];

export interface RoleInfo {
  readonly login: boolean;
  readonly superuser: boolean;
  readonly createrole: boolean;
  /** Roles this role is a direct member of. */
  readonly memberOf: readonly string[];
  /** CONNECTION LIMIT n: open sessions of this role at most (absent: no limit). */
  readonly connectionLimit?: number;
}

export interface TableAcl {
  readonly owner: string;
  /** grantee (a role, or 'public') → privileges granted to it. */
  readonly grants: Readonly<Record<string, readonly TablePrivilege[]>>;
}

export interface AclSnapshot {
  readonly roles: ReadonlyMap<string, RoleInfo>;
  /** Tables (and views) with an owner record; a table without one belongs to the database owner. */
  readonly tables: ReadonlyMap<string, TableAcl>;
  /** Grantees of CREATE on the database (needed to create tables and views). */
  readonly databaseCreate: readonly string[];
  /** The table an index belongs to (DROP INDEX names only the index). */
  readonly tableOfIndex?: ((index: string) => string | undefined) | undefined;
  /** The table a trigger belongs to (DROP TRIGGER names only the trigger). */
  readonly tableOfTrigger?: ((trigger: string) => string | undefined) | undefined;
}

/** What authorize() needs of a statement: an AnalyzedStatement or a nested (EXPLAIN / PREPARE) one. */
export interface StatementToAuthorize {
  readonly kind: StatementKind;
  readonly ast: unknown;
  readonly metadata: StatementMetadata;
}

export const OWNER_ROLE: RoleInfo = Object.freeze({ login: true, superuser: true, createrole: true, memberOf: [] });

/** The role's own name, every role it belongs to (transitively) and PUBLIC. */
export function effectiveRoles(user: string, acl: AclSnapshot): Set<string> {
  const out = new Set<string>([user, PUBLIC_ROLE]);
  const todo = [user];
  while (todo.length > 0) {
    const r = acl.roles.get(todo.pop() as string);
    if (r === undefined) continue;
    for (const m of r.memberOf) {
      if (!out.has(m)) {
        out.add(m);
        todo.push(m);
      }
    }
  }
  return out;
}

export function isSuperuser(user: string, acl: AclSnapshot): boolean {
  if (user === DATABASE_OWNER) return true;
  return acl.roles.get(user)?.superuser === true;
}

export function tableOwner(table: string, acl: AclSnapshot): string {
  return acl.tables.get(table.toLowerCase())?.owner ?? DATABASE_OWNER;
}

/** True when the user may use `privilege` on the table: owner, member of the owner, or granted. */
export function hasTablePrivilege(user: string, table: string, privilege: TablePrivilege, acl: AclSnapshot): boolean {
  if (isSuperuser(user, acl)) return true;
  const roles = effectiveRoles(user, acl);
  const t = acl.tables.get(table.toLowerCase());
  if (roles.has(t?.owner ?? DATABASE_OWNER)) return true;
  if (t === undefined) return false;
  for (const r of roles) if (t.grants[r]?.includes(privilege) === true) return true;
  return false;
}

function ownsTable(user: string, table: string, acl: AclSnapshot): boolean {
  return isSuperuser(user, acl) || effectiveRoles(user, acl).has(tableOwner(table, acl));
}

function mayCreate(user: string, acl: AclSnapshot): boolean {
  if (isSuperuser(user, acl)) return true;
  const roles = effectiveRoles(user, acl);
  return acl.databaseCreate.some((g) => roles.has(g));
}

function denied(what: string): DispatcherError {
  return new DispatcherError(SqlState.InsufficientPrivilege, `permission denied ${what}`);
}

/** Tables a statement changes (its lock is IX or X), and the ones it only reads. */
function splitTables(meta: StatementMetadata): { written: Set<string>; read: Set<string> } {
  const written = new Set<string>();
  const read = new Set<string>();
  for (const spec of meta.requiredLocks) {
    const i = spec.indexOf(':');
    const name = spec.slice(i + 1);
    if (name === 'schema') continue;
    const mode = spec.slice(0, i);
    if (mode === 'IX' || mode === 'X' || mode === 'SIX') written.add(name);
  }
  for (const t of meta.tablesAccessed) if (!written.has(t)) read.add(t);
  return { written, read };
}

function checkReads(user: string, tables: Iterable<string>, acl: AclSnapshot): DispatcherError | null {
  for (const t of tables) if (!hasTablePrivilege(user, t, 'SELECT', acl)) return denied(`for table ${t}`);
  return null;
}

/** A data change that reads the target's columns (WHERE, RETURNING) needs SELECT on it too, as in PostgreSQL. */
function readsTarget(ast: unknown): boolean {
  const a = ast as { where?: unknown; returning?: unknown };
  return (a.where !== null && a.where !== undefined) || (a.returning !== null && a.returning !== undefined);
}

/**
 * null when `user` may run the statement; otherwise the error to answer (42501, or 42704 for a
 * role that does not exist). Superusers pass every check.
 */
export function authorize(user: string, st: StatementToAuthorize, acl: AclSnapshot): DispatcherError | null {
  if (isSuperuser(user, acl)) return null;
  const meta = st.metadata;
  switch (st.kind) {
    case 'SELECT':
      return checkReads(user, meta.tablesAccessed, acl);
    case 'INSERT':
    case 'UPDATE':
    case 'DELETE': {
      const privilege = st.kind as TablePrivilege;
      const { written, read } = splitTables(meta);
      for (const t of written) {
        if (!hasTablePrivilege(user, t, privilege, acl)) return denied(`for table ${t}`);
        if (st.kind !== 'INSERT' && readsTarget(st.ast) && !hasTablePrivilege(user, t, 'SELECT', acl)) {
          return denied(`for table ${t}`);
        }
        if (st.kind === 'INSERT' && (st.ast as { returning?: unknown }).returning != null && !hasTablePrivilege(user, t, 'SELECT', acl)) {
          return denied(`for table ${t}`);
        }
      }
      return checkReads(user, read, acl);
    }
    case 'EXPLAIN':
    case 'PREPARE': {
      const inner = (st.ast as { statement?: StatementToAuthorize }).statement;
      return inner === undefined ? null : authorize(user, inner, acl);
    }
    case 'CREATE_TABLE':
    case 'CREATE_VIEW': {
      if (!mayCreate(user, acl)) return denied('for schema public');
      // The first table named is the one created; the others are read (CREATE TABLE AS, views).
      return checkReads(user, meta.tablesAccessed.slice(1), acl);
    }
    case 'DROP_TABLE':
    case 'DROP_VIEW':
    case 'CREATE_INDEX':
    case 'CREATE_TRIGGER':
    case 'ALTER_TABLE':
    case 'ANALYZE':
    case 'VACUUM': {
      for (const t of meta.tablesAccessed) {
        if (!ownsTable(user, t, acl)) return new DispatcherError(SqlState.InsufficientPrivilege, `must be owner of table ${t}`);
      }
      if ((st.kind === 'ANALYZE' || st.kind === 'VACUUM') && meta.tablesAccessed.length === 0) {
        return denied(`to ${st.kind} every table: only a superuser may`);
      }
      return null;
    }
    case 'DROP_TRIGGER': {
      // DROP TRIGGER name names only the trigger: its table comes from the catalog
      const node = st.ast as { name: string; table: string | null };
      const table = node.table ?? acl.tableOfTrigger?.(node.name);
      if (table === undefined) return null; // the statement itself reports a missing trigger
      return ownsTable(user, table, acl) ? null : new DispatcherError(SqlState.InsufficientPrivilege, `must be owner of table ${table}`);
    }
    case 'REINDEX': {
      const node = st.ast as { target: string | null; name: string | null };
      if (node.name === null || node.target === 'database' || node.target === 'schema' || node.target === 'system') {
        return denied('to REINDEX every index: only a superuser may');
      }
      const table = node.target === 'table' ? node.name : acl.tableOfIndex?.(node.name) ?? node.name;
      return ownsTable(user, table, acl) ? null : new DispatcherError(SqlState.InsufficientPrivilege, `must be owner of table ${table}`);
    }
    case 'DROP_INDEX': {
      const name = indexName(st.ast);
      const table = name === undefined ? undefined : acl.tableOfIndex?.(name);
      if (table === undefined) return null; // the statement itself reports a missing index
      return ownsTable(user, table, acl) ? null : new DispatcherError(SqlState.InsufficientPrivilege, `must be owner of index ${name}`);
    }
    case 'GRANT':
    case 'REVOKE': {
      const node = st.ast as { target: string; objectType: string; objects: readonly string[] };
      if (node.target === 'roles') {
        return acl.roles.get(user)?.createrole === true ? null : denied('to grant or revoke role membership');
      }
      if (node.objectType === 'table') {
        for (const t of node.objects) {
          if (!ownsTable(user, t, acl)) return denied(`for table ${t}`);
        }
        return null;
      }
      if (node.objectType === 'all_tables') return denied('to grant on all tables: only a superuser may');
      return denied(`for ${node.objectType} ${node.objects.join(', ')}`);
    }
    case 'CREATE_USER':
    case 'CREATE_ROLE':
    case 'DROP_USER':
      return acl.roles.get(user)?.createrole === true ? null : denied('to create or drop roles');
    case 'CHECKPOINT':
      return denied('to CHECKPOINT: only a superuser may');
    case 'PRAGMA': {
      const p = st.ast as { name: string; value?: unknown };
      if (p.name === 'table_info' && typeof p.value === 'string') return checkReads(user, [p.value.toLowerCase()], acl);
      return p.value === undefined ? null : denied(`to set PRAGMA ${p.name}: only a superuser may`);
    }
    default:
      // Transaction control, SET / SHOW / RESET, EXECUTE (checked when it runs), DEALLOCATE.
      return null;
  }
}

function indexName(ast: unknown): string | undefined {
  const n = (ast as { name?: { column?: { expr?: { value?: unknown } } | string } }).name;
  const c = n?.column;
  if (typeof c === 'string') return c.toLowerCase();
  const v = c?.expr?.value;
  return typeof v === 'string' ? v.toLowerCase() : undefined;
}
