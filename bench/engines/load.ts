// One engine's adapter loaded on demand: the M probe imports only the engine it measures, after it
// has recorded RSS, so every engine's M includes its library (code and what loading it allocates)
// and the 'none' baseline includes no engine at all. (The registry in index.ts imports every
// adapter, and with it every library, up front.)
import type { Engine, EngineId } from './types.js';

export async function loadEngine(id: EngineId): Promise<Engine> {
  switch (id) {
    case 'dispatchdb':
    case 'dispatchdb-file':
    case 'dispatchdb-rows':
      return new (await import('./dispatchdb.js')).DispatchdbEngine(id === 'dispatchdb-file', id !== 'dispatchdb-rows');
    case 'better-sqlite3':
    case 'better-sqlite3-file':
      return new (await import('./better-sqlite3.js')).BetterSqlite3Engine(id === 'better-sqlite3-file');
    case 'pglite':
      return new (await import('./pglite.js')).PgliteEngine();
    case 'alasql':
      return new (await import('./alasql.js')).AlasqlEngine();
    case 'sqljs':
      return new (await import('./sqljs.js')).SqljsEngine();
  }
}
