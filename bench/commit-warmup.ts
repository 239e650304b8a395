// Durable commits over time: W5b's update from one session, then W5c's from eight, in rounds of
// 1,000 after W1's bulk load, printing each round's rate and CPU per commit. The bench's W5b
// and W5c time one such round each; this shows how much of it is V8 compiling the commit path.
//   npm run build && node --expose-gc dist/bench/commit-warmup.js [rounds]
// WARMUP_GC=1 forces a full collection before each round, as the bench does before each workload.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../src/index.js';

const rounds = Number(process.argv[2] ?? 6);
const N = 100_000;
const dir = mkdtempSync(join(tmpdir(), 'dispatchdb-warmup-'));
const db = await Database.open(join(dir, 'w.db'));
const s = await db.connect();
await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER, c TEXT, pad TEXT)');
await s.execute('CREATE INDEX t_k ON t (k)');
const ins = await s.prepare('INSERT INTO t VALUES ($1, $2, $3, $4)');
await s.execute('BEGIN');
for (let i = 1; i <= N; i++) await ins.execute([i, 1 + ((i * 7919) % N), 'c'.repeat(60), 'p'.repeat(120)]);
await s.execute('COMMIT');

let id = 0;
const nextId = (): number => 1 + (++id * 7919) % N;
const gc = (globalThis as { gc?: () => void }).gc;

async function round(label: string, run: () => Promise<void>): Promise<void> {
  if (process.env["WARMUP_GC"] === "1") gc?.();
  const st0 = db.stats();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const st = db.stats();
  console.log(
    `${label}: ${Math.round(1000 / (ms / 1000))} commits/s, ${((c.user + c.system) / 1000).toFixed(0)} µs CPU per commit ` +
      `(${(c.system / 1000).toFixed(0)} system), ${((st.fsyncs - st0.fsyncs) / 1000).toFixed(2)} fsyncs per commit, ` +
      `${st.pagesWritten - st0.pagesWritten} pages written, ${st.checkpoints - st0.checkpoints} checkpoints`,
  );
}

const one = await s.prepare('UPDATE t SET c = $1 WHERE id = $2');
for (let r = 1; r <= rounds; r++) {
  await round(`one session, round ${r}`, async () => {
    for (let i = 0; i < 1000; i++) await one.execute(['w5' + 'x'.repeat(58), nextId()]);
  });
}
const lanes = await Promise.all(
  Array.from({ length: 8 }, async () => (await db.connect()).prepare('UPDATE t SET c = $1 WHERE id = $2')),
);
for (let r = 1; r <= rounds; r++) {
  // As the bench runs W5c: chunks of 200 updates, each lane taking every eighth.
  await round(`eight sessions, round ${r}`, async () => {
    for (let done = 0; done < 1000; done += 200) {
      const ids = Array.from({ length: 200 }, nextId);
      await Promise.all(
        lanes.map(async (u, l) => {
          for (let i = l; i < 200; i += 8) await u.execute(['w5' + 'y'.repeat(58), ids[i]!]);
        }),
      );
    }
  });
}
await db.close();
rmSync(dir, { recursive: true, force: true });
