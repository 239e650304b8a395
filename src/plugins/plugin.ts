// The plugin contract: a plugin sees every statement before it reaches the dispatcher and every
// request's result once it is known. beforeExecute may veto a statement by throwing or by
// returning an Error; the caller then gets a DispatcherError (the plugin's own, if it threw one,
// else 42501 naming the plugin). afterExecute only observes: what it throws is ignored.
// transformResult may replace a successful request's result (masking, redaction): the caller's
// awaited result is the transformed one (rows already streamed through rows$ are not).
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

/** The public result shape (src/api/types.ts QueryResult), as plugins may rewrite it. */
export interface TransformableResult {
  readonly command: string;
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly rows: readonly unknown[];
  readonly rowsAffected: number;
  readonly metrics: unknown;
}

export interface Plugin {
  readonly name: string;
  /** Called once at register() with the plugin's part of the configuration. */
  initialise?(config: Readonly<Record<string, unknown>>): void | Promise<void>;
  /** Throw or return an Error to refuse the statement. */
  beforeExecute?(ctx: PluginContext): void | Error | undefined;
  /** Called once per request, with the request's last statement as context. */
  afterExecute?(ctx: PluginContext, result: PluginResult): void;
  /** Returns the result to hand to the caller instead (or undefined to keep it). */
  transformResult?(ctx: PluginContext, result: TransformableResult): TransformableResult | undefined;
  shutdown?(): void | Promise<void>;
}
