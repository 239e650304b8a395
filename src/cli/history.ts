// Command history kept between sessions in ~/.dispatchdb_history (oldest line first), or in the
// file $DISPATCHDB_HISTORY names. Failing to read or write it never stops the shell.
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const HISTORY_SIZE = 1000;

export function historyPath(): string {
  const env = process.env['DISPATCHDB_HISTORY'];
  return env !== undefined && env !== '' ? env : join(homedir(), '.dispatchdb_history');
}

/** Newest first, as node:readline wants it. */
export function loadHistory(path: string): string[] {
  try {
    const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '');
    return lines.slice(-HISTORY_SIZE).reverse();
  } catch {
    return [];
  }
}

/** Takes readline's history (newest first) and stores it oldest first. */
export function saveHistory(path: string, newestFirst: readonly string[]): void {
  try {
    const lines = newestFirst.slice(0, HISTORY_SIZE).reverse();
    writeFileSync(path, lines.length === 0 ? '' : `${lines.join('\n')}\n`, { mode: 0o600 });
  } catch {
    // A read-only home must not break the shell.
  }
}
