// Grammar-aware generators of valid SQL over the fuzz schema: typed expressions (numeric, text,
// boolean) over the columns in scope, SELECT with joins, subqueries, aggregates, set operations and
// CTEs, DML with ON CONFLICT and RETURNING, DDL on a few scratch tables, transaction control with
// savepoints, and the administrative statements. "Valid" means well-formed: a statement may still
// fail at run time (a duplicate key, a division by zero, a savepoint that does not exist).
import fc from 'fast-check';

/** The tables every fuzz database starts with (t2 references t1; unique and check constraints). */
export const SCHEMA_SQL: readonly string[] = [
  'CREATE TABLE t1 (id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL, d BOOLEAN)',
  'CREATE TABLE t2 (id INTEGER PRIMARY KEY, t1_id INTEGER REFERENCES t1(id), e TEXT NOT NULL, f BIGINT DEFAULT 7 CHECK (f > -1000000))',
  'CREATE INDEX t1_a ON t1 (a)',
  'CREATE UNIQUE INDEX t2_e ON t2 (e)',
  "INSERT INTO t1 VALUES (1, 10, 'x', 1.5, true), (2, 20, 'y', 2.5, false), (3, NULL, NULL, NULL, NULL), (4, -5, 'ünï', -0.25, true)",
  "INSERT INTO t2 VALUES (1, 1, 'p', 100), (2, 2, 'q', -3), (3, NULL, 'r', 0)",
];

/** Columns an expression may name, by static type. */
export interface Scope {
  readonly num: readonly string[];
  readonly text: readonly string[];
  readonly bool: readonly string[];
}

export const NO_COLUMNS: Scope = { num: [], text: [], bool: [] };
export const T1: Scope = { num: ['id', 'a', 'c'], text: ['b'], bool: ['d'] };
export const T2: Scope = { num: ['id', 't1_id', 'f'], text: ['e'], bool: [] };
export const JOINED: Scope = {
  num: ['t1.id', 't1.a', 't1.c', 't2.f', 't2.t1_id'],
  text: ['t1.b', 't2.e'],
  bool: ['t1.d'],
};
/** The scratch tables g1..g3 all have these columns (their keys and constraints vary). */
export const G: Scope = { num: ['x', 'z'], text: ['y'], bool: [] };

const SCRATCH = ['g1', 'g2', 'g3'] as const;

// ---------------------------------------------------------------------------------------------
// Literals

/** Integers where arithmetic gets interesting: int32 and int64 edges, 2^53, zero. */
const EDGE_INTS = [
  '0', '1', '-1', '2', '7', '100', '2147483647', '-2147483648', '2147483648', '4294967296',
  '9007199254740991', '9007199254740993', '-9007199254740993', '9223372036854775807',
  '-9223372036854775807', '-9223372036854775808', '9223372036854775808', '18446744073709551616',
];
const EDGE_REALS = ['0.0', '-0.0', '1.5', '0.1', '1e10', '1e308', '-1e308', '2.5e-300', '5e-324', '1.7976931348623157e308', '.5', '3.', '1E-7'];

export const intLiteral: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -20, max: 60 }).map(String) },
  { weight: 2, arbitrary: fc.constantFrom(...EDGE_INTS) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String) },
);

export const realLiteral: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...EDGE_REALS) },
  {
    weight: 2,
    arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => {
      const s = String(d);
      return s.startsWith('-') ? `(${s})` : s;
    }),
  },
  { weight: 1, arbitrary: fc.integer({ min: -1000, max: 1000 }).map((n) => `${n / 8}`) },
);

/** A SQL string literal ('' doubles a quote). */
export function quote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

const WORDS = ['x', 'y', 'p', 'q', 'r', '', ' ', 'abc', 'ünï', 'naïve', '日本', '𝕏😀', 'שלום', '\u202Eevil', 'a%b', "it's", '%', '_', 'NULL', '0', '1.5', 'true'];

export const textLiteral: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...WORDS).map(quote) },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }).map(quote) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }).map(quote) },
);

const param: fc.Arbitrary<string> = fc.integer({ min: 1, max: 3 }).map((n) => `$${n}`);

// ---------------------------------------------------------------------------------------------
// Expressions: three sorts, built to a fixed depth and memoised per (scope, depth).

interface Exprs {
  readonly num: fc.Arbitrary<string>;
  readonly text: fc.Arbitrary<string>;
  readonly bool: fc.Arbitrary<string>;
}

const memo = new Map<string, Exprs>();

function scopeKey(s: Scope): string {
  return `${s.num.join(',')}|${s.text.join(',')}|${s.bool.join(',')}`;
}

