// The analyser: SQL text in, one AnalyzedStatement per statement out.
//
//   tokenize -> split at `;` -> per statement: shape (normalize + lift literals) -> cache lookup
//   by shape key -> on a miss: front parser or node-sql-parser, classify, metadata -> cache.
//
// A repeated shape costs a tokenizer pass and a Map lookup. ASTs (and their metadata) are shared
// by every statement of the same shape through the cache: they are immutable — never mutate an
// AST handed out by the analyser; copy what you need to change.
import { DispatcherError, SqlState, isDispatcherError } from '../api/errors.js';
import { Parser } from './sql-parser.js';
import { boundedParse } from './bounded-parse.js';
import { Cursor, syntaxErrorAt } from './cursor.js';
import { frontParserFor, notSupported, parseExplainPrefix, parsePreparePrefix, unsupportedStatement } from './front.js';
import type { ExplainNode, FrontNode, InnerStatement, PrepareNode } from './front-nodes.js';
import { classify } from './classify.js';
import { KIND_FLAGS } from './kind-flags.js';
import { LIFTABLE_START } from './keywords.js';
import { Lru } from './lru.js';
import { metadataOfAst, metadataOfFront } from './metadata.js';
import { ParserRejection, asDispatcherError, isParseError, mapSyntaxError, statementSyntaxError } from './parse-errors.js';
import { DISTINCT_OPERAND, ShapeMode, shapeOf, type DistinctOperand, type Shape } from './shape.js';
import { Tok, tokenize, type Token } from './tokenizer.js';
import { restoreWindows } from './window-shape.js';
import { maySelectCall, repairSelectCalls } from './select-call.js';
import { mayArrayQuantifier, rewriteArrayQuantifiers } from './array-quantifier.js';
import { truncateAsDelete } from './truncate.js';
import { mayRowCompare, rewriteRowComparisons } from './row-compare.js';
import { mayGroupingSets, rewriteGroupingSets } from './grouping-sets.js';
import { mayHoldParenSelect, padParenSelects, removeParenSelectPads } from './paren-select.js';
import { insertOrForm, isCreateTrigger, parseCreateTrigger, type InsertOr } from './trigger-front.js';
import type { TriggerStatement } from './front-nodes.js';
import type { AnalyzedStatement, KindFlags, StatementKind, StatementMetadata } from './types.js';

export interface AnalyzerOptions {
  /** Shapes kept in the parse cache (LRU). Default 1000; 0 disables caching. */
  readonly cacheSize?: number;
  /** Answer 0A000 for kinds the engine does not implement yet (KindFlags.implemented). Default true. */
  readonly rejectUnimplemented?: boolean;
  /** Longest accepted text in characters (54000 beyond). Default 16 Mi. */
  readonly maxTextLength?: number;
  /** Shapes with a longer normalized text are analysed but not cached. Default 64 Ki. */
  readonly maxCachedKeyLength?: number;
}

export interface AnalyzerStats {
  readonly hits: number;
  readonly misses: number;
  readonly size: number;
  readonly capacity: number;
  /** node-sql-parser invocations (a failed lifted parse retried unlifted counts twice). */
  readonly parses: number;
}

/** What the cache holds per shape: everything that does not depend on the literal values. */
interface Entry {
  readonly kind: StatementKind;
  readonly flags: KindFlags;
  readonly ast: unknown;
  readonly metadata: StatementMetadata;
}

/** Marks a lifted shape whose placeholders the grammar rejects: analyse it unlifted instead. */
const NO_LIFT = Symbol('no-lift');
type Cached = Entry | typeof NO_LIFT;

interface Prepared {
  readonly entry: Entry;
  readonly key: string;
  readonly shape: Shape;
  readonly hit: boolean;
}

const PARSE_OPTIONS = { database: 'postgresql' } as const;
const EXPLAINABLE: ReadonlySet<StatementKind> = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'EXECUTE']);
const PREPARABLE: ReadonlySet<StatementKind> = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE']);

export class Analyzer {
  readonly #cache: Lru<string, Cached>;
  readonly #parser = new Parser();
  readonly #rejectUnimplemented: boolean;
  readonly #maxTextLength: number;
  readonly #maxCachedKeyLength: number;
  #hits = 0;
  #misses = 0;
  #parses = 0;

