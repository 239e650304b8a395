// Registered plugins, called in registration order. The registry keeps the list in an array the
// API reads directly: with no plugin registered the per-statement cost is one length check.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { Plugin, PluginContext, PluginResult, TransformableResult } from './plugin.js';

export class PluginRegistry {
  #plugins: readonly Plugin[] = [];
  /** Statements refused by a plugin. */
  vetoes = 0;
  /** Errors thrown by afterExecute or shutdown (ignored, counted). */
  errors = 0;

  get size(): number {
    return this.#plugins.length;
  }

  get active(): boolean {
    return this.#plugins.length > 0;
  }

  list(): readonly Plugin[] {
    return this.#plugins;
  }

  async register(plugin: Plugin, config: Readonly<Record<string, unknown>> = {}): Promise<void> {
    if (typeof plugin.name !== 'string' || plugin.name === '') {
      throw new DispatcherError(SqlState.InvalidParameterValue, 'a plugin needs a non-empty name');
    }
    if (this.#plugins.some((p) => p.name === plugin.name)) {
      throw new DispatcherError(SqlState.DuplicateObject, `plugin "${plugin.name}" is already registered`);
    }
    try {
      await plugin.initialise?.(config);
    } catch (e) {
      throw e instanceof DispatcherError
        ? e
        : new DispatcherError(SqlState.InvalidParameterValue, `plugin "${plugin.name}" failed to initialise: ${message(e)}`, { cause: e });
    }
    // Copy on write: a request iterating the old list is not disturbed.
    this.#plugins = [...this.#plugins, plugin];
  }

  async unregister(name: string): Promise<boolean> {
    const p = this.#plugins.find((x) => x.name === name);
    if (p === undefined) return false;
    this.#plugins = this.#plugins.filter((x) => x !== p);
    await this.#shutdown(p);
    return true;
  }

  /** Throws the veto of the first plugin that refuses the statement. */
  beforeExecute(ctx: PluginContext): void {
    for (const p of this.#plugins) {
      if (p.beforeExecute === undefined) continue;
      let veto: unknown;
      try {
        veto = p.beforeExecute(ctx);
      } catch (e) {
        veto = e ?? new Error('refused');
      }
      if (veto === undefined || veto === null) continue;
      this.vetoes++;
      if (veto instanceof DispatcherError) throw veto;
      throw new DispatcherError(SqlState.InsufficientPrivilege, `statement refused by plugin "${p.name}": ${message(veto)}`, {
        cause: veto,
      });
    }
  }

  afterExecute(ctx: PluginContext, result: PluginResult): void {
    for (const p of this.#plugins) {
      if (p.afterExecute === undefined) continue;
      try {
        p.afterExecute(ctx, result);
      } catch {
        this.errors++;
      }
    }
  }

  /** True when some plugin rewrites results (the API only then pays for the call). */
  get transforms(): boolean {
    return this.#plugins.some((p) => p.transformResult !== undefined);
  }

  /** Each plugin in turn may replace the result; a throwing one fails the request. */
  transformResult<R extends TransformableResult>(ctx: PluginContext, result: R): R {
    let r = result;
    for (const p of this.#plugins) {
      if (p.transformResult === undefined) continue;
      let next: TransformableResult | undefined;
      try {
        next = p.transformResult(ctx, r);
      } catch (e) {
        this.errors++;
        if (e instanceof DispatcherError) throw e;
        throw new DispatcherError(SqlState.InternalError, `plugin "${p.name}" failed to transform the result: ${message(e)}`, { cause: e });
      }
      if (next !== undefined) r = next as R;
    }
    return r;
  }

  async shutdownAll(): Promise<void> {
    const all = this.#plugins;
    this.#plugins = [];
    for (const p of [...all].reverse()) await this.#shutdown(p);
  }

  async #shutdown(p: Plugin): Promise<void> {
    try {
      await p.shutdown?.();
    } catch {
      this.errors++;
    }
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
