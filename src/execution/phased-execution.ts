// The execution of a data change: it collects its target (or source) rows completely before
// writing, so a statement never sees its own writes (no Halloween problem), then writes them in
// bounded slices. A class rather than an object of closures made per statement: its methods are
// one pair of functions for every statement (one feedback, one compiled copy; the closures were
// compiled again and again), and a statement allocates one object instead of three.
import type { Row } from '../storage/ports.js';
import { newRootState, type Frame, type Op } from './runtime.js';
import { keepShape } from './shape-keeper.js';
import type { ExecContext, Execution } from './types.js';

const WRITE_SLICE = 500;

/** What a statement collects from: a plan node, or anything else that opens an op on a frame. */
export interface OpSource {
  open(f: Frame): Op;
}

/** Writes rows[from, to); returns the rows affected when not all of them were. */
export type SliceWriter = (rows: Row[], from: number, to: number, out: Row[], f: Frame) => number | void;

/** The frame a statement's top-level expressions evaluate in. */
function rootFrame(ctx: ExecContext): Frame {
  return { ctx, params: ctx.params, outer: null, up: null, root: newRootState() };
}

/** Runs the collecting op to the end in bounded steps, then `write` in slices, then `finish`. */
export class PhasedExecution implements Execution {
  // A plain field, not a getter (object literals with accessors were allocated outside the young
  // generation, dragging what they referenced into old space).
  rowsAffected = 0;
  readonly #ctx: ExecContext;
  readonly #f: Frame;
  #op: Op | null;
  readonly #write: SliceWriter;
  /** End-of-statement work (foreign key actions and checks). */
  readonly #finish: (() => void) | null;
  readonly #collected: Row[] = [];
  #writing = false;
  #pos = 0;
  #done = false;

  constructor(ctx: ExecContext, source: OpSource, write: SliceWriter, finish: (() => void) | null) {
    this.#ctx = ctx;
    this.#f = rootFrame(ctx);
    this.#write = write;
    this.#finish = finish;
    this.#op = source.open(this.#f);
  }

  step(): Row[] | null {
    if (this.#done) return null;
    this.#ctx.checkInterrupt();
    const f = this.#f;
    if (!this.#writing) {
      const collected = this.#collected;
      const start = f.root.work;
      while (f.root.work - start < 2000) {
        const b = this.#op!.next();
        if (b === null) {
          this.#op!.close();
          this.#op = null;
          this.#writing = true;
          break;
        }
        for (let i = 0; i < b.length; i++) collected.push(b[i]!);
        f.root.work += b.length;
      }
      return [];
    }
    const collected = this.#collected;
    const out: Row[] = [];
    const pos = this.#pos;
    const end = Math.min(collected.length, pos + WRITE_SLICE);
    const n = this.#write(collected, pos, end, out, f);
    this.rowsAffected += typeof n === 'number' ? n : end - pos;
    this.#pos = end;
    if (end >= collected.length) {
      if (this.#finish !== null) this.#finish();
      this.#done = true;
    }
    this.#ctx.counters.rowsProduced += out.length;
    return out;
  }

  close(): void {
    this.#op?.close();
    this.#op = null;
    this.#done = true;
  }
}

/**
 * An idle execution, kept so that V8 keeps the class's map (see shape-keeper.ts), with the field
 * kinds a statement's has: rows collected and written, and a finish callback or none (a table
 * without constraints has none): the second instance leaves the field's type general from the start.
 */
const idleCtx = { params: [], counters: { rowsExamined: 0, rowsProduced: 0, indexesUsed: new Set() }, checkInterrupt: () => {} } as unknown as ExecContext;
keepShape(new PhasedExecution(idleCtx, { open: () => ({ next: () => null, close: () => {} }) }, () => 0, null));
const idle = new PhasedExecution(
  idleCtx,
  { open: () => ({ next: () => null, close: () => {} }) },
  () => 0,
  () => {},
);
while (idle.step() !== null);
keepShape(idle);
