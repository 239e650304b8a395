// What the API does to analysed statements before the session actor sees them: temporary table
// names resolved for this session, PREPARE's inner statement completed with its kind's flags (the
// session actor stores it), and the privilege check against the current ACL snapshot.
import { authorize, effectiveRoles, isSuperuser, type AclSnapshot } from '../analysis/authorize.js';
import { DispatcherError, SqlState } from './errors.js';
import { KIND_FLAGS } from '../analysis/kind-flags.js';
import type { InnerStatement } from '../analysis/front-nodes.js';
import type { AnalyzedStatement } from '../protocol/statement.js';
import { TEMP_PREFIX, type TempTables } from './temp-tables.js';
import { ENGINE_SETTINGS } from '../execution/admin/pragma.js';

/**
 * `user` is the role privileges apply to now (SET ROLE's, else `login`); a SET ROLE in the script
 * applies to the statements after it.
 */
export function admitStatements(
  statements: readonly AnalyzedStatement[],
  user: string,
  acl: AclSnapshot,
  temp: TempTables,
  login: string = user,
): readonly AnalyzedStatement[] {
  let out: AnalyzedStatement[] | null = null;
  for (let i = 0; i < statements.length; i++) {
    const original = statements[i] as AnalyzedStatement;
    const role = roleChange(original, login, acl);
    if (role !== undefined) user = role;
    let st = temp.rewrite(original);
    if (st.kind === 'PREPARE') st = withAnalyzedInner(st);
    else if (st.kind === 'SHOW') st = engineShow(st);
    const denied = authorizeWithTemp(user, st, acl, temp.prefix);
    if (denied !== null) throw denied;
    if (st !== original) {
      out ??= statements.slice();
      out[i] = st;
    }
  }
  return out ?? statements;
}

/**
 * A session always may create and use its own temporary tables (PostgreSQL's TEMP privilege is
 * PUBLIC's, and no one else can reach them): only the other tables a statement names are checked.
 */
function authorizeWithTemp(user: string, st: AnalyzedStatement, acl: AclSnapshot, prefix: string) {
  if (!st.metadata.tablesAccessed.some((t) => t.startsWith(prefix))) return authorize(user, st, acl);
  const own = (name: string): boolean => name.startsWith(prefix);
  const metadata = {
    ...st.metadata,
    tablesAccessed: st.metadata.tablesAccessed.filter((t) => !own(t)),
    requiredLocks: st.metadata.requiredLocks.filter((l) => !own(l.slice(l.indexOf(':') + 1))),
  };
  // Creating one needs no CREATE on the schema; what it reads (CREATE TEMP TABLE AS) is checked.
  const kind = st.kind === 'CREATE_TABLE' ? 'SELECT' : st.kind;
  return authorize(user, { ...st, kind, metadata }, acl);
}

/**
 * SET ROLE r / SET ROLE NONE / RESET ROLE (and RESET ALL): the new current role, after checking
 * that the login user may take it (a member of r, or a superuser); undefined for other statements.
 */
function roleChange(st: AnalyzedStatement, login: string, acl: AclSnapshot): string | undefined {
  const ast = st.ast as { name?: string; value?: unknown; isDefault?: boolean };
  if (st.kind === 'RESET' && (ast.name === 'role' || ast.name === 'all')) return login;
  if (st.kind !== 'SET' || ast.name !== 'role') return undefined;
  const role = ast.isDefault === true ? 'none' : String(ast.value ?? 'none');
  if (role.toLowerCase() === 'none' || role.toLowerCase() === 'default') return login;
  if (role !== 'owner' && !acl.roles.has(role)) throw new DispatcherError(SqlState.UndefinedObject, `role "${role}" does not exist`);
  if (!isSuperuser(login, acl) && !effectiveRoles(login, acl).has(role)) {
    throw new DispatcherError(SqlState.InsufficientPrivilege, `permission denied to set role "${role}"`);
  }
  return role;
}

/** PREPARE carries its statement as analysis left it; the session needs it as an AnalyzedStatement. */
function withAnalyzedInner(st: AnalyzedStatement): AnalyzedStatement {
  const ast = st.ast as { statement: InnerStatement };
  const inner = ast.statement;
  const flags = KIND_FLAGS[inner.kind];
  const analyzed: AnalyzedStatement = {
    kind: inner.kind,
    flags: st.shapeKey.startsWith(TEMP_PREFIX) ? { ...flags, cacheable: false } : flags,
    ast: inner.ast,
    shapeKey: inner.shapeKey,
    liftedParams: st.liftedParams,
    liftedTypes: st.liftedTypes,
    userParamCount: inner.userParamCount,
    text: st.text,
    metadata: inner.metadata,
    cacheHit: true,
  };
  return { ...st, ast: { ...ast, analyzed } };
}

/** SHOW page_size (and the other engine settings) is answered by the administration coordinator as a PRAGMA. */
function engineShow(st: AnalyzedStatement): AnalyzedStatement {
  const name = (st.ast as { name?: string }).name ?? '';
  if (!ENGINE_SETTINGS.has(name)) return st;
  return { ...st, kind: 'PRAGMA', flags: KIND_FLAGS.PRAGMA, ast: { type: 'pragma', name } };
}
