// Hand-written SQL lexer: the front of the analyser. One pass over the text yields tokens with
// their offsets in the original text; shape lifting, statement splitting and the front-end
// statement parsers all work on these tokens, so node-sql-parser runs only on cache misses.
import { DispatcherError, SqlState } from '../api/errors.js';
import { KEYWORDS } from './keywords.js';

/** Token types (numbers, so the hot loops compare small integers). */
export const Tok = {
  /** Unquoted identifier or keyword; `text` is the word upper-cased. */
  Word: 1,
  /** "quoted identifier"; `value` is the name with "" unescaped. */
  QuotedIdent: 2,
  /** 'string', E'string', $$dollar$$ string; `value` is the decoded content. */
  String: 3,
  /** Integer literal (digits only). */
  Integer: 4,
  /** Numeric literal with a point or an exponent. */
  Numeric: 5,
  /** $n placeholder; `value` is n. */
  Param: 6,
  /** `?` placeholder. */
  QMark: 7,
  /** Operator (+ - * / < > = <= <> != || ...). */
  Op: 8,
  /** `::` */
  Cast: 9,
  /** One of ( ) , ; [ ] . : $ */
  Punct: 10,
  /** X'0A1b' blob literal; `value` is the hex digits (even count, validated). */
  Blob: 11,
} as const;
export type Tok = (typeof Tok)[keyof typeof Tok];

export interface Token {
  readonly type: Tok;
  /** Offset of the first character in the original text. */
  readonly start: number;
  /** Offset just past the last character. */
  readonly end: number;
  /** Upper-cased word for Word tokens, the operator or punctuation itself otherwise. */
  readonly text: string;
  /** Decoded value of strings and quoted identifiers, n of $n; for a word written in lower case,
   *  the word itself (see foldedWord). */
  readonly value: string | number | undefined;
}

// Character classes by code point (ASCII); everything >= 128 counts as an identifier letter, as
// PostgreSQL does.
const C_IDENT_START = 1;
const C_IDENT = 2;
const C_DIGIT = 4;
const C_OP = 8;
const C_SPACE = 16;
const cls = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_]/.test(ch)) cls[c] = C_IDENT_START | C_IDENT;
  else if (/[0-9]/.test(ch)) cls[c] = C_DIGIT | C_IDENT;
  else if ('+-*/<>=~!@#%^&|`'.includes(ch)) cls[c] = C_OP;
  else if (' \t\n\r\f\v'.includes(ch)) cls[c] = C_SPACE;
}
cls[36] = cls[36]! | C_IDENT; // '$' continues an identifier (PostgreSQL allows it after the first letter)

