// The connection-level codec through STARTUP: compressed v3/v4 bodies, v5 segments, and the switch-over between
// them, with the bytes Cassandra 5.0.9 sends where they are deterministic (the compressed READY).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LZ4_BODY, SNAPPY_BODY } from '../../src/protocol/compression.ts';
import { Opcode } from '../../src/protocol/messages.ts';
import { decodeFrameRequest } from '../../src/protocol/requests.ts';
import { encodeResponse } from '../../src/protocol/responses.ts';
import { encodeSegment, encodeSegments, SegmentDecoder } from '../../src/protocol/segment.ts';
import { WireCodec } from '../../src/protocol/wire.ts';
import { frame, requestFrame } from './helpers.ts';
import type { DecodedItem } from '../../src/protocol/frame.ts';

const startup = (version: number, compression?: string): Buffer =>
  requestFrame({ opcode: Opcode.STARTUP, options: { CQL_VERSION: '3.0.0', ...(compression ? { COMPRESSION: compression } : {}) } }, { version, stream: 3 });

function drain(c: WireCodec): DecodedItem[] {
  const out: DecodedItem[] = [];
  for (let i = c.next(); i; i = c.next()) out.push(i);
  return out;
}

/** Feeds `bytes`, expects one STARTUP, answers it READY through the codec and returns what went on the wire. */
function handshake(c: WireCodec, bytes: Buffer, version: number, compression?: 'lz4' | 'snappy'): Buffer {
  c.push(bytes);
  const first = c.next();
  assert.ok(first?.kind === 'frame' && first.frame.opcode === Opcode.STARTUP);
  let wire: Buffer = Buffer.alloc(0);
  c.negotiated(version, compression, () => {
    wire = c.encodeOutgoing(Buffer.from(encodeResponse(first.frame.stream, { opcode: Opcode.READY }, undefined, version)));
  });
  return wire;
}

describe('v3/v4 body compression', () => {
  it('compresses the READY as Cassandra does (LZ4 on v4, Snappy on v3), byte for byte', () => {
    assert.equal(handshake(new WireCodec(), startup(4, 'lz4'), 4, 'lz4').toString('hex'), '840100030200000005' + '0000000000');
    assert.equal(handshake(new WireCodec(), startup(3, 'snappy'), 3, 'snappy').toString('hex'), '830100030200000001' + '00');
  });

  for (const c of [LZ4_BODY, SNAPPY_BODY]) {
    it(`${c.name}: compressed requests are inflated and replies compressed, envelope by envelope`, () => {
      const codec = new WireCodec();
      handshake(codec, startup(4, c.name), 4, c.name);
      const query = requestFrame({ opcode: Opcode.QUERY, query: `SELECT '${'x'.repeat(500)}' FROM t`, params: { consistency: 1, values: [], skipMetadata: false } }, { stream: 5 });
      const compressed = Buffer.concat([
        frame(Opcode.QUERY, c.compress(query.subarray(9)), { stream: 5, flags: 0x01 }),
        frame(Opcode.OPTIONS, Buffer.alloc(0), { stream: 6 }), // a sender may leave any frame uncompressed
      ]);
      codec.push(compressed);
      const [q, o] = drain(codec);
      assert.ok(q?.kind === 'frame' && o?.kind === 'frame');
      assert.deepEqual(q.frame.body, query.subarray(9));
      const decoded = decodeFrameRequest(q.frame);
      assert.ok(decoded.opcode === Opcode.QUERY && decoded.query.length > 500);
      assert.equal(o.frame.opcode, Opcode.OPTIONS);

      const replies = Buffer.concat([encodeResponse(5, { opcode: Opcode.RESULT, result: { kind: 'set_keyspace', keyspace: 'k'.repeat(300) } }), encodeResponse(6, { opcode: Opcode.READY })]);
      const out = codec.encodeOutgoing(replies);
      const first = out.readUInt32BE(5);
      assert.equal(out[1], 0x01);
      assert.ok(first < 300, 'the repetitive body shrank');
      assert.deepEqual(c.decompress(out.subarray(9, 9 + first), 1 << 20), replies.subarray(9, 9 + replies.readUInt32BE(5)));
      assert.equal(out[9 + first + 1], 0x01, 'the second envelope is compressed too');
    });
  }

  it('refuses a body that does not inflate, or inflates beyond the frame limit, without closing', () => {
    const codec = new WireCodec({ maxBodyLength: 1000 });
    handshake(codec, startup(4, 'lz4'), 4, 'lz4');
    const tooBig = Buffer.from([0, 0, 0x10, 0, 0x10, 0x41]); // claims 1 MiB
    codec.push(Buffer.concat([
      frame(Opcode.OPTIONS, Buffer.from([0, 0, 0, 9, 0xff, 0xff]), { stream: 1, flags: 1 }),
      frame(Opcode.OPTIONS, tooBig, { stream: 2, flags: 1 }),
      frame(Opcode.OPTIONS, Buffer.alloc(0), { stream: 3 }),
    ]));
    const [a, b, c] = drain(codec);
    assert.ok(a?.kind === 'error' && !a.fatal && a.stream === 1 && /Cannot decompress LZ4/.test(a.error.message));
    assert.ok(b?.kind === 'error' && !b.fatal && b.stream === 2 && /exceeds maximum allowed length 1000/.test(b.error.message));
    assert.ok(c?.kind === 'frame' && c.frame.stream === 3);
  });
});

