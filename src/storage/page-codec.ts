// Node <-> page image. msgpack runs here (page load and commit), never per row read.
import { DispatcherError, SqlState } from '../api/errors.js';
import { PAGE_HEADER_SIZE, PageKind, checkPage, corrupted, packr, pageBody, sealPage } from './format.js';
import { CHILD_SIZE, NODE_OVERHEAD, REF_SIZE, tupleSize, type BNode, type ChildRef, type LeafNode, type LeafValue } from './node.js';
import { leafKeys, leafLength, setLeafKeys } from './leaf-keys.js';
import { leafValueSize, leafValues, setLeafValues } from './leaf-values.js';
import type { Key } from './ports.js';

/** msgpack decodes binary as Buffer; SqlValue bytes are plain Uint8Array (equal under deep equality). */
export function plainBytes(t: unknown[]): void {
  for (let i = 0; i < t.length; i++) {
    const v = t[i];
    if (v instanceof Buffer) t[i] = plainValue(v);
  }
}

/** A decoded value as the engine holds it: msgpack decodes binary as Buffer, SqlValue bytes are plain Uint8Array. */
function plainValue(v: unknown): unknown {
  return v instanceof Buffer ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : v;
}

/**
 * A decoded key as the engine builds its own keys: msgpack makes arrays with `new Array(n)`, which
 * V8 marks holey, while keys built by statements and index maintenance are packed. Nodes loaded
 * from pages beside nodes built in memory made key comparisons meet both kinds, and code compiled
 * for one deoptimized on meeting the other. `map` gives a packed copy of exact length, as
 * packedKey does, converting bytes on the way. Rows stay as decoded: statements build rows with
 * `new Array(n)` too.
 */
export function plainKey(t: readonly unknown[]): unknown[] {
  // Literals for the common lengths, else pushed and copied to exact length: packed whatever path
  // Array.prototype.map takes (late in a long process it returned holey copies of decoded keys,
  // and W5b's first page reads met them), without the spare slots a pushed array keeps.
  switch (t.length) {
    case 1:
      return [plainValue(t[0])];
    case 2:
      return [plainValue(t[0]), plainValue(t[1])];
    case 3:
      return [plainValue(t[0]), plainValue(t[1]), plainValue(t[2])];
    default: {
      const out: unknown[] = [];
      for (let i = 0; i < t.length; i++) out.push(plainValue(t[i]));
      return out.slice();
    }
  }
}

function plainKeys(ts: readonly unknown[]): Key[] {
  const out: Key[] = [];
  for (let i = 0; i < ts.length; i++) out.push(plainKey(ts[i] as unknown[]) as Key);
  return out;
}

/** A leaf's values in a packed array, as the leaves built in memory hold them. */
function plainRows(ts: readonly unknown[]): LeafValue[] {
  const out: LeafValue[] = [];
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i];
    if (Array.isArray(t)) plainBytes(t);
    out.push(t as LeafValue);
  }
  return out;
}

/**
 * Page images are cut from slabs of this many bytes: a buffer per page of 8 KiB or more was an
 * allocation of its own each (~20 µs), and a slab past the allocator's threshold for mapping fresh
 * memory (128 KiB) faulted in every page of it when first written (a bulk load's commit copied its
 * images ~3x slower).
 */
const SLAB_BYTES = 64 * 1024;
let slab: Buffer | null = null;
let slabAt = 0;

/** Memory for one page image (uninitialised). */
function pageMemory(pageSize: number): Buffer {
  if (slab === null || slabAt + pageSize > slab.length) {
    slab = Buffer.allocUnsafeSlow(Math.max(pageSize, SLAB_BYTES));
    slabAt = 0;
  }
  const b = slab.subarray(slabAt, slabAt + pageSize);
  slabAt += pageSize;
  return b;
}

/** Encodes a committed node (children already page ids) into a fresh page image. */
export function encodeNode(node: BNode, pageSize: number): Buffer {
  const body = node.leaf ? packr().pack([leafKeys(node), leafValues(node, leafLength(node))]) : packr().pack([node.keys, node.children]);
  if (body.length > pageSize - PAGE_HEADER_SIZE)
    throw new DispatcherError(SqlState.InternalError, `node of ${body.length} bytes does not fit a page (accounted ${node.bytes})`);
  const page = pageMemory(pageSize);
  body.copy(page, PAGE_HEADER_SIZE);
  page.fill(0, PAGE_HEADER_SIZE + body.length);
  sealPage(page, node.id, node.leaf ? PageKind.Leaf : PageKind.Internal, body.length);
  return page;
}

/**
 * An empty array of tagged elements, as the children of an internal node built in memory (node
 * objects, page ids later): decoded page ids alone would make a holey array of small integers,
 * and every descent compiled for one kind deoptimized when it met the other (W5b's first page
 * reads did).
 */
function taggedArray(): ChildRef[] {
  const a: ChildRef[] = [NO_CHILD];
  a.length = 0;
  return a;
}
const NO_CHILD = {} as ChildRef;

/** Decodes a page image (checksum verified here) into an immutable node. */
export function decodeNode(page: Buffer, id: number, file: string): BNode {
  const kind = checkPage(page, id, file);
  let parts: unknown;
  try {
    parts = packr().unpack(pageBody(page));
  } catch {
    throw corrupted(id, file, 'undecodable node');
  }
  if (!Array.isArray(parts) || parts.length !== 2 || !Array.isArray(parts[0]) || !Array.isArray(parts[1]))
    throw corrupted(id, file, 'malformed node');
  const keys = plainKeys(parts[0]);
  // Pushed, not `new Array(n)`: packed, as the sizes of nodes built in memory (see plainKey).
  const sizes: number[] = [];
  let bytes = NODE_OVERHEAD;
  if (kind === PageKind.Leaf) {
    const vals = plainRows(parts[1]);
    if (vals.length !== keys.length) throw corrupted(id, file, 'leaf keys/values mismatch');
    for (let i = 0; i < keys.length; i++) {
      const v = vals[i]!;
      const s = tupleSize(keys[i]!) + leafValueSize(v);
      sizes.push(s);
      bytes += s;
    }
    const leaf: LeafNode = { leaf: true, keys: null, nums: null, ar: 0, vals: null, flat: null, w: 0, sizes, bytes, id, owner: 0, nk: undefined, n0: undefined, tp: undefined, borrowed: false };
    setLeafKeys(leaf, keys);
    setLeafValues(leaf, vals, sizes);
    return leaf;
  }
  if (kind === PageKind.Internal) {
    const ids = parts[1] as number[];
    if (ids.length !== keys.length + 1) throw corrupted(id, file, 'internal node shape');
    const children = taggedArray();
    for (let i = 0; i < ids.length; i++) children.push(ids[i]!);
    for (let i = 0; i < keys.length; i++) {
      const s = tupleSize(keys[i]!) + CHILD_SIZE;
      sizes.push(s);
      bytes += s;
    }
    return { leaf: false, keys, children, sizes, bytes: bytes + CHILD_SIZE, id, owner: 0, nk: undefined, n0: undefined, tp: undefined, borrowed: false };
  }
  throw corrupted(id, file, `page of kind ${kind} where a tree node was expected`);
}
