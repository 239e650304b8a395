// json and jsonb: columns and casts (checked; jsonb in canonical form), the operators -> ->> #> #>>
// @> <@ ||, the JSON functions and aggregates, and the system information / formatting functions
// beside them (pg_typeof, version, div, format, quote_*).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { TestDb } from './harness.js';

let db: TestDb;
beforeAll(async () => {
  db = await TestDb.open();
  await db.run('CREATE TABLE docs(id INTEGER PRIMARY KEY, g INTEGER, d JSONB, j JSON, t TEXT)');
  await db.run(`INSERT INTO docs VALUES
    (1, 1, '{"name": "ann", "tags": ["a", "b"], "n": 3, "addr": {"city": "Oslo"}}', '{"z" : 1,  "a" : [1, 2]}', 'x'),
    (2, 1, '{"name": "bob", "tags": [], "n": null}', '[1, "two", null]', 'y'),
    (3, 2, '[1, 2, {"k": true}]', '"just a string"', NULL),
    (4, 2, NULL, NULL, 'w')`);
});
afterAll(async () => {
  await db.close();
});

const one = async (sql: string): Promise<unknown> => (await db.run(sql)).rows[0]![0];

describe('json and jsonb values', () => {
  it('jsonb is stored in canonical form (key order, last duplicate wins, spacing); json as written', async () => {
    expect(await one(`SELECT '{"bb": 1, "a": {"y": 2, "x": [1,2]}, "bb": 3}'::jsonb`)).toBe('{"a": {"x": [1, 2], "y": 2}, "bb": 3}');
    expect(await one('SELECT j FROM docs WHERE id = 1')).toBe('{"z" : 1,  "a" : [1, 2]}');
    // Canonical text: equal documents are equal values.
    expect(await one(`SELECT '{"a":1,"b":2}'::jsonb = '{ "b" : 2, "a" : 1 }'::jsonb`)).toBe(true);
    expect((await db.run(`SELECT id FROM docs WHERE d = '{"tags":[],"n":null,"name":"bob"}'::jsonb`)).rows).toEqual([[2]]);
  });

  it('compares jsonb with text as jsonb: `=`, IN and an index probe find documents written otherwise', async () => {
    const q = `SELECT id FROM docs WHERE d = '{ "tags" : [], "name":"bob", "n":null }'`;
    expect((await db.run(q)).rows).toEqual([[2]]);
    expect((await db.run(`SELECT id FROM docs WHERE d IN ('[1,2,{"k":true}]', '{"n":null,"tags":[],"name":"bob"}') ORDER BY id`)).rows).toEqual([[2], [3]]);
    expect(await db.rows('SELECT id FROM docs WHERE d = $1', ['[1, 2, {"k" : true}]'])).toEqual([[3]]);
    await db.run('CREATE INDEX docs_d ON docs (d)');
    try {
      expect((await db.run(q)).rows).toEqual([[2]]);
      expect((await db.run(`SELECT id FROM docs WHERE d IN ('[1,2,{"k":true}]', '{"n":null,"tags":[],"name":"bob"}') ORDER BY id`)).rows).toEqual([[2], [3]]);
    } finally {
      await db.run('DROP INDEX docs_d');
    }
    expect(await db.outcome(`SELECT id FROM docs WHERE d = 'not json'`)).toBe('22P02');
  });

  it('refuses text that is not JSON (22P02), in casts and in columns', async () => {
    expect(await db.outcome(`SELECT '{"a": }'::jsonb`)).toBe('22P02');
    expect(await db.outcome(`SELECT 'nope'::json`)).toBe('22P02');
    expect(await db.outcome(`INSERT INTO docs (id, d) VALUES (9, '{bad')`)).toBe('22P02');
    expect(await db.outcome(`UPDATE docs SET j = 'x' WHERE id = 1`)).toBe('22P02');
    expect((await db.run('SELECT count(*) FROM docs')).rows).toEqual([[4]]);
  });

  it('survives a reopen of a database file with its type', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'ddb-json-'));
    try {
      const path = join(dir, 'j.db');
      let d = await Database.open(path);
      let s = await d.connect();
      await s.execute('CREATE TABLE t(id INTEGER PRIMARY KEY, d JSONB)');
      await s.execute(`INSERT INTO t VALUES (1, '{"b":1,"a":2}')`);
      await d.close();
      d = await Database.open(path);
      s = await d.connect();
      expect((await s.execute('SELECT d, pg_typeof(d) FROM t', [], { rowMode: 'array' })).rows).toEqual([['{"a": 2, "b": 1}', 'jsonb']]);
      await expect(s.execute(`INSERT INTO t VALUES (2, 'x')`)).rejects.toMatchObject({ sqlState: '22P02' });
      await d.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('JSON operators', () => {
  it('-> and ->> take a member or an element (negative from the end), as JSON or as text', async () => {
    const r = await db.run(`SELECT d -> 'name', d ->> 'name', d -> 'tags' -> 1, d -> 'tags' ->> 0, d -> 'addr' ->> 'city', d ->> 'n', d -> 'missing' FROM docs WHERE id = 1`);
    expect(r.rows[0]).toEqual(['"ann"', 'ann', '"b"', 'a', 'Oslo', '3', null]);
    expect((await db.run(`SELECT d -> 2 ->> 'k', d -> (-1), d -> 'name', d ->> 5 FROM docs WHERE id = 3`)).rows[0]).toEqual(['true', '{"k": true}', null, null]);
    // JSON null as text is SQL NULL; a NULL document gives NULL.
    expect((await db.run(`SELECT d ->> 'n' FROM docs WHERE id IN (2, 4) ORDER BY id`)).rows).toEqual([[null], [null]]);
    // json keeps json: its members come back as json.
    expect((await db.run(`SELECT j -> 'a', j ->> 'z', pg_typeof(j -> 'a') FROM docs WHERE id = 1`)).rows[0]).toEqual(['[1,2]', '1', 'json']);
  });

  it('#> and #>> follow a path of keys and array positions', async () => {
    expect((await db.run(`SELECT d #> '{addr,city}', d #>> '{addr,city}', d #>> '{tags,1}', d #> '{tags,9}' FROM docs WHERE id = 1`)).rows[0]).toEqual(['"Oslo"', 'Oslo', 'b', null]);
    expect(await one(`SELECT d #>> '{2,k}' FROM docs WHERE id = 3`)).toBe('true');
  });

  it('filters rows by a member in WHERE', async () => {
    expect((await db.run(`SELECT id FROM docs WHERE d ->> 'name' = 'bob'`)).rows).toEqual([[2]]);
    expect((await db.run(`SELECT id FROM docs WHERE (d ->> 'n')::integer > 2`)).rows).toEqual([[1]]);
  });

  it('@> and <@ test containment as jsonb defines it', async () => {
    const r = await db.run(`SELECT id FROM docs WHERE d @> '{"tags": ["b"]}' ORDER BY id`);
    expect(r.rows).toEqual([[1]]);
    expect(await one(`SELECT '{"a": 1, "b": {"c": 2, "d": 3}}'::jsonb @> '{"b": {"c": 2}}'`)).toBe(true);
    expect(await one(`SELECT '{"a": 1}'::jsonb @> '{"a": 1, "b": 2}'`)).toBe(false);
    expect(await one(`SELECT '[1, 2, [3]]'::jsonb @> '[2, 1]'`)).toBe(true);
    expect(await one(`SELECT '[1, 2]'::jsonb @> '1'`)).toBe(true);
    expect(await one(`SELECT '[[1, 2]]'::jsonb @> '[1]'`)).toBe(false);
    expect(await one(`SELECT '{"a": [1]}'::jsonb @> '{"a": 1}'`)).toBe(false);
    expect(await one(`SELECT '{"b": {"c": 2}}'::jsonb <@ '{"a": 1, "b": {"c": 2, "d": 3}}'`)).toBe(true);
  });

  it('|| concatenates arrays and merges objects (the right side wins)', async () => {
    expect(await one(`SELECT '{"a": 1, "b": 2}'::jsonb || '{"b": 3, "c": 4}'::jsonb`)).toBe('{"a": 1, "b": 3, "c": 4}');
    expect(await one(`SELECT '[1, 2]'::jsonb || '[3]'::jsonb`)).toBe('[1, 2, 3]');
    expect(await one(`SELECT '[1]'::jsonb || '{"a": 1}'::jsonb`)).toBe('[1, {"a": 1}]');
    // Text stays text.
    expect(await one(`SELECT 'a' || 'b'`)).toBe('ab');
  });

  it('takes parameters cast to jsonb on either side (`$1::jsonb -> $2`)', async () => {
    expect(await db.rows('SELECT $1::jsonb -> $2, ($1::jsonb) ->> $2, $1::json #>> $3', ['{"a": {"b": 1}}', 'a', '{a,b}'])).toEqual([['{"b": 1}', '{"b": 1}', '1']]);
    expect(await db.rows('SELECT id FROM docs WHERE $1::jsonb <@ d ORDER BY id', ['{"name": "bob"}'])).toEqual([[2]]);
  });

  it('? / ?| / ?& test for keys (and string elements); #- takes a member out along a path', async () => {
    const r = await db.run(`SELECT d ? 'name', d ? 'city', d ?| '{zip,addr}', d ?& '{name,n}', d ?& '{name,zip}', d ?| ARRAY['x', 'tags'] FROM docs WHERE id = 1`);
    expect(r.rows[0]).toEqual([true, false, true, true, false, true]);
    expect((await db.run(`SELECT id FROM docs WHERE d ? 'tags' ORDER BY id`)).rows).toEqual([[1], [2]]);
    expect(await one(`SELECT d -> 'tags' ? 'b' FROM docs WHERE id = 1`)).toBe(true);
    expect(await one(`SELECT d #- '{addr,city}' #- '{tags,0}' #- '{n}' FROM docs WHERE id = 1`)).toBe('{"addr": {}, "name": "ann", "tags": ["b"]}');
    // A ? where an operand begins is still a placeholder.
    expect(await db.rows('SELECT id FROM docs WHERE id = ? OR d ? ?', [3, 'name'])).toEqual([[1], [2], [3]]);
  });

  it('refuses operands that cannot be JSON (42883)', async () => {
    expect(await db.outcome(`SELECT g -> 'a' FROM docs`)).toBe('42883');
  });
});

describe('JSON functions and aggregates', () => {
  it('build, convert and inspect documents', async () => {
    const r = await db.run(`SELECT to_json('a'::text), to_jsonb(2.5), to_jsonb(true), to_jsonb(d -> 'tags'),
        jsonb_build_object('k', 1, 'v', 'x', 'n', NULL, 'd', d -> 'addr'), json_build_array(1, 'a', NULL),
        jsonb_typeof(d -> 'tags'), jsonb_typeof(d -> 'n'), jsonb_array_length(d -> 'tags'),
        jsonb_extract_path(d, 'addr', 'city'), jsonb_extract_path_text(d, 'tags', '0')
      FROM docs WHERE id = 1`);
    expect(r.rows[0]).toEqual(['"a"', '2.5', 'true', '["a", "b"]', '{"d": {"city": "Oslo"}, "k": 1, "n": null, "v": "x"}', '[1,"a",null]', 'array', 'number', 2, '"Oslo"', 'a']);
    expect(await db.outcome(`SELECT jsonb_array_length('{}')`)).toBe('22023');
    expect(await db.outcome(`SELECT json_build_object('a')`)).toBe('22023');
    expect(await db.outcome(`SELECT json_build_object(NULL, 1)`)).toBe('22004');
  });

  it('jsonb_set replaces along a path, adds a missing last key unless told not to', async () => {
    const r = await db.run(`SELECT jsonb_set(d, '{addr,city}', '"Bergen"'), jsonb_set(d, '{x}', '[1]'), jsonb_set(d, '{x}', '1', false), jsonb_set(d, '{tags,0}', '"z"')
      FROM docs WHERE id = 2`);
    expect(r.rows[0]).toEqual([
      '{"n": null, "name": "bob", "tags": []}',
      '{"n": null, "x": [1], "name": "bob", "tags": []}',
      '{"n": null, "name": "bob", "tags": []}',
      // Past the end of an array: appended.
      '{"n": null, "name": "bob", "tags": ["z"]}',
    ]);
    expect(await one(`SELECT jsonb_set('[1, 2, 3]', '{-1}', '9')`)).toBe('[1, 2, 9]');
  });

  it('jsonb_pretty and strip_nulls', async () => {
    expect(await one(`SELECT jsonb_pretty('{"b": [1, {"c": null}], "a": {}}')`)).toBe('{\n    "a": {\n    },\n    "b": [\n        1,\n        {\n            "c": null\n        }\n    ]\n}');
    expect(await one(`SELECT jsonb_strip_nulls('{"a": null, "b": [null, {"c": null, "d": 1}]}')`)).toBe('{"b": [null, {"d": 1}]}');
  });

  it('json_agg keeps every value of its group, NULLs too; object_agg pairs keys and values', async () => {
    const r = await db.run(`SELECT g, jsonb_agg(d -> 'name'), json_agg(t), jsonb_object_agg(id, d ->> 'n') FROM docs GROUP BY g ORDER BY g`);
    expect(r.rows).toEqual([
      [1, '["ann", "bob"]', '["x","y"]', '{"1": "3", "2": null}'],
      [2, '[null, null]', '[null,"w"]', '{"3": null, "4": null}'],
    ]);
    expect(await one('SELECT json_agg(id) FROM docs WHERE id > 100')).toBe(null);
    expect(await db.outcome('SELECT json_object_agg(t, id) FROM docs')).toBe('22004');
  });
});

describe('JSON set-returning functions in FROM', () => {
  it('array elements, object members and keys, as JSON or as text', async () => {
    expect((await db.run(`SELECT * FROM jsonb_array_elements('[1, "a", {"b": 2}]')`)).rows).toEqual([['1'], ['"a"'], ['{"b": 2}']]);
    expect((await db.run(`SELECT e.value FROM jsonb_array_elements_text('[1, "a", null]') AS e`)).rows).toEqual([['1'], ['a'], [null]]);
    expect((await db.run(`SELECT key, value FROM jsonb_each('{"b": 1, "a": [2]}')`)).rows).toEqual([['a', '[2]'], ['b', '1']]);
    expect((await db.run(`SELECT * FROM json_each_text('{"z": "x", "a": 2}')`)).rows).toEqual([['z', 'x'], ['a', '2']]);
    expect((await db.run(`SELECT k FROM jsonb_object_keys('{"bb": 1, "a": 2}') AS k`)).rows).toEqual([['a'], ['bb']]);
    expect(await db.outcome(`SELECT * FROM jsonb_array_elements('{"a": 1}')`)).toBe('22023');
    expect(await db.outcome(`SELECT * FROM jsonb_each('[1]')`)).toBe('22023');
  });

  it('read the rows before them (LATERAL written or not, as PostgreSQL), and outer rows in subqueries', async () => {
    expect((await db.run(`SELECT docs.id, t.value FROM docs, jsonb_array_elements_text(docs.d -> 'tags') AS t ORDER BY 1, 2`)).rows).toEqual([
      [1, 'a'],
      [1, 'b'],
    ]);
    expect((await db.run(`SELECT docs.id, e.key FROM docs CROSS JOIN LATERAL jsonb_each(docs.d -> 'addr') e`)).rows).toEqual([[1, 'city']]);
    expect((await db.run(`SELECT id, (SELECT count(*) FROM jsonb_array_elements(docs.d -> 'tags')) FROM docs WHERE id < 3 ORDER BY id`)).rows).toEqual([
      [1, 2],
      [2, 0],
    ]);
    expect((await db.run(`SELECT id FROM docs WHERE EXISTS (SELECT 1 FROM jsonb_array_elements_text(docs.d -> 'tags') t WHERE t.value = 'b')`)).rows).toEqual([[1]]);
    // generate_series the same way.
    expect((await db.run('SELECT docs.id, s FROM docs, generate_series(1, docs.g) s WHERE docs.id IN (1, 3) ORDER BY 1, 2')).rows).toEqual([
      [1, 1],
      [3, 1],
      [3, 2],
    ]);
    expect((await db.run('SELECT id, (SELECT max(x) FROM generate_series(1, docs.g) x) FROM docs ORDER BY id')).rows).toEqual([
      [1, 1],
      [2, 1],
      [3, 2],
      [4, 2],
    ]);
  });
});

describe('system information and formatting functions', () => {
  it('pg_typeof names the static type', async () => {
    const r = await db.run(`SELECT pg_typeof(id), pg_typeof(d), pg_typeof(j), pg_typeof(t), pg_typeof(d ->> 'n'), pg_typeof(1.5), pg_typeof(now()) FROM docs WHERE id = 1`);
    expect(r.rows[0]).toEqual(['integer', 'jsonb', 'json', 'text', 'text', 'numeric', 'timestamp without time zone']);
  });

  it('version, current_schema, div, format and the quote functions', async () => {
    expect(String(await one('SELECT version()'))).toMatch(/^dispatchdb /);
    expect(await one('SELECT current_schema()')).toBe('public');
    expect((await db.run('SELECT div(7, 2), div(-7, 2), div(7.5, 2)')).rows[0]).toEqual([3, -3, 3]);
    expect(await db.outcome('SELECT div(1, 0)')).toBe('22012');
    expect(await one(`SELECT format('%s and %s: %I = %L, %L %%', 1, 'x', 'My Col', 'it''s', NULL)`)).toBe(`1 and x: "My Col" = 'it''s', NULL %`);
    expect(await one(`SELECT format('%2$s %1$s', 'a', 'b')`)).toBe('b a');
    expect(await db.outcome(`SELECT format('%s %s', 1)`)).toBe('22023');
    expect((await db.run(`SELECT quote_ident('ab'), quote_ident('a b'), quote_literal('O''R'), quote_nullable(NULL)`)).rows[0]).toEqual(['ab', '"a b"', "'O''R'", 'NULL']);
  });
});
