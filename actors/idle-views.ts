// An idle locking view, kept for the life of the process for the reason src/storage/table-cursors.ts
// gives for its idle cursors: a view lives as long as its transaction, so between write
// transactions (a run of reads, a database closed and another opened) none may be alive, a
// memory-reducing collection then drops the class's map, and the first write after it
// deoptimized the statement paths compiled against it. Built on storage's idle write transaction,
// with the field kinds real views have.
import { IDLE_VIEWS } from '../src/storage/engine.js';
import type { StorageEngine, WriteTxn } from '../src/storage/ports.js';
import { LockManager } from './lock-manager.js';
import { LockingView } from './locking-view.js';
import { ReplyRouter } from './reply-router.js';

const [engine, txn] = IDLE_VIEWS;

export const IDLE_LOCKING_VIEW = new LockingView(
  txn as WriteTxn,
  0,
  new LockManager(new ReplyRouter()),
  engine as StorageEngine,
  'read committed',
  null,
  new Set<string>(),
);