  constructor(options: AnalyzerOptions = {}) {
    this.#cache = new Lru(options.cacheSize ?? 1000);
    this.#rejectUnimplemented = options.rejectUnimplemented ?? true;
    this.#maxTextLength = options.maxTextLength ?? 16 * 1024 * 1024;
    this.#maxCachedKeyLength = options.maxCachedKeyLength ?? 64 * 1024;
  }

  stats(): AnalyzerStats {
    return { hits: this.#hits, misses: this.#misses, size: this.#cache.size, capacity: this.#cache.capacity, parses: this.#parses };
  }

  clearCache(): void {
    this.#cache.clear();
  }

  /** Analyses every statement of `sql`; an empty text (or only comments) gives []. */
  analyze(sql: string): AnalyzedStatement[] {
    if (sql.length > this.#maxTextLength) {
      throw new DispatcherError(SqlState.ProgramLimitExceeded, `statement too long (${sql.length} characters, limit ${this.#maxTextLength})`);
    }
    try {
      const tokens = tokenize(sql);
      const out: AnalyzedStatement[] = [];
      let from = 0;
      while (from < tokens.length) {
        const to = statementEnd(tokens, from);
        if (to > from) out.push(this.#statement(sql, tokens, from, to));
        from = to + 1;
      }
      return out;
    } catch (e) {
      throw asDispatcherError(e, sql);
    }
  }

  #statement(sql: string, tokens: readonly Token[], from: number, to: number): AnalyzedStatement {
    const p = this.#prepare(sql, tokens, from, to);
    const { entry, shape } = p;
    if (this.#rejectUnimplemented && !entry.flags.implemented) {
      throw new DispatcherError(SqlState.FeatureNotSupported, `${entry.kind.replace(/_/g, ' ')} is not supported`, { query: sql });
    }
    return {
      kind: entry.kind,
      flags: entry.flags,
      ast: entry.ast,
      shapeKey: p.key,
      liftedParams: shape.liftedParams,
      liftedTypes: shape.liftedTypes,
      userParamCount: shape.userParamCount,
      text: sql.slice(tokens[from]!.start, tokens[to - 1]!.end),
      metadata: entry.metadata,
      cacheHit: p.hit,
    };
  }

  /** Shape, cache lookup, and on a miss the parse of one statement (tokens [from, to)). */
  #prepare(sql: string, tokens: readonly Token[], from: number, to: number): Prepared {
    const first = tokens[from]!;
    const word = first.type === Tok.Word ? first.text : '';
    if (word === 'EXPLAIN') return this.#wrapped(sql, tokens, from, to, 'EXPLAIN');
    if (word === 'PREPARE') return this.#wrapped(sql, tokens, from, to, 'PREPARE');
    if (word === 'CREATE' && isCreateTrigger(tokens, from, to)) return this.#trigger(sql, tokens, from, to);
    if (word === 'TRUNCATE') {
      const del = truncateAsDelete(sql, tokens, from, to);
      return this.#prepare(sql, del, 0, del.length);
    }
    if (word === 'REPLACE' || (word === 'INSERT' && to - from > 2 && tokens[from + 1]!.text === 'OR')) {
      const form = insertOrForm(sql, tokens, from, to);
      if (form !== undefined) return this.#insertOr(sql, form.tokens, form.or);
    }
    const dml = LIFTABLE_START.has(word) || (first.type === Tok.Punct && first.text === '(');
    const front = dml ? undefined : frontParserFor(tokens, from, to);
    // EXECUTE's arguments are lifted too: EXECUTE p(1) and EXECUTE p(2) share one shape
    let mode = dml ? ShapeMode.Lift | ShapeMode.Dml : word === 'EXECUTE' ? ShapeMode.Lift | ShapeMode.Front : front !== undefined ? ShapeMode.Front : 0;
    let shape = shapeOf(sql, tokens, from, to, mode);
    let key = keyOf(shape);
    let cached = this.#cache.get(key);
    if (cached === NO_LIFT) {
      mode &= ~ShapeMode.Lift;
      shape = shapeOf(sql, tokens, from, to, mode);
      key = keyOf(shape);
      cached = this.#cache.get(key);
    }
    if (cached !== undefined && cached !== NO_LIFT) {
      this.#hits++;
      return { entry: cached, key, shape, hit: true };
    }
    this.#misses++;
    const unsupported = unsupportedStatement(tokens, from, to);
    if (unsupported !== undefined) throw notSupported(unsupported, sql);
    if (front !== undefined) {
      let entry: Entry;
      try {
        entry = this.#frontEntry(sql, tokens, from, to, front, shape.liftedParams.length > 0);
      } catch (e) {
        if (shape.liftedParams.length === 0 || !isParseError(e)) throw e;
        // EXECUTE arguments the grammar takes only as literals: this shape goes unlifted
        entry = this.#frontEntry(sql, tokens, from, to, front, false);
        this.#remember(key, NO_LIFT);
        shape = shapeOf(sql, tokens, from, to, mode & ~ShapeMode.Lift);
        key = keyOf(shape);
      }
      this.#remember(key, entry);
      return { entry, key, shape, hit: false };
    }
    let ast: unknown;
    try {
      ast = this.#parse(shape.text);
    } catch (e) {
      if (!isParseError(e)) throw e;
      if (shape.liftedParams.length === 0) throw statementSyntaxError(e, sql, tokens, from, to, mode);
      // the grammar wants a literal somewhere a placeholder went: analyse this shape unlifted
      mode &= ~ShapeMode.Lift;
      const plain = shapeOf(sql, tokens, from, to, mode);
      try {
        ast = this.#parse(plain.text);
      } catch (e2) {
        if (!isParseError(e2)) throw e2;
        throw statementSyntaxError(e2, sql, tokens, from, to, mode);
      }
      this.#remember(key, NO_LIFT);
      shape = plain;
      key = keyOf(plain);
    }
    if (maySelectCall(shape.text)) repairSelectCalls(ast);
    if (mayArrayQuantifier(shape.text)) rewriteArrayQuantifiers(ast);
    if (mayRowCompare(shape.text)) rewriteRowComparisons(ast);
    if (mayGroupingSets(shape.text)) ast = rewriteGroupingSets(ast);
    if (shape.distinctOperands !== undefined) restoreDistinctOperands(ast, shape.distinctOperands);
    if (shape.insertWithoutColumns === true) (ast as Record<string, unknown>)['columns'] = null;
    if (shape.windows !== undefined) restoreWindows(ast, shape.windows, (text) => this.#parseExpression(text));
    if (shape.identityAlways !== undefined) (ast as Record<string, unknown>)['identityAlways'] = shape.identityAlways;
    if (shape.locking !== undefined) {
      if ((ast as { type?: unknown }).type !== 'select') throw syntaxErrorAt(sql, tokens[from], tokens[to - 1]);
      const { text: _text, ...locking } = shape.locking;
      (ast as Record<string, unknown>)['locking'] = locking;
    }
    const kind = classify(ast, false);
    const flags = KIND_FLAGS[kind];
    const entry: Entry = { kind, flags, ast, metadata: frozen(metadataOfAst(kind, flags, ast, this.#operandAsts(shape))) };
    this.#remember(key, entry);
    return { entry, key, shape, hit: false };
  }

  /**
   * IS DISTINCT FROM operands, parsed here (under the parse guard) so that a text the grammar
   * chokes on fails now rather than when execution parses it again, unguarded; their subqueries
   * go into the metadata (tables, locks).
   */
  #operandAsts(shape: Shape): unknown[] {
    const out: unknown[] = [];
    for (const o of shape.distinctOperands ?? []) {
      let ast: unknown;
      try {
        ast = this.#parse(`SELECT ${o.text}`);
      } catch (e) {
        if (isDispatcherError(e) || e instanceof RangeError) throw e;
        throw new DispatcherError(SqlState.SyntaxError, `syntax error in IS DISTINCT FROM operand: ${o.text.slice(0, 80)}`, { cause: e });
      }
      if (/\bSELECT\b/.test(o.text)) out.push(ast);
    }
    return out;
  }

  /** Caches a shape unless its text is so long (bulk INSERTs) that keeping it would cost more
   *  memory than the parse it saves is worth. */
  #remember(key: string, value: Cached): void {
    if (key.length <= this.#maxCachedKeyLength) this.#cache.set(key, value);
  }

  #parse(text: string): unknown {
    this.#parses++;
    let ast;
    try {
      ast = boundedParse(text, PARSE_OPTIONS, (t) => this.#parser.astify(t, PARSE_OPTIONS));
    } catch (e) {
      const padded = isParseError(e) && mayHoldParenSelect(text) ? padParenSelects(text) : null;
      if (padded !== null) {
        try {
          ast = boundedParse(padded, PARSE_OPTIONS, (t) => this.#parser.astify(t, PARSE_OPTIONS));
        } catch {
          // not that: report the text's own error
        }
        if (ast !== undefined) {
          removeParenSelectPads(ast);
          return Array.isArray(ast) ? this.#single(ast) : ast;
        }
      }
      // the grammar's actions reject some input with plain Errors ('invalid column clause
      // with select statement'): they are about the text, so they are syntax errors too
      if (e instanceof Error && !(e instanceof RangeError) && !isDispatcherError(e) && !isParseError(e)) throw new ParserRejection(e);
      throw e;
    }
    return Array.isArray(ast) ? this.#single(ast) : ast;
  }

  #single(asts: unknown[]): unknown {
    if (asts.length !== 1) throw new DispatcherError(SqlState.SyntaxError, 'expected exactly one statement');
    return asts[0];
  }

  /** One expression's normalized text (window frame offsets) as an expression node. */
  #parseExpression(text: string): unknown {
    let ast: { columns?: { expr?: unknown }[] };
    try {
      ast = this.#parse('SELECT ' + text) as typeof ast;
    } catch (e) {
      // the grammar's error is about the fragment, not the statement: report the fragment
      if (isDispatcherError(e) || e instanceof RangeError) throw e;
      throw new DispatcherError(SqlState.SyntaxError, `syntax error in window frame offset "${text.slice(0, 80)}"`, { cause: e });
    }
    const expr = ast.columns?.length === 1 ? ast.columns[0]!.expr : undefined;
    if (expr === undefined) throw new DispatcherError(SqlState.SyntaxError, `syntax error in window frame offset "${text}"`);
    return expr;
  }

  #frontEntry(sql: string, tokens: readonly Token[], from: number, to: number, parse: (c: Cursor) => FrontNode, lift: boolean): Entry {
    const c = new Cursor(sql, tokens, from, to);
    let node = parse(c);
    if (node.type === 'execute') node = { ...node, args: this.#executeArgs(c, lift) };
    const kind = classify(node, true);
    const flags = KIND_FLAGS[kind];
    return { kind, flags, ast: node, metadata: frozen(metadataOfFront(kind, flags, node)) };
  }

  /** EXECUTE name [(expr, ...)]: the arguments are expressions, parsed as a SELECT list. */
  #executeArgs(c: Cursor, lift: boolean): unknown[] {
    if (c.atEnd()) return [];
    const open = c.pos;
    c.expectPunct('(');
    let depth = 1;
    let close = -1;
    for (let i = open + 1; i < c.end; i++) {
      const t = c.tokens[i]!;
      if (t.type !== Tok.Punct) continue;
      if (t.text === '(') depth++;
      else if (t.text === ')' && --depth === 0) {
        close = i;
        break;
      }
    }
    if (close < 0) {
      c.pos = c.end;
      throw c.error();
    }
    if (close !== c.end - 1) {
      c.pos = close + 1;
      throw c.error();
    }
    if (close === open + 1) return [];
    // lifted like the whole statement's shape, so the placeholders number the same
    const args = shapeOf(c.sql, c.tokens, open + 1, close, lift ? ShapeMode.Lift : 0);
    let ast: unknown;
    try {
      ast = this.#parse('SELECT ' + args.text);
    } catch (e) {
      if (!isParseError(e)) throw e;
      const positions: number[] = [];
      shapeOf(c.sql, c.tokens, open + 1, close, lift ? ShapeMode.Lift : 0, positions);
      throw mapSyntaxError(e, c.sql, c.tokens, open + 1, close, positions, args.text.length, 'SELECT '.length);
    }
    const columns = (ast as { columns?: { expr: unknown }[] }).columns ?? [];
    return columns.map((col) => col.expr);
  }

  /** EXPLAIN and PREPARE: a prefix parsed here around a statement analysed like any other. */
  #wrapped(sql: string, tokens: readonly Token[], from: number, to: number, which: 'EXPLAIN' | 'PREPARE'): Prepared {
    const c = new Cursor(sql, tokens, from, to);
    const prefix = which === 'EXPLAIN' ? parseExplainPrefix(c) : parsePreparePrefix(c);
    if (c.atEnd()) throw c.error();
    const innerFrom = c.pos;
    const inner = this.#prepare(sql, tokens, innerFrom, to);
    const allowed = which === 'EXPLAIN' ? EXPLAINABLE : PREPARABLE;
    if (!allowed.has(inner.entry.kind)) throw syntaxErrorAt(sql, tokens[innerFrom], tokens[to - 1]);
    if (this.#rejectUnimplemented && !inner.entry.flags.implemented) {
      throw new DispatcherError(SqlState.FeatureNotSupported, `${inner.entry.kind.replace(/_/g, ' ')} is not supported`, { query: sql });
    }
    const head = shapeOf(sql, tokens, from, innerFrom, ShapeMode.Front).text;
    const key = `${head} ${inner.key}`;
    const cached = this.#cache.get(key);
    const shape: Shape =
      which === 'EXPLAIN' ? inner.shape : { ...inner.shape, userParamCount: 0 };
    if (cached !== undefined && cached !== NO_LIFT) {
      this.#hits++;
      return { entry: cached, key, shape, hit: true };
    }
    this.#misses++;
    const statement: InnerStatement = {
      kind: inner.entry.kind,
      ast: inner.entry.ast,
      metadata: inner.entry.metadata,
      userParamCount: inner.shape.userParamCount,
      shapeKey: inner.key,
    };
    let node: ExplainNode | PrepareNode;
    if (which === 'EXPLAIN') {
      const p = prefix as ReturnType<typeof parseExplainPrefix>;
      node = { type: 'explain', analyze: p.analyze, verbose: p.verbose, format: p.format, options: p.options, statement };
    } else {
      const p = prefix as ReturnType<typeof parsePreparePrefix>;
      node = { type: 'prepare', name: p.name, paramTypes: p.paramTypes, statement };
    }
    const kind = classify(node, true);
    const flags = KIND_FLAGS[kind];
    const entry: Entry = { kind, flags, ast: node, metadata: frozen(metadataOfFront(kind, flags, node)) };
    this.#remember(key, entry);
    return { entry, key, shape, hit: false };
  }

