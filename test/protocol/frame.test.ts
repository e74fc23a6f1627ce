import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BodyReader } from '../../src/protocol/buffers.ts';
import { ErrorCode, ProtocolError } from '../../src/model/errors.ts';
import { FrameDecoder, FrameFlag, type DecodedItem, type Frame } from '../../src/protocol/frame.ts';
import { Opcode } from '../../src/protocol/messages.ts';
import { decodeFrameRequest } from '../../src/protocol/requests.ts';
import { encodeError } from '../../src/protocol/responses.ts';
import { frame, requestFrame } from './helpers.ts';

function frames(items: DecodedItem[]): Frame[] {
  return items.map((i) => {
    assert.equal(i.kind, 'frame');
    return (i as { kind: 'frame'; frame: Frame }).frame;
  });
}

function sample(): Buffer[] {
  return [
    requestFrame({ opcode: Opcode.OPTIONS }, { stream: 0 }),
    requestFrame({ opcode: Opcode.STARTUP, options: { CQL_VERSION: '3.0.0' } }, { stream: 1 }),
    requestFrame({ opcode: Opcode.PREPARE, query: 'SELECT * FROM t WHERE k = ?' }, { stream: 32767 }),
    frame(Opcode.OPTIONS, Buffer.alloc(0), { stream: 5 }),
    requestFrame({ opcode: Opcode.REGISTER, events: ['SCHEMA_CHANGE'] }, { stream: 300 }),
  ];
}

