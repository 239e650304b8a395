// The security validator: checks a request after analysis and before it reaches the dispatcher.
//   every level  statement length (54000), and the function allowlist when one is configured;
//   medium       + one statement per request (no stacked statements to smuggle a second command);
//   high         + a built-in allowlist when none is configured, and texts that look like an
//                  injection (a tautology such as OR 1=1, SQL comments) are refused.
// Function names are found by walking the AST once per shape (ASTs are shared by the parse cache,
// so the answer is remembered per AST object).
import { DispatcherError, SqlState } from '../api/errors.js';
import type { AnalyzedStatement } from './types.js';

export type SecurityLevel = 'low' | 'medium' | 'high';

export interface SecurityOptions {
  readonly level: SecurityLevel;
  readonly maxStatementLength: number;
  /** Lower-case names; empty = every function (unless the level is high). */
  readonly allowedFunctions: readonly string[];
}

/** What level high allows when no list is configured: pure, side-effect-free functions. */
export const HIGH_DEFAULT_FUNCTIONS: readonly string[] = [
  'count', 'sum', 'avg', 'min', 'max', 'total', 'group_concat', 'string_agg', 'bool_and', 'bool_or', 'every',
  'variance', 'var_samp', 'var_pop', 'stddev', 'stddev_samp', 'stddev_pop',
  'abs', 'round', 'ceil', 'ceiling', 'floor', 'trunc', 'mod', 'power', 'sqrt', 'sign',
  'lower', 'upper', 'length', 'char_length', 'character_length', 'octet_length', 'substr', 'substring', 'trim',
  'ltrim', 'rtrim', 'replace', 'concat', 'position', 'strpos', 'left', 'right', 'lpad', 'rpad', 'reverse',
  'coalesce', 'nullif', 'ifnull', 'greatest', 'least', 'cast', 'typeof',
  'now', 'current_timestamp', 'current_date', 'current_time',
];

/** Functions the engine itself puts into ASTs (front-end rewrites): never refused. */
const INTERNAL = new Set(['__dispatchdb_distinct']);

const functionCache = new WeakMap<object, readonly string[]>();

/** The lower-cased names of every function called anywhere in the AST (subqueries included). */
export function functionsOf(ast: unknown): readonly string[] {
  if (ast === null || typeof ast !== 'object') return [];
  const cached = functionCache.get(ast);
  if (cached !== undefined) return cached;
  const names = new Set<string>();
  const stack: unknown[] = [ast];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const n = stack.pop();
    if (n === null || typeof n !== 'object' || seen.has(n)) continue;
    seen.add(n);
    if (Array.isArray(n)) {
      for (const c of n) stack.push(c);
      continue;
    }
    const o = n as Record<string, unknown>;
    if (o['type'] === 'function' || o['type'] === 'aggr_func') {
      const name = nameOf(o['name']);
      if (name !== '' && !INTERNAL.has(name)) names.add(name);
    }
    for (const k in o) {
      if (k === 'loc' || k === 'tableList' || k === 'columnList') continue;
      const c = o[k];
      if (c !== null && typeof c === 'object') stack.push(c);
    }
  }
  const out = [...names];
  functionCache.set(ast, out);
  return out;
}

function nameOf(nm: unknown): string {
  if (typeof nm === 'string') return nm.toLowerCase();
  if (nm !== null && typeof nm === 'object') {
    const parts = (nm as { name?: unknown }).name;
    if (Array.isArray(parts) && parts.length > 0) {
      const last = parts[parts.length - 1] as { value?: unknown };
      return String(last.value ?? '').toLowerCase();
    }
  }
  return '';
}

// A comparison of a literal with itself after OR (OR 1=1, OR 'a'='a'), or a comment: the classic
// signs of text pasted into SQL.
const TAUTOLOGY = /\bor\s+(\d+|'[^']*')\s*=\s*\1(?![\w'])/i;
const COMMENT = /--|\/\*/;

export class SecurityValidator {
  readonly level: SecurityLevel;
  readonly maxStatementLength: number;
  readonly #allowed: ReadonlySet<string> | null;
  /** Requests refused, for the monitor. */
  refused = 0;

  constructor(o: SecurityOptions) {
    this.level = o.level;
    this.maxStatementLength = o.maxStatementLength;
    const list = o.allowedFunctions.length > 0 ? o.allowedFunctions : o.level === 'high' ? HIGH_DEFAULT_FUNCTIONS : [];
    this.#allowed = list.length > 0 ? new Set(list.map((f) => f.toLowerCase())) : null;
  }

  /** True when the only check is the length limit (the API then skips check()). */
  get lengthOnly(): boolean {
    return this.#allowed === null && this.level === 'low';
  }

  /** Before analysis: the text's length (parsing a huge text is work worth refusing early). */
  checkText(sql: string): void {
    if (sql.length > this.maxStatementLength) {
      this.refused++;
      throw new DispatcherError(
        SqlState.ProgramLimitExceeded,
        `statement too long: ${sql.length} characters, max_statement_length is ${this.maxStatementLength}`,
      );
    }
  }

  /** After analysis: throws a DispatcherError naming what is not allowed. */
  check(sql: string, statements: readonly AnalyzedStatement[]): void {
    if (this.level !== 'low' && statements.length > 1) {
      this.refused++;
      throw new DispatcherError(
        SqlState.InsufficientPrivilege,
        `multiple statements in one request are not allowed at security_level ${this.level}`,
      );
    }
    if (this.level === 'high') {
      if (TAUTOLOGY.test(sql)) {
        this.refused++;
        throw new DispatcherError(SqlState.InsufficientPrivilege, 'statement refused: it contains a tautology (OR x = x) typical of SQL injection');
      }
      if (COMMENT.test(sql)) {
        this.refused++;
        throw new DispatcherError(SqlState.InsufficientPrivilege, 'statement refused: comments are not allowed at security_level high');
      }
    }
    const allowed = this.#allowed;
    if (allowed === null) return;
    for (const st of statements) {
      for (const f of functionsOf(st.ast)) {
        if (!allowed.has(f)) {
          this.refused++;
          throw new DispatcherError(SqlState.InsufficientPrivilege, `function ${f} is not allowed`, {
            detail: 'allowed_functions of the configuration does not list it',
          });
        }
      }
    }
  }
}