function withColumns(cols: readonly string[], others: fc.Arbitrary<string>, weight = 3): fc.Arbitrary<string> {
  return cols.length === 0 ? others : fc.oneof({ weight, arbitrary: fc.constantFrom(...cols) }, { weight: 4, arbitrary: others });
}

function leaves(scope: Scope): Exprs {
  const num = withColumns(
    scope.num,
    fc.oneof(
      { weight: 5, arbitrary: intLiteral },
      { weight: 2, arbitrary: realLiteral },
      { weight: 1, arbitrary: param },
      { weight: 1, arbitrary: fc.constant('NULL') },
    ),
  );
  const text = withColumns(
    scope.text,
    fc.oneof({ weight: 5, arbitrary: textLiteral }, { weight: 1, arbitrary: param }, { weight: 1, arbitrary: fc.constant('NULL') }),
  );
  const bool = withColumns(scope.bool, fc.constantFrom('TRUE', 'FALSE', 'NULL', '$1'), 1);
  return { num, text, bool };
}

const NUM_OPS = ['+', '-', '*', '/', '%'];
const CMP_OPS = ['=', '<>', '!=', '<', '<=', '>', '>='];
const NUM_TYPES = ['INTEGER', 'BIGINT', 'SMALLINT', 'REAL', 'DOUBLE PRECISION', 'NUMERIC', 'FLOAT'];
const small = fc.integer({ min: -3, max: 40 }).map(String);

