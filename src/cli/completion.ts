// Tab completion at the prompt: dot commands at the start of a line, otherwise SQL keywords and
// the names of tables and their columns. Keywords follow the case the user started typing in.
import type { TableDef } from '../storage/ports.js';

const DOT_COMMANDS = ['.help', '.quit', '.schema', '.tables', '.timing'];

const KEYWORDS = [
  'ALTER', 'AND', 'AS', 'ASC', 'BEGIN', 'BETWEEN', 'BY', 'CASE', 'CAST', 'COMMIT', 'COUNT', 'CREATE',
  'CROSS', 'DEFAULT', 'DELETE', 'DESC', 'DISTINCT', 'DROP', 'ELSE', 'END', 'EXCEPT', 'EXISTS',
  'EXPLAIN', 'FROM', 'GROUP', 'HAVING', 'IN', 'INDEX', 'INNER', 'INSERT', 'INTEGER', 'INTERSECT',
  'INTO', 'IS', 'JOIN', 'KEY', 'LEFT', 'LIKE', 'LIMIT', 'NOT', 'NULL', 'OFFSET', 'ON', 'OR', 'ORDER',
  'OUTER', 'PRIMARY', 'REAL', 'RETURNING', 'ROLLBACK', 'SAVEPOINT', 'SELECT', 'SET', 'TABLE', 'TEXT',
  'THEN', 'TRANSACTION', 'UNION', 'UNIQUE', 'UPDATE', 'VALUES', 'VIEW', 'WHEN', 'WHERE', 'WITH',
];

export type Completion = [string[], string];

/** readline's completer contract: the candidates and the fragment they complete. */
export function complete(line: string, tables: readonly TableDef[]): Completion {
  if (/^\s*\.\S*$/.test(line)) {
    const word = line.trim();
    return [DOT_COMMANDS.filter((c) => c.startsWith(word)), word];
  }
  const word = /[A-Za-z_][A-Za-z0-9_]*$/.exec(line)?.[0] ?? '';
  if (word === '') return [[], ''];
  const lower = word.toLowerCase();
  const names = new Set<string>();
  for (const t of tables) {
    names.add(t.name);
    for (const c of t.columns) names.add(c.name);
  }
  const upper = word === word.toUpperCase();
  const keywords = KEYWORDS.filter((k) => k.toLowerCase().startsWith(lower)).map((k) => (upper ? k : k.toLowerCase()));
  const identifiers = [...names].filter((n) => n.toLowerCase().startsWith(lower)).sort();
  return [[...new Set([...identifiers, ...keywords])], word];
}
