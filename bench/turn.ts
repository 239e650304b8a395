// One turn: one engine, one run, in a process of its own (engines that share a process slow each
// other down: AlaSQL's point select fell from ~1.3k to ~0.2k ops/s after PGlite and sql.js ran
// beside it). `node --expose-gc dist/bench/turn.js --engines <id> [options]` prints one line
// `BENCH-TURN <json>` with the samples; run.ts spawns it, or calls runTurn itself with --in-process.
import { pathToFileURL } from 'node:url';
import { Dataset, makeOps } from './data.js';
import { createEngine } from './engines/index.js';
import type { EngineId } from './engines/types.js';
import { parseArgs, settingsFor, usage } from './options.js';
import { EngineRun, type Sample, type Settings, type WorkloadId } from './workloads.js';

export const TURN_MARK = 'BENCH-TURN ';

export interface TurnResult {
  readonly engine: EngineId;
  readonly samples: readonly (readonly [WorkloadId, Sample])[];
  readonly seconds: number;
}

let cached: { rows: number; ds: Dataset } | undefined;

export async function runTurn(engine: EngineId, s: Settings, workloads: ReadonlySet<WorkloadId>, warmUp: boolean): Promise<TurnResult> {
  const t0 = performance.now();
  const ds = cached?.rows === s.rows ? cached.ds : (cached = { rows: s.rows, ds: new Dataset(s.rows) }).ds;
  const c = s.counts;
  // Update ids: the timed slices of W5, W5b and W5c, then as many again for their warm-up passes.
  const ops = makeOps(s.rows, { point: Math.max(c.point, c.inline), range: c.range, k: c.k, update: 2 * (c.update + 2 * c.durableUpdate) });
  if (warmUp) {
    // Untimed rehearsal, the same for every engine: each selected workload once, in the timed
    // order, on a 20k-row data set and a fresh database, then closed. It runs the code paths the
    // timed run will (module init, JIT compilation, caches), so the timed run measures steady
    // state rather than the first thousand operations of a process: before it, W5b timed
    // dispatchdb's first durable commits and W5 its first updates, mostly interpreted code,
    // while the read workloads already had a warm-up of their own.
    // The rehearsal's database is closed before the timed run. (Kept open through it, as session 8
    // tried, it halved AlaSQL's W5: a harness must not slow a peer down.)
    try {
      const r = rehearsal(s);
      const rds = new Dataset(r.rows);
      const rops = makeOps(r.rows, { point: Math.max(r.counts.point, r.counts.inline), range: r.counts.range, k: r.counts.k, update: 2 * (r.counts.update + 2 * r.counts.durableUpdate) });
      await new EngineRun(createEngine(engine), rds, rops, r).run(workloads);
    } catch {
      // The timed turn reports the failure.
    }
  }
  const results = await new EngineRun(createEngine(engine), ds, ops, s).run(workloads);
  return { engine, samples: [...results], seconds: (performance.now() - t0) / 1000 };
}

/**
 * The rehearsal: the timed run's operation counts (each workload also stops after 0.75 s) on a
 * 20k-row table, so every engine runs each path about as often as it will be timed.
 */
function rehearsal(s: Settings): Settings {
  const rows = Math.min(s.rows, 20_000);
  const c = s.counts;
  // Updates go to distinct ids: W5's and the two durable workloads' slices, and their warm-up
  // passes' as many again, must fit the table.
  const update = Math.min(c.update, Math.floor(rows / 4));
  const durableUpdate = Math.min(c.durableUpdate, Math.floor((rows / 2 - update) / 2));
  return { rows, counts: { ...c, update, durableUpdate }, capSeconds: Math.min(s.capSeconds, 0.75), analyticReps: 2 };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const engine = o.engines[0];
  if (!engine || o.engines.length !== 1) usage('a turn runs exactly one engine');
  const r = await runTurn(engine, settingsFor(o), new Set(o.workloads.filter((w) => w !== 'M')), true);
  process.stdout.write(TURN_MARK + JSON.stringify(r) + '\n');
  process.exit(0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`turn failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
