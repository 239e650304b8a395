// The access control coordinator: CREATE USER / ROLE, DROP USER / ROLE, GRANT and REVOKE of table
// privileges, of CREATE on the database, and of role membership. Everything is written as catalog
// meta values inside the statement's transaction (see ../access-control.ts); who may run these was
// decided by authorization before the statement got here.
import { DispatcherError, SqlState } from '../../src/api/errors.js';
import type { RoleInfo, TablePrivilege } from '../../src/analysis/authorize.js';
import type { CreateRoleNode, CreateUserNode, DropUserNode, GrantNode, RevokeNode } from '../../src/analysis/front-nodes.js';
import type { RunStatement } from '../../src/protocol/messages.js';
import type { WriteTxn } from '../../src/storage/ports.js';
import {
  DATABASE_KEY,
  readDatabaseCreate,
  readRoles,
  readTableAcl,
  relationExists,
  viewNames,
  ROLES_KEY,
  writeTableGrants,
} from '../access-control.js';
import { Coordinator, type CoordinatorDeps } from './coordinator.js';
import type { RunningStatement } from './running-statement.js';
import { acquireStatementLocks } from './statement-locks.js';
import { commandTag } from './tcl.js';

const OWNER = 'owner';
const PUBLIC = 'public';
const ALL_TABLE: readonly TablePrivilege[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];

export class AccessControlCoordinator extends Coordinator {
  constructor(deps: CoordinatorDeps) {
    super('coordinator:dcl', deps);
  }

  protected start(rs: RunningStatement, run: RunStatement): void {
    const txn = this.deps.txns.writable(run.context.txnId);
    acquireStatementLocks(this.deps, rs, () => {
      const st = run.statement;
      switch (st.kind) {
        case 'CREATE_USER':
        case 'CREATE_ROLE':
          createRole(txn, st.ast as CreateUserNode | CreateRoleNode, st.kind === 'CREATE_USER');
          break;
        case 'DROP_USER':
          dropRoles(txn, st.ast as DropUserNode, run.context.user);
          break;
        case 'GRANT':
        case 'REVOKE':
          grantOrRevoke(txn, st.ast as GrantNode | RevokeNode, st.kind === 'GRANT');
          break;
        default:
          throw new DispatcherError(SqlState.FeatureNotSupported, `${commandTag(st.kind)} is not access control`);
      }
      rs.outcome = { command: commandTag(st.kind === 'DROP_USER' && (st.ast as DropUserNode).role ? 'DROP_ROLE' : st.kind), columns: [], indexesUsed: [], planCacheHit: false };
      rs.finish(0);
    });
  }
}

function missingRole(name: string): DispatcherError {
  return new DispatcherError(SqlState.UndefinedObject, `role "${name}" does not exist`);
}

function createRole(txn: WriteTxn, node: CreateUserNode | CreateRoleNode, user: boolean): void {
  const roles = { ...readRoles(txn) };
  const name = node.name;
  if (name === PUBLIC || name === 'none') {
    throw new DispatcherError('42939', `role name "${name}" is reserved`);
  }
  if (name === OWNER || roles[name] !== undefined) {
    throw new DispatcherError(SqlState.DuplicateObject, `role "${name}" already exists`);
  }
  const o = node.options;
  const memberOf = [...new Set(o.inRoles ?? [])];
  for (const r of memberOf) if (r !== OWNER && roles[r] === undefined) throw missingRole(r);
  roles[name] = {
    login: o.login ?? user,
    superuser: o.superuser ?? false,
    createrole: o.createrole ?? o.superuser ?? false,
    memberOf,
    ...(o.connectionLimit !== undefined && o.connectionLimit >= 0 ? { connectionLimit: o.connectionLimit } : {}),
  };
  // ROLE a, b / ADMIN a, b: those roles become members of the new one.
  for (const m of [...(o.roles ?? []), ...(o.admins ?? [])]) {
    const r = roles[m];
    if (r === undefined) throw missingRole(m);
    if (!r.memberOf.includes(name)) roles[m] = { ...r, memberOf: [...r.memberOf, name] };
  }
  txn.setMeta(ROLES_KEY, roles);
}

function dropRoles(txn: WriteTxn, node: DropUserNode, current: string): void {
  const roles: Record<string, RoleInfo> = { ...readRoles(txn) };
  for (const name of node.names) {
    if (name === OWNER) {
      throw new DispatcherError(SqlState.DependentObjects, `cannot drop role ${name} because it is required by the database system`);
    }
    if (roles[name] === undefined) {
      if (node.ifExists) continue;
      throw missingRole(name);
    }
    if (name === current) throw new DispatcherError(SqlState.ObjectInUse, 'current user cannot be dropped');
    const owned: string[] = [];
    for (const t of [...txn.tables().map((d) => d.name), ...viewNames(txn)]) {
      const acl = readTableAcl(txn, t);
      if (acl == null) continue;
      if (acl.owner === name) owned.push(t);
      else if (acl.grants[name] !== undefined) writeTableGrants(txn, t, name, acl.grants[name] ?? [], false);
    }
    if (owned.length > 0) {
      throw new DispatcherError(SqlState.DependentObjects, `role "${name}" cannot be dropped because some objects depend on it`, {
        detail: `owner of ${owned.map((t) => `table ${t}`).join(', ')}`,
      });
    }
    delete roles[name];
    for (const [k, r] of Object.entries(roles)) {
      if (r.memberOf.includes(name)) roles[k] = { ...r, memberOf: r.memberOf.filter((m) => m !== name) };
    }
    const create = readDatabaseCreate(txn);
    if (create.includes(name)) txn.setMeta(DATABASE_KEY, { create: create.filter((g) => g !== name) });
  }
  txn.setMeta(ROLES_KEY, roles);
}

