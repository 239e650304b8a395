import { describe, expect, it } from 'vitest';
import type { DotContext } from '../../src/cli/dot-commands.js';
import { isDotCommand, runDotCommand } from '../../src/cli/dot-commands.js';
import { createTableText, quoteIdent } from '../../src/cli/schema-text.js';
import type { TableDef } from '../../src/storage/ports.js';

const USERS: TableDef = {
  name: 'users',
  columns: [
    { name: 'id', type: 'integer', declaredType: 'INTEGER', notNull: true },
    { name: 'email', type: 'text', declaredType: 'VARCHAR(200)', notNull: true },
    { name: 'score', type: 'real', declaredType: 'REAL', notNull: false, defaultSql: '0.5' },
  ],
  primaryKey: [0],
  indexes: [
    { name: 'users_pkey', table: 'users', columns: [0], unique: true, implicit: true },
    { name: 'users_email_key', table: 'users', columns: [1], unique: true, implicit: true },
    { name: 'users_score', table: 'users', columns: [2, 0], unique: false, implicit: false },
  ],
};

const LOG: TableDef = {
  name: 'Audit Log',
  columns: [{ name: 'order', type: 'text', declaredType: 'TEXT', notNull: false }],
  primaryKey: [],
  indexes: [],
};

function context(tables: readonly TableDef[]) {
  const printed: string[] = [];
  const errors: string[] = [];
  const ctx: DotContext = {
    tables: () => tables,
    timing: false,
    print: (t) => printed.push(t),
    printError: (t) => errors.push(t),
  };
  return { ctx, printed, errors };
}

describe('createTableText', () => {
  it('rebuilds columns, key, unique constraints and explicit indexes', () => {
    expect(createTableText(USERS)).toBe(
      [
        'CREATE TABLE users (',
        '  id INTEGER,',
        '  email VARCHAR(200) NOT NULL,',
        '  score REAL DEFAULT 0.5,',
        '  PRIMARY KEY (id),',
        '  UNIQUE (email)',
        ');',
        'CREATE INDEX users_score ON users (score, id);',
      ].join('\n'),
    );
  });

  it('quotes names that need it', () => {
    expect(quoteIdent('plain_name1')).toBe('plain_name1');
    expect(quoteIdent('Mixed')).toBe('"Mixed"');
    expect(quoteIdent('a"b')).toBe('"a""b"');
    expect(createTableText(LOG)).toBe('CREATE TABLE "Audit Log" (\n  "order" TEXT\n);');
  });
});

describe('dot commands', () => {
  it('recognises dot lines', () => {
    expect(isDotCommand('  .tables')).toBe(true);
    expect(isDotCommand('SELECT .5;')).toBe(false);
  });

  it('.tables lists the tables sorted', () => {
    const { ctx, printed } = context([USERS, LOG]);
    expect(runDotCommand('.tables', ctx)).toBe('continue');
    expect(printed).toEqual(['Audit Log\nusers']);
  });

  it('.schema shows one table or all of them, and complains about unknown ones', () => {
    const { ctx, printed, errors } = context([USERS, LOG]);
    runDotCommand('.schema USERS', ctx);
    expect(printed).toEqual([createTableText(USERS)]);
    runDotCommand('.schema', ctx);
    expect(printed[1]).toBe(`${createTableText(LOG)}\n${createTableText(USERS)}`);
    runDotCommand('.schema nope', ctx);
    expect(errors).toEqual(['Error: no such table: nope']);
  });

  it('lists views with the tables when the database provides them', () => {
    const { ctx, printed } = context([USERS]);
    ctx.views = () => [{ name: 'adults', sql: 'CREATE VIEW adults AS SELECT * FROM users' }];
    runDotCommand('.tables', ctx);
    runDotCommand('.schema adults', ctx);
    expect(printed).toEqual(['adults\nusers', 'CREATE VIEW adults AS SELECT * FROM users;']);
  });

  it('.timing switches timing; .quit quits; unknown commands are errors', () => {
    const { ctx, printed, errors } = context([]);
    runDotCommand('.timing on', ctx);
    expect(ctx.timing).toBe(true);
    runDotCommand('.timing off', ctx);
    expect(ctx.timing).toBe(false);
    expect(printed).toEqual(['Timing is on.', 'Timing is off.']);
    runDotCommand('.timing maybe', ctx);
    expect(runDotCommand('.quit', ctx)).toBe('quit');
    expect(runDotCommand('.frob', ctx)).toBe('continue');
    expect(errors).toEqual(['Usage: .timing on|off', 'Error: unknown command: .frob. Enter ".help" for help.']);
  });

  it('.help names every command', () => {
    const { ctx, printed } = context([]);
    runDotCommand('.help', ctx);
    for (const c of ['.tables', '.schema', '.timing', '.quit', '.help']) expect(printed[0]).toContain(c);
  });
});
