// Runs the records of one script against an engine and counts passes, failures and skips. It
// keeps going after a failure (a failed CREATE makes later records fail, as it would anywhere).
import { readFile } from 'node:fs/promises';
import type { EngineFactory, EngineOpenOptions, SltEngine } from './engine.js';
import { errorText } from './engine.js';
import type { ResultValue } from './format.js';
import { compareValues, formatRows, hashValues, sortedValues } from './format.js';
import type { QueryRecord, SltRecord, StatementRecord } from './parser.js';
import { appliesTo, isTestRecord, parseScript } from './parser.js';

export interface RecordFailure {
  readonly line: number;
  readonly sql: string;
  readonly reason: string;
  readonly expected?: readonly string[] | undefined;
  readonly got?: readonly string[] | undefined;
  readonly error?: string | undefined;
}

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

export interface ScriptReport extends Counts {
  /** Test records in the script (statements, queries, unreadable records). */
  readonly total: number;
  readonly failures: RecordFailure[];
  /** A `halt` record applied: the records after it did not run. */
  halted: boolean;
  /** The run was stopped (timeout); records that did not run count as failed. */
  stopped: string | undefined;
  elapsedMs: number;
}

export interface RunOptions {
  /** Called once before the first record with the number of test records. */
  readonly onStart?: ((total: number) => void) | undefined;
  /** Called after every test record (cheap callers only). */
  readonly onRecord?: ((counts: Readonly<Counts>, failure: RecordFailure | undefined) => void) | undefined;
  /** When aborted, the run stops before the next record and the rest count as failed. */
  readonly signal?: AbortSignal | undefined;
  /** Keep at most this many failures in the report (all are counted). */
  readonly maxFailures?: number | undefined;
}

export async function runScript(
  records: readonly SltRecord[],
  engine: SltEngine,
  opts: RunOptions = {},
): Promise<ScriptReport> {
  const started = performance.now();
  const total = records.filter(isTestRecord).length;
  const report: ScriptReport = {
    passed: 0,
    failed: 0,
    skipped: 0,
    total,
    failures: [],
    halted: false,
    stopped: undefined,
    elapsedMs: 0,
  };
  opts.onStart?.(total);
  const maxFailures = opts.maxFailures ?? 1000;
  const name = engine.conditionName;
  const labels = new Map<string, string>();
  let threshold = 0;

  const note = (failure: RecordFailure | undefined): void => {
    if (failure === undefined) report.passed++;
    else {
      report.failed++;
      if (report.failures.length < maxFailures) report.failures.push(failure);
    }
    opts.onRecord?.(report, failure);
  };

  for (const rec of records) {
    if (opts.signal?.aborted === true) {
      report.stopped = String(opts.signal.reason ?? 'stopped');
      break;
    }
    if (!appliesTo(rec.conditions, name)) {
      if (isTestRecord(rec)) {
        report.skipped++;
        opts.onRecord?.(report, undefined);
      }
      continue;
    }
    switch (rec.kind) {
      case 'hash-threshold':
        threshold = rec.threshold;
        continue;
      case 'halt':
        report.halted = true;
        break;
      case 'invalid':
        note({ line: rec.line, sql: rec.text, reason: rec.reason });
        continue;
      case 'statement':
        note(await runStatement(engine, rec));
        continue;
      case 'query':
        note(await runQuery(engine, rec, threshold, labels));
        continue;
    }
    break; // halt
  }
  if (report.stopped !== undefined) {
    // Whatever did not run is a failure: a file that hangs must not look better than one that errs.
    report.failed += total - report.passed - report.failed - report.skipped;
  }
  report.elapsedMs = performance.now() - started;
  return report;
}

async function runStatement(engine: SltEngine, rec: StatementRecord): Promise<RecordFailure | undefined> {
  try {
    await engine.statement(rec.sql);
  } catch (e) {
    if (!rec.expectOk) return undefined;
    return { line: rec.line, sql: rec.sql, reason: 'statement failed', error: errorText(e) };
  }
  return rec.expectOk ? undefined : { line: rec.line, sql: rec.sql, reason: 'statement succeeded, error expected' };
}

async function runQuery(
  engine: SltEngine,
  rec: QueryRecord,
  threshold: number,
  labels: Map<string, string>,
): Promise<RecordFailure | undefined> {
  let rows: readonly (readonly ResultValue[])[];
  try {
    rows = await engine.query(rec.sql);
  } catch (e) {
    return { line: rec.line, sql: rec.sql, reason: 'query failed', expected: rec.expected, error: errorText(e) };
  }
  const width = rec.types.length;
  const bad = rows.find((r) => r.length !== width);
  if (bad !== undefined) {
    return {
      line: rec.line,
      sql: rec.sql,
      reason: `wrong number of columns: got ${bad.length}, expected ${width}`,
      expected: rec.expected,
    };
  }
  const values = sortedValues(formatRows(rows, rec.types, engine.format), rec.sort);
  if (rec.label !== undefined) {
    // Queries sharing a label must give the same results (compared by their hash).
    const hash = hashValues(values);
    const previous = labels.get(rec.label);
    if (previous === undefined) labels.set(rec.label, hash);
    else if (previous !== hash) {
      return {
        line: rec.line,
        sql: rec.sql,
        reason: `result differs from earlier queries labelled '${rec.label}'`,
        got: values,
      };
    }
  }
  if (rec.expected === undefined) return undefined;
  const cmp = compareValues(values, rec.expected, threshold);
  if (cmp.ok) return undefined;
  return { line: rec.line, sql: rec.sql, reason: 'wrong result', expected: rec.expected, got: cmp.got };
}

export interface FileRunOptions extends RunOptions, EngineOpenOptions {}

/** Opens a fresh database, runs one script file on it, closes it. Never throws for engine failures. */
export async function runFile(file: string, factory: EngineFactory, opts: FileRunOptions = {}): Promise<ScriptReport> {
  const records = parseScript(await readFile(file, 'utf8'));
  const started = performance.now();
  let engine: SltEngine;
  try {
    engine = await factory.open(opts);
  } catch (e) {
    const total = records.filter(isTestRecord).length;
    return {
      passed: 0,
      failed: total,
      skipped: 0,
      total,
      failures: [{ line: 0, sql: '', reason: 'could not open the database', error: errorText(e) }],
      halted: false,
      stopped: `open failed: ${errorText(e)}`,
      elapsedMs: performance.now() - started,
    };
  }
  try {
    return await runScript(records, engine, opts);
  } finally {
    try {
      await engine.close();
    } catch {
      // A close failure after the run does not change the record counts.
    }
  }
}
