// The slow-query log: one JSON line (pino) per statement slower than the threshold, with its text,
// time, rows and plan. Lines go to a file written synchronously (a slow statement is rare, and a
// line read right after the statement must be there), rotated by size: when the file would pass
// maxBytes it becomes .1 (.1 becomes .2, … up to keep files) and a fresh file is opened.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Logger, pino as PinoFactory } from 'pino';

/**
 * pino, loaded the first time a log is opened: the log is opt-in, and loading pino with the
 * library cost every database ~2.5 MB of memory (measured after a 100k-row load) it never used.
 */
let pinoFactory: typeof PinoFactory | undefined;
function loadPino(): typeof PinoFactory {
  pinoFactory ??= (createRequire(import.meta.url)('pino') as { pino: typeof PinoFactory }).pino;
  return pinoFactory;
}

export interface SlowQueryEntry {
  readonly queryId: number;
  readonly sessionId: number;
  readonly kind: string;
  readonly text: string;
  readonly shape: string;
  readonly timeMs: number;
  readonly rowsAffected: number;
  readonly rowsProduced: number;
  readonly rowsExamined: number;
  readonly lockWaitMs: number;
  /** Plan summary (CompiledStatement.explain() lines) when the coordinator supplied it. */
  readonly plan: readonly string[] | undefined;
  /** False for lines written only because enable_query_logging is on. */
  readonly slow: boolean;
}

export interface SlowQueryLogOptions {
  readonly path: string;
  readonly maxBytes: number;
  /** Rotated files kept (.1 … .keep). */
  readonly keep: number;
}

/** A size-rotated append-only file that pino writes its lines into. */
class RotatingFile {
  readonly #path: string;
  readonly #maxBytes: number;
  readonly #keep: number;
  #fd: number;
  #size: number;
  rotations = 0;

  constructor(o: SlowQueryLogOptions) {
    this.#path = o.path;
    this.#maxBytes = o.maxBytes;
    this.#keep = o.keep;
    mkdirSync(dirname(o.path), { recursive: true });
    this.#fd = openSync(o.path, 'a');
    this.#size = fstatSync(this.#fd).size;
  }

  /** pino's destination contract: one complete line per call. */
  write(line: string): void {
    const bytes = Buffer.byteLength(line);
    if (this.#size > 0 && this.#size + bytes > this.#maxBytes) this.#rotate();
    writeSync(this.#fd, line);
    this.#size += bytes;
  }

  #rotate(): void {
    closeSync(this.#fd);
    const p = this.#path;
    if (existsSync(`${p}.${this.#keep}`)) rmSync(`${p}.${this.#keep}`, { force: true });
    for (let i = this.#keep - 1; i >= 1; i--) {
      if (existsSync(`${p}.${i}`)) renameSync(`${p}.${i}`, `${p}.${i + 1}`);
    }
    renameSync(p, `${p}.1`);
    this.#fd = openSync(p, 'a');
    this.#size = 0;
    this.rotations++;
  }

  close(): void {
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
  }
}

export class SlowQueryLog {
  readonly #file: RotatingFile;
  readonly #logger: Logger;
  written = 0;

  constructor(options: SlowQueryLogOptions) {
    this.#file = new RotatingFile(options);
    const pino = loadPino();
    this.#logger = pino(
      {
        base: null,
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
      },
      this.#file,
    );
  }

  get rotations(): number {
    return this.#file.rotations;
  }

  log(e: SlowQueryEntry): void {
    this.written++;
    const fields = {
      queryId: e.queryId,
      sessionId: e.sessionId,
      kind: e.kind,
      text: e.text,
      shape: e.shape,
      timeMs: Math.round(e.timeMs * 1000) / 1000,
      rowsAffected: e.rowsAffected,
      rowsProduced: e.rowsProduced,
      rowsExamined: e.rowsExamined,
      lockWaitMs: e.lockWaitMs,
      ...(e.plan !== undefined ? { plan: e.plan } : {}),
    };
    if (e.slow) this.#logger.warn(fields, 'slow query');
    else this.#logger.info(fields, 'query');
  }

  close(): void {
    this.#file.close();
  }
}
