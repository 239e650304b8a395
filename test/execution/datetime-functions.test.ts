import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDb } from './harness.js';

let db: TestDb;
beforeAll(async () => {
  db = await TestDb.open();
});
afterAll(async () => {
  await db.close();
});

async function one(expr: string): Promise<unknown[]> {
  const rows = await db.rows(`SELECT ${expr}`);
  return rows[0]!;
}

describe('dates, timestamps and intervals', () => {
  it('checks typed literals and casts and writes them canonically', async () => {
    expect(await one("date '2024-1-5', timestamp '2024-01-05 7:08', CAST('2024-01-05 10:11:12' AS date), CAST('2024-01-05' AS timestamp)")).toEqual([
      '2024-01-05',
      '2024-01-05 07:08:00',
      '2024-01-05',
      '2024-01-05 00:00:00',
    ]);
    expect(await one("timestamp '2024-01-05 10:11:12.120'")).toEqual(['2024-01-05 10:11:12.12']);
    expect(await db.state("SELECT date '2023-02-29'")).toBe('22008');
    expect(await db.state("SELECT date 'soon'")).toBe('22007');
    expect(await db.state("SELECT CAST('2024-13-01' AS timestamp)")).toBe('22008');
  });

  it('adds days to dates and subtracts dates', async () => {
    expect(await one("date '2024-02-28' + 1, 1 + date '2024-12-31', date '2024-03-01' - 1, date '2024-03-01' - date '2023-03-01'")).toEqual([
      '2024-02-29',
      '2025-01-01',
      '2024-02-29',
      366,
    ]);
  });

  it('adds intervals (months clamp to the month end) and subtracts timestamps', async () => {
    expect(await one("date '2024-01-31' + interval '1 month', timestamp '2024-01-31 23:30:00' + interval '45 minutes'")).toEqual([
      '2024-02-29 00:00:00',
      '2024-02-01 00:15:00',
    ]);
    expect(await one("timestamp '2024-03-31 10:00' - interval '1 mon 2 days 03:00:00'")).toEqual(['2024-02-27 07:00:00']);
    expect(await one("timestamp '2024-01-02 03:04:05' - timestamp '2024-01-01 00:00:00', timestamp '2024-01-01' - timestamp '2024-01-02 12:00'")).toEqual([
      '1 day 03:04:05',
      '-1 days -12:00:00',
    ]);
  });

  it('reads and prints intervals as PostgreSQL does', async () => {
    expect(
      await one("interval '1 day', interval '90 minutes', interval '1.5 days', interval '1 year 14 months', interval '-1 day', interval '1 week', '1 day 2 hours'::interval"),
    ).toEqual(['1 day', '01:30:00', '1 day 12:00:00', '2 years 2 mons', '-1 days', '7 days', '1 day 02:00:00']);
    expect(await db.state("SELECT interval 'a while'")).toBe('22007');
  });

  it('EXTRACT, date_part and date_trunc', async () => {
    expect(
      await one(
        "extract(year from date '2024-05-06'), extract(month from timestamp '2024-05-06 07:08:09'), extract(dow from date '2024-05-06'), extract(doy from date '2024-12-31'), extract(quarter from date '2024-05-06'), extract(epoch from timestamp '1970-01-02 00:00:01'), extract(second from timestamp '2024-01-01 10:11:12.5')",
      ),
    ).toEqual([2024, 5, 1, 366, 2, 86401, 12.5]);
    expect(await one("extract(week from date '2021-01-03'), extract(isoyear from date '2021-01-03'), extract(century from date '2000-12-31')")).toEqual([53, 2020, 20]);
    expect(await one("extract(hour from interval '3 days 04:05:06'), date_part('day', date '2024-05-06')")).toEqual([4, 6]);
    expect(
      await one("date_trunc('month', timestamp '2024-05-06 07:08:09'), date_trunc('hour', timestamp '2024-05-06 07:08:09'), date_trunc('week', date '2024-05-09')"),
    ).toEqual(['2024-05-01 00:00:00', '2024-05-06 07:00:00', '2024-05-06 00:00:00']);
    expect(await db.state("SELECT date_part('fortnight', date '2024-05-06')")).toBe('22023');
  });

  it('works over date and timestamp columns, comparisons included', async () => {
    await db.run('CREATE TABLE ev(id INTEGER PRIMARY KEY, d DATE, ts TIMESTAMP)');
    await db.run("INSERT INTO ev VALUES (1, '2024-03-01', '2024-03-01 10:00:00'), (2, '2024-02-29', '2024-02-29 23:59:59')");
    expect(await db.rows("SELECT id, d + 7, ts + interval '1 minute', extract(month from d) FROM ev ORDER BY d")).toEqual([
      [2, '2024-03-07', '2024-03-01 00:00:59', 2],
      [1, '2024-03-08', '2024-03-01 10:01:00', 3],
    ]);
    expect(await db.rows("SELECT id FROM ev WHERE d >= date '2024-03-01' - 1 AND ts < timestamp '2024-03-01 09:00'")).toEqual([[2]]);
    expect(await one('current_date - current_date, now() IS NOT NULL')).toEqual([0, true]);
    // Values written into date and timestamp columns are checked and stored canonically.
    await db.run("INSERT INTO ev VALUES (3, '2024-3-2', '2024-03-02T08:00')");
    expect(await db.rows('SELECT d, ts FROM ev WHERE id = 3')).toEqual([['2024-03-02', '2024-03-02 08:00:00']]);
    expect(await db.state("INSERT INTO ev VALUES (4, 'tomorrow', NULL)")).toBe('22007');
    expect(await db.state("UPDATE ev SET ts = '2024-02-30 10:00' WHERE id = 3")).toBe('22008');
  });
});

