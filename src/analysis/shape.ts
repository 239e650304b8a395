// Shape lifting: one pass over a statement's tokens that writes its normalized text (single
// spaces, keywords upper-cased, identifiers folded to lower case as PostgreSQL folds them,
// `?` numbered as $1..$n) and, for SELECT/INSERT/UPDATE/DELETE, replaces literals with
// placeholders numbered after the user's own. Statements that differ only in literal values get
// the same normalized text, which keys the parse cache.
//
// The same pass applies the meaning-preserving rewrites the postgresql grammar needs
// (SELECT ALL, AGG(ALL x), AGG(DISTINCT x), ISNULL/NOTNULL, postfix NOT NULL).
import { DispatcherError, SqlState } from '../api/errors.js';
import type { SqlValue } from '../storage/ports.js';
import type { LiteralType } from './types.js';
import { Tok, foldedWord, type Token } from './tokenizer.js';
import { ITEM_END, KEYWORDS, NATIVE_DISTINCT_AGGREGATES, SOFT_KEYWORDS, TYPE_MODIFIED } from './keywords.js';
import {
  JOIN_LIST_END,
  WINDOW_CLAUSE_END,
  checksEndItem,
  distinctFrom,
  fetchFirst,
  followsCheck,
  lockingClause,
  matchingParen,
  needsSpace,
  onConflict,
  positional,
  valuesStatement,
  withInsertSegments,
  isKeyword,
  isPunct,
  isWord,
  type LockingClause,
} from './shape-patterns.js';
export { isKeyword, type LockingClause } from './shape-patterns.js';
import { PARTITION_LIST, isBaseWindowName, isFrameUnit, opensWindowSpec, renamedWindowFunction, type WindowExtra } from './window-shape.js';

export interface Shape {
  /** Normalized text: what node-sql-parser parses on a cache miss. */
  readonly text: string;
  readonly liftedParams: SqlValue[];
  readonly liftedTypes: LiteralType[];
  readonly userParamCount: number;
  /** SELECT ... FOR UPDATE/SHARE: the grammar lacks the clause, so it is cut from `text` and
   *  returned here (the analyser attaches it to the AST as `locking`). */
  readonly locking?: LockingClause;
  /** `x IS [NOT] DISTINCT FROM y`: the grammar takes only a name for y (and no NOT), so y is
   *  replaced by a placeholder name __dispatchdb_operand_k in `text` and kept here as normalized
   *  text; the analyser puts it back into the AST (see Analyzer). */
  readonly distinctOperands?: readonly DistinctOperand[];
  /** INSERT ... ON CONFLICT without a column list: the grammar wants one, so `text` carries
   *  placeholder names (__dispatchdb_column_k) that the analyser removes from the AST again. */
  readonly insertWithoutColumns?: true;
  /** Window frames and base window names cut from `text` (each left as `ROWS k PRECEDING`), and
   *  percent_rank()/cume_dist() renamed: the analyser restores them (window-shape.ts). */
  readonly windows?: readonly WindowExtra[];
  /** CREATE TABLE: columns declared GENERATED ALWAYS AS IDENTITY (`text` declares them SERIAL). */
  readonly identityAlways?: readonly string[];
}

export interface DistinctOperand {
  readonly negate: boolean;
  readonly text: string;
}

/** Name standing for the k-th (1-based) IS DISTINCT FROM operand in the parsed text. */
export const DISTINCT_OPERAND = '__dispatchdb_operand_';


const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const INT64_MAX = 9223372036854775807n;

/** Value and type of an integer literal: a JS number while safe, bigint to int64, else numeric. */
export function integerLiteral(written: string): [SqlValue, LiteralType] {
  // 1_000 and 0x1F / 0o17 / 0b101 are integers too
  const digits = written.includes('_') ? written.replace(/_/g, '') : written;
  if (digits.length < 16) return [Number(digits), 'integer'];
  const b = BigInt(digits);
  if (b <= MAX_SAFE) return [Number(b), 'integer'];
  if (b <= INT64_MAX) return [b, 'integer'];
  return [Number(digits), 'numeric'];
}

/** Value of a numeric literal (1.5, 1e3, 1_000.5). */
export function numericLiteral(written: string): number {
  return Number(written.includes('_') ? written.replace(/_/g, '') : written);
}


