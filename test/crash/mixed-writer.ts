// Child process of the crash harness. It loads, says "loaded", and waits for a line
// `go {start, path, seed, checkpointBytes, poolPages, crashAt?}` on stdin (so the parent can start
// it ahead of time), then opens the database and runs the workload's units from `start` until it
// is killed: by the parent, or by itself just before the crashAt-th write, truncate or fsync of
// its files (through the storage's FileIo port), which puts kills at exact points of a commit or
// of a checkpoint. Lines on stdout (written synchronously, so a line is out before the next step):
//   loaded · opening · ready · submit <n> · ack <n> · ckpt-begin <n> · ckpt-end <n>
//   cp <checkpoints so far> · crash <file> <call> <count> · error <n> <sqlstate> <message>
// "ack n" is written only after unit n's COMMIT (or autocommit statement) resolved.
import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Database } from '../../src/api/database.js';
import { nodeFileIo, type FileIo, type IoFile } from '../../src/storage/file-io.js';
import { unitSql, Workload } from './workload.js';

export interface CrashPoint {
  /** 1-based count of the matching operations; the process kills itself before this one runs. */
  readonly nth: number;
  readonly file?: 'data' | 'wal';
  /** Calls that count (default: every call that changes a file or syncs it). */
  readonly calls?: readonly string[];
}

export interface Go {
  readonly start: number;
  readonly path: string;
  readonly seed: number;
  readonly checkpointBytes?: number;
  readonly poolPages?: number;
  readonly crashAt?: CrashPoint;
}

const MUTATING = new Set(['writeSync', 'writev', 'write', 'truncate', 'sync', 'syncSync', 'datasync']);

const say = (line: string): void => {
  writeSync(1, `${line}\n`);
};

/** node:fs through the port, with SIGKILL before the chosen operation. */
function killingFileIo(at: CrashPoint): FileIo {
  let seen = 0;
  const wrap = (f: IoFile): IoFile =>
    new Proxy(f, {
      get(target, prop) {
        const v = Reflect.get(target, prop, target) as unknown;
        if (typeof v !== 'function') return v;
        const call = String(prop);
        if (!MUTATING.has(call)) return (v as (...a: unknown[]) => unknown).bind(target);
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

const go = await new Promise<Go>((resolve) => {
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    if (line.startsWith('go ')) {
      rl.close();
      resolve(JSON.parse(line.slice(3)) as Go);
    }
  });
  say('loaded');
});

const work = new Workload(go.seed);
work.skipTo(go.start);
say('opening');
const db = await Database.open(go.path, {
  ...(go.checkpointBytes !== undefined ? { checkpointBytes: go.checkpointBytes } : {}),
  ...(go.poolPages !== undefined ? { poolPages: go.poolPages } : {}),
  ...(go.crashAt !== undefined ? { fileIo: killingFileIo(go.crashAt) } : {}),
});
const s = await db.connect();
say('ready');
let checkpoints = 0;
for (;;) {
  const unit = work.peek();
  say(`submit ${unit.n}`);
  try {
    if (unit.kind === 'checkpoint') {
      say(`ckpt-begin ${unit.n}`);
      if (unit.via === 'sql') await s.execute('CHECKPOINT');
      else await db.checkpoint();
      say(`ckpt-end ${unit.n}`);
    } else {
      for (const st of unitSql(unit)) await s.execute(st.sql, st.params);
    }
  } catch (e) {
    const err = e as { sqlState?: string; message?: string };
    say(`error ${unit.n} ${err.sqlState ?? '?'} ${err.message ?? String(e)}`);
    process.exit(3);
  }
  say(`ack ${unit.n}`);
  work.advance(unit);
  const c = db.stats().checkpoints;
  if (c !== checkpoints) {
    checkpoints = c;
    say(`cp ${c}`);
  }
}
