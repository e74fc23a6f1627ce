// The two compression algorithms of STARTUP's COMPRESSION option. LZ4 (lz4-napi: prebuilt lz4_flex binaries) and
// Snappy (snappyjs: pure JS) are maintained packages; Sibyl only frames their raw blocks the way the protocol does:
// v3/v4 compress each envelope body (spec v4 §5: LZ4 bodies start with the uncompressed length as a big-endian
// [int]), v5 compresses whole segment payloads with LZ4 only (spec v5 §2.2, the lengths are in the segment header).
import { compressSync as lz4Compress, uncompressSync as lz4Uncompress } from 'lz4-napi';
import { compress as snappyCompress, uncompress as snappyUncompress } from 'snappyjs';
import { ProtocolError } from '../model/errors.ts';

export type CompressionName = 'lz4' | 'snappy';

/** What SUPPORTED lists under COMPRESSION, in Cassandra's order. */
export const SUPPORTED_COMPRESSIONS: readonly CompressionName[] = ['snappy', 'lz4'];

/** Envelope-body compression of v3/v4. */
export interface BodyCompressor {
  readonly name: CompressionName;
  compress(body: Buffer): Buffer;
  /** Throws ProtocolError on a corrupt body or one that would inflate beyond maxLength. */
  decompress(body: Buffer, maxLength: number): Buffer;
}

/** A raw LZ4 block (no length prefix, no frame) for `raw`. */
export function lz4CompressBlock(raw: Uint8Array): Buffer {
  // lz4-napi prepends the uncompressed size as a little-endian u32 (lz4_flex's compress_prepend_size); the protocol
  // carries that length itself, so the block proper starts 4 bytes in.
  return lz4Compress(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)).subarray(4);
}

/** Inflates a raw LZ4 block that must come out exactly `length` bytes long. */
export function lz4DecompressBlock(block: Uint8Array, length: number): Buffer {
  const prefixed = Buffer.allocUnsafe(4 + block.length);
  prefixed.writeUInt32LE(length, 0);
  prefixed.set(block, 4);
  let out: Buffer;
  try {
    out = lz4Uncompress(prefixed);
  } catch (e) {
    throw new ProtocolError(`Cannot decompress LZ4 data: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (out.length !== length) {
    throw new ProtocolError(`Cannot decompress LZ4 data: expected ${length} bytes, got ${out.length}`);
  }
  return out;
}

export const LZ4_BODY: BodyCompressor = {
  name: 'lz4',
  compress(body) {
    const block = lz4CompressBlock(body);
    const out = Buffer.allocUnsafe(4 + block.length);
    out.writeUInt32BE(body.length, 0);
    out.set(block, 4);
    return out;
  },
  decompress(body, maxLength) {
    if (body.length < 4) throw new ProtocolError('Cannot decompress LZ4 data: the body is shorter than its length prefix');
    const length = body.readUInt32BE(0);
    if (length > maxLength) {
      throw new ProtocolError(`Request is too big: length ${length} exceeds maximum allowed length ${maxLength}.`);
    }
    return lz4DecompressBlock(body.subarray(4), length);
  },
};

export const SNAPPY_BODY: BodyCompressor = {
  name: 'snappy',
  compress(body) {
    const c = snappyCompress(body);
    return Buffer.from(c.buffer, c.byteOffset, c.byteLength);
  },
  decompress(body, maxLength) {
    let out: Uint8Array;
    try {
      out = snappyUncompress(body, maxLength);
    } catch (e) {
      throw new ProtocolError(`Cannot decompress Snappy data: ${e instanceof Error ? e.message : String(e)}`);
    }
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  },
};

export function bodyCompressor(name: CompressionName): BodyCompressor {
  return name === 'lz4' ? LZ4_BODY : SNAPPY_BODY;
}
