// Window clauses node-sql-parser's postgresql grammar cannot parse: RANGE and GROUPS frames,
// `n PRECEDING` as a frame end, offsets that are not plain numbers (lifted `$k` included),
// EXCLUDE, `OVER (w ORDER BY ...)` refining a named window, and the zero-argument window
// functions it does not know (percent_rank(), cume_dist()).
//
// The shape pass cuts each window specification's frame clause (and base window name) out of
// the text, keeps it here as normalized text and leaves a frame the grammar accepts,
// `ROWS k PRECEDING` (k numbering the window specifications of the statement). After the parse,
// restoreWindows() puts a structured frame in its place; percent_rank() and cume_dist() travel
// as `ntile(__dispatchdb_percent_rank)` and come back as window_func nodes. It also moves the
// ORDER BY / LIMIT the grammar files as _orderby / _limit after a WINDOW clause to their places.
import { DispatcherError, SqlState } from '../api/errors.js';
import { Tok, tokenize, type Token } from './tokenizer.js';

/** What the shape pass kept of one window specification. */
export interface WindowExtra {
  /** `OVER (w ...)`: the named window refined. */
  readonly base: string | null;
  /** The frame clause as normalized text (`rows between $3 preceding and current row`). */
  readonly frame: string | null;
}

/** Zero-argument window functions the grammar rejects, and the stand-in argument name they travel with. */
export const RENAMED_WINDOW_FUNCTIONS: ReadonlyMap<string, string> = new Map([
  ['PERCENT_RANK', '__dispatchdb_percent_rank'],
  ['CUME_DIST', '__dispatchdb_cume_dist'],
]);
const RESTORED_NAMES: ReadonlyMap<string, string> = new Map([
  ['__dispatchdb_percent_rank', 'percent_rank'],
  ['__dispatchdb_cume_dist', 'cume_dist'],
]);

/** The call a PARTITION BY list travels in (the grammar takes no expressions there but calls). */
export const PARTITION_LIST = '__dispatchdb_partition';

const FRAME_UNITS: ReadonlySet<string> = new Set(['ROWS', 'RANGE', 'GROUPS']);
const SPEC_WORDS: ReadonlySet<string> = new Set(['PARTITION', 'ORDER', 'ROWS', 'RANGE', 'GROUPS']);

/** Whether tokens[i] (a word) starts a frame clause. */
export function isFrameUnit(t: Token): boolean {
  return t.type === Tok.Word && FRAME_UNITS.has(t.text);
}

/**
 * Whether the `(` at tokens[i] opens a window specification: after OVER, or after `name AS`
 * inside a WINDOW clause (windowClause: the WINDOW clause is open at this paren depth).
 */
export function opensWindowSpec(tokens: readonly Token[], i: number, from: number, windowClause: boolean): boolean {
  if (i <= from) return false;
  const prev = tokens[i - 1]!;
  if (prev.type !== Tok.Word) return false;
  return prev.text === 'OVER' || (windowClause && prev.text === 'AS');
}

/** Whether tokens[i] (just inside a window specification) names the window it refines. */
export function isBaseWindowName(tokens: readonly Token[], i: number, to: number): boolean {
  if (i >= to) return false;
  const t = tokens[i]!;
  if (t.type === Tok.QuotedIdent) return true;
  if (t.type !== Tok.Word || SPEC_WORDS.has(t.text)) return false;
  const next = tokens[i + 1];
  return next === undefined || !(next.type === Tok.Punct && (next.text === '(' || next.text === '.'));
}

/** `percent_rank ( ) OVER`: the stand-in name to emit, or undefined. */
export function renamedWindowFunction(tokens: readonly Token[], i: number, to: number): string | undefined {
  const t = tokens[i]!;
  const alias = RENAMED_WINDOW_FUNCTIONS.get(t.text);
  if (alias === undefined || i + 3 >= to) return undefined;
  const a = tokens[i + 1]!;
  const b = tokens[i + 2]!;
  const c = tokens[i + 3]!;
  if (a.type !== Tok.Punct || a.text !== '(' || b.type !== Tok.Punct || b.text !== ')') return undefined;
  return c.type === Tok.Word && c.text === 'OVER' ? alias : undefined;
}

// ---------------------------------------------------------------- after the parse

