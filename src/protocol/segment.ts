// Protocol v5's outer framing (native_protocol_v5.spec §2; the spec calls these "frames", Cassandra's code and the
// drivers "segments", the name kept here so as not to clash with the envelopes of frame.ts). Every integer is
// little-endian:
//   uncompressed: [3-byte header: payload length (17 bits) | self-contained (bit 17)] [CRC24 of those 3 bytes]
//   LZ4:          [5-byte header: compressed length (17) | uncompressed length (17) | self-contained (bit 34)] [CRC24]
// then the payload and the CRC32 of the payload as sent (compressed or not). A self-contained segment holds whole
// envelopes; a larger envelope is cut into a run of segments that are not, reassembled in order.
import { payloadCrc32, crc24 } from './crc.ts';
import { lz4CompressBlock, lz4DecompressBlock } from './compression.ts';
import { HEADER_LENGTH } from './frame.ts';

/** 128 KiB - 1: the largest payload a 17-bit length can describe. */
export const MAX_SEGMENT_PAYLOAD = 128 * 1024 - 1;
const UNCOMPRESSED_HEADER = 3;
const COMPRESSED_HEADER = 5;
const CRC24_BYTES = 3;
const CRC32_BYTES = 4;
const LENGTH_MASK = 0x1ffff;
const TWO_POW_17 = 0x20000;
const TWO_POW_34 = 0x400000000;

export interface Segment {
  /** The payload as the sender meant it (inflated when it was compressed); a view of the input when it was not. */
  payload: Buffer;
  selfContained: boolean;
}

/** A corrupt segment: Cassandra answers it with a PROTOCOL_ERROR and closes the connection (it cannot resync). */
export class SegmentError extends Error {}

/** Splits a byte stream into segments, checking both CRCs and inflating LZ4 payloads. */
export class SegmentDecoder {
  private buf: Buffer = Buffer.alloc(0);
  private off = 0;

  constructor(readonly lz4: boolean) {}

  get headerLength(): number {
    return this.lz4 ? COMPRESSED_HEADER : UNCOMPRESSED_HEADER;
  }

  /** Bytes received but not yet consumed as a segment. */
  get buffered(): number {
    return this.buf.length - this.off;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    // Segments are at most 128 KiB + 13 bytes, so joining the tail of one with the next chunk copies little.
    this.buf = this.off === this.buf.length ? chunk : Buffer.concat([this.buf.subarray(this.off), chunk]);
    this.off = 0;
  }

  /** The next whole segment, undefined when more bytes are needed; throws SegmentError on corruption. */
  next(): Segment | undefined {
    const b = this.buf;
    const o = this.off;
    const hl = this.headerLength;
    if (b.length - o < hl + CRC24_BYTES) return undefined;
    const header = readUIntLE(b, o, hl);
    const expected = b.readUIntLE(o + hl, CRC24_BYTES);
    const actual = crc24(b, o, hl);
    if (expected !== actual) {
      throw new SegmentError(`Invalid, unrecoverable CRC mismatch detected in frame header. Read ${expected}, Computed ${actual}`);
    }
    const length = header % TWO_POW_17;
    const uncompressedLength = this.lz4 ? Math.floor(header / TWO_POW_17) & LENGTH_MASK : 0;
    const selfContained = Math.floor(header / (this.lz4 ? TWO_POW_34 : TWO_POW_17)) % 2 === 1;
    const start = o + hl + CRC24_BYTES;
    if (b.length - start < length + CRC32_BYTES) return undefined;
    const sent = b.subarray(start, start + length);
    const expectedCrc = b.readUInt32LE(start + length);
    const actualCrc = payloadCrc32(sent);
    if (expectedCrc !== actualCrc) {
      throw new SegmentError(`Invalid, unrecoverable CRC mismatch detected in frame body. Read ${expectedCrc}, Computed ${actualCrc}`);
    }
    this.off = start + length + CRC32_BYTES;
    // An uncompressed length of 0 marks a payload sent as is (the sender found it did not compress).
    const payload = uncompressedLength > 0 ? lz4DecompressBlock(sent, uncompressedLength) : sent;
    return { payload, selfContained };
  }
}

function readUIntLE(b: Buffer, o: number, n: number): number {
  return n === 3 ? b.readUIntLE(o, 3) : b.readUInt32LE(o) + b[o + 4]! * 0x100000000;
}

/** One segment around `payload` (at most MAX_SEGMENT_PAYLOAD bytes), LZ4-compressed when that makes it smaller. */
export function encodeSegment(payload: Uint8Array, selfContained: boolean, lz4: boolean): Buffer {
  if (payload.length > MAX_SEGMENT_PAYLOAD) throw new RangeError(`Segment payload of ${payload.length} bytes exceeds ${MAX_SEGMENT_PAYLOAD}`);
  let sent: Uint8Array = payload;
  let uncompressedLength = 0;
  if (lz4 && payload.length > 0) {
    const block = lz4CompressBlock(payload);
    if (block.length < payload.length) {
      sent = block;
      uncompressedLength = payload.length;
    }
  }
  const hl = lz4 ? COMPRESSED_HEADER : UNCOMPRESSED_HEADER;
  const out = Buffer.allocUnsafe(hl + CRC24_BYTES + sent.length + CRC32_BYTES);
  const flag = selfContained ? 1 : 0;
  if (lz4) {
    const header = sent.length + uncompressedLength * TWO_POW_17 + flag * TWO_POW_34;
    out.writeUInt32LE(header % 0x100000000, 0);
    out[4] = Math.floor(header / 0x100000000);
  } else {
    out.writeUIntLE(sent.length + flag * TWO_POW_17, 0, 3);
  }
  out.writeUIntLE(crc24(out, 0, hl), hl, CRC24_BYTES);
  out.set(sent, hl + CRC24_BYTES);
  out.writeUInt32LE(payloadCrc32(sent), hl + CRC24_BYTES + sent.length);
  return out;
}

/**
 * Wraps a run of whole envelopes (as the connection coalesced them) into segments: consecutive envelopes share
 * self-contained segments up to the payload limit, and an envelope larger than the limit gets its own run of
 * segments that are not self-contained.
 */
export function encodeSegments(envelopes: Buffer, lz4: boolean): Buffer {
  const out: Buffer[] = [];
  let groupStart = 0;
  let pos = 0;
  const flushGroup = (end: number): void => {
    if (end > groupStart) out.push(encodeSegment(envelopes.subarray(groupStart, end), true, lz4));
    groupStart = end;
  };
  while (pos < envelopes.length) {
    if (envelopes.length - pos < HEADER_LENGTH) throw new RangeError('encodeSegments: a partial envelope header');
    const size = HEADER_LENGTH + envelopes.readUInt32BE(pos + 5);
    if (pos + size > envelopes.length) throw new RangeError('encodeSegments: a partial envelope body');
    if (size > MAX_SEGMENT_PAYLOAD) {
      flushGroup(pos);
      for (let p = pos; p < pos + size; p += MAX_SEGMENT_PAYLOAD) {
        out.push(encodeSegment(envelopes.subarray(p, Math.min(p + MAX_SEGMENT_PAYLOAD, pos + size)), false, lz4));
      }
      groupStart = pos + size;
    } else if (pos + size - groupStart > MAX_SEGMENT_PAYLOAD) {
      flushGroup(pos);
    }
    pos += size;
  }
  flushGroup(pos);
  return out.length === 1 ? out[0]! : Buffer.concat(out);
}