/** Expressions over `scope`, at most `depth` operators deep. */
export function exprs(scope: Scope, depth: number): Exprs {
  const key = `${scopeKey(scope)}#${depth}`;
  const hit = memo.get(key);
  if (hit !== undefined) return hit;
  const leaf = leaves(scope);
  if (depth <= 0) {
    memo.set(key, leaf);
    return leaf;
  }
  const sub = exprs(scope, depth - 1);
  const { num: n, text: t, bool: b } = sub;
  const inner = depth >= 2 ? exprs(T2, depth - 2) : leaves(T2);
  const num: fc.Arbitrary<string> = fc.oneof(
    { weight: 6, arbitrary: leaf.num },
    { weight: 4, arbitrary: fc.tuple(n, fc.constantFrom(...NUM_OPS), n).map(([x, op, y]) => `(${x} ${op} ${y})`) },
    { weight: 1, arbitrary: n.map((x) => `-(${x})`) },
    {
      weight: 2,
      arbitrary: fc.oneof(
        n.map((x) => `abs(${x})`),
        n.map((x) => `round(${x})`),
        fc.tuple(n, small).map(([x, k]) => `round(${x}, ${k})`),
        fc.tuple(n, n).map(([x, y]) => `mod(${x}, ${y})`),
        fc.tuple(n, fc.integer({ min: -3, max: 70 })).map(([x, k]) => `power(${x}, ${k})`),
        n.map((x) => `sqrt(${x})`),
        n.map((x) => `floor(${x})`),
        n.map((x) => `ceil(${x})`),
        n.map((x) => `sign(${x})`),
        t.map((x) => `length(${x})`),
        fc.tuple(t, t).map(([x, y]) => `strpos(${x}, ${y})`),
        fc.tuple(n, n).map(([x, y]) => `greatest(${x}, ${y})`),
        fc.tuple(n, n, n).map(([x, y, z]) => `least(${x}, ${y}, ${z})`),
        fc.tuple(n, n).map(([x, y]) => `coalesce(${x}, ${y})`),
        fc.tuple(n, n).map(([x, y]) => `nullif(${x}, ${y})`),
      ),
    },
    { weight: 1, arbitrary: fc.tuple(b, n, n).map(([c, x, y]) => `CASE WHEN ${c} THEN ${x} ELSE ${y} END`) },
    { weight: 1, arbitrary: fc.tuple(n, n, n).map(([x, y, z]) => `CASE ${x} WHEN ${y} THEN ${z} END`) },
    { weight: 1, arbitrary: fc.tuple(n, fc.constantFrom(...NUM_TYPES)).map(([x, ty]) => `CAST(${x} AS ${ty})`) },
    { weight: 1, arbitrary: fc.tuple(t, fc.constantFrom('INTEGER', 'REAL', 'BIGINT')).map(([x, ty]) => `CAST(${x} AS ${ty})`) },
    { weight: 1, arbitrary: n.map((x) => `${x}::bigint`) },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.tuple(fc.constantFrom('count(*)', 'max(f)', 'min(id)', 'sum(f)', 'avg(f)'), inner.bool).map(([agg, w]) => `(SELECT ${agg} FROM t2 WHERE ${w})`),
        inner.num.map((x) => `(SELECT ${x} FROM t2 ORDER BY id LIMIT 1)`),
        ...(scope === T1 ? [fc.constant('(SELECT count(*) FROM t2 WHERE t2.t1_id = t1.id)')] : []),
      ),
    },
  );
  const text: fc.Arbitrary<string> = fc.oneof(
    { weight: 6, arbitrary: leaf.text },
    { weight: 3, arbitrary: fc.tuple(t, fc.oneof(t, n)).map(([x, y]) => `(${x} || ${y})`) },
    {
      weight: 3,
      arbitrary: fc.oneof(
        t.map((x) => `upper(${x})`),
        t.map((x) => `lower(${x})`),
        t.map((x) => `trim(${x})`),
        t.map((x) => `reverse(${x})`),
        t.map((x) => `initcap(${x})`),
        fc.tuple(t, n).map(([x, k]) => `substr(${x}, ${k})`),
        fc.tuple(t, small, small).map(([x, k, l]) => `substr(${x}, ${k}, ${l})`),
        fc.tuple(t, t, t).map(([x, y, z]) => `replace(${x}, ${y}, ${z})`),
        fc.tuple(t, small).map(([x, k]) => `left(${x}, ${k})`),
        fc.tuple(t, small).map(([x, k]) => `right(${x}, ${k})`),
        fc.tuple(t, small, t).map(([x, k, f]) => `lpad(${x}, ${k}, ${f})`),
        fc.tuple(t, small).map(([x, k]) => `rpad(${x}, ${k})`),
        fc.tuple(t, fc.integer({ min: -2, max: 20 })).map(([x, k]) => `repeat(${x}, ${k})`),
        fc.tuple(t, t, small).map(([x, y, k]) => `split_part(${x}, ${y}, ${k})`),
        fc.tuple(t, n).map(([x, y]) => `concat(${x}, ${y})`),
        fc.tuple(t, t).map(([x, y]) => `coalesce(${x}, ${y})`),
      ),
    },
    { weight: 1, arbitrary: fc.tuple(b, t, t).map(([c, x, y]) => `CASE WHEN ${c} THEN ${x} ELSE ${y} END`) },
    { weight: 1, arbitrary: n.map((x) => `CAST(${x} AS TEXT)`) },
    { weight: 1, arbitrary: n.map((x) => `${x}::text`) },
    { weight: 1, arbitrary: inner.text.map((x) => `(SELECT ${x} FROM t2 ORDER BY e LIMIT 1)`) },
  );
  const bool: fc.Arbitrary<string> = fc.oneof(
    { weight: 2, arbitrary: leaf.bool },
    { weight: 6, arbitrary: fc.tuple(n, fc.constantFrom(...CMP_OPS), n).map(([x, op, y]) => `${x} ${op} ${y}`) },
    { weight: 2, arbitrary: fc.tuple(t, fc.constantFrom(...CMP_OPS), t).map(([x, op, y]) => `${x} ${op} ${y}`) },
    { weight: 3, arbitrary: fc.tuple(b, fc.constantFrom('AND', 'OR'), b).map(([x, op, y]) => `(${x} ${op} ${y})`) },
    { weight: 1, arbitrary: b.map((x) => `NOT (${x})`) },
    { weight: 2, arbitrary: fc.tuple(fc.oneof(n, t), fc.constantFrom('IS NULL', 'IS NOT NULL')).map(([x, p]) => `${x} ${p}`) },
    { weight: 1, arbitrary: fc.tuple(n, n, n, fc.boolean()).map(([x, lo, hi, not]) => `${x} ${not ? 'NOT ' : ''}BETWEEN ${lo} AND ${hi}`) },
    { weight: 1, arbitrary: fc.tuple(n, fc.array(n, { minLength: 1, maxLength: 4 }), fc.boolean()).map(([x, l, not]) => `${x} ${not ? 'NOT ' : ''}IN (${l.join(', ')})`) },
    { weight: 1, arbitrary: fc.tuple(t, fc.constantFrom('LIKE', 'NOT LIKE', 'ILIKE'), fc.constantFrom("'%'", "'x%'", "'_'", "'%ü%'", "'a\\%'", "''")).map(([x, op, p]) => `${x} ${op} ${p}`) },
    { weight: 1, arbitrary: fc.tuple(n, inner.bool, fc.boolean()).map(([x, w, not]) => `${x} ${not ? 'NOT ' : ''}IN (SELECT f FROM t2 WHERE ${w})`) },
    { weight: 1, arbitrary: fc.tuple(inner.bool, fc.boolean()).map(([w, not]) => `${not ? 'NOT ' : ''}EXISTS (SELECT 1 FROM t2 WHERE ${w})`) },
    { weight: 1, arbitrary: fc.tuple(b, fc.constantFrom('IS TRUE', 'IS FALSE', 'IS NOT TRUE', 'IS UNKNOWN')).map(([x, p]) => `(${x}) ${p}`) },
    { weight: 1, arbitrary: fc.tuple(n, fc.constantFrom('IS DISTINCT FROM', 'IS NOT DISTINCT FROM'), n).map(([x, op, y]) => `${x} ${op} ${y}`) },
  );
  const out = { num, text, bool };
  memo.set(key, out);
  return out;
}

