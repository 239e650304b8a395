// The front for SQLite's trigger statements, REINDEX and INSERT OR / REPLACE INTO, which no
// grammar of node-sql-parser takes. CREATE TRIGGER's header is parsed here; each statement of
// its body (and its WHEN condition, as `SELECT <condition>`) goes through the analyser like a
// top-level statement, so the body's SQL is exactly what the engine runs elsewhere.
import { DispatcherError, SqlState } from '../api/errors.js';
import { Cursor, syntaxErrorAt } from './cursor.js';
import type {
  CreateTriggerNode,
  DropTriggerNode,
  ReindexNode,
  TriggerEvent,
  TriggerStatement,
  TriggerTiming,
} from './front-nodes.js';
import { Tok, type Token } from './tokenizer.js';

/** Analyses tokens [from, to) of `tokens` as one statement (the analyser's own path). */
export type AnalyzeInner = (tokens: readonly Token[], from: number, to: number) => TriggerStatement;

function isWordAt(tokens: readonly Token[], i: number, w: string): boolean {
  const t = tokens[i];
  return t !== undefined && t.type === Tok.Word && t.text === w;
}

/** Whether tokens [from, to) start CREATE [TEMP | TEMPORARY] TRIGGER. */
export function isCreateTrigger(tokens: readonly Token[], from: number, to: number): boolean {
  if (!isWordAt(tokens, from, 'CREATE')) return false;
  let i = from + 1;
  if (isWordAt(tokens, i, 'TEMP') || isWordAt(tokens, i, 'TEMPORARY')) i++;
  return i < to && isWordAt(tokens, i, 'TRIGGER');
}

/** A copy of tokens [from, to) headed by `word` written at `at` (a synthetic keyword token). */
export function withLeadingWord(tokens: readonly Token[], from: number, to: number, word: string, at: Token): Token[] {
  const out: Token[] = [{ type: Tok.Word, start: at.start, end: at.end, text: word, value: word.toLowerCase() }];
  for (let i = from; i < to; i++) out.push(tokens[i]!);
  return out;
}

/** The last part of a possibly qualified name (main.t, public.t: the engine has one schema). */
function lastPart(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? name : name.slice(dot + 1);
}

const BODY_KINDS: ReadonlySet<string> = new Set(['INSERT', 'UPDATE', 'DELETE', 'SELECT']);

export function parseCreateTrigger(c: Cursor, analyze: AnalyzeInner): CreateTriggerNode {
  const from = c.pos;
  c.expect('CREATE');
  const temporary = c.accept('TEMP') || c.accept('TEMPORARY');
  c.expect('TRIGGER');
  const ifNotExists = c.acceptAll('IF', 'NOT', 'EXISTS');
  const name = lastPart(c.qualifiedName());
  let timing: TriggerTiming = 'BEFORE';
  if (c.accept('BEFORE')) timing = 'BEFORE';
  else if (c.accept('AFTER')) timing = 'AFTER';
  else if (c.acceptAll('INSTEAD', 'OF')) timing = 'INSTEAD OF';
  const events: TriggerEvent[] = [];
  let columns: string[] | null = null;
  do {
    const w = c.word();
    if (w === 'INSERT' || w === 'DELETE' || w === 'UPDATE') {
      c.pos++;
      if (events.includes(w)) throw syntaxErrorAt(c.sql, c.tokens[c.pos - 1], undefined);
      events.push(w);
      if (w === 'UPDATE' && c.accept('OF')) columns = c.identList();
    } else if (w === 'TRUNCATE') {
      throw new DispatcherError(SqlState.FeatureNotSupported, 'TRUNCATE triggers are not supported');
    } else throw c.error();
  } while (c.accept('OR'));
  c.expect('ON');
  const table = lastPart(c.qualifiedName());
  if (c.accept('FOR')) {
    c.accept('EACH');
    if (c.accept('STATEMENT')) throw new DispatcherError(SqlState.FeatureNotSupported, 'FOR EACH STATEMENT triggers are not supported');
    c.expect('ROW');
  }
  let when: TriggerStatement | null = null;
  if (c.isWord('WHEN')) {
    const at = c.peek()!;
    const start = ++c.pos;
    const begin = wordAtDepthZero(c, 'BEGIN');
    if (begin === start) throw c.error();
    when = analyze(withLeadingWord(c.tokens, start, begin, 'SELECT', at), 0, begin - start + 1);
    c.pos = begin;
  }
  if (c.isWord('EXECUTE')) {
    throw new DispatcherError(SqlState.FeatureNotSupported, 'trigger functions are not supported: write the action as BEGIN ...; END');
  }
  c.expect('BEGIN');
  // the analyser ends the statement at END [;]: the body is everything up to that END
  const last = c.end - 1;
  if (last < c.pos || !isWordAt(c.tokens, last, 'END')) {
    c.pos = c.end;
    throw c.error();
  }
  const body: TriggerStatement[] = [];
  let start = c.pos;
  for (let i = c.pos, depth = 0; i <= last; i++) {
    const t = c.tokens[i]!;
    if (t.type === Tok.Punct && t.text === '(') depth++;
    else if (t.type === Tok.Punct && t.text === ')') depth--;
    if (i === last) {
      // every body statement ends with `;`, the last one too (BEGIN SELECT 1 END is an error)
      if (i > start) throw syntaxErrorAt(c.sql, t, undefined);
      break;
    }
    if (depth !== 0 || t.type !== Tok.Punct || t.text !== ';') continue;
    if (i === start) throw syntaxErrorAt(c.sql, t, undefined);
    body.push(bodyStatement(c, analyze, start, i));
    start = i + 1;
  }
  if (body.length === 0) throw syntaxErrorAt(c.sql, c.tokens[last], undefined);
  const text = c.sql.slice(c.tokens[from]!.start, c.tokens[last]!.end);
  return { type: 'create_trigger', name, ifNotExists, temporary, timing, events, columns, table, when, body, text };
}

