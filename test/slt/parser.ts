// Parser of the sqllogictest script format: records separated by blank lines, each a few header
// lines (conditions, then the command line), the SQL, and for queries the expected values after
// `----`. Control records (hash-threshold, halt) are records too, so the runner sees them in order.

export type SortMode = 'nosort' | 'rowsort' | 'valuesort';

export interface Conditions {
  /** Engines for which the record is skipped. */
  readonly skipif: readonly string[];
  /** When non-empty, the record runs only on these engines. */
  readonly onlyif: readonly string[];
}

interface RecordBase {
  /** 1-based line of the command line (`statement ...`, `query ...`). */
  readonly line: number;
  readonly conditions: Conditions;
}

export interface StatementRecord extends RecordBase {
  readonly kind: 'statement';
  readonly expectOk: boolean;
  readonly sql: string;
}

export interface QueryRecord extends RecordBase {
  readonly kind: 'query';
  /** One character per result column: I, R or T. */
  readonly types: string;
  readonly sort: SortMode;
  readonly label: string | undefined;
  readonly sql: string;
  /** Lines after `----`; undefined when the record has no `----` (only success is checked). */
  readonly expected: readonly string[] | undefined;
}

export interface HashThresholdRecord extends RecordBase {
  readonly kind: 'hash-threshold';
  readonly threshold: number;
}

export interface HaltRecord extends RecordBase {
  readonly kind: 'halt';
}

/** A record the parser could not understand: the runner reports it as a failure. */
export interface InvalidRecord extends RecordBase {
  readonly kind: 'invalid';
  readonly reason: string;
  readonly text: string;
}

export type SltRecord = StatementRecord | QueryRecord | HashThresholdRecord | HaltRecord | InvalidRecord;

const SORT_MODES: ReadonlySet<string> = new Set(['nosort', 'rowsort', 'valuesort']);

/** True for the records that count in pass/fail totals (not control records). */
export function isTestRecord(r: SltRecord): r is StatementRecord | QueryRecord | InvalidRecord {
  return r.kind === 'statement' || r.kind === 'query' || r.kind === 'invalid';
}

/** Whether a record's conditions let it run on the named engine. */
export function appliesTo(c: Conditions, engine: string): boolean {
  if (c.skipif.includes(engine)) return false;
  if (c.onlyif.length > 0 && !c.onlyif.includes(engine)) return false;
  return true;
}

export function parseScript(text: string): SltRecord[] {
  const lines = text.split(/\r?\n/);
  const records: SltRecord[] = [];
  let i = 0;
  while (i < lines.length) {
    // Gather one block of consecutive non-blank lines.
    while (i < lines.length && isBlank(lines[i]!)) i++;
    if (i >= lines.length) break;
    const start = i;
    while (i < lines.length && !isBlank(lines[i]!)) i++;
    const record = parseBlock(lines, start, i);
    if (record !== undefined) records.push(record);
  }
  return records;
}

function isBlank(line: string): boolean {
  return line.trim() === '';
}

/** Parses lines[start, end) (non-blank); undefined for a block of comments only. */
function parseBlock(lines: readonly string[], start: number, end: number): SltRecord | undefined {
  const skipif: string[] = [];
  const onlyif: string[] = [];
  let i = start;
  for (; i < end; i++) {
    const line = lines[i]!;
    if (line.startsWith('#')) continue;
    const words = line.trim().split(/\s+/);
    if (words[0] === 'skipif' && words[1] !== undefined) skipif.push(words[1]);
    else if (words[0] === 'onlyif' && words[1] !== undefined) onlyif.push(words[1]);
    else break;
  }
  if (i >= end) return undefined;
  const conditions: Conditions = { skipif, onlyif };
  const lineNo = i + 1;
  const words = lines[i]!.trim().split(/\s+/);
  const body = lines.slice(i + 1, end);
  const invalid = (reason: string): InvalidRecord => ({
    kind: 'invalid',
    line: lineNo,
    conditions,
    reason,
    text: lines.slice(i, end).join('\n'),
  });

  switch (words[0]) {
    case 'statement': {
      const mode = words[1];
      if (mode !== 'ok' && mode !== 'error') return invalid(`unknown statement mode '${mode ?? ''}'`);
      return { kind: 'statement', line: lineNo, conditions, expectOk: mode === 'ok', sql: body.join('\n') };
    }
    case 'query': {
      const types = words[1] ?? '';
      if (!/^[IRT]+$/.test(types)) return invalid(`bad query type string '${types}'`);
      const sort = words[2] ?? 'nosort';
      if (!SORT_MODES.has(sort)) return invalid(`unknown sort mode '${sort}'`);
      const sep = body.findIndex((l) => l.trim() === '----');
      const sqlLines = sep < 0 ? body : body.slice(0, sep);
      return {
        kind: 'query',
        line: lineNo,
        conditions,
        types,
        sort: sort as SortMode,
        label: words[3],
        sql: sqlLines.join('\n'),
        expected: sep < 0 ? undefined : body.slice(sep + 1).map((l) => l.trimEnd()),
      };
    }
    case 'hash-threshold': {
      const n = Number(words[1]);
      if (!Number.isInteger(n) || n < 0) return invalid(`bad hash-threshold '${words[1] ?? ''}'`);
      return { kind: 'hash-threshold', line: lineNo, conditions, threshold: n };
    }
    case 'halt':
      return { kind: 'halt', line: lineNo, conditions };
    default:
      return invalid(`unknown record type '${words[0] ?? ''}'`);
  }
}