/** Expression depth per statement: mostly shallow, sometimes deeper. */
const DEPTH = fc.constantFrom(0, 1, 1, 2, 2, 3);

function exprsAtSomeDepth(scope: Scope): fc.Arbitrary<Exprs> {
  return DEPTH.map((d) => exprs(scope, d));
}

function anyExpr(e: Exprs): fc.Arbitrary<string> {
  return fc.oneof({ weight: 3, arbitrary: e.num }, { weight: 2, arbitrary: e.text }, { weight: 1, arbitrary: e.bool });
}

// ---------------------------------------------------------------------------------------------
// SELECT

interface From {
  readonly sql: string;
  readonly scope: Scope;
}

const fromClause: fc.Arbitrary<From> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<From>({ sql: 't1', scope: T1 }) },
  { weight: 3, arbitrary: fc.constant<From>({ sql: 't2', scope: T2 }) },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom('JOIN', 'INNER JOIN', 'LEFT JOIN', 'RIGHT JOIN', 'FULL JOIN', 'LEFT OUTER JOIN')
      .map((j): From => ({ sql: `t1 ${j} t2 ON t2.t1_id = t1.id`, scope: JOINED })),
  },
  { weight: 1, arbitrary: fc.constant<From>({ sql: 't1 CROSS JOIN t2', scope: JOINED }) },
  { weight: 1, arbitrary: fc.constant<From>({ sql: 't1, t2', scope: JOINED }) },
  { weight: 1, arbitrary: fc.constant<From>({ sql: 't1 JOIN t2 USING (id)', scope: { num: ['id', 'a', 'f'], text: ['b', 'e'], bool: ['d'] } }) },
  {
    weight: 1,
    arbitrary: exprs(T1, 1).bool.map((w): From => ({ sql: `(SELECT id, a, b, c, d FROM t1 WHERE ${w}) AS s`, scope: { num: ['s.id', 's.a', 'c'], text: ['s.b'], bool: ['d'] } })),
  },
  { weight: 1, arbitrary: fc.constantFrom(...SCRATCH).map((g): From => ({ sql: g, scope: G })) },
  { weight: 1, arbitrary: fc.constant<From>({ sql: 'v1', scope: { num: ['a'], text: ['b'], bool: [] } }) },
);

const orderDir = fc.constantFrom('', ' ASC', ' DESC', ' NULLS FIRST', ' DESC NULLS LAST');
const limitClause = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 10 }).map((n) => ` LIMIT ${n}`) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 5 })).map(([l, o]) => ` LIMIT ${l} OFFSET ${o}`) },
  { weight: 1, arbitrary: fc.constantFrom(' LIMIT ALL', ' LIMIT NULL', ' LIMIT -1', ' LIMIT $1', ' OFFSET 9223372036854775807', ' LIMIT 0.5') },
);

const FRAMES = ['', ' ROWS BETWEEN 1 PRECEDING AND CURRENT ROW', ' ROWS UNBOUNDED PRECEDING', ' RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING', ' ROWS BETWEEN 2 FOLLOWING AND 1 PRECEDING'];

/** Window function calls over the columns in scope. */
function windowCall(scope: Scope): fc.Arbitrary<string> {
  const cols = [...scope.num, ...scope.text, ...scope.bool];
  const e = exprs(scope, 1);
  const spec = fc
    .tuple(fc.subarray(cols, { maxLength: 2 }), fc.option(fc.tuple(fc.constantFrom(...cols), orderDir), { nil: undefined }), fc.constantFrom(...FRAMES))
    .map(([part, order, frame]) => {
      const p = part.length > 0 ? `PARTITION BY ${part.join(', ')}` : '';
      const o = order !== undefined ? `${p === '' ? '' : ' '}ORDER BY ${order[0]}${order[1]}${frame}` : '';
      return `OVER (${p}${o})`;
    });
  const call = fc.oneof(
    fc.constantFrom('row_number()', 'rank()', 'dense_rank()', 'count(*)', 'percent_rank()', 'cume_dist()'),
    fc.tuple(fc.constantFrom('sum', 'avg', 'min', 'max', 'count'), e.num).map(([f, x]) => `${f}(${x})`),
    fc.tuple(fc.constantFrom('lag', 'lead', 'first_value', 'last_value'), e.num).map(([f, x]) => `${f}(${x})`),
    fc.tuple(fc.constantFrom('lag', 'lead'), e.text, fc.integer({ min: -1, max: 3 })).map(([f, x, k]) => `${f}(${x}, ${k})`),
    fc.tuple(e.num, fc.integer({ min: 0, max: 4 })).map(([x, k]) => `nth_value(${x}, ${k})`),
    fc.integer({ min: 0, max: 5 }).map((k) => `ntile(${k})`),
  );
  return fc.tuple(call, spec).map(([c, w]) => `${c} ${w}`);
}

