// Summarises a .cpuprofile: self time by file (or by function) as a share of the total, optionally
// only inside the stretches where a marker function is on the stack (e.g. the adapter's
// pointSelect for W2), so set-up and other workloads do not dilute the figures.
//   node dist/bench/profile-summary.js <file.cpuprofile> [--marker pointSelect] [--by fn|file] [--top N]
import { readFileSync } from 'node:fs';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface Share {
  readonly name: string;
  readonly ms: number;
  readonly pct: number;
}

export function summarize(p: Profile, by: 'fn' | 'file', marker?: string): { totalMs: number; windows: number; shares: Share[] } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map<number, boolean>();
  const underMarker = (id: number): boolean => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    let found = false;
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
      if (byId.get(x)?.callFrame.functionName === marker) {
        found = true;
        break;
      }
    }
    memo.set(id, found);
    return found;
  };
  let t = p.startTime;
  const ts = p.timeDeltas.map((d) => (t += d));
  // Stretches of marker samples, split at gaps over 200 ms; GC and idle samples inside count too.
  const windows: [number, number][] = [];
  if (marker) {
    let cur: [number, number] | undefined;
    p.samples.forEach((id, i) => {
      const at = ts[i] ?? 0;
      if (!underMarker(id)) return;
      if (cur && at - cur[1] < 200_000) cur[1] = at;
      else windows.push((cur = [at, at]));
    });
  }
  const inside = (at: number): boolean => !marker || windows.some(([a, b]) => at >= a && at <= b);
  const self = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const at = ts[i] ?? 0;
    if (!inside(at)) return;
    const d = p.timeDeltas[i] ?? 0;
    total += d;
    const cf = byId.get(id)?.callFrame;
    if (!cf) return;
    const file = (cf.url || `(${cf.functionName})`).replace(/^file:\/\/.*?\/dist\//, '').replace(/.*node_modules\//, '');
    const key = by === 'fn' ? `${cf.functionName || '(anonymous)'} ${file}:${cf.lineNumber + 1}` : file;
    self.set(key, (self.get(key) ?? 0) + d);
  });
  const shares = [...self]
    .sort((a, b) => b[1] - a[1])
    .map(([name, us]) => ({ name, ms: us / 1000, pct: total ? (us / total) * 100 : 0 }));
  return { totalMs: total / 1000, windows: windows.length, shares };
}

function main(): void {
  const args = process.argv.slice(2);
  const file = args[0];
  if (!file) {
    process.stderr.write('usage: node dist/bench/profile-summary.js <file.cpuprofile> [--marker fn] [--by fn|file] [--top N]\n');
    process.exit(2);
  }
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const by = opt('--by') === 'fn' ? 'fn' : 'file';
  const top = Number(opt('--top') ?? 30);
  const r = summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile, by, opt('--marker'));
  process.stdout.write(`${r.totalMs.toFixed(0)} ms sampled${r.windows ? ` in ${r.windows} stretch(es) under the marker` : ''}\n`);
  for (const s of r.shares.slice(0, top)) process.stdout.write(`${s.pct.toFixed(1).padStart(5)}%  ${s.ms.toFixed(0).padStart(7)} ms  ${s.name}\n`);
}

main();
