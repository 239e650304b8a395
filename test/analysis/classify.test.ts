import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/analyzer.js';
import { KIND_FLAGS, STATEMENT_KINDS } from '../../src/analysis/kind-flags.js';
import { DispatcherError } from '../../src/api/errors.js';
import type { StatementKind } from '../../src/analysis/types.js';

// One statement of every kind.
const EXAMPLES: Record<StatementKind, string> = {
  SELECT: 'SELECT a FROM t',
  INSERT: 'INSERT INTO t (a) VALUES (1)',
  UPDATE: 'UPDATE t SET a = 1',
  DELETE: 'DELETE FROM t WHERE a = 1',
  CREATE_TABLE: 'CREATE TABLE t (a INT PRIMARY KEY)',
  CREATE_INDEX: 'CREATE INDEX i ON t (a)',
  DROP_TABLE: 'DROP TABLE t',
  DROP_INDEX: 'DROP INDEX i',
  ALTER_TABLE: 'ALTER TABLE t ADD COLUMN b INT',
  BEGIN: 'BEGIN',
  COMMIT: 'COMMIT',
  ROLLBACK: 'ROLLBACK',
  GRANT: 'GRANT SELECT ON t TO u',
  REVOKE: 'REVOKE SELECT ON t FROM u',
  ANALYZE: 'ANALYZE t',
  VACUUM: 'VACUUM',
  PRAGMA: 'PRAGMA page_size',
  SAVEPOINT: 'SAVEPOINT s',
  RELEASE_SAVEPOINT: 'RELEASE SAVEPOINT s',
  ROLLBACK_TO_SAVEPOINT: 'ROLLBACK TO SAVEPOINT s',
  SET_TRANSACTION: 'SET TRANSACTION READ ONLY',
  SET: 'SET x = 1',
  SHOW: 'SHOW x',
  RESET: 'RESET x',
  EXPLAIN: 'EXPLAIN SELECT 1',
  CREATE_VIEW: 'CREATE VIEW v AS SELECT a FROM t',
  DROP_VIEW: 'DROP VIEW v',
  CREATE_USER: 'CREATE USER u',
  CREATE_ROLE: 'CREATE ROLE r',
  DROP_USER: 'DROP USER u',
  PREPARE: 'PREPARE p AS SELECT 1',
  EXECUTE: 'EXECUTE p',
  DEALLOCATE: 'DEALLOCATE p',
  CHECKPOINT: 'CHECKPOINT',
  CREATE_TRIGGER: 'CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM u; END',
  DROP_TRIGGER: 'DROP TRIGGER tr',
  REINDEX: 'REINDEX t',
};

function fail(sql: string, a = new Analyzer()): DispatcherError {
  try {
    a.analyze(sql);
  } catch (e) {
    expect(e).toBeInstanceOf(DispatcherError);
    return e as DispatcherError;
  }
  throw new Error(`expected ${sql} to fail`);
}