/** A plain SELECT (no aggregates) of 1..4 expressions. */
const plainSelect: fc.Arbitrary<string> = fromClause.chain((from) =>
  exprsAtSomeDepth(from.scope).chain((e) =>
    fc
      .tuple(
        fc.boolean(),
        fc.oneof(
          { weight: 1, arbitrary: fc.constant(['*']) },
          { weight: 4, arbitrary: fc.array(anyExpr(e), { minLength: 1, maxLength: 4 }) },
          { weight: 1, arbitrary: fc.array(fc.oneof(anyExpr(e), windowCall(from.scope)), { minLength: 1, maxLength: 3 }) },
        ),
        fc.option(e.bool, { nil: undefined }),
        fc.option(fc.tuple(fc.oneof(e.num, e.text, fc.constant('1')), orderDir), { nil: undefined }),
        limitClause,
      )
      .map(([distinct, items, where, order, limit]) => {
        const cols = items.map((x, i) => (x === '*' || i % 2 === 1 ? x : `${x} AS c${i}`)).join(', ');
        return `SELECT ${distinct ? 'DISTINCT ' : ''}${cols} FROM ${from.sql}${where !== undefined ? ` WHERE ${where}` : ''}${order !== undefined ? ` ORDER BY ${order[0]}${order[1]}` : ''}${limit}`;
      }),
  ),
);

const AGGS = ['count', 'sum', 'avg', 'min', 'max'];

/** A grouped SELECT: group columns plus aggregates, HAVING sometimes. */
const aggregateSelect: fc.Arbitrary<string> = fromClause.chain((from) => {
  const e = exprs(from.scope, 1);
  const groupCols = [...from.scope.num, ...from.scope.text, ...from.scope.bool];
  const agg = fc.oneof(
    { weight: 1, arbitrary: fc.constant('count(*)') },
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...AGGS), e.num).map(([f, x]) => `${f}(${x})`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...AGGS), e.num).map(([f, x]) => `${f}(DISTINCT ${x})`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('min', 'max', 'count'), e.text).map(([f, x]) => `${f}(${x})`) },
    { weight: 1, arbitrary: e.text.map((x) => `string_agg(${x}, ',')`) },
    { weight: 1, arbitrary: e.bool.map((x) => `bool_and(${x})`) },
  );
  return fc
    .tuple(
      fc.subarray(groupCols, { maxLength: 2 }),
      fc.array(agg, { minLength: 1, maxLength: 3 }),
      fc.option(e.bool, { nil: undefined }),
      fc.option(agg.chain((a) => fc.constantFrom(`${a} > 1`, `${a} IS NOT NULL`, `${a} = ${a}`)), { nil: undefined }),
      limitClause,
    )
    .map(([group, aggs, where, having, limit]) => {
      const items = [...group, ...aggs].join(', ');
      const g = group.length > 0 ? ` GROUP BY ${group.join(', ')}` : '';
      return `SELECT ${items} FROM ${from.sql}${where !== undefined ? ` WHERE ${where}` : ''}${g}${having !== undefined ? ` HAVING ${having}` : ''}${group.length > 0 ? ` ORDER BY ${group.map((_, i) => i + 1).join(', ')}` : ''}${limit}`;
    });
});

/** SELECT without FROM: a calculator over literals and parameters. */
const valuesSelect: fc.Arbitrary<string> = exprsAtSomeDepth(NO_COLUMNS).chain((e) =>
  fc.array(anyExpr(e), { minLength: 1, maxLength: 3 }).map((xs) => `SELECT ${xs.join(', ')}`),
);

/** One-column SELECTs combined with UNION / INTERSECT / EXCEPT. */
const setOperation: fc.Arbitrary<string> = fc
  .tuple(
    fc.array(
      fc.oneof(
        exprs(T1, 1).num.map((x) => `SELECT ${x} FROM t1`),
        exprs(T2, 1).num.map((x) => `SELECT ${x} FROM t2`),
        intLiteral.map((x) => `SELECT ${x}`),
      ),
      { minLength: 2, maxLength: 4 },
    ),
    fc.array(fc.constantFrom('UNION', 'UNION ALL', 'INTERSECT', 'EXCEPT', 'INTERSECT ALL', 'EXCEPT ALL'), { minLength: 3, maxLength: 3 }),
    fc.boolean(),
  )
  .map(([parts, ops, ordered]) => parts.reduce((acc, p, i) => `${acc} ${ops[(i - 1) % 3]} ${p}`) + (ordered ? ' ORDER BY 1' : ''));

