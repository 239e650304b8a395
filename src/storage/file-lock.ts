// Exclusive open of a database file: an in-process registry plus a `<path>-lock` file created
// with O_EXCL holding the owner's pid. A lock left by a dead process (killed writer) is taken over.
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { DispatcherError, SqlState } from '../api/errors.js';

const openHere = new Set<string>();

function inUse(pid: number): DispatcherError {
  return new DispatcherError(SqlState.ObjectInUse, `database file is in use by process ${pid}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class FileLock {
  readonly #key: string;
  readonly #lockPath: string;
  #held = true;

  private constructor(key: string, lockPath: string) {
    this.#key = key;
    this.#lockPath = lockPath;
  }

  static acquire(path: string): FileLock {
    // The real path, so two spellings (or a symlink) of one file share one lock.
    let key = nodePath.resolve(path);
    try {
      key = fs.realpathSync(key);
    } catch {
      // Not created yet: the resolved path is its name.
    }
    if (openHere.has(key)) throw inUse(process.pid);
    const lockPath = `${key}-lock`;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = fs.openSync(lockPath, 'wx');
        fs.writeSync(fd, String(process.pid));
        fs.closeSync(fd);
        openHere.add(key);
        return new FileLock(key, lockPath);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new DispatcherError(SqlState.IoError, `cannot create lock file ${lockPath}: ${(e as Error).message}`, {
            cause: e,
          });
        }
      }
      let pid = NaN;
      try {
        pid = Number.parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
      } catch {
        // Vanished or unreadable between open and read: retry.
      }
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw inUse(pid);
      // Stale (dead owner, or ours from an earlier open that never closed): take it over.
      try {
        fs.unlinkSync(lockPath);
      } catch {
        // Someone else removed it first; the next O_EXCL attempt decides.
      }
    }
    throw new DispatcherError(SqlState.ObjectInUse, `database file ${path} is in use (lock file ${lockPath})`);
  }

  release(): void {
    if (!this.#held) return;
    this.#held = false;
    openHere.delete(this.#key);
    try {
      fs.unlinkSync(this.#lockPath);
    } catch {
      // Already gone: nothing to release.
    }
  }
}
