// Generators of hostile SQL text: valid statements mutated token by token, nesting thousands of
// levels deep, huge numeric and string literals, identifiers of 10k+ characters, unicode (astral,
// RTL, lone surrogates, odd whitespace), NUL bytes and random bytes. None of it may crash or hang
// the engine: each must give a result or a DispatcherError.
import fc from 'fast-check';
import { quote, validStatement } from './sql-arbitraries.js';

/** A rough SQL tokenizer, enough to mutate at token boundaries (whitespace is a token too). */
const TOKEN = /'(?:[^']|'')*'?|"(?:[^"]|"")*"?|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*|\$\d+|::|<=|>=|<>|!=|\|\||\s+|[\s\S]/g;

export function roughTokens(sql: string): string[] {
  return sql.match(TOKEN) ?? [];
}

const JUNK_TOKENS = [
  'SELECT', 'FROM', 'WHERE', 'JOIN', 'ON', 'GROUP', 'BY', 'ORDER', 'HAVING', 'LIMIT', 'UNION', 'INSERT', 'INTO', 'VALUES',
  'UPDATE', 'SET', 'DELETE', 'CREATE', 'TABLE', 'DROP', 'INDEX', 'BEGIN', 'COMMIT', 'ROLLBACK', 'SAVEPOINT', 'NULL',
  'NOT', 'AND', 'OR', 'IN', 'EXISTS', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'AS', 'CAST', 'DISTINCT', 'ALL', 'ANY',
  'WITH', 'RECURSIVE', 'OVER', 'PARTITION', 'RETURNING', 'EXPLAIN', 'PREPARE', 'EXECUTE', 'PRAGMA', 'VACUUM',
  '(', ')', ',', ';', '.', '*', '+', '-', '/', '%', '=', '<', '>', '||', '::', "'", '"', '$1', '$0', '$99999',
  '$2147483648', '?', ':name', '@', '#', '[', ']', '{', '}', '\\', '`', '--', '/*', '*/', '$$', 'E\'', 'X\'',
  '\0', '\u202E', '\u200B', '\uFEFF', '\u2028', '\u00A0', '𝕏', '\uD800', '\uDC00', '١٢٣',
];

type Mutation = (tokens: string[], r: readonly number[]) => void;

/** Picks an index from a random number, tolerating an empty token list. */
function at(tokens: readonly unknown[], x: number): number {
  return tokens.length === 0 ? 0 : x % tokens.length;
}

const MUTATIONS: readonly Mutation[] = [
  (t, [a = 0]) => void t.splice(at(t, a), 1),
  (t, [a = 0]) => void t.splice(at(t, a), 0, t[at(t, a)] ?? ''),
  (t, [a = 0, b = 0]) => {
    const i = at(t, a);
    const j = at(t, b);
    const x = t[i] ?? '';
    t[i] = t[j] ?? '';
    t[j] = x;
  },
  (t, [a = 0, b = 0]) => void (t[at(t, a)] = JUNK_TOKENS[b % JUNK_TOKENS.length]!),
  (t, [a = 0, b = 0]) => void t.splice(at(t, a), 0, ' ', JUNK_TOKENS[b % JUNK_TOKENS.length]!, ' '),
  (t, [a = 0]) => void t.splice(at(t, a)),
  (t, [a = 0, b = 0]) => void t.splice(at(t, a), (b % 5) + 1),
  (t, [a = 0, b = 0]) => {
    // a chunk of the statement repeated
    const i = at(t, a);
    const chunk = t.slice(i, i + (b % 6) + 1);
    t.splice(i, 0, ...chunk, ...chunk);
  },
  (t, [a = 0]) => {
    const i = at(t, a);
    t[i] = (t[i] ?? '').slice(0, Math.max(0, (t[i] ?? '').length - 1));
  },
];

/** A valid statement with 1..4 token-level mutations applied. */
export const mutatedStatement: fc.Arbitrary<string> = fc
  .tuple(validStatement, fc.array(fc.tuple(fc.nat(MUTATIONS.length - 1), fc.nat(), fc.nat()), { minLength: 1, maxLength: 4 }))
  .map(([sql, muts]) => {
    const tokens = roughTokens(sql);
    for (const [m, a, b] of muts) MUTATIONS[m]!(tokens, [a, b]);
    return tokens.join('');
  });

/** Cuts a valid statement (or a script) at a random character. */
export const truncatedStatement: fc.Arbitrary<string> = fc.tuple(validStatement, fc.nat()).map(([sql, n]) => sql.slice(0, n % (sql.length + 1)));

