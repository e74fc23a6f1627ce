// Protocol v5 segments: the checksums and the codec against bytes captured from Apache Cassandra 5.0.9 (a SUPPORTED
// reply, framed bare and LZ4-compressed). test/drivers/protocol.drivers.ts checks the codec against the Python
// driver's own (cassandra/segment.py).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { crc24, crc32, payloadCrc32 } from '../../src/protocol/crc.ts';
import { encodeSegment, encodeSegments, MAX_SEGMENT_PAYLOAD, SegmentDecoder, SegmentError, type Segment } from '../../src/protocol/segment.ts';
import { Opcode } from '../../src/protocol/messages.ts';
import { frame } from './helpers.ts';

// Cassandra 5.0.9's answer to a framed v5 OPTIONS (stream 2): one self-contained segment of 111 bytes.
const CASSANDRA_PLAIN = Buffer.from(
  '6f00020a9b448500000206000000660003001150524f544f434f4c5f56455253494f4e5300040004332f76330004342f76340004352f7635' +
    '0009362f76362d62657461000b434f4d5052455353494f4e00020006736e6170707900036c7a34000b43514c5f56455253494f4e0001' +
    '0005332e342e3741a4c6a3',
  'hex',
);
// The same reply on a connection that negotiated LZ4: 107 compressed bytes for the 111.
const CASSANDRA_LZ4 = Buffer.from(
  '6b00de000448b3dff0378500000206000000660003001150524f544f434f4c5f56455253494f4e5300040004332f76330004342f7634' +
    '0004352f76350009362f76362d62657461000b434f4d505245532d00f50400020006736e6170707900036c7a34000b4351490090000100' +
    '05332e342e37255d909f',
  'hex',
);
const SUPPORTED_ENVELOPE = CASSANDRA_PLAIN.subarray(6, 6 + 111);

function decodeAll(bytes: Buffer, lz4: boolean, chunk = bytes.length): Segment[] {
  const d = new SegmentDecoder(lz4);
  const out: Segment[] = [];
  for (let i = 0; i < bytes.length; i += chunk) {
    d.push(bytes.subarray(i, i + chunk));
    for (let s = d.next(); s; s = d.next()) out.push(s);
  }
  assert.equal(d.buffered, 0);
  return out;
}

function envelope(bodyLength: number, stream: number, fill = stream): Buffer {
  return frame(Opcode.RESULT, Buffer.alloc(bodyLength, fill), { version: 0x85, stream });
}

describe('CRC24 and CRC32 of v5 segments', () => {
  it('match Cassandra 5.0.9 on its own headers and payloads', () => {
    assert.equal(crc24(CASSANDRA_PLAIN, 0, 3), CASSANDRA_PLAIN.readUIntLE(3, 3));
    assert.equal(crc24(CASSANDRA_PLAIN, 0, 3), 0x449b0a);
    assert.equal(crc24(CASSANDRA_LZ4, 0, 5), CASSANDRA_LZ4.readUIntLE(5, 3));
    assert.equal(payloadCrc32(SUPPORTED_ENVELOPE), 0xa3c6a441);
    assert.equal(payloadCrc32(CASSANDRA_LZ4.subarray(8, 8 + 107)), CASSANDRA_LZ4.readUInt32LE(8 + 107));
  });

  it('CRC32 is zlib CRC32 (check value of "123456789") and the payload seed is CRC32(FA 2D 55 CA)', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
    assert.equal(payloadCrc32(Buffer.alloc(0)), crc32(Buffer.from([0xfa, 0x2d, 0x55, 0xca])));
    assert.equal(payloadCrc32(Buffer.from('123456789')), crc32(Buffer.from('123456789'), crc32(Buffer.from([0xfa, 0x2d, 0x55, 0xca]))));
  });
});

