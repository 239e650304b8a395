// Takes the locks a statement's metadata asks for ('IX:t', 'X:schema', ...) before it runs.
// Immediate grants go through the lock manager's synchronous port; a conflict becomes an Acquire
// message, and the statement waits (phase waitingForLocks) until it is granted or fails.
import { performance } from 'node:perf_hooks';
import type { LockModeName } from '../../src/protocol/messages.js';
import type { CoordinatorDeps } from './coordinator.js';
import type { RunningStatement } from './running-statement.js';

function resourceOf(name: string): string {
  return name === 'schema' ? 'schema' : `table:${name}`;
}

interface ParsedLock {
  readonly mode: LockModeName;
  readonly resource: string;
}

/** Parsed specs: a statement takes the same few on every run (one map lookup, no string building). */
const parsed = new Map<string, ParsedLock>();

function parsedLock(spec: string): ParsedLock {
  let p = parsed.get(spec);
  if (p === undefined) {
    // Bounded by the number of tables times modes; dropped wholesale if a schema churns through many.
    if (parsed.size >= 4096) parsed.clear();
    p = parseLock(spec);
    parsed.set(spec, p);
  }
  return p;
}

export function parseLock(spec: string, serializable = false): ParsedLock {
  const i = spec.indexOf(':');
  let mode = spec.slice(0, i) as LockModeName;
  const name = spec.slice(i + 1);
  if (serializable && name !== 'schema') {
    if (mode === 'IS') mode = 'S';
    else if (mode === 'IX') mode = 'SIX';
  }
  return { mode, resource: resourceOf(name) };
}

/** Waits for one lock by message; `then` runs once it is granted; a failure fails the statement. */
export function waitForLock(
  deps: CoordinatorDeps,
  rs: RunningStatement,
  resource: string,
  mode: LockModeName,
  then: () => void,
): void {
  const txnId = rs.run.context.txnId;
  const since = performance.now();
  if (rs.run.observed === true) rs.progress('waitingForLocks');
  rs.cancelWait = (reason) => deps.locks.tell({ type: 'CancelWait', txnId, reason });
  deps.router
    .ask((replyTo) =>
      deps.locks.tell({ type: 'Acquire', replyTo, txnId, resource, mode, timeoutMs: rs.run.context.lockTimeoutMs }),
    )
    .then(
      () => {
        rs.lockWaitMs += performance.now() - since;
        rs.cancelWait = null;
        if (rs.done) return;
        try {
          then();
        } catch (e) {
          rs.fail(e);
        }
      },
      (e: unknown) => {
        rs.cancelWait = null;
        rs.fail(e);
      },
    );
}

/**
 * Takes, from the `from`-th on, every lock of the statement that is granted at once; returns the
 * index of the first that must be waited for, or -1 when all are held (no closure, no message).
 */
export function takeStatementLocks(deps: CoordinatorDeps, rs: RunningStatement, from = 0): number {
  const specs = rs.run.statement.metadata.requiredLocks;
  const txnId = rs.run.context.txnId;
  // A read-only autocommit statement reads one committed snapshot that nothing can change under
  // it (a concurrent DROP keeps the snapshot's pages alive), so its intention locks are skipped.
  const snapshotOnly = !rs.run.context.explicitTxn && rs.run.statement.metadata.isReadOnly;
  for (let i = from; i < specs.length; i++) {
    const spec = specs[i] as string;
    if (snapshotOnly && spec.startsWith('IS:')) continue;
    // SERIALIZABLE is validated at commit (transaction-manager.ts), not locked: table locks as usual.
    const { mode, resource } = parsedLock(spec);
    if (!deps.locks.tryAcquire(txnId, resource, mode)) return i;
  }
  return -1;
}

/** Waits for the `at`-th lock, then takes the rest; `then` runs once all are held. */
export function waitStatementLocks(deps: CoordinatorDeps, rs: RunningStatement, at: number, then: () => void): void {
  const { mode, resource } = parseLock(rs.run.statement.metadata.requiredLocks[at] as string);
  waitForLock(deps, rs, resource, mode, () => {
    const next = takeStatementLocks(deps, rs, at + 1);
    if (next < 0) then();
    else waitStatementLocks(deps, rs, next, then);
  });
}

/** Calls `then` once every lock is held; on failure the statement fails and `then` never runs. */
export function acquireStatementLocks(deps: CoordinatorDeps, rs: RunningStatement, then: () => void): void {
  const at = takeStatementLocks(deps, rs);
  if (at >= 0) {
    waitStatementLocks(deps, rs, at, then);
    return;
  }
  try {
    then();
  } catch (e) {
    rs.fail(e);
  }
}
