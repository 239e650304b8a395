// PRAGMA name [= value] and SHOW of engine settings: facts of the storage engine and the catalog
// as small result sets. Reading is everyone's; the engine's settings are fixed while it is open.
import { DispatcherError, SqlState } from '../../api/errors.js';
import type { ColumnType, ReadView, SqlValue, StorageEngine } from '../../storage/ports.js';
import type { ResultColumn } from '../types.js';
import { tableStatistics } from './analyze.js';

export interface PragmaResult {
  readonly columns: readonly ResultColumn[];
  readonly rows: SqlValue[][];
}

/** Names SHOW answers from the engine (the rest are session settings). */
export const ENGINE_SETTINGS: ReadonlySet<string> = new Set([
  'page_size',
  'pool_pages',
  'cache_size',
  'page_count',
  'freelist_count',
  'wal_frames',
  'cache_stats',
  'storage_stats',
]);

const col = (name: string, type: ColumnType): ResultColumn => ({ name, type });

function one(name: string, type: ColumnType, value: SqlValue): PragmaResult {
  return { columns: [col(name, type)], rows: [[value]] };
}

function tableArg(view: ReadView, value: SqlValue | undefined, pragma: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new DispatcherError(SqlState.SyntaxError, `PRAGMA ${pragma} needs a table name: PRAGMA ${pragma}(t)`);
  }
  const name = value.toLowerCase();
  if (view.getTable(name) === undefined) throw new DispatcherError(SqlState.UndefinedTable, `relation "${value}" does not exist`);
  return name;
}

/** Runs a PRAGMA that answers at once (wal_checkpoint is the coordinator's: it waits for I/O). */
export function runPragma(name: string, value: SqlValue | undefined, view: ReadView, storage: StorageEngine): PragmaResult {
  const s = storage.stats();
  if (value !== undefined && !['table_info', 'index_list', 'stats', 'integrity_check'].includes(name)) {
    throw new DispatcherError(
      '55P02',
      `PRAGMA ${name} cannot be changed while the database is open (set it in Database.open options)`,
    );
  }
  switch (name) {
    case 'page_size':
      return one('page_size', 'integer', s.pageSize);
    case 'pool_pages':
    case 'cache_size':
      return one(name, 'integer', s.poolCapacity);
    case 'page_count':
      return one('page_count', 'integer', s.pageCount);
    case 'freelist_count':
      return one('freelist_count', 'integer', s.freePages);
    case 'wal_frames':
      return one('wal_frames', 'integer', s.walFrames);
    case 'cache_stats': {
      const total = s.hits + s.misses;
      return {
        columns: [
          col('pool_pages', 'integer'),
          col('cached_pages', 'integer'),
          col('hits', 'integer'),
          col('misses', 'integer'),
          col('evictions', 'integer'),
          col('hit_ratio', 'real'),
        ],
        rows: [[s.poolCapacity, s.poolSize, s.hits, s.misses, s.evictions, total === 0 ? 0 : s.hits / total]],
      };
    }
    case 'storage_stats':
      return {
        columns: [col('name', 'text'), col('value', 'integer')],
        rows: Object.entries(s).map(([k, v]) => [k, v as number]),
      };
    case 'integrity_check': {
      const problems = storage.integrityCheck();
      return { columns: [col('integrity_check', 'text')], rows: problems.length === 0 ? [['ok']] : problems.map((p) => [p]) };
    }
    case 'table_list':
      return {
        columns: [col('name', 'text'), col('columns', 'integer'), col('rows', 'integer')],
        rows: view
          .tables()
          .filter((t) => !t.name.startsWith('pg_temp_'))
          .map((t) => [t.name, t.columns.length, view.rowCount(t.name)]),
      };
    case 'table_info': {
      const def = view.getTable(tableArg(view, value, name));
      return {
        columns: [
          col('cid', 'integer'),
          col('name', 'text'),
          col('type', 'text'),
          col('notnull', 'boolean'),
          col('dflt_value', 'text'),
          col('pk', 'integer'),
        ],
        rows: (def?.columns ?? []).map((c, i) => {
          const pk = def?.primaryKey.indexOf(i) ?? -1;
          return [i, c.name, c.declaredType, c.notNull, c.defaultSql ?? null, pk + 1];
        }),
      };
    }
    case 'index_list': {
      const def = view.getTable(tableArg(view, value, name));
      return {
        columns: [col('name', 'text'), col('unique', 'boolean'), col('columns', 'text'), col('implicit', 'boolean')],
        rows: (def?.indexes ?? []).map((ix) => [
          ix.name,
          ix.unique,
          ix.columns.map((i) => def?.columns[i]?.name ?? String(i)).join(', '),
          ix.implicit,
        ]),
      };
    }
    case 'stats': {
      const table = tableArg(view, value, name);
      const st = tableStatistics(view, table);
      return {
        columns: [
          col('column', 'text'),
          col('rows', 'integer'),
          col('distinct', 'integer'),
          col('null_fraction', 'real'),
          col('min', 'any'),
          col('max', 'any'),
        ],
        rows: (st?.columns ?? []).map((c) => [c.name, st?.rowCount ?? 0, c.distinct, c.nullFraction, c.min, c.max]),
      };
    }
    default:
      throw new DispatcherError(SqlState.UndefinedObject, `unrecognized PRAGMA "${name}"`);
  }
}
