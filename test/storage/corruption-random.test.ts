// Randomized corruption: byte flips at random offsets of a database left as a crash leaves it
// (data file pages including the header page, WAL header, WAL frame headers and bodies, the
// zero-filled WAL tail), then open and query every table through the public API. Every outcome
// must be either the right rows or a DispatcherError with a SQLSTATE, never another exception
// and never rows that differ from the acknowledged state. WAL flips follow the recovery rule
// (src/storage/README.md): damage in the last write is a torn tail (the state before it), damage
// in an earlier write is XX001 at open.
// DISPATCHDB_CORRUPTION_TRIALS=N runs more trials (default 250); DISPATCHDB_CORRUPTION_SEED
// picks the seed.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { DispatcherError } from '../../src/api/errors.js';
import type { SqlValue } from '../../src/storage/ports.js';

const TRIALS = Number(process.env['DISPATCHDB_CORRUPTION_TRIALS'] ?? 250);
const SEED = Number(process.env['DISPATCHDB_CORRUPTION_SEED'] ?? 7);
const PAGE = 4096;

const QUERIES: readonly (readonly [string, readonly SqlValue[]])[] = [
  ['SELECT id, v, n FROM a ORDER BY id', []],
  ['SELECT id FROM a WHERE v >= $1 ORDER BY v, id', ['v-2']],
  ['SELECT count(*), sum(n) FROM a', []],
  ['SELECT k, blob FROM b ORDER BY k', []],
  ['SELECT x, y FROM c ORDER BY x, y', []],
  ['SELECT x FROM c WHERE y = $1', ['y-7']],
];

let dir: string;
/** The pristine crash copy. */
let pristine: string;
/** Query results after the checkpointed base (state 0) and after each later commit (one write each). */
const states: unknown[][][] = [];
/** WAL offsets: frame starts with their length, and the end of each write. */
let frames: { start: number; len: number }[] = [];
let writeEnds: number[] = [];
let walUsed = 0;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function results(db: Database): Promise<unknown[][]> {
  const s = await db.connect();
  const out: unknown[][] = [];
  for (const [sql, params] of QUERIES) out.push((await s.execute(sql, [...params])).rows as unknown[]);
  await s.close();
  return out;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dispatchdb-corrupt-'));
  const live = path.join(dir, 'live.db');
  const db = await Database.open(live, { pageSize: PAGE });
  const s = await db.connect();
  await s.execute('CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT, n BIGINT)');
  await s.execute('CREATE INDEX a_v ON a (v)');
  await s.execute('CREATE TABLE b (k TEXT PRIMARY KEY, blob BYTEA)');
  await s.execute('CREATE TABLE c (x INTEGER, y TEXT)');
  await s.execute('BEGIN');
  for (let i = 0; i < 400; i++) await s.execute('INSERT INTO a VALUES ($1, $2, $3)', [i, `v-${i % 37}-${i}`, 2n ** 40n * BigInt(i)]);
  // Rows over a quarter page go to overflow runs.
  for (let i = 0; i < 24; i++) await s.execute('INSERT INTO b VALUES ($1, $2)', [`k${i}`, new Uint8Array(i % 3 === 0 ? 5000 : 300).fill(i)]);
  for (let i = 0; i < 300; i++) await s.execute('INSERT INTO c VALUES ($1, $2)', [i % 50, `y-${i % 11}`]);
  await s.execute('COMMIT');
  await db.checkpoint();
  states.push(await results(db));
  // Later commits, each its own WAL write: they live only in the WAL of the crash copy.
  const later: readonly (readonly [string, readonly SqlValue[]])[] = [
    ['INSERT INTO a SELECT id + 1000, v, n FROM a WHERE id < 60', []],
    ['UPDATE b SET blob = $1 WHERE k = $2', [new Uint8Array(7000).fill(9), 'k3']],
    ['DELETE FROM c WHERE x < 10', []],
    ['CREATE INDEX c_y ON c (y)', []],
    ["UPDATE a SET v = v || '+' WHERE id % 7 = 0", []],
  ];
  for (const [sql, params] of later) {
    await s.execute(sql, [...params]);
    states.push(await results(db));
  }
  pristine = path.join(dir, 'pristine.db');
  fs.copyFileSync(live, pristine);
  fs.copyFileSync(`${live}-wal`, `${pristine}-wal`);
  await db.close();

  // Walk the copy's frames (format in src/storage/README.md) to know which write a byte is in.
  const wal = fs.readFileSync(`${pristine}-wal`);
  const salt = wal.readUInt32LE(24);
  let off = 32;
  while (off + 24 <= wal.length) {
    const kind = wal.readUInt32LE(off);
    const len = wal.readUInt32LE(off + 16);
    // 1 page image, 2 commit (ends the page images before it), 3 redo (a commit of row changes).
    if ((kind !== 1 && kind !== 2 && kind !== 3) || wal.readUInt32LE(off + 8) !== salt) break;
    frames.push({ start: off, len });
    off += 24 + len;
    if (kind === 2 || kind === 3) writeEnds.push(off);
  }
  walUsed = off;
}, 60_000);

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

type Target = 'data-header' | 'data-page' | 'wal-header' | 'wal-frame-header' | 'wal-frame-body' | 'wal-tail';

interface Tally {
  flips: number;
  byTarget: Map<Target, number>;
  correct: number;
  /** SQLSTATE -> count, at open and per query. */
  openErrors: Map<string, number>;
  queryErrors: Map<string, number>;
}

function bump<K>(m: Map<K, number>, k: K): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

