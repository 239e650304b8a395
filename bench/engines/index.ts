// Engine registry: a fresh adapter per run, so every run starts from an empty database.
import { AlasqlEngine } from './alasql.js';
import { BetterSqlite3Engine } from './better-sqlite3.js';
import { DispatchdbEngine } from './dispatchdb.js';
import { PgliteEngine } from './pglite.js';
import { SqljsEngine } from './sqljs.js';
import type { Engine, EngineId } from './types.js';

export function createEngine(id: EngineId): Engine {
  switch (id) {
    case 'dispatchdb':
      return new DispatchdbEngine(false);
    case 'dispatchdb-file':
      return new DispatchdbEngine(true);
    case 'dispatchdb-rows':
      return new DispatchdbEngine(false, false);
    case 'better-sqlite3':
      return new BetterSqlite3Engine(false);
    case 'better-sqlite3-file':
      return new BetterSqlite3Engine(true);
    case 'pglite':
      return new PgliteEngine();
    case 'alasql':
      return new AlasqlEngine();
    case 'sqljs':
      return new SqljsEngine();
  }
}
