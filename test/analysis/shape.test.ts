import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/analyzer.js';

const one = (a: Analyzer, sql: string) => {
  const r = a.analyze(sql);
  expect(r).toHaveLength(1);
  return r[0]!;
};

describe('shape lifting', () => {
  it('gives WHERE id = 41 and WHERE id = 42 one shape and one parse', () => {
    const a = new Analyzer();
    const x = one(a, 'SELECT * FROM t WHERE id = 41');
    const y = one(a, 'select  *  from T where ID=42');
    expect(x.shapeKey).toBe(y.shapeKey);
    expect(x.ast).toBe(y.ast);
    expect(x.liftedParams).toEqual([41]);
    expect(y.liftedParams).toEqual([42]);
    expect(x.liftedTypes).toEqual(['integer']);
    expect(x.cacheHit).toBe(false);
    expect(y.cacheHit).toBe(true);
    expect(a.stats()).toMatchObject({ hits: 1, misses: 1, size: 1, parses: 1 });
  });

  it('types lifted literals: integer, bigint beyond 2^53, numeric, text, boolean; NULL stays', () => {
    const a = new Analyzer();
    const s = one(a, "SELECT 7, 9007199254740993, 1.5, 1e3, 'it''s', E'a\\tb', TRUE, false, NULL");
    expect(s.liftedParams).toEqual([7, 9007199254740993n, 1.5, 1000, "it's", 'a\tb', true, false]);
    expect(s.liftedTypes).toEqual(['integer', 'integer', 'numeric', 'numeric', 'text', 'text', 'boolean', 'boolean']);
    expect(s.shapeKey).toContain('NULL');
    expect(s.shapeKey).not.toContain('TRUE');
  });

  it('lifts 0x / 0o / 0b and underscored literals by value', () => {
    const a = new Analyzer();
    expect(one(a, 'SELECT 0x1F, 0o17, 0b101, 1_000, 2_5.5').liftedParams).toEqual([31, 15, 5, 1000, 25.5]);
  });

  it('keeps ORDER BY / GROUP BY positions literal, lifts LIMIT and OFFSET', () => {
    const a = new Analyzer();
    const s = one(a, 'SELECT a, count(*) FROM t WHERE b > 5 GROUP BY 1 ORDER BY 1, 2 DESC LIMIT 10 OFFSET 20');
    expect(s.liftedParams).toEqual([5, 10, 20]);
    expect(s.shapeKey).toContain('GROUP BY 1 ORDER BY 1, 2 DESC LIMIT $2 OFFSET $3');
    const ast = s.ast as { orderby: { expr: { type: string; value: number } }[] };
    expect(ast.orderby[0]!.expr).toMatchObject({ type: 'number', value: 1 });
    // an expression in ORDER BY is not a position
    const e = one(a, 'SELECT a FROM t ORDER BY a + 1');
    expect(e.liftedParams).toEqual([1]);
  });

  it('keeps type modifiers and typed literals literal', () => {
    const a = new Analyzer();
    const s = one(a, "SELECT CAST(a AS VARCHAR(20)), b::NUMERIC(10,2), DATE '2020-01-01', INTERVAL '1 day' FROM t WHERE c = 'x'");
    expect(s.liftedParams).toEqual(['x']);
    expect(s.shapeKey).toContain('varchar(20)');
    expect(s.shapeKey).toContain('numeric(10, 2)');
    expect(s.shapeKey).toContain("date '2020-01-01'");
  });

  it('does not lift in DDL', () => {
    const a = new Analyzer();
    const s = one(a, "CREATE TABLE t (a INT DEFAULT 5, b TEXT DEFAULT 'x' NOT NULL, c VARCHAR(3))");
    expect(s.liftedParams).toEqual([]);
    expect(s.kind).toBe('CREATE_TABLE');
    // NOT NULL stays a constraint (the postfix rewrite is for expressions only)
    expect(s.shapeKey).toContain("DEFAULT 'x' NOT NULL");
  });

  it('keeps a negative number a unary minus over a lifted literal', () => {
    const a = new Analyzer();
    const s = one(a, 'SELECT * FROM t WHERE a = -5');
    expect(s.liftedParams).toEqual([5]);
    expect(s.shapeKey).toContain('- $1');
    const where = (s.ast as { where: { right: { type: string; operator: string } } }).where;
    expect(where.right).toMatchObject({ type: 'unary_expr', operator: '-' });
  });

  it('rewrites ? to $1..$n outside strings and numbers lifted literals after them', () => {
    const a = new Analyzer();
    const s = one(a, "SELECT '?' FROM t WHERE a = ? AND b = 3 AND c = ?");
    expect(s.userParamCount).toBe(2);
    expect(s.liftedParams).toEqual(['?', 3]);
    expect(s.shapeKey).toBe('SELECT $3 FROM t WHERE a = $1 AND b = $4 AND c = $2 /*text,integer*/');
  });

  it('counts $n parameters and rejects mixing them with ?', () => {
    const a = new Analyzer();
    expect(one(a, 'SELECT * FROM t WHERE a = $2 AND b = 1').userParamCount).toBe(2);
    expect(() => a.analyze('SELECT $1, ?')).toThrowError(/mix/);
  });

  it('gives equal literals one placeholder, so GROUP BY expressions still match', () => {
    const a = new Analyzer();
    const s = one(a, "SELECT a + 1, 'x', 1.0 FROM t GROUP BY a + 1 HAVING max(b) > 'x' AND min(c) > 1.0");
    expect(s.shapeKey).toBe("SELECT a + $1, $2, $3 FROM t GROUP BY a + $1 HAVING max(b) > $2 AND min(c) > $3 /*integer,text,numeric*/");
    expect(s.liftedParams).toEqual([1, 'x', 1]);
    const many = one(a, `INSERT INTO t VALUES ${Array.from({ length: 20 }, (_, i) => `(${i % 5}, 'v${i % 3}')`).join(', ')}`);
    expect(many.liftedParams).toEqual([0, 'v0', 1, 'v1', 2, 'v2', 3, 4]);
  });

  it('IS [NOT] DISTINCT FROM: any operand, lifted, as the raw-text form execution reads', () => {
    const a = new Analyzer();
    const s = one(a, "SELECT a IS DISTINCT FROM 'x', b IS NOT DISTINCT FROM c + 1 FROM t WHERE d IS DISTINCT FROM NULL");
    expect(s.liftedParams).toEqual(['x', 1]);
    const where = (s.ast as { where: unknown }).where;
    expect(where).toMatchObject({ operator: 'IS', right: { type: 'default', value: 'DISTINCT FROM NULL' } });
    const cols = (s.ast as { columns: { expr: unknown }[] }).columns;
    expect(cols[0]!.expr).toMatchObject({ operator: 'IS', right: { value: 'DISTINCT FROM $1' } });
    expect(cols[1]!.expr).toMatchObject({ operator: 'IS NOT', right: { value: 'DISTINCT FROM c + $2' } });
    // different operands are different shapes
    expect(one(a, 'SELECT a IS DISTINCT FROM b FROM t').shapeKey).not.toBe(one(a, 'SELECT a IS DISTINCT FROM c FROM t').shapeKey);
    expect(one(a, 'SELECT * FROM t WHERE a IS DISTINCT FROM (SELECT max(x) FROM u)').metadata.tablesAccessed).toEqual(['t', 'u']);
  });

  it('keeps the literal of IS TRUE and ESCAPE', () => {
    const a = new Analyzer();
    const s = one(a, "SELECT * FROM t WHERE a IS NOT TRUE AND b LIKE 'x!%' ESCAPE '!'");
    expect(s.liftedParams).toEqual(['x!%']);
  });

  it('falls back to the unlifted text where the grammar wants a literal', () => {
    const a = new Analyzer();
    // the grammar takes only a literal subscript: analysed with the values kept in the text
    const s = one(a, 'SELECT a[1] FROM t');
    expect(s.liftedParams).toEqual([]);
    expect(s.shapeKey).toBe('SELECT a[1] FROM t');
    expect(a.stats().parses).toBe(2);
    // the lifted shape remembers to go unlifted: no further failed parse
    const again = one(a, 'SELECT a[1] FROM t');
    expect(again.cacheHit).toBe(true);
    one(a, 'SELECT a[2] FROM t');
    expect(a.stats().parses).toBe(3);
    // the unlifted retry keeps the other rewrites
    const locked = one(a, 'SELECT a[1] FROM t FOR UPDATE');
    expect((locked.ast as { locking: { strength: string } }).locking.strength).toBe('UPDATE');
  });

  it('applies the meaning-preserving rewrites', () => {
    const a = new Analyzer();
    const s = one(a, 'SELECT ALL avg(DISTINCT x), count(ALL y), count(DISTINCT z), MAX(ALL + 54) FROM t WHERE a NOT NULL AND b ISNULL AND c NOTNULL');
    expect(s.shapeKey).toContain('SELECT avg(__dispatchdb_distinct(x)), count(y), count(DISTINCT z), max(+ $1)');
    expect(s.shapeKey).toContain('a IS NOT NULL AND b IS NULL AND c IS NOT NULL');
    const cols = (s.ast as { columns: { expr: { name: string; args: { expr: unknown; distinct?: string } } }[] }).columns;
    expect(cols[0]!.expr.args.expr).toMatchObject({ type: 'function', name: { name: [{ value: '__dispatchdb_distinct' }] } });
    expect(cols[2]!.expr.args.distinct).toBe('DISTINCT');
  });

  it('folds unquoted identifiers and keeps quoted ones', () => {
    const a = new Analyzer();
    const s = one(a, 'SELECT Col FROM "MixedCase"');
    const ast = s.ast as { from: { table: string }[]; columns: { expr: { column: { expr: { value: string } } } }[] };
    expect(ast.from[0]!.table).toBe('MixedCase');
    expect(ast.columns[0]!.expr.column.expr.value).toBe('col');
  });

  it('does not cache very long shapes', () => {
    const a = new Analyzer({ maxCachedKeyLength: 100 });
    const long = `INSERT INTO t VALUES ${Array.from({ length: 30 }, (_, i) => `(${i})`).join(', ')}`;
    expect(a.analyze(long)[0]!.liftedParams).toHaveLength(30);
    expect(a.analyze(long)[0]!.cacheHit).toBe(false);
    expect(a.stats().size).toBe(0);
  });

  it('bounds the cache (LRU)', () => {
    const a = new Analyzer({ cacheSize: 2 });
    a.analyze('SELECT a FROM t');
    a.analyze('SELECT b FROM t');
    a.analyze('SELECT a FROM t'); // refresh a
    a.analyze('SELECT c FROM t'); // evicts b
    expect(a.stats().size).toBe(2);
    expect(a.analyze('SELECT a FROM t')[0]!.cacheHit).toBe(true);
    expect(a.analyze('SELECT b FROM t')[0]!.cacheHit).toBe(false);
  });
});

