// A minimal driver for execution tests: analyser + in-memory storage + compileStatement, with one
// write transaction per statement (committed on success, rolled back on error). No actors.
import { Analyzer } from '../../src/analysis/analyzer.js';
import { DispatcherError, canceled } from '../../src/api/errors.js';
import { compileStatement } from '../../src/execution/compile.js';
import type { CompiledStatement, ExecCounters, ParamType } from '../../src/execution/types.js';
import { openStorage } from '../../src/storage/engine.js';
import type { Row, SqlValue, StorageEngine } from '../../src/storage/ports.js';

export interface RunResult {
  readonly rows: Row[];
  readonly columns: { name: string; type: string }[];
  readonly rowsAffected: number;
  readonly counters: ExecCounters;
  readonly compiled: CompiledStatement;
  /** Rows returned by each step() call, in order (resumability checks). */
  readonly steps: number[];
  /** rowsExamined during each step() call. */
  readonly examinedPerStep: number[];
}

export class TestDb {
  readonly engine: StorageEngine;
  readonly #analyzer = new Analyzer({ cacheSize: 0, rejectUnimplemented: false });

  private constructor(engine: StorageEngine) {
    this.engine = engine;
  }

  static async open(): Promise<TestDb> {
    return new TestDb(await openStorage(':memory:', { durable: false }));
  }

  /** Compiles the (single) statement against the latest committed state. */
  compile(sql: string, userParams: readonly SqlValue[] = []): { compiled: CompiledStatement; params: SqlValue[] } {
    const [st] = this.#analyzer.analyze(sql);
    if (st === undefined) throw new Error('no statement');
    const txn = this.engine.snapshot();
    try {
      const types: ParamType[] = [
        ...userParams.map(() => undefined),
        ...st.liftedTypes.map((t) => (t === 'null' ? undefined : t)),
      ];
      const compiled = compileStatement(st.ast, st.kind, txn, types, st.text);
      return { compiled, params: [...userParams, ...st.liftedParams] };
    } finally {
      txn.release();
    }
  }

  async run(sql: string, userParams: readonly SqlValue[] = [], opts: { cancelAfterSteps?: number } = {}): Promise<RunResult> {
    const stmts = this.#analyzer.analyze(sql);
    let last: RunResult | undefined;
    for (const st of stmts) {
      const txn = this.engine.begin();
      try {
        const types: ParamType[] = [
          ...userParams.map(() => undefined),
          ...st.liftedTypes.map((t) => (t === 'null' ? undefined : t)),
        ];
        const compiled = compileStatement(st.ast, st.kind, txn, types, st.text);
        const counters: ExecCounters = { rowsExamined: 0, rowsProduced: 0, indexesUsed: new Set() };
        let stepCount = 0;
        let cancelled = false;
        const ex = compiled.start({
          view: txn,
          params: [...userParams, ...st.liftedParams],
          counters,
          checkInterrupt: () => {
            if (cancelled) throw canceled();
          },
        });
        const rows: Row[] = [];
        const steps: number[] = [];
        const examinedPerStep: number[] = [];
        for (;;) {
          const before = counters.rowsExamined;
          const b = ex.step();
          examinedPerStep.push(counters.rowsExamined - before);
          if (b === null) break;
          steps.push(b.length);
          rows.push(...b);
          stepCount++;
          if (opts.cancelAfterSteps !== undefined && stepCount >= opts.cancelAfterSteps) cancelled = true;
        }
        ex.close();
        if (compiled.writes) await txn.commit();
        else txn.rollback();
        last = {
          rows,
          columns: compiled.columns.map((c) => ({ name: c.name, type: c.type })),
          rowsAffected: ex.rowsAffected,
          counters,
          compiled,
          steps,
          examinedPerStep,
        };
      } catch (e) {
        txn.rollback();
        throw e;
      }
    }
    if (last === undefined) throw new Error('no statement');
    return last;
  }

  async rows(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    return (await this.run(sql, params)).rows;
  }

  /** The SQLSTATE of the error the statement raises, or 'ok'. */
  async state(sql: string, params: readonly SqlValue[] = []): Promise<string> {
    try {
      await this.run(sql, params);
      return 'ok';
    } catch (e) {
      if (e instanceof DispatcherError) return e.sqlState;
      throw e;
    }
  }

  /** 'ok' when `sql` runs, else the SQLSTATE it failed with. */
  async outcome(sql: string): Promise<string> {
    try {
      await this.run(sql);
      return 'ok';
    } catch (e) {
      return (e as { sqlState?: string }).sqlState ?? String(e);
    }
  }

  async close(): Promise<void> {
    await this.engine.close();
  }
}
