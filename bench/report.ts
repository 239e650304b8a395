// Aggregation of samples into cells (median, spread, ratio) and the markdown / JSON report.
import type { DispatchCost } from './dispatch-cost.js';
import type { EngineId } from './engines/types.js';
import { WORKLOADS, type Sample, type WorkloadId } from './workloads.js';

/** Median, range and ratio of one view (wall or CPU time) of a cell's samples. */
export interface Stat {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly spreadPct: number;
  readonly ratio?: number;
}

export interface Cell {
  readonly samples: readonly Sample[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** (max − min) / median, in %. */
  readonly spreadPct: number;
  /** > 1 means better than the reference, whatever the unit (median of per-run ratios). */
  readonly ratio?: number;
  readonly ok: boolean;
  readonly errors: readonly string[];
  readonly capped: boolean;
  /** The same samples on process CPU time (Sample.cpuValue). */
  readonly cpu: Stat;
  /** Update workloads: the untimed warm-up passes' rates (Sample.firstPass). */
  readonly firstPass?: Stat;
}

export interface EngineInfo {
  readonly id: EngineId;
  readonly label: string;
  readonly available: boolean;
  readonly note?: string;
}

export interface BenchReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly node: string;
  readonly machine: string;
  /** 1-minute load averages at start and end: the machines are shared, so read spreads with them. */
  readonly loadAverage: readonly [number, number];
  readonly quick: boolean;
  readonly runs: number;
  readonly rows: number;
  readonly capSeconds: number;
  readonly engines: readonly EngineInfo[];
  readonly workloads: readonly WorkloadId[];
  readonly cells: Partial<Record<EngineId, Partial<Record<WorkloadId, Cell>>>>;
  readonly dispatchCost?: DispatchCost | { readonly error: string };
  readonly dispatchCostLine?: string;
}

const REFERENCE: EngineId = 'better-sqlite3';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
}

function stat(xs: number[]): Stat {
  const med = xs.length ? median(xs) : NaN;
  const min = xs.length ? Math.min(...xs) : NaN;
  const max = xs.length ? Math.max(...xs) : NaN;
  return { median: med, min, max, spreadPct: med ? ((max - min) / Math.abs(med)) * 100 : NaN };
}

export function toCell(samples: readonly Sample[]): Cell {
  const good = samples.filter((s) => s.ok);
  const errors = samples.filter((s) => !s.ok).map((s) => s.error ?? 'failed');
  const first = good.flatMap((s) => (s.firstPass === undefined ? [] : [s.firstPass]));
  return {
    samples,
    ...stat(good.map((s) => s.value)),
    cpu: stat(good.map((s) => s.cpuValue)),
    ...(first.length > 0 ? { firstPass: stat(first) } : {}),
    ok: errors.length === 0 && good.length > 0,
    errors: [...new Set(errors)],
    capped: samples.some((s) => s.capped),
  };
}

/**
 * Ratio of one engine's samples to the reference's. The machines are shared and their load drifts,
 * so runs are paired: sample i of both was taken in run i, close in time. The ratio is the median of
 * the per-run ratios (ratio of medians when the runs cannot be paired).
 */
function ratioOf(cell: Cell, ref: Cell, higherIsBetter: boolean, view: 'value' | 'cpuValue'): number | undefined {
  const c = view === 'value' ? cell.median : cell.cpu.median;
  const r = view === 'value' ? ref.median : ref.cpu.median;
  if (!ref.ok || !cell.ok || !(r > 0) || !(c > 0)) return undefined;
  const one = (v: number, w: number): number => (higherIsBetter ? v / w : w / v);
  if (cell.samples.length === ref.samples.length && cell.samples.length > 1) {
    const per: number[] = [];
    cell.samples.forEach((x, i) => {
      const y = ref.samples[i];
      if (x.ok && y?.ok && x[view] > 0 && y[view] > 0) per.push(one(x[view], y[view]));
    });
    if (per.length === cell.samples.length) return median(per);
  }
  return one(c, r);
}