function isIdentStart(c: number): boolean {
  return c >= 128 ? true : (cls[c]! & C_IDENT_START) !== 0;
}
function isIdent(c: number): boolean {
  return c >= 128 ? true : (cls[c]! & C_IDENT) !== 0;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function lexError(message: string, text: string, offset: number): DispatcherError {
  return new DispatcherError(SqlState.SyntaxError, `${message} at character ${offset + 1}`, {
    query: text,
    position: offset + 1,
  });
}

/** Tokenizes the whole text. Comments and whitespace are dropped; offsets point into `text`. */
/** Whether a token ends an operand: a name, literal, parameter, or a closing bracket. */
function endsOperandToken(t: Token | undefined): boolean {
  if (t === undefined) return false;
  switch (t.type) {
    case Tok.Word:
      return !KEYWORDS.has(t.text) || t.text === 'NULL' || t.text === 'TRUE' || t.text === 'FALSE';
    case Tok.QuotedIdent:
    case Tok.String:
    case Tok.Integer:
    case Tok.Numeric:
    case Tok.Param:
    case Tok.Blob:
      return true;
    case Tok.Punct:
      return t.text === ')' || t.text === ']';
    default:
      return false;
  }
}

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    // whitespace
    if (c < 128 && (cls[c]! & C_SPACE) !== 0) {
      i++;
      continue;
    }
    const start = i;
    // comments
    if (c === 45 /* - */ && text.charCodeAt(i + 1) === 45) {
      i += 2;
      while (i < n && text.charCodeAt(i) !== 10) i++;
      continue;
    }
    if (c === 47 /* / */ && text.charCodeAt(i + 1) === 42) {
      // PostgreSQL block comments nest
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        const d = text.charCodeAt(i);
        if (d === 42 && text.charCodeAt(i + 1) === 47) {
          depth--;
          i += 2;
        } else if (d === 47 && text.charCodeAt(i + 1) === 42) {
          depth++;
          i += 2;
        } else i++;
      }
      if (depth > 0) throw lexError('unterminated /* comment', text, start);
      continue;
    }
    // E'...' (and e'...') escape strings
    if ((c === 69 || c === 101) && text.charCodeAt(i + 1) === 39) {
      const [value, end] = readEscapeString(text, i + 1);
      out.push({ type: Tok.String, start, end, text: "E'", value });
      i = end;
      continue;
    }
    // X'...' (and x'...') blob literals (SQLite's form; bytea values here)
    if ((c === 88 || c === 120) && text.charCodeAt(i + 1) === 39) {
      const end = readBlob(text, i + 1);
      out.push({ type: Tok.Blob, start, end, text: "X'", value: text.slice(i + 2, end - 1) });
      i = end;
      continue;
    }
    if (isIdentStart(c)) {
      // note which cases occur, so that most words need one string, not three
      let lower = false;
      let upper = false;
      let d = c;
      for (;;) {
        if (d >= 97 && d <= 122) lower = true;
        else if ((d >= 65 && d <= 90) || d >= 128) upper = true;
        i++;
        if (i >= n) break;
        d = text.charCodeAt(i);
        if (!isIdent(d)) break;
      }
      const word = text.slice(start, i);
      out.push({
        type: Tok.Word,
        start,
        end: i,
        text: lower ? word.toUpperCase() : word,
        // the folded (lower-case) name when it is the word as written; else computed on use
        value: upper ? undefined : word,
      });
      continue;
    }
    if (isDigit(c) || (c === 46 /* . */ && isDigit(text.charCodeAt(i + 1)))) {
      // 0x1F, 0o17, 0b101 (PostgreSQL 16)
      const r = c === 48 ? text.charCodeAt(i + 1) | 0x20 : 0;
      const radix = r === 120 ? 16 : r === 111 ? 8 : r === 98 ? 2 : 0;
      if (radix !== 0 && isRadixDigit(text.charCodeAt(i + 2), radix)) {
        i = readDigits(text, i + 2, radix);
        out.push({ type: Tok.Integer, start, end: i, text: text.slice(start, i), value: undefined });
        continue;
      }
      let numeric = false;
      i = readDigits(text, i, 10);
      if (text.charCodeAt(i) === 46 && text.charCodeAt(i + 1) !== 46) {
        numeric = true;
        i = readDigits(text, i + 1, 10);
      }
      const e = text.charCodeAt(i);
      if (e === 69 || e === 101) {
        const s = text.charCodeAt(i + 1);
        const j = s === 43 || s === 45 ? i + 2 : i + 1;
        if (isDigit(text.charCodeAt(j))) {
          numeric = true;
          i = readDigits(text, j, 10);
        }
      }
      // 123abc is a syntax error in PostgreSQL 15+; SQLite treats it as two tokens. Keep it a
      // separate word so the parser reports it.
      out.push({ type: numeric ? Tok.Numeric : Tok.Integer, start, end: i, text: text.slice(start, i), value: undefined });
      continue;
    }
    switch (c) {
      case 39 /* ' */: {
        const [value, end] = readQuoted(text, i, 39, 'unterminated quoted string');
        out.push({ type: Tok.String, start, end, text: "'", value });
        i = end;
        continue;
      }
      case 34 /* " */: {
        const [value, end] = readQuoted(text, i, 34, 'unterminated quoted identifier');
        if (value.length === 0) throw lexError('zero-length delimited identifier', text, start);
        out.push({ type: Tok.QuotedIdent, start, end, text: '"', value });
        i = end;
        continue;
      }
      case 36 /* $ */: {
        const d = text.charCodeAt(i + 1);
        if (isDigit(d)) {
          i++;
          while (i < n && isDigit(text.charCodeAt(i))) i++;
          out.push({ type: Tok.Param, start, end: i, text: '$', value: Number(text.slice(start + 1, i)) });
          continue;
        }
        // dollar-quoted string $tag$ ... $tag$
        let j = i + 1;
        while (j < n && text.charCodeAt(j) !== 36 && isIdent(text.charCodeAt(j)) && text.charCodeAt(j) !== 36) j++;
        if (text.charCodeAt(j) === 36) {
          const tag = text.slice(i, j + 1);
          const close = text.indexOf(tag, j + 1);
          if (close < 0) throw lexError('unterminated dollar-quoted string', text, start);
          out.push({ type: Tok.String, start, end: close + tag.length, text: '$$', value: text.slice(j + 1, close) });
          i = close + tag.length;
          continue;
        }
        i++;
        out.push({ type: Tok.Punct, start, end: i, text: '$', value: undefined });
        continue;
      }
      case 63 /* ? */: {
        i++;
        // After an operand, `?`, `?|` and `?&` are jsonb's key operators, not placeholders
        // (a placeholder stands where an operand begins).
        if (endsOperandToken(out[out.length - 1])) {
          const next = text.charCodeAt(i);
          if ((next === 124 /* | */ || next === 38 /* & */) && text.charCodeAt(i + 1) !== next) i++;
          out.push({ type: Tok.Op, start, end: i, text: text.slice(start, i), value: undefined });
          continue;
        }
        out.push({ type: Tok.QMark, start, end: i, text: '?', value: undefined });
        continue;
      }
      case 58 /* : */:
        if (text.charCodeAt(i + 1) === 58) {
          i += 2;
          out.push({ type: Tok.Cast, start, end: i, text: '::', value: undefined });
        } else {
          i++;
          out.push({ type: Tok.Punct, start, end: i, text: ':', value: undefined });
        }
        continue;
      case 40:
      case 41:
      case 44:
      case 59:
      case 91:
      case 93:
      case 46:
        i++;
        out.push({ type: Tok.Punct, start, end: i, text: text[start]!, value: undefined });
        continue;
    }
    if (c < 128 && (cls[c]! & C_OP) !== 0) {
      i = readOperator(text, i);
      out.push({ type: Tok.Op, start, end: i, text: text.slice(start, i), value: undefined });
      continue;
    }
    throw lexError(`syntax error at or near "${text[start]}"`, text, start);
  }
  return out;
}