/** A token that can end an operand (for the postfix `x NOT NULL` rewrite). */
function endsOperand(t: Token | undefined): boolean {
  if (t === undefined) return false;
  switch (t.type) {
    case Tok.Word:
      return !KEYWORDS.has(t.text) || t.text === 'NULL' || t.text === 'TRUE' || t.text === 'FALSE';
    case Tok.Punct:
      return t.text === ')' || t.text === ']';
    case Tok.Op:
    case Tok.Cast:
      return false;
    default:
      return true;
  }
}

/** Counts the user's placeholders: max $n, or the number of `?`. Mixing both is an error. */
export function countUserParams(sql: string, tokens: readonly Token[], from: number, to: number): number {
  let maxDollar = 0;
  let qmarks = 0;
  for (let i = from; i < to; i++) {
    const t = tokens[i]!;
    if (t.type === Tok.Param) {
      const n = t.value as number;
      if (n > maxDollar) maxDollar = n;
      if (n === 0) {
        throw new DispatcherError(SqlState.SyntaxError, `there is no parameter $0 at character ${t.start + 1}`, {
          query: sql,
          position: t.start + 1,
        });
      }
    } else if (t.type === Tok.QMark) qmarks++;
  }
  if (qmarks > 0 && maxDollar > 0) {
    throw new DispatcherError(SqlState.SyntaxError, 'cannot mix ? and $n placeholders in one statement', { query: sql });
  }
  return maxDollar > qmarks ? maxDollar : qmarks;
}

/** What a shape pass does besides normalizing (bit flags). */
export const ShapeMode = {
  /** Replace literals with placeholders. */
  Lift: 1,
  /** Rewrites for SELECT/INSERT/UPDATE/DELETE the grammar lacks (TABLE t, VALUES, FOR UPDATE,
   *  DEFAULT VALUES, DELETE ... RETURNING, postfix NOT NULL). */
  Dml: 2,
  /** A statement the front parses: non-reserved statement words are upper-cased too. */
  Front: 4,
} as const;

/**
 * Normalizes tokens [from, to) of `sql` in the given mode (ShapeMode bits). With `positions`,
 * each emitted token's offset in the normalized text and in `sql` is pushed as a pair (used only
 * to map a syntax error back to the original text).
 */
