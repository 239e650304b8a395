// Temporary database files for the file-backed engines, removed before and after each run.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SUFFIXES = ['', '-wal', '-shm', '-journal', '-lock'];

let opened = 0;

/** A fresh path per call: a turn's rehearsal database stays open beside its timed one. */
export function benchFile(name: string): string {
  return join(tmpdir(), `dispatchdb-bench-${process.pid}-${name}-${++opened}.db`);
}

export function removeDbFiles(path: string): void {
  for (const s of SUFFIXES) rmSync(path + s, { force: true, recursive: true });
}