describe('v5 segments after STARTUP', () => {
  for (const lz4 of [false, true]) {
    it(`READY goes out bare, then both directions are segments${lz4 ? ' (LZ4)' : ''}, even for bytes that came with the STARTUP`, () => {
      const codec = new WireCodec();
      const options = frame(Opcode.OPTIONS, Buffer.alloc(0), { version: 5, stream: 7 });
      const query = requestFrame({ opcode: Opcode.QUERY, query: 'SELECT * FROM t', params: { consistency: 1, values: [], skipMetadata: false } }, { version: 5, stream: 8 });
      // The client's first framed request arrives in the same chunk as its STARTUP.
      const framed = encodeSegment(Buffer.concat([options, query]), true, lz4);
      const ready = handshake(codec, Buffer.concat([startup(5, lz4 ? 'lz4' : undefined), framed.subarray(0, 5)]), 5, lz4 ? 'lz4' : undefined);
      assert.equal(ready.toString('hex'), '850000030200000000', 'an unframed READY');
      assert.deepEqual(drain(codec), [], 'waits for the rest of the segment');
      codec.push(framed.subarray(5));
      const items = drain(codec);
      assert.deepEqual(items.map((i) => i.kind === 'frame' && [i.frame.version, i.frame.stream, i.frame.opcode]), [[5, 7, Opcode.OPTIONS], [5, 8, Opcode.QUERY]]);

      const reply = encodeResponse(7, { opcode: Opcode.READY }, undefined, 5);
      const out = codec.encodeOutgoing(reply);
      const d = new SegmentDecoder(lz4);
      d.push(out);
      const seg = d.next();
      assert.ok(seg?.selfContained);
      assert.deepEqual(seg.payload, reply);
    });
  }

  it('reassembles an envelope sent over several segments', () => {
    const codec = new WireCodec();
    handshake(codec, startup(5), 5);
    const big = requestFrame({ opcode: Opcode.QUERY, query: `SELECT '${'y'.repeat(300_000)}' FROM t`, params: { consistency: 1, values: [], skipMetadata: false } }, { version: 5, stream: 9 });
    const wire = encodeSegments(big, false);
    for (let i = 0; i < wire.length; i += 10_000) codec.push(wire.subarray(i, i + 10_000));
    const [item] = drain(codec);
    assert.ok(item?.kind === 'frame' && item.frame.stream === 9);
    assert.deepEqual(item.frame.body, big.subarray(9));
  });

  it('fails the connection on a bad CRC, on an envelope cut inside a self-contained segment, and on another version', () => {
    const bad = new WireCodec();
    handshake(bad, startup(5), 5);
    const seg = encodeSegment(frame(Opcode.OPTIONS, Buffer.alloc(0), { version: 5 }), true, false);
    seg[7] = seg[7]! ^ 0xff;
    bad.push(seg);
    const [crc] = drain(bad);
    assert.ok(crc?.kind === 'error' && crc.fatal && crc.stream === 0 && crc.version === 5 && /CRC mismatch detected in frame body/.test(crc.error.message));

    const cut = new WireCodec();
    handshake(cut, startup(5), 5);
    cut.push(encodeSegment(frame(Opcode.OPTIONS, Buffer.alloc(0), { version: 5 }).subarray(0, 6), true, false));
    const [partial] = drain(cut);
    assert.ok(partial?.kind === 'error' && partial.fatal && /self-contained segment ended inside an envelope/.test(partial.error.message));

    const other = new WireCodec();
    handshake(other, startup(5), 5);
    other.push(encodeSegment(frame(Opcode.OPTIONS, Buffer.alloc(0), { version: 4, stream: 2 }), true, false));
    const [v4] = drain(other);
    assert.ok(v4?.kind === 'error' && !v4.fatal && v4.stream === 2 && v4.version === 5);
    assert.equal(v4.error.message, 'Invalid message version. Got 4/v4 but previous messages on this connection had version 5/v5');
  });

  it('takes the bare envelopes a client sends after STARTUP for what they are: a bad segment header', () => {
    const codec = new WireCodec();
    handshake(codec, startup(5), 5);
    codec.push(frame(Opcode.OPTIONS, Buffer.alloc(0), { version: 5, stream: 5 }));
    const [item] = drain(codec);
    assert.ok(item?.kind === 'error' && item.fatal && /CRC mismatch detected in frame header/.test(item.error.message));
  });
});
