// Public entry of dispatchdb.
export { Database, type DatabaseOptions, type DatabaseMonitor } from './api/database.js';
export { Session } from './api/session.js';
export { PreparedStatement } from './api/prepared-statement.js';
export { DispatcherError, ErrorCode, SqlState, isDispatcherError } from './api/errors.js';
export type * from './api/types.js';
export type { TableDef, ColumnDef, IndexDef, StorageStats } from './storage/ports.js';
export { DEFAULT_CONFIG, loadConfig, type ConfigObject, type DispatcherConfig, type SecurityLevel } from './api/config.js';
export type { ConcurrentRequest, ConcurrentResult, StatementStats, CachesReport } from './api/database-ops.js';
export type { Plugin, PluginContext, PluginResult } from './plugins/plugin.js';
export type { SlowQueryEntry } from './observability/slow-query-log.js';
