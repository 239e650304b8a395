// Moving a write transaction onto the latest committed state: a new transaction over the current
// head replays the old one's logical operations, taking its marks again at the same points.
// READ COMMITTED (each statement sees the latest commits) and lock-based SERIALIZABLE use it.
import type { StorageEngine, WriteTxn } from './ports.js';
import { WriteTxnImpl } from './write-txn.js';

function impl(txn: WriteTxn): WriteTxnImpl {
  if (!(txn instanceof WriteTxnImpl)) throw new Error('not a storage write transaction');
  return txn;
}

/** Where in the transaction's operation log a mark taken now would sit. */
export function logPosition(txn: WriteTxn): number {
  return impl(txn).sealLog();
}

/** True when a commit landed after the transaction's base snapshot. */
export function isStale(engine: StorageEngine, txn: WriteTxn): boolean {
  if (engine.committedSeq !== undefined) return engine.committedSeq() > txn.seq;
  const latest = engine.snapshot();
  try {
    return latest.seq > txn.seq;
  } finally {
    latest.release();
  }
}

/**
 * A transaction over the latest committed state with the same writes, and the marks taken again
 * at the given log positions (ascending). The old transaction is rolled back. A replayed write
 * that no longer applies (a unique key taken meanwhile) throws, and the old transaction is kept.
 */
export function rebase(
  engine: StorageEngine,
  txn: WriteTxn,
  markPositions: readonly number[],
): { readonly txn: WriteTxn; readonly marks: number[] } {
  const old = impl(txn);
  const fresh = impl(engine.begin());
  const marks: number[] = [];
  try {
    let at = 0;
    for (const pos of markPositions) {
      fresh.replay(old.log.slice(at, pos));
      at = pos;
      marks.push(fresh.savepoint());
    }
    fresh.replay(old.log.slice(at));
  } catch (e) {
    fresh.rollback();
    throw e;
  }
  old.rollback();
  return { txn: fresh, marks };
}
