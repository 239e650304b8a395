// Window clauses the grammar rejects, kept by the shape pass and restored into the AST.
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/analyzer.js';
import type { AnalyzedStatement } from '../../src/analysis/types.js';

const one = (a: Analyzer, sql: string): AnalyzedStatement => {
  const r = a.analyze(sql);
  expect(r).toHaveLength(1);
  return r[0]!;
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const spec = (st: AnalyzedStatement, col = 0): any => (st.ast as any).columns[col].expr.over.as_window_specification;

describe('window frames', () => {
  it('restores RANGE frames with offsets, EXCLUDE and lifted offsets', () => {
    const a = new Analyzer();
    const st = one(a, 'SELECT sum(x) OVER (ORDER BY c RANGE BETWEEN 2 PRECEDING AND 3 FOLLOWING EXCLUDE TIES) FROM t');
    const f = spec(st).window_specification.window_frame_clause;
    expect(f).toMatchObject({ type: 'window_frame', base: null, units: 'range', exclude: 'ties' });
    expect(f.start).toMatchObject({ kind: 'preceding', offset: { type: 'var', name: 1 } });
    expect(f.end).toMatchObject({ kind: 'following', offset: { type: 'var', name: 2 } });
    expect(st.liftedParams).toEqual([2, 3]);
  });

  it('reads the short form as BETWEEN start AND CURRENT ROW, for every unit', () => {
    const a = new Analyzer();
    for (const units of ['ROWS', 'RANGE', 'GROUPS']) {
      const f = spec(one(a, `SELECT count(*) OVER (ORDER BY c ${units} UNBOUNDED PRECEDING) FROM t`)).window_specification.window_frame_clause;
      expect(f).toMatchObject({ units: units.toLowerCase(), start: { kind: 'unbounded preceding' }, end: { kind: 'current row' }, exclude: 'no others' });
    }
  });

  it('keys the shape by the frame: different frames are different shapes, equal offsets share one', () => {
    const a = new Analyzer();
    const rows = one(a, 'SELECT sum(x) OVER (ORDER BY c ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t');
    const range = one(a, 'SELECT sum(x) OVER (ORDER BY c RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t');
    const rows2 = one(a, 'SELECT sum(x) OVER (ORDER BY c ROWS BETWEEN 5 PRECEDING AND CURRENT ROW) FROM t');
    expect(rows.shapeKey).not.toBe(range.shapeKey);
    expect(rows2.shapeKey).toBe(rows.shapeKey);
    expect(rows2.cacheHit).toBe(true);
    expect(rows2.liftedParams).toEqual([5]);
  });

  it('keeps the base window of OVER (w ...) and moves ORDER BY / LIMIT after WINDOW into place', () => {
    const a = new Analyzer();
    const st = one(a, 'SELECT rank() OVER (w ORDER BY c) FROM t WINDOW w AS (PARTITION BY g) ORDER BY 1 LIMIT 3');
    expect(spec(st).window_specification.window_frame_clause).toMatchObject({ type: 'window_frame', base: 'w', units: null });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const ast = st.ast as any;
    expect(ast.orderby).toHaveLength(1);
    expect(ast.limit.value).toHaveLength(1);
    expect(ast._orderby).toBeUndefined();
  });

  it('turns percent_rank() and cume_dist() back into window functions', () => {
    const a = new Analyzer();
    const st = one(a, 'SELECT percent_rank() OVER (ORDER BY c), CUME_DIST() OVER w FROM t WINDOW w AS (ORDER BY c)');
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const exprs = (st.ast as any).columns.map((c: any) => c.expr);
    expect(exprs.map((e: { type: string; name: string }) => [e.type, e.name])).toEqual([
      ['window_func', 'percent_rank'],
      ['window_func', 'cume_dist'],
    ]);
  });

  it('gives PostgreSQL errors for impossible frames', () => {
    const a = new Analyzer();
    const state = (sql: string): string => {
      try {
        a.analyze(sql);
        return 'ok';
      } catch (e) {
        return (e as { sqlState: string }).sqlState;
      }
    };
    expect(state('SELECT sum(x) OVER (ROWS BETWEEN UNBOUNDED FOLLOWING AND CURRENT ROW) FROM t')).toBe('42P20');
    expect(state('SELECT sum(x) OVER (ROWS BETWEEN CURRENT ROW AND UNBOUNDED PRECEDING) FROM t')).toBe('42P20');
    expect(state('SELECT sum(x) OVER (ROWS BETWEEN 1 FOLLOWING AND CURRENT ROW) FROM t')).toBe('42P20');
    expect(state('SELECT sum(x) OVER (ROWS BETWEEN 1 PRECEDING) FROM t')).toBe('42601');
    expect(state('SELECT sum(x) OVER (ROWS 1 PRECEDING EXCLUDE NOTHING) FROM t')).toBe('42601');
    // an offset the grammar cannot read is a syntax error, not an internal one (found by the fuzzer)
    expect(state('SELECT sum(x) OVER (ORDER BY a RANGE BETWEEN RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM t')).toBe('42601');
  });
});
