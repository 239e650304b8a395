// A bounded, approximately least-recently-used map. Map keeps insertion order, so eviction takes
// the oldest key; a hit moves its key to the young end only when it has grown old (more than
// a quarter of the capacity in insertions since its last move), so that most hits cost one lookup
// instead of lookup + delete + insert (each hashes the key, and keys are long strings).
interface Slot<V> {
  value: V;
  tick: number;
}

export class Lru<K, V> {
  readonly #map = new Map<K, Slot<V>>();
  readonly #capacity: number;
  readonly #refreshAge: number;
  /** Insertions so far. */
  #tick = 0;

  constructor(capacity: number) {
    this.#capacity = Math.max(0, Math.floor(capacity));
    this.#refreshAge = this.#capacity >> 2;
  }

  get capacity(): number {
    return this.#capacity;
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: K): V | undefined {
    const slot = this.#map.get(key);
    if (slot === undefined) return undefined;
    if (this.#tick - slot.tick > this.#refreshAge) {
      this.#map.delete(key);
      this.#map.set(key, slot);
      slot.tick = this.#tick;
    }
    return slot.value;
  }

  set(key: K, value: V): void {
    if (this.#capacity === 0) return;
    this.#tick++;
    const slot = this.#map.get(key);
    if (slot !== undefined) this.#map.delete(key);
    this.#map.set(key, { value, tick: this.#tick });
    if (this.#map.size > this.#capacity) {
      const oldest = this.#map.keys().next();
      if (oldest.done !== true) this.#map.delete(oldest.value);
    }
  }

  clear(): void {
    this.#map.clear();
  }
}
