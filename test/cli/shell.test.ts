import { Subject } from 'rxjs';
import { EMPTY } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { canceled, DispatcherError, SqlState } from '../../src/api/errors.js';
import type { ArrayRow, Progress, QueryHandle, QueryResult } from '../../src/api/types.js';
import { Shell } from '../../src/cli/shell.js';
import type { ShellSession } from '../../src/cli/statement-runner.js';
import { StatementRunner } from '../../src/cli/statement-runner.js';

const METRICS = {} as QueryResult['metrics'];

/** A session that answers from a function of the SQL, or hangs until cancelled for 'SLOW'. */
class FakeSession implements ShellSession {
  readonly seen: string[] = [];
  readonly progress = new Subject<Progress>();

  query(sql: string): QueryHandle<ArrayRow> {
    this.seen.push(sql);
    let cancel = (): void => {};
    const result = new Promise<QueryResult<ArrayRow>>((resolve, reject) => {
      if (sql === 'SLOW') {
        cancel = () => reject(canceled());
        return;
      }
      if (sql.startsWith('BAD')) {
        reject(new DispatcherError(SqlState.SyntaxError, 'syntax error at or near "BAD"', { position: 1 }));
        return;
      }
      if (sql.startsWith('INSERT')) {
        resolve({ command: 'INSERT', columns: [], rows: [], rowsAffected: 2, metrics: METRICS });
        return;
      }
      resolve({ command: 'SELECT', columns: [{ name: 'n', type: 'integer' }], rows: [[1]], rowsAffected: 1, metrics: METRICS });
    });
    return { id: '1', rows$: EMPTY, progress$: this.progress, result, cancel: () => cancel() };
  }
}

function setup(stopOnError = false) {
  const session = new FakeSession();
  const out: string[] = [];
  const err: string[] = [];
  const output = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
  const runner = new StatementRunner(session, output, false);
  const shell = new Shell({ runner, tables: () => [], output, stopOnError });
  return { session, out, err, runner, shell };
}

describe('Shell', () => {
  it('runs statements as semicolons complete them and prints tables and tags', async () => {
    const { session, out, shell } = setup();
    expect(await shell.line('SELECT 1; INSERT INTO t')).toBe('continue');
    expect(shell.pending).toBe(true);
    await shell.line("VALUES (1), (2);");
    expect(session.seen).toEqual(['SELECT 1', 'INSERT INTO t\nVALUES (1), (2)']);
    expect(out).toEqual([' n\n---\n 1\n(1 row)\n', 'INSERT 0 2']);
  });

  it('prints errors with their SQLSTATE and counts failures; --bail stops', async () => {
    const a = setup();
    await a.shell.line('BAD; SELECT 1;');
    expect(a.err).toEqual(['ERROR:  syntax error at or near "BAD"\nLINE 1: BAD\n        ^\nSQLSTATE: 42601']);
    expect(a.shell.failures).toBe(1);
    expect(a.session.seen).toEqual(['BAD', 'SELECT 1']);
    const b = setup(true);
    expect(await b.shell.line('BAD; SELECT 1;')).toBe('failed');
    expect(b.session.seen).toEqual(['BAD']);
  });

  it('runs dot commands only outside a statement, and an unterminated statement at the end', async () => {
    const { session, out, shell, runner } = setup();
    await shell.line('.timing on');
    expect(runner.timing).toBe(true);
    await shell.line('SELECT');
    await shell.line('.5');
    expect(await shell.finish()).toBe('continue');
    expect(session.seen).toEqual(['SELECT\n.5']);
    expect(out[0]).toBe('Timing is on.');
    expect(out.at(-1)).toMatch(/^Time: \d+\.\d{3} ms$/);
    expect(await shell.line('.quit')).toBe('quit');
  });

  it('cancels the running statement and keeps going', async () => {
    const { err, runner, shell } = setup();
    const running = shell.line('SLOW;');
    await new Promise((r) => setTimeout(r, 10));
    expect(runner.running).toBe(true);
    expect(runner.cancel()).toBe(true);
    await running;
    expect(runner.running).toBe(false);
    expect(runner.cancel()).toBe(false);
    expect(err[0]).toContain('canceling statement due to user request');
    expect(err[0]).toContain('SQLSTATE: 57014');
  });

  it('-c text runs every statement including a last one without a semicolon', async () => {
    const { session, shell } = setup();
    await shell.text('SELECT 1; SELECT 2');
    expect(session.seen).toEqual(['SELECT 1', 'SELECT 2']);
  });
});