describe('classification', () => {
  const all = new Analyzer({ rejectUnimplemented: false });

  it.each(STATEMENT_KINDS.map((k) => [k, EXAMPLES[k]] as const))('%s <- %s', (kind, sql) => {
    const [s] = all.analyze(sql);
    expect(s!.kind).toBe(kind);
    expect(s!.flags).toBe(KIND_FLAGS[kind]);
  });

  it('has a flag row for every kind, with a coordinator', () => {
    for (const k of STATEMENT_KINDS) expect(['dql', 'dml', 'ddl', 'tcl', 'dcl', 'admin']).toContain(KIND_FLAGS[k].coordinator);
    expect(Object.keys(EXAMPLES).sort()).toEqual([...STATEMENT_KINDS].sort());
  });

  it('flags agree with the kinds', () => {
    expect(KIND_FLAGS.SELECT).toMatchObject({ coordinator: 'dql', reads: true, writesData: false, allowedReadOnly: true, cacheable: true });
    expect(KIND_FLAGS.INSERT).toMatchObject({ coordinator: 'dml', writesData: true, allowedReadOnly: false });
    expect(KIND_FLAGS.CREATE_TABLE).toMatchObject({ coordinator: 'ddl', changesSchema: true, exclusiveSchemaLock: true });
    expect(KIND_FLAGS.ROLLBACK).toMatchObject({ coordinator: 'tcl', transactionControl: true, allowedInAbortedTxn: true });
    expect(KIND_FLAGS.ROLLBACK_TO_SAVEPOINT.allowedInAbortedTxn).toBe(true);
    expect(KIND_FLAGS.SAVEPOINT.allowedInAbortedTxn).toBe(false);
    expect(KIND_FLAGS.SELECT.allowedInAbortedTxn).toBe(false);
    expect(KIND_FLAGS.GRANT.coordinator).toBe('dcl');
    expect(KIND_FLAGS.VACUUM.coordinator).toBe('admin');
  });

  it('answers 0A000 for kinds not implemented yet, unless asked not to', () => {
    const strict = new Analyzer();
    for (const k of STATEMENT_KINDS) {
      if (KIND_FLAGS[k].implemented) expect(strict.analyze(EXAMPLES[k])[0]!.kind).toBe(k);
      else expect(fail(EXAMPLES[k], strict).sqlState).toBe('0A000');
    }
  });

  it('answers 0A000 for statement types with no kind', () => {
    for (const [sql, what] of [
      ['COPY t FROM STDIN', 'COPY'],
      ['CREATE SEQUENCE s', 'CREATE SEQUENCE'],
      ['ALTER VIEW v RENAME TO w', 'ALTER VIEW'],
      ['SELECT a INTO t2 FROM t', 'SELECT INTO'],
    ] as const) {
      const e = fail(sql, all);
      expect(e.sqlState).toBe('0A000');
      expect(e.message).toBe(`${what} is not supported`);
    }
  });

  it('TRUNCATE of one table is a DELETE of every row', () => {
    const [st] = all.analyze('TRUNCATE TABLE t');
    expect(st!.kind).toBe('DELETE');
    expect((st!.ast as { where?: unknown }).where ?? null).toBeNull();
  });

  it('a trigger body does not split the script (a CASE ... END in it neither)', () => {
    const sts = all.analyze(
      'CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM u; SELECT CASE WHEN 1 = 1 THEN 2 END; END; SELECT 1',
    );
    expect(sts.map((st) => st.kind)).toEqual(['CREATE_TRIGGER', 'SELECT']);
    const node = sts[0]!.ast as { body: { kind: string }[] };
    expect(node.body.map((b) => b.kind)).toEqual(['DELETE', 'SELECT']);
  });

  it('REPLACE INTO and INSERT OR x are INSERTs carrying the conflict clause', () => {
    const [r] = all.analyze('REPLACE INTO t VALUES (1)');
    expect(r!.kind).toBe('INSERT');
    expect((r!.ast as { or?: string }).or).toBe('replace');
    const [i] = all.analyze('INSERT OR IGNORE INTO t VALUES (1)');
    expect((i!.ast as { or?: string }).or).toBe('ignore');
    expect(i!.shapeKey).not.toBe(all.analyze('INSERT INTO t VALUES (1)')[0]!.shapeKey);
    expect(fail('INSERT OR NOTHING INTO t VALUES (1)', all).sqlState).toBe('42601');
  });
});

describe('syntax errors', () => {
  it('42601 at the offending token of the original text', () => {
    const e = fail('SELECT * FRM t');
    expect(e.sqlState).toBe('42601');
    expect(e.position).toBe(10);
    expect(e.message).toContain('syntax error at or near "FRM"');
    expect(e.detail).toContain('LINE 1: SELECT * FRM t');
  });

  it('maps positions back through lifting, case folding and whitespace', () => {
    const sql = "select  *\n  from t   where a = 'long literal value'  and  b = 42 oops";
    const e = fail(sql);
    expect(e.position).toBe(sql.indexOf('oops') + 1);
    expect(e.message).toContain('"oops"');
    expect(e.detail).toContain('LINE 2:');
  });

  it('reports the end of input', () => {
    const e = fail('SELECT * FROM t WHERE');
    expect(e.message).toContain('at end of input');
    expect(e.position).toBe(22);
  });

  it('positions count from the start of a script', () => {
    const sql = 'SELECT 1; SELECT 2 +; SELECT 3';
    const e = fail(sql);
    // PostgreSQL points just past the incomplete statement (at its `;`)
    expect(e.position).toBe(sql.indexOf('+;') + 2);
  });

  it('positions inside EXPLAIN and PREPARE point into the whole text', () => {
    expect(fail('EXPLAIN SELECT * FRM t').position).toBe(18);
    expect(fail('PREPARE p AS SELECT * FRM t').position).toBe(23);
  });

  it('front parsers report the token too', () => {
    const e = fail('SAVEPOINT');
    expect(e.sqlState).toBe('42601');
    expect(e.message).toContain('end of input');
    const f = fail('RELEASE SAVEPOINT a b');
    expect(f.position).toBe(21);
  });

  it('the grammar\'s own rejections are 42601 too', () => {
    const e = fail('SELECT 1; SELECT SELECT count(*) FROM t');
    expect(e.sqlState).toBe('42601');
    expect(e.position).toBe(11);
  });

  it('a GRANT or REVOKE the grammar reads but the front parser refuses is 42601, not a tree execution cannot read', () => {
    // 'GRANTALL' parses as GRANT ALL in the grammar; the DCL coordinator failed on it with XX000 (found by the fuzzer)
    expect(fail('GRANTALL ON t TO alice').sqlState).toBe('42601');
    expect(fail('REVOKEALL ON t FROM alice').sqlState).toBe('42601');
  });

  it('deep or long input is an error, not a crash', () => {
    const deep = 'SELECT ' + '('.repeat(20000) + '1' + ')'.repeat(20000);
    const e = fail(deep);
    expect(['54001', '54000', '42601']).toContain(e.sqlState);
    const small = new Analyzer({ maxTextLength: 100 });
    expect(fail('SELECT ' + 'a'.repeat(200), small).sqlState).toBe('54000');
  });
});
