// M: resident memory after W1, measured in a process of its own so engines do not pollute each
// other. `node --expose-gc dist/bench/memory.js <engine|none> [rows]` prints one JSON line. The
// 'none' run generates and drops the same data without an engine: the baseline that M is over.
import { generateT } from './data.js';
import { loadEngine } from './engines/load.js';
import { ENGINE_IDS, type EngineId } from './engines/types.js';

export interface MemoryProbe {
  readonly engine: string;
  /** RSS after a first, engine-less pass over the data (so the JS heap has already grown for it). */
  readonly rssBeforeBytes: number;
  /** RSS after W1 (engine open, all rows inserted). */
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly externalBytes: number;
  readonly ok: boolean;
  readonly error?: string;
}

async function settle(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  const which = process.argv[2] ?? 'none';
  const rows = Number(process.argv[3] ?? 100_000);
  let ok = true;
  let error: string | undefined;
  let close: (() => Promise<void>) | undefined;
  // The same engine-less pass in every probe: what it leaves in RSS (heap grown for the data's
  // garbage) is then common to all, and M is the growth after it, minus the 'none' probe's growth.
  let n0 = 0;
  for (const chunk of generateT(rows)) n0 += chunk.length;
  await settle();
  const rssBeforeBytes = process.memoryUsage().rss;
  try {
    if (which === 'none') {
      let n = 0;
      for (const chunk of generateT(rows)) n += chunk.length;
      if (n !== rows || n0 !== rows) throw new Error(`generated ${n} rows`);
    } else {
      if (!(ENGINE_IDS as readonly string[]).includes(which)) throw new Error(`unknown engine ${which}`);
      // Only now is the engine's library loaded: its footprint counts in M, as for every engine.
      const e = await loadEngine(which as EngineId);
      await e.open();
      await e.createSchema();
      // Rows are generated chunk by chunk, so only what the engine keeps stays alive.
      const n = await e.insertT(generateT(rows));
      if (n !== rows) throw new Error(`inserted ${n} rows, expected ${rows}`);
      close = () => e.close();
    }
  } catch (err) {
    ok = false;
    error = err instanceof Error ? err.message : String(err);
  }
  await settle();
  const m = process.memoryUsage();
  const probe: MemoryProbe = { engine: which, rssBeforeBytes, rssBytes: m.rss, heapUsedBytes: m.heapUsed, externalBytes: m.external, ok, ...(error ? { error } : {}) };
  process.stdout.write(JSON.stringify(probe) + '\n');
  await close?.().catch(() => undefined);
  process.exit(0);
}

void main();
