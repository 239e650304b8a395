// Temporary database files for the file-backed engines, removed before and after each run.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SUFFIXES = ['', '-wal', '-shm', '-journal', '-lock'];

export function benchFile(name: string): string {
  return join(tmpdir(), `dispatchdb-bench-${process.pid}-${name}.db`);
}

export function removeDbFiles(path: string): void {
  for (const s of SUFFIXES) rmSync(path + s, { force: true, recursive: true });
}
