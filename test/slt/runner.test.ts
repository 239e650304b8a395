import { describe, expect, it } from 'vitest';
import { sqliteEngine } from './engines/sqlite.js';
import { runFileIsolated } from './isolated.js';
import { parseScript } from './parser.js';
import { runFile, runScript } from './runner.js';
import { defaultSltDir } from './paths.js';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function run(script: string) {
  const engine = await sqliteEngine.open({});
  try {
    return await runScript(parseScript(script), engine);
  } finally {
    await engine.close();
  }
}

describe('runScript (on SQLite)', () => {
  it('passes matching records and fails the others, going on after failures', async () => {
    const r = await run(`
statement ok
CREATE TABLE t(a INTEGER, b TEXT)

statement ok
INSERT INTO t VALUES(1,'x'),(2,''),(NULL,'z')

statement error
INSERT INTO missing VALUES(1)

statement error
SELECT 1

statement ok
SELECT * FROM missing

query IT rowsort
SELECT a, b FROM t
----
1
x
2
(empty)
NULL
z

query I nosort
SELECT a FROM t ORDER BY a
----
1
2
NULL

query I nosort
SELECT nope FROM t
----
`);
    expect(r.passed).toBe(4);
    expect(r.failed).toBe(4);
    expect(r.failures.map((f) => [f.line, f.reason])).toEqual([
      [11, 'statement succeeded, error expected'],
      [14, 'statement failed'],
      [27, 'wrong result'],
      [34, 'query failed'],
    ]);
    expect(r.failures[1]!.error).toMatch(/no such table/);
    // NULL sorts before digits in SQLite's ORDER BY, so the nosort order differs.
    expect(r.failures[2]!.got).toEqual(['NULL', '1', '2']);
  });

  it('applies skipif / onlyif with the engine name sqlite, and halts', async () => {
    const r = await run(`
onlyif mysql
statement ok
THIS IS NOT SQL

skipif sqlite
statement ok
THIS IS NOT SQL

onlyif sqlite
statement ok
SELECT 1

onlyif postgresql
halt

query I nosort
SELECT 1
----
1

skipif postgresql
halt

statement ok
THIS IS NOT SQL
`);
    expect(r).toMatchObject({ passed: 2, failed: 0, skipped: 2, halted: true, total: 5 });
  });

  it('compares long results by hash past the hash threshold', async () => {
    const r = await run(`
hash-threshold 2

query I valuesort
SELECT 2 UNION ALL SELECT 1 UNION ALL SELECT 3
----
3 values hashing to ${createHash('md5').update('1\n2\n3\n').digest('hex')}

query I valuesort
SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3
----
1
2
3
`);
    expect(r.passed).toBe(1);
    expect(r.failures.map((f) => f.line)).toEqual([9]);
  });

  it('requires labelled queries to agree', async () => {
    const r = await run(`
query I rowsort label-a
SELECT 1 UNION ALL SELECT 2

query I rowsort label-a
SELECT 2 UNION ALL SELECT 1

query I rowsort label-a
SELECT 3
`);
    expect(r.passed).toBe(2);
    expect(r.failures.map((f) => f.line)).toEqual([8]);
  });

  it('fails a row of the wrong width', async () => {
    const r = await run(`
query II nosort
SELECT 1
----
1
`);
    expect(r.failures[0]!.reason).toMatch(/wrong number of columns/);
  });
});

describe('runFile and the corpus (SQLite must pass every record)', () => {
  it('runs select1.test and evidence/in1.test on SQLite without a failure', async () => {
    const dir = defaultSltDir();
    for (const name of ['select1.test', 'evidence/in1.test', 'evidence/slt_lang_aggfunc.test']) {
      const r = await runFile(join(dir, name), sqliteEngine);
      expect({ name, failed: r.failed, failures: r.failures.slice(0, 3) }).toEqual({ name, failed: 0, failures: [] });
      expect(r.passed).toBeGreaterThan(0);
    }
  });
});

describe('runFileIsolated', () => {
  it('stops a file that never finishes and counts what did not run as failed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slt-hang-'));
    const file = join(dir, 'hang.test');
    writeFileSync(
      file,
      `statement ok
SELECT 1

query I nosort
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c
----
0

statement ok
SELECT 2
`,
    );
    try {
      const r = await runFileIsolated({ file, engine: 'sqlite', maxFailures: 10 }, 1500);
      expect(r.stopped).toMatch(/timed out/);
      expect(r.total).toBe(3);
      expect(r.passed + r.failed).toBe(3);
      expect(r.failed).toBeGreaterThanOrEqual(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
