// Renders every lifecycle machine as a state × event table (Markdown), from the tables derived
// from the machines themselves: a reader sees each lifecycle without reading code. The rendered
// report is kept in machines/TRANSITIONS.md; a test fails when it is out of date.
import { queryTable, sessionTable, transactionTable } from './tables.js';
import type { TransitionTable } from './transition-table.js';

function render(title: string, about: string, t: TransitionTable): string {
  const lines = [`## ${title}`, '', about, '', `| state \\ event | ${t.events.join(' | ')} |`];
  lines.push(`| --- | ${t.events.map(() => '---').join(' | ')} |`);
  for (const s of t.states) {
    const cells = t.events.map((e) => {
      if (t.finals.includes(s)) return '·';
      const entry = t.entries[s]?.[e];
      if (entry === undefined) return '?';
      const moved = entry.target !== s;
      const acts = entry.actions.length > 0 ? ` (${entry.actions.join(', ')})` : '';
      return moved ? `→ ${entry.target}${acts}` : entry.actions.length > 0 ? `stay${acts}` : 'stay';
    });
    lines.push(`| **${s}**${t.finals.includes(s) ? ' (final)' : ''} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

export function renderTransitionReport(): string {
  return [
    '# Lifecycle transitions',
    '',
    'Generated from the XState machines in this folder by `npm run machines:report`; do not edit by hand',
    '(`test/machines/transition-report.test.ts` fails when this file is out of date).',
    'Each cell: the next state and the actions run; `stay` keeps the state; `reject…` actions refuse the',
    'event with an error; `·` marks a final state, which takes no more events.',
    '',
    render('Query', 'One statement, from arrival to its end (`machines/query-machine.ts`).', queryTable),
    '',
    render('Transaction', 'The transaction state of one session (`machines/transaction-machine.ts`).', transactionTable),
    '',
    render('Session', 'One connection (`machines/session-machine.ts`).', sessionTable),
    '',
  ].join('\n');
}
