// The schema change coordinator (CREATE, DROP, ALTER): changes the catalog inside the transaction,
// then invalidates every cached plan that depends on what it touched.
import type { RunStatement } from '../../src/protocol/messages.js';
import { Coordinator, type CoordinatorDeps } from './coordinator.js';
import { runPlan } from './plan-runner.js';
import { recordCreator } from '../access-control.js';
import type { RunningStatement } from './running-statement.js';

export class SchemaChangeCoordinator extends Coordinator {
  constructor(deps: CoordinatorDeps) {
    super('coordinator:ddl', deps);
  }

  protected start(rs: RunningStatement, run: RunStatement): void {
    const txnId = run.context.txnId;
    const view = this.deps.txns.writable(txnId);
    this.deps.txns.noteSchemaChange(txnId);
    recordCreator(view, run.statement.kind, run.statement.metadata.tablesAccessed, run.context.user);
    const plan = runPlan(this.deps, rs, view);
    // Bump now (this transaction sees the change) and again at commit or rollback (the session does).
    this.deps.versions.bump([...run.statement.metadata.tablesAccessed, ...plan.dependsOn]);
  }
}
