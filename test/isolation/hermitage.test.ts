// Hermitage's anomaly scripts on dispatchdb, one test per case × level: at every level, every
// anomaly PostgreSQL prevents must be prevented, and no case may hang. Cases listed in
// known-gaps.ts are expected to fail for now (it.fails). Prints the case × level table; with
// DISPATCHDB_HERMITAGE_REPORT=1 also writes it to test/isolation/hermitage-report.md.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { hermitagePath, LEVEL_KEYS, loadHermitage } from './hermitage-cases.js';
import { markdownReport, textTable } from './hermitage-report.js';
import { runCase, traceOf, type CaseRun } from './hermitage-runner.js';
import { HERMITAGE_KNOWN_GAPS } from './known-gaps.js';

const FILE = loadHermitage();
// Hard cap per case: ten times block_ms; a statement that is legitimately blocked ends within
// milliseconds of the commit it waits for.
const CAP_MS = 3000;
const runs: CaseRun[] = [];

if (FILE === null) console.warn(`hermitage: ${hermitagePath()} not found, suite skipped`);

describe.skipIf(FILE === null)('Hermitage isolation cases', () => {
  // The callback still runs (to collect) when the suite is skipped.
  if (FILE === null) return;
  const file = FILE;
  const known = new Set(HERMITAGE_KNOWN_GAPS);

  it('known-gaps names only cases and levels that exist', () => {
    const ids = new Set(file.cases.flatMap((c) => LEVEL_KEYS.map((l) => `${c.id}/${l}`)));
    expect(HERMITAGE_KNOWN_GAPS.filter((g) => !ids.has(g))).toEqual([]);
  });

  for (const c of file.cases) {
    for (const level of LEVEL_KEYS) {
      const id = `${c.id}/${level}`;
      const pg = c.postgres[level];
      const title = `${id}: ${c.name} — ${pg === 'prevented' ? 'prevented' : 'no hang (PostgreSQL allows the anomaly)'}`;
      const body = async (): Promise<void> => {
        const run = await runCase(file, c, level, { blockMs: file.block_ms, capMs: CAP_MS });
        runs.push(run);
        const trace = `${id}\n${traceOf(file, c, run)}`;
        expect(run.hung, `hung (cap ${CAP_MS} ms)\n${trace}`).toBe(false);
        expect(run.problems, trace).toEqual([]);
        if (pg === 'prevented') expect(run.anomaly, `anomaly ${JSON.stringify(c.anomaly)} happened\n${trace}`).toBe(false);
      };
      if (known.has(id)) it.fails(`${title} [known gap]`, body);
      else it(title, body);
    }
  }

  afterAll(() => {
    if (runs.length === 0) return;
    console.log(`Hermitage case × level on dispatchdb\n${textTable(file, runs)}`);
    if (process.env['DISPATCHDB_HERMITAGE_REPORT'] === '1') {
      const out = join(dirname(fileURLToPath(import.meta.url)), 'hermitage-report.md');
      writeFileSync(out, markdownReport(file, runs, 'DISPATCHDB_HERMITAGE_REPORT=1 npx vitest run test/isolation/hermitage.test.ts'));
      console.log(`wrote ${out}`);
    }
  });
});