function flipAt(file: string, at: number, mask: number): void {
  const fd = fs.openSync(file, 'r+');
  const b = Buffer.alloc(1);
  fs.readSync(fd, b, 0, 1, at);
  b[0] = b[0]! ^ mask;
  fs.writeSync(fd, b, 0, 1, at);
  fs.closeSync(fd);
}

function checkError(e: unknown, where: string): DispatcherError {
  if (!(e instanceof DispatcherError)) throw new Error(`${where}: not a DispatcherError: ${String(e)}`, { cause: e });
  expect(e.sqlState, where).toMatch(/^[0-9A-Z]{5}$/);
  if (e.sqlState === 'XX001') {
    // A clear error: the page, or the WAL byte, or the file that is not ours.
    expect(e.message, where).toMatch(/page \d+ of .* is corrupted|-wal is corrupted|is not a dispatchdb database file/);
  }
  return e;
}

async function trial(n: number, r: () => number, t: Tally): Promise<void> {
  const file = path.join(dir, `t${n}.db`);
  fs.copyFileSync(pristine, file);
  fs.copyFileSync(`${pristine}-wal`, `${file}-wal`);
  const dataSize = fs.statSync(file).size;
  const walSize = fs.statSync(`${file}-wal`).size;
  const targets: Target[] = ['data-header', 'data-page', 'data-page', 'wal-header', 'wal-frame-header', 'wal-frame-body', 'wal-frame-body'];
  if (walSize > walUsed) targets.push('wal-tail');
  const target = targets[Math.floor(r() * targets.length)]!;
  const mask = 1 + Math.floor(r() * 255);
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo));
  let allowed: number[];
  const last = states.length - 1;
  let where: string;
  if (target === 'data-header' || target === 'data-page') {
    // Up to three flips in the data file: the WAL still describes the final state.
    const count = 1 + Math.floor(r() * 3);
    const offs: number[] = [];
    for (let i = 0; i < count; i++) {
      offs.push(target === 'data-header' ? int(0, r() < 0.8 ? 512 : PAGE) : int(PAGE, dataSize));
    }
    for (const o of offs) flipAt(file, o, mask);
    t.flips += count;
    allowed = [last];
    where = `${target} ${offs.join(',')}`;
  } else {
    let at: number;
    if (target === 'wal-header') at = int(0, 32);
    else if (target === 'wal-tail') at = int(walUsed, walSize);
    else {
      const f = frames[Math.floor(r() * frames.length)]!;
      at = target === 'wal-frame-header' ? int(f.start, f.start + 24) : int(f.start + 24, f.start + 24 + f.len);
    }
    flipAt(`${file}-wal`, at, mask);
    t.flips++;
    where = `${target} ${at}`;
    if (target === 'wal-tail') allowed = [last];
    else if (target === 'wal-header') allowed = [];
    else {
      const write = writeEnds.findIndex((end) => at < end) + 1;
      // Damage in the last write: a torn tail, cut to the state before it. Earlier: corruption.
      allowed = write === writeEnds.length ? [last - 1] : [];
    }
  }
  bump(t.byTarget, target);

  let db: Database;
  try {
    db = await Database.open(file, { pageSize: PAGE, poolPages: 16 });
  } catch (e) {
    bump(t.openErrors, checkError(e, `trial ${n} open after ${where}`).sqlState);
    return;
  }
  expect(allowed.length, `trial ${n}: ${where} opened, but the damage should have been reported`).toBeGreaterThan(0);
  try {
    const s = await db.connect();
    for (let q = 0; q < QUERIES.length; q++) {
      const [sql, params] = QUERIES[q]!;
      let rows: unknown[];
      try {
        rows = (await s.execute(sql, [...params])).rows as unknown[];
      } catch (e) {
        bump(t.queryErrors, checkError(e, `trial ${n} ${sql} after ${where}`).sqlState);
        continue;
      }
      const ok = allowed.some((k) => isDeepStrictEqual(states[k]![q], rows));
      if (!ok) expect(rows, `trial ${n}: ${sql} after ${where} returned rows of no acknowledged state`).toEqual(states[allowed[0]!]![q]);
      t.correct++;
    }
    try {
      db.integrityCheck();
    } catch (e) {
      checkError(e, `trial ${n} integrityCheck after ${where}`);
    }
  } finally {
    try {
      await db.close();
    } catch (e) {
      checkError(e, `trial ${n} close after ${where}`);
    }
  }
}

describe('randomized corruption', () => {
  it(`${TRIALS} trials of byte flips: the right rows or a DispatcherError, never wrong rows`, async () => {
    expect(writeEnds).toHaveLength(states.length - 1);
    const t: Tally = { flips: 0, byTarget: new Map(), correct: 0, openErrors: new Map(), queryErrors: new Map() };
    const r = rng(SEED);
    for (let n = 0; n < TRIALS; n++) {
      await trial(n, r, t);
      for (const suffix of ['', '-wal']) fs.rmSync(path.join(dir, `t${n}.db${suffix}`), { force: true });
    }
    console.log(
      `corruption: ${TRIALS} trials, ${t.flips} bytes flipped (${JSON.stringify(Object.fromEntries(t.byTarget))}); ` +
        `${t.correct} query results correct; open errors ${JSON.stringify(Object.fromEntries(t.openErrors))}, ` +
        `query errors ${JSON.stringify(Object.fromEntries(t.queryErrors))}`,
    );
    // The trials must reach both outcomes, or they prove little.
    expect(t.correct).toBeGreaterThan(0);
    expect((t.openErrors.get('XX001') ?? 0) + (t.queryErrors.get('XX001') ?? 0)).toBeGreaterThan(0);
  }, Math.max(60_000, TRIALS * 400));
});
