// The lock table: granted modes and FIFO wait queues per resource, upgrades, and a waits-for
// graph searched for cycles whenever a request has to wait. Pure data structure, synchronous:
// the lock manager actor turns its answers into messages and timers.
// An exclusive lock nobody else has asked about (a row a transaction inserts or updates, the
// common case by far) is only an entry in one map, resource → holder: its full entry (holders,
// queue, the holder's set) is made the moment another request touches the resource. A row whose
// key is one number ("row:<table>:<number>") keeps that entry in a map of numbers per table, so
// the row locks of a bulk write are taken without making and hashing a string per row.
import { compatible, covers, supremum, type LockMode } from './lock-modes.js';

export interface Waiter {
  readonly txn: number;
  readonly resource: string;
  /** The mode asked for, already joined with what the txn holds (for an upgrade). */
  readonly mode: LockMode;
  readonly upgrade: boolean;
}

interface Resource {
  readonly granted: Map<number, LockMode>;
  readonly queue: Waiter[];
}

export type AcquireOutcome =
  | { readonly kind: 'granted' }
  | { readonly kind: 'waiting'; readonly waiter: Waiter }
  | { readonly kind: 'deadlock'; readonly cycle: readonly number[]; readonly woken: readonly Waiter[] };

export class LockTable {
  readonly #resources = new Map<string, Resource>();
  /** What each transaction holds, for release-all. */
  readonly #held = new Map<number, Set<string>>();
  /** The one request each transaction waits on (a transaction waits for one thing at a time). */
  readonly #waiting = new Map<number, Waiter>();
  /** Uncontended exclusive locks: resource → holder (never also in #resources). */
  readonly #lone = new Map<string, number>();
  /** Per transaction, the resources it took as lone exclusive locks (some may have been made full since). */
  readonly #loneHeld = new Map<number, string[]>();
  /**
   * Lone exclusive locks on rows keyed by one number: row prefix ("row:<table>:") → key → holder.
   * A prefix's map stays once made (emptied, not dropped), so a transaction makes no map per table.
   */
  readonly #loneRows = new Map<string, Map<number, number>>();
  /** Lone row locks held in #loneRows, all transactions together (0: every map there is empty). */
  #loneRowCount = 0;
  /**
   * Per transaction, what it took into #loneRows (some may have been made full since): each row
   * prefix, then the keys under it, as one list.
   */
  readonly #loneRowsHeld = new Map<number, (string | number)[]>();
  /** The transaction and prefix of the last lone row lock added: its held list ends under that prefix. */
  #lastRowTxn = -1;
  #lastRowPrefix = '';
  /** Full entries named as row locks: while there is none, a row's lock is lone or absent. */
  #fullRows = 0;

  holds(txn: number, resource: string): LockMode | undefined {
    if (this.#loneHolder(resource) === txn) return 'X';
    return this.#resources.get(resource)?.granted.get(txn);
  }

  heldBy(txn: number): ReadonlyMap<string, LockMode> {
    const out = new Map<string, LockMode>();
    for (const r of this.#held.get(txn) ?? []) {
      const m = this.#resources.get(r)?.granted.get(txn);
      if (m !== undefined) out.set(r, m);
    }
    for (const r of this.#loneHeld.get(txn) ?? []) if (this.#lone.get(r) === txn) out.set(r, 'X');
    let prefix = '';
    for (const x of this.#loneRowsHeld.get(txn) ?? []) {
      if (typeof x === 'string') prefix = x;
      else if (this.#loneRows.get(prefix)?.get(x) === txn) out.set(prefix + x, 'X');
    }
    return out;
  }

  /** True when the transaction holds or waits for anything. */
  holdsAny(txn: number): boolean {
    return this.#held.has(txn) || this.#waiting.has(txn) || this.#loneHeld.has(txn) || this.#loneRowsHeld.has(txn);
  }

  /**
   * The number map of the resource's row prefix, when the resource names a row lock and some row
   * lock is held by number; undefined otherwise. (A row keyed by one number is named `prefix + key`,
   * the key in its canonical text: see #rowKey.)
   */
  #rowOf(resource: string): Map<number, number> | undefined {
    if (this.#loneRowCount === 0 || !resource.startsWith('row:')) return undefined;
    const c = resource.lastIndexOf(':');
    return this.#loneRows.get(resource.slice(0, c + 1));
  }

  #rowKey(resource: string): number | undefined {
    const text = resource.slice(resource.lastIndexOf(':') + 1);
    const k = Number(text);
    return text !== '' && String(k) === text ? k : undefined;
  }

  /** The holder of a lone lock on the resource, in either map. */
  #loneHolder(resource: string): number | undefined {
    const h = this.#lone.get(resource);
    if (h !== undefined) return h;
    const rows = this.#rowOf(resource);
    if (rows === undefined) return undefined;
    const k = this.#rowKey(resource);
    return k === undefined ? undefined : rows.get(k);
  }

  /** Takes a lone lock out of its map (it is being made a full entry); returns its holder. */
  #takeLone(resource: string): number | undefined {
    const h = this.#lone.get(resource);
    if (h !== undefined) {
      this.#lone.delete(resource);
      return h;
    }
    const rows = this.#rowOf(resource);
    if (rows === undefined) return undefined;
    const k = this.#rowKey(resource);
    if (k === undefined) return undefined;
    const holder = rows.get(k);
    if (holder !== undefined) {
      rows.delete(k);
      this.#loneRowCount--;
    }
    return holder;
  }

