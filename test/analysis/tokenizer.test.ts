import { describe, expect, it } from 'vitest';
import { Tok, tokenize } from '../../src/analysis/tokenizer.js';
import { DispatcherError } from '../../src/api/errors.js';

const kinds = (sql: string) => tokenize(sql).map((t) => [t.type, sql.slice(t.start, t.end)]);

describe('tokenizer', () => {
  it('splits words, quoted identifiers, punctuation and operators', () => {
    expect(kinds('SELECT "My ""T""".a, b FROM t;')).toEqual([
      [Tok.Word, 'SELECT'],
      [Tok.QuotedIdent, '"My ""T"""'],
      [Tok.Punct, '.'],
      [Tok.Word, 'a'],
      [Tok.Punct, ','],
      [Tok.Word, 'b'],
      [Tok.Word, 'FROM'],
      [Tok.Word, 't'],
      [Tok.Punct, ';'],
    ]);
    expect(tokenize('"My ""T"""')[0]!.value).toBe('My "T"');
  });

  it('decodes strings with doubled quotes and E-strings with escapes', () => {
    const [a, b, c] = tokenize("'it''s' E'a\\nb\\'c' e'\\x41\\101\\u00e9'");
    expect(a!.type).toBe(Tok.String);
    expect(a!.value).toBe("it's");
    expect(b!.value).toBe("a\nb'c");
    expect(c!.value).toBe('AAé');
  });

  it('reads dollar-quoted strings', () => {
    const t = tokenize("SELECT $$it's$$, $tag$a$b$tag$");
    expect(t[1]!.type).toBe(Tok.String);
    expect(t[1]!.value).toBe("it's");
    expect(t[3]!.value).toBe('a$b');
  });

  it('reads integers and numerics: 1e5, .5, 1.5, 3.', () => {
    expect(kinds('1 1e5 .5 1.5 3. 2E-3')).toEqual([
      [Tok.Integer, '1'],
      [Tok.Numeric, '1e5'],
      [Tok.Numeric, '.5'],
      [Tok.Numeric, '1.5'],
      [Tok.Numeric, '3.'],
      [Tok.Numeric, '2E-3'],
    ]);
  });

  it('reads 0x / 0o / 0b integers and digit-group underscores', () => {
    expect(kinds('0x1F 0o17 0b101 1_000 1_0.5 0_')).toEqual([
      [Tok.Integer, '0x1F'],
      [Tok.Integer, '0o17'],
      [Tok.Integer, '0b101'],
      [Tok.Integer, '1_000'],
      [Tok.Numeric, '1_0.5'],
      [Tok.Integer, '0'],
      [Tok.Word, '_'],
    ]);
  });

  it('reads ? after an operand as an operator (jsonb ? ?| ?&), elsewhere as a placeholder', () => {
    expect(kinds("d ? 'a' AND (d) ?| x AND f(?) ?& y OR x = ?")).toEqual([
      [Tok.Word, 'd'],
      [Tok.Op, '?'],
      [Tok.String, "'a'"],
      [Tok.Word, 'AND'],
      [Tok.Punct, '('],
      [Tok.Word, 'd'],
      [Tok.Punct, ')'],
      [Tok.Op, '?|'],
      [Tok.Word, 'x'],
      [Tok.Word, 'AND'],
      [Tok.Word, 'f'],
      [Tok.Punct, '('],
      [Tok.QMark, '?'],
      [Tok.Punct, ')'],
      [Tok.Op, '?&'],
      [Tok.Word, 'y'],
      [Tok.Word, 'OR'],
      [Tok.Word, 'x'],
      [Tok.Op, '='],
      [Tok.QMark, '?'],
    ]);
  });

  it('reads placeholders, casts and multi-character operators', () => {
    expect(kinds('? $12 x::int a<>b c>=-1 d||e')).toEqual([
      [Tok.QMark, '?'],
      [Tok.Param, '$12'],
      [Tok.Word, 'x'],
      [Tok.Cast, '::'],
      [Tok.Word, 'int'],
      [Tok.Word, 'a'],
      [Tok.Op, '<>'],
      [Tok.Word, 'b'],
      [Tok.Word, 'c'],
      [Tok.Op, '>='],
      [Tok.Op, '-'],
      [Tok.Integer, '1'],
      [Tok.Word, 'd'],
      [Tok.Op, '||'],
      [Tok.Word, 'e'],
    ]);
    expect(tokenize('$7')[0]!.value).toBe(7);
  });

  it('skips -- and nested /* */ comments, keeping offsets into the original', () => {
    const sql = 'SELECT /* a /* nested */ b */ 1 -- tail\n, 2';
    const t = tokenize(sql);
    expect(t.map((x) => sql.slice(x.start, x.end))).toEqual(['SELECT', '1', ',', '2']);
    expect(t[1]!.start).toBe(sql.indexOf('1'));
  });

  it('does not treat -- inside an operator run or a string as a comment', () => {
    expect(kinds("a - -1")).toEqual([[Tok.Word, 'a'], [Tok.Op, '-'], [Tok.Op, '-'], [Tok.Integer, '1']]);
    expect(tokenize("'--x'")[0]!.value).toBe('--x');
  });

  it('fails unterminated strings, identifiers and comments with 42601 and a position', () => {
    for (const [sql, pos] of [["SELECT 'abc", 8], ['SELECT "abc', 8], ['SELECT 1 /* x', 10]] as const) {
      try {
        tokenize(sql);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(DispatcherError);
        expect((e as DispatcherError).sqlState).toBe('42601');
        expect((e as DispatcherError).position).toBe(pos);
      }
    }
  });

  it('handles empty text and non-ASCII identifiers', () => {
    expect(tokenize('')).toEqual([]);
    expect(tokenize('   \n\t ')).toEqual([]);
    expect(kinds('SELECT café')).toEqual([[Tok.Word, 'SELECT'], [Tok.Word, 'café']]);
  });
});
