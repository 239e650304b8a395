// The case × level table of a Hermitage run, as plain text (stdout) and Markdown (the report file).
import type { HermitageCase, HermitageFile, LevelKey } from './hermitage-cases.js';
import { LEVEL_KEYS } from './hermitage-cases.js';
import { traceOf, type CaseRun } from './hermitage-runner.js';

function cell(c: HermitageCase, run: CaseRun | undefined): string {
  if (run === undefined) return '-';
  let s: string = run.verdict;
  if (run.verdict === 'ANOMALY') s += c.postgres[run.level] === 'prevented' ? ' (pg prevents)' : ' (as pg)';
  if (run.verdict === 'prevented' && c.postgres[run.level] === 'anomaly') s += ' (pg allows)';
  if (run.problems.length > 0) s += ' +problems';
  s += run.mismatches.length === 0 ? ', steps = pg' : `, steps ≠ pg: ${run.mismatches.length}`;
  return s;
}

function rowsOf(file: HermitageFile, runs: readonly CaseRun[]): string[][] {
  const by = new Map(runs.map((r) => [`${r.caseId}/${r.level}`, r]));
  return file.cases.map((c) => [c.id, ...LEVEL_KEYS.map((l: LevelKey) => cell(c, by.get(`${c.id}/${l}`)))]);
}

export function textTable(file: HermitageFile, runs: readonly CaseRun[]): string {
  const rows = [['case', ...LEVEL_KEYS], ...rowsOf(file, runs)];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((v, i) => v.padEnd(widths[i]!)).join(' | ')).join('\n');
}

export function markdownReport(file: HermitageFile, runs: readonly CaseRun[], command: string): string {
  const out: string[] = [];
  out.push('# Hermitage on dispatchdb', '');
  out.push(`Measured by \`${command}\` (block_ms ${file.block_ms}).`);
  out.push('Verdict = the case\'s anomaly predicate on what dispatchdb did; "steps = pg" = every step behaved as PostgreSQL 15 (information only: another way to prevent an anomaly is legitimate).', '');
  out.push(`| case | ${LEVEL_KEYS.join(' | ')} |`, `|---|${LEVEL_KEYS.map(() => '---').join('|')}|`);
  for (const r of rowsOf(file, runs)) out.push(`| ${r.join(' | ')} |`);
  out.push('', '## Differences from PostgreSQL, step by step', '');
  for (const c of file.cases) {
    for (const run of runs.filter((r) => r.caseId === c.id)) {
      const failed = run.verdict === 'hung' || (run.verdict === 'ANOMALY' && c.postgres[run.level] === 'prevented');
      if (run.mismatches.length === 0 && run.problems.length === 0 && !failed) continue;
      out.push(`### ${c.id} at ${run.level}: ${run.verdict}`, '');
      for (const m of run.mismatches) out.push(`- step ${m.index} ${m.session} \`${m.sql}\`: PostgreSQL ${m.expected}, dispatchdb ${m.observed}`);
      for (const p of run.problems) out.push(`- problem: ${p}`);
      out.push('', '```', traceOf(file, c, run), '```', '');
    }
  }
  return out.join('\n');
}
