// A child process of the crash harness (mixed-writer.ts or group-writer.ts), started ahead of
// time: it loads, then waits for its orders (child-io.ts). The parent reads its lines (every one,
// also those written between the kill decision and the death), kills it, or sees it kill itself.
// Also: the settings of each database file, and helpers for the files a killed child leaves.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CrashPoint, Go } from './child-io.js';
import { mix, Rng } from './workload.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const WRITER = join(here, 'mixed-writer.ts');

export interface DatabaseSettings {
  readonly workloadSeed: number;
  readonly checkpointBytes: number;
  readonly poolPages: number;
}

export function settingsFor(seed: number, database: number): DatabaseSettings {
  const r = new Rng(mix(seed, 0x5eed + database));
  return {
    workloadSeed: mix(seed, database),
    // Small logs so that automatic checkpoints happen every few units; small pools so that
    // reads go to the WAL and the data file.
    checkpointBytes: r.pick([16 << 10, 64 << 10, 256 << 10, 4 << 20]),
    poolPages: r.pick([16, 64, 512, 4096]),
  };
}

// ---------------------------------------------------------------- the child

export class Writer {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly loaded: Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly acked: number[] = [];
  readonly submitted: number[] = [];
  ready = false;
  inCheckpoint = false;
  checkpoints = 0;
  errorLine: string | null = null;
  /** "<file> <call>" of a self-kill. */
  crashPoint: string | null = null;
  stderr = '';
  killed = false;
  #buf = '';
  #listeners: ((what: string, n: number) => void)[] = [];

  constructor(script: string = WRITER) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let onLoaded: () => void = () => {};
    this.loaded = new Promise((r) => (onLoaded = r));
    this.#listeners.push((what) => {
      if (what === 'loaded') onLoaded();
    });
    // 'close' comes after the exit and after stdout ended: every line the child wrote is read.
    this.exited = new Promise((r) => this.proc.on('close', (code, signal) => r({ code, signal })));
    // A child that dies before "loaded" must not leave the loop waiting.
    void this.exited.then(() => onLoaded());
    this.proc.stdin.on('error', () => {});
    this.proc.stdout.on('data', (d: Buffer) => this.#data(d));
    this.proc.stderr.on('data', (d: Buffer) => {
      if (this.stderr.length < 20000) this.stderr += d.toString();
    });
  }

  #data(d: Buffer): void {
    this.#buf += d.toString();
    let i = this.#buf.indexOf('\n');
    while (i >= 0) {
      const line = this.#buf.slice(0, i);
      this.#buf = this.#buf.slice(i + 1);
      i = this.#buf.indexOf('\n');
      // Lines written between the kill decision and the death still happened (a unit may even
      // have been acknowledged in between): all of them count.
      const sp = line.indexOf(' ');
      const what = sp < 0 ? line : line.slice(0, sp);
      const n = sp < 0 ? NaN : Number(line.slice(sp + 1).split(' ')[0]);
      switch (what) {
        case 'ready':
          this.ready = true;
          break;
        case 'submit':
          this.submitted.push(n);
          break;
        case 'ack':
          this.acked.push(n);
          break;
        case 'ckpt-begin':
          this.inCheckpoint = true;
          break;
        case 'ckpt-end':
          this.inCheckpoint = false;
          break;
        case 'cp':
          this.checkpoints = n;
          break;
        case 'error':
          this.errorLine = line;
          break;
        case 'crash': {
          const [, file, call] = line.split(' ');
          this.crashPoint = `${file} ${call}`;
          // Before open finished, or a data-file write or WAL reset after it: a checkpoint.
          this.inCheckpoint ||= this.ready && (file === 'data' || (file === 'wal' && (call === 'write' || call === 'truncate')));
          this.killed = true;
          break;
        }
        default:
      }
      for (const l of this.#listeners) l(what, n);
    }
  }

  on(listener: (what: string, n: number) => void): void {
    this.#listeners.push(listener);
  }

  go(start: number, path: string, s: DatabaseSettings, crashAt: CrashPoint | undefined, extra: Partial<Go> = {}): void {
    const go: Go = {
      start,
      path,
      seed: s.workloadSeed,
      checkpointBytes: s.checkpointBytes,
      poolPages: s.poolPages,
      ...(crashAt !== undefined ? { crashAt } : {}),
      ...extra,
    };
    this.proc.stdin.write(`go ${JSON.stringify(go)}\n`);
  }

  kill(): { inCheckpoint: boolean; beforeReady: boolean } {
    const at = { inCheckpoint: this.inCheckpoint, beforeReady: !this.ready };
    if (!this.killed) {
      this.killed = true;
      this.proc.kill('SIGKILL');
    }
    return at;
  }
}

export function sizeOf(file: string): number {
  return existsSync(file) ? statSync(file).size : 0;
}

export function keepFiles(dbPath: string, dir: string, name: string): string {
  const to = join(dir, name);
  mkdirSync(to, { recursive: true });
  for (const suffix of ['', '-wal']) if (existsSync(dbPath + suffix)) copyFileSync(dbPath + suffix, join(to, `crash.db${suffix}`));
  return to;
}