export function shapeOf(
  sql: string,
  tokens: readonly Token[],
  from: number,
  to: number,
  mode: number,
  positions?: number[],
): Shape {
  const lift = (mode & ShapeMode.Lift) !== 0;
  const dml = (mode & ShapeMode.Dml) !== 0;
  const front = (mode & ShapeMode.Front) !== 0;
  const userParamCount = countUserParams(sql, tokens, from, to);
  let out = '';
  let qmarkNo = 0;
  let liftedParams: SqlValue[] | undefined;
  let liftedTypes: LiteralType[] | undefined;
  let depth = 0;
  // ORDER BY / GROUP BY list at this paren depth (-1: none), type modifier parens from this depth
  let orderDepth = -1;
  let typeModDepth = -1;
  // depths at which a rewritten AGG(DISTINCT x) needs an extra closing parenthesis
  let distinctClose: number[] | undefined;
  // indexes of parentheses left out of the normalized text
  let skipped: number[] | undefined;
  // emitted-token state for spacing
  let prevType = 0;
  let prevText = '';
  let prevKeyword = false;

  const emit = (type: number, s: string, keyword: boolean, origin: number): void => {
    if (out.length > 0 && needsSpace(prevType, prevText, prevKeyword, type, s)) out += ' ';
    if (positions !== undefined) positions.push(out.length, origin);
    out += s;
    prevType = type;
    prevText = s;
    prevKeyword = keyword;
  };
  // One placeholder per distinct (value, type): `SELECT a + 1 ... GROUP BY a + 1` must stay two
  // equal expressions for the grouping check, as it was with literals.
  let seen: Partial<Record<LiteralType, Map<SqlValue, number>>> | undefined;
  const addLifted = (value: SqlValue, type: LiteralType, origin: number): void => {
    if (liftedParams === undefined) {
      liftedParams = [];
      liftedTypes = [];
    }
    let k = -1;
    if (seen === undefined) {
      for (let j = 0; j < liftedParams.length; j++) {
        if (liftedParams[j] === value && liftedTypes![j] === type) {
          k = j;
          break;
        }
      }
      // past a few values, index them (long INSERT ... VALUES lists)
      if (liftedParams.length >= 8) {
        seen = {};
        for (let j = liftedParams.length - 1; j >= 0; j--) (seen[liftedTypes![j]!] ??= new Map()).set(liftedParams[j]!, j);
      }
    } else {
      k = seen[type]?.get(value) ?? -1;
    }
    if (k < 0) {
      k = liftedParams.length;
      liftedParams.push(value);
      liftedTypes!.push(type);
      if (seen !== undefined) (seen[type] ??= new Map()).set(value, k);
    }
    emit(Tok.Param, '$' + (userParamCount + k + 1), false, origin);
  };

  const head = tokens[from];
  const firstWord = head !== undefined && head.type === Tok.Word ? head.text : '';
  let whereAtTop = false;
  // bit d: a JOIN was seen in the FROM list at paren depth d
  let joinMask = 0;
  let locking: LockingClause | undefined;
  let insertWithoutColumns = false;
  let identityAlways: string[] | undefined;
  // DELETE ... USING: the EXISTS subquery it became is open until RETURNING or the end
  let usingOpen = false;
  // IS [NOT] DISTINCT FROM operand being captured: [end token, output offset, positions length]
  let operands: DistinctOperand[] | undefined;
  let captureEnd = -1;
  let captureOut = 0;
  let capturePos = 0;
  let captureNegate = false;
  // window specifications open (innermost last), the WINDOW clause's paren depth, what was cut
  let windowSpecs: { depth: number; frameOut: number; framePos: number; base: string | null }[] | undefined;
  let windowClauseDepth = -1;
  // depth of a window specification whose PARTITION BY list is open (wrapped in PARTITION_LIST(...))
  let partitionAt = -1;
  // substring( calls open (the depth inside their parentheses), and whether FROM was seen there
  let substrings: { depth: number; from: boolean }[] | undefined;
  let windows: WindowExtra[] | undefined;
  const endCapture = (origin: number): void => {
    const text = out.slice(captureOut).trim();
    out = out.slice(0, captureOut);
    if (positions !== undefined) positions.length = capturePos;
    (operands ??= []).push({ negate: captureNegate, text });
    emit(Tok.Word, DISTINCT_OPERAND + operands.length, false, origin);
    captureEnd = -1;
  };

  // VALUES (...), (...) as a statement: SELECT * FROM (VALUES ...) AS __dispatchdb_values(column1, ...)
  let valuesEnd = -1;
  let valuesColumns = 0;
  if (dml && firstWord === 'VALUES') {
    const v = valuesStatement(tokens, from, to);
    if (v !== undefined) {
      valuesEnd = v.end;
      valuesColumns = v.columns;
      emit(Tok.Word, 'SELECT', true, head!.start);
      emit(Tok.Op, '*', false, head!.start);
      emit(Tok.Word, 'FROM', true, head!.start);
      emit(Tok.Punct, '(', false, head!.start);
    }
  }
  const closeValues = (origin: number): void => {
    emit(Tok.Punct, ')', false, origin);
    emit(Tok.Word, 'AS', true, origin);
    emit(Tok.Word, '__dispatchdb_values', false, origin);
    emit(Tok.Punct, '(', false, origin);
    for (let c = 1; c <= valuesColumns; c++) {
      if (c > 1) emit(Tok.Punct, ',', false, origin);
      emit(Tok.Word, `column${c}`, false, origin);
    }
    emit(Tok.Punct, ')', false, origin);
  };

  // WITH ... INSERT ... SELECT: the grammar takes the WITH only on the SELECT; emit the INSERT
  // head first, then the WITH, then the query (token ranges, in emission order)
  const segments = dml && firstWord === 'WITH' ? withInsertSegments(tokens, from, to) : undefined;
  const ranges = segments ?? [from, to];
  scan: for (let r = 0; r < ranges.length; r += 2) {
    const rangeEnd = ranges[r + 1]!;
    for (let i = ranges[r]!; i < rangeEnd; i++) {
      const t = tokens[i]!;
      if (i === captureEnd) endCapture(tokens[i - 1]!.start);
      if (i === valuesEnd) closeValues(t.start);
      switch (t.type) {
        case Tok.Word: {
          const w = t.text;
          const prev = i > from ? tokens[i - 1] : undefined;
          if (w === 'WINDOW') {
            windowClauseDepth = depth;
            windows ??= [];
          }
          else if (windowClauseDepth === depth && WINDOW_CLAUSE_END.has(w)) windowClauseDepth = -1;
          const renamed = renamedWindowFunction(tokens, i, to);
          if (renamed !== undefined) {
            // percent_rank() OVER ... travels as ntile(__dispatchdb_percent_rank) OVER ...
            emit(Tok.Word, 'ntile', false, t.start);
            emit(Tok.Punct, '(', false, t.start);
            emit(Tok.Word, renamed, false, t.start);
            emit(Tok.Punct, ')', false, t.start);
            windows ??= [];
            i += 2;
            continue;
          }
          if ((w === 'CURRENT_USER' || w === 'SESSION_USER' || w === 'CURRENT_ROLE') && !isPunct(tokens[i + 1], '(') && !isPunct(prev, '.')) {
            // The grammar has no such bare words: they travel as calls (functions.ts answers
            // them with the statement's user).
            emit(Tok.Word, w.toLowerCase(), false, t.start);
            emit(Tok.Punct, '(', false, t.start);
            emit(Tok.Punct, ')', false, t.start);
            continue;
          }
          if (w === 'SUBSTRING' && isPunct(tokens[i + 1], '(')) (substrings ??= []).push({ depth: depth + 1, from: false });
          const sub = substrings?.[substrings.length - 1];
          if (sub !== undefined && sub.depth === depth && (w === 'FROM' || w === 'FOR')) {
            // substring(s FROM a FOR b) is substring(s, a, b) (the grammar takes that form only
            // for a literal s); FOR without FROM starts at 1.
            if (w === 'FOR' && !sub.from) {
              emit(Tok.Punct, ',', false, t.start);
              emit(Tok.Integer, '1', false, t.start);
            }
            if (w === 'FROM') sub.from = true;
            emit(Tok.Punct, ',', false, t.start);
            continue;
          }
          const spec = windowSpecs?.[windowSpecs.length - 1];
          // The PARTITION BY list ends where ORDER BY or a frame starts (its wrapper closes first).
          if (partitionAt === depth && (w === 'ORDER' || isFrameUnit(t))) {
            emit(Tok.Punct, ')', false, t.start);
            partitionAt = -1;
          }
          if (w === 'PARTITION' && spec !== undefined && spec.depth === depth && isWord(tokens[i + 1], 'BY')) {
            // The grammar partitions by columns and calls only: the list travels as the arguments
            // of one call, which restoreWindows unwraps.
            emit(Tok.Word, 'PARTITION', true, t.start);
            emit(Tok.Word, 'BY', true, t.start);
            emit(Tok.Word, PARTITION_LIST, false, t.start);
            emit(Tok.Punct, '(', false, t.start);
            partitionAt = depth;
            windows ??= [];
            i++;
            continue;
          }
          if (spec !== undefined && spec.depth === depth && spec.frameOut < 0 && isFrameUnit(t)) {
            spec.frameOut = out.length;
            spec.framePos = positions?.length ?? 0;
          }
          if (dml && depth < 31) {
            if (w === 'JOIN') joinMask |= 1 << depth;
            else if (JOIN_LIST_END.has(w)) joinMask &= ~(1 << depth);
          }
          if (depth === 0 && dml) {
            if (w === 'WHERE') whereAtTop = true;
            else if (i === from && w === 'TABLE') {
              // TABLE t is SELECT * FROM t
              emit(Tok.Word, 'SELECT', true, t.start);
              emit(Tok.Op, '*', false, t.start);
              emit(Tok.Word, 'FROM', true, t.start);
              continue;
            } else if (w === 'DEFAULT' && firstWord === 'INSERT' && isWord(tokens[i + 1], 'VALUES')) {
              // DEFAULT VALUES is VALUES (DEFAULT): omitted trailing columns take their defaults
              emit(Tok.Word, 'VALUES', true, t.start);
              emit(Tok.Punct, '(', false, t.start);
              emit(Tok.Word, 'DEFAULT', true, t.start);
              emit(Tok.Punct, ')', false, t.start);
              i++;
              continue;
            } else if (
              firstWord === 'INSERT' &&
              !insertWithoutColumns &&
              (w === 'VALUES' || w === 'SELECT' || w === 'WITH') &&
              (prev?.type === Tok.Word || prev?.type === Tok.QuotedIdent) &&
              !isWord(prev, 'INTO') &&
              onConflict(tokens, i, to)
            ) {
              // INSERT INTO t VALUES ... ON CONFLICT: the grammar needs a column list there
              const width = w === 'VALUES' ? (valuesStatement(tokens, i, to)?.columns ?? 1) : 1;
              emit(Tok.Punct, '(', false, t.start);
              for (let c = 1; c <= width; c++) {
                if (c > 1) emit(Tok.Punct, ',', false, t.start);
                emit(Tok.Word, `__dispatchdb_column_${c}`, false, t.start);
              }
              emit(Tok.Punct, ')', false, t.start);
              insertWithoutColumns = true;
            } else if (w === 'USING' && firstWord === 'DELETE' && !whereAtTop && !usingOpen) {
              // DELETE FROM t USING u WHERE c is DELETE FROM t WHERE EXISTS (SELECT 1 FROM u WHERE c)
              emit(Tok.Word, 'WHERE', true, t.start);
              emit(Tok.Word, 'EXISTS', true, t.start);
              emit(Tok.Punct, '(', false, t.start);
              emit(Tok.Word, 'SELECT', true, t.start);
              emit(Tok.Integer, '1', false, t.start);
              emit(Tok.Word, 'FROM', true, t.start);
              usingOpen = true;
              whereAtTop = true;
              continue;
            } else if (w === 'RETURNING' && firstWord === 'DELETE' && usingOpen) {
              emit(Tok.Punct, ')', false, t.start);
              usingOpen = false;
            } else if (w === 'RETURNING' && firstWord === 'DELETE' && !whereAtTop) {
              // the grammar wants a WHERE before RETURNING in DELETE
              emit(Tok.Word, 'WHERE', true, t.start);
              emit(Tok.Word, 'TRUE', true, t.start);
              whereAtTop = true;
            } else if (w === 'FOR' && firstWord !== 'INSERT' && firstWord !== 'UPDATE' && firstWord !== 'DELETE') {
              const clause = lockingClause(sql, tokens, i, to);
              if (clause !== undefined) {
                locking = clause;
                break scan;
              }
            }
          }
          if (w === 'IS' && dml && captureEnd < 0) {
            const d = distinctFrom(tokens, i, to);
            if (d !== undefined) {
              emit(Tok.Word, 'IS', true, t.start);
              emit(Tok.Word, 'DISTINCT', true, t.start);
              emit(Tok.Word, 'FROM', true, t.start);
              captureNegate = d.negate;
              captureEnd = d.end;
              captureOut = out.length;
              capturePos = positions?.length ?? 0;
              i = d.operand - 1;
              continue;
            }
          }
          if (w === 'FETCH') {
            // FETCH {FIRST | NEXT} [n] {ROW | ROWS} ONLY is LIMIT n
            const f = fetchFirst(tokens, i, to);
            if (f !== undefined) {
              emit(Tok.Word, 'LIMIT', true, t.start);
              const c = f.count >= 0 ? tokens[f.count]! : undefined;
              if (c === undefined) {
                if (lift) addLifted(1, 'integer', t.start);
                else emit(Tok.Integer, '1', false, t.start);
              } else if (c.type === Tok.Integer && lift) {
                const [v, ty] = integerLiteral(sql.slice(c.start, c.end));
                addLifted(v, ty, c.start);
              } else if (c.type === Tok.Param) emit(Tok.Param, '$' + (c.value as number), false, c.start);
              else emit(c.type, sql.slice(c.start, c.end), false, c.start);
              i = f.end - 1;
              continue;
            }
          } else if ((w === 'ROWS' || w === 'ROW') && i - 2 >= from && isWord(tokens[i - 2], 'OFFSET')) {
            // OFFSET n ROWS is OFFSET n
            const n = tokens[i - 1]!;
            if (n.type === Tok.Integer || n.type === Tok.Param) continue;
          }
          if (w === 'IN' && dml && isPunct(tokens[i + 1], '(') && isPunct(tokens[i + 2], ')') && i + 2 < to) {
            // SQLite's empty list `x IN ()` (false for every x, NULL too) is IN over an empty set
            emit(Tok.Word, 'IN', true, t.start);
            emit(Tok.Punct, '(', false, t.start);
            emit(Tok.Word, 'SELECT', true, t.start);
            emit(Tok.Word, 'NULL', true, t.start);
            emit(Tok.Word, 'WHERE', true, t.start);
            emit(Tok.Word, 'FALSE', true, t.start);
            emit(Tok.Punct, ')', false, t.start);
            i += 2;
            continue;
          }
          if (w === 'ALL') {
            // SELECT ALL x -> SELECT x; AGG(ALL x) -> AGG(x): ALL is the default quantifier
            if (isWord(prev, 'SELECT')) continue;
            if (isPunct(prev, '(') && i - 2 >= from && tokens[i - 2]!.type === Tok.Word && !KEYWORDS.has(tokens[i - 2]!.text)) continue;
          } else if (w === 'DISTINCT') {
            const fn = i - 2 >= from ? tokens[i - 2]! : undefined;
            if (isPunct(prev, '(') && fn !== undefined && fn.type === Tok.Word && !KEYWORDS.has(fn.text) && !NATIVE_DISTINCT_AGGREGATES.has(fn.text)) {
              emit(Tok.Word, '__dispatchdb_distinct', false, t.start);
              emit(Tok.Punct, '(', false, t.start);
              (distinctClose ??= []).push(depth);
              continue;
            }
          } else if (w === 'TRUE' || w === 'FALSE') {
            if (lift && !isWord(prev, 'IS') && !(isWord(prev, 'NOT') && isWord(tokens[i - 2], 'IS'))) {
              addLifted(w === 'TRUE', 'boolean', t.start);
              continue;
            }
          } else if (w === 'GENERATED' && firstWord === 'CREATE' && prev !== undefined && prev.type === Tok.Word && IDENTITY_SERIALS[prev.text] !== undefined) {
            // `n INTEGER GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY [(options)]` is `n SERIAL`
            // to the grammar; an ALWAYS column is named in the shape (the analyser marks it).
            const end = identityClauseEnd(tokens, i, to);
            if (end > 0) {
              out = out.slice(0, out.length - prevText.length).trimEnd();
              if (positions !== undefined) positions.length -= 2;
              emit(Tok.Word, IDENTITY_SERIALS[prev.text]!, true, t.start);
              const col = tokens[i - 2];
              if (isWord(tokens[i + 1], 'ALWAYS') && col !== undefined && i - 2 >= from) {
                (identityAlways ??= []).push(col.type === Tok.QuotedIdent ? String(col.value) : foldedWord(sql, col));
              }
              i = end - 1;
              continue;
            }
          } else if (w === 'ISNULL' || w === 'NOTNULL') {
            emit(Tok.Word, 'IS', true, t.start);
            if (w === 'NOTNULL') emit(Tok.Word, 'NOT', true, t.start);
            emit(Tok.Word, 'NULL', true, t.start);
            continue;
          } else if (w === 'NOT' && dml && isWord(tokens[i + 1], 'NULL') && i + 1 < to && endsOperand(prev) && !isWord(prev, 'IS')) {
            // SQLite's postfix `x NOT NULL` is `x IS NOT NULL`
            emit(Tok.Word, 'IS', true, t.start);
          } else if (w === 'BY') {
            if (isWord(prev, 'ORDER') || isWord(prev, 'GROUP')) orderDepth = depth;
          } else if (orderDepth === depth && ITEM_END.has(w) && w !== 'ASC' && w !== 'DESC' && w !== 'NULLS' && w !== 'COLLATE') {
            orderDepth = -1;
          }
          if (TYPE_MODIFIED.has(w) && typeModDepth < 0 && isPunct(tokens[i + 1], '(')) typeModDepth = depth + 1;
          if (w === 'CASE' && isPunct(tokens[i + 1], '(')) {
            // `CASE (x) WHEN`: the grammar rejects a parenthesised operand; the parentheses are
            // redundant there, drop them
            const close = matchingParen(tokens, i + 1, to);
            if (close > 0 && isWord(tokens[close + 1], 'WHEN')) {
              (skipped ??= []).push(i + 1, close);
            }
          }
          if (w === 'CHECK' && !dml && isPunct(prev, ')') && followsCheck(tokens, from, i) && checksEndItem(tokens, i, to)) {
            // `a INT CHECK (x) CHECK (y)`: the grammar keeps only the last check of a column; the
            // later ones become table checks (`CHECK (x), CHECK (y)`), named alike
            emit(Tok.Punct, ',', false, t.start);
          }
          if (isWord(prev, 'REFERENCES') && !KEYWORDS.has(w) && !isPunct(tokens[i + 1], '(') && !isPunct(tokens[i + 1], '.')) {
            // `REFERENCES t` without columns means t's primary key; the grammar wants a list
            emit(Tok.Word, foldedWord(sql, t), false, t.start);
            emit(Tok.Punct, '(', false, t.start);
            emit(Tok.Word, '__dispatchdb_pk', false, t.start);
            emit(Tok.Punct, ')', false, t.start);
            continue;
          }
          // the leading word is never an identifier
          const kw = KEYWORDS.has(w) || i === from || (front && SOFT_KEYWORDS.has(w));
          emit(Tok.Word, kw ? w : foldedWord(sql, t), kw, t.start);
          continue;
        }
        case Tok.Integer:
        case Tok.Numeric: {
          if (lift && (typeModDepth < 0 || depth < typeModDepth) && !positional(tokens, i, from, to, orderDepth, depth)) {
            const prev = i > from ? tokens[i - 1]! : undefined;
            if (prev === undefined || prev.type !== Tok.Word || KEYWORDS.has(prev.text)) {
              const digits = sql.slice(t.start, t.end);
              if (t.type === Tok.Integer) {
                const [v, ty] = integerLiteral(digits);
                addLifted(v, ty, t.start);
              } else addLifted(numericLiteral(digits), 'numeric', t.start);
              continue;
            }
          }
          emit(t.type, sql.slice(t.start, t.end), false, t.start);
          continue;
        }
        case Tok.String: {
          const prev = i > from ? tokens[i - 1]! : undefined;
          // `DATE '2020-01-01'`, `INTERVAL '1 day'`, `ESCAPE '\'`, `AT TIME ZONE 'UTC'`: the word
          // before gives the literal its meaning, keep it as written
          if (lift && (prev === undefined || prev.type !== Tok.Word || KEYWORDS.has(prev.text))) {
            addLifted(t.value as string, 'text', t.start);
            continue;
          }
          emit(t.type, sql.slice(t.start, t.end), false, t.start);
          continue;
        }
        case Tok.QMark:
          qmarkNo++;
          emit(Tok.Param, '$' + qmarkNo, false, t.start);
          continue;
        case Tok.Param: {
          const c = tokens[i + 1];
          const ty = tokens[i + 2];
          if (c?.type === Tok.Cast && ty?.type === Tok.Word && (ty.text === 'JSON' || ty.text === 'JSONB') && i + 2 < to) {
            // `$1::jsonb -> ...` is a syntax error to the grammar (a literal's cast is not):
            // CAST($1 AS jsonb) is the same value.
            emit(Tok.Word, 'CAST', true, t.start);
            emit(Tok.Punct, '(', false, t.start);
            emit(Tok.Param, '$' + (t.value as number), false, t.start);
            emit(Tok.Word, 'AS', true, t.start);
            emit(Tok.Word, ty.text, false, ty.start);
            emit(Tok.Punct, ')', false, ty.start);
            i += 2;
            continue;
          }
          emit(Tok.Param, '$' + (t.value as number), false, t.start);
          continue;
        }
        case Tok.QuotedIdent:
          emit(t.type, sql.slice(t.start, t.end), false, t.start);
          continue;
        case Tok.Blob: {
          // X'0A1b': a bytea value; unlifted it is the bytea input form the grammar takes
          const hex = t.value as string;
          if (lift) addLifted(new Uint8Array(Buffer.from(hex, 'hex')), 'bytea', t.start);
          else {
            emit(Tok.String, `'\\x${hex.toLowerCase()}'`, false, t.start);
            emit(Tok.Cast, '::', false, t.start);
            emit(Tok.Word, 'BYTEA', true, t.start);
          }
          continue;
        }
        case Tok.Punct: {
          const p = t.text;
          if (skipped !== undefined && skipped.includes(i)) continue;
          if (p === '(' && opensWindowSpec(tokens, i, from, windowClauseDepth === depth)) {
            emit(Tok.Punct, p, false, t.start);
            depth++;
            let base: string | null = null;
            if (isBaseWindowName(tokens, i + 1, to)) {
              const b = tokens[++i]!;
              base = b.type === Tok.QuotedIdent ? (b.value as string) : foldedWord(sql, b);
            }
            (windowSpecs ??= []).push({ depth, frameOut: -1, framePos: 0, base });
            continue;
          }
          if (p === ')' && substrings !== undefined && substrings[substrings.length - 1]?.depth === depth) substrings.pop();
          if (p === ')' && partitionAt === depth) {
            emit(Tok.Punct, ')', false, t.start);
            partitionAt = -1;
          }
          if (p === ')' && windowSpecs !== undefined && windowSpecs[windowSpecs.length - 1]?.depth === depth) {
            const spec = windowSpecs.pop()!;
            if (spec.frameOut >= 0 || spec.base !== null) {
              let frame: string | null = null;
              if (spec.frameOut >= 0) {
                frame = out.slice(spec.frameOut).trim();
                out = out.slice(0, spec.frameOut);
                if (positions !== undefined) positions.length = spec.framePos;
              }
              (windows ??= []).push({ base: spec.base, frame });
              emit(Tok.Word, 'rows', false, t.start);
              emit(Tok.Integer, String(windows.length), false, t.start);
              emit(Tok.Word, 'preceding', false, t.start);
            }
          }
          if (p === '(') depth++;
          else if (p === ')') {
            if (distinctClose !== undefined && distinctClose.length > 0 && distinctClose[distinctClose.length - 1] === depth) {
              distinctClose.pop();
              emit(Tok.Punct, ')', false, t.start);
            }
            depth--;
            if (orderDepth > depth) orderDepth = -1;
            if (typeModDepth > depth) typeModDepth = -1;
            if (depth >= 0 && depth < 30) joinMask &= (1 << (depth + 1)) - 1;
          } else if (p === ';' && orderDepth >= 0) orderDepth = -1;
          else if (p === ',' && depth < 31 && (joinMask & (1 << depth)) !== 0) {
            // `FROM a JOIN b ON c, d`: the grammar takes no comma after a join; a comma join is a
            // cross join
            emit(Tok.Word, 'CROSS', true, t.start);
            emit(Tok.Word, 'JOIN', true, t.start);
            continue;
          }
          emit(Tok.Punct, p, false, t.start);
          continue;
        }
        default:
          emit(t.type, t.text, false, t.start);
      }
    }
  }
  if (usingOpen) emit(Tok.Punct, ')', false, tokens[to - 1]!.end);
  if (captureEnd === to) endCapture(tokens[to - 1]!.start);
  if (valuesEnd === to) closeValues(tokens[to - 1]!.end);
  const shape: Shape = {
    text: out,
    liftedParams: liftedParams ?? EMPTY_VALUES,
    liftedTypes: liftedTypes ?? EMPTY_TYPES,
    userParamCount,
  };
  if (locking === undefined && operands === undefined && !insertWithoutColumns && windows === undefined && identityAlways === undefined) return shape;
  return {
    ...shape,
    ...(identityAlways !== undefined ? { identityAlways } : {}),
    ...(windows !== undefined ? { windows } : {}),
    ...(locking !== undefined ? { locking } : {}),
    ...(operands !== undefined ? { distinctOperands: operands } : {}),
    ...(insertWithoutColumns ? { insertWithoutColumns: true as const } : {}),
  };
}

