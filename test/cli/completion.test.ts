import { describe, expect, it } from 'vitest';
import { complete } from '../../src/cli/completion.js';
import type { TableDef } from '../../src/storage/ports.js';

const TABLES: TableDef[] = [
  {
    name: 'orders',
    columns: [
      { name: 'id', type: 'integer', declaredType: 'INTEGER', notNull: true },
      { name: 'owner', type: 'text', declaredType: 'TEXT', notNull: false },
    ],
    primaryKey: [0],
    indexes: [],
  },
];

describe('complete', () => {
  it('completes dot commands at the start of a line', () => {
    expect(complete('.t', TABLES)).toEqual([['.tables', '.timing'], '.t']);
    expect(complete('  .sc', TABLES)).toEqual([['.schema'], '.sc']);
  });

  it('completes table and column names and keywords in the case typed', () => {
    expect(complete('SELECT * FROM or', TABLES)).toEqual([['orders', 'or', 'order'], 'or']);
    expect(complete('SELECT * FROM t WHERE ow', TABLES)).toEqual([['owner'], 'ow']);
    expect(complete('SEL', TABLES)).toEqual([['SELECT'], 'SEL']);
    expect(complete('sel', TABLES)).toEqual([['select'], 'sel']);
  });

  it('offers nothing after a space or a symbol', () => {
    expect(complete('SELECT ', TABLES)).toEqual([[], '']);
    expect(complete('SELECT (', TABLES)).toEqual([[], '']);
  });
});
