// Statement kind of an AST: node-sql-parser's nodes by type and keyword, front-end nodes by their
// type (which is the kind in lower case). A statement with no kind is 0A000, never a crash.
import { DispatcherError, SqlState } from '../api/errors.js';
import { KIND_FLAGS } from './kind-flags.js';
import type { StatementKind } from './types.js';

const FRONT_KINDS: Readonly<Record<string, StatementKind>> = {
  begin: 'BEGIN',
  commit: 'COMMIT',
  rollback: 'ROLLBACK',
  savepoint: 'SAVEPOINT',
  release_savepoint: 'RELEASE_SAVEPOINT',
  rollback_to_savepoint: 'ROLLBACK_TO_SAVEPOINT',
  set_transaction: 'SET_TRANSACTION',
  set: 'SET',
  show: 'SHOW',
  reset: 'RESET',
  vacuum: 'VACUUM',
  analyze: 'ANALYZE',
  pragma: 'PRAGMA',
  checkpoint: 'CHECKPOINT',
  create_user: 'CREATE_USER',
  create_role: 'CREATE_ROLE',
  drop_user: 'DROP_USER',
  grant: 'GRANT',
  revoke: 'REVOKE',
  explain: 'EXPLAIN',
  alter_table: 'ALTER_TABLE',
  prepare: 'PREPARE',
  execute: 'EXECUTE',
  deallocate: 'DEALLOCATE',
  create_trigger: 'CREATE_TRIGGER',
  drop_trigger: 'DROP_TRIGGER',
  reindex: 'REINDEX',
};

/** Kind of a front-end node; throws 0A000 for an unknown type. */
export function kindOfFront(type: string): StatementKind {
  const k = FRONT_KINDS[type];
  if (k === undefined) throw unsupported(type.toUpperCase().replace(/_/g, ' '));
  return k;
}

function unsupported(what: string): DispatcherError {
  return new DispatcherError(SqlState.FeatureNotSupported, `${what} is not supported`);
}

/** Kind of one node-sql-parser (postgresql) statement AST. */
export function kindOfAst(ast: unknown): StatementKind {
  if (typeof ast !== 'object' || ast === null) throw unsupported('this statement');
  const node = ast as Record<string, unknown>;
  const type = typeof node['type'] === 'string' ? (node['type'] as string) : '';
  const keyword = typeof node['keyword'] === 'string' ? (node['keyword'] as string).toLowerCase() : '';
  switch (type) {
    case 'select': {
      // SELECT ... INTO t creates a table (CREATE TABLE AS), which the engine does not do
      const into = node['into'] as { expr?: unknown } | null | undefined;
      if (into !== null && into !== undefined && into.expr !== undefined && into.expr !== null) throw unsupported('SELECT INTO');
      return 'SELECT';
    }
    case 'insert':
      return 'INSERT';
    case 'update':
      return 'UPDATE';
    case 'delete':
      return 'DELETE';
    case 'create':
      if (keyword === 'table') return 'CREATE_TABLE';
      if (keyword === 'index') return 'CREATE_INDEX';
      if (keyword === 'view') return 'CREATE_VIEW';
      throw unsupported(`CREATE ${keyword.toUpperCase()}`.trim());
    case 'drop':
      if (keyword === 'table') return 'DROP_TABLE';
      if (keyword === 'index') return 'DROP_INDEX';
      if (keyword === 'view') return 'DROP_VIEW';
      throw unsupported(`DROP ${keyword.toUpperCase()}`.trim());
    case 'alter':
      if (keyword === 'table') return 'ALTER_TABLE';
      throw unsupported(`ALTER ${keyword.toUpperCase()}`.trim());
    case 'grant':
    case 'revoke':
      // GRANT and REVOKE are the front parser's; the grammar's tree reaches here only for a
      // spelling the front refused (a glued 'GRANTALL'), which execution cannot read
      throw new DispatcherError(SqlState.SyntaxError, `syntax error in ${type.toUpperCase()}`);
    case 'show':
      return 'SHOW';
    case 'set':
      return 'SET';
    case 'transaction': {
      const expr = node['expr'] as Record<string, unknown> | undefined;
      const action = expr?.['action'] as { value?: unknown } | undefined;
      const a = String(action?.value ?? '').toLowerCase();
      if (a === 'begin' || a === 'start') return 'BEGIN';
      if (a === 'commit' || a === 'end') return 'COMMIT';
      if (a === 'rollback' || a === 'abort') return 'ROLLBACK';
      throw unsupported(`transaction statement ${a}`);
    }
  }
  throw unsupported(type.length > 0 ? type.toUpperCase().replace(/_/g, ' ') : 'this statement');
}

/** Kind of any statement AST the analyser produces (front node or node-sql-parser's). */
export function classify(ast: unknown, front: boolean): StatementKind {
  if (front) return kindOfFront((ast as { type: string }).type);
  return kindOfAst(ast);
}

export { KIND_FLAGS };
