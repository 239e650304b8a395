// Runs multi-session scripts, one line per step: `A: <sql> => <expectation>`.
// Expectations: ok | rows <json> | error <SQLSTATE> | blocks (still running after BLOCK_MS) |
// and a line `A: <wait> => ...` waits for A's blocked statement and checks how it ended.
import { expect } from 'vitest';
import { Database } from '../../src/api/database.js';
import { DispatcherError } from '../../src/api/errors.js';
import type { Session } from '../../src/api/session.js';
import type { QueryResult } from '../../src/api/types.js';

const BLOCK_MS = 150;

type Outcome = { readonly ok: true; readonly result: QueryResult } | { readonly ok: false; readonly error: DispatcherError };

function settle(p: Promise<QueryResult>): Promise<Outcome> {
  return p.then(
    (result) => ({ ok: true as const, result }),
    (error: unknown) => ({ ok: false as const, error: error as DispatcherError }),
  );
}

function check(line: string, outcome: Outcome, expectation: string): void {
  if (expectation === 'ok') {
    expect(outcome.ok, `${line}: ${outcome.ok ? '' : outcome.error.message}`).toBe(true);
  } else if (expectation.startsWith('rows ')) {
    expect(outcome.ok, `${line}: ${outcome.ok ? '' : outcome.error.message}`).toBe(true);
    if (outcome.ok) expect(outcome.result.rows, line).toEqual(JSON.parse(expectation.slice(5)));
  } else if (expectation.startsWith('error ')) {
    expect(outcome.ok, `${line} should fail`).toBe(false);
    if (!outcome.ok) {
      expect(outcome.error, line).toBeInstanceOf(DispatcherError);
      expect(outcome.error.sqlState, `${line}: ${outcome.error.message}`).toBe(expectation.slice(6).trim());
    }
  } else if (expectation.startsWith('tag ')) {
    expect(outcome.ok && outcome.result.command, line).toBe(expectation.slice(4).trim());
  } else {
    throw new Error(`unknown expectation ${expectation}`);
  }
}

export async function runScript(script: string, setup: readonly string[] = []): Promise<Database> {
  const db = await Database.open(':memory:');
  const admin = await db.connect();
  for (const s of setup) await admin.execute(s);
  const sessions = new Map<string, Session>();
  const pending = new Map<string, Promise<Outcome>>();
  try {
    for (const raw of script.split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('--')) continue;
      const m = /^(\w+):\s*(.*?)\s*=>\s*(.*)$/.exec(line);
      if (m === null) throw new Error(`bad script line: ${line}`);
      const [, who, sql, expectation] = m as unknown as [string, string, string, string];
      let s = sessions.get(who);
      if (s === undefined) {
        s = await db.connect();
        sessions.set(who, s);
      }
      if (sql === '<wait>') {
        const p = pending.get(who);
        if (p === undefined) throw new Error(`${who} has nothing blocked: ${line}`);
        pending.delete(who);
        check(line, await p, expectation);
        continue;
      }
      const p = settle(s.execute(sql));
      const raced = await Promise.race([p, new Promise<'blocked'>((r) => setTimeout(() => r('blocked'), BLOCK_MS))]);
      if (expectation === 'blocks') {
        expect(raced, `${line} should block`).toBe('blocked');
        pending.set(who, p);
      } else {
        expect(raced, `${line} blocked`).not.toBe('blocked');
        check(line, raced as Outcome, expectation);
      }
    }
    expect([...pending.keys()], 'statements still blocked at the end').toEqual([]);
  } finally {
    for (const s of sessions.values()) await s.close();
    await admin.close();
  }
  return db;
}
