// The front: parsers for the statements node-sql-parser's postgresql grammar lacks (or parses
// into awkward shapes), working directly on the tokenizer's tokens. EXPLAIN and PREPARE wrap a
// nested statement; their prefixes are parsed here and the analyser analyses the rest.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { SqlValue } from '../storage/ports.js';
import { Cursor } from './cursor.js';
import type { AlterTableRenameColumnNode, FrontNode, IsolationLevel, TransactionModes } from './front-nodes.js';
import { parseCreateRole, parseDropRole, parseGrant, parseRevoke } from './front-dcl.js';
import { parseDropTrigger, parseReindex } from './trigger-front.js';
import { Tok, type Token } from './tokenizer.js';

export type FrontParser = (c: Cursor) => FrontNode;

/** The front parser for a statement, or undefined when node-sql-parser handles it. */
export function frontParserFor(tokens: readonly Token[], from: number, to: number): FrontParser | undefined {
  const t = tokens[from];
  if (t === undefined || t.type !== Tok.Word) return undefined;
  const w2 = from + 1 < to && tokens[from + 1]!.type === Tok.Word ? tokens[from + 1]!.text : undefined;
  switch (t.text) {
    case 'BEGIN':
    case 'START':
      return parseBegin;
    case 'COMMIT':
    case 'END':
      return parseCommit;
    case 'ROLLBACK':
    case 'ABORT':
      return parseRollback;
    case 'SAVEPOINT':
      return parseSavepoint;
    case 'RELEASE':
      return parseRelease;
    case 'SET':
      return parseSet;
    case 'SHOW':
      return parseShow;
    case 'RESET':
      return parseReset;
    case 'VACUUM':
      return parseVacuum;
    case 'ANALYZE':
    case 'ANALYSE':
      return parseAnalyze;
    case 'PRAGMA':
      return parsePragma;
    case 'CHECKPOINT':
      return parseCheckpoint;
    case 'CREATE':
      return w2 === 'USER' || w2 === 'ROLE' ? parseCreateRole : undefined;
    case 'DROP':
      if (w2 === 'TRIGGER') return parseDropTrigger;
      return w2 === 'USER' || w2 === 'ROLE' ? parseDropRole : undefined;
    case 'REINDEX':
      return parseReindex;
    case 'GRANT':
      return parseGrant;
    case 'REVOKE':
      return parseRevoke;
    case 'ALTER':
      return w2 === 'TABLE' && isRenameColumn(tokens, from, to) ? parseRenameColumn : undefined;
    case 'EXECUTE':
      return parseExecute;
    case 'DEALLOCATE':
      return parseDeallocate;
  }
  return undefined;
}

// Statements the engine knows of but does not support: 0A000 rather than a syntax error.
const UNSUPPORTED_START: ReadonlySet<string> = new Set([
  'COPY', 'LISTEN', 'NOTIFY', 'UNLISTEN', 'LOCK', 'COMMENT', 'DISCARD', 'ATTACH',
  'DETACH', 'DO', 'CALL', 'DECLARE', 'FETCH', 'CLOSE', 'MOVE', 'CLUSTER', 'REFRESH', 'SECURITY', 'LOAD',
  'IMPORT', 'REASSIGN', 'REPLACE', 'MERGE', 'UPSERT',
]);
const SUPPORTED_OBJECTS: ReadonlySet<string> = new Set(['TABLE', 'INDEX', 'VIEW', 'USER', 'ROLE', 'TRIGGER']);
const OBJECT_NOISE: ReadonlySet<string> = new Set([
  'TEMP', 'TEMPORARY', 'UNIQUE', 'OR', 'REPLACE', 'GLOBAL', 'LOCAL', 'UNLOGGED', 'MATERIALIZED', 'RECURSIVE', 'IF', 'EXISTS',
]);

