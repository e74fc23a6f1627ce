import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compositeKey, MAX_TOKEN, MIN_TOKEN, murmur3Hash, murmur3Token, splitCompositeKey } from '../../src/model/murmur3.ts';

const hex = (h: string): Buffer => Buffer.from(h, 'hex');
const u64 = (h: string): bigint => BigInt.asIntN(64, BigInt(h));
const seq = (from: number, to: number): Buffer => Buffer.from(Array.from({ length: to - from + 1 }, (_, i) => from + i));

// protocol-compat.md §7.5
const VECTORS: Array<[Buffer, bigint]> = [
  [hex('00000001'), -4069959284402364209n],
  [hex('00000000'), -3485513579396041028n],
  [hex('0000002a'), -7160136740246525330n],
  [hex('0000000000000001'), 6292367497774912474n],
  [Buffer.from('key1'), 1573573083296714675n],
  [Buffer.from('hello'), -3758069500696749310n],
  [hex('00000000000000000000000000000001'), 2589554819249504804n],
  [hex('000102030405060708090a0b0c0d0e0f'), 4920504430128807728n],
  [hex('80'), -5284281814142962636n],
  [hex('ffffff'), -9154616442117352147n],
  [hex('0102030405060708090a0b0c0d0e0f1011'), -998492828229142869n],
  [hex('0004000000010000016100'), 6516349416904725244n],
  [hex('00016b0000040000000700'), 8432661965282940756n],
  // nodejs-driver tokenizer tests
  [seq(1, 16), -5563837382979743776n],
  [seq(2, 17), -1513403162740402161n],
  [Buffer.alloc(16, 0xff), -2824192546314762522n],
  [Buffer.concat([hex('00010203'), Buffer.alloc(12, 0xff)]), 6463632673159404390n],
  [Buffer.alloc(17, 0xfe), -1672437813826982685n],
  [hex('fefefefe'), 4566408979886474012n],
  [hex('00017f7f'), 6573459401642635627n],
  [hex('e2e7e2e7e2e7' + '01'), 2222373981930033306n],
  [hex('0000000000000080'), 78142285821850151n],
  // gocql internal/murmur tests (uint64 bit patterns)
  [Buffer.from('0'), u64('0x2ac9debed546a380')],
  [Buffer.from('hello'), u64('0xcbd8a7b341bd9b02')],
  [Buffer.from('hello, world'), u64('0x342fac623a5ebc8e')],
  [Buffer.from('The quick brown fox jumps over the lazy dog.'), u64('0xcd99481f9ee902c9')],
  [hex('00104327529fb645dd00b883ec39ae448bb800000400066a6b00'), -9223371632693506265n],
];

test('murmur3 token matches Cassandra and driver vectors', () => {
  for (const [key, token] of VECTORS) assert.equal(murmur3Token(key), token, key.toString('hex'));
});

test('empty key is the minimum token; the raw hash of empty is 0 as the drivers compute', () => {
  assert.equal(murmur3Token(Buffer.alloc(0)), MIN_TOKEN);
  assert.equal(murmur3Hash(Buffer.alloc(0)), 0n);
});

// A straightforward BigInt transcription of the algorithm as the reference for every length and byte value.
function reference(key: Buffer): bigint {
  const M = (1n << 64n) - 1n;
  const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & M;
  const fmix = (k: bigint): bigint => {
    k ^= k >> 33n; k = (k * 0xff51afd7ed558ccdn) & M; k ^= k >> 33n; k = (k * 0xc4ceb9fe1a85ec53n) & M; return k ^ (k >> 33n);
  };
  const c1 = 0x87c37b91114253d5n, c2 = 0x4cf5ad432745937fn;
  let h1 = 0n, h2 = 0n;
  const n = key.length >> 4;
  for (let i = 0; i < n; i++) {
    let k1 = key.readBigUInt64LE(i * 16), k2 = key.readBigUInt64LE(i * 16 + 8);
    k1 = (k1 * c1) & M; k1 = rotl(k1, 31n); k1 = (k1 * c2) & M; h1 ^= k1;
    h1 = rotl(h1, 27n); h1 = (h1 + h2) & M; h1 = (h1 * 5n + 0x52dce729n) & M;
    k2 = (k2 * c2) & M; k2 = rotl(k2, 33n); k2 = (k2 * c1) & M; h2 ^= k2;
    h2 = rotl(h2, 31n); h2 = (h2 + h1) & M; h2 = (h2 * 5n + 0x38495ab5n) & M;
  }
  let k1 = 0n, k2 = 0n;
  const o = n * 16, rem = key.length & 15;
  const sx = (b: number): bigint => BigInt.asUintN(64, BigInt((b << 24) >> 24));
  for (let i = rem - 1; i >= 8; i--) k2 ^= (sx(key[o + i]!) << BigInt((i - 8) * 8)) & M;
  if (rem > 8) { k2 = (k2 * c2) & M; k2 = rotl(k2, 33n); k2 = (k2 * c1) & M; h2 ^= k2; }
  for (let i = Math.min(rem, 8) - 1; i >= 0; i--) k1 ^= (sx(key[o + i]!) << BigInt(i * 8)) & M;
  if (rem > 0) { k1 = (k1 * c1) & M; k1 = rotl(k1, 31n); k1 = (k1 * c2) & M; h1 ^= k1; }
  h1 ^= BigInt(key.length); h2 ^= BigInt(key.length);
  h1 = (h1 + h2) & M; h2 = (h2 + h1) & M;
  h1 = fmix(h1); h2 = fmix(h2);
  h1 = (h1 + h2) & M;
  return BigInt.asIntN(64, h1);
}

test('limb implementation equals a BigInt reference on random keys', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (arr) => {
    const key = Buffer.from(arr);
    assert.equal(murmur3Hash(key), reference(key));
  }), { numRuns: 2000 });
});

test('token range and normalisation', () => {
  for (let i = 0; i < 1000; i++) {
    const t = murmur3Token(Buffer.from(`k${i}`));
    assert.ok(t > MIN_TOKEN && t <= MAX_TOKEN);
  }
});

test('composite keys round trip and match the documented bytes', () => {
  const k = compositeKey([hex('00000001'), Buffer.from('a')]);
  assert.equal(k.toString('hex'), '0004000000010000016100');
  assert.deepEqual(splitCompositeKey(k, 2), [hex('00000001'), Buffer.from('a')]);
  assert.throws(() => splitCompositeKey(k, 3), RangeError);
  assert.throws(() => splitCompositeKey(k, 1), RangeError);
  fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 5 }), (parts) => {
    const bufs = parts.map((p) => Buffer.from(p));
    assert.deepEqual(splitCompositeKey(compositeKey(bufs), bufs.length), bufs);
  }));
});
