// Token patterns the shape pass recognises: row-locking clauses, IS [NOT] DISTINCT FROM operands,
// ON CONFLICT, WITH ... INSERT segments, VALUES statements, FETCH FIRST, CHECK groups, ORDER BY
// positions and the spacing of normalized text. Each reads tokens only; shape.ts decides.
import { Tok, type Token } from './tokenizer.js';
import { ITEM_END, KEYWORDS } from './keywords.js';

/** A row-locking clause of a SELECT. */
export interface LockingClause {
  readonly strength: 'UPDATE' | 'NO KEY UPDATE' | 'SHARE' | 'KEY SHARE';
  /** FOR UPDATE OF a, b: the tables whose rows are locked; null for all. */
  readonly of: readonly string[] | null;
  readonly wait: 'NOWAIT' | 'SKIP LOCKED' | null;
  /** The clause as normalized text (part of the shape key). */
  readonly text: string;
}

/** Whether a word is written upper-case in normalized text (see KEYWORDS). */
export function isKeyword(t: Token | undefined): boolean {
  return t !== undefined && t.type === Tok.Word && KEYWORDS.has(t.text);
}

export function isWord(t: Token | undefined, w: string): boolean {
  return t !== undefined && t.type === Tok.Word && t.text === w;
}

export function isPunct(t: Token | undefined, p: string): boolean {
  return t !== undefined && t.type === Tok.Punct && t.text === p;
}

const STRENGTHS: Readonly<Record<string, LockingClause['strength']>> = {
  UPDATE: 'UPDATE',
  'NO KEY UPDATE': 'NO KEY UPDATE',
  SHARE: 'SHARE',
  'KEY SHARE': 'KEY SHARE',
};

/** FOR {UPDATE | NO KEY UPDATE | SHARE | KEY SHARE} [OF t, ...] [NOWAIT | SKIP LOCKED] running to
 *  the end of the statement, or undefined when tokens [i, to) are not exactly that. */
export function lockingClause(sql: string, tokens: readonly Token[], i: number, to: number): LockingClause | undefined {
  let k = i + 1;
  const word = (): string | undefined => (k < to && tokens[k]!.type === Tok.Word ? tokens[k]!.text : undefined);
  let name = word();
  if (name === 'NO' || name === 'KEY') {
    k++;
    name = `${name} ${word() ?? ''}`;
    if (name === 'NO KEY') {
      k++;
      name += ` ${word() ?? ''}`;
    }
  }
  const strength = name === undefined ? undefined : STRENGTHS[name];
  if (strength === undefined) return undefined;
  k++;
  let of: string[] | null = null;
  if (word() === 'OF') {
    of = [];
    k++;
    for (;;) {
      const t = tokens[k];
      if (t === undefined || k >= to || (t.type !== Tok.Word && t.type !== Tok.QuotedIdent)) return undefined;
      of.push(t.type === Tok.Word ? sql.slice(t.start, t.end).toLowerCase() : (t.value as string));
      k++;
      if (k < to && tokens[k]!.type === Tok.Punct && tokens[k]!.text === ',') k++;
      else break;
    }
  }
  let wait: LockingClause['wait'] = null;
  if (word() === 'NOWAIT') {
    wait = 'NOWAIT';
    k++;
  } else if (word() === 'SKIP' && k + 1 < to && tokens[k + 1]!.type === Tok.Word && tokens[k + 1]!.text === 'LOCKED') {
    wait = 'SKIP LOCKED';
    k += 2;
  }
  if (k !== to) return undefined;
  const text = `FOR ${strength}${of !== null ? ` OF ${of.join(', ')}` : ''}${wait !== null ? ` ${wait}` : ''}`;
  return { strength, of, wait, text };
}


// Words that end the right operand of IS DISTINCT FROM (IS binds looser than arithmetic and
// comparison, tighter than NOT / AND / OR).
const OPERAND_END: ReadonlySet<string> = new Set([
  'AND', 'OR', 'THEN', 'WHEN', 'ELSE', 'END', 'FROM', 'WHERE', 'GROUP', 'ORDER', 'HAVING', 'LIMIT',
  'OFFSET', 'AS', 'IS', 'ISNULL', 'NOTNULL', 'UNION', 'EXCEPT', 'INTERSECT', 'ASC', 'DESC', 'NULLS',
  'RETURNING', 'ON', 'USING', 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'CROSS', 'NATURAL', 'FOR',
  'WINDOW', 'FETCH', 'INTO',
]);
const NOT_OPERATORS: ReadonlySet<string> = new Set(['IN', 'LIKE', 'ILIKE', 'BETWEEN', 'SIMILAR']);

