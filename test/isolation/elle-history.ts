// The randomized isolation checker's workload and history (Elle-style list append).
// A workload is drawn by fast-check: transactions of 1 to 4 micro-ops (read a key, or append a
// unique value to it) assigned to 2 to 5 sessions over 3 to 5 keys. Running it yields a history:
// every transaction with the values its reads saw and how it ended.
import fc from 'fast-check';

export type Level = 'RC' | 'RR' | 'SER';
export const LEVEL_SQL: Readonly<Record<Level, string>> = {
  RC: 'READ COMMITTED',
  RR: 'REPEATABLE READ',
  SER: 'SERIALIZABLE',
};

/**
 * How a key's list is stored.
 * - 'set': elems(k, val primary key); append = INSERT, read = SELECT val ... ORDER BY val. Appends to
 *   one key do not conflict, so a read reveals which appends it saw but not their order: reads are
 *   analysed as sets (no ww edges).
 * - 'list': lists(k primary key, v text); append = UPDATE ... SET v = v || ' ' || x. Appends to one
 *   key conflict on its row, and every read reveals the key's version order (Elle's list-append).
 */
export type Encoding = 'set' | 'list';

export interface OpSpec {
  readonly f: 'r' | 'append';
  readonly k: number;
}
export interface TxnSpec {
  readonly session: number;
  readonly ops: readonly OpSpec[];
}
export interface Workload {
  readonly sessions: number;
  readonly keys: number;
  readonly txns: readonly TxnSpec[];
}

export function workloadArb(maxTxns = 14): fc.Arbitrary<Workload> {
  const op = fc.record({ f: fc.constantFrom<'r' | 'append'>('r', 'append'), k: fc.nat({ max: 4 }) });
  const txn = fc.record({ session: fc.nat({ max: 4 }), ops: fc.array(op, { minLength: 1, maxLength: 4 }) });
  return fc
    .record({
      sessions: fc.integer({ min: 2, max: 5 }),
      keys: fc.integer({ min: 3, max: 5 }),
      txns: fc.array(txn, { minLength: 2, maxLength: maxTxns }),
    })
    .map(({ sessions, keys, txns }) => ({
      sessions,
      keys,
      // Modulo rather than chain(): shrinking the session or key count keeps the transactions.
      txns: txns.map((t) => ({ session: t.session % sessions, ops: t.ops.map((o) => ({ f: o.f, k: o.k % keys })) })),
    }));
}

/** The unique value appended by op `o` of transaction `t` (positive, distinct across the workload). */
export function appendValue(t: number, o: number): number {
  return t * 10 + o + 1;
}

export type Op =
  | { readonly f: 'r'; readonly k: number; readonly value: readonly number[] }
  | { readonly f: 'append'; readonly k: number; readonly value: number };

/**
 * ok = committed; fail = definitely not committed (40001, 40P01, 55P03, or COMMIT answered
 * ROLLBACK); info = unknown (any other error, or cancelled when the run stalled).
 */
export type TxnStatus = 'ok' | 'fail' | 'info';

export interface Txn {
  readonly id: number;
  readonly session: number;
  /** The ops that ran (a failed transaction stops at its failing op, which is included if an append). */
  readonly ops: readonly Op[];
  readonly status: TxnStatus;
  readonly error?: string;
  /** Logical times (one counter for the whole run): BEGIN sent, and COMMIT answered COMMIT. */
  readonly begunAt?: number;
  readonly committedAt?: number;
}

export interface History {
  readonly level: Level;
  readonly encoding: Encoding;
  readonly txns: readonly Txn[];
  /** Every key's list read after all sessions ended; empty keys are present with []. */
  readonly final: ReadonlyMap<number, readonly number[]>;
  /** Harness-level trouble: the run stalled, an unexpected error. Any entry fails the run. */
  readonly problems: readonly string[];
}

export function describeTxn(t: Txn): string {
  const ops = t.ops.map((o) => (o.f === 'r' ? `r ${o.k} [${o.value.join(' ')}]` : `append ${o.k} ${o.value}`)).join(', ');
  return `T${t.id} (s${t.session}) ${t.status}${t.error !== undefined ? ` ${t.error}` : ''}: ${ops}`;
}

export function describeHistory(h: History): string {
  const lines = h.txns.map(describeTxn);
  lines.push(`final: ${[...h.final].map(([k, v]) => `${k}=[${v.join(' ')}]`).join(' ')}`);
  for (const p of h.problems) lines.push(`problem: ${p}`);
  return lines.join('\n');
}
