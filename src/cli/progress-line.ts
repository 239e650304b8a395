// A live status line on stderr for statements that run a while: shown after a short delay, so
// quick statements never flicker, redrawn in place with \r, erased when the statement ends.
import type { Observable, Subscription } from 'rxjs';
import type { Progress } from '../api/types.js';

export interface ProgressTarget {
  write(text: string): boolean;
  readonly columns?: number | undefined;
}

const numberFormat = new Intl.NumberFormat('en-US');

export function formatProgress(p: Pick<Progress, 'phase' | 'rowsExamined' | 'rowsProduced'>, elapsedMs: number): string {
  return (
    `${p.phase}: ${numberFormat.format(p.rowsExamined)} rows examined, ` +
    `${numberFormat.format(p.rowsProduced)} produced, ${(elapsedMs / 1000).toFixed(1)} s (Ctrl-C cancels)`
  );
}

export class ProgressLine {
  readonly #target: ProgressTarget;
  readonly #delayMs: number;
  readonly #intervalMs: number;
  #latest: Progress | undefined;
  #subscription: Subscription | undefined;
  #timer: NodeJS.Timeout | undefined;
  #started = 0;
  #drawn = false;

  constructor(target: ProgressTarget, delayMs = 300, intervalMs = 100) {
    this.#target = target;
    this.#delayMs = delayMs;
    this.#intervalMs = intervalMs;
  }

  start(progress$: Observable<Progress>): void {
    this.stop();
    this.#started = performance.now();
    this.#latest = undefined;
    this.#subscription = progress$.subscribe({
      next: (p) => {
        this.#latest = p;
      },
      error: () => {
        // The statement's own result reports its failure; the progress line just ends.
      },
    });
    this.#timer = setTimeout(() => {
      this.#draw();
      this.#timer = setInterval(() => this.#draw(), this.#intervalMs);
      this.#timer.unref();
    }, this.#delayMs);
    this.#timer.unref();
  }

  #draw(): void {
    const elapsed = performance.now() - this.#started;
    const p = this.#latest ?? { phase: 'executing' as const, rowsExamined: 0, rowsProduced: 0 };
    let line = formatProgress(p, Math.max(elapsed, this.#latest?.elapsedMs ?? 0));
    const width = this.#target.columns;
    if (width !== undefined && width > 1 && line.length >= width) line = line.slice(0, width - 1);
    this.#target.write(`\r\x1b[2K${line}`);
    this.#drawn = true;
  }

  stop(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
    this.#subscription?.unsubscribe();
    this.#subscription = undefined;
    if (this.#drawn) {
      this.#target.write('\r\x1b[2K');
      this.#drawn = false;
    }
  }
}
