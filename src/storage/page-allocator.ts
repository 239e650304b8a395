// The free-page accounting of a file store: the page count, the pages free for reuse now, the
// pages freed by commits that older readers may still read, the free list's load (or rebuild by
// walking every tree) at open and its pages at a checkpoint.
import type { BufferPool } from './buffer-pool.js';
import type { DbState } from './catalog.js';
import { PAGE_HEADER_SIZE, PageKind, checkPage, corrupted, packr, pageBody, sealPage } from './format.js';
import { isOverflowRef, type BNode, type ChildRef, type OverflowRef } from './node.js';
import type { OverflowCache } from './overflow-cache.js';

export class PageAllocator {
  readonly #file: string;
  readonly #pool: BufferPool;
  readonly #overflowCache: OverflowCache;
  #pageCount: number;
  /** Pages free for reuse now. */
  #free: number[] = [];
  /** Pages freed by commit `seq`, reusable once no reader older than it is alive. */
  #pendingFree: { seq: number; ids: number[] }[] = [];
  /** Pages handed out by the stage in progress (given back if it fails). */
  #allocated: number[] = [];
  /** The page count and pending-free length when the stage in progress began. */
  #stagePageCount = 0;
  #stagePending = 0;

  constructor(file: string, pageCount: number, pool: BufferPool, overflowCache: OverflowCache) {
    this.#file = file;
    this.#pageCount = pageCount;
    this.#pool = pool;
    this.#overflowCache = overflowCache;
  }

  get pageCount(): number {
    return this.#pageCount;
  }

