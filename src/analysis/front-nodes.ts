// AST nodes of the statements the analyser parses itself (node-sql-parser's postgresql grammar
// lacks them or gives an awkward shape). Each has `type` = its StatementKind in lower case.
// Identifiers are folded as PostgreSQL folds them: unquoted to lower case, quoted as written.
// Like every AST the analyser hands out, these are shared through the parse cache: immutable.
import type { SqlValue } from '../storage/ports.js';
import type { LiteralType, StatementKind, StatementMetadata } from './types.js';

export type IsolationLevel = 'READ UNCOMMITTED' | 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';

/** Transaction modes of BEGIN / START TRANSACTION / SET TRANSACTION; null where not given. */
export interface TransactionModes {
  readonly isolationLevel: IsolationLevel | null;
  readonly readOnly: boolean | null;
  readonly deferrable: boolean | null;
}

export interface BeginNode extends TransactionModes {
  readonly type: 'begin';
}
export interface CommitNode {
  readonly type: 'commit';
  readonly chain: boolean;
}
export interface RollbackNode {
  readonly type: 'rollback';
  readonly chain: boolean;
}
export interface SavepointNode {
  readonly type: 'savepoint';
  readonly name: string;
}
export interface ReleaseSavepointNode {
  readonly type: 'release_savepoint';
  readonly name: string;
}
export interface RollbackToSavepointNode {
  readonly type: 'rollback_to_savepoint';
  readonly name: string;
}
export interface SetTransactionNode extends TransactionModes {
  readonly type: 'set_transaction';
  /** SET SESSION CHARACTERISTICS AS TRANSACTION: the session default, not this transaction. */
  readonly session: boolean;
}
export interface SetNode {
  readonly type: 'set';
  /** Lower-case variable name (`SET TIME ZONE` sets 'timezone'). */
  readonly name: string;
  /** The value; a list (`SET search_path TO a, b`) as 'a, b'; null for DEFAULT. */
  readonly value: SqlValue;
  readonly isDefault: boolean;
  /** SET LOCAL: until the end of the transaction. */
  readonly local: boolean;
}
export interface ShowNode {
  readonly type: 'show';
  /** Lower-case name; 'all' for SHOW ALL; 'transaction_isolation' for SHOW TRANSACTION ISOLATION LEVEL. */
  readonly name: string;
}
export interface ResetNode {
  readonly type: 'reset';
  /** Lower-case name, 'all' for RESET ALL. */
  readonly name: string;
}
export interface VacuumNode {
  readonly type: 'vacuum';
  readonly table: string | null;
  readonly full: boolean;
  readonly analyze: boolean;
}
export interface AnalyzeNode {
  readonly type: 'analyze';
  readonly table: string | null;
}
export interface PragmaNode {
  readonly type: 'pragma';
  readonly name: string;
  /** undefined when the pragma is read (`PRAGMA name`). */
  readonly value: SqlValue | undefined;
}
export interface CheckpointNode {
  readonly type: 'checkpoint';
}

/** Options of CREATE USER / CREATE ROLE (absent when not written). */
export interface RoleOptions {
  readonly login?: boolean;
  readonly superuser?: boolean;
  readonly createdb?: boolean;
  readonly createrole?: boolean;
  readonly inherit?: boolean;
  /** PASSWORD 'x'; null for PASSWORD NULL. */
  readonly password?: string | null;
  readonly connectionLimit?: number;
  readonly validUntil?: string;
  /** IN ROLE a, b: roles the new role becomes a member of. */
  readonly inRoles?: readonly string[];
  /** ROLE a, b: roles that become members of the new role. */
  readonly roles?: readonly string[];
  readonly admins?: readonly string[];
}
export interface CreateUserNode {
  readonly type: 'create_user';
  readonly name: string;
  readonly options: RoleOptions;
}
export interface CreateRoleNode {
  readonly type: 'create_role';
  readonly name: string;
  readonly options: RoleOptions;
}
/** DROP USER and DROP ROLE (one kind: users are roles that can log in). */
export interface DropUserNode {
  readonly type: 'drop_user';
  readonly names: readonly string[];
  readonly ifExists: boolean;
  /** True when written DROP ROLE. */
  readonly role: boolean;
}

/** Upper-case privilege names: SELECT INSERT UPDATE DELETE TRUNCATE REFERENCES TRIGGER USAGE ... or ALL. */
export type Privilege = string;

/** GRANT privileges ON objects TO grantees, or GRANT role TO grantees (membership). */
export interface GrantNode {
  readonly type: 'grant';
  readonly target: 'privileges' | 'roles';
  /** target 'privileges': upper-case privileges (ALL PRIVILEGES is 'ALL'). */
  readonly privileges: readonly Privilege[];
  /** Column lists per privilege when given: SELECT (a, b). */
  readonly columns: Readonly<Record<Privilege, readonly string[]>> | null;
  /** 'table' (ON [TABLE] t), 'all_tables' (ON ALL TABLES IN SCHEMA s: objects are schemas), 'schema', 'database', ... */
  readonly objectType: string;
  readonly objects: readonly string[];
  /** target 'roles': the granted roles. */
  readonly roles: readonly string[];
  /** Lower-case role names; PUBLIC is 'public'. */
  readonly grantees: readonly string[];
  /** WITH GRANT OPTION / WITH ADMIN OPTION. */
  readonly withOption: boolean;
}
export interface RevokeNode {
  readonly type: 'revoke';
  readonly target: 'privileges' | 'roles';
  readonly privileges: readonly Privilege[];
  readonly columns: Readonly<Record<Privilege, readonly string[]>> | null;
  readonly objectType: string;
  readonly objects: readonly string[];
  readonly roles: readonly string[];
  readonly grantees: readonly string[];
  /** REVOKE GRANT OPTION FOR / ADMIN OPTION FOR. */
  readonly optionOnly: boolean;
  readonly cascade: boolean;
}

