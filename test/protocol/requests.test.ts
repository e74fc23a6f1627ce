import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BodyWriter } from '../../src/protocol/buffers.ts';
import { Consistency, ProtocolError } from '../../src/model/errors.ts';
import { FrameDecoder, FrameFlag } from '../../src/protocol/frame.ts';
import { Opcode, UNSET, type Request } from '../../src/protocol/messages.ts';
import { decodeFrameRequest, decodeRequest, skipCustomPayload } from '../../src/protocol/requests.ts';
import { encodeRequestBody, frame } from './helpers.ts';

const id = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');

const requests: Request[] = [
  { opcode: Opcode.STARTUP, options: { CQL_VERSION: '3.0.0', DRIVER_NAME: 'x', DRIVER_VERSION: '1' } },
  { opcode: Opcode.OPTIONS },
  {
    opcode: Opcode.QUERY,
    query: 'SELECT * FROM ks.t',
    params: { consistency: Consistency.LOCAL_ONE, values: [], skipMetadata: false },
  },
  {
    opcode: Opcode.QUERY,
    query: 'INSERT INTO ks.t (k, v, w) VALUES (?, ?, ?) — ünïcode',
    params: {
      consistency: Consistency.QUORUM,
      values: [Buffer.from([0, 0, 0, 1]), null, UNSET],
      skipMetadata: true,
      pageSize: 5000,
      pagingState: Buffer.from('state'),
      serialConsistency: Consistency.LOCAL_SERIAL,
      timestamp: 1_712_345_678_901_234,
    },
  },
  {
    opcode: Opcode.QUERY,
    query: 'SELECT * FROM t WHERE a = :a AND b = :b',
    params: {
      consistency: Consistency.ONE,
      values: [Buffer.from('x'), Buffer.alloc(0)],
      names: ['a', 'b'],
      skipMetadata: false,
      pageSize: 10,
    },
  },
  { opcode: Opcode.PREPARE, query: 'SELECT v FROM ks.t WHERE k = ?' },
  {
    opcode: Opcode.EXECUTE,
    id,
    params: { consistency: Consistency.LOCAL_QUORUM, values: [Buffer.from([1])], skipMetadata: true, timestamp: -5 },
  },
  { opcode: Opcode.REGISTER, events: ['TOPOLOGY_CHANGE', 'STATUS_CHANGE', 'SCHEMA_CHANGE'] },
  { opcode: Opcode.AUTH_RESPONSE, token: Buffer.from('\0cassandra\0cassandra') },
  { opcode: Opcode.AUTH_RESPONSE, token: null },
  {
    opcode: Opcode.BATCH,
    batch: {
      type: 1,
      children: [
        { query: 'INSERT INTO t (k) VALUES (?)', values: [Buffer.from([0, 0, 0, 2])] },
        { id, values: [null, UNSET, Buffer.from('abc')] },
        { query: 'DELETE FROM t WHERE k = 1', values: [] },
      ],
      consistency: Consistency.ONE,
      serialConsistency: Consistency.SERIAL,
      timestamp: 42,
    },
  },
  { opcode: Opcode.BATCH, batch: { type: 2, children: [], consistency: Consistency.ALL } },
];

function plain(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x, (_k, v: unknown) => (v === UNSET ? '<unset>' : v)));
}

describe('decodeRequest', () => {
  for (const req of requests) {
    it(`round-trips ${JSON.stringify(plain(req)).slice(0, 90)}`, () => {
      const decoded = decodeRequest(req.opcode, encodeRequestBody(req));
      assert.deepEqual(plain(decoded), plain(req));
      if (req.opcode === Opcode.QUERY && req.params.values.includes(UNSET)) {
        assert.ok(decoded.opcode === Opcode.QUERY && decoded.params.values[2] === UNSET);
      }
    });
  }

  it('tolerates trailing bytes after a complete body', () => {
    const body = Buffer.concat([encodeRequestBody(requests[5]!), Buffer.from([1, 2, 3])]);
    assert.equal((decodeRequest(Opcode.PREPARE, body) as { query: string }).query, 'SELECT v FROM ks.t WHERE k = ?');
  });

  it('treats a non-positive page size as no paging and skips a null paging state', () => {
    const w = new BodyWriter();
    w.writeLongString('q');
    w.writeShort(1);
    w.writeByte(0x04 | 0x08);
    w.writeInt(-1);
    w.writeBytes(null);
    const r = decodeRequest(Opcode.QUERY, Buffer.from(w.take()));
    assert.ok(r.opcode === Opcode.QUERY);
    assert.equal(r.params.pageSize, undefined);
    assert.equal(r.params.pagingState, undefined);
  });

  it('skips a custom payload when the frame flag says so', () => {
    const w = new BodyWriter();
    w.writeBytesMap(new Map([['k', Buffer.from('v')], ['n', null]]));
    const payload = Buffer.from(w.take());
    const body = encodeRequestBody(requests[5]!);
    assert.deepEqual(skipCustomPayload(Buffer.concat([payload, body])), body);
    const d = new FrameDecoder();
    d.push(frame(Opcode.PREPARE, Buffer.concat([payload, body]), { flags: FrameFlag.CUSTOM_PAYLOAD | FrameFlag.TRACING }));
    const [item] = d.drain();
    assert.ok(item?.kind === 'frame');
    assert.deepEqual(decodeFrameRequest(item.frame), requests[5]);
  });

  it('rejects unknown and response opcodes', () => {
    assert.throws(() => decodeRequest(0x04, Buffer.alloc(0)), (e) => e instanceof ProtocolError && e.message === 'Unknown opcode 4');
    assert.throws(() => decodeRequest(0x42, Buffer.alloc(0)), { message: 'Unknown opcode 66' });
    for (const op of [Opcode.ERROR, Opcode.READY, Opcode.RESULT, Opcode.SUPPORTED, Opcode.EVENT, Opcode.AUTH_SUCCESS]) {
      assert.throws(() => decodeRequest(op, Buffer.alloc(0)), ProtocolError);
    }
  });

  it('rejects malformed bodies with ProtocolError', () => {
    const bad: Array<[number, number[]]> = [
      [Opcode.QUERY, []],
      [Opcode.QUERY, [0, 0, 0, 1, 0x41]], // no parameters
      [Opcode.QUERY, [0, 0, 0, 0, 0, 99, 0]], // unknown consistency
      [Opcode.QUERY, [0, 0, 0, 0, 0, 1, 1, 0, 1, 0xff, 0xff, 0xff, 0xf0]], // value length < -2
      [Opcode.EXECUTE, [0, 5, 1]],
      [Opcode.BATCH, [3, 0, 0, 0, 1, 0]], // batch type 3
      [Opcode.BATCH, [0, 0, 1, 2]], // child kind 2
      [Opcode.REGISTER, [0, 1, 0, 3, 0x46, 0x4f, 0x4f]], // 'FOO'
      [Opcode.STARTUP, [0, 1, 0, 1]],
      [Opcode.PREPARE, [0, 0, 0, 2, 0xc3, 0x28]], // invalid UTF-8
    ];
    for (const [op, bytes] of bad) assert.throws(() => decodeRequest(op, Buffer.from(bytes)), ProtocolError);
  });
});
