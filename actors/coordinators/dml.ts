// The data change coordinator (INSERT, UPDATE, DELETE): runs in the transaction's write set; the
// session's statement mark lets a failed or cancelled statement drop exactly its own writes.
import type { RunStatement } from '../../src/protocol/messages.js';
import { Coordinator, type CoordinatorDeps } from './coordinator.js';
import { runPlan } from './plan-runner.js';
import type { RunningStatement } from './running-statement.js';

export class DataChangeCoordinator extends Coordinator {
  constructor(deps: CoordinatorDeps) {
    super('coordinator:dml', deps);
  }

  protected start(rs: RunningStatement, run: RunStatement): void {
    runPlan(this.deps, rs, this.deps.txns.writable(run.context.txnId));
  }
}
