// VACUUM [table]: the storage engine keeps a free list and reuses free pages for later writes, but
// cannot shrink its file. VACUUM therefore checkpoints (the WAL's pages go to the data file and
// pages that only old versions held become free) and reports the page facts before and after:
// what was freed, what is free for reuse, and that the file was not truncated.
import type { StorageStats } from '../../storage/ports.js';
import type { ResultColumn } from '../types.js';

export const VACUUM_COLUMNS: readonly ResultColumn[] = [
  { name: 'table', type: 'text' },
  { name: 'pages', type: 'integer' },
  { name: 'free_pages', type: 'integer' },
  { name: 'pages_freed', type: 'integer' },
  { name: 'wal_frames_checkpointed', type: 'integer' },
  { name: 'bytes_reusable', type: 'integer' },
  { name: 'file_shrunk', type: 'boolean' },
];

export function vacuumRow(table: string | null, before: StorageStats, after: StorageStats): (string | number | boolean | null)[] {
  return [
    table,
    after.pageCount,
    after.freePages,
    Math.max(0, after.freePages - before.freePages),
    Math.max(0, before.walFrames - after.walFrames),
    after.freePages * after.pageSize,
    after.pageCount < before.pageCount,
  ];
}