function bodyStatement(c: Cursor, analyze: AnalyzeInner, from: number, to: number): TriggerStatement {
  const st = analyze(c.tokens, from, to);
  if (!BODY_KINDS.has(st.kind)) throw syntaxErrorAt(c.sql, c.tokens[from], undefined);
  return st;
}

/** Index of `w` at parenthesis depth 0 from the cursor on (the statement's end when absent). */
function wordAtDepthZero(c: Cursor, w: string): number {
  let depth = 0;
  for (let i = c.pos; i < c.end; i++) {
    const t = c.tokens[i]!;
    if (t.type === Tok.Punct && t.text === '(') depth++;
    else if (t.type === Tok.Punct && t.text === ')') depth--;
    else if (depth === 0 && t.type === Tok.Word && t.text === w) return i;
  }
  c.pos = c.end;
  throw c.error();
}

export function parseDropTrigger(c: Cursor): DropTriggerNode {
  c.expect('DROP');
  c.expect('TRIGGER');
  const ifExists = c.acceptAll('IF', 'EXISTS');
  const name = lastPart(c.qualifiedName());
  const table = c.accept('ON') ? lastPart(c.qualifiedName()) : null;
  // PostgreSQL's CASCADE / RESTRICT: a trigger has no dependents
  if (!c.accept('CASCADE')) c.accept('RESTRICT');
  c.expectEnd();
  return { type: 'drop_trigger', name, ifExists, table };
}

const REINDEX_TARGETS: Readonly<Record<string, ReindexNode['target']>> = {
  INDEX: 'index',
  TABLE: 'table',
  DATABASE: 'database',
  SCHEMA: 'schema',
  SYSTEM: 'system',
};

export function parseReindex(c: Cursor): ReindexNode {
  c.expect('REINDEX');
  // PostgreSQL's options: REINDEX (VERBOSE) ..., CONCURRENTLY: no effect here
  if (c.acceptPunct('(')) {
    while (!c.atEnd() && !c.acceptPunct(')')) c.pos++;
  }
  const w = c.word();
  let target: ReindexNode['target'] = null;
  // REINDEX TABLE t, but also SQLite's REINDEX name where the name happens to be such a word
  if (w !== undefined && REINDEX_TARGETS[w] !== undefined && c.peek(1) !== undefined) {
    target = REINDEX_TARGETS[w]!;
    c.pos++;
  }
  c.accept('CONCURRENTLY');
  const name = c.atEnd() ? null : lastPart(c.qualifiedName());
  c.expectEnd();
  if (name === null && (target === 'index' || target === 'table')) throw c.error();
  return { type: 'reindex', target, name };
}

/** SQLite's conflict clause of INSERT: INSERT OR {REPLACE | IGNORE | ABORT | FAIL | ROLLBACK}, and
 *  REPLACE INTO (INSERT OR REPLACE). */
export type InsertOr = 'replace' | 'ignore' | 'abort' | 'fail' | 'rollback';

const INSERT_OR: Readonly<Record<string, InsertOr>> = {
  REPLACE: 'replace',
  IGNORE: 'ignore',
  ABORT: 'abort',
  FAIL: 'fail',
  ROLLBACK: 'rollback',
};

/**
 * REPLACE INTO ... / INSERT OR x INTO ...: the tokens of the plain INSERT (a synthetic INSERT
 * where REPLACE stood, OR x left out) and the conflict clause; undefined for anything else.
 */
export function insertOrForm(sql: string, tokens: readonly Token[], from: number, to: number): { tokens: Token[]; or: InsertOr } | undefined {
  const head = tokens[from];
  if (head === undefined || head.type !== Tok.Word) return undefined;
  if (head.text === 'REPLACE' && isWordAt(tokens, from + 1, 'INTO')) {
    return { tokens: withLeadingWord(tokens, from + 1, to, 'INSERT', head), or: 'replace' };
  }
  if (head.text === 'INSERT' && isWordAt(tokens, from + 1, 'OR') && from + 2 < to) {
    const w = tokens[from + 2]!;
    const or = w.type === Tok.Word ? INSERT_OR[w.text] : undefined;
    if (or === undefined) throw syntaxErrorAt(sql, w, tokens[to - 1]);
    return { tokens: withLeadingWord(tokens, from + 3, to, 'INSERT', head), or };
  }
  return undefined;
}
