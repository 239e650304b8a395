// Where the corpus lives and which files of it to run.
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** $DISPATCHDB_SLT_DIR, else ../shared/sqllogictest next to the repository (never the cwd). */
export function defaultSltDir(): string {
  const env = process.env['DISPATCHDB_SLT_DIR'];
  if (env !== undefined && env !== '') return resolve(REPO_ROOT, env);
  return resolve(REPO_ROOT, '../shared/sqllogictest');
}

/** Every *.test file under a folder, recursively, sorted. */
export function findScripts(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findScripts(p));
    else if (entry.isFile() && entry.name.endsWith('.test')) out.push(p);
  }
  return out.sort();
}
