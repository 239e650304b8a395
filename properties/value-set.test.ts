// IN by hashing against IN by comparing with each value: for any values (numbers with -0 and
// NaN, bigints inside and outside a double's range, text that reads as a number and text that
// does not, booleans, bytes, NULL), ValueSet membership must be what a linear scan with
// compareNonNull answers; and through SQL, a hashed IN list and an IN subquery must give the rows
// a chain of equalities gives.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../src/api/database.js';
import type { SqlValue } from '../src/storage/ports.js';
import { ValueSet } from '../src/execution/value-set.js';
import { ValueColumn } from '../src/execution/value-column.js';
import { compareNonNull } from '../src/execution/values.js';

const valueArb: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.constant(null),
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom(0, -0, 1.5, Number.NaN, Infinity, 2 ** 53, 2 ** 60),
  fc.constantFrom(3n, -2n, 2n ** 60n, 2n ** 60n + 1n, 2n ** 70n),
  fc.constantFrom('1', ' 2 ', '1.5', 'x', '', '  ', 'NaN', 'Infinity', '1e3', '-0'),
  fc.boolean(),
  fc.constantFrom(new Uint8Array([1]), new Uint8Array([1, 2]), new Uint8Array([])),
);

function linearHas(members: readonly SqlValue[], v: SqlValue): boolean {
  return members.some((w) => w !== null && compareNonNull(v, w) === 0);
}

describe('ValueSet', () => {
  it('answers membership as comparing with each value does', () => {
    fc.assert(
      fc.property(fc.array(valueArb, { maxLength: 8 }), fc.array(valueArb, { minLength: 1, maxLength: 8 }), (members, probes) => {
        const set = new ValueSet(members);
        // The same members collected as an IN subquery collects them (numbers unboxed until a
        // value of another kind arrives), read from the column's own array.
        const col = new ValueColumn();
        for (const m of members) col.push(m);
        const fromColumn = new ValueSet(col.values as readonly SqlValue[] | Float64Array, col.length);
        expect(set.hasNull).toBe(members.includes(null));
        expect(fromColumn.hasNull).toBe(members.includes(null));
        expect(fromColumn.size).toBe(set.size);
        for (const v of probes) {
          if (v === null) continue;
          expect(set.has(v)).toBe(linearHas(members, v));
          expect(fromColumn.has(v)).toBe(linearHas(members, v));
        }
        col.release();
      }),
      { numRuns: 500 },
    );
  });
});

describe('IN through SQL', () => {
  let db: Database | undefined;
  afterAll(async () => db?.close());

  it('a hashed IN list and an IN subquery select the rows equalities select', async () => {
    db = await Database.open(':memory:');
    const s = await db.connect();
    await s.execute('CREATE TABLE r(id INTEGER PRIMARY KEY, n INTEGER, t TEXT)');
    await s.execute('CREATE TABLE m(x INTEGER, y TEXT)');
    const rowArb = fc.record({ n: fc.option(fc.integer({ min: -3, max: 6 }), { freq: 5 }), t: fc.option(fc.constantFrom('a', 'b', '3', 'c'), { freq: 5 }) });
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowArb, { maxLength: 30 }),
        fc.array(fc.option(fc.integer({ min: -3, max: 6 }), { freq: 6 }), { minLength: 4, maxLength: 8 }),
        fc.array(fc.option(fc.constantFrom('a', 'b', '3', 'z'), { freq: 6 }), { minLength: 4, maxLength: 6 }),
        fc.boolean(),
        async (rows, ns, ts, negate) => {
          await s.execute('DELETE FROM r');
          await s.execute('DELETE FROM m');
          for (const [i, r] of rows.entries()) await s.execute('INSERT INTO r VALUES ($1, $2, $3)', [i, r.n, r.t]);
          for (let i = 0; i < Math.max(ns.length, ts.length); i++) await s.execute('INSERT INTO m VALUES ($1, $2)', [ns[i] ?? null, ts[i] ?? null]);
          const not = negate ? 'NOT ' : '';
          const lit = (v: number | string | null): string => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${v}'`);
          // The same three-valued answer as the IN, written as ORs of equalities (NULL-aware).
          const ors = (col: string, vs: readonly (number | string | null)[]): string => `(${vs.map((v) => `${col} = ${lit(v)}`).join(' OR ')})`;
          const ids = async (where: string, params?: readonly (number | string | boolean | null)[]): Promise<number[]> =>
            (await s.execute(`SELECT id FROM r WHERE ${where} ORDER BY id`, params)).rows.map((r) => (r as unknown as Record<string, SqlValue>).id as number);
          const expectN = await ids(negate ? `NOT ${ors('n', ns)}` : ors('n', ns));
          expect(await ids(`n ${not}IN (${ns.map(lit).join(', ')})`)).toEqual(expectN);
          expect(await ids(`n ${not}IN (${ns.map((_, i) => `$${i + 1}`).join(', ')})`, ns)).toEqual(expectN);
          expect(await ids(`n ${not}IN (SELECT x FROM m WHERE x IS NOT NULL OR $1)`, [ns.includes(null)])).toEqual(expectN);
          const expectT = await ids(negate ? `NOT ${ors('t', ts)}` : ors('t', ts));
          expect(await ids(`t ${not}IN (${ts.map(lit).join(', ')})`)).toEqual(expectT);
          expect(await ids(`t ${not}IN (SELECT y FROM m WHERE y IS NOT NULL OR $1)`, [ts.includes(null)])).toEqual(expectT);
        },
      ),
      { numRuns: 60 },
    );
  });
});
