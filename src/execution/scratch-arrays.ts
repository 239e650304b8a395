// Large typed arrays a statement uses for a while and gives back (hash tables, build positions),
// kept between statements for the next one. Memory fresh from the kernel is the dearest part of
// a big join on the machines we measure on: every 4 KiB page is a fault of ~13 µs when first
// touched (a VM), and malloc hands a block this large back to the kernel when it is freed, so a
// 100,000-entry Int32Array cost ~100 faults each time it was made. A buffer kept here is touched
// again, not faulted. Contents are unspecified when taken: whoever needs zeros clears them.

/** Smaller buffers come cheaply from malloc's arenas; they are not kept. */
const MIN_KEPT = 1 << 16;
/** Idle bytes kept at most, in all. */
const MAX_KEPT = 32 << 20;

/** Idle buffers by size (powers of two, in bytes). */
const idle = new Map<number, ArrayBuffer[]>();
let keptBytes = 0;

function sizeFor(bytes: number): number {
  let s = MIN_KEPT;
  while (s < bytes) s *= 2;
  return s;
}

function take(bytes: number): ArrayBuffer {
  if (bytes < MIN_KEPT) return new ArrayBuffer(bytes);
  const size = sizeFor(bytes);
  const list = idle.get(size);
  const b = list?.pop();
  if (b !== undefined) {
    keptBytes -= size;
    return b;
  }
  return new ArrayBuffer(size);
}

/** An Int32Array of length n (contents unspecified). */
export function takeInt32(n: number): Int32Array {
  return new Int32Array(take(n * 4), 0, n);
}

/** A Uint32Array of length n (contents unspecified). */
export function takeUint32(n: number): Uint32Array {
  return new Uint32Array(take(n * 4), 0, n);
}

/** A Float64Array of length n (contents unspecified). */
export function takeFloat64(n: number): Float64Array {
  return new Float64Array(take(n * 8), 0, n);
}

/** Gives back an array taken here; the caller may not use it (or any view of its buffer) again. */
export function giveBack(a: Int32Array | Uint32Array | Float64Array): void {
  // (Asked first: .buffer would move a small array's contents off V8's heap.)
  if (a.byteLength < MIN_KEPT) return;
  const b = a.buffer as ArrayBuffer;
  const size = b.byteLength;
  if (size < MIN_KEPT || size !== sizeFor(size) || keptBytes + size > MAX_KEPT) return;
  let list = idle.get(size);
  if (list === undefined) idle.set(size, (list = []));
  if (list.includes(b)) return;
  list.push(b);
  keptBytes += size;
}

/** `a` grown to hold at least n entries, its first `used` kept; the old array is given back. */
function grow<A extends Int32Array | Float64Array>(a: A, used: number, n: number, view: (b: ArrayBuffer, len: number) => A): A {
  const per = a.BYTES_PER_ELEMENT;
  const cap = a.buffer.byteLength / per;
  if (cap >= n) return view(a.buffer as ArrayBuffer, cap);
  const len = Math.max(n, a.length * 2);
  const b = view(take(len * per), len);
  b.set(a.subarray(0, used) as ArrayLike<number>);
  giveBack(a);
  return b;
}

export function growInt32(a: Int32Array, used: number, n: number): Int32Array {
  return grow(a, used, n, (b, len) => new Int32Array(b, 0, len));
}

export function growFloat64(a: Float64Array, used: number, n: number): Float64Array {
  return grow(a, used, n, (b, len) => new Float64Array(b, 0, len));
}

/** Idle bytes kept (tests). */
export function keptScratchBytes(): number {
  return keptBytes;
}
