// Numeric id -> value, for the correlation and query ids that actors register and drop once per
// statement. A Map that goes from one entry to none (or churns through inserts and deletes) makes
// V8 rebuild its table every few statements, a runtime call and an allocation each time; this
// table of linear probing with backward-shift deletion never allocates once it has grown.

const EMPTY = undefined;

export class IdMap<V> {
  #keys = new Float64Array(0);
  #vals: (V | undefined)[] = [];
  #mask = 0;
  #size = 0;

  constructor() {
    // The table is set up by a second store into each field, as #grow does: V8 treats a field
    // that is never written after its initializer as a constant and compiles it into every caller,
    // so the first table that grew (four ids at once: several sessions running statements)
    // deoptimized every statement path at once.
    this.#resize(8);
  }

  get size(): number {
    return this.#size;
  }

  get(id: number): V | undefined {
    const keys = this.#keys;
    const vals = this.#vals;
    const mask = this.#mask;
    for (let i = id & mask; ; i = (i + 1) & mask) {
      const v = vals[i];
      if (v === EMPTY || keys[i] === id) return v;
    }
  }

  has(id: number): boolean {
    return this.get(id) !== EMPTY;
  }

  /** `value` must not be undefined (it marks an empty slot). */
  set(id: number, value: V): void {
    if ((this.#size + 1) * 2 > this.#vals.length) this.#grow();
    const keys = this.#keys;
    const vals = this.#vals;
    const mask = this.#mask;
    let i = id & mask;
    for (; vals[i] !== EMPTY; i = (i + 1) & mask) {
      if (keys[i] === id) {
        vals[i] = value;
        return;
      }
    }
    keys[i] = id;
    vals[i] = value;
    this.#size++;
  }

  delete(id: number): boolean {
    const keys = this.#keys;
    const vals = this.#vals;
    const mask = this.#mask;
    let i = id & mask;
    for (; ; i = (i + 1) & mask) {
      const v = vals[i];
      if (v === EMPTY) return false;
      if (keys[i] === id) break;
    }
    vals[i] = EMPTY;
    this.#size--;
    // Backward shift: pull later entries of the probe run into the hole, so lookups never need
    // tombstones.
    for (let j = (i + 1) & mask; vals[j] !== EMPTY; j = (j + 1) & mask) {
      const home = (keys[j] as number) & mask;
      const movable = j > i ? home <= i || home > j : home <= i && home > j;
      if (movable) {
        keys[i] = keys[j] as number;
        vals[i] = vals[j];
        vals[j] = EMPTY;
        i = j;
      }
    }
    return true;
  }

  clear(): void {
    this.#vals.fill(EMPTY);
    this.#size = 0;
  }

  /** Values in ascending id order (ids are handed out in order, so: oldest first). */
  values(): V[] {
    const pairs: [number, V][] = [];
    for (let i = 0; i < this.#vals.length; i++) {
      const v = this.#vals[i];
      if (v !== EMPTY) pairs.push([this.#keys[i] as number, v]);
    }
    pairs.sort((a, b) => a[0] - b[0]);
    return pairs.map((p) => p[1]);
  }

  #resize(n: number): void {
    this.#keys = new Float64Array(n);
    this.#vals = new Array<V | undefined>(n).fill(EMPTY);
    this.#mask = n - 1;
    this.#size = 0;
  }

  #grow(): void {
    const oldKeys = this.#keys;
    const oldVals = this.#vals;
    this.#resize(oldVals.length * 2);
    for (let i = 0; i < oldVals.length; i++) {
      const v = oldVals[i];
      if (v !== EMPTY) this.set(oldKeys[i] as number, v);
    }
  }
}