  /** CREATE TRIGGER: the header parsed by the front, each body statement (and the WHEN condition
   *  as SELECT <condition>) analysed like a top-level one. Cached by the unlifted text. */
  #trigger(sql: string, tokens: readonly Token[], from: number, to: number): Prepared {
    const shape = shapeOf(sql, tokens, from, to, ShapeMode.Front);
    const key = keyOf(shape);
    const cached = this.#cache.get(key);
    if (cached !== undefined && cached !== NO_LIFT) {
      this.#hits++;
      return { entry: cached, key, shape, hit: true };
    }
    this.#misses++;
    const node = parseCreateTrigger(new Cursor(sql, tokens, from, to), (ts, f, t): TriggerStatement => {
      const inner = this.#prepare(sql, ts, f, t);
      if (inner.shape.userParamCount > 0) {
        throw new DispatcherError('42P02', 'a trigger body cannot use parameters', { query: sql });
      }
      return { kind: inner.entry.kind, ast: inner.entry.ast, params: inner.shape.liftedParams, paramTypes: inner.shape.liftedTypes };
    });
    const kind = classify(node, true);
    const flags = KIND_FLAGS[kind];
    const entry: Entry = { kind, flags, ast: node, metadata: frozen(metadataOfFront(kind, flags, node)) };
    this.#remember(key, entry);
    return { entry, key, shape, hit: false };
  }

  /** REPLACE INTO / INSERT OR x: the plain INSERT analysed as usual, the clause added as `or`. */
  #insertOr(sql: string, tokens: readonly Token[], or: InsertOr): Prepared {
    const inner = this.#prepare(sql, tokens, 0, tokens.length);
    if (inner.entry.kind !== 'INSERT') throw syntaxErrorAt(sql, tokens[0], tokens[tokens.length - 1]);
    const key = `${inner.key} /*OR ${or}*/`;
    const cached = this.#cache.get(key);
    if (cached !== undefined && cached !== NO_LIFT) {
      this.#hits++;
      return { entry: cached, key, shape: inner.shape, hit: true };
    }
    this.#misses++;
    const entry: Entry = { ...inner.entry, ast: { ...(inner.entry.ast as object), or } };
    this.#remember(key, entry);
    return { entry, key, shape: inner.shape, hit: false };
  }
}

