import type { ColumnType, TableDef } from '../../src/storage/ports.js';

/** A table definition from [name, type] pairs. */
export function tableDef(
  name: string,
  cols: readonly (readonly [string, ColumnType])[],
  primaryKey: readonly number[] = [0],
  indexes: TableDef['indexes'] = [],
): TableDef {
  return {
    name,
    columns: cols.map(([n, type]) => ({ name: n, type, declaredType: type.toUpperCase(), notNull: false })),
    primaryKey,
    indexes,
  };
}

export function drain<T>(c: { next(): T | undefined }): T[] {
  const out: T[] = [];
  for (let v = c.next(); v !== undefined; v = c.next()) out.push(v);
  return out;
}
