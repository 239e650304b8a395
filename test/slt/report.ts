// Text the runner prints: the failing records of a file (verbose), the per-file table, and the
// last line, which tools read: exactly `N passed, N failed` then `, N skipped`.
import type { Counts, RecordFailure, ScriptReport } from './runner.js';

export interface FileRow {
  readonly name: string;
  readonly report: ScriptReport;
}

const MAX_LINES = 12;

function clip(lines: readonly string[]): string[] {
  if (lines.length <= MAX_LINES) return [...lines];
  return [...lines.slice(0, MAX_LINES), `... (${lines.length - MAX_LINES} more)`];
}

function indent(text: string, pad: string): string {
  return text
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}

export function formatFailure(file: string, f: RecordFailure): string {
  const out = [`${file}:${f.line}: ${f.reason}`];
  if (f.sql !== '') out.push(indent(f.sql, '    '));
  if (f.error !== undefined) out.push(`  error: ${f.error}`);
  if (f.expected !== undefined) out.push('  expected:', ...clip(f.expected).map((l) => `    ${l}`));
  if (f.got !== undefined) out.push('  got:', ...clip(f.got).map((l) => `    ${l}`));
  return out.join('\n');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)}s`;
}

function rate(c: Counts): string {
  const ran = c.passed + c.failed;
  return ran === 0 ? '-' : `${((100 * c.passed) / ran).toFixed(1)}%`;
}

export function formatTable(rows: readonly FileRow[]): string {
  const header = ['file', 'records', 'passed', 'failed', 'skipped', 'pass%', 'time', 'note'];
  const body = rows.map(({ name, report: r }) => [
    name,
    String(r.total),
    String(r.passed),
    String(r.failed),
    String(r.skipped),
    rate(r),
    seconds(r.elapsedMs),
    r.stopped ?? (r.halted ? 'halted' : ''),
  ]);
  const sum = totals(rows.map((r) => r.report));
  const elapsed = rows.reduce((s, r) => s + r.report.elapsedMs, 0);
  const records = rows.reduce((s, r) => s + r.report.total, 0);
  const footer = [
    `total (${rows.length} files)`,
    String(records),
    String(sum.passed),
    String(sum.failed),
    String(sum.skipped),
    rate(sum),
    seconds(elapsed),
    '',
  ];
  const all = [header, ...body, footer];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  // The file name is left-aligned, numbers right-aligned; the note is free text.
  const line = (r: readonly string[]): string =>
    r
      .map((cell, i) => (i === 0 || i === r.length - 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...body.map(line), rule, line(footer)].join('\n');
}

export function totals(reports: readonly Counts[]): Counts {
  const t: Counts = { passed: 0, failed: 0, skipped: 0 };
  for (const r of reports) {
    t.passed += r.passed;
    t.failed += r.failed;
    t.skipped += r.skipped;
  }
  return t;
}

export function summaryLine(c: Counts): string {
  return `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`;
}