/**
 * Name of a statement type the engine has no kind for ('CREATE TRIGGER', 'REINDEX',
 * 'INSERT OR REPLACE'), or undefined. Checked before parsing so that these get 0A000.
 */
export function unsupportedStatement(tokens: readonly Token[], from: number, to: number): string | undefined {
  const t = tokens[from];
  if (t === undefined || t.type !== Tok.Word) return undefined;
  const w = t.text;
  if (UNSUPPORTED_START.has(w)) return w;
  if (w === 'CREATE' || w === 'DROP' || w === 'ALTER') {
    for (let i = from + 1; i < to && i < from + 5; i++) {
      const x = tokens[i]!;
      if (x.type !== Tok.Word) return undefined;
      if (OBJECT_NOISE.has(x.text)) {
        if (x.text === 'MATERIALIZED') return `${w} MATERIALIZED VIEW`;
        continue;
      }
      if (w === 'ALTER' ? x.text === 'TABLE' : SUPPORTED_OBJECTS.has(x.text)) return undefined;
      // CREATE TEMP VIEW / CREATE UNIQUE INDEX are fine; anything else names the unsupported object
      return `${w} ${x.text}`;
    }
    return undefined;
  }
  if (w === 'INSERT' && tokens[from + 1]?.type === Tok.Word && tokens[from + 1]!.text === 'OR') return 'INSERT OR ' + (tokens[from + 2]?.text ?? '');
  return undefined;
}

export function notSupported(what: string, sql: string): DispatcherError {
  return new DispatcherError(SqlState.FeatureNotSupported, `${what} is not supported`, { query: sql });
}

// ---------------------------------------------------------------- transaction control

const ISOLATION: Record<string, IsolationLevel> = {
  'READ UNCOMMITTED': 'READ UNCOMMITTED',
  'READ COMMITTED': 'READ COMMITTED',
  'REPEATABLE READ': 'REPEATABLE READ',
  SERIALIZABLE: 'SERIALIZABLE',
};

/** ISOLATION LEVEL x | READ ONLY | READ WRITE | [NOT] DEFERRABLE, separated by optional commas. */
function transactionModes(c: Cursor): TransactionModes {
  let isolationLevel: IsolationLevel | null = null;
  let readOnly: boolean | null = null;
  let deferrable: boolean | null = null;
  for (let first = true; !c.atEnd(); first = false) {
    if (!first) c.acceptPunct(',');
    if (c.acceptAll('ISOLATION', 'LEVEL')) {
      let name = c.word() ?? '';
      c.pos++;
      if (name === 'READ' || name === 'REPEATABLE') {
        name += ' ' + (c.word() ?? '');
        c.pos++;
      }
      const level = ISOLATION[name];
      if (level === undefined) {
        c.pos--;
        throw c.error();
      }
      isolationLevel = level;
    } else if (c.acceptAll('READ', 'ONLY')) readOnly = true;
    else if (c.acceptAll('READ', 'WRITE')) readOnly = false;
    else if (c.accept('DEFERRABLE')) deferrable = true;
    else if (c.acceptAll('NOT', 'DEFERRABLE')) deferrable = false;
    else throw c.error();
  }
  return { isolationLevel, readOnly, deferrable };
}

function parseBegin(c: Cursor): FrontNode {
  if (c.accept('START')) c.expect('TRANSACTION');
  else {
    c.expect('BEGIN');
    if (!c.accept('WORK')) c.accept('TRANSACTION');
  }
  return { type: 'begin', ...transactionModes(c) };
}

function chain(c: Cursor): boolean {
  let chained = false;
  if (c.accept('AND')) {
    chained = !c.accept('NO');
    c.expect('CHAIN');
  }
  c.expectEnd();
  return chained;
}

function parseCommit(c: Cursor): FrontNode {
  c.pos++; // COMMIT | END
  if (!c.accept('WORK')) c.accept('TRANSACTION');
  return { type: 'commit', chain: chain(c) };
}

