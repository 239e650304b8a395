// The cursors execution sees: rows of a table tree, table keys of an index tree.
import { TreeCursor } from './cursor.js';
import { objectSource, type NodeSource } from './btree.js';
import { newLeaf, type BNode, type LeafValue } from './node.js';
import { keyAt } from './leaf-keys.js';
import { flatRow } from './leaf-values.js';
import type { IndexCursor, Key, KeyRange, Row, RowCursor, SqlValue } from './ports.js';

export type ValueResolver = (v: LeafValue) => Row;

export class TableCursor extends TreeCursor implements RowCursor {
  readonly #resolve: ValueResolver;

  constructor(src: NodeSource, root: BNode, range: KeyRange | undefined, reverse: boolean, resolve: ValueResolver, shared = false) {
    super(src, root, range, reverse, shared);
    this.#resolve = resolve;
  }

  next(): Row | undefined {
    if (!this.advance()) return undefined;
    const v = this.value;
    return Array.isArray(v) ? v : this.#resolve(v);
  }

  nextBatch(out: Row[], at: number, max: number): number {
    const resolve = this.#resolve;
    let n = 0;
    while (n < max) {
      const got = this.run(max - n);
      if (got === 0) break;
      const vals = this.runVals;
      const w = this.runWidth;
      const s = this.runStart;
      const step = this.reverse ? -1 : 1;
      if (w === 0) {
        for (let k = 0, i = s; k < got; k++, i += step) {
          const v = vals[i] as LeafValue;
          out[at++] = Array.isArray(v) ? v : resolve(v);
        }
      } else {
        const flat = vals as readonly SqlValue[];
        for (let k = 0, i = s; k < got; k++, i += step) out[at++] = flatRow(flat, i, w);
      }
      n += got;
    }
    return n;
  }

  /**
   * Bulk readers that loop over the leaf themselves: up to `max` next entries of one leaf, in
   * place (leafEntries[leafStart ..], downwards when reverse); 0 at the end. An entry that is
   * not an array goes through entryRow(). When leafWidth is not 0 the leaf is flat: entry i is
   * leafEntries[i*leafWidth .. (i+1)*leafWidth).
   */
  nextLeafRun(max: number): number {
    return this.run(max);
  }

  get leafEntries(): readonly unknown[] {
    return this.runVals;
  }

  get leafWidth(): number {
    return this.runWidth;
  }

  get leafStart(): number {
    return this.runStart;
  }

  entryRow(v: unknown): Row {
    return Array.isArray(v) ? v : this.#resolve(v as LeafValue);
  }
}

export class IndexEntryCursor extends TreeCursor implements IndexCursor {
  readonly #width: number;

  constructor(src: NodeSource, root: BNode, range: KeyRange | undefined, reverse: boolean, width: number, shared = false) {
    super(src, root, range, reverse, shared);
    this.#width = width;
  }

  next(): Key | undefined {
    if (!this.advance()) return undefined;
    return this.keySlice(this.#width);
  }

  get indexKey(): Key {
    return this.keySlice(0, this.#width);
  }

  nextEntries(out: Key[], max: number): number {
    let n = 0;
    while (n < max) {
      const got = this.run(max - n);
      if (got === 0) break;
      const leaf = this.runLeaf!;
      const step = this.reverse ? -1 : 1;
      for (let k = 0, i = this.runStart; k < got; k++, i += step) out[n++] = keyAt(leaf, i);
    }
    return n;
  }
}

/**
 * One idle cursor of each kind over an empty leaf, kept for the life of the process. V8 reaches
 * the map (hidden class) a class's instances get once their constructor has added the fields only
 * through weak transitions: a memory-reducing full collection (a forced gc(), the idle memory
 * reducer, a heap snapshot) drops it when no instance is alive, and deoptimizes every function
 * compiled against it. Between statements no cursor may be alive (a database just closed, a
 * workload of point lookups), and the next scans then ran unoptimized for thousands of statements.
 * Execution keeps its own per-statement classes the same way (src/execution/shape-keeper.ts).
 */
const IDLE_RANGE: KeyRange = { lower: [0], lowerInclusive: true, upper: [0], upperInclusive: true };
export const IDLE_CURSORS: readonly object[] = [
  new TableCursor(objectSource, newLeaf(0), IDLE_RANGE, false, (v) => v as Row, true),
  new IndexEntryCursor(objectSource, newLeaf(0), IDLE_RANGE, false, 1, true),
];
