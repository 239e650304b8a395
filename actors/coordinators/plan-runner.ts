// Compile (or take from the plan cache) and run a statement through execution: the path DQL, DML
// and DDL share.
import { BatchExecution } from '../../src/execution/batch-execution.js';
import { compileStatement } from '../../src/execution/compile.js';
import { withLifted } from '../../src/execution/param-slots.js';
import type { CompiledStatement, Execution, ParamType } from '../../src/execution/types.js';
import type { RunStatement } from '../../src/protocol/messages.js';
import type { LiteralType } from '../../src/protocol/statement.js';
import type { ColumnType, ReadView, SqlValue } from '../../src/storage/ports.js';
import type { CoordinatorDeps } from './coordinator.js';
import type { RunningStatement } from './running-statement.js';
import { takeStatementLocks, waitForLock, waitStatementLocks } from './statement-locks.js';

const literalColumnType: Record<LiteralType, ColumnType> = {
  integer: 'integer',
  numeric: 'numeric',
  text: 'text',
  boolean: 'boolean',
  null: 'any',
  bytea: 'bytea',
};

export function paramTypesOf(run: RunStatement): ParamType[] {
  const st = run.statement;
  const types: ParamType[] = new Array<ParamType>(st.userParamCount).fill(undefined);
  for (const t of st.liftedTypes) types.push(literalColumnType[t]);
  return types;
}

export function paramsOf(run: RunStatement): readonly SqlValue[] {
  return withLifted(run.params, run.statement.userParamCount, run.statement.liftedParams);
}

export function planFor(
  deps: CoordinatorDeps,
  run: RunStatement,
  view: ReadView,
): { plan: CompiledStatement; hit: boolean } {
  const st = run.statement;
  const cached = st.flags.cacheable ? deps.plans.get(st.shapeKey) : undefined;
  if (cached !== undefined) return { plan: cached, hit: true };
  const plan = compileStatement(st.ast, st.kind, view, paramTypesOf(run), st.text);
  // A plan compiled against a transaction's uncommitted schema is not shared with anyone.
  if (st.flags.cacheable && !deps.txns.changedSchema(run.context.txnId)) deps.plans.put(st.shapeKey, plan);
  return { plan, hit: false };
}

export function runPlan(deps: CoordinatorDeps, rs: RunningStatement, view: ReadView): CompiledStatement {
  const run = rs.run;
  const st = run.statement;
  if (run.observed === true) rs.progress('planning');
  const cached = st.flags.cacheable ? deps.plans.get(st.shapeKey) : undefined;
  const plan = cached ?? planFor(deps, run, view).plan;
  const hit = cached !== undefined;
  // What a serializable transaction read is checked against later commits when it commits
  // (INSERT ... VALUES reads nothing: its only dependency is its target).
  if (!(st.kind === 'INSERT' && plan.dependsOn.length <= 1)) deps.txns.noteRead(run.context.txnId, plan.dependsOn);
  const wait = takeStatementLocks(deps, rs);
  if (wait >= 0) {
    waitStatementLocks(deps, rs, wait, () => execute(rs, plan, hit, view, deps));
    return plan;
  }
  // A failure fails the statement, not the caller (DDL still bumps the schema versions after it).
  try {
    execute(rs, plan, hit, view, deps);
  } catch (e) {
    rs.fail(e);
  }
  return plan;
}

function execute(rs: RunningStatement, plan: CompiledStatement, hit: boolean, view: ReadView, deps?: CoordinatorDeps): void {
  const run = rs.run;
  // Only writes and SELECT ... FOR UPDATE / SHARE take row locks, so only they can meet one and
  // need to run again.
  const st = run.statement;
  const locks = st.flags.writesData || st.flags.changesSchema || (st.kind === 'SELECT' && !st.metadata.isReadOnly);
  if (deps !== undefined && rs.onLockWait === null && locks) {
    // A row lock held by another transaction: undo the statement, wait for the lock, run it again
    // on what the transaction may see then (PostgreSQL re-evaluates the row; this re-runs it).
    rs.onLockWait = (wait) => {
      waitForLock(deps, rs, wait.resource, wait.mode, () => {
        deps.txns.restartStatement(run.context.txnId);
        const fresh = locks ? deps.txns.writable(run.context.txnId) : deps.txns.view(run.context.txnId);
        execute(rs, plan, hit, fresh, deps);
      });
    };
  }
  const batch = run.batch;
  let execution: Execution;
  const user = run.context.user;
  if (batch === undefined) execution = plan.start({ view, params: paramsOf(run), counters: rs.counters, checkInterrupt: rs.checkInterrupt, user });
  else {
    const ctx = { view, params: run.params, counters: rs.counters, checkInterrupt: rs.checkInterrupt, user };
    const { userParamCount, liftedParams } = run.statement;
    execution = plan.startBatch?.(ctx, batch, userParamCount, liftedParams) ?? new BatchExecution(plan, ctx, batch, userParamCount, liftedParams);
  }
  rs.executePlan(execution, plan, hit);
}