function parseRollback(c: Cursor): FrontNode {
  c.pos++; // ROLLBACK | ABORT
  if (!c.accept('WORK')) c.accept('TRANSACTION');
  if (c.accept('TO')) {
    c.accept('SAVEPOINT');
    const name = c.ident();
    c.expectEnd();
    return { type: 'rollback_to_savepoint', name };
  }
  return { type: 'rollback', chain: chain(c) };
}

function parseSavepoint(c: Cursor): FrontNode {
  c.expect('SAVEPOINT');
  const name = c.ident();
  c.expectEnd();
  return { type: 'savepoint', name };
}

function parseRelease(c: Cursor): FrontNode {
  c.expect('RELEASE');
  c.accept('SAVEPOINT');
  const name = c.ident();
  c.expectEnd();
  return { type: 'release_savepoint', name };
}

// ---------------------------------------------------------------- session variables

function parseSet(c: Cursor): FrontNode {
  c.expect('SET');
  if (c.accept('TRANSACTION')) return { type: 'set_transaction', session: false, ...transactionModes(c) };
  if (c.acceptAll('SESSION', 'CHARACTERISTICS')) {
    c.expect('AS');
    c.expect('TRANSACTION');
    return { type: 'set_transaction', session: true, ...transactionModes(c) };
  }
  let local = false;
  if (c.accept('LOCAL')) local = true;
  else if (c.isWord('SESSION') && c.peek(1) !== undefined && !isAssign(c.peek(1)!) && !c.isWord('AUTHORIZATION', 1)) c.pos++;
  if (c.acceptAll('TIME', 'ZONE')) {
    if (c.accept('DEFAULT') || c.accept('LOCAL')) return setNode('timezone', null, true, local, c);
    return setNode('timezone', c.value(), false, local, c);
  }
  // SET ROLE name | NONE; SET SESSION AUTHORIZATION name | DEFAULT (no TO / = in these)
  if (c.isWord('ROLE') && !isAssign(c.peek(1) ?? c.peek()!)) {
    c.pos++;
    if (c.accept('NONE')) return setNode('role', 'none', false, local, c);
    return setNode('role', c.ident(), false, local, c);
  }
  if (c.acceptAll('SESSION', 'AUTHORIZATION')) {
    if (c.accept('DEFAULT')) return setNode('session_authorization', null, true, local, c);
    const v = c.peek()?.type === Tok.String ? (c.value() as string) : c.ident();
    return setNode('session_authorization', v, false, local, c);
  }
  const name = dottedName(c);
  const assign = c.peek();
  if (assign === undefined || !isAssign(assign)) throw c.error();
  c.pos++;
  if (c.accept('DEFAULT')) return setNode(name, null, true, local, c);
  const values: SqlValue[] = [c.value()];
  while (c.acceptPunct(',')) values.push(c.value());
  const value = values.length === 1 ? values[0]! : values.map((v) => String(v)).join(', ');
  return setNode(name, value, false, local, c);
}

function isAssign(t: Token): boolean {
  return (t.type === Tok.Word && t.text === 'TO') || (t.type === Tok.Op && t.text === '=');
}

function setNode(name: string, value: SqlValue, isDefault: boolean, local: boolean, c: Cursor): FrontNode {
  c.expectEnd();
  return { type: 'set', name, value, isDefault, local };
}

/** A configuration name: lower-case, dotted for custom settings (myapp.setting). */
function dottedName(c: Cursor): string {
  let name = c.ident();
  while (c.acceptPunct('.')) name += '.' + c.ident();
  return name;
}

function parseShow(c: Cursor): FrontNode {
  c.expect('SHOW');
  let name: string;
  if (c.acceptAll('TRANSACTION', 'ISOLATION', 'LEVEL')) name = 'transaction_isolation';
  else if (c.acceptAll('TIME', 'ZONE')) name = 'timezone';
  else if (c.acceptAll('SESSION', 'AUTHORIZATION')) name = 'session_authorization';
  else name = dottedName(c);
  c.expectEnd();
  return { type: 'show', name };
}

