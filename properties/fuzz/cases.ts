// One fuzz case: a text, its parameters, how the caller runs it, and which generator made it (the
// run's report counts outcomes by generator).
import fc from 'fast-check';
import {
  deeplyNestedStatement,
  edgeTextStatement,
  hugeLiteralStatement,
  longIdentifierStatement,
  mutatedStatement,
  oddCharacterStatement,
  randomBytesStatement,
  truncatedStatement,
  unicodeStatement,
} from './malformed-arbitraries.js';
import { paramList, placeholderCount } from './param-arbitraries.js';
import { validScript, validStatement } from './sql-arbitraries.js';

export type Category =
  | 'valid'
  | 'script'
  | 'mutated'
  | 'truncated'
  | 'deep'
  | 'huge'
  | 'long-ident'
  | 'odd-char'
  | 'unicode'
  | 'bytes'
  | 'edge';

/** execute(): awaited; query(): the handle, rows streamed; prepared: prepare() then execute(). */
export type RunMode = 'execute' | 'query' | 'query-unsubscribe' | 'query-cancel' | 'prepared' | 'object-rows';

export interface FuzzCase {
  readonly category: Category;
  readonly sql: string;
  readonly params: unknown;
  readonly mode: RunMode;
}

const GENERATORS: readonly { readonly category: Category; readonly weight: number; readonly sql: fc.Arbitrary<string> }[] = [
  { category: 'valid', weight: 50, sql: validStatement },
  { category: 'script', weight: 4, sql: validScript },
  { category: 'mutated', weight: 16, sql: mutatedStatement },
  { category: 'truncated', weight: 4, sql: truncatedStatement },
  { category: 'deep', weight: 3, sql: deeplyNestedStatement },
  { category: 'huge', weight: 4, sql: hugeLiteralStatement },
  { category: 'long-ident', weight: 2, sql: longIdentifierStatement },
  { category: 'odd-char', weight: 5, sql: oddCharacterStatement },
  { category: 'unicode', weight: 4, sql: unicodeStatement },
  { category: 'bytes', weight: 3, sql: randomBytesStatement },
  { category: 'edge', weight: 1, sql: edgeTextStatement },
];

const mode: fc.Arbitrary<RunMode> = fc.oneof(
  { weight: 20, arbitrary: fc.constant<RunMode>('execute') },
  { weight: 2, arbitrary: fc.constant<RunMode>('query') },
  { weight: 1, arbitrary: fc.constant<RunMode>('query-unsubscribe') },
  { weight: 1, arbitrary: fc.constant<RunMode>('query-cancel') },
  { weight: 2, arbitrary: fc.constant<RunMode>('prepared') },
  { weight: 1, arbitrary: fc.constant<RunMode>('object-rows') },
);

export const fuzzCase: fc.Arbitrary<FuzzCase> = fc
  .oneof(...GENERATORS.map((g) => ({ weight: g.weight, arbitrary: g.sql.map((sql) => ({ category: g.category, sql })) })))
  .chain(({ category, sql }) =>
    fc.tuple(paramList(placeholderCount(sql.length > 200_000 ? sql.slice(0, 200_000) : sql)), mode).map(([params, m]): FuzzCase => ({ category, sql, params, mode: m })),
  );

/** A short description for reports (long texts are cut; the seed reproduces them). */
export function describeCase(c: FuzzCase): string {
  const sql = c.sql.length > 300 ? `${JSON.stringify(c.sql.slice(0, 300))}… (${c.sql.length} chars)` : JSON.stringify(c.sql);
  let params: string;
  try {
    params = Array.isArray(c.params) ? `[${c.params.map(describeValue).join(', ')}]` : describeValue(c.params);
  } catch {
    params = '(unprintable)';
  }
  return `[${c.category}/${c.mode}] ${sql} params=${params.length > 200 ? `${params.slice(0, 200)}…` : params}`;
}

export function describeValue(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'symbol' || typeof v === 'function') return typeof v;
  if (v === null || typeof v !== 'object') return String(v);
  try {
    return Object.prototype.toString.call(v);
  } catch {
    return '[object ?]';
  }
}