/** A statement nested in EXPLAIN or PREPARE, analysed like a top-level one. */
export interface InnerStatement {
  readonly kind: StatementKind;
  readonly ast: unknown;
  readonly metadata: StatementMetadata;
  /** Its own placeholders ($1..$n); lifted literals follow them (carried by the outer statement). */
  readonly userParamCount: number;
  readonly shapeKey: string;
}

export interface ExplainNode {
  readonly type: 'explain';
  readonly analyze: boolean;
  readonly verbose: boolean;
  /** FORMAT option in upper case (TEXT when not given). */
  readonly format: string;
  /** Other options of EXPLAIN (...) as written, lower-case names. */
  readonly options: Readonly<Record<string, string | boolean>>;
  readonly statement: InnerStatement;
}

export interface AlterTableRenameColumnNode {
  readonly type: 'alter_table';
  readonly action: 'rename_column';
  readonly table: string;
  readonly ifExists: boolean;
  readonly column: string;
  readonly newName: string;
}

export interface PrepareNode {
  readonly type: 'prepare';
  readonly name: string;
  /** Declared parameter types as written, upper-cased (may be fewer than the statement uses). */
  readonly paramTypes: readonly string[];
  readonly statement: InnerStatement;
}
export interface ExecuteNode {
  readonly type: 'execute';
  readonly name: string;
  /** Argument expressions (node-sql-parser expression ASTs). */
  readonly args: readonly unknown[];
}
export interface DeallocateNode {
  readonly type: 'deallocate';
  /** null for DEALLOCATE ALL. */
  readonly name: string | null;
}

/**
 * A statement of a trigger body, or its WHEN condition as `SELECT <condition>`, analysed like a
 * top-level statement. Its lifted literals travel with it as $1..$n (params, paramTypes);
 * NEW.col / OLD.col stay column references of tables `new` / `old` (execution binds them).
 */
export interface TriggerStatement {
  readonly kind: StatementKind;
  readonly ast: unknown;
  readonly params: readonly SqlValue[];
  readonly paramTypes: readonly LiteralType[];
}
export type TriggerTiming = 'BEFORE' | 'AFTER' | 'INSTEAD OF';
export type TriggerEvent = 'INSERT' | 'UPDATE' | 'DELETE';
/** CREATE [TEMP] TRIGGER [IF NOT EXISTS] name [BEFORE | AFTER | INSTEAD OF] event [OR event]
 *  [OF cols] ON table [FOR EACH ROW] [WHEN cond] BEGIN stmt; ... END (SQLite's form). */
export interface CreateTriggerNode {
  readonly type: 'create_trigger';
  readonly name: string;
  readonly ifNotExists: boolean;
  readonly temporary: boolean;
  /** BEFORE when not written (as SQLite). */
  readonly timing: TriggerTiming;
  readonly events: readonly TriggerEvent[];
  /** UPDATE OF a, b: fires only for UPDATEs that assign one of these; null for every UPDATE. */
  readonly columns: readonly string[] | null;
  readonly table: string;
  readonly when: TriggerStatement | null;
  readonly body: readonly TriggerStatement[];
  /** The statement as written (kept in the catalog for display). */
  readonly text: string;
}
/** DROP TRIGGER [IF EXISTS] name [ON table]. */
export interface DropTriggerNode {
  readonly type: 'drop_trigger';
  readonly name: string;
  readonly ifExists: boolean;
  readonly table: string | null;
}
/** REINDEX [INDEX | TABLE | DATABASE | SCHEMA | SYSTEM] [name]: without a keyword the name may
 *  be an index or a table (SQLite's form); no name at all rebuilds every index. */
export interface ReindexNode {
  readonly type: 'reindex';
  readonly target: 'index' | 'table' | 'database' | 'schema' | 'system' | null;
  readonly name: string | null;
}

export type FrontNode =
  | CreateTriggerNode
  | DropTriggerNode
  | ReindexNode
  | BeginNode
  | CommitNode
  | RollbackNode
  | SavepointNode
  | ReleaseSavepointNode
  | RollbackToSavepointNode
  | SetTransactionNode
  | SetNode
  | ShowNode
  | ResetNode
  | VacuumNode
  | AnalyzeNode
  | PragmaNode
  | CheckpointNode
  | CreateUserNode
  | CreateRoleNode
  | DropUserNode
  | GrantNode
  | RevokeNode
  | ExplainNode
  | AlterTableRenameColumnNode
  | PrepareNode
  | ExecuteNode
  | DeallocateNode;