function parseReset(c: Cursor): FrontNode {
  c.expect('RESET');
  let name: string;
  if (c.acceptAll('TIME', 'ZONE')) name = 'timezone';
  else if (c.acceptAll('TRANSACTION', 'ISOLATION', 'LEVEL')) name = 'transaction_isolation';
  else name = dottedName(c);
  c.expectEnd();
  return { type: 'reset', name };
}

// ---------------------------------------------------------------- administration

function parseVacuum(c: Cursor): FrontNode {
  c.expect('VACUUM');
  let full = false;
  let analyze = false;
  if (c.acceptPunct('(')) {
    // VACUUM (FULL, ANALYZE [true]) t
    do {
      const opt = c.word();
      if (opt === undefined) throw c.error();
      c.pos++;
      let on = true;
      const v = c.peek();
      if (v !== undefined && !(v.type === Tok.Punct && (v.text === ',' || v.text === ')'))) on = truthy(c.value());
      if (opt === 'FULL') full = on;
      else if (opt === 'ANALYZE' || opt === 'ANALYSE') analyze = on;
    } while (c.acceptPunct(','));
    c.expectPunct(')');
  } else {
    for (;;) {
      if (c.accept('FULL')) full = true;
      else if (c.accept('FREEZE') || c.accept('VERBOSE')) continue;
      else if (c.accept('ANALYZE') || c.accept('ANALYSE')) analyze = true;
      else break;
    }
  }
  const table = c.atEnd() ? null : c.qualifiedName();
  if (table !== null && c.acceptPunct('(')) skipParens(c);
  c.expectEnd();
  return { type: 'vacuum', table, full, analyze };
}

function truthy(v: SqlValue): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return !['off', 'false', '0', 'no'].includes(v.toLowerCase());
  return v !== null;
}

/** Skips to the matching `)` (the opening one already consumed). */
function skipParens(c: Cursor): void {
  let depth = 1;
  while (!c.atEnd() && depth > 0) {
    const t = c.peek()!;
    if (t.type === Tok.Punct) {
      if (t.text === '(') depth++;
      else if (t.text === ')') depth--;
    }
    c.pos++;
  }
  if (depth > 0) throw c.error();
}

function parseAnalyze(c: Cursor): FrontNode {
  c.pos++; // ANALYZE | ANALYSE
  if (c.acceptPunct('(')) skipParens(c); // (VERBOSE, SKIP_LOCKED ...): no effect here
  c.accept('VERBOSE');
  const table = c.atEnd() ? null : c.qualifiedName();
  if (table !== null && c.acceptPunct('(')) skipParens(c);
  c.expectEnd();
  return { type: 'analyze', table };
}

function parsePragma(c: Cursor): FrontNode {
  c.expect('PRAGMA');
  const name = dottedName(c);
  let value: SqlValue | undefined;
  if (c.acceptPunct('=')) value = c.value();
  else if (c.acceptPunct('(')) {
    value = c.value();
    c.expectPunct(')');
  }
  c.expectEnd();
  return { type: 'pragma', name, value };
}

function parseCheckpoint(c: Cursor): FrontNode {
  c.expect('CHECKPOINT');
  c.expectEnd();
  return { type: 'checkpoint' };
}

// ---------------------------------------------------------------- ALTER TABLE ... RENAME [COLUMN]

/** ALTER TABLE [IF EXISTS] [ONLY] t RENAME [COLUMN] a TO b (not RENAME TO, which renames the table). */
function isRenameColumn(tokens: readonly Token[], from: number, to: number): boolean {
  for (let i = from + 2; i < to - 1; i++) {
    const t = tokens[i]!;
    if (t.type === Tok.Word && t.text === 'RENAME') {
      const n = tokens[i + 1]!;
      return !(n.type === Tok.Word && (n.text === 'TO' || n.text === 'CONSTRAINT'));
    }
  }
  return false;
}

