// The transaction control coordinator: carries out what the session's transaction machine decided
// for BEGIN, COMMIT, ROLLBACK and savepoints, through the transaction manager.
import { DispatcherError, SqlState } from '../../src/api/errors.js';
import type { RunStatement } from '../../src/protocol/messages.js';
import { Coordinator, type CoordinatorDeps } from './coordinator.js';
import type { RunningStatement } from './running-statement.js';

function savepointName(ast: unknown): string {
  const name = (ast as { name?: unknown }).name;
  if (typeof name !== 'string' || name === '') {
    throw new DispatcherError(SqlState.SyntaxError, 'savepoint name expected');
  }
  return name;
}

export class TransactionControlCoordinator extends Coordinator {
  constructor(deps: CoordinatorDeps) {
    super('coordinator:tcl', deps);
  }

  protected start(rs: RunningStatement, run: RunStatement): void {
    const actions = run.txnActions ?? [];
    const txnId = run.context.txnId;
    const { router, txns } = this.deps;
    let command = commandTag(run.statement.kind);
    const done = (): void => {
      rs.outcome = { command, columns: [], indexesUsed: [], planCacheHit: false };
      rs.finish(0);
    };
    const ask = (send: (id: number) => void): void => {
      router.ask(send).then(done, (e: unknown) => rs.fail(e));
    };
    if (actions.includes('commitTxn')) {
      ask((replyTo) => txns.tell({ type: 'Commit', replyTo, txnId }));
    } else if (actions.includes('rollbackTxn')) {
      // COMMIT of a failed block rolls back, and says so.
      command = 'ROLLBACK';
      txns.tell({ type: 'Rollback', txnId });
      done();
    } else if (actions.includes('createSavepoint')) {
      ask((replyTo) => txns.tell({ type: 'Savepoint', replyTo, txnId, name: savepointName(run.statement.ast) }));
    } else if (actions.includes('releaseSavepoint')) {
      ask((replyTo) => txns.tell({ type: 'ReleaseSavepoint', replyTo, txnId, name: savepointName(run.statement.ast) }));
    } else if (actions.includes('rollbackToSavepoint')) {
      ask((replyTo) =>
        txns.tell({ type: 'RollbackToSavepoint', replyTo, txnId, name: savepointName(run.statement.ast) }),
      );
    } else {
      // BEGIN (the session opened the transaction), or a warning-only COMMIT / ROLLBACK.
      done();
    }
  }
}

export function commandTag(kind: string): string {
  switch (kind) {
    case 'ROLLBACK_TO_SAVEPOINT':
      return 'ROLLBACK';
    case 'RELEASE_SAVEPOINT':
      return 'RELEASE';
    case 'SET_TRANSACTION':
      return 'SET';
    default:
      return kind.replace(/_/g, ' ');
  }
}
