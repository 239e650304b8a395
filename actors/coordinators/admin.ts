// The administration coordinator: CHECKPOINT now; ANALYZE, VACUUM and PRAGMA as they land.
import { DispatcherError, SqlState } from '../../src/api/errors.js';
import type { RunStatement } from '../../src/protocol/messages.js';
import { Coordinator, type CoordinatorDeps } from './coordinator.js';
import type { RunningStatement } from './running-statement.js';
import { commandTag } from './tcl.js';

export class AdministrationCoordinator extends Coordinator {
  constructor(deps: CoordinatorDeps) {
    super('coordinator:admin', deps);
  }

  protected start(rs: RunningStatement, run: RunStatement): void {
    const finish = (): void => {
      rs.outcome = { command: commandTag(run.statement.kind), columns: [], indexesUsed: [], planCacheHit: false };
      rs.finish(0);
    };
    switch (run.statement.kind) {
      case 'CHECKPOINT':
        this.deps.storage.checkpoint().then(finish, (e: unknown) => rs.fail(e));
        return;
      default:
        throw new DispatcherError(SqlState.FeatureNotSupported, `${commandTag(run.statement.kind)} is not supported yet`);
    }
  }
}
