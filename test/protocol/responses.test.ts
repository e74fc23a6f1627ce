import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { T, typeToCql, type CqlType } from '../../src/model/types.ts';
import { BodyReader, BodyWriter } from '../../src/protocol/buffers.ts';
import {
  AlreadyExistsError, Consistency, ErrorCode, FunctionFailureError, InvalidRequestError, ReadFailureError,
  ReadTimeoutError, ServerError, UnavailableError, UnpreparedError, WriteFailureError, WriteTimeoutError,
  type CqlError,
} from '../../src/model/errors.ts';
import { Opcode, type ColumnSpec, type Response } from '../../src/protocol/messages.ts';
import { encodeError, encodeEvent, encodeFrames, encodeResponse, toCqlError, truncateUtf8 } from '../../src/protocol/responses.ts';
import { readTypeOption, writeTypeOption } from '../../src/protocol/type-option.ts';

function header(buf: Buffer) {
  return { version: buf[0], flags: buf[1], stream: buf.readInt16BE(2), opcode: buf[4], length: buf.readUInt32BE(5) };
}

function body(buf: Buffer): BodyReader {
  assert.equal(buf.readUInt32BE(5), buf.length - 9, 'length field matches');
  return new BodyReader(buf, 9);
}

const col = (name: string, type: CqlType, table = 't'): ColumnSpec => ({ keyspace: 'ks', table, name, type });

interface Meta {
  flags: number;
  count: number;
  pagingState?: Buffer | null;
  global?: [string, string];
  columns: Array<{ ks?: string; table?: string; name: string; type: string }>;
}

function readMeta(r: BodyReader, prepared = false): Meta & { pk?: number[] } {
  const flags = r.readInt();
  const count = r.readInt();
  const m: Meta & { pk?: number[] } = { flags, count, columns: [] };
  if (prepared) {
    const n = r.readInt();
    m.pk = [];
    for (let i = 0; i < n; i++) m.pk.push(r.readShort());
  }
  if (flags & 2) m.pagingState = r.readBytes();
  if (flags & 4) return m;
  if (flags & 1) m.global = [r.readString(), r.readString()];
  for (let i = 0; i < count; i++) {
    const c: Meta['columns'][number] = { name: '', type: '' };
    if (!(flags & 1)) {
      c.ks = r.readString();
      c.table = r.readString();
    }
    c.name = r.readString();
    c.type = typeToCql(readTypeOption(r));
    m.columns.push(c);
  }
  return m;
}

