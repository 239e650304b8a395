// A query being run: its operator tree opened on the execution's frame, stepped in bounded slices.
// One object per execution (no closures and no wrapper), which puts the statement text on the
// errors it raises itself once the top level asks it to (what TextedExecution does for the other
// kinds of statement).
import { LockWaitSignal, toDispatcherError } from '../api/errors.js';
import type { Row } from '../storage/ports.js';
import { newRootState, type Frame, type Op, type PlanNode } from './runtime.js';
import { keepShape } from './shape-keeper.js';
import type { ExecContext, Execution } from './types.js';

/** Work units (rows read or compared) one step() may spend before it returns. */
const STEP_BUDGET = 2000;

export class QueryExecution implements Execution {
  readonly #ctx: ExecContext;
  readonly #f: Frame;
  #op: Op | null;
  /** The statement text errors carry; null inside another statement (its own wrapper adds it). */
  #text: string | null = null;

  constructor(node: PlanNode, ctx: ExecContext) {
    this.#ctx = ctx;
    const f: Frame = { ctx, params: ctx.params, outer: null, up: null, root: newRootState() };
    this.#f = f;
    this.#op = node.open(f);
  }

  get rowsAffected(): number {
    return 0;
  }

  /** Errors raised from now on carry `text` and are DispatcherErrors; returns this execution. */
  withText(text: string): this {
    this.#text = text;
    return this;
  }

  step(): Row[] | null {
    const op = this.#op;
    if (op === null) return null;
    if (this.#text === null) return this.#slice(op);
    try {
      return this.#slice(op);
    } catch (e) {
      this.close();
      // A row lock to wait for is control flow for the coordinator, not a failure.
      if (e instanceof LockWaitSignal) throw e;
      throw toDispatcherError(e, this.#text);
    }
  }

  #slice(op: Op): Row[] | null {
    const ctx = this.#ctx;
    const root = this.#f.root;
    const start = root.work;
    // The first batch is copied at its size (most queries produce one), later ones appended.
    let out: Row[] | null = null;
    for (;;) {
      ctx.checkInterrupt();
      const b = op.next();
      if (b === null) {
        op.close();
        this.#op = null;
        root.end();
        if (out === null || out.length === 0) return null;
        ctx.counters.rowsProduced += out.length;
        return out;
      }
      if (out === null) out = b.slice();
      else for (let i = 0; i < b.length; i++) out.push(b[i]!);
      if (root.work - start >= STEP_BUDGET || out.length >= 1000) {
        ctx.counters.rowsProduced += out.length;
        return out;
      }
    }
  }

  close(): void {
    const op = this.#op;
    this.#op = null;
    op?.close();
    this.#f.root.end();
  }
}

/** A query with no rows, kept so that V8 keeps the class's map (see shape-keeper.ts). */
keepShape(
  new QueryExecution(
    { open: () => ({ next: () => null, close: () => {} }), explain: () => {} },
    { view: null as never, params: [], counters: { rowsExamined: 0, rowsProduced: 0, indexesUsed: new Set() }, checkInterrupt: () => {} },
  ).withText(''),
);
