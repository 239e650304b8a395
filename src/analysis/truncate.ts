// TRUNCATE [TABLE] [ONLY] name [*] [CONTINUE IDENTITY] [RESTRICT] runs as DELETE FROM name: every
// row goes, in the transaction, undone by ROLLBACK like any change (an emptied table's trees are
// replaced whole when nothing runs per row: storage deleteAll). Unlike PostgreSQL's, the table's
// row DELETE triggers fire and foreign keys act as on DELETE. Several tables, RESTART IDENTITY
// and CASCADE are refused (0A000).
import { DispatcherError, SqlState } from '../api/errors.js';
import { syntaxErrorAt } from './cursor.js';
import { Tok, type Token } from './tokenizer.js';

const isWord = (t: Token | undefined, w: string): boolean => t !== undefined && t.type === Tok.Word && t.text === w;

function word(text: string, at: Token): Token {
  return { type: Tok.Word, start: at.start, end: at.end, text, value: text.toLowerCase() };
}

/** The tokens of the DELETE a TRUNCATE statement [from, to) stands for. */
export function truncateAsDelete(sql: string, tokens: readonly Token[], from: number, to: number): Token[] {
  const head = tokens[from]!;
  let i = from + 1;
  if (isWord(tokens[i], 'TABLE')) i++;
  if (isWord(tokens[i], 'ONLY')) i++;
  const nameFrom = i;
  // A name, possibly qualified: word or quoted identifier, then `.` and another, ...
  while (i < to) {
    const t = tokens[i]!;
    if (t.type !== Tok.Word && t.type !== Tok.QuotedIdent) break;
    i++;
    if (i < to && tokens[i]!.type === Tok.Punct && tokens[i]!.text === '.') i++;
    else break;
  }
  const nameTo = i;
  if (nameTo === nameFrom) throw syntaxErrorAt(sql, tokens[i], tokens[to - 1]);
  if (i < to && tokens[i]!.type === Tok.Op && tokens[i]!.text === '*') i++;
  for (; i < to; i++) {
    const t = tokens[i]!;
    if (t.type === Tok.Punct && t.text === ',') throw new DispatcherError(SqlState.FeatureNotSupported, 'TRUNCATE of several tables is not supported: truncate them one by one', { query: sql });
    if (isWord(t, 'RESTART') || isWord(t, 'CASCADE')) throw new DispatcherError(SqlState.FeatureNotSupported, `TRUNCATE ... ${t.text} is not supported`, { query: sql });
    if (isWord(t, 'CONTINUE') && isWord(tokens[i + 1], 'IDENTITY')) {
      i++;
      continue;
    }
    if (isWord(t, 'RESTRICT')) continue;
    if (t.type === Tok.Punct && t.text === ';') continue;
    throw syntaxErrorAt(sql, t, tokens[to - 1]);
  }
  return [word('DELETE', head), word('FROM', head), ...tokens.slice(nameFrom, nameTo)];
}
