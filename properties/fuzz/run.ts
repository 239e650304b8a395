// npm run fuzz: the long fuzz run (issue 7). 1,000,000 generated statements by default, in batches
// of fresh database files (each reopened half-way and checked at the end), plus API misuse
// sequences per batch, on child processes watched by this one: a child that dies is a crash, a
// child silent for --hang-ms is a hang; either is reported with the exact case. Prints progress,
// statements per second, outcomes by SQLSTATE and by generator; exit code 1 on any violation.
//
//   npm run fuzz -- --statements 200000 --jobs 2
//   npm run fuzz -- --seed 1234 --from-batch 17 --batches 1        (replays one batch)
//   FUZZ_STATEMENTS=50000 npm run fuzz
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { batchCases, Tally } from './batch.js';
import { describeCase } from './cases.js';
import { DEFAULT_ORACLE } from './oracle.js';
import type { BatchReport, BatchRequest, ProgressReport } from './worker.js';

const MISUSE_MARK = 1_000_000_000;

const program = new Command()
  .name('fuzz')
  .description('Fuzz dispatchdb with generated SQL and API misuse')
  .option('--statements <n>', 'statements to run', process.env['FUZZ_STATEMENTS'] ?? '1000000')
  .option('--batch <n>', 'statements per batch (one fresh database file each)', '2000')
  .option('--seed <n>', 'seed (default: random)')
  .option('--from-batch <n>', 'first batch number (replay)', '0')
  .option('--batches <n>', 'run only this many batches')
  .option('--jobs <n>', 'child processes (default: the cores, at most 4)', String(Math.max(1, Math.min(4, availableParallelism()))))
  .option('--misuse <n>', 'API misuse sequences per batch', '5')
  .option('--hang-ms <n>', 'a child silent this long is hung (and one statement this long fails)', '60000')
  .option('--max-failures <n>', 'stop after this many violations', '25')
  .option('--keep', 'keep the database files of batches with a violation')
  .option('--report-every <s>', 'seconds between progress lines', '15');
program.parse();
const opts = program.opts<Record<string, string | boolean | undefined>>();

const int = (v: unknown, name: string): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) {
    console.error(`--${name} must be an integer`);
    process.exit(2);
  }
  return n;
};

const total = int(opts['statements'], 'statements');
const batchSize = Math.max(1, int(opts['batch'], 'batch'));
const seed = opts['seed'] === undefined ? (Math.random() * 2 ** 31) | 0 : int(opts['seed'], 'seed');
const fromBatch = int(opts['fromBatch'], 'from-batch');
const batchCount = opts['batches'] !== undefined ? int(opts['batches'], 'batches') : Math.ceil(total / batchSize);
const jobs = Math.max(1, int(opts['jobs'], 'jobs'));
const misuse = int(opts['misuse'], 'misuse');
const hangMs = int(opts['hangMs'], 'hang-ms');
const maxFailures = int(opts['maxFailures'], 'max-failures');
const reportEvery = int(opts['reportEvery'], 'report-every') * 1000;
const oracle = { ...DEFAULT_ORACLE, hangMs: Math.max(1000, hangMs - 5000) };

/** Statements of batch `b`: the last one is cut to the total. */
function countOf(b: number): number {
  if (opts['batches'] !== undefined) return batchSize;
  return Math.min(batchSize, total - (b - fromBatch) * batchSize);
}

const here = fileURLToPath(new URL('.', import.meta.url));
/** Mark files and the children's database files; removed at the end unless files were kept. */
const workDir = mkdtempSync(join(tmpdir(), 'dispatchdb-fuzz-'));

interface Child {
  readonly id: number;
  proc: ChildProcess;
  readonly markFile: string;
  batch: number | null;
  lastHeard: number;
  index: number;
}

const tally = new Tally();
const misuseOutcomes = new Map<string, number>();
let misuseSequences = 0;
const violations: string[] = [];
let cpuMs = 0;
let nextBatch = fromBatch;
const endBatch = fromBatch + batchCount;
let doneBatches = 0;
let inFlight = 0;
const started = performance.now();

function replayHint(batch: number): string {
  return `npm run fuzz -- --seed ${seed} --from-batch ${batch} --batches 1 --batch ${batchSize}`;
}

function record(v: string): void {
  violations.push(v);
  console.log(`\nVIOLATION ${violations.length}: ${v}\n`);
}

/** The case a child was at, from its mark file, described (regenerated from the seed). */
function caseAt(c: Child, batch: number): string {
  let index = -1;
  try {
    const b = readFileSync(c.markFile);
    if (b.length >= 8 && b.readInt32LE(0) === batch) index = b.readInt32LE(4);
  } catch {
    // no mark yet
  }
  if (index < 0) return `batch ${batch}, before its first case (starting the child or opening the file)\n  replay: ${replayHint(batch)}`;
  if (index >= MISUSE_MARK) return `batch ${batch}, misuse sequence ${index - MISUSE_MARK} (replay: ${replayHint(batch)})`;
  const cases = batchCases(seed, batch, countOf(batch));
  const c0 = cases[index];
  return `batch ${batch}, case ${index}: ${c0 === undefined ? '?' : describeCase(c0)}\n  replay: ${replayHint(batch)}`;
}

