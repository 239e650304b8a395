// A fast, representative part of the sqllogictest corpus on dispatchdb: select1-3 and every
// evidence script (the index/ and random/ scripts run with `npm run slt`). Each file must keep its pass rate at or above the floor it has reached, and
// every failure must be a clean DispatcherError (never a crash or a stray JavaScript error).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dispatchdbEngine } from './engines/dispatchdb.js';
import { defaultSltDir, findScripts, REPO_ROOT } from './paths.js';
import { runFile } from './runner.js';

const SLT_DIR = defaultSltDir();
const API_READY = existsSync(join(REPO_ROOT, 'src/api/database.ts'));

/** Floors of the pass rate (passed / (passed + failed)), set from what dispatchdb achieves. */
// Measured 2026-11-27 (rates rounded down); raise them as the engine improves.
const FLOORS: Readonly<Record<string, number>> = {
  'select1.test': 1,
  'select2.test': 1,
  'select3.test': 1,
  'evidence/in1.test': 1,
  'evidence/in2.test': 1,
  'evidence/slt_lang_aggfunc.test': 1,
  'evidence/slt_lang_createtrigger.test': 1,
  'evidence/slt_lang_createview.test': 1,
  'evidence/slt_lang_dropindex.test': 1,
  'evidence/slt_lang_droptable.test': 1,
  'evidence/slt_lang_droptrigger.test': 1,
  'evidence/slt_lang_dropview.test': 1,
  'evidence/slt_lang_reindex.test': 1,
  'evidence/slt_lang_replace.test': 1,
  'evidence/slt_lang_update.test': 1,
};
/** A script added to the corpus later must at least run. */
const DEFAULT_FLOOR = 0.5;

const FILES = existsSync(SLT_DIR)
  ? ['select1.test', 'select2.test', 'select3.test', ...findScripts(join(SLT_DIR, 'evidence')).map((f) => `evidence/${f.slice(join(SLT_DIR, 'evidence').length + 1)}`)]
  : [];

describe.skipIf(!API_READY || FILES.length === 0)('sqllogictest on dispatchdb', () => {
  for (const name of FILES) {
    describe(name, () => {
      it('keeps its pass rate and fails only with DispatcherErrors', async () => {
        const r = await runFile(join(SLT_DIR, name), dispatchdbEngine, {
          signal: AbortSignal.timeout(60_000),
          maxFailures: 100_000,
        });
        expect(r.stopped).toBeUndefined();
        const ran = r.passed + r.failed;
        const rate = ran === 0 ? 1 : r.passed / ran;
        expect(rate).toBeGreaterThanOrEqual(FLOORS[name] ?? DEFAULT_FLOOR);
        // An engine error reads 'SQLSTATE: message'; anything else escaped as a raw JS error.
        const stray = r.failures.filter((f) => f.error !== undefined && !/^[0-9A-Z]{5}: /.test(f.error));
        expect(stray.map((f) => `${f.line}: ${f.error}`)).toEqual([]);
      });
    });
  }
});
