// SQLite's RAISE() inside a trigger program: RAISE(ABORT | FAIL | ROLLBACK, message) fails the
// statement that fired the trigger with the message (SQLSTATE P0001, PostgreSQL's RAISE
// EXCEPTION); RAISE(IGNORE) abandons the rest of the trigger program and, in a BEFORE or
// INSTEAD OF trigger, the row the statement was writing. The analyser leaves RAISE(kind, msg) as
// a call; triggers.ts rewrites it to __dispatchdb_raise('kind', msg), compiled here.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ColumnType } from '../storage/ports.js';
import type { Eval } from './runtime.js';
import { textOf } from './values.js';

/** RAISE(IGNORE): control flow for the trigger runner (an error only if it escapes a trigger). */
export class RaiseIgnore extends DispatcherError {
  constructor() {
    super('P0001', 'RAISE(IGNORE) may only be used in a trigger');
  }
}

export const RAISE_FUNCTION = '__dispatchdb_raise';

export function compileRaise(args: readonly { readonly ev: Eval; readonly type: ColumnType }[]): { ev: Eval; type: ColumnType } {
  const kind = args[0]?.ev;
  const message = args[1]?.ev;
  if (kind === undefined || args.length > 2) {
    throw new DispatcherError(SqlState.UndefinedFunction, `function raise with ${args.length} argument(s) does not exist`);
  }
  return {
    type: 'any',
    ev: (r, f) => {
      if (kind(r, f) === 'ignore') throw new RaiseIgnore();
      const m = message === undefined ? null : message(r, f);
      throw new DispatcherError('P0001', m === null ? 'raised by a trigger' : textOf(m));
    },
  };
}
