import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Progress } from '../../src/api/types.js';
import { formatProgress, ProgressLine } from '../../src/cli/progress-line.js';

describe('ProgressLine', () => {
  it('formats rows examined and produced', () => {
    expect(formatProgress({ phase: 'executing', rowsExamined: 1234567, rowsProduced: 3 }, 2500)).toBe(
      'executing: 1,234,567 rows examined, 3 produced, 2.5 s (Ctrl-C cancels)',
    );
  });

  it('draws only after the delay, shows the latest progress, and erases itself', async () => {
    const written: string[] = [];
    const line = new ProgressLine({ write: (t) => written.push(t) > 0, columns: 200 }, 30, 10);
    const progress$ = new Subject<Progress>();
    line.start(progress$);
    progress$.next({ queryId: '1', phase: 'executing', rowsExamined: 42, rowsProduced: 7, elapsedMs: 1 });
    expect(written).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    expect(written.length).toBeGreaterThan(0);
    expect(written.at(-1)).toMatch(/^\r\x1b\[2Kexecuting: 42 rows examined, 7 produced/);
    line.stop();
    expect(written.at(-1)).toBe('\r\x1b[2K');
    const count = written.length;
    await new Promise((r) => setTimeout(r, 30));
    expect(written.length).toBe(count);
  });

  it('writes nothing for a statement that ends before the delay', () => {
    const written: string[] = [];
    const line = new ProgressLine({ write: (t) => written.push(t) > 0 }, 1000);
    line.start(new Subject<Progress>());
    line.stop();
    expect(written).toEqual([]);
  });
});
