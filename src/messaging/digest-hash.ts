// The hash of read digests: MurmurHash3 x86_128 (Austin Appleby's public-domain algorithm), 128 bits from 32-bit
// arithmetic only. Cassandra digests with MD5; replicas of one cluster need no resistance to an adversary, only the
// same answer for the same bytes and a negligible chance of a collision, and this costs a fraction of MD5 through
// node:crypto (an object per hash) or of the x64 variant in JS (64-bit multiplies emulated with 16-bit limbs).
// test/messaging/digest-hash.test.ts checks it against SMHasher's verification value.

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const word = (b: Buffer, o: number): number => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);

/** The 16-byte hash of `bytes` (h1..h4 little-endian, as the reference implementation writes them). */
export function murmur3x86_128(bytes: Buffer, seed = 0): Buffer {
  const len = bytes.length;
  const nblocks = len >>> 4;
  let h1 = seed | 0;
  let h2 = h1;
  let h3 = h1;
  let h4 = h1;
  for (let i = 0; i < nblocks; i++) {
    const o = i << 4;
    let k1 = word(bytes, o);
    let k2 = word(bytes, o + 4);
    let k3 = word(bytes, o + 8);
    let k4 = word(bytes, o + 12);
    k1 = Math.imul(rotl(Math.imul(k1, C1), 15), C2);
    h1 ^= k1;
    h1 = (Math.imul(((rotl(h1, 19) + h2) | 0), 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    h2 ^= k2;
    h2 = (Math.imul(((rotl(h2, 17) + h3) | 0), 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(rotl(Math.imul(k3, C3), 17), C4);
    h3 ^= k3;
    h3 = (Math.imul(((rotl(h3, 15) + h4) | 0), 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(rotl(Math.imul(k4, C4), 18), C1);
    h4 ^= k4;
    h4 = (Math.imul(((rotl(h4, 13) + h1) | 0), 5) + 0x32ac3b17) | 0;
  }
  const t = nblocks << 4;
  const rem = len & 15;
  let k1 = 0;
  let k2 = 0;
  let k3 = 0;
  let k4 = 0;
  // The tail's bytes fill k1..k4 little-endian, as the reference's fall-through switch does.
  for (let i = rem - 1; i >= 0; i--) {
    const b = bytes[t + i]!;
    const shift = (i & 3) << 3;
    if (i >= 12) k4 ^= b << shift;
    else if (i >= 8) k3 ^= b << shift;
    else if (i >= 4) k2 ^= b << shift;
    else k1 ^= b << shift;
  }
  if (rem > 12) h4 ^= Math.imul(rotl(Math.imul(k4, C4), 18), C1);
  if (rem > 8) h3 ^= Math.imul(rotl(Math.imul(k3, C3), 17), C4);
  if (rem > 4) h2 ^= Math.imul(rotl(Math.imul(k2, C2), 16), C3);
  if (rem > 0) h1 ^= Math.imul(rotl(Math.imul(k1, C1), 15), C2);
  h1 ^= len;
  h2 ^= len;
  h3 ^= len;
  h4 ^= len;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  const out = Buffer.allocUnsafe(16);
  out.writeInt32LE(h1, 0);
  out.writeInt32LE(h2, 4);
  out.writeInt32LE(h3, 8);
  out.writeInt32LE(h4, 12);
  return out;
}