const withSelect: fc.Arbitrary<string> = fc
  .tuple(exprs(T1, 1).bool, exprs({ num: ['a', 'id'], text: ['b'], bool: [] }, 1).bool, fc.boolean())
  .map(([w1, w2, join]) =>
    join
      ? `WITH c AS (SELECT id, a, b FROM t1 WHERE ${w1}) SELECT c.a, t2.e FROM c JOIN t2 ON t2.t1_id = c.id WHERE ${w2.replace(/\b(a|id|b)\b/g, 'c.$1')}`
      : `WITH c AS (SELECT id, a, b FROM t1 WHERE ${w1}), d AS (SELECT a FROM c WHERE ${w2}) SELECT * FROM d`,
  );

export const selectStatement: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: plainSelect },
  { weight: 3, arbitrary: aggregateSelect },
  { weight: 2, arbitrary: valuesSelect },
  { weight: 1, arbitrary: setOperation },
  { weight: 1, arbitrary: withSelect },
  { weight: 1, arbitrary: plainSelect.map((s) => `${s} FOR UPDATE`) },
  { weight: 1, arbitrary: plainSelect.map((s) => `EXPLAIN ${s}`) },
);

// ---------------------------------------------------------------------------------------------
// DML

const keyLiteral = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 40 }).map(String) }, { weight: 1, arbitrary: intLiteral });
const returning = fc.constantFrom('', '', '', ' RETURNING *', ' RETURNING id', ' RETURNING id, a + 1');
const returning2 = fc.constantFrom('', '', '', ' RETURNING *', ' RETURNING id, e');

const t1Row = fc
  .tuple(keyLiteral, exprs(NO_COLUMNS, 1).num, exprs(NO_COLUMNS, 1).text, fc.oneof(realLiteral, fc.constant('NULL')), fc.constantFrom('TRUE', 'FALSE', 'NULL'))
  .map((v) => `(${v.join(', ')})`);
const t2Key = fc.oneof(fc.integer({ min: 1, max: 12 }).map(String), fc.constant('NULL'));
const t2Row = fc
  .tuple(keyLiteral, t2Key, fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...WORDS).map(quote) }, { weight: 1, arbitrary: textLiteral }), intLiteral)
  .map((v) => `(${v.join(', ')})`);

const insertStatement: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.array(t1Row, { minLength: 1, maxLength: 4 }), fc.constantFrom('', '', ' ON CONFLICT DO NOTHING', ' ON CONFLICT (id) DO UPDATE SET a = excluded.a + 1, b = excluded.b'), returning)
      .map(([rows, conflict, ret]) => `INSERT INTO t1 VALUES ${rows.join(', ')}${conflict}${ret}`),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.array(t2Row, { minLength: 1, maxLength: 3 }), fc.constantFrom('', '', ' ON CONFLICT DO NOTHING', ' ON CONFLICT (id) DO UPDATE SET f = t2.f + 1'), returning2)
      .map(([rows, conflict, ret]) => `INSERT INTO t2 (id, t1_id, e, f) VALUES ${rows.join(', ')}${conflict}${ret}`),
  },
  { weight: 1, arbitrary: fc.tuple(keyLiteral, exprs(NO_COLUMNS, 0).text).map(([k, e]) => `INSERT INTO t2 (id, e) VALUES (${k}, ${e})`) },
  { weight: 1, arbitrary: fc.tuple(keyLiteral, fc.constantFrom('$1, $2', '$1, $2, $3')).map(([k, p]) => `INSERT INTO t1 (id, a, b) VALUES (${k}, ${p.split(', ').slice(0, 2).join(', ')})`) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 500 }), exprs(T1, 1).bool, fc.integer({ min: 0, max: 5 }))
      .map(([off, w, l]) => `INSERT INTO t1 (id, a, b, c, d) SELECT id + ${off}, a, b, c, d FROM t1 WHERE ${w} LIMIT ${l}`),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...SCRATCH), fc.array(fc.tuple(intLiteral, exprs(NO_COLUMNS, 0).text, realLiteral), { minLength: 1, maxLength: 3 }))
      .map(([g, rows]) => `INSERT INTO ${g} (x, y, z) VALUES ${rows.map((r) => `(${r.join(', ')})`).join(', ')}`),
  },
);

