// The shell takes the configuration file: --config file.yaml (a child process through tsx).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = join(REPO, 'src/cli/main.ts');
const dir = mkdtempSync(join(tmpdir(), 'dispatchdb-cli-config-'));

function shell(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
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
    child.stdin.end('');
  });
}

describe('dispatchdb --config', () => {
  it('runs with the file: timeout default, allowlist, slow-query log; a bad file does not open', async () => {
    const log = join(dir, 'slow.log');
    const cfg = join(dir, 'db.yaml');
    writeFileSync(cfg, `query_timeout: 1500ms\nslow_query_threshold: 0\nslow_query_log: ${log}\nallowed_functions: [upper]\n`);
    const ok = await shell(['--config', cfg, ':memory:', '-c', "SHOW statement_timeout; SELECT upper('a')"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('A');
    const refused = await shell(['--config', cfg, ':memory:', '-c', "SELECT lower('A')"]);
    expect(refused.stderr).toContain('function lower is not allowed');
    const logged = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { text: string });
    expect(logged.map((l) => l.text)).toContain("SELECT upper('a')");
    const shown = await shell(['--config', cfg, ':memory:', '-c', 'SHOW statement_timeout']);
    expect(shown.stdout).toContain('1500');
    writeFileSync(join(dir, 'bad.yaml'), 'security_level: paranoid\n');
    const bad = await shell(['--config', join(dir, 'bad.yaml'), ':memory:', '-c', 'SELECT 1']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('security_level');
  });
});