function tablePrivileges(privileges: readonly string[]): TablePrivilege[] {
  const out = new Set<TablePrivilege>();
  for (const p of privileges) {
    if (p === 'ALL' || p === 'ALL PRIVILEGES') for (const q of ALL_TABLE) out.add(q);
    else if ((ALL_TABLE as readonly string[]).includes(p)) out.add(p as TablePrivilege);
    else throw new DispatcherError(SqlState.FeatureNotSupported, `privilege ${p} on tables is not supported`);
  }
  return [...out];
}

function grantOrRevoke(txn: WriteTxn, node: GrantNode | RevokeNode, grant: boolean): void {
  if (grant && (node as GrantNode).withOption) {
    throw new DispatcherError(SqlState.FeatureNotSupported, 'WITH GRANT OPTION is not supported');
  }
  if (!grant && (node as RevokeNode).optionOnly) {
    throw new DispatcherError(SqlState.FeatureNotSupported, 'REVOKE GRANT OPTION FOR is not supported');
  }
  const roles = readRoles(txn);
  const known = (r: string): boolean => r === OWNER || roles[r] !== undefined;
  for (const g of node.grantees) if (g !== PUBLIC && !known(g)) throw missingRole(g);
  if (node.target === 'roles') {
    membership(txn, node, grant);
    return;
  }
  if (node.columns !== null) throw new DispatcherError(SqlState.FeatureNotSupported, 'column privileges are not supported');
  switch (node.objectType) {
    case 'table':
    case 'all_tables': {
      const privileges = tablePrivileges(node.privileges);
      const tables =
        node.objectType === 'table' ? node.objects : txn.tables().map((t) => t.name).filter((n) => !n.startsWith('pg_temp_'));
      for (const t of tables) {
        if (!relationExists(txn, t)) throw new DispatcherError(SqlState.UndefinedTable, `relation "${t}" does not exist`);
        for (const g of node.grantees) writeTableGrants(txn, t, g, privileges, grant);
      }
      return;
    }
    case 'database':
    case 'schema': {
      // CREATE is what the engine checks; CONNECT, TEMP and USAGE are everyone's already.
      const create = node.privileges.some((p) => p === 'CREATE' || p === 'ALL' || p === 'ALL PRIVILEGES');
      for (const p of node.privileges) {
        if (!['CREATE', 'ALL', 'ALL PRIVILEGES', 'CONNECT', 'TEMP', 'TEMPORARY', 'USAGE'].includes(p)) {
          throw new DispatcherError(SqlState.FeatureNotSupported, `privilege ${p} on a ${node.objectType} is not supported`);
        }
      }
      if (!create) return;
      const cur = new Set(readDatabaseCreate(txn));
      for (const g of node.grantees) {
        if (grant) cur.add(g);
        else cur.delete(g);
      }
      txn.setMeta(DATABASE_KEY, { create: [...cur].sort() });
      return;
    }
    default:
      throw new DispatcherError(SqlState.FeatureNotSupported, `privileges on ${node.objectType} objects are not supported`);
  }
}

function membership(txn: WriteTxn, node: GrantNode | RevokeNode, grant: boolean): void {
  const roles: Record<string, RoleInfo> = { ...readRoles(txn) };
  for (const r of node.roles) if (r !== OWNER && roles[r] === undefined) throw missingRole(r);
  for (const g of node.grantees) {
    if (g === PUBLIC) throw new DispatcherError(SqlState.FeatureNotSupported, 'role membership cannot be granted to PUBLIC');
    if (g === OWNER) continue; // the owner is a superuser already
    const info = roles[g] as RoleInfo;
    const set = new Set(info.memberOf);
    for (const r of node.roles) {
      if (grant) {
        if (r === g || memberOfTransitively(roles, r, g)) {
          throw new DispatcherError('0LP01', `role "${g}" is a member of role "${r}"`);
        }
        set.add(r);
      } else set.delete(r);
    }
    roles[g] = { ...info, memberOf: [...set] };
  }
  txn.setMeta(ROLES_KEY, roles);
}

/** True when `role` is (transitively) a member of `of`. */
function memberOfTransitively(roles: Record<string, RoleInfo>, role: string, of: string): boolean {
  const seen = new Set<string>();
  const todo = [role];
  while (todo.length > 0) {
    const r = todo.pop() as string;
    if (r === of) return true;
    if (seen.has(r)) continue;
    seen.add(r);
    todo.push(...(roles[r]?.memberOf ?? []));
  }
  return false;
}