const updateStatement: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: exprsAtSomeDepth(T1).chain((e) =>
      fc
        .tuple(
          fc.subarray([`a = `, `b = `, `c = `, `d = `], { minLength: 1 }),
          e.num,
          e.text,
          e.num,
          e.bool,
          fc.option(e.bool, { nil: undefined, freq: 4 }),
          returning,
        )
        .map(([sets, a, b, c, d, where, ret]) => {
          const vals: Record<string, string> = { 'a = ': a, 'b = ': b, 'c = ': c, 'd = ': d };
          return `UPDATE t1 SET ${sets.map((s) => s + vals[s]).join(', ')}${where !== undefined ? ` WHERE ${where}` : ''}${ret}`;
        }),
    ),
  },
  {
    weight: 2,
    arbitrary: exprsAtSomeDepth(T2).chain((e) =>
      fc
        .tuple(fc.constantFrom('f', 't1_id', 'e', 'id'), e.num, e.text, fc.option(e.bool, { nil: undefined, freq: 4 }), returning2)
        .map(([col, n, t, where, ret]) => `UPDATE t2 SET ${col} = ${col === 'e' ? t : n}${where !== undefined ? ` WHERE ${where}` : ''}${ret}`),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom(...SCRATCH), exprs(G, 1).num, exprs(G, 1).bool).map(([g, x, w]) => `UPDATE ${g} SET x = ${x} WHERE ${w}`),
  },
  { weight: 1, arbitrary: exprs(JOINED, 1).num.map((x) => `UPDATE t1 SET a = ${x} FROM t2 WHERE t2.t1_id = t1.id`) },
);

const deleteStatement: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(exprs(T1, 2).bool, returning).map(([w, r]) => `DELETE FROM t1 WHERE ${w}${r}`) },
  { weight: 3, arbitrary: fc.tuple(exprs(T2, 2).bool, returning2).map(([w, r]) => `DELETE FROM t2 WHERE ${w}${r}`) },
  { weight: 1, arbitrary: fc.constantFrom('DELETE FROM t2', ...SCRATCH.map((g) => `DELETE FROM ${g}`)) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...SCRATCH), exprs(G, 1).bool).map(([g, w]) => `DELETE FROM ${g} WHERE ${w}`) },
);

// ---------------------------------------------------------------------------------------------
// Transactions, DDL, administration

const savepointName = fc.constantFrom('sp1', 'sp2', 'sp3', '"Sp 1"');
const ISOLATION = ['READ COMMITTED', 'REPEATABLE READ', 'SERIALIZABLE', 'READ UNCOMMITTED'];

export const transactionStatement: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('BEGIN', 'START TRANSACTION', 'BEGIN TRANSACTION') },
  { weight: 1, arbitrary: fc.constantFrom(...ISOLATION).map((l) => `BEGIN ISOLATION LEVEL ${l}`) },
  { weight: 1, arbitrary: fc.constantFrom('START TRANSACTION READ ONLY', 'BEGIN READ WRITE') },
  { weight: 1, arbitrary: fc.constantFrom(...ISOLATION).map((l) => `SET TRANSACTION ISOLATION LEVEL ${l}`) },
  { weight: 4, arbitrary: fc.constantFrom('COMMIT', 'END', 'COMMIT TRANSACTION') },
  { weight: 3, arbitrary: fc.constantFrom('ROLLBACK', 'ABORT', 'ROLLBACK TRANSACTION') },
  { weight: 3, arbitrary: savepointName.map((s) => `SAVEPOINT ${s}`) },
  { weight: 2, arbitrary: savepointName.map((s) => `RELEASE SAVEPOINT ${s}`) },
  { weight: 1, arbitrary: savepointName.map((s) => `RELEASE ${s}`) },
  { weight: 2, arbitrary: savepointName.map((s) => `ROLLBACK TO SAVEPOINT ${s}`) },
  { weight: 1, arbitrary: savepointName.map((s) => `ROLLBACK TO ${s}`) },
);

const columnDef = fc.tuple(
  fc.constantFrom('x INTEGER', 'x INTEGER PRIMARY KEY', 'x BIGINT NOT NULL', 'x INTEGER UNIQUE', 'x SMALLINT'),
  fc.constantFrom('y TEXT', "y TEXT DEFAULT 'd'", 'y TEXT NOT NULL', 'y TEXT UNIQUE', 'y VARCHAR(3)'),
  fc.constantFrom('z REAL', 'z DOUBLE PRECISION CHECK (z > 0)', 'z REAL DEFAULT 1.5', 'z NUMERIC'),
);