/** Fills in ratios: to better-sqlite3 (memory); W5b and W5c to better-sqlite3 file's W5b. */
export function withRatios(cells: BenchReport['cells']): BenchReport['cells'] {
  const out: BenchReport['cells'] = {};
  for (const [engine, byW] of Object.entries(cells) as [EngineId, Partial<Record<WorkloadId, Cell>>][]) {
    const row: Partial<Record<WorkloadId, Cell>> = {};
    for (const [w, cell] of Object.entries(byW) as [WorkloadId, Cell][]) {
      const ref = w === 'W5b' || w === 'W5c' ? cells['better-sqlite3-file']?.W5b : cells[REFERENCE]?.[w];
      const info = WORKLOADS.find((x) => x.id === w);
      const hib = info?.higherIsBetter ?? true;
      const ratio = ref ? ratioOf(cell, ref, hib, 'value') : undefined;
      const cpuRatio = ref ? ratioOf(cell, ref, hib, 'cpuValue') : undefined;
      row[w] = {
        ...cell,
        ...(ratio === undefined ? {} : { ratio }),
        cpu: cpuRatio === undefined ? cell.cpu : { ...cell.cpu, ratio: cpuRatio },
      };
    }
    out[engine] = row;
  }
  return out;
}

export function formatValue(v: number, unit: string): string {
  if (!Number.isFinite(v)) return '?';
  if (unit === 'ms' || unit === 'MB') return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  if (v >= 1e6) return (v / 1e6).toFixed(2) + 'M';
  if (v >= 1e5) return (v / 1e3).toFixed(0) + 'k';
  if (v >= 1e4) return (v / 1e3).toFixed(1) + 'k';
  if (v >= 1e3) return (v / 1e3).toFixed(2) + 'k';
  return v >= 10 ? v.toFixed(0) : v.toFixed(2);
}

function formatRatio(r: number): string {
  return r >= 10 ? r.toFixed(0) : r >= 0.1 ? r.toFixed(2) : r.toPrecision(2);
}

function formatCell(cell: Cell | undefined, unit: string, runs: number, view: 'wall' | 'cpu' = 'wall'): string {
  if (!cell) return '–';
  if (!cell.ok) return 'FAIL';
  const st: Stat = view === 'wall' ? cell : cell.cpu;
  const spread = runs > 1 && cell.samples.length > 1 ? ` ±${st.spreadPct.toFixed(0)}%` : '';
  const ratio = st.ratio !== undefined ? ` ×${formatRatio(st.ratio)}` : '';
  return `${formatValue(st.median, unit)}${cell.capped ? '†' : ''}${spread}${ratio}`;
}

