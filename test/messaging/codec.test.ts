import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { seededRandom } from '../../src/cluster/env.ts';
import { decodeBody, encodeBody, encodeFrame, FrameDecoder, FrameError } from '../../src/messaging/codec.ts';

const sample = {
  verb: 'MUTATION',
  id: 42,
  token: -9223372036854775808n,
  small: 5n,
  huge: 2n ** 100n,
  negHuge: -(2n ** 90n),
  value: Buffer.from([0, 1, 2, 255]),
  empty: Buffer.alloc(0),
  nested: [[1, [2n, [Buffer.from('x'), { deep: [null, true, 'é', 1.5, -3, 2 ** 40] }]]], []],
  map: { a: { b: { c: [] } }, 'key with spaces': 'v' },
  nothing: undefined,
  nil: null,
};

test('bodies round-trip bigint (int64 and beyond), Buffer, nested arrays and maps', () => {
  const back = decodeBody(encodeBody(sample)) as typeof sample;
  assert.deepEqual(back, sample);
  assert.equal(typeof back.small, 'bigint', 'a small bigint stays a bigint');
  assert.ok(Buffer.isBuffer(back.value), 'bin decodes to a Buffer');
  assert.equal(typeof back.nested[0]![0], 'number', 'numbers stay numbers');
});

test('decoded Buffers do not alias the receive buffer', () => {
  const frame = encodeFrame({ v: Buffer.from('abc') });
  const [value] = new FrameDecoder().push(frame) as [{ v: Buffer }];
  frame.fill(0);
  assert.equal(value.v.toString(), 'abc');
});

test('a JS Map arrives as a plain object (documented: messages are plain data)', () => {
  assert.deepEqual(decodeBody(encodeBody(new Map([['k', 1]]))), { k: 1 });
});

test('property: arbitrary plain values round-trip through frames', () => {
  const leaf = fc.oneof(fc.integer(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.string(), fc.boolean(),
    fc.constant(null), fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)), 
    // -0 packs as the integer 0: msgpack has no negative zero integer, and nobody sends -0 on purpose.
    fc.double({ noNaN: true }).map((d) => (Object.is(d, -0) ? 0 : d)));
  const value = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 4 }),
      fc.dictionary(fc.string({ maxLength: 6 }).filter((k) => k !== '__proto__'), tie('node'), { maxKeys: 4, noNullPrototype: true })),
  })).node;
  fc.assert(fc.property(fc.array(value, { minLength: 1, maxLength: 5 }), (values) => {
    const bytes = Buffer.concat(values.map((v) => encodeFrame(v)));
    const out = new FrameDecoder().push(bytes);
    assert.deepEqual(out, values);
  }), { numRuns: 300 });
});

test('fragmentation: one byte at a time, and random chunk sizes, yield the same frames', () => {
  const values = [sample, { big: Buffer.alloc(100_000, 7) }, 'x', [1n, 2n]];
  const bytes = Buffer.concat(values.map((v) => encodeFrame(v)));
  const oneByOne = new FrameDecoder();
  const out1: unknown[] = [];
  for (let i = 0; i < bytes.length; i++) out1.push(...oneByOne.push(bytes.subarray(i, i + 1)));
  assert.deepEqual(out1, values);
  assert.equal(oneByOne.pendingBytes, 0);

  const random = seededRandom(7);
  for (let run = 0; run < 50; run++) {
    const decoder = new FrameDecoder();
    const out: unknown[] = [];
    for (let i = 0; i < bytes.length;) {
      const n = 1 + random.int(run % 2 === 0 ? 16 : 40_000);
      out.push(...decoder.push(bytes.subarray(i, i + n)));
      i += n;
    }
    assert.deepEqual(out, values);
  }
});

test('garbage: a length above the limit, a zero length, or an undecodable body fail the decoder for good', () => {
  const tooLong = Buffer.alloc(8);
  tooLong.writeUInt32BE(2_000, 0);
  assert.throws(() => new FrameDecoder(1_000).push(tooLong), FrameError);
  // The length alone is enough to reject: no need to wait for 4 GB of body.
  assert.throws(() => new FrameDecoder().push(Buffer.from([0xff, 0xff, 0xff, 0xff])), FrameError);
  assert.throws(() => new FrameDecoder().push(Buffer.from([0, 0, 0, 0])), FrameError);
  // 0xc1 is the one byte msgpack never uses.
  const bad = Buffer.from([0, 0, 0, 1, 0xc1]);
  const decoder = new FrameDecoder();
  assert.throws(() => decoder.push(bad), FrameError);
  assert.throws(() => decoder.push(encodeFrame('fine')), FrameError, 'a failed stream stays failed');
  // Trailing bytes inside a frame's body are not silently ignored.
  const body = Buffer.concat([encodeBody(1), encodeBody(2)]);
  const framed = Buffer.concat([Buffer.from([0, 0, 0, body.length]), body]);
  assert.throws(() => new FrameDecoder().push(framed), FrameError);
  // A truncated value inside a frame is garbage too.
  const cut = Buffer.from([0, 0, 0, 2, 0x92, 0x01]);
  assert.throws(() => new FrameDecoder().push(cut), FrameError);
});

test('random garbage never hangs or crashes the decoder with anything but FrameError', () => {
  const random = seededRandom(99);
  for (let run = 0; run < 2000; run++) {
    const bytes = Buffer.from(Array.from({ length: 1 + random.int(64) }, () => random.int(256)));
    const decoder = new FrameDecoder(1 << 20);
    try {
      decoder.push(bytes);
    } catch (err) {
      assert.ok(err instanceof FrameError, String(err));
    }
  }
});

test('encodeFrame refuses a body above the limit', () => {
  assert.throws(() => encodeFrame(Buffer.alloc(2_000), 1_000), RangeError);
});
