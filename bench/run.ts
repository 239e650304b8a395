// npm run bench [-- --quick] [--engines a,b] [--workloads W2,W9] [--runs N] [--rows N] [--cap S]
// Runs the workloads of bench/WORKLOADS.md on dispatchdb and its peers, engines interleaved, and
// writes bench/results/latest.md and latest.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Dataset, makeOps } from './data.js';
import { formatDispatchCost, measureDispatchCost, type DispatchCost } from './dispatch-cost.js';
import { loadDispatchdb } from './engines/dispatchdb.js';
import { createEngine } from './engines/index.js';
import { ENGINE_IDS, type EngineId } from './engines/types.js';
import type { MemoryProbe } from './memory.js';
import { toCell, toMarkdown, withRatios, type BenchReport, type Cell, type EngineInfo } from './report.js';
import { EngineRun, WORKLOAD_IDS, type Sample, type Settings, type WorkloadId } from './workloads.js';

interface Options {
  readonly quick: boolean;
  readonly engines: readonly EngineId[];
  readonly workloads: readonly WorkloadId[];
  readonly runs: number;
  readonly rows: number;
  readonly cap: number | undefined;
}

function usage(msg: string): never {
  process.stderr.write(
    `${msg}\nusage: node --expose-gc dist/bench/run.js [--quick] [--engines ${ENGINE_IDS.join(',')}] ` +
      `[--workloads ${WORKLOAD_IDS.join(',')}] [--runs N] [--rows N] [--cap seconds]\n`,
  );
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Options {
  let quick = false;
  let engines: EngineId[] = [...ENGINE_IDS];
  let workloads: WorkloadId[] = [...WORKLOAD_IDS];
  let runs: number | undefined;
  let rows = 100_000;
  let cap: number | undefined;
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
    else usage(`unknown option ${a ?? ''}`);
  }
  if (runs !== undefined && !(runs >= 1)) usage('--runs must be >= 1');
  if (!(rows >= 1000)) usage('--rows must be >= 1000');
  if (cap !== undefined && !(cap > 0)) usage('--cap must be > 0');
  return { quick, engines, workloads, runs: runs ?? (quick ? 1 : 3), rows, cap };
}

function settingsFor(o: Options): Settings {
  return o.quick
    ? { rows: o.rows, counts: { point: 20_000, range: 1_000, k: 5_000, update: 2_000, durableUpdate: 200, inline: 20_000 }, capSeconds: o.cap ?? 0.75, analyticReps: 3 }
    : { rows: o.rows, counts: { point: 100_000, range: 5_000, k: 20_000, update: 10_000, durableUpdate: 1_000, inline: 100_000 }, capSeconds: o.cap ?? 2.5, analyticReps: 5 };
}

const log = (s: string): void => void process.stderr.write(s + '\n');

function rotate<T>(xs: readonly T[], by: number): T[] {
  const n = xs.length;
  return n ? xs.map((_, i) => xs[(i + by) % n] as T) : [];
}

