// Word lists the shape pass and the front parsers consult.

/**
 * Words written upper-case in normalized text. Only words that cannot be an unquoted column or
 * table name (PostgreSQL's reserved and type/function-name keywords, plus a few statement words
 * nobody names a column after): every other unquoted word is an identifier and is folded to
 * lower case, as PostgreSQL folds it, so the parsed AST already carries folded names.
 */
export const KEYWORDS: ReadonlySet<string> = new Set([
  'ALL', 'ANALYSE', 'AND', 'ANY', 'ARRAY', 'AS', 'ASC', 'ASYMMETRIC', 'BOTH', 'CASE', 'CAST', 'CHECK',
  'COLLATE', 'COLUMN', 'CONSTRAINT', 'CREATE', 'CURRENT_DATE', 'CURRENT_TIME', 'CURRENT_TIMESTAMP',
  'CURRENT_USER', 'DEFAULT', 'DEFERRABLE', 'DESC', 'DISTINCT', 'DO', 'ELSE', 'END', 'EXCEPT', 'FALSE',
  'FETCH', 'FOR', 'FOREIGN', 'FROM', 'GRANT', 'GROUP', 'HAVING', 'IN', 'INITIALLY', 'INTERSECT', 'INTO',
  'LATERAL', 'LEADING', 'LIMIT', 'LOCALTIME', 'LOCALTIMESTAMP', 'NOT', 'NULL', 'OFFSET', 'ON', 'ONLY',
  'OR', 'ORDER', 'PLACING', 'PRIMARY', 'REFERENCES', 'RETURNING', 'SELECT', 'SESSION_USER', 'SOME',
  'SYMMETRIC', 'TABLE', 'THEN', 'TO', 'TRAILING', 'TRUE', 'UNION', 'UNIQUE', 'USER', 'USING',
  'VARIADIC', 'WHEN', 'WHERE', 'WINDOW', 'WITH',
  // type/function-name keywords
  'CROSS', 'FULL', 'ILIKE', 'INNER', 'IS', 'ISNULL', 'JOIN', 'LEFT', 'LIKE', 'NATURAL', 'NOTNULL',
  'OUTER', 'OVERLAPS', 'RIGHT', 'SIMILAR', 'VERBOSE',
  // statement words
  'INSERT', 'UPDATE', 'DELETE', 'VALUES', 'SET', 'BY', 'EXISTS', 'BETWEEN', 'NULLS', 'OVER',
  'PARTITION', 'RECURSIVE', 'EXPLAIN', 'DROP', 'ALTER', 'CONFLICT', 'NOTHING',
]);

/** Type names whose parenthesised numbers are type modifiers (VARCHAR(20), NUMERIC(10,2)). */
export const TYPE_MODIFIED: ReadonlySet<string> = new Set([
  'VARCHAR', 'CHAR', 'CHARACTER', 'VARYING', 'NCHAR', 'NVARCHAR', 'NUMERIC', 'DECIMAL', 'DEC', 'FLOAT',
  'BIT', 'VARBIT', 'TIMESTAMP', 'TIMESTAMPTZ', 'TIME', 'TIMETZ', 'INTERVAL', 'PRECISION', 'INT', 'INTEGER',
  'BIGINT', 'SMALLINT', 'TINYINT', 'MEDIUMINT', 'DOUBLE', 'REAL', 'BINARY', 'VARBINARY', 'TEXT', 'BLOB',
]);

/** Words after which a number in an ORDER BY / GROUP BY list is still a whole item. */
export const ITEM_END: ReadonlySet<string> = new Set([
  'ASC', 'DESC', 'NULLS', 'LIMIT', 'OFFSET', 'HAVING', 'WINDOW', 'FETCH', 'FOR', 'UNION', 'EXCEPT',
  'INTERSECT', 'ORDER', 'RETURNING', 'COLLATE', 'USING',
]);

/** Aggregates whose DISTINCT form node-sql-parser's postgresql grammar accepts as written. */
export const NATIVE_DISTINCT_AGGREGATES: ReadonlySet<string> = new Set([
  'COUNT', 'GROUP_CONCAT', 'STRING_AGG', 'ARRAY_AGG', 'JSON_AGG', 'JSONB_AGG',
]);

/** First words of the statements whose literals are lifted into parameters. */
export const LIFTABLE_START: ReadonlySet<string> = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'WITH', 'VALUES', 'TABLE']);

/**
 * Non-reserved words of the front's statements, upper-cased in their normalized text (only
 * there: the front parses tokens, not that text, so case in it is cosmetic; in text for
 * node-sql-parser they stay folded because they may name columns).
 */
export const SOFT_KEYWORDS: ReadonlySet<string> = new Set([
  'BEGIN', 'START', 'COMMIT', 'END', 'ROLLBACK', 'ABORT', 'WORK', 'TRANSACTION', 'SAVEPOINT', 'RELEASE',
  'ISOLATION', 'LEVEL', 'READ', 'WRITE', 'COMMITTED', 'UNCOMMITTED', 'REPEATABLE', 'SERIALIZABLE',
  'DEFERRABLE', 'CHAIN', 'NO', 'SESSION', 'CHARACTERISTICS', 'LOCAL', 'TIME', 'ZONE', 'SHOW', 'RESET',
  'VACUUM', 'FULL', 'FREEZE', 'ANALYZE', 'ANALYSE', 'PRAGMA', 'CHECKPOINT', 'ROLE', 'PASSWORD',
  'ENCRYPTED', 'LOGIN', 'NOLOGIN', 'SUPERUSER', 'NOSUPERUSER', 'CREATEDB', 'NOCREATEDB', 'CREATEROLE',
  'NOCREATEROLE', 'INHERIT', 'NOINHERIT', 'CONNECTION', 'VALID', 'UNTIL', 'ADMIN', 'OPTION', 'PRIVILEGES',
  'TABLES', 'SCHEMA', 'DATABASE', 'SEQUENCE', 'FUNCTION', 'USAGE', 'TRUNCATE', 'TRIGGER', 'CONNECT',
  'TEMPORARY', 'TEMP', 'EXECUTE', 'MAINTAIN', 'GRANTED', 'CASCADE', 'RESTRICT', 'IF', 'RENAME', 'PREPARE',
  'DEALLOCATE', 'FORMAT', 'ALL', 'AUTHORIZATION',
]);
