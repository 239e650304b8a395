// A session's run-time settings (SET / SHOW / RESET), with their defaults and validation.
import { DispatcherError, SqlState } from '../src/api/errors.js';
import type { IsolationLevel } from '../src/protocol/messages.js';

const ISOLATION_LEVELS: readonly IsolationLevel[] = ['read committed', 'repeatable read', 'serializable'];

interface Setting {
  readonly default: string;
  /** Normalises a value, or throws 22023. */
  readonly parse: (v: string) => string;
}

function milliseconds(v: string): string {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|h)?\s*$/i.exec(v);
  if (m === null) throw new DispatcherError(SqlState.InvalidParameterValue, `invalid value for a duration: "${v}"`);
  const n = Number(m[1]);
  const unit = (m[2] ?? 'ms').toLowerCase();
  const factor = unit === 's' ? 1000 : unit === 'min' ? 60_000 : unit === 'h' ? 3_600_000 : 1;
  return String(Math.round(n * factor));
}

const SETTINGS: Readonly<Record<string, Setting>> = {
  statement_timeout: { default: '0', parse: milliseconds },
  lock_timeout: { default: '0', parse: milliseconds },
  idle_session_timeout: { default: '0', parse: milliseconds },
  default_transaction_isolation: {
    default: 'read committed',
    parse: (v) => {
      const l = v.toLowerCase().replace(/\s+/g, ' ').trim();
      if (!(ISOLATION_LEVELS as readonly string[]).includes(l)) {
        throw new DispatcherError(SqlState.InvalidParameterValue, `invalid value for default_transaction_isolation: "${v}"`);
      }
      return l;
    },
  },
  application_name: { default: '', parse: (v) => v },
  search_path: { default: 'public', parse: (v) => v },
  // SET ROLE: the role privileges are checked against (the API checks membership before it is set)
  role: { default: 'none', parse: (v) => (v.toLowerCase() === 'default' ? 'none' : v) },
  client_encoding: { default: 'UTF8', parse: (v) => v },
  datestyle: { default: 'ISO, MDY', parse: (v) => v },
  timezone: { default: 'UTC', parse: (v) => v },
};

export class SessionVariables {
  readonly #values = new Map<string, string>();
  /** Defaults from the configuration (query_timeout): what RESET returns to. */
  readonly #defaults = new Map<string, string>();

  /** Replaces a setting's built-in default (validated like SET). */
  setDefault(name: string, value: string): void {
    const s = SETTINGS[name];
    if (s === undefined) throw new DispatcherError(SqlState.UndefinedObject, `unrecognized configuration parameter "${name}"`);
    this.#defaults.set(name, s.parse(value));
    this.#refresh();
  }
  // Read on every statement: kept as numbers, refreshed whenever a setting changes.
  #statementTimeoutMs = 0;
  #lockTimeoutMs = 0;
  #isolation: IsolationLevel = 'read committed';
  #role = 'none';

  #refresh(): void {
    this.#role = this.show('role');
    this.#statementTimeoutMs = Number(this.show('statement_timeout'));
    this.#lockTimeoutMs = Number(this.show('lock_timeout'));
    this.#isolation = this.show('default_transaction_isolation') as IsolationLevel;
  }

  set(name: string, value: unknown): void {
    const s = SETTINGS[name];
    if (s === undefined) throw new DispatcherError(SqlState.UndefinedObject, `unrecognized configuration parameter "${name}"`);
    const text = Array.isArray(value) ? value.map(String).join(', ') : String(value ?? '');
    if (text.toLowerCase() === 'default') this.#values.delete(name);
    else this.#values.set(name, s.parse(text));
    this.#refresh();
  }

  show(name: string): string {
    if (name === 'all') return [...Object.keys(SETTINGS)].map((n) => `${n}=${this.show(n)}`).join(', ');
    if (name === 'transaction_isolation' || name === 'transaction isolation level') {
      return this.show('default_transaction_isolation');
    }
    const s = SETTINGS[name];
    if (s === undefined) throw new DispatcherError(SqlState.UndefinedObject, `unrecognized configuration parameter "${name}"`);
    return this.#values.get(name) ?? this.#defaults.get(name) ?? s.default;
  }

  reset(name: string): void {
    if (name === 'all') this.#values.clear();
    else if (SETTINGS[name] === undefined) {
      throw new DispatcherError(SqlState.UndefinedObject, `unrecognized configuration parameter "${name}"`);
    } else this.#values.delete(name);
    this.#refresh();
  }

  get statementTimeoutMs(): number {
    return this.#statementTimeoutMs;
  }

  get lockTimeoutMs(): number {
    return this.#lockTimeoutMs;
  }

  /** SET ROLE's role, 'none' when unset (read twice per statement). */
  get role(): string {
    return this.#role;
  }

  get defaultIsolation(): IsolationLevel {
    return this.#isolation;
  }
}
