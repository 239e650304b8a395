// Front parsers of the access-control statements: CREATE USER / CREATE ROLE, DROP USER / ROLE,
// GRANT and REVOKE (privileges on objects, or role membership).
import type { Cursor } from './cursor.js';
import type { FrontNode, GrantNode, RevokeNode, RoleOptions } from './front-nodes.js';

function roleOptions(c: Cursor): RoleOptions {
  const o: {
    -readonly [K in keyof RoleOptions]: RoleOptions[K];
  } = {};
  c.accept('WITH');
  while (!c.atEnd()) {
    const w = c.word();
    if (w === undefined) throw c.error();
    c.pos++;
    switch (w) {
      case 'LOGIN': o.login = true; break;
      case 'NOLOGIN': o.login = false; break;
      case 'SUPERUSER': o.superuser = true; break;
      case 'NOSUPERUSER': o.superuser = false; break;
      case 'CREATEDB': o.createdb = true; break;
      case 'NOCREATEDB': o.createdb = false; break;
      case 'CREATEROLE': o.createrole = true; break;
      case 'NOCREATEROLE': o.createrole = false; break;
      case 'INHERIT': o.inherit = true; break;
      case 'NOINHERIT': o.inherit = false; break;
      case 'REPLICATION': case 'NOREPLICATION': case 'BYPASSRLS': case 'NOBYPASSRLS': break;
      case 'ENCRYPTED':
      case 'PASSWORD': {
        if (w === 'ENCRYPTED') c.expect('PASSWORD');
        const v = c.value();
        if (v !== null && typeof v !== 'string') throw c.error();
        o.password = v;
        break;
      }
      case 'CONNECTION': {
        c.expect('LIMIT');
        const v = c.value();
        if (typeof v !== 'number') throw c.error();
        o.connectionLimit = v;
        break;
      }
      case 'VALID': {
        c.expect('UNTIL');
        o.validUntil = String(c.value());
        break;
      }
      case 'IN':
        if (!c.accept('ROLE')) c.expect('GROUP');
        o.inRoles = c.identList();
        break;
      case 'ROLE':
      case 'USER':
        o.roles = c.identList();
        break;
      case 'ADMIN':
        o.admins = c.identList();
        break;
      default:
        c.pos--;
        throw c.error();
    }
  }
  return o;
}

export function parseCreateRole(c: Cursor): FrontNode {
  c.expect('CREATE');
  const user = c.accept('USER');
  if (!user) c.expect('ROLE');
  const name = c.ident();
  const options = roleOptions(c);
  // CREATE USER implies LOGIN (PostgreSQL)
  if (user) return { type: 'create_user', name, options: options.login === undefined ? { ...options, login: true } : options };
  return { type: 'create_role', name, options };
}

export function parseDropRole(c: Cursor): FrontNode {
  c.expect('DROP');
  const role = c.accept('ROLE');
  if (!role) c.expect('USER');
  const ifExists = c.acceptAll('IF', 'EXISTS');
  const names = c.identList();
  c.expectEnd();
  return { type: 'drop_user', names, ifExists, role };
}

const PRIVILEGES: ReadonlySet<string> = new Set([
  'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER', 'USAGE', 'CREATE',
  'CONNECT', 'TEMPORARY', 'TEMP', 'EXECUTE', 'ALL', 'MAINTAIN',
]);

interface PrivilegeClause {
  privileges: string[];
  columns: Record<string, string[]> | null;
  objectType: string;
  objects: string[];
}

/** privileges ON [TABLE] objects — or undefined when this is a role membership (no ON). */
function privilegeClause(c: Cursor): PrivilegeClause | undefined {
  const save = c.pos;
  const privileges: string[] = [];
  let columns: Record<string, string[]> | null = null;
  for (;;) {
    const w = c.word();
    if (w === undefined || !PRIVILEGES.has(w)) {
      c.pos = save;
      return undefined;
    }
    c.pos++;
    if (w === 'ALL') c.accept('PRIVILEGES');
    const p = w === 'TEMP' ? 'TEMPORARY' : w;
    privileges.push(p);
    if (c.acceptPunct('(')) {
      (columns ??= {})[p] = c.identList();
      c.expectPunct(')');
    }
    if (!c.acceptPunct(',')) break;
  }
  if (!c.accept('ON')) {
    c.pos = save;
    return undefined;
  }
  let objectType = 'table';
  if (c.acceptAll('ALL', 'TABLES', 'IN', 'SCHEMA')) objectType = 'all_tables';
  else if (c.accept('TABLE')) objectType = 'table';
  else if (c.accept('SCHEMA')) objectType = 'schema';
  else if (c.accept('DATABASE')) objectType = 'database';
  else if (c.accept('SEQUENCE')) objectType = 'sequence';
  else if (c.accept('FUNCTION')) objectType = 'function';
  const objects = [c.qualifiedName()];
  while (c.acceptPunct(',')) objects.push(c.qualifiedName());
  return { privileges, columns, objectType, objects };
}

function grantees(c: Cursor): string[] {
  const out: string[] = [];
  do {
    c.accept('GROUP');
    out.push(c.ident());
  } while (c.acceptPunct(','));
  return out;
}

export function parseGrant(c: Cursor): GrantNode {
  c.expect('GRANT');
  const priv = privilegeClause(c);
  const roles = priv === undefined ? c.identList() : [];
  c.expect('TO');
  const to = grantees(c);
  const withOption = c.acceptAll('WITH', 'GRANT', 'OPTION') || c.acceptAll('WITH', 'ADMIN', 'OPTION');
  if (c.acceptAll('GRANTED', 'BY')) c.ident();
  c.expectEnd();
  return {
    type: 'grant',
    target: priv === undefined ? 'roles' : 'privileges',
    privileges: priv?.privileges ?? [],
    columns: priv?.columns ?? null,
    objectType: priv?.objectType ?? 'role',
    objects: priv?.objects ?? [],
    roles,
    grantees: to,
    withOption,
  };
}

export function parseRevoke(c: Cursor): RevokeNode {
  c.expect('REVOKE');
  const optionOnly = c.acceptAll('GRANT', 'OPTION', 'FOR') || c.acceptAll('ADMIN', 'OPTION', 'FOR');
  const priv = privilegeClause(c);
  const roles = priv === undefined ? c.identList() : [];
  c.expect('FROM');
  const from = grantees(c);
  if (c.acceptAll('GRANTED', 'BY')) c.ident();
  const cascade = c.accept('CASCADE');
  if (!cascade) c.accept('RESTRICT');
  c.expectEnd();
  return {
    type: 'revoke',
    target: priv === undefined ? 'roles' : 'privileges',
    privileges: priv?.privileges ?? [],
    columns: priv?.columns ?? null,
    objectType: priv?.objectType ?? 'role',
    objects: priv?.objects ?? [],
    roles,
    grantees: from,
    optionOnly,
    cascade,
  };
}
