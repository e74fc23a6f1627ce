// The two checksums of protocol v5's segments (native_protocol_v5.spec §2.1): a CRC24 over the 3- or 5-byte segment
// header and a CRC32 over the payload.
import * as zlib from 'node:zlib';

const CRC24_INIT = 0x875060;
const CRC24_POLY = 0x1974f0b;

/**
 * CRC24 of `length` bytes of b from `offset`, fed in wire order (the header is a little-endian integer, and
 * Cassandra feeds it least significant byte first, which is the same thing). Never more than 5 bytes, so a bitwise
 * loop is cheaper than a table.
 */
export function crc24(b: Uint8Array, offset: number, length: number): number {
  let crc = CRC24_INIT;
  for (let i = 0; i < length; i++) {
    crc ^= b[offset + i]! << 16;
    for (let bit = 0; bit < 8; bit++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= CRC24_POLY;
    }
  }
  return crc;
}

// zlib.crc32 appeared in Node 20.15; engines allows any Node 20, so older ones get the table below.
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

let table: Uint32Array | undefined;
function crcTable(): Uint32Array {
  if (table) return table;
  table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** Standard (zlib) CRC32 of b, continuing from `value`. */
export function crc32(b: Uint8Array, value = 0): number {
  if (nativeCrc32) return nativeCrc32(b, value);
  const t = crcTable();
  let c = (value ^ 0xffffffff) >>> 0;
  for (let i = 0; i < b.length; i++) c = t[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Cassandra seeds the payload CRC32 with these four bytes, so that an all-zero payload does not checksum to 0. */
const PAYLOAD_SEED = crc32(Buffer.from([0xfa, 0x2d, 0x55, 0xca]));

/** The CRC32 trailer of a segment payload. */
export function payloadCrc32(payload: Uint8Array): number {
  return crc32(payload, PAYLOAD_SEED);
}
