// The plugin contract: a plugin sees every statement before it reaches the dispatcher and every
// request's result once it is known. beforeExecute may veto a statement by throwing or by
// returning an Error; the caller then gets a DispatcherError (the plugin's own, if it threw one,
// else 42501 naming the plugin). afterExecute only observes: what it throws is ignored.
import type { SqlValue } from '../protocol/values.js';
import type { StatementKind } from '../protocol/statement.js';

export interface PluginContext {
  readonly sql: string;
  readonly kind: StatementKind;
  readonly tables: readonly string[];
  readonly params: readonly SqlValue[];
  readonly user: string;
  readonly sessionId: string;
  /** Normalized text (literals lifted): the statement's fingerprint. */
  readonly shape: string;
}

export interface PluginResult {
  readonly ok: boolean;
  readonly command?: string | undefined;
  readonly rowCount?: number | undefined;
  readonly rowsAffected?: number | undefined;
  readonly executionTimeMs?: number | undefined;
  /** The rows, for plugins that inspect them (do not mutate). */
  readonly rows?: readonly unknown[] | undefined;
  readonly error?: { readonly sqlState: string; readonly message: string } | undefined;
}

export interface Plugin {
  readonly name: string;
  /** Called once at register() with the plugin's part of the configuration. */
  initialise?(config: Readonly<Record<string, unknown>>): void | Promise<void>;
  /** Throw or return an Error to refuse the statement. */
  beforeExecute?(ctx: PluginContext): void | Error | undefined;
  /** Called once per request, with the request's last statement as context. */
  afterExecute?(ctx: PluginContext, result: PluginResult): void;
  shutdown?(): void | Promise<void>;
}
