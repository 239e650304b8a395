// A raw copy-on-write tree (no engine around it) beside a model of its keys, for the property
// tests of node internals: each key's value is its name, so a lookup says which key it found.
import { PutMode, TreeWriter, objectSource } from '../src/storage/btree.js';
import { newLeaf, newToken, tupleSize, type BNode } from '../src/storage/node.js';
import type { Key } from '../src/storage/ports.js';

export class RawTree {
  readonly w: TreeWriter;
  root: BNode;
  /** The keys put and not removed, by name (the first key put under a name stays). */
  readonly model = new Map<string, Key>();
  readonly #name: (k: Key) => string;

  constructor(capacity: number, name: (k: Key) => string) {
    this.w = new TreeWriter(objectSource, capacity);
    this.w.owner = newToken();
    this.root = newLeaf(this.w.owner);
    this.#name = name;
  }

  put(key: Key): void {
    const n = this.#name(key);
    this.root = this.w.put(this.root, key, [n], tupleSize(key) + tupleSize([n]), PutMode.Upsert);
    if (!this.model.has(n)) this.model.set(n, key);
  }

  /** Removes `key` (w.found then says whether the tree had it). */
  remove(key: Key): void {
    this.root = this.w.remove(this.root, key);
    this.model.delete(this.#name(key));
  }

  /** Later edits copy the nodes they change, as a new transaction's do. */
  freeze(): void {
    this.w.owner = newToken();
  }
}
