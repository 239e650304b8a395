// Page id -> decoded node cache with a fixed capacity, pins and clock replacement. A hit is a
// Map lookup and a reference bit; a miss calls the loader (pager/WAL read + decode).
import type { BNode } from './node.js';

interface Frame {
  readonly id: number;
  node: BNode;
  pins: number;
  ref: boolean;
  slot: number;
}

export interface PoolCounters {
  hits: number;
  misses: number;
  evictions: number;
}

/** What reads a page the pool does not hold (the file store: pager or WAL, then decode). */
export interface NodeLoader {
  loadNode(id: number): BNode;
}

export class BufferPool {
  readonly capacity: number;
  readonly #frames = new Map<number, Frame>();
  /** Clock ring; holes (undefined) are reused. */
  readonly #ring: (Frame | undefined)[] = [];
  readonly #holes: number[] = [];
  #hand = 0;
  readonly #loader: NodeLoader;
  readonly counters: PoolCounters = { hits: 0, misses: 0, evictions: 0 };

  constructor(capacity: number, loader: NodeLoader) {
    this.capacity = Math.max(1, capacity);
    this.#loader = loader;
  }

  get size(): number {
    return this.#frames.size;
  }

  get(id: number): BNode {
    const f = this.#frames.get(id);
    if (f !== undefined) {
      f.ref = true;
      this.counters.hits++;
      return f.node;
    }
    this.counters.misses++;
    const node = this.#loader.loadNode(id);
    this.#insert(id, node);
    return node;
  }

  /** Whether the page is resident (no counters touched). */
  has(id: number): boolean {
    return this.#frames.has(id);
  }

  /** Installs a freshly written node (a commit's new page, or a reused page id's new content). */
  put(id: number, node: BNode): void {
    const f = this.#frames.get(id);
    if (f !== undefined) {
      f.node = node;
      f.ref = true;
      return;
    }
    this.#insert(id, node);
  }

  /** Forgets a page (freed); pinned frames stay until unpinned. */
  drop(id: number): void {
    const f = this.#frames.get(id);
    if (f === undefined || f.pins > 0) return;
    this.#remove(f);
  }

  pin(id: number): void {
    const f = this.#frames.get(id);
    if (f !== undefined) {
      f.pins++;
      this.#pins++;
    }
  }

  unpin(id: number): void {
    const f = this.#frames.get(id);
    if (f !== undefined && f.pins > 0) {
      f.pins--;
      this.#pins--;
    }
  }

  /** Pins held right now over all frames (zero whenever no cursor is open). */
  get pinned(): number {
    return this.#pins;
  }

  #pins = 0;

  pinCount(id: number): number {
    return this.#frames.get(id)?.pins ?? 0;
  }

  clear(): void {
    for (const f of [...this.#frames.values()]) if (f.pins === 0) this.#remove(f);
  }

  #insert(id: number, node: BNode): void {
    // Evict back under capacity (the pool may have grown while every frame was pinned).
    while (this.#frames.size >= this.capacity && this.#evict());
    const f: Frame = { id, node, pins: 0, ref: true, slot: 0 };
    const hole = this.#holes.pop();
    if (hole !== undefined) {
      f.slot = hole;
      this.#ring[hole] = f;
    } else {
      f.slot = this.#ring.length;
      this.#ring.push(f);
    }
    this.#frames.set(id, f);
  }

  #remove(f: Frame): void {
    this.#frames.delete(f.id);
    this.#ring[f.slot] = undefined;
    this.#holes.push(f.slot);
  }

  /** Clock sweep: clears reference bits until an unpinned, unreferenced frame turns up. */
  #evict(): boolean {
    const ring = this.#ring;
    const n = ring.length;
    // Two full turns clear every reference bit; if all frames are pinned, the pool grows.
    for (let step = 0; step < 2 * n + 1; step++) {
      if (this.#hand >= n) this.#hand = 0;
      const f = ring[this.#hand++];
      if (f === undefined || f.pins > 0) continue;
      if (f.ref) {
        f.ref = false;
        continue;
      }
      this.#remove(f);
      this.counters.evictions++;
      return true;
    }
    return false;
  }
}
