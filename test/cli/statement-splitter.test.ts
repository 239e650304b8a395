import { describe, expect, it } from 'vitest';
import { scanStatements, StatementSplitter } from '../../src/cli/statement-splitter.js';

describe('scanStatements', () => {
  it('splits at semicolons and keeps the unterminated rest', () => {
    const r = scanStatements('SELECT 1; SELECT 2;\nSELECT 3');
    expect(r.statements).toEqual(['SELECT 1', 'SELECT 2']);
    expect(r.rest).toBe('\nSELECT 3');
    expect(r.restHasContent).toBe(true);
  });

  it('ignores semicolons inside strings, identifiers and dollar quotes', () => {
    const r = scanStatements(
      `INSERT INTO t VALUES ('a;b', 'it''s;'); SELECT "odd;name" FROM t; SELECT $$x;y$$, $tag$;$$;$tag$; SELECT E'\\';', $1;`,
    );
    expect(r.statements).toEqual([
      "INSERT INTO t VALUES ('a;b', 'it''s;')",
      'SELECT "odd;name" FROM t',
      'SELECT $$x;y$$, $tag$;$$;$tag$',
      "SELECT E'\\';', $1",
    ]);
    expect(r.rest).toBe('');
  });

  it('ignores semicolons inside comments, and drops leading comments', () => {
    const r = scanStatements('-- a; comment\nSELECT 1 /* x; /* nested; */ still; */ + 1; /* only a comment; */ ;');
    expect(r.statements).toEqual(['SELECT 1 /* x; /* nested; */ still; */ + 1']);
    expect(r.restHasContent).toBe(false);
  });

  it('treats a quote after a word ending in E as an ordinary string', () => {
    // "ONE'..." is not an E'' string: the backslash does not escape the quote.
    const r = scanStatements("SELECT 'x\\'; SELECT 2;");
    expect(r.statements).toEqual(["SELECT 'x\\'", 'SELECT 2']);
  });

  it('reports an open string or comment', () => {
    expect(scanStatements("SELECT 'abc;").open).toBe(true);
    expect(scanStatements('/* abc;').open).toBe(true);
    expect(scanStatements('SELECT $$ ;').open).toBe(true);
    expect(scanStatements('SELECT 1').open).toBe(false);
  });
});

describe('StatementSplitter', () => {
  it('completes statements across lines', () => {
    const s = new StatementSplitter();
    expect(s.push('SELECT\n')).toEqual([]);
    expect(s.pending).toBe(true);
    expect(s.push("  'a;\n")).toEqual([]);
    expect(s.push("b';  SELECT 2;\n")).toEqual(["SELECT\n  'a;\nb'", 'SELECT 2']);
    expect(s.pending).toBe(false);
  });

  it('keeps an open block comment pending but forgets a closed one', () => {
    const s = new StatementSplitter();
    expect(s.push('/* start\n')).toEqual([]);
    expect(s.pending).toBe(true);
    expect(s.push('end; */\n')).toEqual([]);
    expect(s.pending).toBe(false);
    expect(s.push('-- just a comment\n')).toEqual([]);
    expect(s.pending).toBe(false);
  });

  it('flushes an unterminated statement at the end, and nothing for comments', () => {
    const s = new StatementSplitter();
    s.push('SELECT 1\n');
    expect(s.flush()).toBe('SELECT 1');
    expect(s.pending).toBe(false);
    s.push('-- nothing\n');
    expect(s.flush()).toBeUndefined();
  });

  it('reset drops what was typed', () => {
    const s = new StatementSplitter();
    s.push('SELECT 1');
    s.reset();
    expect(s.pending).toBe(false);
    expect(s.push(' SELECT 2;')).toEqual(['SELECT 2']);
  });
});
