// What the runner needs of a database engine. Adapters wrap dispatchdb and, to validate the
// runner itself, SQLite (which must pass every record of the corpus).
import type { FormatOptions, ResultValue } from './format.js';

export interface SltEngine {
  /** Name matched against skipif / onlyif lines. */
  readonly conditionName: string;
  /** Runs a statement whose result is not checked; throws on failure. */
  statement(sql: string): Promise<void>;
  /** Runs a query; rows are arrays of values in column order. Throws on failure. */
  query(sql: string): Promise<readonly (readonly ResultValue[])[]>;
  close(): Promise<void>;
  readonly format?: FormatOptions;
}

export interface EngineOpenOptions {
  /** Database file path; ':memory:' (the default) for an in-memory database. */
  readonly path?: string;
  /** Per-statement timeout in ms, when the engine supports one. */
  readonly statementTimeoutMs?: number;
}

export interface EngineFactory {
  readonly name: string;
  open(opts: EngineOpenOptions): Promise<SltEngine>;
}

export const ENGINE_NAMES = ['dispatchdb', 'sqlite', 'pglite'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export function isEngineName(s: string): s is EngineName {
  return (ENGINE_NAMES as readonly string[]).includes(s);
}

/** Loads an adapter lazily, so running one engine never loads the other. */
export async function loadEngine(name: EngineName): Promise<EngineFactory> {
  switch (name) {
    case 'sqlite':
      return (await import('./engines/sqlite.js')).sqliteEngine;
    case 'dispatchdb':
      return (await import('./engines/dispatchdb.js')).dispatchdbEngine;
    case 'pglite':
      return (await import('./engines/pglite.js')).pgliteEngine;
  }
}

/** A readable message of anything an engine throws, with its SQLSTATE when it has one. */
export function errorText(e: unknown): string {
  if (e instanceof Error) {
    const state = (e as { sqlState?: unknown }).sqlState;
    return typeof state === 'string' ? `${state}: ${e.message}` : `${e.name}: ${e.message}`;
  }
  return String(e);
}
