// The classification table: one row of flags per statement kind (after MySQL's
// sql_command_flags). Everything the dispatcher decides by kind reads this table.
import type { CoordinatorName, KindFlags, StatementKind } from './types.js';

interface Row {
  c: CoordinatorName;
  /** reads, writesData, changesSchema, transactionControl, exclusiveSchemaLock,
   *  allowedReadOnly, allowedInAbortedTxn, cacheable, implemented */
  f: string;
}

// One letter per flag, '.' for false, in the order of Row.f. Kept as a compact grid so that the
// whole table reads at a glance; flagsOf() expands it once at load.
//              R W S T X r a c i
const GRID: Record<StatementKind, Row> = {
  SELECT: { c: 'dql', f: 'R . . . . r . c i' },
  INSERT: { c: 'dml', f: '. W . . . . . c i' },
  UPDATE: { c: 'dml', f: 'R W . . . . . c i' },
  DELETE: { c: 'dml', f: 'R W . . . . . c i' },
  CREATE_TABLE: { c: 'ddl', f: '. . S . X . . . i' },
  CREATE_INDEX: { c: 'ddl', f: 'R . S . X . . . i' },
  DROP_TABLE: { c: 'ddl', f: '. . S . X . . . i' },
  DROP_INDEX: { c: 'ddl', f: '. . S . X . . . i' },
  ALTER_TABLE: { c: 'ddl', f: '. . S . X . . . i' },
  BEGIN: { c: 'tcl', f: '. . . T . r . . i' },
  COMMIT: { c: 'tcl', f: '. . . T . r a . i' },
  ROLLBACK: { c: 'tcl', f: '. . . T . r a . i' },
  GRANT: { c: 'dcl', f: '. . S . X . . . i' },
  REVOKE: { c: 'dcl', f: '. . S . X . . . i' },
  // ANALYZE writes its statistics into the catalog: it needs a write transaction
  ANALYZE: { c: 'admin', f: 'R W . . . . . . i' },
  VACUUM: { c: 'admin', f: 'R . . . . . . . i' },
  PRAGMA: { c: 'admin', f: '. . . . . r . . i' },
  SAVEPOINT: { c: 'tcl', f: '. . . T . r . . i' },
  RELEASE_SAVEPOINT: { c: 'tcl', f: '. . . T . r . . i' },
  ROLLBACK_TO_SAVEPOINT: { c: 'tcl', f: '. . . T . r a . i' },
  SET_TRANSACTION: { c: 'tcl', f: '. . . T . r . . i' },
  SET: { c: 'admin', f: '. . . . . r . . i' },
  SHOW: { c: 'admin', f: '. . . . . r . . i' },
  RESET: { c: 'admin', f: '. . . . . r . . i' },
  EXPLAIN: { c: 'dql', f: 'R . . . . r . . i' },
  CREATE_VIEW: { c: 'ddl', f: '. . S . X . . . i' },
  DROP_VIEW: { c: 'ddl', f: '. . S . X . . . i' },
  CREATE_USER: { c: 'dcl', f: '. . S . X . . . i' },
  CREATE_ROLE: { c: 'dcl', f: '. . S . X . . . i' },
  DROP_USER: { c: 'dcl', f: '. . S . X . . . i' },
  PREPARE: { c: 'admin', f: '. . . . . r . . i' },
  // EXECUTE runs a prepared statement: the dispatcher routes it by the prepared statement's kind
  EXECUTE: { c: 'admin', f: 'R W . . . . . . i' },
  DEALLOCATE: { c: 'admin', f: '. . . . . r . . i' },
  CHECKPOINT: { c: 'admin', f: '. . . . . r . . i' },
  CREATE_TRIGGER: { c: 'ddl', f: '. . S . X . . . i' },
  DROP_TRIGGER: { c: 'ddl', f: '. . S . X . . . i' },
  // REINDEX rebuilds index trees in the transaction's write set, under the schema lock
  REINDEX: { c: 'ddl', f: 'R . S . X . . . i' },
};

function expand(row: Row): KindFlags {
  const f = row.f.split(' ');
  if (f.length !== 9) throw new Error(`kind-flags: bad row ${row.f}`);
  return Object.freeze({
    coordinator: row.c,
    reads: f[0] !== '.',
    writesData: f[1] !== '.',
    changesSchema: f[2] !== '.',
    transactionControl: f[3] !== '.',
    exclusiveSchemaLock: f[4] !== '.',
    allowedReadOnly: f[5] !== '.',
    allowedInAbortedTxn: f[6] !== '.',
    cacheable: f[7] !== '.',
    implemented: f[8] !== '.',
  });
}

/** Flags of every statement kind (frozen rows). */
export const KIND_FLAGS: Readonly<Record<StatementKind, KindFlags>> = Object.freeze(
  Object.fromEntries(Object.entries(GRID).map(([k, row]) => [k, expand(row)])) as Record<StatementKind, KindFlags>,
);

/** Every statement kind, in table order. */
export const STATEMENT_KINDS: readonly StatementKind[] = Object.keys(GRID) as StatementKind[];
