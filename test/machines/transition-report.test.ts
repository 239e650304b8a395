// machines/TRANSITIONS.md must be what the machines say now.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderTransitionReport } from '../../machines/transition-report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

describe('transition report', () => {
  it('is up to date (run npm run machines:report after changing a machine)', () => {
    const onDisk = readFileSync(join(root, 'machines', 'TRANSITIONS.md'), 'utf8');
    expect(onDisk).toBe(renderTransitionReport());
  });

  it('lists every state × event pair of every machine', () => {
    const report = renderTransitionReport();
    expect(report).toContain('| **executing** |');
    expect(report).toContain('→ cancelled (discardStatement)');
    expect(report).toContain('| **aborted** |');
    expect(report).toContain('rejectInAbortedTxn');
    expect(report).not.toContain('| ? |');
  });
});
