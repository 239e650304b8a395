// The JSON functions of PostgreSQL's usual set: to_json[b], json[b]_build_object / _array,
// json[b]_typeof, json[b]_array_length, json[b]_extract_path[_text], jsonb_set, jsonb_pretty and
// json[b]_strip_nulls. Each types its call statically and returns a closure over its arguments.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ColumnType, SqlValue } from '../storage/ports.js';
import type { Arg } from './functions.js';
import type { Eval } from './runtime.js';
import { asText, atPath, docOf, elementOf, jsonOut, keyOrder, textArray, typeName, type Json } from './json-values.js';
import { err, textOf, truth } from './values.js';

interface JsonCall {
  readonly ev: Eval;
  readonly type: ColumnType;
}

function arity(name: string, args: readonly Arg[], min: number, max: number): void {
  if (args.length < min || args.length > max) {
    throw new DispatcherError(SqlState.UndefinedFunction, `function ${name} with ${args.length} argument(s) does not exist`);
  }
}

/** json_x or jsonb_x: the result type follows the prefix. */
function flavour(name: string): ColumnType {
  return name.startsWith('jsonb') || name === 'to_jsonb' ? 'jsonb' : 'json';
}

/** The first argument parsed as a document (NULL in, NULL out). */
function onDoc(args: readonly Arg[], fn: (doc: Json, rest: SqlValue[]) => SqlValue): Eval {
  const a = args[0]!;
  const rest = args.slice(1).map((x) => x.ev);
  return (r, f) => {
    const v = a.ev(r, f);
    if (v === null) return null;
    const vals: SqlValue[] = new Array(rest.length);
    for (let i = 0; i < rest.length; i++) {
      const x = rest[i]!(r, f);
      if (x === null) return null;
      vals[i] = x;
    }
    return fn(docOf(v, a.type), vals);
  };
}

/** A JSON function's compiled call, or null when `name` is none of them. */
export function jsonFunction(name: string, args: readonly Arg[]): JsonCall | null {
  switch (name) {
    case 'to_json':
    case 'to_jsonb': {
      arity(name, args, 1, 1);
      const a = args[0]!;
      const type = flavour(name);
      return { type, ev: (r, f) => {
        const v = a.ev(r, f);
        return v === null ? null : jsonOut(elementOf(v, a.type), type);
      } };
    }
    case 'json_build_object':
    case 'jsonb_build_object': {
      if (args.length % 2 !== 0) throw err(SqlState.InvalidParameterValue, 'argument list must have even number of elements');
      const type = flavour(name);
      return { type, ev: (r, f) => {
        // No prototype: a key named __proto__ is a member like any other.
        const o = Object.create(null) as { [key: string]: Json };
        for (let i = 0; i < args.length; i += 2) {
          const k = args[i]!.ev(r, f);
          if (k === null) throw err(SqlState.NullValueNotAllowed, 'null value not allowed for object key');
          const v = args[i + 1]!;
          o[textOf(k)] = elementOf(v.ev(r, f), v.type);
        }
        return jsonOut(o, type);
      } };
    }
    case 'json_build_array':
    case 'jsonb_build_array': {
      const type = flavour(name);
      return { type, ev: (r, f) => jsonOut(args.map((a) => elementOf(a.ev(r, f), a.type)), type) };
    }
    case 'json_typeof':
    case 'jsonb_typeof':
      arity(name, args, 1, 1);
      return { type: 'text', ev: onDoc(args, (d) => typeName(d)) };
    case 'json_array_length':
    case 'jsonb_array_length':
      arity(name, args, 1, 1);
      return { type: 'integer', ev: onDoc(args, (d) => {
        if (!Array.isArray(d)) throw err(SqlState.InvalidParameterValue, `cannot get array length of a ${d === null || typeof d !== 'object' ? 'scalar' : 'non-array'}`);
        return d.length;
      }) };
    case 'json_extract_path':
    case 'jsonb_extract_path':
    case 'json_extract_path_text':
    case 'jsonb_extract_path_text': {
      arity(name, args, 1, Infinity);
      const text = name.endsWith('_text');
      const type = flavour(name);
      return { type: text ? 'text' : type, ev: onDoc(args, (d, path) => {
        const m = atPath(d, path.map(textOf));
        if (text) return asText(m);
        return m === undefined ? null : jsonOut(m, type);
      }) };
    }
    case 'jsonb_set': {
      arity(name, args, 3, 4);
      const create = args[3];
      const value = args[2]!;
      return { type: 'jsonb', ev: (r, f) => {
        const t = args[0]!.ev(r, f);
        const p = args[1]!.ev(r, f);
        const v = value.ev(r, f);
        if (t === null || p === null || v === null) return null;
        const missing = create === undefined ? true : truth(create.ev(r, f)) === true;
        return jsonOut(setPath(docOf(t, args[0]!.type), textArray(p), docOf(v, value.type), missing), 'jsonb');
      } };
    }
    case 'jsonb_pretty':
      arity(name, args, 1, 1);
      return { type: 'text', ev: onDoc(args, (d) => pretty(d, '')) };
    case 'json_strip_nulls':
    case 'jsonb_strip_nulls': {
      arity(name, args, 1, 1);
      const type = flavour(name);
      return { type, ev: onDoc(args, (d) => jsonOut(stripNulls(d), type)) };
    }
  }
  return null;
}

/** jsonb_set: `doc` with the value at `path` replaced (or, with `create`, a missing last key added). */
function setPath(doc: Json, path: readonly string[], value: Json, create: boolean): Json {
  if (path.length === 0) return doc;
  const [step, ...rest] = path as [string, ...string[]];
  if (Array.isArray(doc)) {
    if (!/^-?\d+$/.test(step)) throw err(SqlState.InvalidTextRepresentation, `path element at position 1 is not an integer: "${step}"`);
    let i = Number(step);
    if (i < 0) i += doc.length;
    const out = doc.slice();
    if (i >= 0 && i < doc.length) out[i] = rest.length === 0 ? value : setPath(doc[i]!, rest, value, create);
    else if (create && rest.length === 0) {
      if (i < 0) out.unshift(value);
      else out.push(value);
    }
    return out;
  }
  if (doc === null || typeof doc !== 'object') return doc;
  const has = Object.prototype.hasOwnProperty.call(doc, step);
  if (!has && !(create && rest.length === 0)) return doc;
  return { ...doc, [step]: rest.length === 0 ? value : setPath(doc[step]!, rest, value, create) };
}

/** jsonb_pretty's layout: four spaces per level, one member or element per line. */
function pretty(v: Json, indent: string): string {
  if (v === null || typeof v !== 'object') return jsonOut(v, 'jsonb');
  const inner = indent + '    ';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[\n' + indent + ']';
    return '[\n' + v.map((x) => inner + pretty(x, inner)).join(',\n') + '\n' + indent + ']';
  }
  const keys = Object.keys(v).sort(keyOrder);
  if (keys.length === 0) return '{\n' + indent + '}';
  return '{\n' + keys.map((k) => inner + JSON.stringify(k) + ': ' + pretty(v[k]!, inner)).join(',\n') + '\n' + indent + '}';
}


function stripNulls(v: Json): Json {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(stripNulls);
  const out = Object.create(null) as { [key: string]: Json };
  for (const k of Object.keys(v)) if (v[k] !== null) out[k] = stripNulls(v[k]!);
  return out;
}