describe('encodeResponse', () => {
  it('encodes READY, SUPPORTED, AUTHENTICATE and AUTH_SUCCESS', () => {
    const ready = encodeResponse(3, { opcode: Opcode.READY });
    assert.deepEqual(header(ready), { version: 0x84, flags: 0, stream: 3, opcode: Opcode.READY, length: 0 });
    const sup = encodeResponse(0, { opcode: Opcode.SUPPORTED, options: { CQL_VERSION: ['3.4.5'], COMPRESSION: [] } });
    assert.deepEqual({ ...body(sup).readStringMultimap() }, { CQL_VERSION: ['3.4.5'], COMPRESSION: [] });
    const auth = encodeResponse(1, { opcode: Opcode.AUTHENTICATE, authenticator: 'org.apache.cassandra.auth.PasswordAuthenticator' });
    assert.equal(body(auth).readString(), 'org.apache.cassandra.auth.PasswordAuthenticator');
    assert.equal(body(encodeResponse(1, { opcode: Opcode.AUTH_SUCCESS, token: null })).readBytes(), null);
  });

  it('encodes Void and Set_keyspace results', () => {
    const v = encodeResponse(9, { opcode: Opcode.RESULT, result: { kind: 'void' } });
    assert.equal(header(v).opcode, Opcode.RESULT);
    assert.equal(body(v).readInt(), 1);
    const r = body(encodeResponse(9, { opcode: Opcode.RESULT, result: { kind: 'set_keyspace', keyspace: 'ks' } }));
    assert.equal(r.readInt(), 3);
    assert.equal(r.readString(), 'ks');
  });

  it('encodes Rows with a global table spec, paging state and null cells', () => {
    const columns = [col('k', T.int), col('v', T.text), col('d', T.duration)];
    const big = Buffer.alloc(1000, 1);
    const buf = encodeResponse(2, {
      opcode: Opcode.RESULT,
      result: { kind: 'rows', columns, rows: [[Buffer.from([0, 0, 0, 1]), null, big], [Buffer.alloc(0), Buffer.from('x'), null]], pagingState: Buffer.from('ps') },
    });
    const r = body(buf);
    assert.equal(r.readInt(), 2);
    const m = readMeta(r);
    assert.equal(m.flags, 0x0003);
    assert.equal(m.count, 3);
    assert.deepEqual(m.pagingState, Buffer.from('ps'));
    assert.deepEqual(m.global, ['ks', 't']);
    assert.deepEqual(m.columns.map((c) => `${c.name} ${c.type}`), ['k int', 'v text', 'd duration']);
    assert.equal(r.readInt(), 2);
    assert.deepEqual([r.readBytes(), r.readBytes(), r.readBytes()], [Buffer.from([0, 0, 0, 1]), null, big]);
    assert.deepEqual([r.readBytes(), r.readBytes(), r.readBytes()], [Buffer.alloc(0), Buffer.from('x'), null]);
    assert.equal(r.remaining, 0);
  });

  it('encodes Rows without metadata and with per-column specs across tables', () => {
    const columns = [col('a', T.int), col('b', T.int, 'other')];
    const r = body(encodeResponse(2, { opcode: Opcode.RESULT, result: { kind: 'rows', columns, rows: [], noMetadata: true } }));
    assert.equal(r.readInt(), 2);
    assert.deepEqual(readMeta(r), { flags: 4, count: 2, columns: [] });
    assert.equal(r.readInt(), 0);
    const r2 = body(encodeResponse(2, { opcode: Opcode.RESULT, result: { kind: 'rows', columns, rows: [] } }));
    r2.readInt();
    const m = readMeta(r2);
    assert.equal(m.flags, 0);
    assert.deepEqual(m.columns.map((c) => c.table), ['t', 'other']);
  });

  it('refuses a row whose width differs from the metadata, leaving the writer clean', () => {
    const w = new BodyWriter();
    assert.throws(() => encodeResponse(1, { opcode: Opcode.RESULT, result: { kind: 'rows', columns: [col('a', T.int)], rows: [[null, null]] } }, w), ServerError);
    assert.equal(w.length, 0);
  });

  it('encodes Prepared with pk indexes, bind metadata and result metadata', () => {
    const id = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const r = body(encodeResponse(4, {
      opcode: Opcode.RESULT,
      result: {
        kind: 'prepared', id,
        variables: [col('k2', T.text), col('k1', T.int)],
        pkIndexes: [1, 0],
        resultColumns: [col('v', { kind: 'map', key: T.text, value: { kind: 'list', element: T.int, frozen: true }, frozen: false })],
      },
    }));
    assert.equal(r.readInt(), 4);
    assert.deepEqual(r.readShortBytes(), id);
    const vars = readMeta(r, true);
    assert.deepEqual(vars.pk, [1, 0]);
    assert.deepEqual(vars.global, ['ks', 't']);
    assert.deepEqual(vars.columns.map((c) => c.name), ['k2', 'k1']);
    const res = readMeta(r);
    assert.equal(res.flags, 1);
    assert.deepEqual(res.columns.map((c) => c.type), ['map<text, frozen<list<int>>>']);
    assert.equal(r.remaining, 0);

    const dml = body(encodeResponse(4, { opcode: Opcode.RESULT, result: { kind: 'prepared', id, variables: [], pkIndexes: [], resultColumns: [] } }));
    dml.readInt();
    dml.readShortBytes();
    assert.deepEqual(readMeta(dml, true), { flags: 0, count: 0, pk: [], columns: [] });
    assert.deepEqual(readMeta(dml), { flags: 4, count: 0, columns: [] });
    assert.equal(dml.remaining, 0);
  });

  it('encodes Schema_change results and events on stream -1', () => {
    const r = body(encodeResponse(1, { opcode: Opcode.RESULT, result: { kind: 'schema_change', change: 'CREATED', target: 'FUNCTION', keyspace: 'ks', name: 'f', argTypes: ['int', 'text'] } }));
    assert.equal(r.readInt(), 5);
    assert.deepEqual([r.readString(), r.readString(), r.readString(), r.readString(), r.readStringList()], ['CREATED', 'FUNCTION', 'ks', 'f', ['int', 'text']]);

    const ev = encodeEvent({ type: 'STATUS_CHANGE', change: 'UP', address: '10.1.2.3', port: 9042 });
    assert.equal(header(ev).stream, -1);
    assert.equal(header(ev).opcode, Opcode.EVENT);
    const e = body(ev);
    assert.deepEqual([e.readString(), e.readString(), e.readInet()], ['STATUS_CHANGE', 'UP', { address: '10.1.2.3', port: 9042 }]);
    const ks = body(encodeEvent({ type: 'SCHEMA_CHANGE', change: 'DROPPED', target: 'KEYSPACE', keyspace: 'ks' }));
    assert.deepEqual([ks.readString(), ks.readString(), ks.readString(), ks.readString(), ks.remaining], ['SCHEMA_CHANGE', 'DROPPED', 'KEYSPACE', 'ks', 0]);
    const topo = body(encodeEvent({ type: 'TOPOLOGY_CHANGE', change: 'NEW_NODE', address: 'fe80::1', port: 9042 }));
    assert.deepEqual([topo.readString(), topo.readString(), topo.readInet()], ['TOPOLOGY_CHANGE', 'NEW_NODE', { address: 'fe80::1', port: 9042 }]);
  });

  it('coalesces several frames into one buffer that a decoder splits again', () => {
    const out = encodeFrames([
      { stream: 1, response: { opcode: Opcode.READY } },
      { stream: 2, error: new InvalidRequestError('nope') },
      { stream: 3, response: { opcode: Opcode.RESULT, result: { kind: 'void' } } },
    ]);
    const streams: number[] = [];
    let off = 0;
    while (off < out.length) {
      streams.push(out.readInt16BE(off + 2));
      off += 9 + out.readUInt32BE(off + 5);
    }
    assert.equal(off, out.length);
    assert.deepEqual(streams, [1, 2, 3]);
  });
});

