// Random GRANT / REVOKE (of privileges and of role membership) interleaved with random statements
// by random users: an unauthorized read or write never succeeds (42501, and the data is unchanged),
// and every authorized one does. The expectation comes from a small model of the ACL.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Database } from '../src/api/database.js';
import { DispatcherError } from '../src/api/errors.js';
import type { Session } from '../src/api/session.js';

type Priv = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';
const PRIVS: readonly Priv[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];
const TABLES = ['t1', 't2'] as const;
const USERS = ['u1', 'u2', 'u3'] as const;
const ROLES = ['r1', 'r2'] as const; // r2 is a member of r1
const GRANTEES = [...USERS, ...ROLES, 'public'] as const;

type Table = (typeof TABLES)[number];
type User = (typeof USERS)[number];
type Role = (typeof ROLES)[number];

type Cmd =
  | { op: 'grant' | 'revoke'; privs: readonly (Priv | 'ALL')[]; table: Table; grantee: (typeof GRANTEES)[number] }
  | { op: 'grantRole' | 'revokeRole'; role: Role; user: User }
  | { op: 'stmt'; user: User; stmt: StmtKind; table: Table };

type StmtKind = 'select' | 'insert' | 'updateAll' | 'updateWhere' | 'deleteWhere' | 'deleteAll' | 'join' | 'insertSelect';

class Model {
  readonly grants = new Map<string, Set<Priv>>(); // `${table}:${grantee}`
  readonly members = new Map<User, Set<Role>>(USERS.map((u) => [u, new Set<Role>()]));

  roles(user: User): Set<string> {
    const out = new Set<string>([user, 'public']);
    for (const r of this.members.get(user) ?? []) {
      out.add(r);
      if (r === 'r2') out.add('r1');
    }
    return out;
  }

  has(user: User, table: Table, p: Priv): boolean {
    for (const g of this.roles(user)) if (this.grants.get(`${table}:${g}`)?.has(p) === true) return true;
    return false;
  }

  /** Privileges the statement needs, as (table, privilege) pairs. */
  needs(stmt: StmtKind, table: Table): [Table, Priv][] {
    const other: Table = table === 't1' ? 't2' : 't1';
    switch (stmt) {
      case 'select':
        return [[table, 'SELECT']];
      case 'insert':
        return [[table, 'INSERT']];
      case 'updateAll':
        return [[table, 'UPDATE']];
      case 'updateWhere':
        return [
          [table, 'UPDATE'],
          [table, 'SELECT'],
        ];
      case 'deleteWhere':
        return [
          [table, 'DELETE'],
          [table, 'SELECT'],
        ];
      case 'deleteAll':
        return [[table, 'DELETE']];
      case 'join':
        return [
          [table, 'SELECT'],
          [other, 'SELECT'],
        ];
      case 'insertSelect':
        return [
          [table, 'INSERT'],
          [other, 'SELECT'],
        ];
    }
  }

  allowed(user: User, stmt: StmtKind, table: Table): boolean {
    return this.needs(stmt, table).every(([t, p]) => this.has(user, t, p));
  }

  apply(cmd: Cmd): void {
    if (cmd.op === 'grant' || cmd.op === 'revoke') {
      const key = `${cmd.table}:${cmd.grantee}`;
      const set = this.grants.get(key) ?? new Set<Priv>();
      for (const p of cmd.privs.flatMap((x) => (x === 'ALL' ? PRIVS : [x]))) {
        if (cmd.op === 'grant') set.add(p);
        else set.delete(p);
      }
      this.grants.set(key, set);
    } else if (cmd.op === 'grantRole') this.members.get(cmd.user)?.add(cmd.role);
    else if (cmd.op === 'revokeRole') this.members.get(cmd.user)?.delete(cmd.role);
  }
}

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 3, arbitrary: fc.record({
    op: fc.constantFrom('grant' as const, 'revoke' as const),
    privs: fc.subarray(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'ALL'] as (Priv | 'ALL')[], { minLength: 1 }),
    table: fc.constantFrom(...TABLES),
    grantee: fc.constantFrom(...GRANTEES),
  }) },
  { weight: 1, arbitrary: fc.record({
    op: fc.constantFrom('grantRole' as const, 'revokeRole' as const),
    role: fc.constantFrom(...ROLES),
    user: fc.constantFrom(...USERS),
  }) },
  { weight: 5, arbitrary: fc.record({
    op: fc.constant('stmt' as const),
    user: fc.constantFrom(...USERS),
    stmt: fc.constantFrom<StmtKind>('select', 'insert', 'updateAll', 'updateWhere', 'deleteWhere', 'deleteAll', 'join', 'insertSelect'),
    table: fc.constantFrom(...TABLES),
  }) },
);

