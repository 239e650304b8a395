// Roles, owners and grants live in the catalog as small meta values, written inside the statement's
// transaction (so they commit, roll back and survive a reopen like everything else):
//   acl:roles          Record<role, RoleInfo>
//   acl:db             { create: grantees }
//   acl:table:<name>   { owner, grants }      (one per table: CREATE TABLE of one never races another's)
// The AccessControl keeper holds the snapshot authorization reads; it reloads it from the latest
// commit after every commit that wrote an acl: value.
import type { AclSnapshot, RoleInfo, TableAcl, TablePrivilege } from '../src/analysis/authorize.js';
import type { ReadView, StorageEngine, WriteTxn } from '../src/storage/ports.js';
import { findTrigger } from '../src/execution/triggers.js';

export const ROLES_KEY = 'acl:roles';
export const DATABASE_KEY = 'acl:db';
export const ACL_PREFIX = 'acl:';
export const tableKey = (table: string): string => `acl:table:${table.toLowerCase()}`;

const OWNER = 'owner';

export function readRoles(view: ReadView): Record<string, RoleInfo> {
  const r = view.getMeta(ROLES_KEY) as Record<string, RoleInfo> | undefined;
  return r ?? {};
}

export function readDatabaseCreate(view: ReadView): string[] {
  const v = view.getMeta(DATABASE_KEY) as { create?: string[] } | undefined;
  return v?.create ?? [];
}

export function readTableAcl(view: ReadView, table: string): TableAcl | undefined {
  return view.getMeta(tableKey(table)) as TableAcl | undefined;
}

/** Names of the views (kept by execution in meta 'views'): privileges apply to them as to tables. */
export function viewNames(view: ReadView): string[] {
  const v = view.getMeta('views');
  return v !== null && typeof v === 'object' ? Object.keys(v) : [];
}

/** True for a table or a view of that name. */
export function relationExists(view: ReadView, name: string): boolean {
  return view.getTable(name) !== undefined || viewNames(view).includes(name.toLowerCase());
}

/** Makes `user` the owner of a newly created table or view, with no grants (a re-created name starts clean). */
export function recordOwner(txn: WriteTxn, table: string, user: string): void {
  txn.setMeta(tableKey(table), { owner: user, grants: {} } satisfies TableAcl);
}

export function writeTableGrants(
  txn: WriteTxn,
  table: string,
  grantee: string,
  privileges: readonly TablePrivilege[],
  grant: boolean,
): void {
  const cur = readTableAcl(txn, table) ?? { owner: OWNER, grants: {} };
  const have = new Set(cur.grants[grantee] ?? []);
  for (const p of privileges) {
    if (grant) have.add(p);
    else have.delete(p);
  }
  const grants: Record<string, readonly TablePrivilege[]> = { ...cur.grants };
  if (have.size === 0) delete grants[grantee];
  else grants[grantee] = [...have].sort();
  txn.setMeta(tableKey(table), { owner: cur.owner, grants } satisfies TableAcl);
}

/** Builds a snapshot from a committed view: every table's owner record, the roles, CREATE grantees. */
export function loadAcl(
  view: ReadView,
  tableOfIndex?: (index: string) => string | undefined,
  tableOfTrigger?: (trigger: string) => string | undefined,
): AclSnapshot {
  const roles = new Map<string, RoleInfo>(Object.entries(readRoles(view)));
  const tables = new Map<string, TableAcl>();
  for (const name of [...view.tables().map((t) => t.name), ...viewNames(view)]) {
    const acl = readTableAcl(view, name);
    if (acl != null) tables.set(name.toLowerCase(), acl);
  }
  return { roles, tables, databaseCreate: readDatabaseCreate(view), tableOfIndex, tableOfTrigger };
}

export class AccessControl {
  readonly #storage: StorageEngine;
  #current: AclSnapshot;
  reloads = 0;

  constructor(storage: StorageEngine) {
    this.#storage = storage;
    this.#current = this.#load();
  }

  get current(): AclSnapshot {
    return this.#current;
  }

  /** Reads the latest commit again (after a commit that changed roles, owners or grants). */
  reload(): void {
    this.#current = this.#load();
    this.reloads++;
  }

  /** The user exists and may log in (the database owner always can). */
  canLogin(user: string): 'ok' | 'missing' | 'nologin' {
    if (user === OWNER) return 'ok';
    const r = this.#current.roles.get(user);
    if (r === undefined) return 'missing';
    return r.login ? 'ok' : 'nologin';
  }

  #load(): AclSnapshot {
    const snap = this.#storage.snapshot();
    try {
      return loadAcl(snap, this.#tableOfIndex, this.#tableOfTrigger);
    } finally {
      snap.release();
    }
  }

  readonly #tableOfTrigger = (trigger: string): string | undefined => {
    const snap = this.#storage.snapshot();
    try {
      return findTrigger(snap, trigger)?.table;
    } finally {
      snap.release();
    }
  };

  readonly #tableOfIndex = (index: string): string | undefined => {
    const snap = this.#storage.snapshot();
    try {
      for (const t of snap.tables()) if (t.indexes.some((i) => i.name.toLowerCase() === index)) return t.name;
      return undefined;
    } finally {
      snap.release();
    }
  };
}

/** CREATE TABLE / VIEW: its creator owns it (a name that exists already keeps its owner). */
export function recordCreator(txn: WriteTxn, kind: string, tablesAccessed: readonly string[], user: string): void {
  if (kind !== 'CREATE_TABLE' && kind !== 'CREATE_VIEW') return;
  const name = tablesAccessed[0];
  if (name === undefined || relationExists(txn, name)) return;
  recordOwner(txn, name, user);
  // Statistics of an earlier table of that name describe other data.
  const stats = `stats:${name.toLowerCase()}`;
  if (txn.getMeta(stats) != null) txn.setMeta(stats, null);
}
