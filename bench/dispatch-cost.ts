// Per-statement cost of dispatchdb's dispatch path: trivial statements (SELECT 1) through
// session.execute and through a prepared statement, next to the floor of one awaited async call
// and better-sqlite3 running the same statement.
import Database from 'better-sqlite3';
import { loadDispatchdb } from './engines/dispatchdb.js';

export interface DispatchCost {
  /** µs per statement. */
  readonly executeUs: number;
  readonly preparedUs: number;
  /** Mean of metrics.executionTimeMs (converted to µs) reported by the engine, if it reports one. */
  readonly reportedExecutionUs?: number;
  readonly awaitFloorUs: number;
  readonly betterSqlite3UnpreparedUs: number;
  readonly betterSqlite3PreparedUs: number;
  /** W9's statement (id inlined, fresh text each time) on a 100-row table: latency and parse-cache hits. */
  readonly inlinePointUs: number;
  readonly inlineParseCacheHitPct: number;
  readonly ops: number;
}

async function perOp(n: number, capMs: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  for (let i = 0; i < Math.min(1000, n / 10); i++) await fn();
  const t0 = performance.now();
  let i = 0;
  for (; i < n; i++) {
    await fn();
    if ((i & 255) === 0 && performance.now() - t0 > capMs) {
      i++;
      break;
    }
  }
  return ((performance.now() - t0) * 1000) / i;
}

export async function measureDispatchCost(n: number, capMs: number): Promise<DispatchCost | Error> {
  const m = await loadDispatchdb();
  if (m instanceof Error) return m;
  const db = await m.Database.open(':memory:');
  try {
    const s = await db.connect();
    const check = await s.execute('SELECT 1', [], { rowMode: 'array' });
    const first = check.rows[0];
    const v = Array.isArray(first) ? first[0] : first ? Object.values(first)[0] : undefined;
    if (Number(v) !== 1) return new Error(`SELECT 1 returned ${JSON.stringify(check.rows)}`);
    let reported = 0;
    let reports = 0;
    const executeUs = await perOp(n, capMs, async () => {
      const r = await s.execute('SELECT 1', [], { rowMode: 'array' });
      const t = r.metrics?.executionTimeMs;
      if (typeof t === 'number') {
        reported += t;
        reports++;
      }
    });
    await s.execute('CREATE TABLE dispatch_cost (id INTEGER PRIMARY KEY, v TEXT)');
    const ins = await s.prepare('INSERT INTO dispatch_cost VALUES ($1, $2)');
    for (let i = 1; i <= 100; i++) await ins.execute([i, 'v' + i]);
    let inlineRuns = 0;
    let inlineHits = 0;
    const inlinePointUs = await perOp(n, capMs, async () => {
      const r = await s.execute(`SELECT * FROM dispatch_cost WHERE id = ${1 + (inlineRuns++ % 100)}`, [], { rowMode: 'array' });
      if (r.metrics?.parseCacheHit) inlineHits++;
    });
    const p = await s.prepare('SELECT 1');
    const preparedUs = await perOp(n, capMs, () => p.execute([], { rowMode: 'array' }));
    await s.close();
    const noop = async (): Promise<number> => 1;
    const awaitFloorUs = await perOp(n, capMs, noop);
    const lite = new Database(':memory:');
    const bsUn = await perOp(n, capMs, () => lite.prepare('SELECT 1').raw(true).get());
    const st = lite.prepare('SELECT 1').raw(true);
    const bsPrep = await perOp(n, capMs, () => st.get());
    lite.close();
    return {
      executeUs,
      preparedUs,
      ...(reports > 0 ? { reportedExecutionUs: (reported / reports) * 1000 } : {}),
      awaitFloorUs,
      betterSqlite3UnpreparedUs: bsUn,
      betterSqlite3PreparedUs: bsPrep,
      inlinePointUs,
      inlineParseCacheHitPct: inlineRuns ? (inlineHits / inlineRuns) * 100 : 0,
      ops: n,
    };
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  } finally {
    await db.close().catch(() => undefined);
  }
}

export function formatDispatchCost(c: DispatchCost | Error): string {
  if (c instanceof Error) return `dispatchdb dispatch path: not measured (${c.message})`;
  const f = (x: number): string => x.toFixed(x < 10 ? 2 : 1);
  const reported = c.reportedExecutionUs !== undefined ? ` (its own metrics.executionTimeMs: ${f(c.reportedExecutionUs)} µs)` : '';
  return (
    `dispatchdb dispatch path, per statement: session.execute('SELECT 1') ${f(c.executeUs)} µs${reported}; ` +
    `prepared SELECT 1 ${f(c.preparedUs)} µs; floor of one awaited async call ${f(c.awaitFloorUs)} µs; ` +
    `better-sqlite3 SELECT 1 unprepared ${f(c.betterSqlite3UnpreparedUs)} µs, prepared ${f(c.betterSqlite3PreparedUs)} µs; ` +
    `W9-style inlined point select on a 100-row table ${f(c.inlinePointUs)} µs, parse cache hit on ${c.inlineParseCacheHitPct.toFixed(0)}%`
  );
}