function isRadixDigit(c: number, radix: number): boolean {
  if (radix === 10 || radix === 8 || radix === 2) return c >= 48 && c < 48 + radix;
  return isDigit(c) || ((c | 0x20) >= 97 && (c | 0x20) <= 102);
}

/** Digits of a radix from `i`, with single underscores between digits (1_000_000). */
function readDigits(text: string, i: number, radix: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (isRadixDigit(c, radix)) i++;
    else if (c === 95 && isRadixDigit(text.charCodeAt(i - 1), radix) && isRadixDigit(text.charCodeAt(i + 1), radix)) i++;
    else break;
  }
  return i;
}

/** Reads 'x''y' or "x""y" starting at the opening quote; returns [value, offset past the end]. */
function readQuoted(text: string, open: number, q: number, what: string): [string, number] {
  let i = open + 1;
  let value = '';
  let from = i;
  for (;;) {
    const close = text.indexOf(q === 39 ? "'" : '"', i);
    if (close < 0) throw lexError(what, text, open);
    if (text.charCodeAt(close + 1) === q) {
      value += text.slice(from, close + 1);
      i = from = close + 2;
      continue;
    }
    value += text.slice(from, close);
    let end = close + 1;
    // 'a' 'b' on separate lines is one string in SQL; PostgreSQL requires a newline between.
    if (q === 39) {
      const next = continuation(text, end);
      if (next >= 0) {
        const [more, after] = readQuoted(text, next, 39, what);
        return [value + more, after];
      }
    }
    return [value, end];
  }
}