// ---------------------------------------------------------------------------------------------
// Deep nesting

const DEPTHS = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 1, max: 300 }) },
  { weight: 2, arbitrary: fc.constantFrom(500, 1000, 2000, 5000) },
  { weight: 1, arbitrary: fc.constantFrom(10_000, 30_000, 100_000) },
);

const list = (head: string, item: (i: number) => string, sep: string, tail: string) => (n: number) => {
  const parts: string[] = new Array(n);
  for (let i = 0; i < n; i++) parts[i] = item(i);
  return head + parts.join(sep) + tail;
};

const NESTERS: readonly ((n: number) => string)[] = [
  (n) => `SELECT ${'('.repeat(n)}1${')'.repeat(n)}`,
  (n) => `SELECT ${'(SELECT '.repeat(n)}1${')'.repeat(n)}`,
  (n) => `SELECT * FROM ${'(SELECT * FROM '.repeat(n)}t1${') AS s'.repeat(n)}`,
  (n) => `SELECT ${'NOT '.repeat(n)}TRUE`,
  (n) => `SELECT ${'- '.repeat(n)}1`,
  (n) => `SELECT ${'abs('.repeat(n)}-1${')'.repeat(n)}`,
  (n) => `SELECT ${'coalesce(NULL, '.repeat(n)}1${')'.repeat(n)}`,
  (n) => `SELECT ${'upper('.repeat(n)}'a'${')'.repeat(n)}`,
  (n) => `SELECT ${'CASE WHEN TRUE THEN '.repeat(n)}1${' END'.repeat(n)}`,
  (n) => `SELECT ${'CAST('.repeat(n)}1${' AS INTEGER)'.repeat(n)}`,
  (n) => `SELECT 1${'::text::integer'.repeat(n)}`,
  (n) => `SELECT 1${' + 1'.repeat(n)}`,
  (n) => `SELECT ${'1 + ('.repeat(n)}1${')'.repeat(n)}`,
  (n) => `SELECT 'a'${" || 'a'".repeat(n)}`,
  (n) => `SELECT * FROM t1 WHERE a = 1${' OR a = 1'.repeat(n)}`,
  (n) => `SELECT * FROM t1 WHERE ${'(a = 1 AND '.repeat(n)}TRUE${')'.repeat(n)}`,
  (n) => `SELECT * FROM t1 WHERE a IN ${'(SELECT a FROM t1 WHERE a IN '.repeat(n)}(1)${')'.repeat(n)}`,
  (n) => `SELECT * FROM t1 WHERE ${'EXISTS (SELECT 1 FROM t2 WHERE '.repeat(n)}TRUE${')'.repeat(n)}`,
  list('SELECT * FROM t1 WHERE a IN (', (i) => String(i), ', ', ')'),
  list('SELECT ', (i) => `${i} AS c${i}`, ', ', ''),
  list('SELECT ', () => 'a', ', ', ' FROM t1'),
  list('INSERT INTO t2 (id, e) VALUES ', (i) => `(${i + 1000}, 'n${i}')`, ', ', ''),
  list('', () => 'SELECT 1', '; ', ''),
  list('', () => 'SELECT 1', ' UNION ALL ', ''),
  list('', (i) => `SELECT ${i}`, ' UNION ', ''),
  list('WITH ', (i) => (i === 0 ? 'c0 AS (SELECT 1 AS x)' : `c${i} AS (SELECT x FROM c${i - 1})`), ', ', ' SELECT 1'),
  (n) => `SELECT count(*) FROM t1 AS a0${Array.from({ length: Math.min(n, 64) }, (_, i) => ` JOIN t1 AS a${i + 1} ON a${i + 1}.id = a${i}.id`).join('')}`,
  (n) => `SELECT count(*) FROM ${Array.from({ length: Math.min(n, 40) }, (_, i) => `t2 AS b${i}`).join(', ')}`,
  (n) => `SELECT ${'('.repeat(n)}1`,
  (n) => `SELECT ${'-('.repeat(n)}1`,
  (n) => `SELECT 1 IS DISTINCT FROM ${'-('.repeat(n)}1`,
  (n) => `SELECT * FROM t1 WHERE ${'NOT ('.repeat(n)}a = 1 AND`,
  (n) => `SELECT 1${')'.repeat(n)}`,
  (n) => `SELECT ${'/*'.repeat(n)} 1 ${'*/'.repeat(n)}`,
  (n) => `SELECT ${'['.repeat(n)}1${']'.repeat(n)}`,
  (n) => `SELECT ${"'".repeat(2 * n)}`,
  (n) => `SELECT ${'ARRAY['.repeat(Math.min(n, 5000))}1${']'.repeat(Math.min(n, 5000))}`,
  (n) => `${'EXPLAIN '.repeat(n)}SELECT 1`,
  (n) => `${'BEGIN; '.repeat(Math.min(n, 2000))}COMMIT`,
  (n) => `${'SAVEPOINT s; '.repeat(Math.min(n, 2000))}ROLLBACK`,
];

