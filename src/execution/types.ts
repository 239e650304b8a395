// The contract between the coordinators (actors/) and execution: compile once per shape,
// then run many times in bounded, resumable steps so a running statement can be cancelled.
import type { ColumnType, ReadView, Row, SqlValue, WriteTxn } from '../storage/ports.js';
import type { ParamSets } from '../protocol/param-sets.js';

export interface ResultColumn {
  readonly name: string;
  readonly type: ColumnType;
}

/** Static type of a parameter: known for lifted literals, undefined for a user's (taken from the value). */
export type ParamType = ColumnType | undefined;

export interface ExecCounters {
  rowsExamined: number;
  rowsProduced: number;
  indexesUsed: Set<string>;
}

export interface ExecContext {
  /** A WriteTxn when the statement writes (or the session's transaction has one), else a ReadView. */
  readonly view: ReadView | WriteTxn;
  readonly params: readonly SqlValue[];
  readonly counters: ExecCounters;
  /** Throws a 57014 DispatcherError once the statement is cancelled or past its deadline. Cheap. */
  readonly checkInterrupt: () => void;
  /** The role the statement runs as (current_user); absent where no session runs it. */
  readonly user?: string;
}

export interface Execution {
  /**
   * Does a bounded slice of work (at most a few thousand rows examined) and returns the rows
   * produced by it (possibly none), or null once the statement is done.
   */
  step(): Row[] | null;
  /** Rows inserted, updated or deleted (valid once step() returned null). */
  readonly rowsAffected: number;
  /** Frees cursors; safe to call at any time, more than once. */
  close(): void;
}

export interface CompiledStatement {
  /** Result columns; empty for statements that return no rows. */
  readonly columns: readonly ResultColumn[];
  /** Command tag for the result ('SELECT', 'INSERT', 'CREATE TABLE', ...). */
  readonly command: string;
  readonly writes: boolean;
  /** Lower-cased names of the tables (and views) the plan depends on: plan-cache invalidation. */
  readonly dependsOn: readonly string[];
  /** Names of indexes the plan reads. */
  readonly indexesUsed: readonly string[];
  /** One line per plan node, for EXPLAIN and the slow-query log. */
  explain(): string[];
  start(ctx: ExecContext): Execution;
  /**
   * The statement once per parameter set, as one execution, where the plan has a cheaper way than
   * an execution per set (BatchExecution); null when it has none for this run.
   */
  startBatch?(ctx: ExecContext, sets: ParamSets, userParams: number, lifted: readonly SqlValue[]): Execution | null;
}
