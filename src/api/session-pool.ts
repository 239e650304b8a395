// The seed's session pool: at most maxSessions open sessions, at most maxSessionsPerUser per user
// (53300, as PostgreSQL answers past max_connections / a role's connection limit), and an idle
// timeout that closes a session nobody has used for that long (its open transaction rolls back).
// The timeout is the session's SET idle_session_timeout, else the database's idleSessionTimeoutMs.
import { DispatcherError, SqlState } from './errors.js';

export interface SessionLimits {
  /** Open sessions at most (default: no limit). */
  readonly maxSessions?: number | undefined;
  /** Open sessions per user at most (default: no limit). */
  readonly maxSessionsPerUser?: number | undefined;
  /** Closes a session idle this long, in ms (0 or absent: never). */
  readonly idleSessionTimeoutMs?: number | undefined;
}

export interface PooledSession {
  readonly user: string;
  readonly closed: boolean;
  /** `now`: a performance.now() reading. */
  idleMs(now: number): number;
  readonly idleTimeoutMs: number;
  close(reason?: DispatcherError): Promise<void>;
}

const SWEEP_MIN_MS = 5;
const SWEEP_MAX_MS = 1000;

export class SessionPool {
  readonly #limits: SessionLimits;
  readonly #sessions = new Set<PooledSession>();
  readonly #perUser = new Map<string, number>();
  #timer: NodeJS.Timeout | null = null;
  #timerMs = 0;
  /** Sessions closed by the idle timeout since open. */
  idleClosed = 0;

  constructor(limits: SessionLimits) {
    this.#limits = limits;
  }

  get size(): number {
    return this.#sessions.size;
  }

  countOf(user: string): number {
    return this.#perUser.get(user) ?? 0;
  }

  /** Throws 53300 when one more session of `user` would pass a limit (`roleLimit`: its CONNECTION LIMIT). */
  admit(user: string, roleLimit?: number): void {
    const max = this.#limits.maxSessions;
    if (max !== undefined && max > 0 && this.#sessions.size >= max) {
      throw new DispatcherError(SqlState.TooManyConnections, 'sorry, too many clients already');
    }
    const perUser = Math.min(this.#limits.maxSessionsPerUser || Infinity, roleLimit ?? Infinity);
    if (this.countOf(user) >= perUser) {
      throw new DispatcherError(SqlState.TooManyConnections, `too many connections for role "${user}"`);
    }
  }

  add(s: PooledSession): void {
    this.#sessions.add(s);
    this.#perUser.set(s.user, this.countOf(s.user) + 1);
    this.#schedule();
  }

  remove(s: PooledSession): void {
    if (!this.#sessions.delete(s)) return;
    const n = this.countOf(s.user) - 1;
    if (n > 0) this.#perUser.set(s.user, n);
    else this.#perUser.delete(s.user);
  }

  #timeoutOf(s: PooledSession): number {
    const own = s.idleTimeoutMs;
    return own > 0 ? own : (this.#limits.idleSessionTimeoutMs ?? 0);
  }

  /** Sweeps at a quarter of the shortest timeout (a session's SET may shorten it at any time). */
  #schedule(): void {
    let shortest = Infinity;
    for (const s of this.#sessions) {
      const t = this.#timeoutOf(s);
      if (t > 0 && t < shortest) shortest = t;
    }
    // Sessions without a timeout of their own may SET one later: keep a slow sweep while any are open.
    const ms = Number.isFinite(shortest) ? Math.min(SWEEP_MAX_MS, Math.max(SWEEP_MIN_MS, shortest / 4)) : SWEEP_MAX_MS;
    if (this.#sessions.size === 0) {
      this.stop();
      return;
    }
    if (this.#timer !== null && this.#timerMs === ms) return;
    this.stop();
    this.#timerMs = ms;
    this.#timer = setInterval(this.#sweep, ms);
    this.#timer.unref?.();
  }

  readonly #sweep = (): void => {
    // The sessions' activity times are performance.now() readings (monotonic, unlike Date.now()).
    const now = performance.now();
    for (const s of [...this.#sessions]) {
      if (s.closed) {
        this.remove(s);
        continue;
      }
      const t = this.#timeoutOf(s);
      if (t > 0 && s.idleMs(now) >= t) {
        this.idleClosed++;
        this.remove(s);
        s.close(new DispatcherError('57P05', 'terminating connection due to idle-session timeout')).catch(() => undefined);
      }
    }
    this.#schedule();
  };

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#timerMs = 0;
  }
}
