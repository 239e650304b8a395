// CREATE TABLE (and CREATE INDEX, CREATE TRIGGER) text rebuilt from a table definition, for `.schema`.
import type { TableDef } from '../storage/ports.js';
import { checksOf, foreignKeysOf } from '../execution/constraint-defs.js';
import { triggersOf } from '../execution/triggers.js';

const PLAIN_IDENT = /^[a-z_][a-z0-9_]*$/;
// Words that cannot stand unquoted as a column or table name.
const RESERVED: ReadonlySet<string> = new Set([
  'all', 'and', 'any', 'as', 'asc', 'both', 'case', 'cast', 'check', 'collate', 'column', 'constraint',
  'create', 'default', 'desc', 'distinct', 'do', 'else', 'end', 'except', 'false', 'for', 'foreign',
  'from', 'grant', 'group', 'having', 'in', 'index', 'intersect', 'into', 'is', 'join', 'key', 'limit',
  'not', 'null', 'offset', 'on', 'or', 'order', 'primary', 'references', 'select', 'table', 'then',
  'to', 'true', 'union', 'unique', 'user', 'using', 'values', 'when', 'where', 'with',
]);

export function quoteIdent(name: string): string {
  if (PLAIN_IDENT.test(name) && !RESERVED.has(name)) return name;
  return `"${name.replace(/"/g, '""')}"`;
}

function columnList(def: TableDef, positions: readonly number[]): string {
  return positions.map((p) => quoteIdent(def.columns[p]?.name ?? `?${p}`)).join(', ');
}

function sameColumns(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The statements that would create the table and its explicit indexes, each ending with ';'. */
export function createTableText(def: TableDef): string {
  const parts: string[] = def.columns.map((c) => {
    let line = `  ${quoteIdent(c.name)} ${c.declaredType || c.type.toUpperCase()}`;
    if (c.notNull && !(def.primaryKey.length === 1 && def.columns[def.primaryKey[0]!] === c)) line += ' NOT NULL';
    if (c.defaultSql !== undefined) line += ` DEFAULT ${c.defaultSql}`;
    return line;
  });
  if (def.primaryKey.length > 0) parts.push(`  PRIMARY KEY (${columnList(def, def.primaryKey)})`);
  // Unique constraints live as implicit unique indexes; the one backing the key is the key itself.
  for (const ix of def.indexes) {
    if (ix.implicit && ix.unique && !sameColumns(ix.columns, def.primaryKey)) {
      parts.push(`  UNIQUE (${columnList(def, ix.columns)})`);
    }
  }
  for (const c of checksOf(def)) parts.push(`  CONSTRAINT ${quoteIdent(c.name)} CHECK (${c.expr})`);
  for (const fk of foreignKeysOf(def)) {
    let line = `  CONSTRAINT ${quoteIdent(fk.name)} FOREIGN KEY (${fk.columns.map(quoteIdent).join(', ')})`;
    line += ` REFERENCES ${quoteIdent(fk.refTable)} (${fk.refColumns.map(quoteIdent).join(', ')})`;
    if (fk.matchFull) line += ' MATCH FULL';
    if (fk.onDelete !== 'no action') line += ` ON DELETE ${fk.onDelete.toUpperCase()}`;
    if (fk.onUpdate !== 'no action') line += ` ON UPDATE ${fk.onUpdate.toUpperCase()}`;
    parts.push(line);
  }
  const out = [`CREATE TABLE ${quoteIdent(def.name)} (\n${parts.join(',\n')}\n);`];
  for (const ix of def.indexes) {
    if (ix.implicit) continue;
    out.push(
      `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdent(ix.name)} ON ${quoteIdent(def.name)} (${columnList(def, ix.columns)});`,
    );
  }
  // triggers as they were written (their bodies are SQL the text alone can recreate)
  for (const t of triggersOf(def)) out.push(`${t.text};`);
  return out.join('\n');
}
