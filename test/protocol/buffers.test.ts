import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BodyReader, BodyWriter, formatInet, parseInet } from '../../src/protocol/buffers.ts';
import { ProtocolError } from '../../src/model/errors.ts';
import { UNSET } from '../../src/protocol/messages.ts';

function roundTrip(write: (w: BodyWriter) => void): BodyReader {
  const w = new BodyWriter(16);
  write(w);
  return new BodyReader(Buffer.from(w.take()));
}

describe('BodyWriter/BodyReader', () => {
  it('round-trips every primitive', () => {
    const uuid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const r = roundTrip((w) => {
      w.writeByte(200);
      w.writeShort(65535);
      w.writeInt(-5);
      w.writeLong(1_700_000_000_000_000);
      w.writeLong(-2n);
      w.writeString('héllo ✓ 𝄞');
      w.writeLongString('x'.repeat(70000));
      w.writeStringList(['a', '', 'b']);
      w.writeBytes(Buffer.from([1, 2, 3]));
      w.writeBytes(null);
      w.writeShortBytes(Buffer.from([9]));
      w.writeValue(null);
      w.writeValue(UNSET);
      w.writeValue(Buffer.alloc(40, 7));
      w.writeStringMap({ CQL_VERSION: '3.0.0', __proto__x: 'y' });
      w.writeStringMultimap({ COMPRESSION: [], CQL_VERSION: ['3.4.5'] });
      w.writeBytesMap(new Map([['k', Buffer.from('v')]]));
      w.writeUuid(uuid);
      w.writeInet('10.0.0.1', 9042);
      w.writeInet('::1', 7000);
      w.writeConsistency(10);
    });
    assert.equal(r.readByte(), 200);
    assert.equal(r.readShort(), 65535);
    assert.equal(r.readInt(), -5);
    assert.equal(r.readLong(), 1_700_000_000_000_000);
    assert.equal(r.readLong(), -2);
    assert.equal(r.readString(), 'héllo ✓ 𝄞');
    assert.equal(r.readLongString(), 'x'.repeat(70000));
    assert.deepEqual(r.readStringList(), ['a', '', 'b']);
    assert.deepEqual(r.readBytes(), Buffer.from([1, 2, 3]));
    assert.equal(r.readBytes(), null);
    assert.deepEqual(r.readShortBytes(), Buffer.from([9]));
    assert.equal(r.readValue(), null);
    assert.equal(r.readValue(), UNSET);
    assert.deepEqual(r.readValue(), Buffer.alloc(40, 7));
    assert.deepEqual({ ...r.readStringMap() }, { CQL_VERSION: '3.0.0', __proto__x: 'y' });
    assert.deepEqual({ ...r.readStringMultimap() }, { COMPRESSION: [], CQL_VERSION: ['3.4.5'] });
    assert.deepEqual(r.readBytesMap(), new Map([['k', Buffer.from('v')]]));
    assert.deepEqual(r.readUuid(), uuid);
    assert.deepEqual(r.readInet(), { address: '10.0.0.1', port: 9042 });
    assert.deepEqual(r.readInet(), { address: '::1', port: 7000 });
    assert.equal(r.readConsistency(), 10);
    assert.equal(r.remaining, 0);
  });

  it('throws ProtocolError (never RangeError) when reading past the end', () => {
    const reads: Array<(r: BodyReader) => unknown> = [
      (r) => r.readByte(), (r) => r.readShort(), (r) => r.readInt(), (r) => r.readLong(), (r) => r.readString(),
      (r) => r.readLongString(), (r) => r.readBytes(), (r) => r.readShortBytes(), (r) => r.readValue(),
      (r) => r.readUuid(), (r) => r.readInet(), (r) => r.readStringMap(), (r) => r.readConsistency(),
    ];
    for (const len of [0, 1, 3]) {
      for (const read of reads) {
        // 0x7f bytes make every length prefix large and positive; only fixed-size reads that fit may succeed.
        try {
          read(new BodyReader(Buffer.alloc(len, 0x7f)));
          assert.ok(len > 0, 'a read from an empty buffer must fail');
        } catch (e) {
          assert.ok(e instanceof ProtocolError, String(e));
        }
      }
    }
  });

  it('rejects invalid UTF-8, bad [value] lengths, unsafe longs and unknown consistencies', () => {
    assert.throws(() => new BodyReader(Buffer.from([0, 2, 0xc3, 0x28])).readString(), ProtocolError);
    assert.throws(() => new BodyReader(Buffer.from([0, 0, 0, 3, 0xed, 0xa0, 0x80])).readLongString(), ProtocolError);
    assert.throws(() => new BodyReader(Buffer.from([0xff, 0xff, 0xff, 0xfd])).readValue(), ProtocolError);
    assert.throws(() => new BodyReader(Buffer.from([0xff, 0xff, 0xff, 0xfd])).readLongString(), ProtocolError);
    const big = Buffer.alloc(8);
    big.writeBigInt64BE(2n ** 53n);
    assert.throws(() => new BodyReader(big).readLong(), ProtocolError);
    big.writeBigInt64BE(-(2n ** 63n));
    assert.throws(() => new BodyReader(big).readLong(), ProtocolError);
    assert.equal(new BodyReader(big).readLongBig(), -(2n ** 63n));
    assert.throws(() => new BodyReader(Buffer.from([0, 11])).readConsistency(), ProtocolError);
    assert.throws(() => new BodyReader(Buffer.from([5, 1, 2, 3, 4, 5, 0, 0, 0, 0])).readInet(), ProtocolError);
  });

  it('keeps a leading BOM in strings', () => {
    const r = new BodyReader(Buffer.from([0, 4, 0xef, 0xbb, 0xbf, 0x41]));
    assert.equal(r.readString(), '\ufeffA');
  });

  it('take() hands out views that later writes and growth never overwrite', () => {
    const w = new BodyWriter(16);
    w.writeInt(1);
    const a = w.take();
    w.writeBytes(Buffer.alloc(100, 9)); // forces a new slab
    const b = w.take();
    w.writeInt(2);
    const c = w.take();
    assert.deepEqual(a, Buffer.from([0, 0, 0, 1]));
    assert.equal(b.length, 104);
    assert.deepEqual(c, Buffer.from([0, 0, 0, 2]));
  });

  it('rejects strings longer than a [string] can carry', () => {
    const w = new BodyWriter();
    assert.throws(() => w.writeString('x'.repeat(70000)));
  });

  it('parses and formats inet addresses', () => {
    assert.equal(formatInet(parseInet('127.0.0.1')), '127.0.0.1');
    assert.equal(formatInet(parseInet('2001:db8::8:800:200c:417a')), '2001:db8::8:800:200c:417a');
    assert.equal(formatInet(parseInet('::ffff:10.1.2.3')), '::ffff:a01:203');
    assert.equal(formatInet(parseInet('1:2:3:4:5:6:7:8')), '1:2:3:4:5:6:7:8');
    assert.equal(parseInet('::').length, 16);
    assert.throws(() => parseInet('1.2.3.256'));
    assert.throws(() => parseInet('1::2::3'));
    assert.throws(() => parseInet('localhost'));
  });
});
