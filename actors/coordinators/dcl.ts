// The access control coordinator (GRANT, REVOKE, CREATE USER / ROLE). Privileges are not kept yet:
// analysis marks these kinds unimplemented, so they answer 0A000 before reaching here.
import { DispatcherError, SqlState } from '../../src/api/errors.js';
import type { RunStatement } from '../../src/protocol/messages.js';
import { Coordinator, type CoordinatorDeps } from './coordinator.js';
import type { RunningStatement } from './running-statement.js';
import { commandTag } from './tcl.js';

export class AccessControlCoordinator extends Coordinator {
  constructor(deps: CoordinatorDeps) {
    super('coordinator:dcl', deps);
  }

  protected start(_rs: RunningStatement, run: RunStatement): void {
    throw new DispatcherError(SqlState.FeatureNotSupported, `${commandTag(run.statement.kind)} is not supported yet`);
  }
}