describe('FrameDecoder', () => {
  it('decodes many frames from one chunk without copying bodies', () => {
    const chunk = Buffer.concat(sample());
    const d = new FrameDecoder();
    d.push(chunk);
    const fs = frames(d.drain());
    assert.deepEqual(fs.map((f) => f.stream), [0, 1, 32767, 5, 300]);
    assert.deepEqual(fs.map((f) => f.opcode), [5, 1, 9, 5, 11]);
    assert.equal(fs[2]!.body.buffer, chunk.buffer, 'body is a view of the input chunk');
    assert.equal(d.buffered, 0);
  });

  it('handles a stream fed one byte at a time', () => {
    const parts = sample();
    const all = Buffer.concat([...parts, ...parts]);
    const d = new FrameDecoder();
    const got: Frame[] = [];
    for (let i = 0; i < all.length; i++) {
      d.push(all.subarray(i, i + 1));
      got.push(...frames(d.drain()));
    }
    assert.equal(got.length, 10);
    const expected = frames((() => {
      const e = new FrameDecoder();
      e.push(all);
      return e.drain();
    })());
    assert.deepEqual(got.map((f) => [f.stream, f.opcode, f.body.toString('hex')]),
      expected.map((f) => [f.stream, f.opcode, f.body.toString('hex')]));
    // Bodies yielded earlier must survive later pushes (the accumulator is never compacted in place).
    assert.equal(decodeFrameRequest(got[1]!).opcode, Opcode.STARTUP);
  });

  it('handles random chunkings', () => {
    const all = Buffer.concat([...sample(), ...sample(), ...sample()]);
    for (let trial = 0; trial < 200; trial++) {
      const d = new FrameDecoder();
      const got: Frame[] = [];
      for (let i = 0; i < all.length; ) {
        const n = 1 + Math.floor(Math.random() * 40);
        d.push(all.subarray(i, i + n));
        i += n;
        got.push(...frames(d.drain()));
      }
      assert.equal(got.length, 15);
      for (const f of got) decodeFrameRequest(f);
    }
  });

  it('answers a DSE_V2 (0x42) STARTUP with ERROR 0x000A in v5 (0x85), same stream, then stops', () => {
    const d = new FrameDecoder();
    const startup = requestFrame({ opcode: Opcode.STARTUP, options: { CQL_VERSION: '3.0.0' } }, { version: 0x42, stream: 7 });
    d.push(startup.subarray(0, 5));
    assert.deepEqual(d.drain(), [], 'waits for the whole 9-byte header');
    d.push(startup.subarray(5));
    const items = d.drain();
    assert.equal(items.length, 1);
    const item = items[0]!;
    assert.ok(item.kind === 'error');
    assert.equal(item.fatal, true);
    assert.equal(item.stream, 7);
    assert.equal(item.version, 5);
    // Cassandra 5.0.9's text, byte for byte.
    assert.equal(item.error.message, 'Invalid or unsupported protocol version (66); supported versions are (3/v3, 4/v4, 5/v5, 6/v6-beta)');
    d.push(requestFrame({ opcode: Opcode.OPTIONS }));
    assert.deepEqual(d.drain(), [], 'closed after a fatal error');

    const out = encodeError(item.stream, item.error, item.version);
    assert.equal(out[0], 0x85);
    assert.equal(out.readInt16BE(2), 7);
    assert.equal(out[4], Opcode.ERROR);
    const r = new BodyReader(out, 9);
    assert.equal(r.readInt(), ErrorCode.PROTOCOL_ERROR);
    assert.ok(r.readString().startsWith('Invalid or unsupported protocol version'));
    assert.equal(r.remaining, 0);
    assert.equal(out.readUInt32BE(5), out.length - 9);
  });

  for (const version of [0x41, 7, 0x45, 0xc2]) {
    it(`rejects version byte 0x${version.toString(16)} on the request's stream, answering in v5`, () => {
      const d = new FrameDecoder();
      d.push(requestFrame({ opcode: Opcode.OPTIONS }, { version, stream: 3 }));
      const [item] = d.drain();
      assert.ok(item?.kind === 'error' && item.fatal);
      assert.equal(item.stream, 3);
      assert.equal(item.version, 5);
      assert.match(item.error.message, new RegExp(`^Invalid or unsupported protocol version \\(${version & 0x7f}\\)`));
    });
  }

  for (const version of [3, 4, 5]) {
    it(`accepts v${version} envelopes before STARTUP, each answered in its own version`, () => {
      const d = new FrameDecoder();
      d.push(requestFrame({ opcode: Opcode.OPTIONS }, { version, stream: 3 }));
      const [item] = d.drain();
      assert.ok(item?.kind === 'frame' && item.frame.version === version && item.frame.stream === 3);
    });
  }

  it('takes v6 only with USE_BETA, and refuses it without as Cassandra does', () => {
    const d = new FrameDecoder();
    d.push(requestFrame({ opcode: Opcode.OPTIONS }, { version: 6, stream: 3, flags: FrameFlag.USE_BETA }));
    const [ok] = d.drain();
    assert.ok(ok?.kind === 'frame' && ok.frame.version === 6);
    const e = new FrameDecoder();
    e.push(requestFrame({ opcode: Opcode.OPTIONS }, { version: 6, stream: 4 }));
    const [item] = e.drain();
    assert.ok(item?.kind === 'error' && item.fatal && item.stream === 4 && item.version === 6);
    assert.equal(item.error.message, 'Beta version of the protocol used (6/v6-beta), but USE_BETA flag is unset');
    const out = encodeError(item.stream, item.error, item.version);
    assert.deepEqual([out[0], out[1]], [0x86, FrameFlag.USE_BETA], 'beta responses carry USE_BETA, like Cassandra\'s');
  });

  it('refuses a version other than the one STARTUP fixed, answering in the fixed one, and goes on', () => {
    const d = new FrameDecoder();
    d.connectionVersion = 4;
    d.push(Buffer.concat([
      requestFrame({ opcode: Opcode.OPTIONS }, { version: 3, stream: 2 }),
      requestFrame({ opcode: Opcode.OPTIONS }, { version: 4, stream: 3 }),
    ]));
    const [bad, good] = d.drain();
    assert.ok(bad?.kind === 'error' && !bad.fatal && bad.stream === 2 && bad.version === 4);
    assert.equal(bad.error.message, 'Invalid message version. Got 3/v3 but previous messages on this connection had version 4/v4');
    assert.ok(good?.kind === 'frame' && good.frame.stream === 3);
  });

  it('refuses a response-direction envelope without closing', () => {
    const d = new FrameDecoder();
    d.push(requestFrame({ opcode: Opcode.OPTIONS }, { version: 0x84, stream: 9 }));
    const [item] = d.drain();
    assert.ok(item?.kind === 'error' && !item.fatal && item.stream === 9 && item.version === 4);
    assert.equal(item.error.message, 'Wrong protocol direction (expected REQUEST, got RESPONSE) for opcode 5 (OPTIONS)');
  });

  for (const version of [1, 2]) {
    it(`answers v${version} at once on stream 0, in v${version}'s 8-byte header`, () => {
      const d = new FrameDecoder();
      d.push(Buffer.from([version, 0, 9, 5, 0, 0, 0, 0]));
      const [item] = d.drain();
      assert.ok(item?.kind === 'error' && item.fatal);
      assert.equal(item.stream, 0);
      assert.equal(item.version, version);
      const out = encodeError(item.stream, item.error, item.version);
      // As Cassandra 5.0.9 answers: 0x8N, flags, 1-byte stream, opcode, 4-byte length.
      assert.deepEqual([...out.subarray(0, 4)], [0x80 | version, 0, 0, Opcode.ERROR]);
      assert.equal(out.readUInt32BE(4), out.length - 8);
      assert.equal(new BodyReader(out, 8).readInt(), ErrorCode.PROTOCOL_ERROR);
    });
  }

  it('refuses frames above the configured maximum as soon as the header is known', () => {
    const d = new FrameDecoder({ maxBodyLength: 1000 });
    const h = Buffer.from([4, 0, 0, 9, 7, 0, 0, 0x10, 0]);
    d.push(h);
    const [item] = d.drain();
    assert.ok(item?.kind === 'error' && item.fatal);
    assert.equal(item.stream, 9);
    assert.ok(item.error instanceof ProtocolError);
    assert.equal(new FrameDecoder().maxBodyLength, 16 * 1024 * 1024);
    const big = new FrameDecoder();
    big.push(Buffer.from([4, 0, 0, 1, 7, 0xff, 0xff, 0xff, 0xff]));
    assert.equal(big.drain()[0]?.kind, 'error');
  });

  it('rejects a compressed frame when no compression was negotiated, and continues', () => {
    const d = new FrameDecoder();
    d.push(Buffer.concat([
      frame(Opcode.OPTIONS, Buffer.alloc(0), { flags: FrameFlag.COMPRESSION, stream: 4 }),
      frame(Opcode.OPTIONS, Buffer.alloc(0), { stream: 5 }),
    ]));
    const [a, b] = d.drain();
    assert.ok(a?.kind === 'error' && !a.fatal && a.stream === 4 && a.error instanceof ProtocolError);
    assert.ok(b?.kind === 'frame' && b.frame.stream === 5);
    const c = new FrameDecoder();
    c.compressionNegotiated = true;
    c.push(frame(Opcode.OPTIONS, Buffer.alloc(0), { flags: FrameFlag.COMPRESSION }));
    assert.equal(c.drain()[0]?.kind, 'frame');
  });

  it('supports for..of iteration and negative stream ids', () => {
    const d = new FrameDecoder();
    d.push(frame(Opcode.OPTIONS, Buffer.alloc(0), { stream: -2 }));
    const seen: number[] = [];
    for (const item of d) if (item.kind === 'frame') seen.push(item.frame.stream);
    assert.deepEqual(seen, [-2]);
  });
});
