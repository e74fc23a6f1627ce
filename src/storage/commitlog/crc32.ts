// CRC-32 (IEEE 802.3, the zlib polynomial) for commit log framing. Payloads go through zlib's native crc32 where this
// Node has it (20.15+); the 4-byte length fields, checked at every offset while resynchronizing after a damaged
// entry, go through the table below, which is cheaper than a native call for so few bytes.
import zlib from 'node:zlib';

const TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[n] = c;
}

function crc32Js(buf: Uint8Array, start: number, end: number): number {
  let c = -1;
  for (let i = start; i < end; i++) c = TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 of buf[start, end). */
export function crc32(buf: Uint8Array, start = 0, end = buf.length): number {
  if (native !== undefined && end - start > 16) return native(start === 0 && end === buf.length ? buf : buf.subarray(start, end)) >>> 0;
  return crc32Js(buf, start, end);
}