/** The integer types an identity column may have, and the SERIAL type that stands for each. */
const IDENTITY_SERIALS: Readonly<Record<string, string>> = {
  SMALLINT: 'SMALLSERIAL',
  INT2: 'SMALLSERIAL',
  INTEGER: 'SERIAL',
  INT: 'SERIAL',
  INT4: 'SERIAL',
  BIGINT: 'BIGSERIAL',
  INT8: 'BIGSERIAL',
};

/**
 * The token index just past `GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY [( sequence options )]`
 * starting at `i`, or 0 when the tokens there are not that clause. The sequence options (START
 * WITH, INCREMENT BY, ...) are not kept: the column counts from 1 by 1, as SERIAL does.
 */
function identityClauseEnd(tokens: readonly Token[], i: number, to: number): number {
  let j = i + 1;
  if (isWord(tokens[j], 'ALWAYS')) j++;
  else if (isWord(tokens[j], 'BY') && isWord(tokens[j + 1], 'DEFAULT')) j += 2;
  else return 0;
  if (!isWord(tokens[j], 'AS') || !isWord(tokens[j + 1], 'IDENTITY')) return 0;
  j += 2;
  if (j < to && isPunct(tokens[j], '(')) {
    const close = matchingParen(tokens, j, to);
    if (close < 0) return 0;
    // The counter starts past the column's largest value and steps by 1: other starts or steps
    // are refused rather than ignored (a dump's `START WITH 1 INCREMENT BY 1 ... CACHE 1` passes).
    for (let k = j + 1; k < close; k++) {
      if (!isWord(tokens[k], 'START') && !isWord(tokens[k], 'INCREMENT')) continue;
      let v = k + 1;
      if (isWord(tokens[v], 'WITH') || isWord(tokens[v], 'BY')) v++;
      const n = tokens[v];
      if (n === undefined || n.type !== Tok.Integer || n.text !== '1') {
        throw new DispatcherError(SqlState.FeatureNotSupported, `identity columns support ${tokens[k]!.text} 1 only`);
      }
    }
    j = close + 1;
  }
  return j <= to ? j : 0;
}

// shared by every shape without lifted values: frozen so that no caller can grow them
const EMPTY_VALUES = Object.freeze([]) as unknown as SqlValue[];
const EMPTY_TYPES = Object.freeze([]) as unknown as LiteralType[];