describe('segment codec', () => {
  it('decodes Cassandra\'s bare and LZ4 segments to the same envelope, whole or byte by byte', () => {
    for (const chunk of [CASSANDRA_PLAIN.length, 1, 7]) {
      const [plain] = decodeAll(CASSANDRA_PLAIN, false, chunk);
      assert.ok(plain?.selfContained);
      assert.deepEqual(plain.payload, SUPPORTED_ENVELOPE);
      const [lz4] = decodeAll(CASSANDRA_LZ4, true, chunk);
      assert.ok(lz4?.selfContained);
      assert.deepEqual(lz4.payload, SUPPORTED_ENVELOPE);
    }
  });

  it('encodes an uncompressed segment byte for byte as Cassandra does', () => {
    assert.deepEqual(encodeSegment(SUPPORTED_ENVELOPE, true, false), CASSANDRA_PLAIN);
  });

  it('LZ4 segments round-trip, and an incompressible payload goes out stored (uncompressed length 0)', () => {
    const compressible = encodeSegment(SUPPORTED_ENVELOPE, true, true);
    assert.ok(compressible.readUInt32LE(0) >>> 17 > 0, 'the uncompressed length is set');
    assert.deepEqual(decodeAll(compressible, true)[0]!.payload, SUPPORTED_ENVELOPE);
    // SHA-256 in counter mode: fixed, and as incompressible as random bytes.
    const random = Buffer.concat(Array.from({ length: 157 }, (_, i) => createHash('sha256').update(String(i)).digest())).subarray(0, 5000);
    const stored = encodeSegment(random, false, true);
    const header = stored.readUInt32LE(0) + stored[4]! * 2 ** 32;
    assert.equal(header % 2 ** 17, random.length, 'compressed length = the payload as is');
    assert.equal(Math.floor(header / 2 ** 17) % 2 ** 17, 0, 'uncompressed length 0: not compressed');
    const [seg] = decodeAll(stored, true);
    assert.deepEqual(seg!.payload, random);
    assert.equal(seg!.selfContained, false);
  });

  it('packs small envelopes into self-contained segments, split only at envelope boundaries', () => {
    const envs = [envelope(100, 1), envelope(60_000, 2), envelope(60_000, 3), envelope(20_000, 4)];
    const segs = decodeAll(encodeSegments(Buffer.concat(envs), false), false);
    assert.deepEqual(segs.map((s) => s.selfContained), [true, true]);
    assert.deepEqual(segs[0]!.payload, Buffer.concat(envs.slice(0, 3)));
    assert.deepEqual(segs[1]!.payload, envs[3]);
    for (const s of segs) assert.ok(s.payload.length <= MAX_SEGMENT_PAYLOAD);
  });

  for (const lz4 of [false, true]) {
    it(`cuts an envelope over 128 KiB - 1 into segments that are not self-contained${lz4 ? ' (LZ4)' : ''}`, () => {
      const small = envelope(10, 1);
      const big = envelope(300_000, 2, 0x41);
      const segs = decodeAll(encodeSegments(Buffer.concat([small, big, small]), lz4), lz4, 65536);
      assert.deepEqual(segs.map((s) => [s.selfContained, s.payload.length]), [
        [true, small.length],
        [false, MAX_SEGMENT_PAYLOAD],
        [false, MAX_SEGMENT_PAYLOAD],
        [false, big.length - 2 * MAX_SEGMENT_PAYLOAD],
        [true, small.length],
      ]);
      assert.deepEqual(Buffer.concat(segs.slice(1, 4).map((s) => s.payload)), big);
    });
  }

  it('refuses a segment whose header or payload CRC does not match', () => {
    const badHeader = Buffer.from(CASSANDRA_PLAIN);
    badHeader[0] = badHeader[0]! ^ 1;
    const d = new SegmentDecoder(false);
    d.push(badHeader);
    assert.throws(() => d.next(), (e) => e instanceof SegmentError && /CRC mismatch detected in frame header/.test(e.message));
    const badBody = Buffer.from(CASSANDRA_LZ4);
    badBody[20] = badBody[20]! ^ 0x80;
    const e = new SegmentDecoder(true);
    e.push(badBody);
    assert.throws(() => e.next(), (x) => x instanceof SegmentError && /CRC mismatch detected in frame body/.test(x.message));
  });
});