/**
 * Nestings the grammar parses in exponential time (each costs the guard's whole parse budget, two
 * seconds, when deep): kept rare so that a long run still gets through its statements.
 */
const EXPONENTIAL: readonly ((n: number) => string)[] = [
  (n) => `SELECT ${'(SELECT 1 + '.repeat(n)}1${') AS x'.repeat(n)}`,
  (n) => `SELECT ${'(SELECT '.repeat(n)}1${' AS x)'.repeat(n)}`,
  (n) => `SELECT 1 FROM t1 WHERE a = ${'(SELECT 1 UNION SELECT '.repeat(n)}1${')'.repeat(n)}`,
];

/** Statements nested (or repeated) thousands of levels deep. */
export const deeplyNestedStatement: fc.Arbitrary<string> = fc.oneof(
  { weight: 60, arbitrary: fc.tuple(fc.nat(NESTERS.length - 1), DEPTHS).map(([k, n]) => NESTERS[k]!(n)) },
  { weight: 1, arbitrary: fc.tuple(fc.nat(EXPONENTIAL.length - 1), fc.oneof(fc.integer({ min: 1, max: 8 }), DEPTHS)).map(([k, n]) => EXPONENTIAL[k]!(n)) },
);

// ---------------------------------------------------------------------------------------------
// Huge literals, long identifiers, unicode, NUL, random bytes

const bigLength = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 20, max: 400 }) },
  { weight: 2, arbitrary: fc.constantFrom(1000, 5000, 20_000) },
  { weight: 1, arbitrary: fc.constantFrom(100_000, 300_000, 1_100_000) },
);

const digits = (n: number, seed: number): string => {
  let s = String(1 + (seed % 9));
  const unit = String(seed).padStart(9, '7');
  while (s.length < n) s += unit;
  return s.slice(0, n);
};

export const hugeLiteralStatement: fc.Arbitrary<string> = fc
  .tuple(bigLength, fc.nat(), fc.nat(13))
  .map(([n, seed, form]) => {
    const d = digits(n, seed);
    switch (form) {
      case 0: return `SELECT ${d}`;
      case 1: return `SELECT -${d}`;
      case 2: return `SELECT ${d}.${d.slice(0, 20)}`;
      case 3: return `SELECT 1e${d.slice(0, Math.min(n, 12))}, 1e-${d.slice(0, Math.min(n, 12))}`;
      case 4: return `SELECT 0.${'0'.repeat(n)}1`;
      case 5: return `INSERT INTO t1 (id, a, c) VALUES (${1000 + (seed % 1000)}, ${d}, ${d})`;
      case 6: return `INSERT INTO t1 (id, c) VALUES (${1000 + (seed % 1000)}, ${d}.5)`;
      case 7: return `SELECT ${quote('x'.repeat(n))}`;
      case 8: return `INSERT INTO t2 (id, e) VALUES (${2000 + (seed % 1000)}, ${quote(String.fromCodePoint(0x1f600 + (seed % 50)).repeat(Math.ceil(n / 2)))})`;
      case 9: return `UPDATE t1 SET b = ${quote('y'.repeat(n))} WHERE id = ${1 + (seed % 4)}`;
      case 10: return `SELECT * FROM t1 WHERE a = ${d} OR c < -${d}`;
      case 11: return `SELECT ${d}::bigint, ${d}::real, ${quote(d)}::integer, CAST(${quote(d)} AS REAL)`;
      case 12: return `SELECT repeat('ab', ${d.slice(0, 10)})`;
      default: return `SELECT length(${quote('z'.repeat(n))}), upper(${quote('é'.repeat(Math.min(n, 50_000)))})`;
    }
  });

const longName = fc
  .tuple(fc.constantFrom(10_000, 12_345, 65_536, 100_000, 300), fc.constantFrom('q', 'ü', '名', '𝕏', 'a_'))
  .map(([n, c]) => c.repeat(Math.ceil(n / c.length)).slice(0, n).replace(/[\uD800-\uDBFF]$/, 'x'));