function memoryProbe(engine: EngineId | 'none', rows: number): MemoryProbe {
  const script = fileURLToPath(new URL('./memory.js', import.meta.url));
  const r = spawnSync(process.execPath, ['--expose-gc', script, engine, String(rows)], { encoding: 'utf8', timeout: 600_000 });
  const line = r.stdout?.trim().split('\n').pop();
  try {
    return JSON.parse(line ?? '') as MemoryProbe;
  } catch {
    return { engine, rssBeforeBytes: NaN, rssBytes: NaN, heapUsedBytes: NaN, externalBytes: NaN, ok: false, error: `probe exited ${r.status}: ${(r.stderr ?? '').slice(-300)}` };
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const s = settingsFor(o);
  const startedAt = new Date().toISOString();
  const selected = new Set(o.workloads);

  const infos: EngineInfo[] = [];
  for (const id of o.engines) {
    const label = createEngine(id).label;
    if (id.startsWith('dispatchdb')) {
      const m = await loadDispatchdb();
      if (m instanceof Error) {
        infos.push({ id, label, available: false, note: `cannot load src/api/database.js: ${m.message.split('\n')[0] ?? ''}` });
        continue;
      }
    }
    infos.push({ id, label, available: true });
  }
  const engines = infos.filter((e) => e.available).map((e) => e.id);
  for (const e of infos) if (!e.available) log(`skipping ${e.id}: ${e.note ?? ''}`);

  let t = performance.now();
  const ds = new Dataset(s.rows);
  const c = s.counts;
  const ops = makeOps(s.rows, { point: Math.max(c.point, c.inline), range: c.range, k: c.k, update: c.update + 2 * c.durableUpdate });
  log(`data: ${s.rows} rows in t and u, generated in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const samples = new Map<EngineId, Map<WorkloadId, Sample[]>>();
  const add = (e: EngineId, w: WorkloadId, x: Sample): void => {
    let m = samples.get(e);
    if (!m) samples.set(e, (m = new Map()));
    let xs = m.get(w);
    if (!xs) m.set(w, (xs = []));
    xs.push(x);
  };

  const timed = [...selected].filter((w) => w !== 'M');
  if (timed.length) {
    // Untimed warm-up of every engine (module init, JIT, the data set's move to the old generation):
    // without it the first engine of the first run measures a slow W1.
    for (const id of engines) {
      const e = createEngine(id);
      try {
        await e.open();
        await e.createSchema();
        await e.insertT(ds.tChunks.slice(0, 2));
      } catch (err) {
        log(`warm-up of ${id} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      await e.close().catch(() => undefined);
    }
    for (let run = 0; run < o.runs; run++) {
      for (const id of rotate(engines, run)) {
        t = performance.now();
        const results = await new EngineRun(createEngine(id), ds, ops, s).run(new Set(timed));
        for (const [w, x] of results) add(id, w, x);
        const fails = [...results].filter(([, x]) => !x.ok).map(([w]) => w);
        log(`run ${run + 1}/${o.runs} ${id}: ${((performance.now() - t) / 1000).toFixed(1)} s${fails.length ? `  FAIL: ${fails.join(',')}` : ''}`);
      }
    }
  }

  if (selected.has('M')) {
    for (let run = 0; run < o.runs; run++) {
      const base = memoryProbe('none', s.rows);
      for (const id of rotate(engines, run)) {
        const p = memoryProbe(id, s.rows);
        const ok = p.ok && base.ok;
        const mb = (p.rssBytes - p.rssBeforeBytes - (base.rssBytes - base.rssBeforeBytes)) / (1024 * 1024);
        add(id, 'M', { value: mb, ops: 1, seconds: 0, capped: false, ok, ...(ok ? {} : { error: p.error ?? base.error ?? 'probe failed' }) });
        log(`M run ${run + 1}/${o.runs} ${id}: ${ok ? mb.toFixed(1) + ' MB' : 'FAIL ' + (p.error ?? '')}`);
      }
    }
  }

  let dispatchCost: DispatchCost | Error | undefined;
  if (engines.some((e) => e.startsWith('dispatchdb'))) {
    dispatchCost = await measureDispatchCost(o.quick ? 20_000 : 100_000, o.quick ? 750 : 2500);
  }

  const cells: BenchReport['cells'] = {};
  for (const [e, byW] of samples) {
    const row: Partial<Record<WorkloadId, Cell>> = {};
    for (const [w, xs] of byW) row[w] = toCell(xs);
    cells[e] = row;
  }
  const report: BenchReport = {
    startedAt,
    finishedAt: new Date().toISOString(),
    node: process.version,
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
    quick: o.quick,
    runs: o.runs,
    rows: s.rows,
    capSeconds: s.capSeconds,
    engines: infos,
    workloads: o.workloads,
    cells: withRatios(cells),
    ...(dispatchCost ? { dispatchCost: dispatchCost instanceof Error ? { error: dispatchCost.message } : dispatchCost, dispatchCostLine: formatDispatchCost(dispatchCost) } : {}),
  };
  const md = toMarkdown(report);
  const dir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(dir + 'latest.md', md);
  writeFileSync(dir + 'latest.json', JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(md + '\n');
  log(`wrote ${dir}latest.md and latest.json`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