  /** A lone exclusive lock for txn, in the map its name belongs to. */
  #addLone(txn: number, resource: string): void {
    if (resource.startsWith('row:')) {
      const k = this.#rowKey(resource);
      if (k !== undefined) {
        this.#addLoneRow(txn, resource.slice(0, resource.lastIndexOf(':') + 1), k);
        return;
      }
    }
    this.#lone.set(resource, txn);
    const list = this.#loneHeld.get(txn);
    if (list === undefined) this.#loneHeld.set(txn, [resource]);
    else list.push(resource);
  }

  #addLoneRow(txn: number, prefix: string, key: number): void {
    let rows = this.#loneRows.get(prefix);
    if (rows === undefined) {
      rows = new Map();
      this.#loneRows.set(prefix, rows);
    }
    rows.set(key, txn);
    this.#loneRowCount++;
    const held = this.#loneRowsHeld.get(txn);
    if (held === undefined) this.#loneRowsHeld.set(txn, [prefix, key]);
    else {
      // The prefix goes in again only when the list may end under another one (statements
      // write one table row after row, so it seldom does).
      if (txn !== this.#lastRowTxn || prefix !== this.#lastRowPrefix) held.push(prefix);
      held.push(key);
    }
    this.#lastRowTxn = txn;
    this.#lastRowPrefix = prefix;
  }

  #addResource(name: string, r: Resource): void {
    this.#resources.set(name, r);
    if (name.startsWith('row:')) this.#fullRows++;
  }

  #dropResource(name: string): void {
    if (this.#resources.delete(name) && name.startsWith('row:')) this.#fullRows--;
  }

  /**
   * tryAcquire of `prefix + key`, the lock of a row keyed by one number. The common case (an
   * exclusive lock while no row lock has a full entry) reads and writes only the number map.
   */
  tryAcquireRow(txn: number, prefix: string, key: number, wanted: LockMode): boolean {
    if (wanted !== 'X' || this.#fullRows !== 0 || this.#waiting.has(txn)) return this.tryAcquire(txn, prefix + key, wanted);
    const rows = this.#loneRows.get(prefix);
    const holder = rows?.get(key);
    if (holder === txn) return true;
    if (holder !== undefined) return this.tryAcquire(txn, prefix + key, wanted);
    this.#addLoneRow(txn, prefix, key);
    return true;
  }

  /** Another request touches a lone lock's resource: give it a full entry. */
  #full(resource: string): Resource | undefined {
    const r = this.#resources.get(resource);
    if (r !== undefined) return r;
    const holder = this.#takeLone(resource);
    if (holder === undefined) return undefined;
    const fresh: Resource = { granted: new Map(), queue: [] };
    this.#addResource(resource, fresh);
    this.#grant(fresh, holder, resource, 'X');
    return fresh;
  }

  waitingFor(txn: number): Waiter | undefined {
    return this.#waiting.get(txn);
  }

  /**
   * Grants at once when the mode is compatible with every other holder and nobody waits ahead
   * (FIFO: no overtaking, except an upgrade, which goes ahead of new requests). Otherwise the
   * request waits — unless waiting would close a cycle in the waits-for graph, in which case the
   * requester is the victim and nothing changes.
   */
  acquire(txn: number, resource: string, wanted: LockMode): AcquireOutcome {
    if (this.#waiting.has(txn)) throw new Error(`transaction ${txn} already waits for a lock`);
    let r = this.#full(resource);
    if (r === undefined) {
      r = { granted: new Map(), queue: [] };
      this.#addResource(resource, r);
    }
    const held = r.granted.get(txn);
    if (held !== undefined && covers(held, wanted)) return { kind: 'granted' };
    const mode = held === undefined ? wanted : supremum(held, wanted);
    const upgrade = held !== undefined;
    const othersOk = this.#compatibleWithHolders(r, txn, mode);
    const queueOk = upgrade ? !r.queue.some((w) => w.upgrade) : r.queue.length === 0;
    if (othersOk && queueOk) {
      this.#grant(r, txn, resource, mode);
      return { kind: 'granted' };
    }
    const waiter: Waiter = { txn, resource, mode, upgrade };
    if (upgrade) {
      // Upgrades wait ahead of every request from a transaction that holds nothing here.
      let i = 0;
      while (i < r.queue.length && (r.queue[i] as Waiter).upgrade) i++;
      r.queue.splice(i, 0, waiter);
    } else {
      r.queue.push(waiter);
    }
    this.#waiting.set(txn, waiter);
    const cycle = this.#cycleFrom(txn);
    if (cycle !== null) {
      this.#dequeue(waiter);
      // An upgrade that queued ahead may have held others back: they may go now.
      const woken = this.#resources.has(resource) ? this.#wake(resource, r) : [];
      return { kind: 'deadlock', cycle, woken };
    }
    return { kind: 'waiting', waiter };
  }

  /** Grants only if that can happen now; never queues. */
  tryAcquire(txn: number, resource: string, wanted: LockMode): boolean {
    if (this.#waiting.has(txn)) return false;
    // A resource is in one of the two maps at most: full entries first (table locks live there).
    let r = this.#resources.get(resource);
    if (r === undefined) {
      const lone = this.#loneHolder(resource);
      if (lone === txn) return true;
      if (lone !== undefined) r = this.#full(resource);
    }
    if (r === undefined) {
      if (wanted === 'X') {
        this.#addLone(txn, resource);
        return true;
      }
      const fresh: Resource = { granted: new Map(), queue: [] };
      this.#addResource(resource, fresh);
      this.#grant(fresh, txn, resource, wanted);
      return true;
    }
    const held = r.granted.get(txn);
    if (held !== undefined && covers(held, wanted)) return true;
    const mode = held === undefined ? wanted : supremum(held, wanted);
    const queueOk = held !== undefined ? !r.queue.some((w) => w.upgrade) : r.queue.length === 0;
    if (!queueOk || !this.#compatibleWithHolders(r, txn, mode)) return false;
    this.#grant(r, txn, resource, mode);
    return true;
  }

  /** Takes a waiting request out of its queue (timeout, cancellation); returns newly granted waiters. */
  cancelWait(txn: number): Waiter[] {
    const w = this.#waiting.get(txn);
    if (w === undefined) return [];
    this.#dequeue(w);
    const r = this.#resources.get(w.resource);
    return r === undefined ? [] : this.#wake(w.resource, r);
  }

  /** Releases everything the transaction holds (and its wait); returns waiters granted as a result. */
  releaseAll(txn: number): Waiter[] {
    const woken: Waiter[] = [];
    const w = this.#waiting.get(txn);
    if (w !== undefined) {
      this.#dequeue(w);
      const r = this.#resources.get(w.resource);
      if (r !== undefined) woken.push(...this.#wake(w.resource, r));
    }
    for (const name of this.#held.get(txn) ?? []) {
      const r = this.#resources.get(name);
      if (r === undefined) continue;
      r.granted.delete(txn);
      woken.push(...this.#wake(name, r));
    }
    this.#held.delete(txn);
    const lone = this.#loneHeld.get(txn);
    if (lone !== undefined) {
      this.#loneHeld.delete(txn);
      // Nobody waits on a lone lock; one made full meanwhile was released above. When no other
      // transaction holds any, every entry left is this one's: dropped at once, not one by one.
      if (this.#loneHeld.size === 0) this.#lone.clear();
      else for (const name of lone) if (this.#lone.get(name) === txn) this.#lone.delete(name);
    }
    const loneRows = this.#loneRowsHeld.get(txn);
    if (loneRows !== undefined) {
      this.#loneRowsHeld.delete(txn);
      if (this.#lastRowTxn === txn) this.#lastRowTxn = -1;
      if (this.#loneRowsHeld.size === 0) {
        // Every entry left is this transaction's.
        if (this.#loneRowCount !== 0) for (const rows of this.#loneRows.values()) if (rows.size !== 0) rows.clear();
        this.#loneRowCount = 0;
      } else {
        let rows: Map<number, number> | undefined;
        for (const x of loneRows) {
          if (typeof x === 'string') rows = this.#loneRows.get(x);
          else if (rows !== undefined && rows.get(x) === txn) {
            rows.delete(x);
            this.#loneRowCount--;
          }
        }
      }
    }
    return woken;
  }

  /** Resources with any holder or waiter (for tests and monitoring). */
  resources(): ReadonlyMap<string, { readonly granted: ReadonlyMap<number, LockMode>; readonly queue: readonly Waiter[] }> {
    if (this.#lone.size === 0 && this.#loneRowCount === 0) return this.#resources;
    const all = new Map<string, { readonly granted: ReadonlyMap<number, LockMode>; readonly queue: readonly Waiter[] }>(this.#resources);
    for (const [name, txn] of this.#lone) all.set(name, { granted: new Map([[txn, 'X' as LockMode]]), queue: [] });
    for (const [prefix, rows] of this.#loneRows) {
      for (const [k, txn] of rows) all.set(prefix + k, { granted: new Map([[txn, 'X' as LockMode]]), queue: [] });
    }
    return all;
  }

  /** Waits-for edges: each waiter → every transaction it waits behind. */
  waitsFor(txn: number): number[] {
    const w = this.#waiting.get(txn);
    if (w === undefined) return [];
    const r = this.#resources.get(w.resource);
    if (r === undefined) return [];
    const out = new Set<number>();
    for (const [holder, mode] of r.granted) {
      if (holder !== txn && !compatible(mode, w.mode)) out.add(holder);
    }
    // FIFO: a waiter also waits for incompatible waiters queued ahead of it.
    for (const other of r.queue) {
      if (other === w) break;
      if (other.txn !== txn && !compatible(other.mode, w.mode)) out.add(other.txn);
    }
    return [...out];
  }

  #compatibleWithHolders(r: Resource, txn: number, mode: LockMode): boolean {
    for (const [holder, m] of r.granted) if (holder !== txn && !compatible(m, mode)) return false;
    return true;
  }

  #grant(r: Resource, txn: number, resource: string, mode: LockMode): void {
    r.granted.set(txn, mode);
    let set = this.#held.get(txn);
    if (set === undefined) {
      set = new Set();
      this.#held.set(txn, set);
    }
    set.add(resource);
  }

  #dequeue(w: Waiter): void {
    this.#waiting.delete(w.txn);
    const r = this.#resources.get(w.resource);
    if (r === undefined) return;
    const i = r.queue.indexOf(w);
    if (i >= 0) r.queue.splice(i, 1);
    if (r.granted.size === 0 && r.queue.length === 0) this.#dropResource(w.resource);
  }

  /** Grants queued requests from the front while they are compatible. */
  #wake(name: string, r: Resource): Waiter[] {
    const woken: Waiter[] = [];
    while (r.queue.length > 0) {
      const w = r.queue[0] as Waiter;
      if (!this.#compatibleWithHolders(r, w.txn, w.mode)) break;
      r.queue.shift();
      this.#waiting.delete(w.txn);
      this.#grant(r, w.txn, name, w.mode);
      woken.push(w);
    }
    if (r.granted.size === 0 && r.queue.length === 0) this.#dropResource(name);
    return woken;
  }

  /** A cycle through `start` in the waits-for graph, as the list of transactions on it. */
  #cycleFrom(start: number): number[] | null {
    const path: number[] = [];
    const onPath = new Set<number>();
    const done = new Set<number>();
    const visit = (t: number): number[] | null => {
      path.push(t);
      onPath.add(t);
      for (const next of this.waitsFor(t)) {
        if (next === start) return [...path];
        if (onPath.has(next) || done.has(next)) continue;
        const c = visit(next);
        if (c !== null) return c;
      }
      path.pop();
      onPath.delete(t);
      done.add(t);
      return null;
    };
    return visit(start);
  }
}
