// The read-digest hash against SMHasher's verification procedure (hash keys 0..255 bytes long, key[i] = i, with seed
// 256 - length; hash the concatenated results with seed 0; the first four bytes little-endian): 0xB3ECE62A is the
// value SMHasher lists for MurmurHash3_x86_128, so every block, tail length and the finalisation are exercised.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { murmur3x86_128 } from '../../src/messaging/digest-hash.ts';

test('MurmurHash3 x86_128 passes SMHasher\'s verification', () => {
  const key = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const hashes = Buffer.concat(Array.from({ length: 256 }, (_, i) => murmur3x86_128(key.subarray(0, i), 256 - i)));
  assert.equal(murmur3x86_128(hashes, 0).readUInt32LE(0), 0xb3ece62a);
});

test('the empty input with seed 0 hashes to zero, and one changed bit changes the hash', () => {
  assert.equal(murmur3x86_128(Buffer.alloc(0)).toString('hex'), '0'.repeat(32));
  const a = Buffer.from('a row of some length, 40 bytes or so....');
  const b = Buffer.from(a);
  b[17]! ^= 4;
  assert.notDeepEqual(murmur3x86_128(a), murmur3x86_128(b));
});
