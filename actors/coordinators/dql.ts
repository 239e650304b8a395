// The query coordinator (SELECT, EXPLAIN): read through the transaction's view, never write.
import type { RunStatement } from '../../src/protocol/messages.js';
import { Coordinator, type CoordinatorDeps } from './coordinator.js';
import { runPlan } from './plan-runner.js';
import type { RunningStatement } from './running-statement.js';

export class QueryCoordinator extends Coordinator {
  constructor(deps: CoordinatorDeps) {
    super('coordinator:dql', deps);
  }

  protected start(rs: RunningStatement, run: RunStatement): void {
    runPlan(this.deps, rs, this.deps.txns.view(run.context.txnId));
  }
}
