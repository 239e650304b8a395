// The JSON set-returning functions as FROM items: json[b]_array_elements[_text] (one row per
// element), json[b]_each[_text] (one row per member: key, value) and json[b]_object_keys. Like
// generate_series, the argument is a one-row plan of its own, so parameters and (LATERAL) outer
// columns work in it.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ColumnType, Row } from '../storage/ports.js';
import { funcArgs, selectOf, type Node } from './ast.js';
import { asText, docOf, jsonOut, keyOrder, type Json } from './json-values.js';
import { BATCH, indent, runPlan, type Frame, type Op, type PlanNode } from './runtime.js';

type Kind = 'elements' | 'each' | 'keys';

interface TableFunction {
  readonly kind: Kind;
  /** Values as text rather than JSON. */
  readonly text: boolean;
  /** json or jsonb: the type of JSON values out. */
  readonly json: ColumnType;
}

const FUNCTIONS: Readonly<Record<string, TableFunction>> = {
  json_array_elements: { kind: 'elements', text: false, json: 'json' },
  jsonb_array_elements: { kind: 'elements', text: false, json: 'jsonb' },
  json_array_elements_text: { kind: 'elements', text: true, json: 'json' },
  jsonb_array_elements_text: { kind: 'elements', text: true, json: 'jsonb' },
  json_each: { kind: 'each', text: false, json: 'json' },
  jsonb_each: { kind: 'each', text: false, json: 'jsonb' },
  json_each_text: { kind: 'each', text: true, json: 'json' },
  jsonb_each_text: { kind: 'each', text: true, json: 'jsonb' },
  json_object_keys: { kind: 'keys', text: true, json: 'json' },
  jsonb_object_keys: { kind: 'keys', text: true, json: 'jsonb' },
};

export function isJsonTableFunction(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(FUNCTIONS, name);
}

/** The FROM-less SELECT computing the function's one argument. */
export function jsonTableArguments(name: string, fn: Node): Node {
  const args = funcArgs(fn);
  if (args.length !== 1) throw new DispatcherError(SqlState.UndefinedFunction, `function ${name} with ${args.length} arguments does not exist`);
  return selectOf([{ type: 'expr', expr: args[0], as: 'a0' }]);
}

/** The columns a function gives (`alias` names the column of jsonb_object_keys, as in PostgreSQL). */
export function jsonTableColumns(name: string, alias: string | null): { name: string; type: ColumnType }[] {
  const fn = FUNCTIONS[name]!;
  const value: ColumnType = fn.text ? 'text' : fn.json;
  switch (fn.kind) {
    case 'elements':
      return [{ name: 'value', type: value }];
    case 'each':
      return [
        { name: 'key', type: 'text' },
        { name: 'value', type: value },
      ];
    default:
      return [{ name: (alias ?? name).toLowerCase(), type: 'text' }];
  }
}

export class JsonTableNode implements PlanNode {
  readonly #name: string;
  readonly #fn: TableFunction;
  readonly #args: PlanNode;
  readonly #argType: ColumnType;

  constructor(name: string, args: PlanNode, argType: ColumnType) {
    this.#name = name;
    this.#fn = FUNCTIONS[name]!;
    this.#args = args;
    this.#argType = argType;
  }

  open(f: Frame): Op {
    const v = runPlan(this.#args, f, 1)[0]?.[0] ?? null;
    const rows = v === null ? [] : this.#rows(docOf(v, this.#argType));
    let at = 0;
    return {
      next: (): Row[] | null => {
        if (at >= rows.length) return null;
        f.ctx.checkInterrupt();
        const out = rows.slice(at, at + BATCH * 4);
        at += out.length;
        f.root.work += out.length + 1;
        return out;
      },
      close: () => {
        at = rows.length;
      },
    };
  }

  #rows(doc: Json): Row[] {
    const fn = this.#fn;
    const value = (x: Json): Row[number] => (fn.text ? asText(x) : jsonOut(x, fn.json));
    const isObject = doc !== null && typeof doc === 'object' && !Array.isArray(doc);
    switch (fn.kind) {
      case 'elements':
        if (!Array.isArray(doc)) throw new DispatcherError(SqlState.InvalidParameterValue, `cannot extract elements from ${isObject ? 'an object' : 'a scalar'}`);
        return doc.map((x) => [value(x)]);
      case 'each': {
        if (!isObject) throw new DispatcherError(SqlState.InvalidParameterValue, `cannot call ${this.#name} on a non-object`);
        const o = doc as { [key: string]: Json };
        return this.#keys(o).map((k) => [k, value(o[k]!)]);
      }
      default: {
        if (!isObject) throw new DispatcherError(SqlState.InvalidParameterValue, `cannot call ${this.#name} on ${Array.isArray(doc) ? 'an array' : 'a scalar'}`);
        return this.#keys(doc as { [key: string]: Json }).map((k) => [k]);
      }
    }
  }

  /** Members in jsonb's key order for jsonb; as written (JSON.parse keeps it, integer-like keys aside) for json. */
  #keys(o: { [key: string]: Json }): string[] {
    const keys = Object.keys(o);
    return this.#fn.json === 'jsonb' ? keys.sort(keyOrder) : keys;
  }

  explain(out: string[], depth: number): void {
    out.push(indent(depth) + `Function Scan on ${this.#name}`);
  }
}
