// Where a B+tree's nodes come from: page ids resolve through the buffer pool (files), node
// objects are themselves (in memory and before commit). The read and write sides both load
// through it.
import type { BNode, ChildRef } from './node.js';

/** Where nodes come from: page ids resolve through the buffer pool, objects are themselves. */
export interface NodeSource {
  load(ref: ChildRef): BNode;
  pin(id: number): void;
  unpin(id: number): void;
}

/** A cache of decoded pages by id (the file store's buffer pool). */
export interface PageCache {
  get(id: number): BNode;
  pin(id: number): void;
  unpin(id: number): void;
}

/**
 * The node source of every tree: page ids resolve through the page cache, objects are
 * themselves; without a cache (in memory) a tree never holds page ids. One class for both kinds
 * of database, so the B-tree's calls to it see one shape and one method each; and methods rather
 * than closures of one store, which V8 compiled into those calls and threw away, with the
 * compiled descents and index probes, when that database closed.
 */
export class TreeSource implements NodeSource {
  readonly #pages: PageCache | null;

  constructor(pages: PageCache | null) {
    this.#pages = pages;
  }

  load(ref: ChildRef): BNode {
    if (typeof ref !== 'number') return ref;
    if (this.#pages === null) throw new Error(`page ${ref} referenced by an in-memory tree`);
    return this.#pages.get(ref);
  }

  pin(id: number): void {
    this.#pages?.pin(id);
  }

  unpin(id: number): void {
    this.#pages?.unpin(id);
  }
}

/** In-memory trees never hold page ids. */
export const objectSource: NodeSource = new TreeSource(null);
