// The instances kept by shape-keeper.ts must share the hidden class (map) of the instances the
// engine makes while running statements: a kept instance with another map would keep nothing
// alive that matters. Checked with V8's own %HaveSameMap.
import { setFlagsFromString } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunningStatement } from '../../actors/coordinators/running-statement.js';
import { Database } from '../../src/api/database.js';
import { PreparedStatement } from '../../src/api/prepared-statement.js';
import { QueryRun } from '../../src/api/query-run.js';
import type { ExecContext } from '../../src/execution/types.js';
import { newRootState } from '../../src/execution/runtime.js';
import { PhasedExecution } from '../../src/execution/phased-execution.js';
import type { Frame } from '../../src/execution/runtime.js';
import { UpdateSource } from '../../src/execution/update-source.js';
import type { Row } from '../../src/storage/ports.js';
import { keptShapes } from '../../src/execution/shape-keeper.js';
import { TestDb } from './harness.js';

setFlagsFromString('--allow-natives-syntax');
// Compiled after the flag: the natives syntax is read when this source is parsed.
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

let db: TestDb;

beforeAll(async () => {
  db = await TestDb.open();
  await db.run('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  await db.run("INSERT INTO t VALUES (1, 'a'), (2, 'b')");
});

afterAll(() => {
  db.engine.close();
});

function keptOf(cls: abstract new (...args: never[]) => object): object {
  const k = keptShapes().find((o) => o.constructor === cls);
  if (k === undefined) throw new Error(`no kept instance of ${cls.name}`);
  return k;
}

describe('kept per-statement shapes', () => {
  it('the root state of an execution', () => {
    const real = newRootState();
    real.work += 5;
    const k = keptShapes().find((o) => o.constructor === real.constructor)!;
    expect(k).toBeDefined();
    expect(sameMap(k, real)).toBe(true);
  });

  it('the execution a compiled statement starts, after it ran', () => {
    const { compiled, params } = db.compile('SELECT v FROM t WHERE id = $1', [2]);
    const view = db.engine.snapshot();
    try {
      const ctx: ExecContext = { view, params, counters: { rowsExamined: 0, rowsProduced: 0, indexesUsed: new Set() }, checkInterrupt: () => {} };
      const ex = compiled.start(ctx);
      expect(ex.step()).toEqual([['b']]);
      ex.close();
      expect(sameMap(keptOf(ex.constructor as never), ex)).toBe(true);
    } finally {
      view.release();
    }
  });

  it("an UPDATE's collecting op, after it ran", () => {
    // A collected row: the table's columns, then its key (an array), as the scan hands it over.
    const rows = [[[1, 'a', [1]] as unknown as Row]];
    const src = new UpdateSource({ open: () => ({ next: () => rows.shift() ?? null, close: () => {} }), explain: () => {} }, [{ col: 1, ev: () => 'z' }], 2, false);
    const frame = { ctx: {}, params: [], outer: null, up: null, root: newRootState() } as unknown as Frame;
    const op = src.open(frame);
    expect(op.next()).toEqual([[1, 'a', [1], 'z']]);
    expect(op.next()).toBeNull();
    op.close();
    const k = keptShapes().find((o) => o.constructor === op.constructor);
    expect(k).toBeDefined();
    expect(sameMap(k!, op)).toBe(true);
  });

  it('the execution of a data change, after it ran', () => {
    const { compiled, params } = db.compile("UPDATE t SET v = 'c' WHERE id = $1", [1]);
    const txn = db.engine.begin();
    try {
      const ctx: ExecContext = { view: txn, params, counters: { rowsExamined: 0, rowsProduced: 0, indexesUsed: new Set() }, checkInterrupt: () => {} };
      const ex = compiled.start(ctx);
      while (ex.step() !== null);
      expect(ex.rowsAffected).toBe(1);
      ex.close();
      expect(sameMap(keptOf(ex.constructor as never), ex)).toBe(true);
    } finally {
      txn.rollback();
    }
  });

  it('the phased execution of INSERT, UPDATE and DELETE, after it wrote', () => {
    const txn = db.engine.begin();
    try {
      const ctx: ExecContext = { view: txn, params: [], counters: { rowsExamined: 0, rowsProduced: 0, indexesUsed: new Set() }, checkInterrupt: () => {} };
      const rows: Row[][] = [[[7, 'x'], [8, 'y']]];
      let finished = 0;
      const ex = new PhasedExecution(
        ctx,
        { open: () => ({ next: () => rows.shift() ?? null, close: () => {} }) },
        (batch, from, to) => {
          for (let i = from; i < to; i++) txn.insert('t', batch[i]!);
        },
        () => finished++,
      );
      while (ex.step() !== null);
      ex.close();
      expect(ex.rowsAffected).toBe(2);
      expect(finished).toBe(1);
      expect(txn.getRow('t', [8])).toEqual([8, 'y']);
      expect(sameMap(keptOf(PhasedExecution), ex)).toBe(true);
    } finally {
      txn.rollback();
    }
  });

  it('a prepared statement, after it ran', async () => {
    const d = await Database.open(':memory:');
    try {
      const s = await d.connect();
      const p = await s.prepare('SELECT $1::integer + 1');
      expect((await p.execute([41])).rows).toEqual([[42]]);
      expect(p).toBeInstanceOf(PreparedStatement);
      expect(sameMap(keptOf(PreparedStatement), p)).toBe(true);
    } finally {
      await d.close();
    }
  });

  it("a request's run and a coordinator's running statement", () => {
    class Owner {
      cancelQuery(): void {}
      releaseQuery(): void {}
    }
    const run = new QueryRun(7, 'SELECT 1', 'object', false, new Owner());
    expect(sameMap(keptOf(QueryRun), run)).toBe(true);
    const rs = new RunningStatement(
      { type: 'Run', queryId: 3, statement: {} as never, params: [1], context: {} as never, rowsTo: 1, replyTo: 2, sentAt: performance.now(), deadline: Infinity },
      { router: {} as never, storage: db.engine, onEnd: () => {} },
    );
    rs.rowsExamined += 3;
    expect(sameMap(keptOf(RunningStatement), rs)).toBe(true);
    // The check itself tells maps apart.
    expect(sameMap(keptOf(QueryRun), rs)).toBe(false);
    expect(sameMap(run, { ...run })).toBe(false);
  });
});
