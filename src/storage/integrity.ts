// Structural checks of the committed trees: key order and separator bounds, node sizes, row
// counts, and agreement of every index with its table. Page accounting is the file store's.
import type { NodeSource } from './btree.js';
import type { DbState } from './catalog.js';
import { indexKey } from './index-keys.js';
import { compareKeys } from './key-order.js';
import { leafKeys } from './leaf-keys.js';
import { entrySize, leafValues, valuesHold } from './leaf-values.js';
import { textPrefixesHold } from './text-prefixes.js';
import { NODE_OVERHEAD, type BNode, type ChildRef, type LeafValue } from './node.js';
import type { Key, Row } from './ports.js';

const MAX_PROBLEMS = 100;

export function checkState(
  state: DbState,
  src: NodeSource,
  capacity: number,
  resolve: (v: LeafValue) => Row,
  visit?: (n: BNode) => void,
): string[] {
  const problems: string[] = [];
  const report = (p: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  const load = (r: ChildRef): BNode => (typeof r === 'number' ? src.load(r) : r);

  /** Walks a tree checking order and bounds; calls onEntry for every leaf entry in order. */
  const walk = (what: string, rootRef: ChildRef, onEntry: (k: Key, v: LeafValue) => void): void => {
    let leafDepth = -1;
    const rec = (ref: ChildRef, lo: Key | undefined, hi: Key | undefined, depth: number): void => {
      let n: BNode;
      try {
        n = load(ref);
      } catch (e) {
        report(`${what}: cannot read node ${String(typeof ref === 'number' ? ref : ref.id)}: ${(e as Error).message}`);
        return;
      }
      visit?.(n);
      const where = `${what}: node ${n.id}`;
      const keys = n.leaf ? leafKeys(n) : n.keys;
      if (n.leaf && n.nums !== null && n.ar > 0 && n.nums.length !== n.ar * keys.length) report(`${where}: numeric keys disagree with their count`);
      if (n.leaf && !valuesHold(n, keys.length)) report(`${where}: its values disagree with its keys`);
      if (!textPrefixesHold(n)) report(`${where}: its text cache disagrees with its keys`);
      if (n.bytes > capacity && keys.length > 1) report(`${where} is over capacity (${n.bytes} > ${capacity})`);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        if (i > 0 && compareKeys(keys[i - 1]!, k) >= 0) report(`${where}: keys out of order at ${i}`);
        if (lo !== undefined && compareKeys(k, lo) < 0) report(`${where}: key below its lower bound`);
        if (hi !== undefined && compareKeys(k, hi) >= 0) report(`${where}: key at or above its upper bound`);
      }
      if (n.leaf) {
        if (leafDepth === -1) leafDepth = depth;
        else if (leafDepth !== depth) report(`${where}: leaves at different depths`);
        let sum = NODE_OVERHEAD;
        for (let i = 0; i < keys.length; i++) sum += entrySize(n, i);
        if (sum !== n.bytes) report(`${where}: size accounting is off`);
        const vals = leafValues(n, keys.length);
        for (let i = 0; i < keys.length; i++) onEntry(keys[i]!, vals[i]!);
        return;
      }
      if (n.children.length !== n.keys.length + 1) report(`${where}: ${n.children.length} children for ${n.keys.length} keys`);
      for (let i = 0; i < n.children.length; i++)
        rec(n.children[i]!, i === 0 ? lo : n.keys[i - 1], i < n.keys.length ? n.keys[i] : hi, depth + 1);
    };
    rec(rootRef, undefined, undefined, 0);
  };

  for (const [name, t] of state.tables) {
    const def = t.def;
    const ixKeys: Key[][] = def.indexes.map(() => []);
    let count = 0;
    walk(`table ${name}`, t.root, (k, v) => {
      count++;
      let row: Row;
      try {
        row = Array.isArray(v) ? v : resolve(v);
      } catch (e) {
        report(`table ${name}: row ${JSON.stringify(k, jsonSafe)} unreadable: ${(e as Error).message}`);
        return;
      }
      if (def.primaryKey.length > 0) {
        const pk = def.primaryKey.map((i) => row[i] ?? null);
        if (compareKeys(pk, k) !== 0) report(`table ${name}: row key does not match its primary key columns`);
      }
      for (let i = 0; i < def.indexes.length; i++) ixKeys[i]!.push(indexKey(row, def.indexes[i]!.columns, k));
    });
    if (count !== t.rowCount) report(`table ${name}: row count ${t.rowCount} but ${count} rows`);
    for (let i = 0; i < def.indexes.length; i++) {
      const ix = def.indexes[i]!;
      const expected = ixKeys[i]!.sort(compareKeys);
      const actual: Key[] = [];
      walk(`index ${ix.name}`, t.indexRoots[i]!, (k) => actual.push(k));
      if (actual.length !== expected.length)
        report(`index ${ix.name}: ${actual.length} entries for ${expected.length} rows`);
      const n = Math.min(actual.length, expected.length);
      for (let j = 0; j < n; j++) {
        if (compareKeys(actual[j]!, expected[j]!) !== 0) {
          report(`index ${ix.name}: entry ${JSON.stringify(actual[j], jsonSafe)} does not match table row`);
          break;
        }
      }
      if (ix.unique) {
        const w = ix.columns.length;
        for (let j = 1; j < actual.length; j++) {
          const a = actual[j - 1]!.slice(0, w);
          const b = actual[j]!.slice(0, w);
          if (!a.includes(null) && compareKeys(a, b) === 0) report(`index ${ix.name}: duplicate unique entry`);
        }
      }
    }
  }
  return problems;
}

function jsonSafe(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? `bytes(${v.length})` : v;
}