export const longIdentifierStatement: fc.Arbitrary<string> = fc
  .tuple(longName, fc.nat(11), fc.boolean())
  .map(([name, form, quoted]) => {
    const id = quoted ? `"${name}"` : name;
    switch (form) {
      case 0: return `CREATE TABLE ${id} (x INTEGER)`;
      case 1: return `CREATE TABLE g1 (${id} INTEGER, y TEXT)`;
      case 2: return `SELECT a AS ${id} FROM t1`;
      case 3: return `SELECT ${id} FROM t1`;
      case 4: return `SELECT * FROM ${id}`;
      case 5: return `SAVEPOINT ${id}`;
      case 6: return `CREATE INDEX ${id} ON t1 (b)`;
      case 7: return `PREPARE ${id} AS SELECT 1`;
      case 8: return `CREATE ROLE ${id}`;
      case 9: return `SET ${id} = 1`;
      case 10: return `CREATE VIEW ${id} AS SELECT 1`;
      default: return `DROP TABLE IF EXISTS ${id}`;
    }
  });

const ODD_CHARS = ['\0', '\u202E', '\u202D', '\u200F', '\u200B', '\u200D', '\uFEFF', '\u2028', '\u2029', '\u00A0', '\u3000', '\uD800', '\uDFFF', '\uFFFE', '\uFFFF', '\u0301', '\r', '\t', '\f', '\v', '\x1b'];

/** Inserts odd characters (NUL, bidi controls, lone surrogates, odd whitespace) into a valid statement. */
export const oddCharacterStatement: fc.Arbitrary<string> = fc
  .tuple(validStatement, fc.array(fc.tuple(fc.nat(), fc.constantFrom(...ODD_CHARS)), { minLength: 1, maxLength: 4 }))
  .map(([sql, inserts]) => {
    let s = sql;
    for (const [pos, ch] of inserts) {
      const i = pos % (s.length + 1);
      s = s.slice(0, i) + ch + s.slice(i);
    }
    return s;
  });

/** Unicode text in literals and quoted identifiers, including astral and right-to-left scripts. */
export const unicodeStatement: fc.Arbitrary<string> = fc
  .tuple(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.nat(5))
  .map(([raw, graph, form]) => {
    switch (form) {
      case 0: return `SELECT ${quote(raw)}, length(${quote(raw)}), upper(${quote(graph)}), reverse(${quote(raw)})`;
      case 1: return `INSERT INTO t2 (id, e) VALUES (${3000 + raw.length}, ${quote(raw)})`;
      case 2: return `SELECT * FROM t2 WHERE e = ${quote(raw)} OR e LIKE ${quote(graph + '%')}`;
      case 3: return `SELECT 1 AS "${raw.replace(/"/g, '""')}"`;
      case 4: return `CREATE TABLE "${graph.replace(/"/g, '""')}" (x INTEGER)`;
      default: return raw;
    }
  });

/** Bytes decoded as latin1 or UTF-8 (invalid sequences become U+FFFD). */
export const randomBytesStatement: fc.Arbitrary<string> = fc
  .tuple(fc.uint8Array({ maxLength: 200 }), fc.boolean(), fc.boolean())
  .map(([bytes, utf8, prefixed]) => (prefixed ? 'SELECT ' : '') + Buffer.from(bytes).toString(utf8 ? 'utf8' : 'latin1'));

/** Text at and over the statement length limit, and empty or comment-only texts. */
export const edgeTextStatement: fc.Arbitrary<string> = fc.constantFrom(
  '', ' ', ';', ';;;', '--', '-- only a comment', '/* unterminated', '/* */', "'", '"', '$$', "SELECT 'unterminated",
  'SELECT "unterminated', 'SELECT $$unterminated', "SELECT E'\\", "SELECT E'\\x'", "SELECT U&'\\DBFF'",
  'SELECT $0', 'SELECT $99999999999', 'SELECT $1, $3', 'SELECT ?', 'SELECT ?, $1', 'SELECT :name', `SELECT ${'$1 + '.repeat(70_000)}1`,
  'SELECT 1 -- \0', 'SELECT /* \0 */ 1', 'SELECT \'\0\'', '\0', '\0SELECT 1', 'SELECT 1\0', 'SEL\0ECT 1',
  'x'.repeat(1_048_577), `SELECT '${'a'.repeat(1_048_576)}'`,
);
