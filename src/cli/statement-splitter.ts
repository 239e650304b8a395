// Cuts SQL text into statements at semicolons, following PostgreSQL's lexical rules so that a
// semicolon inside a string ('...', E'...'), a quoted identifier ("..."), a dollar-quoted body
// ($tag$...$tag$) or a comment (-- and nested /* */) does not end a statement, nor does one inside
// a CREATE TRIGGER body (BEGIN ...; ...; END). Text arrives in
// pieces (lines); what is not complete yet stays buffered.

export interface ScanResult {
  /** Complete statements, trimmed, without the closing semicolon; empty ones are dropped. */
  readonly statements: string[];
  /** The incomplete rest (starts where the next statement starts). */
  readonly rest: string;
  /** Whether the rest holds anything besides whitespace and comments. */
  readonly restHasContent: boolean;
  /** The rest ends inside a string, quoted identifier, dollar quote or block comment. */
  readonly open: boolean;
}

const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const TAG = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

export function scanStatements(text: string): ScanResult {
  const statements: string[] = [];
  let start = 0;
  let content = false; // the current statement has more than whitespace and comments
  let i = 0;
  const n = text.length;
  // The scan stops at the first construct that is not closed yet; `open` remembers that.
  let open = false;
  // CREATE TRIGGER ... BEGIN ...; ...; END: only a `;` after the body's END ends it (an END that
  // closes a CASE does not)
  const head: string[] = [];
  let trigger = false;
  let cases = 0;
  let lastWord = '';
  let caseEnd = false;
  while (i < n && !open) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === ';' && trigger && !(lastWord === 'END' && !caseEnd)) {
      lastWord = '';
      i++;
    } else if (c === ';') {
      if (content) statements.push(stripLeadingComments(text.slice(start, i)).trim());
      start = i + 1;
      content = false;
      head.length = 0;
      trigger = false;
      cases = 0;
      lastWord = '';
      i++;
    } else if (WORD_START.test(c) && (i === 0 || !IDENT_CHAR.test(text[i - 1]!))) {
      content = true;
      let j = i + 1;
      while (j < n && IDENT_CHAR.test(text[j]!)) j++;
      const w = text.slice(i, j).toUpperCase();
      if (head.length < 3) {
        head.push(w);
        trigger = head[0] === 'CREATE' && (head[1] === 'TRIGGER' || ((head[1] === 'TEMP' || head[1] === 'TEMPORARY') && head[2] === 'TRIGGER'));
      }
      if (w === 'CASE') cases++;
      else if (w === 'END') {
        caseEnd = cases > 0;
        if (caseEnd) cases--;
      }
      lastWord = w;
      i = j;
    } else if (c === '-' && next === '-') {
      const end = text.indexOf('\n', i + 2);
      if (end < 0) {
        // A line comment runs to the end of the text; nothing after it can end a statement.
        i = n;
      } else i = end + 1;
    } else if (c === '/' && next === '*') {
      const end = blockCommentEnd(text, i);
      if (end < 0) open = true;
      else i = end;
    } else if (c === "'") {
      content = true;
      lastWord = '';
      const backslashes = isEscapeStringPrefix(text, i);
      const end = quotedEnd(text, i, "'", backslashes);
      if (end < 0) open = true;
      else i = end;
    } else if (c === '"') {
      content = true;
      lastWord = '';
      const end = quotedEnd(text, i, '"', false);
      if (end < 0) open = true;
      else i = end;
    } else if (c === '$' && (i === 0 || !IDENT_CHAR.test(text[i - 1]!))) {
      content = true;
      const m = TAG.exec(text.slice(i, i + 256));
      if (m === null) i++;
      else {
        const tag = m[0];
        const end = text.indexOf(tag, i + tag.length);
        if (end < 0) open = true;
        else i = end + tag.length;
      }
    } else {
      if (!isSpace(c)) {
        content = true;
        lastWord = '';
      }
      i++;
    }
  }
  const rest = text.slice(start);
  return { statements, rest, restHasContent: content || (open && hasContent(rest)), open };
}

/** Comments before a statement are not sent: positions in errors then match what the user reads. */
function stripLeadingComments(text: string): string {
  let i = 0;
  for (;;) {
    while (i < text.length && isSpace(text[i]!)) i++;
    if (text.startsWith('--', i)) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end + 1;
    } else if (text.startsWith('/*', i)) {
      const end = blockCommentEnd(text, i);
      if (end < 0) return text.slice(i);
      i = end;
    } else return text.slice(i);
  }
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\n' || c === '\t' || c === '\r' || c === '\f' || c === '\v';
}

/** An opening quote preceded by a lone E (not part of a longer word) starts an E'...' string. */
function isEscapeStringPrefix(text: string, quote: number): boolean {
  const p = text[quote - 1];
  if (p !== 'E' && p !== 'e') return false;
  const before = text[quote - 2];
  return before === undefined || !IDENT_CHAR.test(before);
}

/** Index just past the closing quote, or -1 when the quoted text is not closed. */
function quotedEnd(text: string, open: number, quote: string, backslashes: boolean): number {
  let i = open + 1;
  for (;;) {
    if (i >= text.length) return -1;
    const c = text[i]!;
    if (backslashes && c === '\\') i += 2;
    else if (c === quote) {
      // A doubled quote is an escaped quote.
      if (text[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
}

/** Index just past the end of a (nested) block comment, or -1 when it is not closed. */
function blockCommentEnd(text: string, open: number): number {
  let depth = 0;
  let i = open;
  while (i < text.length) {
    if (text[i] === '/' && text[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (text[i] === '*' && text[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return -1;
}

/** Whether text holds anything besides whitespace and comments (for an unterminated tail). */
function hasContent(text: string): boolean {
  const stripped = text.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?(\*\/|$)/g, '');
  return stripped.trim() !== '';
}

/** Accumulates input and hands out complete statements. */
export class StatementSplitter {
  #buffer = '';
  #hasContent = false;

  /** Adds text; returns the statements it completed. */
  push(text: string): string[] {
    const r = scanStatements(this.#buffer + text);
    this.#hasContent = r.restHasContent;
    // A rest of only whitespace and closed comments is dropped, so the prompt starts afresh.
    this.#buffer = r.restHasContent || r.open ? r.rest : '';
    return r.statements;
  }

  /** True while a statement (or a comment) has been started but not ended. */
  get pending(): boolean {
    return this.#buffer !== '';
  }

  /** At end of input: the unterminated last statement, if it has any content. */
  flush(): string | undefined {
    const rest = this.#buffer;
    const had = this.#hasContent;
    this.reset();
    if (!had) return undefined;
    const s = rest.trim();
    return s === '' ? undefined : s;
  }

  reset(): void {
    this.#buffer = '';
    this.#hasContent = false;
  }
}