/** IS [NOT] DISTINCT FROM at `i`: negation, first operand token, index past the operand. */
export function distinctFrom(tokens: readonly Token[], i: number, to: number): { negate: boolean; operand: number; end: number } | undefined {
  let k = i + 1;
  const negate = isWord(tokens[k], 'NOT');
  if (negate) k++;
  if (!isWord(tokens[k], 'DISTINCT') || !isWord(tokens[k + 1], 'FROM')) return undefined;
  const operand = k + 2;
  let depth = 0;
  let end = operand;
  for (; end < to; end++) {
    const t = tokens[end]!;
    if (t.type === Tok.Punct) {
      if (t.text === '(' || t.text === '[') depth++;
      else if (t.text === ')' || t.text === ']') {
        if (depth === 0) break;
        depth--;
      } else if (depth === 0 && (t.text === ',' || t.text === ';')) break;
    } else if (depth === 0 && t.type === Tok.Word) {
      if (OPERAND_END.has(t.text)) break;
      if (t.text === 'NOT' && !(tokens[end + 1]?.type === Tok.Word && NOT_OPERATORS.has(tokens[end + 1]!.text))) break;
    }
  }
  return end > operand ? { negate, operand, end } : undefined;
}

/** Whether ON CONFLICT follows at depth 0 from token i. */
export function onConflict(tokens: readonly Token[], i: number, to: number): boolean {
  let depth = 0;
  for (let k = i; k < to - 1; k++) {
    const t = tokens[k]!;
    if (t.type === Tok.Punct) {
      if (t.text === '(') depth++;
      else if (t.text === ')') depth--;
    } else if (depth === 0 && t.type === Tok.Word && t.text === 'ON' && isWord(tokens[k + 1], 'CONFLICT')) return true;
  }
  return false;
}

// Words that end a WINDOW clause (at its paren depth)
export const WINDOW_CLAUSE_END: ReadonlySet<string> = new Set(['ORDER', 'LIMIT', 'OFFSET', 'FETCH', 'FOR', 'UNION', 'EXCEPT', 'INTERSECT']);

// Words that end a FROM list (after which a comma is no longer a join)
export const JOIN_LIST_END: ReadonlySet<string> = new Set([
  'WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'OFFSET', 'UNION', 'EXCEPT', 'INTERSECT', 'WINDOW',
  'FETCH', 'FOR', 'RETURNING', 'CONFLICT', 'DO', 'SET', 'VALUES', 'SELECT',
]);

/** For `WITH ctes INSERT INTO t [(cols)] SELECT ...`: the token ranges [INSERT head,
 *  WITH ctes, query] as start/end pairs; undefined for any other statement. */
export function withInsertSegments(tokens: readonly Token[], from: number, to: number): number[] | undefined {
  let depth = 0;
  let insert = -1;
  for (let k = from + 1; k < to; k++) {
    const t = tokens[k]!;
    if (t.type === Tok.Punct) {
      if (t.text === '(') depth++;
      else if (t.text === ')') depth--;
      continue;
    }
    if (depth !== 0 || t.type !== Tok.Word) continue;
    if (insert < 0) {
      if (t.text === 'INSERT') insert = k;
      else if (t.text === 'SELECT' || t.text === 'UPDATE' || t.text === 'DELETE' || t.text === 'VALUES') return undefined;
    } else if (t.text === 'SELECT') {
      return [insert, k, from, insert, k, to];
    } else if (t.text === 'WITH' || t.text === 'DEFAULT' || t.text === 'VALUES') return undefined;
  }
  return undefined;
}

const AFTER_VALUES: ReadonlySet<string> = new Set(['ORDER', 'LIMIT', 'OFFSET', 'FETCH', 'UNION', 'EXCEPT', 'INTERSECT', 'FOR']);