  /** Pages free now or waiting for old readers. */
  get freeCount(): number {
    let pending = 0;
    for (const p of this.#pendingFree) pending += p.ids.length;
    return this.#free.length + pending;
  }

  load(head: number, readRaw: (id: number) => Buffer): void {
    const seen = new Set<number>();
    let id = head;
    while (id !== 0) {
      if (seen.has(id) || seen.size > this.#pageCount) throw corrupted(id, this.#file, 'free list loops');
      seen.add(id);
      const page = readRaw(id);
      if (checkPage(page, id, this.#file) !== PageKind.FreeList) throw corrupted(id, this.#file, 'expected a free-list page');
      const [next, ids] = packr().unpack(pageBody(page)) as [number, number[]];
      for (const f of ids) this.#free.push(f);
      this.#free.push(id);
      id = next;
    }
  }

  /** After a crash the free list is recomputed: every page no tree reaches is free. */
  rebuild(state: DbState, catalogRoot: number): void {
    const used = new Uint8Array(this.#pageCount);
    used[0] = 1;
    this.markUsed(state, catalogRoot, (id) => {
      if (id > 0 && id < used.length) used[id] = 1;
    });
    for (let i = 1; i < used.length; i++) if (used[i] === 0) this.#free.push(i);
  }

  /** Calls mark(id) for every page the state reaches (trees, catalog, overflow runs). */
  markUsed(state: DbState, catalogRoot: number, mark: (id: number) => void, visit?: (n: BNode) => void): void {
    const walk = (ref: ChildRef): void => {
      const n = typeof ref === 'number' ? this.#pool.get(ref) : ref;
      if (n.id !== 0) mark(n.id);
      visit?.(n);
      if (n.leaf) {
        if (n.vals !== null) for (const v of n.vals) if (isOverflowRef(v)) for (let i = 0; i < v.c; i++) mark(v.o + i);
      } else for (const c of n.children) walk(c);
    };
    if (catalogRoot !== 0) walk(catalogRoot);
    for (const t of state.tables.values()) {
      walk(t.root);
      for (const r of t.indexRoots) walk(r);
    }
  }

  alloc(): number {
    const id = this.#free.pop();
    if (id !== undefined) {
      this.#allocated.push(id);
      // A reused id may have started a cached overflow run.
      this.#overflowCache.forget(id);
      return id;
    }
    return this.#pageCount++;
  }

  /** Takes `count` consecutive free pages (first id), or 0 when the free list has no such run. */
  allocRun(count: number): number {
    const free = this.#free;
    if (free.length < count) return 0;
    // Descending, so pops hand out low ids first; nearly sorted after the first time.
    free.sort((a, b) => b - a);
    for (let j = 0; j + count <= free.length; j++) {
      if (free[j]! - free[j + count - 1]! !== count - 1) continue;
      const ids = free.splice(j, count);
      for (const id of ids) {
        this.#allocated.push(id);
        this.#overflowCache.forget(id);
      }
      return ids[count - 1]!;
    }
    return 0;
  }

  /** Takes `count` new pages at the end of the file (first id). */
  extend(count: number): number {
    const first = this.#pageCount;
    this.#pageCount += count;
    return first;
  }

  /** Frees every committed page of a dropped tree (uncommitted nodes have none). */
  collectTree(ref: ChildRef, out: number[]): void {
    const n = typeof ref === 'number' ? this.#pool.get(ref) : ref;
    if (n.id !== 0) out.push(n.id);
    if (n.leaf) {
      if (n.vals !== null) for (const v of n.vals) if (isOverflowRef(v)) for (let i = 0; i < v.c; i++) out.push(v.o + i);
    } else for (const c of n.children) this.collectTree(c, out);
  }

  /** Pages freed by commit `seq`: reused once no reader older than it is alive. */
  freeAfter(seq: number, ids: number[]): void {
    this.#pendingFree.push({ seq, ids });
  }

  /** Makes the pages of commits no live reader predates (`oldestLiveSeq`) free for reuse. */
  release(oldestLiveSeq: number): void {
    while (this.#pendingFree.length > 0 && this.#pendingFree[0]!.seq <= oldestLiveSeq) {
      for (const id of this.#pendingFree.shift()!.ids) this.#free.push(id);
    }
  }

  /** A stage begins: what it allocates or frees from now on can be undone. */
  beginStage(): void {
    this.#stagePageCount = this.#pageCount;
    this.#stagePending = this.#pendingFree.length;
    this.#allocated = [];
  }

  /** The stage failed: its pages go back, as do the cached runs of ids it added to the file. */
  undoStage(): void {
    for (const id of this.#allocated) this.#free.push(id);
    this.#overflowCache.forgetFrom(this.#stagePageCount);
    this.#pageCount = this.#stagePageCount;
    this.#pendingFree.length = this.#stagePending;
  }

  endStage(): void {
    this.#allocated = [];
  }

  /**
   * Writes the free list for a checkpoint through `write` (its pages in order); returns the
   * list's head page (0 when empty).
   */
  writeList(pageSize: number, write: (id: number, page: Buffer) => void): number {
    // Free list: everything free after a restart (free now + waiting for old readers), stored
    // in pages that are free now (never in pages an old reader may still read).
    const pending: number[] = [];
    for (const p of this.#pendingFree) for (const id of p.ids) pending.push(id);
    const perPage = Math.floor((pageSize - PAGE_HEADER_SIZE - 16) / 5);
    const total = this.#free.length + pending.length;
    const listPages: number[] = [];
    const need = Math.ceil(total / perPage);
    const fromFree = Math.min(need, this.#free.length);
    for (let i = 0; i < fromFree; i++) listPages.push(this.#free[this.#free.length - 1 - i]!);
    const extended: number[] = [];
    while (listPages.length < need) {
      const id = this.#pageCount++;
      listPages.push(id);
      extended.push(id);
    }
    const listed = this.#free.slice(0, this.#free.length - fromFree).concat(pending);
    for (let i = 0; i < listPages.length; i++) {
      const chunk = listed.slice(i * perPage, (i + 1) * perPage);
      const body = packr().pack([listPages[i + 1] ?? 0, chunk]);
      const page = Buffer.alloc(pageSize);
      body.copy(page, PAGE_HEADER_SIZE);
      sealPage(page, listPages[i]!, PageKind.FreeList, body.length);
      write(listPages[i]!, page);
    }
    // The list pages stay free in memory; later commits that reuse them clear freeKnown.
    for (const id of extended) this.#free.push(id);
    return listPages[0] ?? 0;
  }

  /**
   * Page accounting for integrityCheck: every page used exactly once, or free. Pages and runs
   * redo commits replaced (freed at the next image point) count as free.
   */
  accounting(
    state: DbState,
    catalogRoot: number,
    replaced: readonly number[],
    replacedRuns: readonly OverflowRef[],
  ): string[] {
    const problems: string[] = [];
    const uses = new Uint16Array(this.#pageCount);
    this.markUsed(state, catalogRoot, (id) => {
      if (id <= 0 || id >= uses.length) problems.push(`page ${id} referenced but out of range`);
      else uses[id]!++;
    });
    const free = new Uint8Array(this.#pageCount);
    const all = [...this.#free, ...replaced];
    for (const p of this.#pendingFree) all.push(...p.ids);
    for (const r of replacedRuns) for (let i = 0; i < r.c; i++) all.push(r.o + i);
    for (const id of all) {
      if (id <= 0 || id >= free.length) problems.push(`free page ${id} out of range`);
      else if (free[id]! > 0) problems.push(`page ${id} is on the free list twice`);
      else free[id] = 1;
    }
    for (let id = 1; id < this.#pageCount && problems.length < 100; id++) {
      const u = uses[id]!;
      if (u > 1) problems.push(`page ${id} is used ${u} times`);
      if (u > 0 && free[id]) problems.push(`page ${id} is both used and free`);
      if (u === 0 && !free[id]) problems.push(`page ${id} is neither used nor free (leaked)`);
    }
    return problems;
  }

  /** Empties the lists (a closed store, see FileStore's #retire). */
  clear(): void {
    this.#free.length = 0;
    this.#pendingFree.length = 0;
  }
}
