// Every failure that reaches a user is a DispatcherError: the seed's error code for the
// coarse class, a PostgreSQL SQLSTATE for the precise one. This file is a leaf: any layer may
// import it, it imports nothing of the project.

export const ErrorCode = {
  InvalidQuery: 'INVALID_QUERY',
  AccessDenied: 'ACCESS_DENIED',
  ResourceExhausted: 'RESOURCE_EXHAUSTED',
  QueryTimeout: 'QUERY_TIMEOUT',
  TransactionConflict: 'TRANSACTION_CONFLICT',
  SystemError: 'SYSTEM_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** SQLSTATE codes used by the engine (PostgreSQL's meanings). */
export const SqlState = {
  SyntaxError: '42601',
  UndefinedTable: '42P01',
  UndefinedColumn: '42703',
  UndefinedFunction: '42883',
  UndefinedObject: '42704',
  DuplicateTable: '42P07',
  DuplicateObject: '42710',
  DuplicateColumn: '42701',
  AmbiguousColumn: '42702',
  DatatypeMismatch: '42804',
  GroupingError: '42803',
  InvalidColumnReference: '42P10',
  GeneratedAlways: '428C9',
  WrongObjectType: '42809',
  DependentObjects: '2BP01',
  InsufficientPrivilege: '42501',
  FeatureNotSupported: '0A000',
  UniqueViolation: '23505',
  NotNullViolation: '23502',
  ForeignKeyViolation: '23503',
  InvalidForeignKey: '42830',
  CheckViolation: '23514',
  NumericOutOfRange: '22003',
  DivisionByZero: '22012',
  InvalidTextRepresentation: '22P02',
  StringDataRightTruncation: '22001',
  InvalidParameterValue: '22023',
  NullValueNotAllowed: '22004',
  CharacterNotInRepertoire: '22021',
  CardinalityViolation: '21000',
  QueryCanceled: '57014',
  LockNotAvailable: '55P03',
  ObjectInUse: '55006',
  SerializationFailure: '40001',
  DeadlockDetected: '40P01',
  InFailedTransaction: '25P02',
  ReadOnlyTransaction: '25006',
  ActiveTransaction: '25001',
  NoActiveTransaction: '25P01',
  InvalidTransactionState: '25000',
  InvalidSavepoint: '3B001',
  TooManyConnections: '53300',
  ConfigurationLimitExceeded: '53400',
  InsufficientResources: '53000',
  OutOfMemory: '53200',
  DataCorrupted: 'XX001',
  IndexCorrupted: 'XX002',
  InternalError: 'XX000',
  IoError: '58030',
  ConnectionDoesNotExist: '08003',
  ObjectNotInPrerequisiteState: '55000',
  InvalidParameterCount: '08P01',
  ProgramLimitExceeded: '54000',
  InvalidName: '42602',
  InvalidAuthorization: '28000',
} as const;
export type SqlState = (typeof SqlState)[keyof typeof SqlState];

/** The seed's code for each SQLSTATE class (first two characters), with exceptions by full code. */
function codeFor(sqlState: string): ErrorCode {
  switch (sqlState) {
    case SqlState.InsufficientPrivilege:
    case SqlState.InvalidAuthorization:
      return ErrorCode.AccessDenied;
    case SqlState.QueryCanceled:
    case SqlState.LockNotAvailable:
      return ErrorCode.QueryTimeout;
  }
  switch (sqlState.slice(0, 2)) {
    case '40':
    case '25':
    case '23':
    case '3B':
      return ErrorCode.TransactionConflict;
    case '53':
    case '54':
      return ErrorCode.ResourceExhausted;
    case '57':
      return ErrorCode.QueryTimeout;
    case 'XX':
    case '58':
    case '08':
    case '55':
      return ErrorCode.SystemError;
    default:
      return ErrorCode.InvalidQuery;
  }
}

export interface ErrorDetails {
  /** The statement text, when the error belongs to one. */
  readonly query?: string;
  /** 1-based character position in the statement (syntax errors). */
  readonly position?: number;
  readonly sessionId?: string;
  readonly cause?: unknown;
  /** Free-form extra facts (page id, constraint name, ...). */
  readonly detail?: string;
  readonly code?: ErrorCode;
}

export class DispatcherError extends Error {
  readonly code: ErrorCode;
  readonly sqlState: string;
  readonly query: string | undefined;
  readonly position: number | undefined;
  readonly sessionId: string | undefined;
  readonly detail: string | undefined;
  readonly timestamp: Date;

  constructor(sqlState: string, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'DispatcherError';
    this.sqlState = sqlState;
    this.code = details.code ?? codeFor(sqlState);
    this.query = details.query;
    this.position = details.position;
    this.sessionId = details.sessionId;
    this.detail = details.detail;
    this.timestamp = new Date();
  }

  /** A copy that also names the statement (errors are raised deep, the text is known at the top). */
  withQuery(query: string): DispatcherError {
    if (this.query !== undefined) return this;
    const e = new DispatcherError(this.sqlState, this.message, {
      query,
      ...(this.position !== undefined ? { position: this.position } : {}),
      ...(this.sessionId !== undefined ? { sessionId: this.sessionId } : {}),
      ...(this.detail !== undefined ? { detail: this.detail } : {}),
      cause: this.cause,
      code: this.code,
    });
    e.stack = this.stack;
    return e;
  }
}

export function isDispatcherError(e: unknown): e is DispatcherError {
  return e instanceof DispatcherError;
}

/** Wraps anything thrown into a DispatcherError; unknown failures become XX000. */
export function toDispatcherError(e: unknown, query?: string): DispatcherError {
  if (e instanceof DispatcherError) return query === undefined ? e : e.withQuery(query);
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof RangeError && /call stack/i.test(message)) {
    // PostgreSQL's 'stack depth limit exceeded' (the analyser's code for the same condition)
    return new DispatcherError('54001', 'statement is too complex (stack depth limit exceeded)', {
      ...(query !== undefined ? { query } : {}),
      cause: e,
    });
  }
  if (e instanceof RangeError && /invalid (string|array|typed array) length|allocation failed/i.test(message)) {
    // a value past what the VM can hold (a string concatenated past ~512 MB): a limit, not a crash
    return new DispatcherError(SqlState.ProgramLimitExceeded, `value too large: ${message}`, {
      ...(query !== undefined ? { query } : {}),
      cause: e,
    });
  }
  return new DispatcherError(SqlState.InternalError, `internal error: ${message}`, {
    ...(query !== undefined ? { query } : {}),
    cause: e,
  });
}

export function canceled(reason = 'canceling statement due to user request'): DispatcherError {
  return new DispatcherError(SqlState.QueryCanceled, reason);
}

/**
 * Not an error a user sees: thrown from inside a running statement when a row lock cannot be
 * granted at once. Layers that wrap errors must let it through; the coordinator catches it,
 * undoes the statement, waits for the lock and runs the statement again.
 */
export class LockWaitSignal extends Error {
  readonly resource: string;
  readonly mode: 'IS' | 'IX' | 'S' | 'SIX' | 'X';

  constructor(resource: string, mode: 'IS' | 'IX' | 'S' | 'SIX' | 'X') {
    super(`waiting for ${mode} lock on ${resource}`);
    this.name = 'LockWaitSignal';
    this.resource = resource;
    this.mode = mode;
  }
}
