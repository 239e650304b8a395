// npm run torture: the crash harness at length: 1,000 SIGKILLs of the mixed single-session
// writer (harness.ts), then 100 of the group-commit writer (group-harness.ts, 8 sessions).
// Prints a line per kill (or per --every kills), every violation as it happens (with the seed,
// database and kill that reproduce its workload, and where the crashed files were kept), and a
// summary; exits 1 on any violation.
//   npm run torture -- --kills 200 --group-kills 50 --seed 12345 --per-db 50 --max-delay 400
import { Command } from 'commander';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runGroupCampaign } from './group-harness.js';
import { runCampaign, type KillReport } from './harness.js';

const program = new Command()
  .name('torture')
  .description('kill a mixed writer with SIGKILL many times and check every reopen')
  .option('--kills <n>', 'number of kills', process.env['DISPATCHDB_TORTURE_KILLS'] ?? '1000')
  .option('--group-kills <n>', 'kills of the group-commit writer afterwards', '100')
  .option('--group-sessions <n>', 'sessions of the group-commit writer', '8')
  .option('--seed <n>', 'campaign seed (default: random)')
  .option('--per-db <n>', 'kills on one database file before a fresh one', '50')
  .option('--max-delay <ms>', 'largest random delay before a timed kill', '400')
  .option('--io-span <n>', 'self-kills before one of the first N file writes/syncs', '300')
  .option('--warm <n>', 'children started ahead of time', '2')
  .option('--every <n>', 'print one progress line per N kills', '1')
  .option('--keep <dir>', 'where to keep the files of failing kills', join(tmpdir(), 'dispatchdb-torture-failures'))
  .parse();
const opts = program.opts<{ kills: string; groupKills: string; groupSessions: string; seed?: string; perDb: string; maxDelay: string; ioSpan: string; warm: string; every: string; keep: string }>();

const kills = Number(opts.kills);
const seed = opts.seed !== undefined ? Number(opts.seed) : Math.floor(Math.random() * 2 ** 31);
const every = Math.max(1, Number(opts.every));
console.log(`torture: ${kills} kills, seed ${seed}, ${opts.perDb} kills per database, failures kept in ${opts.keep}`);

let acked = 0;
let failures = 0;
const t0 = performance.now();
const line = (k: KillReport): string => {
  const pending = k.pending === null ? '-' : `${k.pending.n}${k.pending.applied ? '+' : '-'}`;
  const where = k.point ?? (k.inCheckpoint ? 'in checkpoint' : k.beforeReady ? 'while opening' : '');
  return (
    `[${k.kill + 1}/${kills}] db ${k.database} ${k.mode.padEnd(12)} acked ${String(k.acked).padStart(3)} ` +
    `pending ${pending.padEnd(7)} rows ${String(k.rows).padStart(5)} db ${(k.dbBytes / 1024).toFixed(0)} KiB ` +
    `wal ${(k.walBytes / 1024).toFixed(0)} KiB run ${k.runMs.toFixed(0)} ms check ${k.checkMs.toFixed(0)} ms ${where}`
  );
};

const summary = await runCampaign({
  kills,
  seed,
  killsPerDatabase: Number(opts.perDb),
  maxDelayMs: Number(opts.maxDelay),
  ioSpan: Number(opts.ioSpan),
  warmChildren: Number(opts.warm),
  keepFailuresIn: opts.keep,
  onKill: (k) => {
    acked += k.acked;
    if (k.failure !== null) {
      failures++;
      console.log(`${line(k)}\n  VIOLATION (seed ${seed}, database ${k.database}, kill ${k.kill}): ${k.failure}`);
    } else if ((k.kill + 1) % every === 0 || k.kill + 1 === kills) {
      const rate = ((performance.now() - t0) / (k.kill + 1) / 1000).toFixed(2);
      console.log(`${line(k)}  (${acked} acked so far, ${failures} violations, ${rate} s/kill)`);
    }
  },
});

