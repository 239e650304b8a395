// On-disk layout. Every page starts with a 16-byte header: crc32 of the rest of the page, the
// page id (so a page written to the wrong place is caught), a kind byte and the body length.
// Page 0 is the file header: magic, format version, page size and the meta record.
import { createRequire } from 'node:module';
import { crc32 } from 'node:zlib';
import type { Packr } from 'msgpackr';
import { DispatcherError, SqlState } from '../api/errors.js';

export const FORMAT_VERSION = 1;
export const FILE_MAGIC = Buffer.from('dispatchdb\0data\0', 'latin1'); // 16 bytes
export const PAGE_HEADER_SIZE = 16;

export const enum PageKind {
  Leaf = 1,
  Internal = 2,
  Overflow = 3,
  FreeList = 4,
}

let codec: Packr | undefined;

/**
 * msgpack with plain maps (no record extension) and 64-bit integers as number when safe. Loaded
 * the first time a page, a log frame or a meta record is encoded or decoded: an in-memory database
 * never does, and loading msgpackr (with its native string decoder) cost it ~3 MB of memory.
 */
export function packr(): Packr {
  if (codec === undefined) {
    const { Packr: PackrClass } = createRequire(import.meta.url)('msgpackr') as typeof import('msgpackr');
    // 'auto' (supported at run time, missing from the typings): bigint only outside the safe range.
    codec = new PackrClass({ useRecords: false, mapsAsObjects: true, int64AsType: 'auto' as unknown as 'bigint' });
  }
  return codec;
}

/** The meta record: where the catalog is and how big the file is. */
export interface Meta {
  /** Root page of the catalog tree (0 = empty database). */
  readonly catalogRoot: number;
  /** Pages allocated (high-water mark, including page 0). */
  readonly pageCount: number;
  /** First free-list page (0 = none, or unknown after commits since the last checkpoint). */
  readonly freeHead: number;
  /** True when freeHead describes the free pages exactly. */
  readonly freeKnown: boolean;
  readonly seq: number;
}

export function encodeMeta(m: Meta): Buffer {
  return packr().pack([m.catalogRoot, m.pageCount, m.freeHead, m.freeKnown, m.seq]);
}

export function decodeMeta(b: Uint8Array): Meta {
  const a = packr().unpack(b) as unknown;
  if (!Array.isArray(a) || a.length < 5) throw new Error('bad meta record');
  const [catalogRoot, pageCount, freeHead, freeKnown, seq] = a as [number, number, number, boolean, number];
  return { catalogRoot, pageCount, freeHead, freeKnown, seq };
}

/** Fills in a page's header (id, kind, body length) and checksum; body already at offset 16. */
export function sealPage(page: Buffer, id: number, kind: PageKind, bodyLength: number): void {
  page.writeUInt32LE(id, 4);
  page[8] = kind;
  page[9] = 0;
  page[10] = 0;
  page[11] = 0;
  page.writeUInt32LE(bodyLength, 12);
  page.writeUInt32LE(crc32(page.subarray(4)), 0);
}

export function corrupted(id: number, file: string, why?: string): DispatcherError {
  return new DispatcherError(SqlState.DataCorrupted, `page ${id} of ${file} is corrupted`, {
    ...(why !== undefined ? { detail: why } : {}),
  });
}

/** Verifies a page read from disk; returns its kind. Throws XX001 on any mismatch. */
export function checkPage(page: Buffer, id: number, file: string): PageKind {
  if (page.length < PAGE_HEADER_SIZE) throw corrupted(id, file, 'short read');
  if (crc32(page.subarray(4)) !== page.readUInt32LE(0)) throw corrupted(id, file, 'checksum mismatch');
  if (page.readUInt32LE(4) !== id) throw corrupted(id, file, `page claims id ${page.readUInt32LE(4)}`);
  const len = page.readUInt32LE(12);
  if (len > page.length - PAGE_HEADER_SIZE) throw corrupted(id, file, 'bad body length');
  return page[8] as PageKind;
}

export function pageBody(page: Buffer): Buffer {
  return page.subarray(PAGE_HEADER_SIZE, PAGE_HEADER_SIZE + page.readUInt32LE(12));
}

// File header (page 0): magic(16) version(4) pageSize(4) crc(4) metaLength(4) meta...
const HDR_VERSION = 16;
const HDR_PAGE_SIZE = 20;
const HDR_CRC = 24;
const HDR_META_LEN = 28;
const HDR_META = 32;
/** Bytes of page 0 read to learn the page size (the smallest page size). */
export const HEADER_PROBE = 1024;
/** The header's checksum covers one 512-byte sector, which disks write atomically. */
const HEADER_SPAN = 512;

export function encodeHeader(pageSize: number, meta: Meta): Buffer {
  const b = Buffer.alloc(pageSize);
  FILE_MAGIC.copy(b, 0);
  b.writeUInt32LE(FORMAT_VERSION, HDR_VERSION);
  b.writeUInt32LE(pageSize, HDR_PAGE_SIZE);
  const m = encodeMeta(meta);
  b.writeUInt32LE(m.length, HDR_META_LEN);
  m.copy(b, HDR_META);
  b.writeUInt32LE(crc32(b.subarray(HDR_META_LEN, HEADER_SPAN), crc32(b.subarray(0, HDR_CRC))), HDR_CRC);
  return b;
}

/** Reads the header probe: magic and version first (clear errors), then checksum and meta. */
export function decodeHeader(b: Buffer, file: string): { pageSize: number; meta: Meta } {
  if (b.length < HEADER_PROBE || !b.subarray(0, 16).equals(FILE_MAGIC)) {
    throw new DispatcherError(SqlState.DataCorrupted, `${file} is not a dispatchdb database file`, {
      detail: 'unknown magic bytes in the file header',
    });
  }
  const version = b.readUInt32LE(HDR_VERSION);
  if (version > FORMAT_VERSION) {
    throw new DispatcherError(
      SqlState.FeatureNotSupported,
      `${file} has database format version ${version}, newer than the supported version ${FORMAT_VERSION}`,
    );
  }
  if (version < 1) throw corrupted(0, file, `bad format version ${version}`);
  const crc = crc32(b.subarray(HDR_META_LEN, HEADER_SPAN), crc32(b.subarray(0, HDR_CRC)));
  if (crc !== b.readUInt32LE(HDR_CRC)) throw corrupted(0, file, 'header checksum mismatch');
  const pageSize = b.readUInt32LE(HDR_PAGE_SIZE);
  if (pageSize < 1024 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) throw corrupted(0, file, 'bad page size');
  const len = b.readUInt32LE(HDR_META_LEN);
  if (len > HEADER_SPAN - HDR_META) throw corrupted(0, file, 'bad meta length');
  return { pageSize, meta: decodeMeta(b.subarray(HDR_META, HDR_META + len)) };
}
