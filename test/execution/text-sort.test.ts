// ORDER BY on text across many sort runs (more rows than one run holds): code point order, as
// the storage keys order text (a surrogate pair sorts after U+E000..U+FFFF, unlike UTF-16 units),
// NULLs where asked, and the same sequence as a sort in one piece.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/index.js';
import type { Session } from '../../src/api/session.js';

const PIECES = ['a', 'b', 'Z', '\u00e9', '\ue000', '\uffee', '\u{1f600}', '\u{10400}', ''];

function byCodePoint(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

describe('text sort', () => {
  let db: Database;
  let s: Session;
  const N = 10_000;
  const values: (string | null)[] = [];

  beforeEach(async () => {
    db = await Database.open(':memory:');
    s = await db.connect();
    await s.execute('CREATE TABLE w (id INTEGER PRIMARY KEY, c TEXT)');
    values.length = 0;
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let i = 0; i < N; i++) {
      if (rnd(50) === 0) {
        values.push(null);
        continue;
      }
      let t = '';
      const len = rnd(4);
      for (let j = 0; j < len; j++) t += PIECES[rnd(PIECES.length)]!;
      values.push(t);
    }
    await (await s.prepare('INSERT INTO w VALUES ($1, $2)')).executeMany(values.map((v, i) => [i, v]));
  });

  afterEach(async () => {
    await db.close();
  });

  it('orders by code point, ascending and descending, with NULLs placed as asked', async () => {
    const texts = values.filter((v): v is string => v !== null).sort(byCodePoint);
    const nulls = values.filter((v) => v === null);
    const asc = (await s.execute('SELECT c FROM w ORDER BY c')).rows.map((r) => r[0]);
    expect(asc).toEqual([...texts, ...nulls]);
    const desc = (await s.execute('SELECT c FROM w ORDER BY c DESC')).rows.map((r) => r[0]);
    expect(desc).toEqual([...nulls, ...[...texts].reverse()]);
    const nullsFirst = (await s.execute('SELECT c FROM w ORDER BY c NULLS FIRST')).rows.map((r) => r[0]);
    expect(nullsFirst).toEqual([...nulls, ...texts]);
    // Ties keep the order they were read in (the sort is stable).
    const ties = (await s.execute('SELECT c, id FROM w ORDER BY c')).rows;
    for (let i = 1; i < ties.length; i++) if (ties[i]![0] === ties[i - 1]![0]) expect(ties[i]![1] as number).toBeGreaterThan(ties[i - 1]![1] as number);
  });
});