export type FrameBoundKind = 'unbounded preceding' | 'preceding' | 'current row' | 'following' | 'unbounded following';

export interface FrameBound {
  readonly kind: FrameBoundKind;
  /** The offset of `n PRECEDING` / `n FOLLOWING` as an expression node. */
  readonly offset: unknown;
}

/** What replaces window_frame_clause in the AST (see the analysis README). */
export interface WindowFrameNode {
  readonly type: 'window_frame';
  readonly base: string | null;
  /** null when the specification has no frame clause. */
  readonly units: 'rows' | 'range' | 'groups' | null;
  readonly start: FrameBound | null;
  readonly end: FrameBound | null;
  readonly exclude: 'no others' | 'current row' | 'group' | 'ties';
}

const PLACEHOLDER = /^(\d+) PRECEDING$/i;

/**
 * Puts the window frames and renamed functions back into a freshly parsed AST (in place).
 * parseExpr parses one expression's normalized text.
 */
export function restoreWindows(root: unknown, extras: readonly WindowExtra[], parseExpr: (text: string) => unknown): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      for (let k = 0; k < v.length; k++) {
        const fixed = renamedFunction(v[k]);
        if (fixed !== undefined) v[k] = fixed;
        stack.push(v[k]);
      }
      continue;
    }
    const node = v as Record<string, unknown>;
    // After a WINDOW clause the grammar files ORDER BY and LIMIT under _orderby / _limit
    if (node['type'] === 'select' && node['window'] !== null && node['window'] !== undefined) {
      if (node['_orderby'] !== undefined && (node['orderby'] === null || node['orderby'] === undefined)) {
        node['orderby'] = node['_orderby'];
        delete node['_orderby'];
      }
      if (node['_limit'] !== undefined) {
        node['limit'] = node['_limit'];
        delete node['_limit'];
      }
    }
    for (const key in node) {
      if (key === 'tableList' || key === 'columnList') continue;
      const child = node[key] as Record<string, unknown> | null | undefined;
      if (key === 'window_frame_clause' && child !== null && typeof child === 'object' && child['type'] === 'rows') {
        const value = (child['expr'] as { value?: unknown } | undefined)?.value;
        const m = typeof value === 'string' ? PLACEHOLDER.exec(value) : null;
        const extra = m !== null ? extras[Number(m[1]) - 1] : undefined;
        if (extra !== undefined) {
          node[key] = frameNode(extra, parseExpr);
          continue;
        }
      }
      if (key === 'partitionby' && Array.isArray(child)) {
        const list = partitionList(child);
        if (list !== undefined) node[key] = list;
      }
      const fixed = renamedFunction(child);
      if (fixed !== undefined) node[key] = fixed;
      stack.push(node[key]);
    }
  }
}

/** A PARTITION BY list that travelled as PARTITION_LIST(a, b, ...): its items again; else undefined. */
function partitionList(items: readonly unknown[]): unknown[] | undefined {
  if (items.length !== 1) return undefined;
  const call = (items[0] as { expr?: Record<string, unknown> } | null)?.expr;
  if (call?.['type'] !== 'function') return undefined;
  const parts = (call['name'] as { name?: { value?: unknown }[] } | undefined)?.name;
  if (!Array.isArray(parts) || parts.length !== 1 || String(parts[0]?.value).toLowerCase() !== PARTITION_LIST) return undefined;
  const args = (call['args'] as { value?: unknown[] } | undefined)?.value;
  return Array.isArray(args) ? args.map((expr) => ({ type: 'expr', expr })) : undefined;
}

function renamedFunction(n: unknown): unknown {
  if (n === null || typeof n !== 'object') return undefined;
  const node = n as Record<string, unknown>;
  if (node['type'] !== 'function' || node['over'] === undefined || node['over'] === null) return undefined;
  const parts = (node['name'] as { name?: { value?: unknown }[] } | undefined)?.name;
  if (!Array.isArray(parts) || parts.length !== 1 || String(parts[0]?.value).toLowerCase() !== 'ntile') return undefined;
  const args = (node['args'] as { value?: unknown[] } | undefined)?.value;
  if (!Array.isArray(args) || args.length !== 1) return undefined;
  const a = args[0] as { type?: unknown; table?: unknown; column?: { expr?: { value?: unknown } } };
  if (a?.type !== 'column_ref' || (a.table !== null && a.table !== undefined)) return undefined;
  const name = RESTORED_NAMES.get(String(a.column?.expr?.value ?? ''));
  if (name === undefined) return undefined;
  return { type: 'window_func', name, over: node['over'] };
}