function parseRenameColumn(c: Cursor): AlterTableRenameColumnNode {
  c.expect('ALTER');
  c.expect('TABLE');
  const ifExists = c.acceptAll('IF', 'EXISTS');
  c.accept('ONLY');
  const table = c.qualifiedName();
  c.expect('RENAME');
  c.accept('COLUMN');
  const column = c.ident();
  c.expect('TO');
  const newName = c.ident();
  c.expectEnd();
  return { type: 'alter_table', action: 'rename_column', table, ifExists, column, newName };
}

// ---------------------------------------------------------------- prepared statements

function parseExecute(c: Cursor): FrontNode {
  c.expect('EXECUTE');
  const name = c.ident();
  // arguments are parsed by the analyser (they are expressions); here only the name
  return { type: 'execute', name, args: [] };
}

function parseDeallocate(c: Cursor): FrontNode {
  c.expect('DEALLOCATE');
  c.accept('PREPARE');
  const name = c.accept('ALL') ? null : c.ident();
  c.expectEnd();
  return { type: 'deallocate', name };
}

/** EXPLAIN prefix: returns the options and leaves the cursor on the explained statement. */
export function parseExplainPrefix(c: Cursor): {
  analyze: boolean;
  verbose: boolean;
  format: string;
  options: Record<string, string | boolean>;
} {
  c.expect('EXPLAIN');
  let analyze = false;
  let verbose = false;
  let format = 'TEXT';
  const options: Record<string, string | boolean> = {};
  const next = c.peek(1);
  // EXPLAIN ( options ) — but not EXPLAIN (SELECT ...)
  if (c.peek()?.type === Tok.Punct && c.peek()!.text === '(' && next?.type === Tok.Word && next.text !== 'SELECT' && next.text !== 'VALUES' && next.text !== 'WITH') {
    c.pos++;
    do {
      const name = c.ident();
      const v = c.peek();
      let value: string | boolean = true;
      if (v !== undefined && !(v.type === Tok.Punct && (v.text === ',' || v.text === ')'))) {
        const raw = c.value();
        value = typeof raw === 'string' && name !== 'format' ? truthy(raw) : typeof raw === 'string' ? raw.toUpperCase() : truthy(raw);
      }
      if (name === 'analyze' || name === 'analyse') analyze = value === true;
      else if (name === 'verbose') verbose = value === true;
      else if (name === 'format') format = String(value);
      else options[name] = value;
    } while (c.acceptPunct(','));
    c.expectPunct(')');
  } else {
    if (c.accept('ANALYZE') || c.accept('ANALYSE')) analyze = true;
    if (c.accept('VERBOSE')) verbose = true;
  }
  return { analyze, verbose, format, options };
}

/** PREPARE name [(types)] AS: returns name and types, leaves the cursor on the statement. */
export function parsePreparePrefix(c: Cursor): { name: string; paramTypes: string[] } {
  c.expect('PREPARE');
  const name = c.ident();
  const paramTypes: string[] = [];
  if (c.acceptPunct('(')) {
    do {
      const start = c.peek();
      if (start === undefined) throw c.error();
      // a type is words, optionally with (n[, m]) and []
      let end = start.end;
      while (!c.atEnd()) {
        const t = c.peek()!;
        if (t.type === Tok.Punct && (t.text === ',' || t.text === ')')) break;
        if (t.type === Tok.Punct && t.text === '(') {
          c.pos++;
          skipParens(c);
          end = c.tokens[c.pos - 1]!.end;
          continue;
        }
        end = t.end;
        c.pos++;
      }
      paramTypes.push(c.sql.slice(start.start, end).replace(/\s+/g, ' ').toUpperCase());
    } while (c.acceptPunct(','));
    c.expectPunct(')');
  }
  c.expect('AS');
  return { name, paramTypes };
}
