// JSON values as the engine holds them: text. A json value keeps the text it was given (checked);
// a jsonb value is kept in one canonical form (PostgreSQL's jsonb output: keys ordered by length,
// then bytes, the last of duplicate keys kept, ", " and ": " between items), so that equal
// documents are equal strings and compare, group and index as such. Operators and functions
// parse the text when they need the document.
import { SqlState } from '../api/errors.js';
import type { ColumnType, SqlValue } from '../storage/ports.js';
import { err, textOf } from './values.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function isJsonType(t: ColumnType): boolean {
  return t === 'json' || t === 'jsonb';
}

/** The document a json or jsonb text holds (22P02 when it is not JSON). */
export function parseJson(text: string, type: 'json' | 'jsonb' = 'json'): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    const shown = text.length > 40 ? text.slice(0, 40) + '...' : text;
    throw err(SqlState.InvalidTextRepresentation, `invalid input syntax for type ${type}: "${shown}"`);
  }
}

/** jsonb's key order: shorter keys first, then by their bytes (UTF-16 order agrees for the BMP). */
export function keyOrder(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The canonical jsonb text of a document. */
export function jsonbText(v: Json): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'string':
      return JSON.stringify(v);
  }
  if (Array.isArray(v)) return '[' + v.map(jsonbText).join(', ') + ']';
  const keys = Object.keys(v).sort(keyOrder);
  return '{' + keys.map((k) => JSON.stringify(k) + ': ' + jsonbText(v[k]!)).join(', ') + '}';
}

/** The text of a document as a value of `type` (json: compact; jsonb: canonical). */
export function jsonOut(v: Json, type: ColumnType): string {
  return type === 'json' ? JSON.stringify(v) : jsonbText(v);
}

/** CAST(v AS json / jsonb): text must hold JSON; a jsonb value is put in canonical form. */
export function castJson(v: SqlValue, to: 'json' | 'jsonb'): SqlValue {
  if (v === null) return null;
  if (typeof v !== 'string') throw err(SqlState.DatatypeMismatch, `cannot cast value ${textOf(v)} to ${to}`);
  const doc = parseJson(v, to);
  return to === 'jsonb' ? jsonbText(doc) : v;
}

/** The document a SQL value stands for: json / jsonb text is parsed; other values are scalars. */
export function docOf(v: SqlValue, type: ColumnType): Json {
  if (v === null) return null;
  if (typeof v === 'string' && (isJsonType(type) || type === 'any' || type === 'text')) return parseJson(v);
  return scalarDoc(v);
}

/** A SQL value as a JSON scalar (to_json's mapping): numbers and booleans as such, the rest as text. */
export function scalarDoc(v: SqlValue): Json {
  if (v === null) return null;
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? v : String(v);
    case 'bigint':
      return Number(v);
    case 'boolean':
      return v;
    case 'string':
      return v;
  }
  return textOf(v);
}

/** A value of a typed expression as a JSON element (json / jsonb embedded as documents). */
export function elementOf(v: SqlValue, type: ColumnType): Json {
  if (v === null) return null;
  if (isJsonType(type) && typeof v === 'string') return parseJson(v);
  return scalarDoc(v);
}

/** `doc -> key` / `doc -> index`: the member or element, undefined when there is none. */
export function member(doc: Json, sel: SqlValue): Json | undefined {
  if (doc === null || typeof doc !== 'object') return undefined;
  if (Array.isArray(doc)) {
    if (typeof sel !== 'number' && typeof sel !== 'bigint') return undefined;
    let i = Number(sel);
    if (i < 0) i += doc.length;
    return i >= 0 && i < doc.length ? doc[i] : undefined;
  }
  if (typeof sel !== 'string') return undefined;
  return Object.prototype.hasOwnProperty.call(doc, sel) ? doc[sel] : undefined;
}

/** `doc #> path`: each step a key, or an index into an array (text that reads as an integer). */
export function atPath(doc: Json, path: readonly string[]): Json | undefined {
  let cur: Json | undefined = doc;
  for (const step of path) {
    if (cur === undefined || cur === null || typeof cur !== 'object') return undefined;
    if (Array.isArray(cur)) {
      if (!/^-?\d+$/.test(step)) return undefined;
      cur = member(cur, Number(step));
    } else cur = member(cur, step);
  }
  return cur;
}

/** The elements of a text[] literal ('{a,b,"c d"}'), for the path operators and jsonb_set. */
export function textArray(v: SqlValue): string[] {
  const s = textOf(v).trim();
  if (!s.startsWith('{') || !s.endsWith('}')) throw err(SqlState.InvalidTextRepresentation, `malformed array literal: "${s}"`);
  const body = s.slice(1, -1);
  const out: string[] = [];
  let i = 0;
  while (i < body.length) {
    while (body[i] === ' ') i++;
    let item = '';
    if (body[i] === '"') {
      i++;
      while (i < body.length && body[i] !== '"') {
        if (body[i] === '\\') i++;
        item += body[i++] ?? '';
      }
      i++;
    } else {
      while (i < body.length && body[i] !== ',') item += body[i++];
      item = item.trim();
    }
    while (body[i] === ' ') i++;
    if (i < body.length && body[i] !== ',') throw err(SqlState.InvalidTextRepresentation, `malformed array literal: "${s}"`);
    i++;
    out.push(item);
  }
  return out;
}

/** jsonb containment (`a @> b`), as PostgreSQL defines it. */
export function contains(a: Json, b: Json): boolean {
  if (b === null || typeof b !== 'object') {
    // A scalar is contained in an equal scalar, and (top level of an array) in an array holding it.
    if (Array.isArray(a)) return a.some((x) => (x === null || typeof x !== 'object') && x === b);
    return a === b;
  }
  if (Array.isArray(b)) {
    if (!Array.isArray(a)) return false;
    return b.every((y) => a.some((x) => contains(x, y) && sameKind(x, y)));
  }
  if (a === null || typeof a !== 'object' || Array.isArray(a)) return false;
  for (const k of Object.keys(b)) {
    if (!Object.prototype.hasOwnProperty.call(a, k)) return false;
    const x = a[k]!;
    const y = b[k]!;
    if (!sameKind(x, y) || !contains(x, y)) return false;
  }
  return true;
}

function sameKind(x: Json, y: Json): boolean {
  const kx = x === null ? 'null' : Array.isArray(x) ? 'array' : typeof x;
  const ky = y === null ? 'null' : Array.isArray(y) ? 'array' : typeof y;
  return kx === ky;
}

/** json_typeof's names. */
export function typeName(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}

/** `->>`: a member as text (strings without quotes, JSON null as SQL NULL). */
export function asText(v: Json | undefined): SqlValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  return jsonbTextIfNested(v);
}

function jsonbTextIfNested(v: Json): string {
  return typeof v === 'object' ? jsonbText(v) : String(v);
}
