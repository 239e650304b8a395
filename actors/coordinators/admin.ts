// The administration coordinator: CHECKPOINT, ANALYZE (statistics for the planner, in bounded
// steps), VACUUM (checkpoint and page facts: storage reuses free pages but cannot shrink its
// file), and PRAGMA (engine facts and settings; SHOW of an engine setting arrives as a PRAGMA).
import { DispatcherError, SqlState } from '../../src/api/errors.js';
import type { AnalyzeNode, PragmaNode, VacuumNode } from '../../src/analysis/front-nodes.js';
import { ANALYZE_COLUMNS, AnalyzeExecution } from '../../src/execution/admin/analyze.js';
import { runPragma } from '../../src/execution/admin/pragma.js';
import { VACUUM_COLUMNS, vacuumRow } from '../../src/execution/admin/vacuum.js';
import type { Execution, ResultColumn } from '../../src/execution/types.js';
import type { RunStatement } from '../../src/protocol/messages.js';
import type { Row } from '../../src/storage/ports.js';
import { Coordinator, type CoordinatorDeps } from './coordinator.js';
import type { RunningStatement } from './running-statement.js';
import { acquireStatementLocks } from './statement-locks.js';
import { commandTag } from './tcl.js';

/** An execution whose rows are known already: one step hands them all out. */
function rowsExecution(rows: Row[]): Execution {
  let done = false;
  return {
    rowsAffected: 0,
    step: () => {
      if (done) return null;
      done = true;
      return rows;
    },
    close: () => undefined,
  };
}

const isTemp = (t: string): boolean => t.startsWith('pg_temp_');

export class AdministrationCoordinator extends Coordinator {
  constructor(deps: CoordinatorDeps) {
    super('coordinator:admin', deps);
  }

  protected start(rs: RunningStatement, run: RunStatement): void {
    const st = run.statement;
    const command = commandTag(st.kind);
    const answer = (columns: readonly ResultColumn[], execution: Execution): void => {
      rs.execute(execution, { command, columns, indexesUsed: [], planCacheHit: false });
    };
    switch (st.kind) {
      case 'CHECKPOINT':
        this.deps.storage.checkpoint().then(
          () => {
            rs.outcome = { command, columns: [], indexesUsed: [], planCacheHit: false };
            rs.finish(0);
          },
          (e: unknown) => rs.fail(e),
        );
        return;
      case 'ANALYZE': {
        const node = st.ast as AnalyzeNode;
        const txn = this.deps.txns.writable(run.context.txnId);
        let tables: string[];
        if (node.table !== null) {
          if (txn.getTable(node.table) === undefined) {
            throw new DispatcherError(SqlState.UndefinedTable, `relation "${node.table}" does not exist`);
          }
          tables = [node.table];
        } else {
          tables = txn.tables().map((t) => t.name).filter((n) => !isTemp(n));
        }
        acquireStatementLocks(this.deps, rs, () => answer(ANALYZE_COLUMNS, new AnalyzeExecution(txn, tables, rs.checkInterrupt)));
        // New statistics change the plans the planner would choose: cached ones are recompiled.
        this.deps.versions.bump(tables);
        this.deps.txns.noteSchemaChange(run.context.txnId);
        return;
      }
      case 'VACUUM': {
        const node = st.ast as VacuumNode;
        if (run.context.explicitTxn) {
          throw new DispatcherError(SqlState.ActiveTransaction, 'VACUUM cannot run inside a transaction block');
        }
        if (node.analyze) {
          throw new DispatcherError(SqlState.FeatureNotSupported, 'VACUUM ANALYZE is not supported: run VACUUM, then ANALYZE');
        }
        if (node.table !== null) {
          const view = this.deps.txns.view(run.context.txnId);
          if (view.getTable(node.table) === undefined) {
            throw new DispatcherError(SqlState.UndefinedTable, `relation "${node.table}" does not exist`);
          }
        }
        acquireStatementLocks(this.deps, rs, () => {
          const before = this.deps.storage.stats();
          this.deps.storage.checkpoint().then(
            () => answer(VACUUM_COLUMNS, rowsExecution([vacuumRow(node.table, before, this.deps.storage.stats())])),
            (e: unknown) => rs.fail(e),
          );
        });
        return;
      }
      case 'PRAGMA': {
        const node = st.ast as PragmaNode;
        if (node.name === 'wal_checkpoint') {
          const before = this.deps.storage.stats();
          this.deps.storage.checkpoint().then(
            () =>
              answer([{ name: 'wal_frames_checkpointed', type: 'integer' }], rowsExecution([[before.walFrames - this.deps.storage.stats().walFrames]])),
            (e: unknown) => rs.fail(e),
          );
          return;
        }
        const r = runPragma(node.name, node.value, this.deps.txns.view(run.context.txnId), this.deps.storage);
        answer(r.columns, rowsExecution(r.rows));
        return;
      }
      default:
        throw new DispatcherError(SqlState.FeatureNotSupported, `${command} is not supported yet`);
    }
  }
}
