// ORDER BY ... LIMIT served by reading an index in order must give what sorting gives: for every
// direction and NULL placement (the index keeps NULLs first; PostgreSQL's default puts them last
// ascending, first descending), with duplicates, NULLs, OFFSET and a filter on another column.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { TestDb } from '../test/execution/harness.js';

interface Case {
  readonly rows: readonly (number | null)[];
  readonly desc: boolean;
  readonly nulls: '' | ' NULLS FIRST' | ' NULLS LAST';
  readonly limit: number;
  readonly offset: number;
  readonly filter: boolean;
}

/** The k values ORDER BY k gives, sorted in JavaScript with PostgreSQL's NULL placement. */
function expected(c: Case): (number | null)[] {
  const nullsFirst = c.nulls === '' ? c.desc : c.nulls === ' NULLS FIRST';
  const ks = c.rows.filter((_, i) => !c.filter || i % 3 !== 0);
  const nonNull = ks.filter((k): k is number => k !== null).sort((a, b) => (c.desc ? b - a : a - b));
  const nulls = ks.filter((k) => k === null);
  const all = nullsFirst ? [...nulls, ...nonNull] : [...nonNull, ...nulls];
  return all.slice(c.offset, c.offset + c.limit);
}

let db: TestDb | undefined;
afterEach(async () => {
  await db?.close();
  db = undefined;
});

describe('ordered index scans', () => {
  it('give the rows a sort gives, NULLs placed as ORDER BY says', async () => {
    const caseArb = fc.record({
      rows: fc.array(fc.option(fc.integer({ min: -5, max: 20 }), { freq: 4 }), { maxLength: 60 }),
      desc: fc.boolean(),
      nulls: fc.constantFrom('' as const, ' NULLS FIRST' as const, ' NULLS LAST' as const),
      limit: fc.integer({ min: 1, max: 70 }),
      offset: fc.integer({ min: 0, max: 10 }),
      filter: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        db = await TestDb.open();
        await db.run('CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, f INTEGER)');
        await db.run('CREATE INDEX t_k ON t(k)');
        for (let i = 0; i < c.rows.length; i++) await db.run(`INSERT INTO t VALUES (${i}, ${c.rows[i] ?? 'NULL'}, ${i % 3})`);
        const where = c.filter ? 'WHERE f <> 0 ' : '';
        const sql = `SELECT k FROM t ${where}ORDER BY k${c.desc ? ' DESC' : ''}${c.nulls} LIMIT ${c.limit} OFFSET ${c.offset}`;
        const r = await db.run(sql);
        // The case this test is for: the whole index read in order, no sort.
        expect(r.compiled.explain().join('\n')).not.toContain('Sort');
        expect(r.rows.map((x) => x[0])).toEqual(expected(c));
        await db.close();
        db = undefined;
      }),
      { numRuns: 150 },
    );
  });
});
