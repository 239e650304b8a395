// A join that looks each left row's partners up by the whole primary key or by an index's
// equality (nested-join.ts, index mode): inner and left joins give what a model gives, with NULL
// and dangling foreign keys, several partners per key, a filter on the looked-up table, a key
// that is an expression, and a text value joined to an integer key (compared as SQL compares them).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/index.js';
import type { Session } from '../../src/index.js';

let db: Database;
let s: Session;
const P = 2000;
const C = 3000;
type Child = [number, number | null, string];
const children: Child[] = [];

beforeAll(async () => {
  db = await Database.open(':memory:');
  s = await db.connect();
  await s.execute('CREATE TABLE p (id INTEGER PRIMARY KEY, w TEXT)');
  await s.execute('CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER, s TEXT)');
  await (await s.prepare('INSERT INTO p VALUES ($1, $2)')).executeMany(Array.from({ length: P }, (_, i) => [i, `w${i % 7}`]));
  for (let i = 0; i < C; i++) children.push([i, i % 11 === 0 ? null : (i * 37) % (P + 300), i % 5 === 0 ? 'x' : String((i * 13) % P)]);
  await (await s.prepare('INSERT INTO c VALUES ($1, $2, $3)')).executeMany(children);
});

afterAll(async () => {
  await db.close();
});

const pw = (id: number): string | undefined => (id >= 0 && id < P ? `w${id % 7}` : undefined);

describe('primary-key lookup joins', () => {
  it('inner and left joins of a few left rows equal the model', async () => {
    const few = children.filter((c) => c[0] < 60);
    const inner = (await s.execute('SELECT c.id, p.w FROM c JOIN p ON p.id = c.p_id WHERE c.id < 60 ORDER BY c.id')).rows;
    expect(inner).toEqual(few.filter((c) => c[1] !== null && pw(c[1]) !== undefined).map((c) => [c[0], pw(c[1]!)]));
    const left = (await s.execute('SELECT c.id, p.w FROM c LEFT JOIN p ON p.id = c.p_id WHERE c.id < 60 ORDER BY c.id')).rows;
    expect(left).toEqual(few.map((c) => [c[0], c[1] === null ? null : pw(c[1]) ?? null]));
    // A filter on the looked-up row, and a key computed from the left row.
    const filtered = (await s.execute("SELECT c.id FROM c JOIN p ON p.id = c.p_id + 1 WHERE c.id < 60 AND p.w = 'w3' ORDER BY c.id")).rows;
    expect(filtered.map((r) => (r as unknown[])[0])).toEqual(few.filter((c) => c[1] !== null && pw(c[1] + 1) === 'w3').map((c) => c[0]));
  });

  it('looks partners up along an index: several per key, inner and left', async () => {
    await s.execute('CREATE INDEX c_p ON c (p_id)');
    try {
      const kids = (pid: number): Child[] => children.filter((c) => c[1] === pid);
      const inner = (await s.execute("SELECT p.id, c.id FROM p JOIN c ON c.p_id = p.id WHERE p.id < 40 AND c.s <> 'x' ORDER BY p.id, c.id")).rows;
      const want: number[][] = [];
      for (let pid = 0; pid < 40; pid++) for (const c of kids(pid)) if (c[2] !== 'x') want.push([pid, c[0]]);
      expect(inner).toEqual(want);
      const left = (await s.execute('SELECT p.id, c.id FROM p LEFT JOIN c ON c.p_id = p.id WHERE p.id < 40 ORDER BY p.id, c.id')).rows;
      const wantLeft: (number | null)[][] = [];
      for (let pid = 0; pid < 40; pid++) {
        const ks = kids(pid);
        if (ks.length === 0) wantLeft.push([pid, null]);
        for (const c of ks) wantLeft.push([pid, c[0]]);
      }
      expect(left).toEqual(wantLeft);
      expect(wantLeft.some((r) => r[1] === null)).toBe(true);
    } finally {
      await s.execute('DROP INDEX c_p');
    }
  });

  it('joins a text value to the integer key as SQL compares them', async () => {
    const few = children.filter((c) => c[0] < 40);
    const got = (await s.execute('SELECT c.id, p.id FROM c JOIN p ON p.id = c.s WHERE c.id < 40 ORDER BY c.id')).rows;
    const want = few.filter((c) => c[2] !== 'x').map((c) => [c[0], Number(c[2])]);
    expect(got).toEqual(want);
  });
});
