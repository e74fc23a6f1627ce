// Cassandra's Murmur3Partitioner token: h1 of MurmurHash3 x64_128 (seed 0) with Cassandra's sign-extended tail
// bytes. This runs for every request, so the 64-bit arithmetic uses pairs of 32-bit limbs in plain numbers and
// only the final result becomes a bigint.

export const MIN_TOKEN = -(1n << 63n);
export const MAX_TOKEN = (1n << 63n) - 1n;

// Results of the limb helpers; module-level so the hot loop allocates nothing.
let rh = 0;
let rl = 0;

/** (ah:al) * (bh:bl) mod 2^64 into rh:rl. */
function mul(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  // The high word of al * bl from 16-bit partial products, kept below 2^31 so V8 stays in small integers.
  const lo00 = a0 * b0;
  const m1 = a1 * b0;
  const m2 = a0 * b1;
  const mid = (m1 & 0xffff) + (m2 & 0xffff) + (lo00 >>> 16);
  const hi = (a1 * b1 + (m1 >>> 16) + (m2 >>> 16) + (mid >>> 16)) | 0;
  rl = ((mid & 0xffff) << 16) | (lo00 & 0xffff);
  rh = (hi + Math.imul(al, bh) + Math.imul(ah, bl)) | 0;
}

/** (ah:al) + (bh:bl) mod 2^64 into rh:rl. */
function add(ah: number, al: number, bh: number, bl: number): void {
  const lo = (al + bl) | 0;
  // Unsigned overflow of the low word shows as the sum being below an operand.
  rl = lo;
  rh = (ah + bh + ((lo >>> 0) < (al >>> 0) ? 1 : 0)) | 0;
}

/** Rotate left by r (0 < r < 32) into rh:rl. */
function rotl(h: number, l: number, r: number): void {
  rh = (h << r) | (l >>> (32 - r));
  rl = (l << r) | (h >>> (32 - r));
}

const C1H = 0x87c37b91 | 0;
const C1L = 0x114253d5;
const C2H = 0x4cf5ad43;
const C2L = 0x2745937f;
const F1H = 0xff51afd7 | 0;
const F1L = 0xed558ccd | 0;
const F2H = 0xc4ceb9fe | 0;
const F2L = 0x1a85ec53;

/** fmix64 into rh:rl. */
function fmix(h: number, l: number): void {
  l ^= h >>> 1; // k ^= k >>> 33
  mul(h, l, F1H, F1L);
  h = rh;
  l = rl ^ (rh >>> 1);
  mul(h, l, F2H, F2L);
  rl ^= rh >>> 1;
}

/**
 * Loads bytes [o, o+n) (n <= 8) little-endian into th:tl the way Cassandra does: each byte is sign-extended to
 * 64 bits before shifting, so a byte >= 0x80 at position i also flips every bit from 8i+8 upwards.
 */
let th = 0;
let tl = 0;
function loadTail(key: Buffer, o: number, n: number): void {
  let l = 0;
  let h = 0;
  const low = n < 4 ? n : 4;
  for (let i = 0; i < low; i++) {
    // A signed byte shifted within an int32 already carries its sign bits up through the low word.
    const b = (key[o + i]! << 24) >> 24;
    l ^= b << (i << 3);
    h ^= b >> 31;
  }
  for (let i = 4; i < n; i++) h ^= ((key[o + i]! << 24) >> 24) << ((i - 4) << 3);
  th = h;
  tl = l;
}

const tokenBuf = Buffer.alloc(8);

