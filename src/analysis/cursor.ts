// A cursor over one statement's tokens, for the small hand-written parsers of the front.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { SqlValue } from '../storage/ports.js';
import { Tok, foldedWord, type Token } from './tokenizer.js';
import { integerLiteral, numericLiteral } from './shape.js';

export class Cursor {
  readonly sql: string;
  readonly tokens: readonly Token[];
  readonly end: number;
  pos: number;

  constructor(sql: string, tokens: readonly Token[], from: number, to: number) {
    this.sql = sql;
    this.tokens = tokens;
    this.pos = from;
    this.end = to;
  }

  peek(k = 0): Token | undefined {
    const i = this.pos + k;
    return i < this.end ? this.tokens[i] : undefined;
  }

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  /** Upper-case word at the cursor (+k), or undefined. */
  word(k = 0): string | undefined {
    const t = this.peek(k);
    return t !== undefined && t.type === Tok.Word ? t.text : undefined;
  }

  isWord(w: string, k = 0): boolean {
    return this.word(k) === w;
  }

  accept(w: string): boolean {
    if (this.word() === w) {
      this.pos++;
      return true;
    }
    return false;
  }

  /** Accepts a sequence of words only when all are there. */
  acceptAll(...ws: string[]): boolean {
    for (let k = 0; k < ws.length; k++) if (this.word(k) !== ws[k]) return false;
    this.pos += ws.length;
    return true;
  }

  expect(w: string): void {
    if (!this.accept(w)) throw this.error();
  }

  acceptPunct(p: string): boolean {
    const t = this.peek();
    if (t !== undefined && (t.type === Tok.Punct || t.type === Tok.Op) && t.text === p) {
      this.pos++;
      return true;
    }
    return false;
  }

  expectPunct(p: string): void {
    if (!this.acceptPunct(p)) throw this.error();
  }

  expectEnd(): void {
    if (!this.atEnd()) throw this.error();
  }

  /** An identifier: unquoted folded to lower case, quoted as written. */
  ident(): string {
    const t = this.peek();
    if (t === undefined) throw this.error();
    if (t.type === Tok.Word) {
      this.pos++;
      return foldedWord(this.sql, t);
    }
    if (t.type === Tok.QuotedIdent) {
      this.pos++;
      return t.value as string;
    }
    throw this.error();
  }

  /** A possibly qualified name (schema.table): the last part is the name, the rest is kept dotted. */
  qualifiedName(): string {
    let name = this.ident();
    while (this.acceptPunct('.')) name += '.' + this.ident();
    return name;
  }

  identList(): string[] {
    const out = [this.ident()];
    while (this.acceptPunct(',')) out.push(this.ident());
    return out;
  }

  /** A literal or a bare word as a value: 'text', 42, -1.5, TRUE, ON, NULL, name. */
  value(): SqlValue {
    let t = this.peek();
    if (t === undefined) throw this.error();
    let negative = false;
    if (t.type === Tok.Op && (t.text === '-' || t.text === '+')) {
      negative = t.text === '-';
      this.pos++;
      t = this.peek();
      if (t === undefined || (t.type !== Tok.Integer && t.type !== Tok.Numeric)) throw this.error();
    }
    this.pos++;
    switch (t.type) {
      case Tok.String:
        return t.value as string;
      case Tok.Integer: {
        const [v] = integerLiteral(this.sql.slice(t.start, t.end));
        return negative ? (typeof v === 'bigint' ? -v : -(v as number)) : v;
      }
      case Tok.Numeric: {
        const v = numericLiteral(this.sql.slice(t.start, t.end));
        return negative ? -v : v;
      }
      case Tok.Word:
        if (t.text === 'TRUE') return true;
        if (t.text === 'FALSE') return false;
        if (t.text === 'NULL') return null;
        return foldedWord(this.sql, t);
      case Tok.QuotedIdent:
        return t.value as string;
    }
    this.pos--;
    throw this.error();
  }

  /** Syntax error at the cursor (or at the end of the statement). */
  error(): DispatcherError {
    return syntaxErrorAt(this.sql, this.peek(), this.end > 0 ? this.tokens[this.end - 1] : undefined);
  }
}

/** PostgreSQL's message: at or near the offending token, or at end of input. */
export function syntaxErrorAt(sql: string, t: Token | undefined, last: Token | undefined): DispatcherError {
  if (t === undefined) {
    const position = last !== undefined ? last.end + 1 : sql.length + 1;
    return new DispatcherError(SqlState.SyntaxError, `syntax error at end of input at character ${position}`, {
      query: sql,
      position,
      detail: caretLine(sql, position - 1),
    });
  }
  const near = sql.slice(t.start, t.end);
  return new DispatcherError(SqlState.SyntaxError, `syntax error at or near "${near}" at character ${t.start + 1}`, {
    query: sql,
    position: t.start + 1,
    detail: caretLine(sql, t.start),
  });
}

/** `LINE n: <the line>` and a caret under the 0-based offset, as psql prints them. */
export function caretLine(sql: string, offset: number): string {
  const lineStart = sql.lastIndexOf('\n', offset - 1) + 1;
  let lineEnd = sql.indexOf('\n', offset);
  if (lineEnd < 0) lineEnd = sql.length;
  let lineNo = 1;
  for (let i = 0; i < lineStart; i++) if (sql.charCodeAt(i) === 10) lineNo++;
  const prefix = `LINE ${lineNo}: `;
  return `${prefix}${sql.slice(lineStart, lineEnd)}\n${' '.repeat(prefix.length + offset - lineStart)}^`;
}
