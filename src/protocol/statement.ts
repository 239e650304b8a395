// What analysis hands to the dispatcher: one entry per statement of the text. Lives in protocol/
// because it crosses from the analysis layer into the actors as message data.
import type { SqlValue, ColumnType } from './values.js';

/** The seed's taxonomy (the first 17) and the kinds the engine adds around it. */
export type StatementKind =
  | 'SELECT'
  | 'INSERT'
  | 'UPDATE'
  | 'DELETE'
  | 'CREATE_TABLE'
  | 'CREATE_INDEX'
  | 'DROP_TABLE'
  | 'DROP_INDEX'
  | 'ALTER_TABLE'
  | 'BEGIN'
  | 'COMMIT'
  | 'ROLLBACK'
  | 'GRANT'
  | 'REVOKE'
  | 'ANALYZE'
  | 'VACUUM'
  | 'PRAGMA'
  // engine additions
  | 'SAVEPOINT'
  | 'RELEASE_SAVEPOINT'
  | 'ROLLBACK_TO_SAVEPOINT'
  | 'SET_TRANSACTION'
  | 'SET'
  | 'SHOW'
  | 'RESET'
  | 'EXPLAIN'
  | 'CREATE_VIEW'
  | 'DROP_VIEW'
  | 'CREATE_USER'
  | 'CREATE_ROLE'
  | 'DROP_USER'
  | 'PREPARE'
  | 'EXECUTE'
  | 'DEALLOCATE'
  | 'CHECKPOINT'
  | 'CREATE_TRIGGER'
  | 'DROP_TRIGGER'
  | 'REINDEX';

export type CoordinatorName = 'dql' | 'dml' | 'ddl' | 'tcl' | 'dcl' | 'admin';

/** One row of the classification table (like MySQL's sql_command_flags). */
export interface KindFlags {
  readonly coordinator: CoordinatorName;
  readonly reads: boolean;
  readonly writesData: boolean;
  readonly changesSchema: boolean;
  readonly transactionControl: boolean;
  readonly exclusiveSchemaLock: boolean;
  readonly allowedReadOnly: boolean;
  readonly allowedInAbortedTxn: boolean;
  readonly cacheable: boolean;
  /** False while the engine does not implement the kind: analysis answers 0A000. */
  readonly implemented: boolean;
}

export type Complexity = 'simple' | 'moderate' | 'complex' | 'very_complex';

/** The seed's QueryMetadata, derived from the AST (and the catalog where it matters). */
export interface StatementMetadata {
  readonly tablesAccessed: readonly string[];
  readonly isReadOnly: boolean;
  readonly isTransactional: boolean;
  readonly complexity: Complexity;
  /** Rough relative cost before planning (tables × joins × subqueries); the planner refines it. */
  readonly estimatedCost: number;
  /** Lock modes the statement needs, e.g. ['IS:t'] or ['IX:t', 'X:schema']. */
  readonly requiredLocks: readonly string[];
}

/** Types of literals lifted out of the text by the shape tokenizer. */
export type LiteralType = 'integer' | 'numeric' | 'text' | 'boolean' | 'null' | 'bytea';

export interface AnalyzedStatement {
  readonly kind: StatementKind;
  readonly flags: KindFlags;
  /** node-sql-parser's AST (postgresql) or a front-end node { type: '...', ... } for what it lacks. */
  readonly ast: unknown;
  /** Normalized text with literals replaced by placeholders: the key of parse and plan caches. */
  readonly shapeKey: string;
  /** Values lifted from the text, appended after the user's own parameters ($k+1 ...). */
  readonly liftedParams: readonly SqlValue[];
  readonly liftedTypes: readonly LiteralType[];
  /** Number of user parameters ($1..$n, or ? rewritten) the statement expects. */
  readonly userParamCount: number;
  /** The statement's own text (one statement of a script). */
  readonly text: string;
  readonly metadata: StatementMetadata;
  /** True when the parse came from the shape cache. */
  readonly cacheHit: boolean;
}

export type { ColumnType };