/** Metadata is shared by every statement of a shape: frozen, arrays included. */
function frozen(m: StatementMetadata): StatementMetadata {
  Object.freeze(m.tablesAccessed);
  Object.freeze(m.requiredLocks);
  return Object.freeze(m);
}

function keyOf(shape: Shape): string {
  let text = shape.locking === undefined ? shape.text : `${shape.text} ${shape.locking.text}`;
  if (shape.distinctOperands !== undefined) {
    text += ` /*${shape.distinctOperands.map((o, k) => `${DISTINCT_OPERAND}${k + 1} := ${o.text}`).join('; ')}*/`;
  }
  if (shape.windows !== undefined && shape.windows.length > 0) {
    text += ` /*${shape.windows.map((w, k) => `window ${k + 1} := ${w.base ?? ''} ${w.frame ?? ''}`).join('; ')}*/`;
  }
  return shape.liftedTypes.length === 0 ? text : `${text} /*${shape.liftedTypes.join(',')}*/`;
}

const OPERAND_REF = new RegExp(`^DISTINCT FROM "?${DISTINCT_OPERAND}(\\d+)"?$`, 'i');

/**
 * Puts IS [NOT] DISTINCT FROM operands back: the grammar leaves `IS DISTINCT FROM name` as
 * { operator: 'IS', right: { type: 'default', value: 'DISTINCT FROM "name"' } }; the name becomes
 * the operand's text (which execution parses as an expression) and NOT becomes 'IS NOT'.
 */