describe('rewrites for what the grammar lacks', () => {
  const a = new Analyzer();
  it('TABLE t is SELECT * FROM t', () => {
    const s = a.analyze('TABLE t')[0]!;
    expect(s.kind).toBe('SELECT');
    expect(s.shapeKey).toBe('SELECT * FROM t');
  });

  it('DELETE ... RETURNING without WHERE', () => {
    const s = a.analyze('DELETE FROM t RETURNING *')[0]!;
    expect(s.kind).toBe('DELETE');
    expect((s.ast as { where: unknown }).where).toEqual({ type: 'bool', value: true });
  });

  it('INSERT ... DEFAULT VALUES', () => {
    const s = a.analyze('INSERT INTO t DEFAULT VALUES')[0]!;
    expect(s.kind).toBe('INSERT');
    expect(s.shapeKey).toBe('INSERT INTO t VALUES (DEFAULT)');
  });

  it('FETCH FIRST n ROWS ONLY is LIMIT n; OFFSET n ROWS is OFFSET n', () => {
    expect(a.analyze('SELECT * FROM t FETCH FIRST 3 ROWS ONLY')[0]!.shapeKey).toBe('SELECT * FROM t LIMIT $1 /*integer*/');
    const s = a.analyze('SELECT * FROM t ORDER BY a OFFSET 2 ROWS FETCH NEXT ROW ONLY')[0]!;
    expect(s.shapeKey).toBe('SELECT * FROM t ORDER BY a OFFSET $1 LIMIT $2 /*integer,integer*/');
    expect(s.liftedParams).toEqual([2, 1]);
  });

  it('VALUES as a statement selects from a VALUES list with columns column1..n', () => {
    const s = a.analyze("VALUES (1, 'a'), (2, 'b') ORDER BY 1 DESC")[0]!;
    expect(s.kind).toBe('SELECT');
    expect(s.shapeKey).toBe('SELECT * FROM (VALUES ($1, $2), ($3, $4)) AS __dispatchdb_values(column1, column2) ORDER BY 1 DESC /*integer,text,integer,text*/');
    expect(s.metadata.tablesAccessed).toEqual([]);
  });

  it('INSERT ... ON CONFLICT without a column list', () => {
    const s = a.analyze("INSERT INTO t VALUES (1, 'a') ON CONFLICT (id) DO UPDATE SET b = EXCLUDED.b")[0]!;
    expect(s.kind).toBe('INSERT');
    const ast = s.ast as { columns: unknown; conflict: unknown; values: { values: unknown[] } };
    expect(ast.columns).toBeNull();
    expect(ast.conflict).not.toBeNull();
    expect(ast.values.values).toHaveLength(1);
    expect((a.analyze('INSERT INTO t SELECT * FROM u ON CONFLICT DO NOTHING')[0]!.ast as { columns: unknown }).columns).toBeNull();
  });

  it('INSERT width mismatches are 42601 with PostgreSQL\'s messages', () => {
    expect(() => a.analyze('INSERT INTO t (a) VALUES (1, 2)')).toThrowError('INSERT has more expressions than target columns');
    expect(() => a.analyze('INSERT INTO t (a, b) VALUES (1, 2), (3)')).toThrowError('INSERT has more target columns than expressions');
    expect(() => a.analyze('INSERT INTO t VALUES (1), (1, 2) ON CONFLICT DO NOTHING')).toThrowError('VALUES lists must all be the same length');
  });

  it('a comma after a JOIN in a FROM list is a CROSS JOIN', () => {
    expect(a.analyze('SELECT * FROM a JOIN b ON a.x = b.x, c WHERE c.y IN (1, 2) ORDER BY a.x, c.y')[0]!.shapeKey).toBe(
      'SELECT * FROM a JOIN b ON a.x = b.x CROSS JOIN c WHERE c.y IN ($1, $2) ORDER BY a.x, c.y /*integer,integer*/',
    );
    // commas elsewhere are untouched
    expect(a.analyze('SELECT * FROM (SELECT * FROM a JOIN b ON true) s, c')[0]!.shapeKey).toContain(') s, c');
  });

  it('WITH ... INSERT ... SELECT carries the WITH on the SELECT', () => {
    const s = a.analyze('WITH x AS (SELECT 1 AS a) INSERT INTO t (a) SELECT a FROM x WHERE a > 5')[0]!;
    expect(s.kind).toBe('INSERT');
    expect(s.shapeKey).toBe('INSERT INTO t(a) WITH x AS (SELECT $1 AS a) SELECT a FROM x WHERE a > $2 /*integer,integer*/');
    expect(s.liftedParams).toEqual([1, 5]);
    expect(s.metadata.tablesAccessed).toEqual(['t']);
    expect(s.metadata.requiredLocks).toEqual(['IX:t']);
    // a syntax error in the moved part still points into the original text
    const sql = 'WITH x AS (SELECT 1 AS a) INSERT INTO t (a) SELECT a FROM x WHERE a >';
    try {
      a.analyze(sql);
      expect.unreachable();
    } catch (e) {
      expect((e as { position: number }).position).toBe(sql.length + 1);
    }
  });

  it("SQLite's empty IN () is IN over an empty set", () => {
    const s = a.analyze('SELECT 1 FROM t WHERE x NOT IN ()')[0]!;
    expect(s.shapeKey).toBe('SELECT $1 FROM t WHERE x NOT IN (SELECT NULL WHERE FALSE) /*integer*/');
  });

  it('CASE (x) WHEN drops the redundant parentheses', () => {
    const s = a.analyze('SELECT CASE (a) WHEN 1 THEN 2 END FROM t')[0]!;
    expect(s.shapeKey).toContain('CASE a WHEN $1');
  });

  it('SELECT ... FOR UPDATE: the clause is attached as `locking` and keys the shape', () => {
    const plain = a.analyze('SELECT * FROM t WHERE id = 1')[0]!;
    const s = a.analyze('SELECT * FROM t WHERE id = 1 FOR UPDATE')[0]!;
    expect(s.shapeKey).not.toBe(plain.shapeKey);
    expect((s.ast as { locking: unknown }).locking).toEqual({ strength: 'UPDATE', of: null, wait: null });
    expect((plain.ast as { locking?: unknown }).locking).toBeUndefined();
    expect(s.metadata.isReadOnly).toBe(false);
    expect(s.metadata.requiredLocks).toEqual(['IX:t']);
    const t = a.analyze('SELECT * FROM t, u FOR SHARE OF u SKIP LOCKED')[0]!;
    expect((t.ast as { locking: unknown }).locking).toEqual({ strength: 'SHARE', of: ['u'], wait: 'SKIP LOCKED' });
    expect(t.metadata.requiredLocks).toEqual(['IS:t', 'IX:u']);
  });
});
