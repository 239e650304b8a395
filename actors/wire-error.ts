// DispatcherError ⇄ plain data, for errors that travel inside replies.
import { DispatcherError, toDispatcherError } from '../src/api/errors.js';
import type { WireError } from '../src/protocol/messages.js';

export function toWire(e: unknown): WireError {
  const d = toDispatcherError(e);
  return { sqlState: d.sqlState, message: d.message, position: d.position, detail: d.detail };
}

export function fromWire(w: WireError, query?: string): DispatcherError {
  return new DispatcherError(w.sqlState, w.message, {
    ...(w.position !== undefined ? { position: w.position } : {}),
    ...(w.detail !== undefined ? { detail: w.detail } : {}),
    ...(query !== undefined ? { query } : {}),
  });
}