function sqlOf(stmt: StmtKind, table: Table, id: number): string {
  const other = table === 't1' ? 't2' : 't1';
  switch (stmt) {
    case 'select':
      return `SELECT count(*) FROM ${table}`;
    case 'insert':
      return `INSERT INTO ${table} VALUES (${id}, 'n')`;
    case 'updateAll':
      return `UPDATE ${table} SET v = 'u${id}'`;
    case 'updateWhere':
      return `UPDATE ${table} SET v = 'w${id}' WHERE id = 1`;
    case 'deleteWhere':
      return `DELETE FROM ${table} WHERE id = -${id}`;
    case 'deleteAll':
      return `DELETE FROM ${table}`;
    case 'join':
      return `SELECT count(*) FROM ${table} a JOIN ${other} b ON a.id = b.id`;
    case 'insertSelect':
      return `INSERT INTO ${table} SELECT id + ${id}, v FROM ${other} WHERE id = 1`;
  }
}

/** Everything in both tables, as the owner sees it. */
async function contents(owner: Session): Promise<unknown> {
  return [(await owner.execute('SELECT * FROM t1 ORDER BY id')).rows, (await owner.execute('SELECT * FROM t2 ORDER BY id')).rows];
}

describe('access control against a model of the ACL', () => {
  it('no unauthorized statement succeeds and every authorized one does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmdArb, { minLength: 20, maxLength: 50 }), async (cmds) => {
        const db = await Database.open(':memory:');
        try {
          const owner = await db.connect();
          await owner.execute(
            "CREATE TABLE t1 (id INTEGER PRIMARY KEY, v TEXT); CREATE TABLE t2 (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t1 VALUES (1, 'a'); INSERT INTO t2 VALUES (1, 'b')",
          );
          await owner.execute('CREATE ROLE r1; CREATE ROLE r2 IN ROLE r1; CREATE USER u1; CREATE USER u2; CREATE USER u3');
          const sessions = new Map<User, Session>();
          for (const u of USERS) sessions.set(u, await db.connect({ user: u }));
          const model = new Model();
          let nextId = 1000;
          for (const cmd of cmds) {
            if (cmd.op === 'grant' || cmd.op === 'revoke') {
              const list = cmd.privs.join(', ');
              await owner.execute(
                cmd.op === 'grant'
                  ? `GRANT ${list} ON ${cmd.table} TO ${cmd.grantee}`
                  : `REVOKE ${list} ON ${cmd.table} FROM ${cmd.grantee}`,
              );
              model.apply(cmd);
              continue;
            }
            if (cmd.op === 'grantRole' || cmd.op === 'revokeRole') {
              await owner.execute(cmd.op === 'grantRole' ? `GRANT ${cmd.role} TO ${cmd.user}` : `REVOKE ${cmd.role} FROM ${cmd.user}`);
              model.apply(cmd);
              continue;
            }
            if (cmd.op !== 'stmt') continue;
            const id = (nextId += 1000);
            const sql = sqlOf(cmd.stmt, cmd.table, id);
            const s = sessions.get(cmd.user) as Session;
            const expected = model.allowed(cmd.user, cmd.stmt, cmd.table);
            if (expected) {
              await s.execute(sql); // an authorized statement must succeed
            } else {
              const before = await contents(owner);
              let error: unknown = null;
              try {
                await s.execute(sql);
              } catch (e) {
                error = e;
              }
              expect(error, `${cmd.user}: ${sql} should be refused`).toBeInstanceOf(DispatcherError);
              expect((error as DispatcherError).sqlState).toBe('42501');
              expect(await contents(owner)).toEqual(before);
            }
          }
        } finally {
          await db.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
