// Public entry of dispatchdb/testing: arbitraries of lifecycle events, reference models, and
// model-based property helpers for the machines alone or for a live Database.
export { queryEventSequences, transactionEventSequences, sessionEventSequences, type SequenceOptions } from './arbitraries.js';
export { queryModel, transactionModel, sessionModel, type LifecycleModel, type ModelStep } from './models.js';
export { checkMachineAgainstModel, CoverageTracker, type Coverage, type MachineCheckOptions } from './model-check.js';
export {
  checkDatabaseLifecycles,
  runLiveOps,
  liveOps,
  leftovers,
  type LiveOp,
  type LiveCheckOptions,
  type Leftovers,
} from './live-check.js';
// I/O fault injection for Database.open({ fileIo }): fail the Nth read, write or fsync.
export { FaultyFileIo, type FaultOp, type FaultPlan, type FaultyFileIoOptions, type InjectedFault } from '../storage/faulty-file-io.js';
export type { FileIo, IoFile, FileRole } from '../storage/file-io.js';