describe('encodeError', () => {
  const cases: Array<[CqlError, (r: BodyReader) => unknown[], unknown[]]> = [
    [new UnavailableError(Consistency.QUORUM, 2, 1), (r) => [r.readShort(), r.readInt(), r.readInt()], [4, 2, 1]],
    [new WriteTimeoutError(Consistency.ONE, 0, 1, 'BATCH_LOG'), (r) => [r.readShort(), r.readInt(), r.readInt(), r.readString()], [1, 0, 1, 'BATCH_LOG']],
    [new ReadTimeoutError(Consistency.ALL, 1, 3, true), (r) => [r.readShort(), r.readInt(), r.readInt(), r.readByte()], [5, 1, 3, 1]],
    [new ReadFailureError(Consistency.TWO, 1, 2, 1, false), (r) => [r.readShort(), r.readInt(), r.readInt(), r.readInt(), r.readByte()], [2, 1, 2, 1, 0]],
    [new WriteFailureError(Consistency.THREE, 1, 3, 2, 'COUNTER'), (r) => [r.readShort(), r.readInt(), r.readInt(), r.readInt(), r.readString()], [3, 1, 3, 2, 'COUNTER']],
    [new FunctionFailureError('boom', 'ks', 'f', ['int']), (r) => [r.readString(), r.readString(), r.readStringList()], ['ks', 'f', ['int']]],
    [new AlreadyExistsError('ks', ''), (r) => [r.readString(), r.readString()], ['ks', '']],
    [new AlreadyExistsError('ks', 't'), (r) => [r.readString(), r.readString()], ['ks', 't']],
    [new UnpreparedError(Buffer.from([1, 2, 3])), (r) => [r.readShortBytes()], [Buffer.from([1, 2, 3])]],
    [new InvalidRequestError('unconfigured table x'), () => [], []],
  ];
  for (const [err, read, expected] of cases) {
    it(`encodes ${err.constructor.name} (0x${err.code.toString(16)})`, () => {
      const buf = encodeError(17, err);
      assert.deepEqual(header(buf), { version: 0x84, flags: 0, stream: 17, opcode: 0, length: buf.length - 9 });
      const r = body(buf);
      assert.equal(r.readInt(), err.code);
      assert.equal(r.readString(), err.message);
      assert.deepEqual(read(r), expected);
      assert.equal(r.remaining, 0);
    });
  }

  it('truncates huge messages to fit a [string]', () => {
    const r = body(encodeError(1, new InvalidRequestError('é'.repeat(50000))));
    assert.equal(r.readInt(), ErrorCode.INVALID);
    assert.ok(Buffer.byteLength(r.readString()) <= 0xffff);
    assert.equal(truncateUtf8('a😀b', 2), 'a');
    assert.equal(truncateUtf8('a😀b', 5), 'a😀');
    assert.equal(truncateUtf8('abc', 2), 'ab');
  });

  it('maps foreign exceptions to ServerError', () => {
    assert.ok(toCqlError(new TypeError('x')) instanceof ServerError);
    const inv = new InvalidRequestError('y');
    assert.equal(toCqlError(inv), inv);
  });
});

