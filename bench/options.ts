// Command-line options shared by the orchestrator (run.ts) and the per-turn child (turn.ts).
import { ENGINE_IDS, type EngineId } from './engines/types.js';
import { WORKLOAD_IDS, type Settings, type WorkloadId } from './workloads.js';

export interface Options {
  readonly quick: boolean;
  readonly engines: readonly EngineId[];
  readonly workloads: readonly WorkloadId[];
  readonly runs: number;
  readonly rows: number;
  readonly cap: number | undefined;
  /** Run every turn in this process instead of a child process per (engine, run). */
  readonly inProcess: boolean;
}

export function usage(msg: string): never {
  process.stderr.write(
    `${msg}\nusage: node --expose-gc dist/bench/run.js [--quick] [--engines ${ENGINE_IDS.join(',')}] ` +
      `[--workloads ${WORKLOAD_IDS.join(',')}] [--runs N] [--rows N] [--cap seconds] [--in-process]\n`,
  );
  process.exit(2);
}

export function parseArgs(argv: readonly string[]): Options {
  let quick = false;
  let engines: EngineId[] = [...ENGINE_IDS];
  let workloads: WorkloadId[] = [...WORKLOAD_IDS];
  let runs: number | undefined;
  let rows = 100_000;
  let cap: number | undefined;
  let inProcess = false;
  const list = (v: string | undefined): string[] => (v ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string | undefined => argv[++i];
    if (a === '--quick') quick = true;
    else if (a === '--engines') {
      const names = list(next());
      for (const n of names) if (!(ENGINE_IDS as readonly string[]).includes(n)) usage(`unknown engine ${n}`);
      engines = names as EngineId[];
    } else if (a === '--workloads') {
      const names = list(next()).map((n) => (n.toUpperCase() === 'M' ? 'M' : n.toUpperCase().replace(/B$|C$/, (x) => x.toLowerCase())));
      for (const n of names) if (!(WORKLOAD_IDS as readonly string[]).includes(n)) usage(`unknown workload ${n}`);
      workloads = names as WorkloadId[];
    } else if (a === '--runs') runs = Number(next());
    else if (a === '--rows') rows = Number(next());
    else if (a === '--cap') cap = Number(next());
    else if (a === '--in-process') inProcess = true;
    else usage(`unknown option ${a ?? ''}`);
  }
  if (runs !== undefined && !(runs >= 1)) usage('--runs must be >= 1');
  if (!(rows >= 1000)) usage('--rows must be >= 1000');
  if (cap !== undefined && !(cap > 0)) usage('--cap must be > 0');
  return { quick, engines, workloads, runs: runs ?? (quick ? 1 : 3), rows, cap, inProcess };
}

export function settingsFor(o: Options): Settings {
  return o.quick
    ? { rows: o.rows, counts: { point: 20_000, range: 1_000, k: 5_000, update: 2_000, durableUpdate: 200, inline: 20_000 }, capSeconds: o.cap ?? 0.75, analyticReps: 3 }
    : { rows: o.rows, counts: { point: 100_000, range: 5_000, k: 20_000, update: 10_000, durableUpdate: 1_000, inline: 100_000 }, capSeconds: o.cap ?? 2.5, analyticReps: 5 };
}


/** The options a child turn needs, as arguments. */
export function turnArgs(o: Options, engine: EngineId): string[] {
  const args = ['--engines', engine, '--workloads', o.workloads.join(','), '--runs', '1', '--rows', String(o.rows)];
  if (o.quick) args.push('--quick');
  if (o.cap !== undefined) args.push('--cap', String(o.cap));
  return args;
}