function spawnChild(id: number): Child {
  const markFile = join(workDir, `child-${id}.mark`);
  const proc = fork(join(here, 'worker.ts'), [], {
    env: { ...process.env, FUZZ_MARK_FILE: markFile, FUZZ_WORK_DIR: workDir },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const c: Child = { id, proc, markFile, batch: null, lastHeard: performance.now(), index: 0 };
  attach(c);
  return c;
}

const children: Child[] = [];

function attach(c: Child): void {
  c.proc.on('message', (m: BatchReport | ProgressReport) => {
    c.lastHeard = performance.now();
    if (m.type === 'progress') {
      c.index = m.index;
      return;
    }
    tally.merge({ statements: m.tally.statements, outcomes: m.tally.outcomes, byCategory: m.tally.byCategory });
    for (const [k, n] of m.misuseOutcomes) misuseOutcomes.set(k, (misuseOutcomes.get(k) ?? 0) + n);
    misuseSequences += m.misuseSequences;
    cpuMs += m.cpuMs;
    for (const v of m.violations) record(`batch ${m.batch}: ${v}\n  replay: ${replayHint(m.batch)}${m.dir !== null ? `\n  files kept in ${m.dir}` : ''}`);
    doneBatches++;
    inFlight--;
    c.batch = null;
    dispatch(c);
  });
  c.proc.on('exit', (code, signal) => {
    // a child the watchdog killed for a hang has no batch any more: already reported
    if (c.batch === null) return;
    record(`crash: the child process died (${signal ?? `exit code ${code}`}) at ${caseAt(c, c.batch)}`);
    c.batch = null;
    inFlight--;
    doneBatches++;
    restart(c);
  });
}

function restart(c: Child): void {
  if (nextBatch >= endBatch || violations.length >= maxFailures) {
    maybeFinish();
    return;
  }
  const fresh = spawnChild(c.id);
  children[children.indexOf(c)] = fresh;
  dispatch(fresh);
}

function dispatch(c: Child): void {
  if (nextBatch >= endBatch || violations.length >= maxFailures) {
    maybeFinish();
    return;
  }
  const batch = nextBatch++;
  c.batch = batch;
  c.index = 0;
  c.lastHeard = performance.now();
  inFlight++;
  const req: BatchRequest = { type: 'batch', seed, batch, count: countOf(batch), misuse, oracle, keep: opts['keep'] === true };
  c.proc.send(req);
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function rate(): number {
  const s = (performance.now() - started) / 1000;
  return s > 0 ? tally.statements / s : 0;
}

function progressLine(): string {
  const elapsed = (performance.now() - started) / 1000;
  const ok = tally.outcomes.get('ok') ?? 0;
  const top = [...tally.outcomes]
    .filter(([k]) => k !== 'ok')
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([k, n]) => `${k} ${((100 * n) / Math.max(1, tally.statements)).toFixed(1)}%`)
    .join(', ');
  const live = children.reduce((n, c) => n + (c.batch !== null ? c.index : 0), 0);
  return `[${Math.floor(elapsed / 60)}m${String(Math.floor(elapsed % 60)).padStart(2, '0')}s] ${fmt(tally.statements + live)}/${fmt(total)} statements, ${fmt(rate())}/s, batches ${doneBatches}/${batchCount}, ok ${((100 * ok) / Math.max(1, tally.statements)).toFixed(1)}%, ${top}; violations ${violations.length}`;
}

let finished = false;
function maybeFinish(): void {
  if (finished || inFlight > 0) return;
  finished = true;
  clearInterval(watchdog);
  clearInterval(reporter);
  for (const c of children) c.proc.disconnect?.();
  const elapsed = (performance.now() - started) / 1000;
  console.log(`\n${progressLine()}`);
  console.log(`\nseed ${seed}; ${fmt(tally.statements)} statements in ${elapsed.toFixed(0)} s wall (${fmt(rate())}/s), ${(cpuMs / 1000).toFixed(0)} s CPU in children (${fmt(tally.statements / Math.max(0.001, cpuMs / 1000))} statements per CPU second); ${fmt(misuseSequences)} misuse sequences`);
  console.log('\noutcomes by SQLSTATE:');
  for (const [k, n] of [...tally.outcomes].sort((a, b) => b[1] - a[1])) console.log(`  ${k.padEnd(10)} ${fmt(n).padStart(12)}  ${((100 * n) / Math.max(1, tally.statements)).toFixed(2)}%`);
  console.log('\nby generator (ok / error):');
  for (const [k, v] of [...tally.byCategory].sort((a, b) => b[1].ok + b[1].error - (a[1].ok + a[1].error))) {
    console.log(`  ${k.padEnd(12)} ${fmt(v.ok).padStart(10)} / ${fmt(v.error).padStart(10)}`);
  }
  console.log('\nmisuse call outcomes:');
  console.log(`  ${[...misuseOutcomes].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${fmt(n)}`).join(', ')}`);
  if (violations.length > 0) {
    console.log(`\n${violations.length} VIOLATION(S):`);
    for (const v of violations) console.log(`- ${v}`);
  } else console.log('\nno violations');
  if (opts['keep'] === true && violations.length > 0) console.log(`\nfiles kept under ${workDir}`);
  else rmSync(workDir, { recursive: true, force: true });
  process.exitCode = violations.length > 0 ? 1 : 0;
}

const watchdog = setInterval(() => {
  const now = performance.now();
  for (const c of children) {
    if (c.batch === null || now - c.lastHeard < hangMs) continue;
    record(`hang: no progress for ${hangMs} ms at ${caseAt(c, c.batch)}`);
    c.batch = null;
    inFlight--;
    doneBatches++;
    c.proc.kill('SIGKILL');
    restart(c);
  }
}, 1000);

const reporter = setInterval(() => console.log(progressLine()), reportEvery);

console.log(`fuzz: ${fmt(total)} statements in ${batchCount} batch(es) of ${batchSize} from batch ${fromBatch}, seed ${seed}, ${jobs} job(s), ${misuse} misuse sequences per batch`);
for (let i = 0; i < Math.min(jobs, batchCount); i++) {
  const c = spawnChild(i);
  children.push(c);
  dispatch(c);
}
if (batchCount <= 0) maybeFinish();