describe('type options', () => {
  const types: CqlType[] = [
    T.ascii, T.bigint, T.blob, T.boolean, T.counter, T.date, T.decimal, T.double, T.duration, T.float, T.inet, T.int,
    T.smallint, T.text, T.time, T.timestamp, T.timeuuid, T.tinyint, T.uuid, T.varint,
    { kind: 'list', element: T.int, frozen: false },
    { kind: 'set', element: { kind: 'tuple', elements: [T.text, T.duration] }, frozen: false },
    { kind: 'map', key: T.timeuuid, value: { kind: 'set', element: T.text, frozen: true }, frozen: false },
    { kind: 'udt', keyspace: 'ks', name: 'addr', fieldNames: ['street', 'zip'], fieldTypes: [T.text, T.int], frozen: false },
  ];
  for (const t of types) {
    it(`round-trips ${typeToCql(t)}`, () => {
      const w = new BodyWriter();
      writeTypeOption(w, t);
      const r = new BodyReader(Buffer.from(w.take()));
      const back = readTypeOption(r);
      assert.equal(typeToCql(back), typeToCql(t));
      assert.equal(r.remaining, 0);
    });
  }

  it('uses the ids drivers expect', () => {
    const bytes = (t: CqlType) => {
      const w = new BodyWriter();
      writeTypeOption(w, t);
      return Buffer.from(w.take());
    };
    assert.equal(bytes(T.text).toString('hex'), '000d');
    assert.equal(bytes(T.counter).toString('hex'), '0005');
    assert.equal(bytes(T.duration).toString('hex'), '0000' + '002c' + Buffer.from('org.apache.cassandra.db.marshal.DurationType').toString('hex'));
    assert.equal(bytes({ kind: 'list', element: T.int, frozen: true }).toString('hex'), '00200009');
    assert.equal(bytes({ kind: 'map', key: T.int, value: T.text, frozen: true }).toString('hex'), '00210009000d');
    assert.equal(bytes({ kind: 'set', element: T.int, frozen: true }).toString('hex'), '00220009');
    assert.equal(bytes({ kind: 'tuple', elements: [T.int, T.int] }).toString('hex'), '0031000200090009');
    assert.equal(bytes({ kind: 'udt', keyspace: 'k', name: 'u', fieldNames: ['f'], fieldTypes: [T.int], frozen: true }).toString('hex'), '00300001' + '6b' + '0001' + '75' + '0001' + '0001' + '66' + '0009');
    assert.equal(readTypeOption(new BodyReader(Buffer.from([0, 0x0a]))).kind, 'native');
  });
});