/** The raw h1 of Cassandra's MurmurHash3.hash3_x64_128(key, 0, len, 0), as hi/lo int32 limbs. */
function hashLimbs(key: Buffer): void {
  const len = key.length;
  const nblocks = len >>> 4;
  let h1h = 0;
  let h1l = 0;
  let h2h = 0;
  let h2l = 0;
  let k1h: number;
  let k1l: number;
  let k2h: number;
  let k2l: number;
  for (let i = 0; i < nblocks; i++) {
    const o = i << 4;
    k1l = key[o]! | (key[o + 1]! << 8) | (key[o + 2]! << 16) | (key[o + 3]! << 24);
    k1h = key[o + 4]! | (key[o + 5]! << 8) | (key[o + 6]! << 16) | (key[o + 7]! << 24);
    k2l = key[o + 8]! | (key[o + 9]! << 8) | (key[o + 10]! << 16) | (key[o + 11]! << 24);
    k2h = key[o + 12]! | (key[o + 13]! << 8) | (key[o + 14]! << 16) | (key[o + 15]! << 24);

    mul(k1h, k1l, C1H, C1L);
    rotl(rh, rl, 31);
    mul(rh, rl, C2H, C2L);
    h1h ^= rh;
    h1l ^= rl;
    rotl(h1h, h1l, 27);
    add(rh, rl, h2h, h2l);
    mul(rh, rl, 0, 5);
    add(rh, rl, 0, 0x52dce729);
    h1h = rh;
    h1l = rl;

    mul(k2h, k2l, C2H, C2L);
    rotl(rl, rh, 1); // rotate by 33 = swap halves, then rotate by 1
    mul(rh, rl, C1H, C1L);
    h2h ^= rh;
    h2l ^= rl;
    rotl(h2h, h2l, 31);
    add(rh, rl, h1h, h1l);
    mul(rh, rl, 0, 5);
    add(rh, rl, 0, 0x38495ab5);
    h2h = rh;
    h2l = rl;
  }

  const o = nblocks << 4;
  const rem = len & 15;
  if (rem > 8) {
    loadTail(key, o + 8, rem - 8);
    mul(th, tl, C2H, C2L);
    rotl(rl, rh, 1);
    mul(rh, rl, C1H, C1L);
    h2h ^= rh;
    h2l ^= rl;
  }
  if (rem > 0) {
    loadTail(key, o, rem > 8 ? 8 : rem);
    mul(th, tl, C1H, C1L);
    rotl(rh, rl, 31);
    mul(rh, rl, C2H, C2L);
    h1h ^= rh;
    h1l ^= rl;
  }

  // `len` fits in 32 bits, so it only touches the low limb.
  h1l ^= len;
  h2l ^= len;
  add(h1h, h1l, h2h, h2l);
  h1h = rh;
  h1l = rl;
  add(h2h, h2l, h1h, h1l);
  h2h = rh;
  h2l = rl;
  fmix(h1h, h1l);
  h1h = rh;
  h1l = rl;
  fmix(h2h, h2l);
  h2h = rh;
  h2l = rl;
  add(h1h, h1l, h2h, h2l);
}

/** The Murmur3Partitioner token of a partition key (already in routing-key form, see compositeKey). */
export function murmur3Token(key: Buffer): bigint {
  if (key.length === 0) return MIN_TOKEN;
  hashLimbs(key);
  tokenBuf.writeInt32BE(rh, 0);
  tokenBuf.writeInt32BE(rl, 4);
  const t = tokenBuf.readBigInt64BE(0);
  // Long.MIN_VALUE is reserved for the ring's minimum token, so Cassandra folds it onto MAX.
  return t === MIN_TOKEN ? MAX_TOKEN : t;
}

/** The raw hash without Cassandra's empty-key/MIN normalisation (what the drivers compute), for tests. */
export function murmur3Hash(key: Buffer): bigint {
  hashLimbs(key);
  tokenBuf.writeInt32BE(rh, 0);
  tokenBuf.writeInt32BE(rl, 4);
  return tokenBuf.readBigInt64BE(0);
}

/** Cassandra's CompositeType encoding of a multi-column partition key: [uint16 len][bytes][0x00] each. */
export function compositeKey(parts: Buffer[]): Buffer {
  let size = 0;
  for (const p of parts) {
    if (p.length > 0xffff) throw new RangeError(`Key component too long (${p.length} bytes, max 65535)`);
    size += 3 + p.length;
  }
  const out = Buffer.allocUnsafe(size);
  let off = 0;
  for (const p of parts) {
    out.writeUInt16BE(p.length, off);
    p.copy(out, off + 2);
    off += 2 + p.length;
    out[off++] = 0;
  }
  return out;
}

export function splitCompositeKey(buf: Buffer, n: number): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  for (let i = 0; i < n; i++) {
    if (off + 2 > buf.length) throw new RangeError('Truncated composite key');
    const len = buf.readUInt16BE(off);
    if (off + 2 + len + 1 > buf.length) throw new RangeError('Truncated composite key');
    out.push(buf.subarray(off + 2, off + 2 + len));
    off += 3 + len;
  }
  if (off !== buf.length) throw new RangeError('Extra bytes after composite key');
  return out;
}
