// The grammar cannot read a parenthesized subquery whose select list starts with a parenthesis
// where an expression list could also stand: `x IN (SELECT (a) FROM t)` and
// `x = (SELECT (a) - 1 FROM t)` are syntax errors to it (it takes `SELECT (a)` for a call of a
// function named SELECT, then stops at FROM). When a parse fails on such a text, it is parsed
// again with a placeholder column put first in each such select list (`(SELECT pad, (a) ...`),
// which the grammar reads as the subquery it is; the placeholder columns are then taken out of
// the tree. Tokens, not characters, are rewritten: a string or comment holding the same letters
// is left alone.
import { Tok, tokenize } from './tokenizer.js';

const PAD = '__dispatchdb_select_pad';

/** Whether the text may hold such a subquery (cheap test before tokenizing). */
export function mayHoldParenSelect(text: string): boolean {
  return /\(\s*select\s*\(/i.test(text);
}

/** The text with the placeholder column after each `( SELECT` followed by `(`; null if none. */
export function padParenSelects(text: string): string | null {
  let tokens;
  try {
    tokens = tokenize(text);
  } catch {
    return null;
  }
  let out = '';
  let last = 0;
  for (let i = 1; i + 1 < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type !== Tok.Word || t.text !== 'SELECT') continue;
    const before = tokens[i - 1]!;
    const after = tokens[i + 1]!;
    if (before.type !== Tok.Punct || before.text !== '(' || after.type !== Tok.Punct || after.text !== '(') continue;
    out += text.slice(last, t.end) + ` ${PAD},`;
    last = t.end;
  }
  return last === 0 ? null : out + text.slice(last);
}

function isPad(col: unknown): boolean {
  const expr = (col as { expr?: { type?: unknown; column?: unknown } } | null)?.expr;
  if (expr?.type !== 'column_ref') return false;
  const c = expr.column as { expr?: { value?: unknown } } | string | undefined;
  const name = typeof c === 'string' ? c : c?.expr?.value;
  return typeof name === 'string' && name.toLowerCase() === PAD;
}

/** Takes the placeholder columns out of every select list of the tree. */
export function removeParenSelectPads(node: unknown): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const x of node) removeParenSelectPads(x);
    return;
  }
  const n = node as Record<string, unknown>;
  if (n['type'] === 'select' && Array.isArray(n['columns']) && n['columns'].length > 1 && isPad(n['columns'][0])) {
    n['columns'].shift();
  }
  for (const k of Object.keys(n)) {
    if (k === 'loc' || k === 'columnList' || k === 'tableList') continue;
    removeParenSelectPads(n[k]);
  }
}
