// npm run bench [-- --quick] [--engines a,b] [--workloads W2,W9] [--runs N] [--rows N] [--cap S]
// Runs the workloads of bench/WORKLOADS.md on dispatchdb and its peers, engines interleaved (one
// child process per engine and run, see turn.ts), and writes bench/results/latest.md and .json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { formatDispatchCost, measureDispatchCost, type DispatchCost } from './dispatch-cost.js';
import { loadDispatchdb } from './engines/dispatchdb.js';
import { createEngine } from './engines/index.js';
import type { EngineId } from './engines/types.js';
import type { MemoryProbe } from './memory.js';
import { parseArgs, settingsFor, turnArgs, type Options } from './options.js';
import { toCell, toMarkdown, withRatios, type BenchReport, type Cell, type EngineInfo } from './report.js';
import { runTurn, TURN_MARK, type TurnResult } from './turn.js';
import type { Sample, WorkloadId } from './workloads.js';

const log = (s: string): void => void process.stderr.write(s + '\n');

function rotate<T>(xs: readonly T[], by: number): T[] {
  const n = xs.length;
  return n ? xs.map((_, i) => xs[(i + by) % n] as T) : [];
}

/** Node flags for children: the parent's (so --cpu-prof reaches them) plus --expose-gc. */
function childFlags(): string[] {
  return process.execArgv.includes('--expose-gc') ? [...process.execArgv] : [...process.execArgv, '--expose-gc'];
}

function turnInChild(o: Options, engine: EngineId): TurnResult | Error {
  const script = fileURLToPath(new URL('./turn.js', import.meta.url));
  const r = spawnSync(process.execPath, [...childFlags(), script, ...turnArgs(o, engine)], { encoding: 'utf8', timeout: 30 * 60_000, maxBuffer: 64 << 20 });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith(TURN_MARK));
  if (!line) return new Error(`turn process exited ${String(r.status ?? r.signal)}: ${(r.stderr ?? '').trim().slice(-300)}`);
  return JSON.parse(line.slice(TURN_MARK.length)) as TurnResult;
}

function memoryProbe(engine: EngineId | 'none', rows: number): MemoryProbe {
  const script = fileURLToPath(new URL('./memory.js', import.meta.url));
  const r = spawnSync(process.execPath, [...childFlags(), script, engine, String(rows)], { encoding: 'utf8', timeout: 600_000 });
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
  const loadAtStart = loadavg()[0] ?? NaN;
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

  const samples = new Map<EngineId, Map<WorkloadId, Sample[]>>();
  const add = (e: EngineId, w: WorkloadId, x: Sample): void => {
    let m = samples.get(e);
    if (!m) samples.set(e, (m = new Map()));
    let xs = m.get(w);
    if (!xs) m.set(w, (xs = []));
    xs.push(x);
  };

  const timed = new Set([...selected].filter((w) => w !== 'M'));
  if (timed.size) {
    for (let run = 0; run < o.runs; run++) {
      for (const id of rotate(engines, run)) {
        const t = performance.now();
        let r: TurnResult | Error;
        try {
          r = o.inProcess ? await runTurn(id, s, timed, run === 0) : turnInChild(o, id);
        } catch (err) {
          r = err instanceof Error ? err : new Error(String(err));
        }
        if (r instanceof Error) {
          // A crashed turn fails every workload it should have run, with the reason.
          for (const w of timed) add(id, w, { value: NaN, cpuValue: NaN, ops: 0, seconds: 0, capped: false, ok: false, error: r.message });
          log(`run ${run + 1}/${o.runs} ${id}: FAILED (${r.message.split('\n')[0] ?? ''})`);
          continue;
        }
        for (const [w, x] of r.samples) add(id, w, x);
        const fails = r.samples.filter(([, x]) => !x.ok).map(([w]) => w);
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
        add(id, 'M', { value: mb, cpuValue: mb, ops: 1, seconds: 0, capped: false, ok, ...(ok ? {} : { error: p.error ?? base.error ?? 'probe failed' }) });
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
    loadAverage: [loadAtStart, loadavg()[0] ?? NaN],
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