/** A VALUES statement at `from`: where its row list ends and how many columns the first row has. */
export function valuesStatement(tokens: readonly Token[], from: number, to: number): { end: number; columns: number } | undefined {
  if (!isPunct(tokens[from + 1], '(')) return undefined;
  let depth = 0;
  let columns = 1;
  let firstRowDone = false;
  for (let k = from + 1; k < to; k++) {
    const t = tokens[k]!;
    if (t.type === Tok.Punct) {
      if (t.text === '(') depth++;
      else if (t.text === ')') {
        depth--;
        if (depth === 0) firstRowDone = true;
      } else if (t.text === ',' && depth === 1 && !firstRowDone) columns++;
    } else if (depth === 0 && t.type === Tok.Word && AFTER_VALUES.has(t.text)) return { end: k, columns };
  }
  return { end: to, columns };
}

/** FETCH {FIRST|NEXT} [count] {ROW|ROWS} ONLY at `i`: the count's index (-1 when absent) and the
 *  index past ONLY; undefined when the tokens are not that. */
export function fetchFirst(tokens: readonly Token[], i: number, to: number): { count: number; end: number } | undefined {
  let k = i + 1;
  if (!(isWord(tokens[k], 'FIRST') || isWord(tokens[k], 'NEXT'))) return undefined;
  k++;
  let count = -1;
  const c = tokens[k];
  if (c !== undefined && (c.type === Tok.Integer || c.type === Tok.Param)) {
    count = k;
    k++;
  }
  if (!(isWord(tokens[k], 'ROW') || isWord(tokens[k], 'ROWS'))) return undefined;
  k++;
  if (!isWord(tokens[k], 'ONLY') || k >= to) return undefined;
  return { count, end: k + 1 };
}

/** Index of the `)` matching the `(` at `open`, or -1. */
/** The `)` before tokens[i] closes a `CHECK (...)`. */
export function followsCheck(tokens: readonly Token[], from: number, i: number): boolean {
  let depth = 0;
  for (let k = i - 1; k > from; k--) {
    const t = tokens[k]!;
    if (t.type !== Tok.Punct) continue;
    if (t.text === ')') depth++;
    else if (t.text === '(' && --depth === 0) return isWord(tokens[k - 1], 'CHECK');
  }
  return false;
}

/** From tokens[i], a run of `CHECK (...)` groups that ends a column definition (`,` or `)`). */
export function checksEndItem(tokens: readonly Token[], i: number, to: number): boolean {
  let k = i;
  while (isWord(tokens[k], 'CHECK') && isPunct(tokens[k + 1], '(')) {
    const close = matchingParen(tokens, k + 1, to);
    if (close < 0) return false;
    k = close + 1;
  }
  return k > i && (isPunct(tokens[k], ',') || isPunct(tokens[k], ')'));
}

export function matchingParen(tokens: readonly Token[], open: number, to: number): number {
  let depth = 0;
  for (let i = open; i < to; i++) {
    const t = tokens[i]!;
    if (t.type !== Tok.Punct) continue;
    if (t.text === '(') depth++;
    else if (t.text === ')' && --depth === 0) return i;
  }
  return -1;
}

/** A number that is a whole ORDER BY / GROUP BY item: a column position, not a value. */
export function positional(tokens: readonly Token[], i: number, from: number, to: number, orderDepth: number, depth: number): boolean {
  if (orderDepth !== depth || i === from) return false;
  const prev = tokens[i - 1]!;
  if (!(isWord(prev, 'BY') || isPunct(prev, ','))) return false;
  if (i + 1 >= to) return true;
  const next = tokens[i + 1]!;
  if (next.type === Tok.Punct) return next.text === ',' || next.text === ')' || next.text === ';';
  return next.type === Tok.Word && ITEM_END.has(next.text);
}

/** Single spaces between tokens, none inside `f(x)`, `t.a`, `x::int`, `a, b`. */
export function needsSpace(prevType: number, prevText: string, prevKeyword: boolean, type: number, s: string): boolean {
  if (type === Tok.Punct) {
    if (s === ',' || s === ')' || s === ']' || s === '.' || s === ';') return false;
    if ((s === '(' || s === '[') && (prevType === Tok.QuotedIdent || (prevType === Tok.Word && !prevKeyword))) return false;
  }
  if (type === Tok.Cast) return false;
  if (prevType === Tok.Punct && (prevText === '(' || prevText === '[' || prevText === '.')) return false;
  if (prevType === Tok.Cast) return false;
  return true;
}