const s = summary;
console.log('\nsummary (mixed writer)');
console.log(`  seed                 ${s.seed}`);
console.log(`  kills                ${s.kills} on ${s.databases} database files (${(s.elapsedMs / 1000).toFixed(0)} s)`);
console.log(`  kill modes           ${Object.entries(s.modes).map(([m, n]) => `${m} ${n}`).join(', ')}`);
console.log(`  self-kills at        ${Object.entries(s.points).map(([m, n]) => `${m} ${n}`).join(', ') || 'none'}`);
console.log(`  kills in checkpoint  ${s.killsInCheckpoint} (a data-file write, the WAL reset, or between ckpt-begin and ckpt-end)`);
console.log(`  kills while opening  ${s.killsDuringOpen}`);
console.log(`  units acknowledged   ${s.unitsAcked} (submitted ${s.unitsSubmitted}; by kind ${Object.entries(s.unitKinds).map(([m, n]) => `${m} ${n}`).join(', ')})`);
console.log(`  unit in flight       committed ${s.pendingCommitted}, not committed ${s.pendingLost}`);
console.log(`  checkpoints seen     ${s.checkpoints}`);
console.log(`  largest              ${s.maxRows} rows, data file ${(s.maxDbBytes / 1048576).toFixed(1)} MiB, WAL ${(s.maxWalBytes / 1048576).toFixed(1)} MiB`);
console.log(`  violations           ${s.failures.length}`);
for (const f of s.failures) {
  console.log(`    seed ${f.seed} database ${f.database} kill ${f.kill} (${f.mode}, from unit ${f.start}): ${f.message}`);
  if (f.files !== null) console.log(`      files: ${f.files}`);
}

const groupKills = Number(opts.groupKills);
let groupViolations = 0;
if (groupKills > 0) {
  console.log(`\ngroup commit: ${groupKills} kills of ${opts.groupSessions} sessions committing transfers at once`);
  let groupAcked = 0;
  const g = await runGroupCampaign({
    kills: groupKills,
    seed,
    sessions: Number(opts.groupSessions),
    maxDelayMs: Number(opts.maxDelay),
    keepFailuresIn: opts.keep,
    onKill: (k) => {
      groupAcked += k.acked;
      const text =
        `[${k.kill + 1}/${groupKills}] db ${k.database} ${k.mode.padEnd(8)} acked ${String(k.acked).padStart(3)} ` +
        `committed unacknowledged ${String(k.committedUnacked).padStart(2)} transfers ${String(k.transfers).padStart(5)} ` +
        `wal ${(k.walBytes / 1024).toFixed(0)} KiB ${k.point ?? ''}`;
      if (k.failure !== null) console.log(`${text}\n  VIOLATION (seed ${seed}, group kill ${k.kill}): ${k.failure}`);
      else if ((k.kill + 1) % every === 0 || k.kill + 1 === groupKills) console.log(`${text}  (${groupAcked} acked so far)`);
    },
  });
  groupViolations = g.failures.length;
  console.log('\nsummary (group commit)');
  console.log(`  kills                ${g.kills} on ${g.databases} database files (${(g.elapsedMs / 1000).toFixed(0)} s)`);
  console.log(`  self-kills at        ${Object.entries(g.points).map(([m, n]) => `${m} ${n}`).join(', ') || 'none'}`);
  console.log(`  transfers acked      ${g.acked}; committed but not yet acknowledged at a kill: ${g.committedUnacked}`);
  console.log(`  largest              ${g.maxTransfers} transfers`);
  console.log(`  violations           ${g.failures.length}`);
  for (const f of g.failures) console.log(`    seed ${f.seed} kill ${f.kill}: ${f.message}${f.files !== null ? ` (files: ${f.files})` : ''}`);
}
process.exit(s.failures.length + groupViolations > 0 ? 1 : 0);
