// The Hermitage case file (isolation-cases/v1): its types and where to find it. The file lives
// next to the repository (../shared/isolation/hermitage.json) unless
// $DISPATCHDB_HERMITAGE_CASES names another one.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LEVEL_KEYS = ['RC', 'RR', 'SER'] as const;
export type LevelKey = (typeof LEVEL_KEYS)[number];

/** A row as the predicates see it: [id, value]. */
export type Row = readonly unknown[];

/** One step's expected PostgreSQL behaviour, for one level. */
export type Expect =
  | 'ok'
  | 'error'
  | 'aborted'
  | 'any'
  | { readonly rows: readonly Row[] }
  | { readonly blocks: Expect };

/** Either one expectation for every level or one per level. */
export type ExpectSpec = Expect | { readonly RC: Expect; readonly RR: Expect; readonly SER: Expect };

export type Predicate =
  | { readonly step: string; readonly rows: readonly Row[] }
  | { readonly step: string; readonly notRows: readonly Row[] }
  | { readonly step: string; readonly hasRow: Row }
  | { readonly committed: string }
  | { readonly finalIn: readonly (readonly Row[])[] }
  | { readonly finalNotIn: readonly (readonly Row[])[] }
  | { readonly all: readonly Predicate[] }
  | { readonly any: readonly Predicate[] }
  | { readonly not: Predicate };

export interface Step {
  readonly session: string;
  readonly sql: string;
  readonly id?: string;
  readonly expect?: ExpectSpec;
}

export interface HermitageCase {
  readonly id: string;
  readonly hermitage_column: string;
  readonly name: string;
  readonly steps: readonly Step[];
  readonly anomaly: Predicate;
  readonly postgres: Readonly<Record<LevelKey, 'prevented' | 'anomaly'>>;
  readonly note?: string;
  readonly excluded_from_column?: boolean;
}

export interface HermitageFile {
  readonly format: string;
  readonly block_ms: number;
  readonly levels: readonly { readonly key: LevelKey; readonly sql: string }[];
  readonly setup: readonly string[];
  readonly teardown: readonly string[];
  readonly final_check: string;
  readonly cases: readonly HermitageCase[];
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function hermitagePath(): string {
  const env = process.env['DISPATCHDB_HERMITAGE_CASES'];
  if (env !== undefined && env !== '') return resolve(REPO_ROOT, env);
  return resolve(REPO_ROOT, '../shared/isolation/hermitage.json');
}

/** The case file, or null when it is not there (the suite is skipped, as sqllogictest is). */
export function loadHermitage(path = hermitagePath()): HermitageFile | null {
  if (!existsSync(path)) return null;
  const file = JSON.parse(readFileSync(path, 'utf8')) as HermitageFile;
  if (file.format !== 'isolation-cases/v1') throw new Error(`${path}: unknown format ${file.format}`);
  return file;
}

/** The expectation of a step at one level ('ok' when omitted). */
export function expectAt(step: Step, level: LevelKey): Expect {
  const e = step.expect;
  if (e === undefined) return 'ok';
  if (typeof e === 'object' && 'RC' in e) return e[level];
  return e;
}

export function levelSql(file: HermitageFile, level: LevelKey): string {
  const l = file.levels.find((x) => x.key === level);
  if (l === undefined) throw new Error(`level ${level} is not in the case file`);
  return l.sql;
}