export const ddlStatement: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.boolean(), fc.constantFrom('', 'TEMP '), fc.constantFrom(...SCRATCH), columnDef)
      .map(([ine, temp, g, cols]) => `CREATE ${temp}TABLE ${ine ? 'IF NOT EXISTS ' : ''}${g} (${cols.join(', ')})`),
  },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...SCRATCH), fc.integer({ min: 0, max: 5 })).map(([g, l]) => `CREATE TABLE ${g} AS SELECT id AS x, b AS y, c AS z FROM t1 LIMIT ${l}`) },
  { weight: 2, arbitrary: fc.tuple(fc.boolean(), fc.constantFrom(...SCRATCH)).map(([ie, g]) => `DROP TABLE ${ie ? 'IF EXISTS ' : ''}${g}`) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('', 'UNIQUE '), fc.constantFrom('i1', 'i2'), fc.constantFrom('g1 (x)', 'g2 (y)', 'g1 (y, x)', 't1 (b)', 't2 (f)', 't1 (c, a)'))
      .map(([u, i, on]) => `CREATE ${u}INDEX ${i} ON ${on}`),
  },
  { weight: 1, arbitrary: fc.constantFrom('DROP INDEX i1', 'DROP INDEX IF EXISTS i2', 'DROP INDEX t1_a', 'DROP INDEX IF EXISTS i1') },
  { weight: 1, arbitrary: exprs(T1, 1).bool.map((w) => `CREATE VIEW v1 AS SELECT a, b FROM t1 WHERE ${w}`) },
  { weight: 1, arbitrary: fc.constantFrom('DROP VIEW v1', 'DROP VIEW IF EXISTS v1') },
  { weight: 1, arbitrary: fc.constantFrom('DROP TABLE t2', 'DROP TABLE t1', 'ALTER TABLE t1 ADD COLUMN g TEXT', 'TRUNCATE t2') },
);

export const adminStatement: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('ANALYZE', 'ANALYZE t1', 'ANALYZE t2', 'ANALYZE g1', 'VACUUM', 'VACUUM t1') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'PRAGMA page_size', 'PRAGMA page_count', 'PRAGMA freelist_count', 'PRAGMA integrity_check', 'PRAGMA table_list',
      "PRAGMA table_info('t1')", 'PRAGMA table_info(t2)', "PRAGMA index_list('t1')", 'PRAGMA cache_stats', 'PRAGMA storage_stats',
      'PRAGMA wal_checkpoint', 'PRAGMA page_size = 4096', 'PRAGMA nonsense',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'SHOW statement_timeout', 'SHOW transaction_isolation', 'SHOW ALL', 'SHOW page_size', 'SHOW nope',
      'SET statement_timeout = 5000', "SET statement_timeout = '1s'", 'SET statement_timeout TO 0', 'RESET statement_timeout',
      "SET application_name = 'fuzz'", "SET default_transaction_isolation = 'serializable'", "SET default_transaction_isolation = 'bogus'",
      'SET nope = 1', 'RESET ALL', 'SET search_path = public',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.constantFrom('PREPARE p1 (int) AS SELECT * FROM t1 WHERE id = $1', 'PREPARE p2 AS SELECT count(*) FROM t2', "PREPARE p3 (int, text) AS INSERT INTO t2 (id, e) VALUES ($1, $2)"),
      fc.tuple(fc.constantFrom('p1', 'p2', 'p3', 'nope'), fc.array(fc.oneof(intLiteral, textLiteral), { maxLength: 2 })).map(([p, args]) => `EXECUTE ${p}${args.length > 0 ? `(${args.join(', ')})` : ''}`),
      fc.constantFrom('DEALLOCATE p1', 'DEALLOCATE ALL', 'DEALLOCATE nope'),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'CREATE ROLE fuzzer', 'DROP ROLE fuzzer', 'GRANT SELECT ON t1 TO fuzzer', 'REVOKE SELECT ON t1 FROM fuzzer',
      'GRANT ALL ON t2 TO fuzzer', 'SET ROLE fuzzer', 'RESET ROLE', 'SET ROLE NONE', 'CREATE USER fuzzer2',
    ),
  },
  { weight: 1, arbitrary: selectStatement.map((s) => `EXPLAIN ANALYZE ${s}`) },
);

/** Any valid statement, weighted toward queries and data changes. */
export const validStatement: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: selectStatement },
  { weight: 5, arbitrary: insertStatement },
  { weight: 3, arbitrary: updateStatement },
  { weight: 2, arbitrary: deleteStatement },
  { weight: 4, arbitrary: transactionStatement },
  { weight: 2, arbitrary: ddlStatement },
  { weight: 1, arbitrary: adminStatement },
);

/** Several valid statements in one text (a script). */
export const validScript: fc.Arbitrary<string> = fc
  .tuple(fc.array(validStatement, { minLength: 2, maxLength: 4 }), fc.boolean())
  .map(([xs, trailing]) => xs.join('; ') + (trailing ? ';' : ''));
