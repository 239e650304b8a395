// npm run load: 64 sessions run the mixed OLTP load (test/load/oltp.ts) on one durable file
// database for 60 s. Prints throughput, deadlocks, serialization failures, lock timeouts, errors
// by SQLSTATE, and RSS once a second next to the buffer pool's size; exits 1 on a hang, an error
// that is not a DispatcherError, an invariant violation or a failed integrity check.
//   npm run load -- --duration 60 --sessions 64 --pool-pages 256
import { Command } from 'commander';
import { runLoad, type Sample } from './oltp.js';

const program = new Command()
  .name('load')
  .description('mixed OLTP load on one file database')
  .option('--duration <s>', 'seconds of load', '60')
  .option('--sessions <n>', 'concurrent sessions', '64')
  .option('--accounts <n>', 'accounts (transfers)', '1000')
  .option('--hot <n>', 'hot accounts most transfers pick from', '8')
  .option('--items <n>', 'items (reads and updates)', '20000')
  .option('--pool-pages <n>', 'buffer pool capacity in pages', '256')
  .option('--lock-timeout <ms>', 'lock_timeout of every session (0: none, so an undetected deadlock hangs)', '0')
  .option('--hang <s>', 'a statement running this long is a hang', '15')
  .option('--seed <n>', 'workload seed', '1')
  .option('--path <file>', 'database file (default: a temporary one)')
  .parse();
const o = program.opts<{
  duration: string;
  sessions: string;
  accounts: string;
  hot: string;
  items: string;
  poolPages: string;
  lockTimeout: string;
  hang: string;
  seed: string;
  path?: string;
}>();

const mib = (b: number): string => (b / 1048576).toFixed(1);
console.log(
  `load: ${o.sessions} sessions, ${o.duration} s, ${o.accounts} accounts (${o.hot} hot), ${o.items} items, ` +
    `buffer pool ${o.poolPages} pages, lock_timeout ${o.lockTimeout} ms, seed ${o.seed}`,
);
let last: Sample | null = null;
const report = await runLoad({
  sessions: Number(o.sessions),
  durationMs: Number(o.duration) * 1000,
  accounts: Number(o.accounts),
  hotAccounts: Number(o.hot),
  items: Number(o.items),
  poolPages: Number(o.poolPages),
  lockTimeoutMs: Number(o.lockTimeout),
  hangMs: Number(o.hang) * 1000,
  seed: Number(o.seed),
  ...(o.path !== undefined ? { path: o.path } : {}),
  onSample: (s) => {
    const dt = last === null ? s.t : s.t - last.t;
    const commits = last === null ? s.commits : s.commits - last.commits;
    const stmts = last === null ? s.statements : s.statements - last.statements;
    console.log(
      `  t ${s.t.toFixed(0).padStart(3)} s  rss ${mib(s.rss).padStart(6)} MiB  heap ${mib(s.heapUsed).padStart(6)} MiB  ` +
        `pool ${String(s.poolPages).padStart(5)} pages  data ${mib(s.dbBytes).padStart(5)} MiB  ` +
        `${(commits / dt).toFixed(0).padStart(5)} commits/s  ${(stmts / dt).toFixed(0).padStart(6)} stmts/s  deadlocks ${s.deadlocks}`,
    );
    last = s;
  },
});

const r = report;
const secs = r.elapsedMs / 1000;
const rss = r.samples.map((s) => s.rss);
const quarter = r.samples[Math.floor(r.samples.length / 4)];
const end = r.samples.at(-1);
console.log('\nsummary');
console.log(`  sessions              ${r.sessions}, ${secs.toFixed(1)} s`);
console.log(`  throughput            ${(r.commits / secs).toFixed(0)} commits/s, ${(r.statements / secs).toFixed(0)} statements/s (${r.commits} commits, ${r.statements} statements)`);
console.log(`  operations            ${Object.entries(r.ops).map(([k, v]) => `${k} ${v.ok}${v.retries > 0 ? ` (+${v.retries} retries)` : ''}`).join(', ')}`);
console.log(`  deadlocks (40P01)     ${r.deadlocks} seen by sessions; lock manager: ${r.lockManager.deadlocks} detected, ${r.lockManager.waits} waits, ${r.lockManager.timeouts} timeouts`);
console.log(`  serialization (40001) ${r.serializationFailures}`);
console.log(`  lock timeouts (55P03) ${r.lockTimeouts}`);
console.log(`  errors by SQLSTATE    ${Object.entries(r.errorsByState).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
for (const [k, m] of Object.entries(r.errorSamples)) console.log(`    first ${k}: ${m}`);
console.log(`  CPU                   ${r.cpuSeconds.toFixed(1)} s of this process (${((100 * r.cpuSeconds) / secs).toFixed(0)}% of one core); ${(r.commits / r.cpuSeconds).toFixed(0)} commits and ${(r.statements / r.cpuSeconds).toFixed(0)} statements per CPU second`);
console.log(
  `  buffer pool           ${r.poolCapacity} pages × ${r.pageSize} B = ${mib(r.poolCapacity * r.pageSize)} MiB; ` +
    `at most ${Math.max(...r.samples.map((x) => x.poolPages))} pages resident`,
);
console.log(
  `  RSS                   min ${mib(Math.min(...rss))} MiB, max ${mib(Math.max(...rss))} MiB, ` +
    `at 25% ${mib(quarter?.rss ?? 0)} MiB, at the end ${mib(end?.rss ?? 0)} MiB; data file at the end ${mib(end?.dbBytes ?? 0)} MiB`,
);
console.log(`  final state           ${Object.entries(r.final).map(([k, v]) => `${k} ${v}`).join(', ')}`);
console.log(`  violations            ${r.failures.length}`);
for (const f of r.failures) console.log(`    ${f.replace(/\n/g, '\n    ')}`);
process.exit(r.failures.length > 0 ? 1 : 0);