function restoreDistinctOperands(root: unknown, operands: readonly DistinctOperand[]): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
      continue;
    }
    const node = v as Record<string, unknown>;
    const right = node['right'] as { type?: unknown; value?: unknown } | undefined;
    if (node['type'] === 'binary_expr' && node['operator'] === 'IS' && right?.type === 'default' && typeof right.value === 'string') {
      const m = OPERAND_REF.exec(right.value);
      const op = m !== null ? operands[Number(m[1]) - 1] : undefined;
      if (op !== undefined) {
        right.value = `DISTINCT FROM ${op.text}`;
        if (op.negate) node['operator'] = 'IS NOT';
      }
    }
    for (const key in node) if (key !== 'tableList' && key !== 'columnList') stack.push(node[key]);
  }
}

/** Index of the `;` ending the statement that starts at `from` (or tokens.length). */
function statementEnd(tokens: readonly Token[], from: number): number {
  // CREATE TRIGGER ... BEGIN ...; ...; END: the body's semicolons do not end the statement
  let trigger = false;
  for (let i = from + 1; i < tokens.length && i < from + 4; i++) {
    const t = tokens[i]!;
    if (t.type === Tok.Word && t.text === 'TRIGGER' && tokens[from]!.text === 'CREATE') trigger = true;
  }
  // in a trigger, CASE ... END pairs are counted so that a CASE's END is not taken for the body's
  let cases = 0;
  let caseEnd = -1;
  for (let i = from; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === Tok.Punct && t.text === ';') {
      if (!trigger) return i;
      const prev = tokens[i - 1];
      if (caseEnd !== i - 1 && prev !== undefined && prev.type === Tok.Word && prev.text === 'END') return i;
    } else if (trigger && t.type === Tok.Word) {
      if (t.text === 'CASE') cases++;
      else if (t.text === 'END' && cases > 0) {
        cases--;
        caseEnd = i;
      }
    }
  }
  return tokens.length;
}
