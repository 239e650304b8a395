// `npm run slt -- [options] [files or folders]`: runs sqllogictest scripts, each on a fresh
// database in its own worker thread, and prints a per-file table ending with
// `N passed, N failed, N skipped`.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { EngineName } from './engine.js';
import { ENGINE_NAMES, isEngineName, loadEngine } from './engine.js';
import { runFileIsolated } from './isolated.js';
import { defaultSltDir, findScripts } from './paths.js';
import type { FileRow } from './report.js';
import { formatFailure, formatTable, summaryLine, totals } from './report.js';
import type { ScriptReport } from './runner.js';
import { runFile } from './runner.js';

const USAGE = `usage: npm run slt -- [options] [files or folders]

With no files, runs every *.test under $DISPATCHDB_SLT_DIR (default ../shared/sqllogictest
next to the repository).

options:
  --engine <name>            ${ENGINE_NAMES.join(' | ')} (default dispatchdb)
  -v, --verbose              print the failing records (line, SQL, expected, got, error)
  --show <n>                 failures printed per file with --verbose (default 20)
  --timeout-s <s>            per-file timeout in seconds (default 120)
  --statement-timeout-ms <n> per-statement timeout passed to the engine
  --file-db                  run on a database file in a temporary folder, not ':memory:'
  -j, --jobs <n>             files run in parallel (default 1)
  --in-process               no worker threads (the timeout then cannot stop a busy loop)
  -h, --help                 this text`;

/** Arguments name files or folders, relative to the cwd or else to the corpus folder. */
function resolveTargets(args: readonly string[], sltDir: string): string[] {
  if (args.length === 0) return findScripts(sltDir);
  const files: string[] = [];
  for (const arg of args) {
    const candidates = [resolve(arg), resolve(sltDir, arg)];
    const found = candidates.find((p) => existsSync(p));
    if (found === undefined) throw new Error(`no such file or folder: ${arg}`);
    if (statSync(found).isDirectory()) files.push(...findScripts(found));
    else files.push(found);
  }
  return files;
}

function displayName(file: string, sltDir: string): string {
  const rel = relative(sltDir, file);
  return rel.startsWith('..') ? relative(process.cwd(), file) : rel;
}

function positiveNumber(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number, got '${value}'`);
  return n;
}

async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      engine: { type: 'string', default: 'dispatchdb' },
      verbose: { type: 'boolean', short: 'v', default: false },
      show: { type: 'string' },
      'timeout-s': { type: 'string' },
      'statement-timeout-ms': { type: 'string' },
      'file-db': { type: 'boolean', default: false },
      jobs: { type: 'string', short: 'j' },
      'in-process': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const engine = values.engine;
  if (!isEngineName(engine)) throw new Error(`unknown engine '${engine}' (${ENGINE_NAMES.join(', ')})`);
  const timeoutMs = positiveNumber(values['timeout-s'], 120, 'timeout-s') * 1000;
  const show = positiveNumber(values.show, 20, 'show');
  const jobs = Math.floor(positiveNumber(values.jobs, 1, 'jobs'));
  const stmtTimeout = values['statement-timeout-ms'];
  const statementTimeoutMs =
    stmtTimeout === undefined ? undefined : positiveNumber(stmtTimeout, 0, 'statement-timeout-ms');

  const sltDir = defaultSltDir();
  const files = resolveTargets(positionals, sltDir);
  if (files.length === 0) throw new Error(`no *.test files found (${positionals.join(' ') || sltDir})`);

  const tempDir = values['file-db'] ? mkdtempSync(join(tmpdir(), 'dispatchdb-slt-')) : undefined;
  const runOne = async (file: string, index: number): Promise<ScriptReport> => {
    const dbPath = tempDir === undefined ? undefined : join(tempDir, `script-${index}.db`);
    const common = { dbPath, statementTimeoutMs, maxFailures: values.verbose ? show : 0 };
    if (values['in-process']) return runInProcess(file, engine, common, timeoutMs);
    return runFileIsolated({ file, engine, ...common }, timeoutMs);
  };

  const rows: FileRow[] = new Array(files.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < files.length) {
      const index = next++;
      const file = files[index]!;
      const report = await runOne(file, index);
      const name = displayName(file, sltDir);
      rows[index] = { name, report };
      if (values.verbose) {
        const shown = report.failures.slice(0, show);
        for (const f of shown) console.log(`${formatFailure(name, f)}\n`);
        if (report.failed > shown.length) console.log(`${name}: ${report.failed - shown.length} more failures not shown\n`);
      }
      process.stderr.write(`${name}: ${report.passed} passed, ${report.failed} failed\n`);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(jobs, files.length) }, lane));
  } finally {
    if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
  }

  console.log(formatTable(rows));
  const sum = totals(rows.map((r) => r.report));
  console.log(summaryLine(sum));
  return sum.failed === 0 ? 0 : 1;
}

/** Without a worker, the deadline can only stop a file between records. */
async function runInProcess(
  file: string,
  engine: EngineName,
  opts: { dbPath: string | undefined; statementTimeoutMs: number | undefined; maxFailures: number },
  timeoutMs: number,
): Promise<ScriptReport> {
  const factory = await loadEngine(engine);
  const signal = AbortSignal.timeout(timeoutMs);
  return runFile(file, factory, {
    ...(opts.dbPath !== undefined ? { path: opts.dbPath } : {}),
    ...(opts.statementTimeoutMs !== undefined ? { statementTimeoutMs: opts.statementTimeoutMs } : {}),
    maxFailures: opts.maxFailures,
    signal,
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`slt: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 2;
  },
);
