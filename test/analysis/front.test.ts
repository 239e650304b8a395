import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/analyzer.js';
import { innerStatement } from '../../src/analysis/inner.js';

const a = new Analyzer({ rejectUnimplemented: false });
const ast = (sql: string) => {
  const r = a.analyze(sql);
  expect(r).toHaveLength(1);
  return { kind: r[0]!.kind, ast: r[0]!.ast as Record<string, unknown>, s: r[0]! };
};

describe('front-end statements', () => {
  it('transaction control', () => {
    expect(ast('BEGIN')).toMatchObject({ kind: 'BEGIN', ast: { type: 'begin', isolationLevel: null, readOnly: null } });
    expect(ast('START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY').ast).toEqual({
      type: 'begin',
      isolationLevel: 'REPEATABLE READ',
      readOnly: true,
      deferrable: null,
    });
    expect(ast('BEGIN WORK READ WRITE ISOLATION LEVEL SERIALIZABLE').ast).toMatchObject({ isolationLevel: 'SERIALIZABLE', readOnly: false });
    expect(ast('COMMIT').ast).toEqual({ type: 'commit', chain: false });
    expect(ast('END TRANSACTION').kind).toBe('COMMIT');
    expect(ast('ROLLBACK WORK').ast).toEqual({ type: 'rollback', chain: false });
    expect(ast('ABORT').kind).toBe('ROLLBACK');
    expect(ast('SAVEPOINT sp1').ast).toEqual({ type: 'savepoint', name: 'sp1' });
    expect(ast('RELEASE SAVEPOINT "Sp"').ast).toEqual({ type: 'release_savepoint', name: 'Sp' });
    expect(ast('RELEASE sp1').ast).toEqual({ type: 'release_savepoint', name: 'sp1' });
    expect(ast('ROLLBACK TO SAVEPOINT sp1').ast).toEqual({ type: 'rollback_to_savepoint', name: 'sp1' });
    expect(ast('ROLLBACK TRANSACTION TO SP1').ast).toEqual({ type: 'rollback_to_savepoint', name: 'sp1' });
    expect(ast('SET TRANSACTION ISOLATION LEVEL READ COMMITTED').ast).toEqual({
      type: 'set_transaction',
      session: false,
      isolationLevel: 'READ COMMITTED',
      readOnly: null,
      deferrable: null,
    });
    expect(ast('SET TRANSACTION READ ONLY').ast).toMatchObject({ readOnly: true, isolationLevel: null });
    expect(ast('SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE').ast).toMatchObject({ session: true });
  });

  it('rejects a bad isolation level with 42601', () => {
    expect(() => a.analyze('BEGIN ISOLATION LEVEL SOMETIMES')).toThrowError(/syntax error at or near "SOMETIMES"/);
  });

  it('session variables', () => {
    expect(ast('SET statement_timeout TO 5000').ast).toEqual({ type: 'set', name: 'statement_timeout', value: 5000, isDefault: false, local: false });
    expect(ast("SET SESSION application_name = 'x'").ast).toMatchObject({ name: 'application_name', value: 'x' });
    expect(ast('SET LOCAL search_path TO a, "B"').ast).toMatchObject({ value: 'a, B', local: true });
    expect(ast('SET x TO DEFAULT').ast).toMatchObject({ value: null, isDefault: true });
    expect(ast("SET TIME ZONE 'UTC'").ast).toMatchObject({ name: 'timezone', value: 'UTC' });
    expect(ast('SET myapp.flag = on').ast).toMatchObject({ name: 'myapp.flag', value: 'on' });
    expect(ast('SET ROLE Admin').ast).toEqual({ type: 'set', name: 'role', value: 'admin', isDefault: false, local: false });
    expect(ast('SET ROLE NONE').ast).toMatchObject({ name: 'role', value: 'none' });
    expect(ast('SET SESSION AUTHORIZATION bob').ast).toMatchObject({ name: 'session_authorization', value: 'bob' });
    expect(ast('SET SESSION AUTHORIZATION DEFAULT').ast).toMatchObject({ name: 'session_authorization', isDefault: true });
    expect(ast('SHOW search_path').ast).toEqual({ type: 'show', name: 'search_path' });
    expect(ast('SHOW ALL').ast).toEqual({ type: 'show', name: 'all' });
    expect(ast('SHOW TRANSACTION ISOLATION LEVEL').ast).toEqual({ type: 'show', name: 'transaction_isolation' });
    expect(ast('RESET work_mem').ast).toEqual({ type: 'reset', name: 'work_mem' });
    expect(ast('RESET ALL').ast).toEqual({ type: 'reset', name: 'all' });
  });

  it('administration', () => {
    expect(ast('VACUUM').ast).toEqual({ type: 'vacuum', table: null, full: false, analyze: false });
    expect(ast('VACUUM FULL ANALYZE t').ast).toEqual({ type: 'vacuum', table: 't', full: true, analyze: true });
    expect(ast('VACUUM (FULL, ANALYZE false) t').ast).toMatchObject({ full: true, analyze: false });
    expect(ast('ANALYZE').ast).toEqual({ type: 'analyze', table: null });
    expect(ast('ANALYZE T1').ast).toEqual({ type: 'analyze', table: 't1' });
    expect(ast('ANALYZE (VERBOSE) t1').ast).toEqual({ type: 'analyze', table: 't1' });
    expect(ast('PRAGMA page_size').ast).toEqual({ type: 'pragma', name: 'page_size', value: undefined });
    expect(ast('PRAGMA cache_size = -2000').ast).toMatchObject({ name: 'cache_size', value: -2000 });
    expect(ast("PRAGMA table_info('t')").ast).toMatchObject({ name: 'table_info', value: 't' });
    expect(ast('CHECKPOINT').ast).toEqual({ type: 'checkpoint' });
  });

  it('roles', () => {
    expect(ast("CREATE USER alice WITH PASSWORD 'pw' IN ROLE readers, writers").ast).toEqual({
      type: 'create_user',
      name: 'alice',
      options: { password: 'pw', inRoles: ['readers', 'writers'], login: true },
    });
    expect(ast('CREATE ROLE admin NOLOGIN SUPERUSER').ast).toEqual({
      type: 'create_role',
      name: 'admin',
      options: { login: false, superuser: true },
    });
    expect(ast('DROP USER alice').ast).toEqual({ type: 'drop_user', names: ['alice'], ifExists: false, role: false });
    expect(ast('DROP ROLE IF EXISTS a, b').ast).toEqual({ type: 'drop_user', names: ['a', 'b'], ifExists: true, role: true });
  });

  it('GRANT and REVOKE', () => {
    expect(ast('GRANT SELECT, INSERT ON TABLE t, s.u TO alice, PUBLIC WITH GRANT OPTION').ast).toEqual({
      type: 'grant',
      target: 'privileges',
      privileges: ['SELECT', 'INSERT'],
      columns: null,
      objectType: 'table',
      objects: ['t', 's.u'],
      roles: [],
      grantees: ['alice', 'public'],
      withOption: true,
    });
    expect(ast('GRANT ALL PRIVILEGES ON t TO bob').ast).toMatchObject({ privileges: ['ALL'], objects: ['t'] });
    expect(ast('GRANT UPDATE (a, b) ON t TO bob').ast).toMatchObject({ privileges: ['UPDATE'], columns: { UPDATE: ['a', 'b'] } });
    expect(ast('GRANT admin TO alice').ast).toMatchObject({ target: 'roles', roles: ['admin'], grantees: ['alice'] });
    expect(ast('REVOKE DELETE ON t FROM alice CASCADE').ast).toMatchObject({
      type: 'revoke',
      target: 'privileges',
      privileges: ['DELETE'],
      objects: ['t'],
      grantees: ['alice'],
      cascade: true,
      optionOnly: false,
    });
    expect(ast('REVOKE GRANT OPTION FOR SELECT ON t FROM bob').ast).toMatchObject({ optionOnly: true });
    expect(ast('REVOKE admin FROM alice').ast).toMatchObject({ type: 'revoke', target: 'roles', roles: ['admin'] });
    expect(ast('GRANT SELECT ON t TO alice').s.metadata.tablesAccessed).toEqual(['t']);
  });

  it('EXPLAIN wraps the analysed inner statement and carries its lifted values', () => {
    const e = ast('EXPLAIN SELECT * FROM t WHERE a = 5');
    expect(e.kind).toBe('EXPLAIN');
    expect(e.ast).toMatchObject({ type: 'explain', analyze: false, verbose: false, format: 'TEXT' });
    const inner = e.ast['statement'] as { kind: string; ast: { type: string }; userParamCount: number };
    expect(inner.kind).toBe('SELECT');
    expect(inner.ast.type).toBe('select');
    expect(e.s.liftedParams).toEqual([5]);
    expect(e.s.metadata.tablesAccessed).toEqual(['t']);
    const e2 = ast('EXPLAIN ANALYZE VERBOSE SELECT * FROM t WHERE a = 6');
    expect(e2.ast).toMatchObject({ analyze: true, verbose: true });
    expect((e2.ast['statement'] as { ast: unknown }).ast).toBe(inner.ast);
    expect(ast('EXPLAIN (ANALYZE, FORMAT json) DELETE FROM t').ast).toMatchObject({ analyze: true, format: 'JSON' });
    expect(() => a.analyze('EXPLAIN CREATE TABLE x (a INT)')).toThrowError(/syntax error/);
  });

  it('innerStatement unwraps EXPLAIN and PREPARE into a runnable AnalyzedStatement', () => {
    const p = a.analyze("PREPARE q (int) AS SELECT * FROM t WHERE a = $1 AND b = 'x'")[0]!;
    const inner = innerStatement(p)!;
    expect(inner).toMatchObject({ kind: 'SELECT', userParamCount: 1, liftedParams: ['x'], text: "SELECT * FROM t WHERE a = $1 AND b = 'x'" });
    expect(inner.flags.coordinator).toBe('dql');
    expect(inner.shapeKey).toBe('SELECT * FROM t WHERE a = $1 AND b = $2 /*text*/');
    const e = innerStatement(a.analyze('EXPLAIN (ANALYZE) DELETE FROM t WHERE a = 3')[0]!)!;
    expect(e).toMatchObject({ kind: 'DELETE', liftedParams: [3], text: 'DELETE FROM t WHERE a = 3' });
    expect(innerStatement(a.analyze('SELECT 1')[0]!)).toBeUndefined();
  });

  it('ALTER TABLE ... RENAME COLUMN', () => {
    expect(ast('ALTER TABLE t RENAME COLUMN a TO b').ast).toEqual({
      type: 'alter_table',
      action: 'rename_column',
      table: 't',
      ifExists: false,
      column: 'a',
      newName: 'b',
    });
    expect(ast('ALTER TABLE IF EXISTS t RENAME x TO y').ast).toMatchObject({ ifExists: true, column: 'x', newName: 'y' });
    // other ALTER TABLE forms go to node-sql-parser
    expect(ast('ALTER TABLE t ADD COLUMN c INT')).toMatchObject({ kind: 'ALTER_TABLE', ast: { type: 'alter' } });
  });

  it('PREPARE / EXECUTE / DEALLOCATE', () => {
    const p = ast("PREPARE q (INT, VARCHAR(10)) AS SELECT * FROM t WHERE a = $1 AND b = 'x'");
    expect(p.kind).toBe('PREPARE');
    expect(p.ast).toMatchObject({ type: 'prepare', name: 'q', paramTypes: ['INT', 'VARCHAR(10)'] });
    expect(p.ast['statement']).toMatchObject({ kind: 'SELECT', userParamCount: 1 });
    expect(p.s.liftedParams).toEqual(['x']);
    const x = ast("EXECUTE q(1, 'a')");
    expect(x.ast).toMatchObject({ type: 'execute', name: 'q' });
    // arguments are lifted like any literal: EXECUTE q(2, 'b') shares the shape
    expect(x.ast['args']).toMatchObject([{ type: 'var', name: 1 }, { type: 'var', name: 2 }]);
    expect(x.s.liftedParams).toEqual([1, 'a']);
    const y = ast("EXECUTE q(2, 'b')");
    expect(y.s.cacheHit).toBe(true);
    expect(y.s.liftedParams).toEqual([2, 'b']);
    // where the grammar wants a literal, the arguments stay literal
    expect(ast('EXECUTE q(a[1])').ast['args']).toHaveLength(1);
    expect(ast('EXECUTE q(a[1])').s.cacheHit).toBe(true);
    expect(ast('EXECUTE q').ast).toEqual({ type: 'execute', name: 'q', args: [] });
    expect(ast('DEALLOCATE PREPARE q').ast).toEqual({ type: 'deallocate', name: 'q' });
    expect(ast('DEALLOCATE ALL').ast).toEqual({ type: 'deallocate', name: null });
  });

  it('CREATE VIEW / DROP VIEW', () => {
    expect(ast('CREATE VIEW v AS SELECT a FROM t').kind).toBe('CREATE_VIEW');
    expect(ast('DROP VIEW v').kind).toBe('DROP_VIEW');
  });

  it('splits scripts and keeps each statement text', () => {
    const r = a.analyze('BEGIN; INSERT INTO t VALUES (1);; SELECT 1 ; COMMIT;');
    expect(r.map((s) => s.kind)).toEqual(['BEGIN', 'INSERT', 'SELECT', 'COMMIT']);
    expect(r.map((s) => s.text)).toEqual(['BEGIN', 'INSERT INTO t VALUES (1)', 'SELECT 1', 'COMMIT']);
  });
});