export function toMarkdown(r: BenchReport): string {
  const engines = r.engines.filter((e) => e.available);
  const lines: string[] = [];
  lines.push(`# dispatchdb bench — ${r.finishedAt}`);
  lines.push('');
  lines.push(
    `Node ${r.node}, ${r.machine}, load average ${r.loadAverage[0].toFixed(1)} → ${r.loadAverage[1].toFixed(1)}; ${r.rows.toLocaleString('en')} rows per table; ${r.runs} run(s), engines interleaved; ` +
      `time cap ${r.capSeconds} s per workload${r.quick ? ' (quick mode: smaller counts)' : ''}.`,
  );
  lines.push('');
  lines.push(
    'Cell: median over runs, ±spread ((max − min) / median), ×ratio to better-sqlite3 (memory), the median of ' +
      'the per-run ratios (the engines of one run ran close in time, so this cancels most of the machine\'s load drift). ' +
      '**The ratio always reads "higher is better"**: for rows/s, ops/s and commits/s it is engine / better-sqlite3; ' +
      'for ms/query and MB it is better-sqlite3 / engine. W5b and W5c ratios are to better-sqlite3 file (WAL, FULL) W5b. ' +
      '† = stopped by the time cap: rate over the operations done. FAIL = a result check failed or the engine errored ' +
      '(never timed as fast; see the notes). – = not applicable or not run.',
  );
  lines.push('');
  lines.push(`| workload | unit | ${engines.map((e) => e.label).join(' | ')} |`);
  lines.push(`| --- | --- | ${engines.map(() => '---:').join(' | ')} |`);
  for (const w of WORKLOADS) {
    if (!r.workloads.includes(w.id)) continue;
    const cells = engines.map((e) => formatCell(r.cells[e.id]?.[w.id], w.unit, r.runs));
    if (cells.every((c) => c === '–')) continue;
    const unit = w.higherIsBetter ? `${w.unit} ↑` : `${w.unit} ↓`;
    lines.push(`| ${w.id} ${w.title} | ${unit} | ${cells.join(' | ')} |`);
  }
  lines.push('');
  // The CPU-time view of the same runs: on a shared machine, other processes stretch wall time but
  // not this process's CPU time. Waiting-bound workloads (fsync) and M have no CPU view.
  const cpuRows = WORKLOADS.filter((w) => r.workloads.includes(w.id) && w.id !== 'W5b' && w.id !== 'W5c' && w.id !== 'M');
  if (cpuRows.length) {
    lines.push(
      'The same runs on process CPU time (user + system) instead of wall time — robust to other load on the machine, ' +
        'blind to waiting (so W5b, W5c and M are left out); units per CPU-second, ms of CPU per query:',
    );
    lines.push('');
    lines.push(`| workload | unit | ${engines.map((e) => e.label).join(' | ')} |`);
    lines.push(`| --- | --- | ${engines.map(() => '---:').join(' | ')} |`);
    for (const w of cpuRows) {
      const cells = engines.map((e) => formatCell(r.cells[e.id]?.[w.id], w.unit, r.runs, 'cpu'));
      if (cells.every((c) => c === '–')) continue;
      lines.push(`| ${w.id} | ${w.higherIsBetter ? `${w.unit} ↑` : `${w.unit} ↓`} (CPU) | ${cells.join(' | ')} |`);
    }
    lines.push('');
  }
  const firstRows = WORKLOADS.filter((w) => r.workloads.includes(w.id) && engines.some((e) => r.cells[e.id]?.[w.id]?.firstPass));
  if (firstRows.length) {
    lines.push(
      'Each update workload ran an untimed warm-up pass of the same size on other rows just before its timed pass ' +
        '(the table above). The warm-up passes\' own rates, median over runs, × the ratio of medians to the same reference:',
    );
    lines.push('');
    lines.push(`| workload (warm-up pass) | unit | ${engines.map((e) => e.label).join(' | ')} |`);
    lines.push(`| --- | --- | ${engines.map(() => '---:').join(' | ')} |`);
    for (const w of firstRows) {
      const ref = (w.id === 'W5b' || w.id === 'W5c' ? r.cells['better-sqlite3-file']?.W5b : r.cells[REFERENCE]?.[w.id])?.firstPass;
      const cells = engines.map((e) => {
        const f = r.cells[e.id]?.[w.id]?.firstPass;
        if (f === undefined) return '–';
        const ratio = ref !== undefined && ref.median > 0 ? ` ×${formatRatio(f.median / ref.median)}` : '';
        return `${formatValue(f.median, w.unit)}${ratio}`;
      });
      lines.push(`| ${w.id} | ${w.unit} ↑ | ${cells.join(' | ')} |`);
    }
    lines.push('');
  }
  if (r.dispatchCostLine) {
    lines.push(r.dispatchCostLine);
    lines.push('');
  }
  const notes: string[] = [];
  for (const e of r.engines) if (!e.available) notes.push(`- ${e.label}: not run (${e.note ?? 'unavailable'})`);
  for (const e of engines) {
    for (const w of WORKLOADS) {
      const c = r.cells[e.id]?.[w.id];
      if (c && c.errors.length) notes.push(`- ${e.label} ${w.id}: ${c.errors.join('; ')}`);
    }
  }
  if (notes.length) {
    lines.push('Notes:');
    lines.push(...notes);
    lines.push('');
  }
  return lines.join('\n');
}