function frameError(text: string, near: string): DispatcherError {
  return new DispatcherError(SqlState.SyntaxError, `syntax error at or near "${near}" in window frame "${text}"`);
}

/** PostgreSQL's windowing_error. */
const WINDOWING_ERROR = '42P20';

function windowingError(message: string): DispatcherError {
  return new DispatcherError(WINDOWING_ERROR, message);
}

function frameNode(extra: WindowExtra, parseExpr: (text: string) => unknown): WindowFrameNode {
  if (extra.frame === null) return { type: 'window_frame', base: extra.base, units: null, start: null, end: null, exclude: 'no others' };
  const text = extra.frame;
  const toks = tokenize(text);
  let i = 0;
  const word = (): string | undefined => (toks[i]?.type === Tok.Word ? toks[i]!.text : undefined);
  const near = (): string => (i < toks.length ? text.slice(toks[i]!.start, toks[i]!.end) : 'end of frame');
  const expectWord = (w: string): void => {
    if (word() !== w) throw frameError(text, near());
    i++;
  };
  const units = (word() ?? '').toLowerCase() as 'rows' | 'range' | 'groups';
  i++;
  // One bound; `stop` is the word that ends it (AND in BETWEEN ... AND).
  const bound = (): FrameBound => {
    const w = word();
    if (w === 'UNBOUNDED') {
      i++;
      const dir = word();
      if (dir !== 'PRECEDING' && dir !== 'FOLLOWING') throw frameError(text, near());
      i++;
      return { kind: dir === 'PRECEDING' ? 'unbounded preceding' : 'unbounded following', offset: null };
    }
    if (w === 'CURRENT') {
      i++;
      expectWord('ROW');
      return { kind: 'current row', offset: null };
    }
    // n PRECEDING / n FOLLOWING: the offset runs to the direction word at depth 0
    const first = i;
    let depth = 0;
    for (; i < toks.length; i++) {
      const t = toks[i]!;
      if (t.type === Tok.Punct && t.text === '(') depth++;
      else if (t.type === Tok.Punct && t.text === ')') depth--;
      else if (depth === 0 && t.type === Tok.Word && (t.text === 'PRECEDING' || t.text === 'FOLLOWING')) break;
    }
    if (i >= toks.length || i === first) {
      i = first;
      throw frameError(text, near());
    }
    const offset = parseExpr(text.slice(toks[first]!.start, toks[i - 1]!.end));
    const kind = toks[i]!.text === 'PRECEDING' ? 'preceding' : 'following';
    i++;
    return { kind, offset };
  };
  let start: FrameBound;
  let end: FrameBound;
  if (word() === 'BETWEEN') {
    i++;
    start = bound();
    expectWord('AND');
    end = bound();
  } else {
    start = bound();
    end = { kind: 'current row', offset: null };
  }
  let exclude: WindowFrameNode['exclude'] = 'no others';
  if (word() === 'EXCLUDE') {
    i++;
    const w = word();
    if (w === 'CURRENT') {
      i++;
      expectWord('ROW');
      exclude = 'current row';
    } else if (w === 'GROUP' || w === 'TIES') {
      i++;
      exclude = w === 'GROUP' ? 'group' : 'ties';
    } else if (w === 'NO') {
      i++;
      expectWord('OTHERS');
    } else throw frameError(text, near());
  }
  if (i < toks.length) throw frameError(text, near());
  // PostgreSQL's checks of the bound combination (gram.y)
  if (start.kind === 'unbounded following') throw windowingError('frame start cannot be UNBOUNDED FOLLOWING');
  if (end.kind === 'unbounded preceding') throw windowingError('frame end cannot be UNBOUNDED PRECEDING');
  if (start.kind === 'current row' && end.kind === 'preceding') {
    throw windowingError('frame starting from current row cannot have preceding rows');
  }
  if (start.kind === 'following' && (end.kind === 'preceding' || end.kind === 'current row')) {
    throw windowingError('frame starting from following row cannot have preceding rows');
  }
  return { type: 'window_frame', base: extra.base, units, start, end, exclude };
}
