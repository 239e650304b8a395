// Public entry of dispatchdb.
export { Database, type DatabaseOptions, type DatabaseMonitor } from './api/database.js';
export { Session } from './api/session.js';
export { PreparedStatement } from './api/prepared-statement.js';
export { DispatcherError, ErrorCode, SqlState, isDispatcherError } from './api/errors.js';
export type * from './api/types.js';
export type { TableDef, ColumnDef, IndexDef, StorageStats } from './storage/ports.js';
