// Plumbing shared by the crash harness's children: synchronous stdout lines (a line is out before
// the next step starts), the "go" handshake (a child loads, says "loaded", and waits for its
// orders so the parent can start it ahead of time), and a FileIo that kills the process with
// SIGKILL just before the N-th chosen write, truncate or fsync of its files.
import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { nodeFileIo, type FileIo, type IoFile } from '../../src/storage/file-io.js';

export interface CrashPoint {
  /** 1-based count of the matching operations; the process kills itself before this one runs. */
  readonly nth: number;
  readonly file?: 'data' | 'wal';
  /** Calls that count (default: every call that changes a file or syncs it). */
  readonly calls?: readonly string[];
}

/** Orders of the "go" line. */
export interface Go {
  readonly start: number;
  readonly path: string;
  readonly seed: number;
  readonly checkpointBytes?: number;
  readonly poolPages?: number;
  readonly crashAt?: CrashPoint;
  /** Concurrent sessions (group-commit writer). */
  readonly sessions?: number;
}

/** The group-commit writer's accounts and their opening balance. */
export const GROUP_ACCOUNTS = 40;
export const GROUP_BALANCE = 1000;

/** Calls that change a file or make it durable, whatever the port names them (writevSync, datasync...). */
const MUTATING = /^(write|truncate|sync|datasync|fsync|fdatasync|allocate|fallocate)/i;

export function say(line: string): void {
  writeSync(1, `${line}\n`);
}

/** Says "loaded" and resolves with the orders of the first `go {json}` line on stdin. */
export function awaitGo(): Promise<Go> {
  return new Promise<Go>((resolve) => {
    const rl = createInterface({ input: process.stdin });
    rl.on('line', (line) => {
      if (line.startsWith('go ')) {
        rl.close();
        resolve(JSON.parse(line.slice(3)) as Go);
      }
    });
    say('loaded');
  });
}

/** node:fs through the storage's port, with SIGKILL before the chosen operation. */
export function killingFileIo(at: CrashPoint): FileIo {
  let seen = 0;
  // A proxy, so that whatever the port grows keeps working; methods run on the real file
  // (its #private fields need it as `this`).
  const wrap = (f: IoFile): IoFile =>
    new Proxy(f, {
      get(target, prop) {
        const v = Reflect.get(target, prop, target) as unknown;
        if (typeof v !== 'function') return v;
        const call = String(prop);
        if (!MUTATING.test(call)) return (v as (...a: unknown[]) => unknown).bind(target);
        return (...args: unknown[]) => {
          if ((at.file === undefined || at.file === target.role) && (at.calls === undefined || at.calls.includes(call))) {
            if (++seen === at.nth) {
              say(`crash ${target.role} ${call} ${seen}`);
              process.kill(process.pid, 'SIGKILL');
            }
          }
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  return {
    async open(path, role) {
      return wrap(await nodeFileIo.open(path, role));
    },
  };
}
