// The shell as a user runs it: a child process (through tsx) reading a script on stdin or -c,
// on a database file in a temporary folder.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = join(REPO, 'src/cli/main.ts');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let dir = '';

function shell(args: readonly string[], stdin = ''): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      cwd: REPO,
      env: { ...process.env, DISPATCHDB_HISTORY: join(dir, 'history') },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dispatchdb-shell-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('dispatchdb shell (end to end)', () => {
  it('runs a script from stdin and prints tables, tags and errors', async () => {
    const db = join(dir, 'script.db');
    const r = await shell(
      [db],
      `CREATE TABLE pets (id INTEGER PRIMARY KEY, name TEXT NOT NULL, age INTEGER);
INSERT INTO pets VALUES (1, 'Rex', 3), (2, 'Tom; the cat', 12);
-- a comment; with a semicolon
SELECT id, name, age
  FROM pets ORDER BY id;
UPDATE pets SET age = age + 1 WHERE id = 2;
SELECT * FROM nowhere;
SELECT name FROM pets WHERE id = 1
`,
    );
    expect(r.stdout).toContain('CREATE TABLE');
    expect(r.stdout).toContain('INSERT 0 2');
    expect(r.stdout).toContain(
      [' id |     name     | age', '----+--------------+-----', '  1 | Rex          |   3', '  2 | Tom; the cat |  12', '(2 rows)', '', 'UPDATE 1'].join('\n'),
    );
    expect(r.stdout).toContain('UPDATE 1');
    // The unterminated last statement runs at the end of the script.
    expect(r.stdout).toMatch(/ name\n------\n Rex\n\(1 row\)\n\n$/);
    expect(r.stderr).toMatch(/^ERROR: {2}.*nowhere/m);
    expect(r.stderr).toContain('SQLSTATE: 42P01');
    expect(r.stdout).not.toMatch(/^Time:/m);
    expect(r.code).toBe(1);
  });

  it('keeps data in the file between runs; -c runs SQL and dot commands', async () => {
    const db = join(dir, 'keep.db');
    const first = await shell([db, '-c', 'CREATE TABLE k (v TEXT); INSERT INTO k VALUES ($$a;b$$)']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const second = await shell([db, '-c', 'SELECT v FROM k']);
    expect(second.stdout).toBe('  v\n-----\n a;b\n(1 row)\n\n');
    expect(second.code).toBe(0);
    const dots = await shell([db], '.tables\n.schema k\n');
    expect(dots.stdout).toMatch(/^k\nCREATE TABLE k \(\n {2}v TEXT\n\);\n$/);
  });

  it('shows a caret under a syntax error and times statements with .timing on', async () => {
    const r = await shell([':memory:'], '.timing on\nSELECT 1 +* 2;\nSELECT 2;\n');
    expect(r.stderr).toMatch(/^ERROR: {2}/m);
    expect(r.stderr).toContain('SQLSTATE: 42601');
    expect(r.stderr).toMatch(/^LINE 1: SELECT 1 \+\* 2\n {8,}\^$/m);
    expect(r.stdout).toMatch(/^Time: \d+\.\d{3} ms$/m);
    expect(r.stdout).toContain('(1 row)');
  });

  it('stops at the first error with --bail; -f runs a script file', async () => {
    const r = await shell([':memory:', '--bail'], 'SELECT * FROM missing;\nSELECT 42;\n');
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('42');
    const script = join(dir, 'script.sql');
    writeFileSync(script, 'SELECT 6 * 7 AS answer;\n');
    const f = await shell([':memory:', '-f', script]);
    expect(f.stdout).toBe(' answer\n--------\n     42\n(1 row)\n\n');
    expect(f.code).toBe(0);
  });
});
