// A commit that only inserts, updates and deletes rows is logged as those row changes (a redo
// frame) rather than as images of every page on its copy-on-write paths: a one-row update writes
// a few hundred bytes instead of a leaf, its ancestors and the catalog. Recovery replays the
// changes, in commit order, onto the state of the last page-image commit (see engine.ts).
import { DispatcherError, SqlState } from '../api/errors.js';
import { packr } from './format.js';
import { plainBytes, plainKey } from './page-codec.js';
import type { Key, Row } from './ports.js';
import { runKey, runRow } from './insert-run.js';
import type { LogOp } from './txn-replay.js';
import { MAX_REDO_BYTES } from './wal.js';

const INSERT = 1;
const UPDATE = 2;
const DELETE = 3;

export interface RedoRecord {
  readonly seq: number;
  readonly ops: readonly LogOp[];
}

/**
 * The redo frame body of commit `seq` ([seq, code, table, key, row, ...]), or null when the log
 * holds anything but row changes (schema and meta changes are logged as page images) or would
 * not fit a redo frame.
 */
export function encodeRedo(seq: number, log: readonly LogOp[]): Buffer | null {
  // Rows average well under this; a transaction far past the frame size is not worth trying.
  let ops = 0;
  for (const op of log) ops += op.op === 'inserts' ? op.count : 1;
  if (ops > MAX_REDO_BYTES >> 4) return null;
  // Nor one whose rows alone pass it: packing ~50,000 updated 200-byte rows (~60 ms) only to find
  // they do not fit would cost a large transaction's commit a tenth of its time.
  if (redoLowerBound(log) > MAX_REDO_BYTES) return null;
  const flat: unknown[] = new Array(1 + ops * 4);
  flat[0] = seq;
  let j = 1;
  for (const op of log) {
    switch (op.op) {
      case 'insert':
      case 'update':
        flat[j++] = op.op === 'insert' ? INSERT : UPDATE;
        flat[j++] = op.t;
        flat[j++] = op.key;
        flat[j++] = op.row;
        break;
      case 'inserts':
        for (let i = 0; i < op.count; i++) {
          flat[j++] = INSERT;
          flat[j++] = op.t;
          flat[j++] = runKey(op, i);
          flat[j++] = runRow(op, i);
        }
        break;
      case 'delete':
        flat[j++] = DELETE;
        flat[j++] = op.t;
        flat[j++] = op.key;
        flat[j++] = null;
        break;
      default:
        return null;
    }
  }
  const body = packr().pack(flat);
  return body.length <= MAX_REDO_BYTES ? body : null;
}

/**
 * Fewer bytes than the packed log can take: every value at least one byte, a string at least one
 * more per UTF-16 unit (UTF-8 never takes fewer bytes than units).
 */
function redoLowerBound(log: readonly LogOp[]): number {
  let n = 0;
  for (const op of log) {
    if (op.op === 'inserts') {
      for (let i = 0; i < op.count; i++) n += tupleLowerBound(runKey(op, i)) + tupleLowerBound(runRow(op, i));
      continue;
    }
    if (op.op !== 'insert' && op.op !== 'update' && op.op !== 'delete') return 0;
    n += tupleLowerBound(op.key);
    if (op.op !== 'delete') n += tupleLowerBound(op.row);
  }
  return n;
}

function tupleLowerBound(t: readonly unknown[]): number {
  let n = 1;
  for (let i = 0; i < t.length; i++) {
    const v = t[i];
    n += typeof v === 'string' ? 1 + v.length : 1;
  }
  return n;
}

function bad(file: string, why: string): DispatcherError {
  return new DispatcherError(SqlState.DataCorrupted, `${file} is corrupted`, { detail: `a redo record ${why}` });
}

/** Decodes a redo frame body (its checksum already held); a malformed one is XX001 naming `file`. */
export function decodeRedo(body: Uint8Array, file: string): RedoRecord {
  let flat: unknown;
  try {
    flat = packr().unpack(body);
  } catch {
    throw bad(file, 'cannot be decoded');
  }
  if (!Array.isArray(flat) || flat.length % 4 !== 1 || typeof flat[0] !== 'number') throw bad(file, 'has a bad shape');
  const ops: LogOp[] = [];
  for (let j = 1; j < flat.length; j += 4) {
    const code = flat[j] as unknown;
    const t = flat[j + 1] as unknown;
    const rawKey = flat[j + 2] as unknown;
    const rawRow = flat[j + 3] as unknown;
    if (typeof t !== 'string' || !Array.isArray(rawKey)) throw bad(file, 'names no table or key');
    const key = plainKey(rawKey);
    if (code === DELETE) {
      ops.push({ op: 'delete', t, key: key as Key });
      continue;
    }
    if (!Array.isArray(rawRow)) throw bad(file, 'has no row');
    plainBytes(rawRow);
    const row = rawRow;
    if (code === INSERT) ops.push({ op: 'insert', t, key: key as Key, row: row as Row });
    else if (code === UPDATE) ops.push({ op: 'update', t, key: key as Key, row: row as Row });
    else throw bad(file, `has an unknown operation ${String(code)}`);
  }
  return { seq: flat[0] as number, ops };
}