describe('age, to_timestamp, make_interval, justify_*', () => {
  it('age: years and months, then days borrowed from the month of the earlier date, then time', async () => {
    expect(
      await one(
        "age(timestamp '2024-05-17', timestamp '2024-01-01'), age(date '2024-03-01', date '2024-01-31'), age(timestamp '2001-04-10', timestamp '1957-06-13'), age(timestamp '2024-01-01 10:00', timestamp '2024-05-17 12:30'), age(date '2024-01-31', date '2024-03-01'), age(NULL, date '2024-01-01')",
      ),
    ).toEqual(['4 mons 16 days', '1 mon 1 day', '43 years 9 mons 27 days', '-4 mons -16 days -02:30:00', '-1 mons -1 days', null]);
    // One argument: from today at midnight.
    const [a] = await one('age(current_date - 1)');
    expect(a).toBe('1 day');
  });

  it('scales intervals by numbers, and adds the scaled interval to a timestamp', async () => {
    expect(await one("interval '1 day' * 2, 3 * interval '1 hour', interval '1 mon' / 2, interval '1 day 2 hours' * 1.5, interval '1 mon' * 0.5")).toEqual([
      '2 days',
      '03:00:00',
      '15 days',
      '1 day 15:00:00',
      '15 days',
    ]);
    expect(await one("timestamp '2024-01-10' - interval '1 day' * 3, timestamp '2024-01-10' + CAST('1 hour' AS interval) * 2, date '2024-01-10' + '2 days'::interval")).toEqual([
      '2024-01-07 00:00:00',
      '2024-01-10 02:00:00',
      '2024-01-12 00:00:00',
    ]);
    expect(await db.state("SELECT interval '1 day' / 0")).toBe('22012');
  });

  it('to_timestamp of Unix seconds, make_interval, justify_days / _hours / _interval', async () => {
    expect(await one('to_timestamp(0), to_timestamp(1700000000.5), to_timestamp(-1)')).toEqual(['1970-01-01 00:00:00', '2023-11-14 22:13:20.5', '1969-12-31 23:59:59']);
    expect(await one('make_interval(1, 2, 1, 3, 4, 5, 6.5), make_interval(0, 0, 0, 2)')).toEqual(['1 year 2 mons 10 days 04:05:06.5', '2 days']);
    expect(await one("justify_hours(interval '27 hours'), justify_days(interval '35 days'), justify_interval(interval '1 mon 50 hours')")).toEqual([
      '1 day 03:00:00',
      '1 mon 5 days',
      '1 mon 2 days 02:00:00',
    ]);
  });
});

describe('more scalar functions', () => {
  it('string functions', async () => {
    expect(await one("concat_ws('-', 'a', NULL, 'b'), concat_ws(NULL, 'a'), translate('12345', '143', 'ax'), bit_length('abc'), to_hex(255), to_hex(-1)")).toEqual([
      'a-b',
      null,
      'a2x5',
      24,
      'ff',
      'ffffffff',
    ]);
    expect(await one("regexp_replace('a1b22c333', '[0-9]+', '#'), regexp_replace('a1b22c333', '[0-9]+', '#', 'g'), regexp_replace('Hello', '(l+)', '<\\1>')")).toEqual([
      'a#b22c333',
      'a#b#c#',
      'He<ll>o',
    ]);
  });

  it('math functions', async () => {
    expect(await one('cbrt(27), degrees(pi()), radians(180) = pi(), sin(0), cos(0), atan2(1, 1) * 4 = pi(), gcd(12, 18), lcm(4, 6), gcd(0, 5)')).toEqual([
      3,
      180,
      true,
      0,
      1,
      true,
      6,
      12,
      5,
    ]);
    expect(await db.state('SELECT asin(2)')).toBe('22023');
    expect(await one('cbrt(NULL), gcd(NULL, 1)')).toEqual([null, null]);
  });
});

describe(':: casts inside expressions', () => {
  it('group as written with literals and parameters (the grammar nests them wrongly)', async () => {
    expect(await one("'2024-01-01'::date + 30, '5'::int * 2 + 1 - 3, 1 + '5'::int * 2, (1 + 2) * '3'::int")).toEqual(['2024-01-31', 8, 11, 9]);
    expect(await one("'3'::int::text || 'a', -'3'::int + 1, '7'::int - 1 > 5, 'a' || '5'::int || 'b'")).toEqual(['3a', -2, true, 'a5b']);
    expect(await db.rows('SELECT $1::int * 2 + 1, 10 - $2::int * 2', ['4', '3'])).toEqual([[9, 4]]);
    expect(await one("'a' || '5'::int, CAST(1 + 2 AS text), (1 + 2)::text")).toEqual(['a5', '3', '3']);
    expect(await db.state("SELECT 1 + '2.5'::int")).toBe('22P02');
  });
});