/** Offset of a continuation quote (whitespace containing a newline, then '), or -1. */
function continuation(text: string, from: number): number {
  let i = from;
  let newline = false;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) newline = true;
    else if (c !== 32 && c !== 9 && c !== 13) break;
  }
  return newline && text.charCodeAt(i) === 39 ? i : -1;
}

/** X'hex': the offset past the closing quote. A non-hex character is 22P02 (as bytea input
 *  says), an odd number of digits a malformed token (42601). */
function readBlob(text: string, open: number): number {
  const close = text.indexOf("'", open + 1);
  if (close < 0) throw lexError('unterminated blob literal', text, open - 1);
  for (let k = open + 1; k < close; k++) {
    const d = text.charCodeAt(k);
    if (!isRadixDigit(d, 16)) {
      throw new DispatcherError(SqlState.InvalidTextRepresentation, `invalid hexadecimal digit: "${text[k]}" in blob literal at character ${k + 1}`, {
        query: text,
        position: k + 1,
      });
    }
  }
  if ((close - open - 1) % 2 !== 0) throw lexError('invalid blob literal: odd number of hexadecimal digits', text, open - 1);
  return close + 1;
}

/** E'...' with backslash escapes; `open` is the offset of the quote. */
function readEscapeString(text: string, open: number): [string, number] {
  let i = open + 1;
  let value = '';
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 39) {
      if (text.charCodeAt(i + 1) === 39) {
        value += "'";
        i += 2;
        continue;
      }
      return [value, i + 1];
    }
    if (c === 92 /* \ */ && i + 1 < text.length) {
      const e = text[i + 1]!;
      i += 2;
      switch (e) {
        case 'n': value += '\n'; break;
        case 't': value += '\t'; break;
        case 'r': value += '\r'; break;
        case 'b': value += '\b'; break;
        case 'f': value += '\f'; break;
        case 'x': {
          const m = /^[0-9A-Fa-f]{1,2}/.exec(text.slice(i, i + 2));
          if (m) {
            value += String.fromCharCode(parseInt(m[0], 16));
            i += m[0].length;
          } else value += 'x';
          break;
        }
        case 'u':
        case 'U': {
          const len = e === 'u' ? 4 : 8;
          const hex = text.slice(i, i + len);
          if (!new RegExp(`^[0-9A-Fa-f]{${len}}$`).test(hex)) throw lexError('invalid Unicode escape', text, i - 2);
          value += String.fromCodePoint(parseInt(hex, 16));
          i += len;
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            const m = /^[0-7]{1,3}/.exec(text.slice(i - 1, i + 2))!;
            value += String.fromCharCode(parseInt(m[0], 8));
            i += m[0].length - 1;
          } else value += e;
      }
      continue;
    }
    value += text[i];
    i++;
  }
  throw lexError('unterminated quoted string', text, open - 1);
}

const OP_SPECIAL = /[~!@#%^&|`?]/;

/** PostgreSQL's operator rule: the longest run of operator characters, never swallowing the start
 *  of a comment, and not ending in + or - unless the operator has one of ~!@#%^&|`?. */
function readOperator(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c >= 128 || (cls[c]! & C_OP) === 0) break;
    if (i > from && ((c === 45 && text.charCodeAt(i + 1) === 45) || (c === 47 && text.charCodeAt(i + 1) === 42))) break;
    i++;
  }
  if (i - from > 1) {
    const op = text.slice(from, i);
    if (!OP_SPECIAL.test(op)) {
      let j = i;
      while (j - from > 1 && (text.charCodeAt(j - 1) === 43 || text.charCodeAt(j - 1) === 45)) j--;
      i = j;
    }
  }
  return i;
}

/** An unquoted word folded to lower case, as PostgreSQL folds identifiers. */
export function foldedWord(sql: string, t: Token): string {
  return t.value !== undefined ? (t.value as string) : sql.slice(t.start, t.end).toLowerCase();
}
