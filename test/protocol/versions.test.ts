// What differs between native protocol v3, v4 and v5 in request and response bodies (native_protocol_v5.spec §9
// "Changes from v4", v4 §10 "Changes from v3"), decoded and encoded as Cassandra 5.0 does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { T, type CqlType } from '../../src/model/types.ts';
import { BodyReader, BodyWriter } from '../../src/protocol/buffers.ts';
import {
  Consistency, ErrorCode, FunctionFailureError, ProtocolError, ReadFailureError, RequestFailureReason, WriteFailureError,
} from '../../src/model/errors.ts';
import { FrameFlag, type Frame } from '../../src/protocol/frame.ts';
import { Opcode, UNSET, type ColumnSpec } from '../../src/protocol/messages.ts';
import { decodeFrameRequest, decodeRequest, QueryFlag } from '../../src/protocol/requests.ts';
import { resultMetadataId } from '../../src/protocol/column-specs.ts';
import { encodeError, encodeEvent, encodeResponse, RowsFlag } from '../../src/protocol/responses.ts';
import { TypeId, writeTypeOption, readTypeOption } from '../../src/protocol/type-option.ts';
import { unsupportedVersionMessage, versionName } from '../../src/protocol/versions.ts';

const col = (name: string, type: CqlType): ColumnSpec => ({ keyspace: 'ks', table: 't', name, type });

/** A v5 QUERY body with every flag the spec defines for it. */
function v5Query(): Buffer {
  const w = new BodyWriter(64);
  w.writeLongString('SELECT * FROM t WHERE k = ?');
  w.writeShort(Consistency.LOCAL_QUORUM);
  w.writeInt(QueryFlag.VALUES | QueryFlag.PAGE_SIZE | QueryFlag.DEFAULT_TIMESTAMP | QueryFlag.WITH_KEYSPACE | QueryFlag.NOW_IN_SECONDS);
  w.writeShort(2);
  w.writeValue(Buffer.from([0, 0, 0, 7]));
  w.writeValue(UNSET);
  w.writeInt(100);
  w.writeLong(1234567);
  w.writeString('other_ks');
  w.writeInt(1_700_000_000);
  return Buffer.from(w.take());
}

describe('v5 request bodies', () => {
  it('QUERY: [int] flags, then keyspace and now_in_seconds after the timestamp', () => {
    const r = decodeRequest(Opcode.QUERY, v5Query(), 5);
    assert.ok(r.opcode === Opcode.QUERY);
    assert.equal(r.params.consistency, Consistency.LOCAL_QUORUM);
    assert.deepEqual(r.params.values, [Buffer.from([0, 0, 0, 7]), UNSET]);
    assert.equal(r.params.pageSize, 100);
    assert.equal(r.params.timestamp, 1234567);
    assert.equal(r.params.keyspace, 'other_ks');
    assert.equal(r.params.nowInSeconds, 1_700_000_000);
    // The same bytes read as v4 take the first flag byte (0) for the flags: values are not even looked for.
    const v4 = decodeRequest(Opcode.QUERY, v5Query(), 4);
    assert.ok(v4.opcode === Opcode.QUERY && v4.params.values.length === 0 && v4.params.keyspace === undefined);
  });

  it('PREPARE: [int] flags and the keyspace', () => {
    const w = new BodyWriter(64);
    w.writeLongString('SELECT 1 FROM t');
    w.writeInt(0x01);
    w.writeString('ks2');
    const body = Buffer.from(w.take());
    assert.deepEqual(decodeRequest(Opcode.PREPARE, body, 5), { opcode: Opcode.PREPARE, query: 'SELECT 1 FROM t', keyspace: 'ks2' });
    const noKs = Buffer.concat([body.subarray(0, 4 + 15), Buffer.from([0, 0, 0, 0])]);
    assert.deepEqual(decodeRequest(Opcode.PREPARE, noKs, 5), { opcode: Opcode.PREPARE, query: 'SELECT 1 FROM t' });
  });

  it('EXECUTE: the result metadata id follows the statement id', () => {
    const w = new BodyWriter(64);
    w.writeShortBytes(Buffer.from('0123456789abcdef'));
    w.writeShortBytes(Buffer.from('fedcba9876543210'));
    w.writeShort(Consistency.ONE);
    w.writeInt(QueryFlag.SKIP_METADATA);
    const r = decodeRequest(Opcode.EXECUTE, Buffer.from(w.take()), 5);
    assert.ok(r.opcode === Opcode.EXECUTE);
    assert.equal(r.id.toString(), '0123456789abcdef');
    assert.equal(r.resultMetadataId?.toString(), 'fedcba9876543210');
    assert.equal(r.params.skipMetadata, true);
  });

  it('BATCH: [int] flags and the keyspace after the timestamp', () => {
    const w = new BodyWriter(64);
    w.writeByte(1);
    w.writeShort(1);
    w.writeByte(0);
    w.writeLongString('INSERT INTO t (k) VALUES (1)');
    w.writeShort(0);
    w.writeShort(Consistency.QUORUM);
    w.writeInt(QueryFlag.DEFAULT_TIMESTAMP | QueryFlag.WITH_KEYSPACE);
    w.writeLong(99);
    w.writeString('bks');
    const r = decodeRequest(Opcode.BATCH, Buffer.from(w.take()), 5);
    assert.ok(r.opcode === Opcode.BATCH);
    assert.equal(r.batch.type, 1);
    assert.equal(r.batch.timestamp, 99);
    assert.equal(r.batch.keyspace, 'bks');
  });
});

describe('v3 request bodies', () => {
  const frameOf = (version: number, flags: number, body: Buffer): Frame => ({ version, flags, stream: 1, opcode: Opcode.QUERY, body });
  const v4Query = (): Buffer => {
    const w = new BodyWriter(64);
    w.writeLongString('SELECT * FROM t WHERE k = ?');
    w.writeShort(Consistency.ONE);
    w.writeByte(QueryFlag.VALUES);
    w.writeShort(2);
    w.writeValue(UNSET);
    w.writeValue(null);
    return Buffer.from(w.take());
  };

  it('reads an "unset" value (-2) as null, as Cassandra 5.0 does for v3', () => {
    const r = decodeFrameRequest(frameOf(3, 0, v4Query()));
    assert.ok(r.opcode === Opcode.QUERY);
    assert.deepEqual(r.params.values, [null, null]);
    const r4 = decodeFrameRequest(frameOf(4, 0, v4Query()));
    assert.ok(r4.opcode === Opcode.QUERY && r4.params.values[0] === UNSET);
  });

  it('refuses the custom payload flag, which v3 does not have, with Cassandra\'s message', () => {
    const payload = Buffer.concat([Buffer.from([0, 0]), v4Query()]);
    assert.throws(() => decodeFrameRequest(frameOf(3, FrameFlag.CUSTOM_PAYLOAD, payload)),
      (e) => e instanceof ProtocolError && e.message === 'Received frame with CUSTOM_PAYLOAD flag for native protocol version < 4');
    assert.equal(decodeFrameRequest(frameOf(4, FrameFlag.CUSTOM_PAYLOAD, payload)).opcode, Opcode.QUERY);
  });
});

function bodyOf(buf: Buffer): BodyReader {
  return new BodyReader(buf, 9);
}

describe('v5 responses', () => {
  const columns = [col('k', T.int), col('v', T.text)];

  it('PREPARED carries the result metadata id, the same one for the same columns', () => {
    const prepared = { kind: 'prepared' as const, id: Buffer.alloc(16, 1), variables: [col('k', T.int)], pkIndexes: [0], resultColumns: columns };
    const r = bodyOf(encodeResponse(1, { opcode: Opcode.RESULT, result: prepared }, undefined, 5));
    assert.equal(r.readInt(), 4);
    assert.deepEqual(r.readShortBytes(), prepared.id);
    const metaId = r.readShortBytes();
    assert.deepEqual(metaId, resultMetadataId(columns));
    assert.deepEqual(metaId, resultMetadataId([col('k', T.int), col('v', T.text)]), 'ids depend on content, not identity');
    assert.notDeepEqual(metaId, resultMetadataId([col('k', T.int), col('v', T.int)]));
    // v4 has no such id: the variables' metadata flags follow the statement id directly.
    const r4 = bodyOf(encodeResponse(1, { opcode: Opcode.RESULT, result: prepared }, undefined, 4));
    r4.readInt();
    r4.readShortBytes();
    assert.equal(r4.readInt(), RowsFlag.GLOBAL_TABLES_SPEC);
  });

  it('ROWS with Metadata_changed: the new id after the paging state, and the full metadata', () => {
    const newId = Buffer.alloc(16, 9);
    const rows = { kind: 'rows' as const, columns, rows: [[Buffer.from([0, 0, 0, 1]), null]], noMetadata: true, newMetadataId: newId, pagingState: Buffer.from('ps') };
    const r = bodyOf(encodeResponse(1, { opcode: Opcode.RESULT, result: rows }, undefined, 5));
    assert.equal(r.readInt(), 2);
    const flags = r.readInt();
    assert.equal(flags, RowsFlag.METADATA_CHANGED | RowsFlag.HAS_MORE_PAGES | RowsFlag.GLOBAL_TABLES_SPEC);
    assert.equal(r.readInt(), 2);
    assert.deepEqual(r.readBytes(), Buffer.from('ps'));
    assert.deepEqual(r.readShortBytes(), newId);
    assert.deepEqual([r.readString(), r.readString(), r.readString()], ['ks', 't', 'k']);
    // v4 knows no Metadata_changed: the id is dropped and No_metadata honoured.
    const r4 = bodyOf(encodeResponse(1, { opcode: Opcode.RESULT, result: rows }, undefined, 4));
    r4.readInt();
    assert.equal(r4.readInt(), RowsFlag.NO_METADATA | RowsFlag.HAS_MORE_PAGES);
  });

  it('READ_FAILURE and WRITE_FAILURE carry the reason map (address, code) instead of a count', () => {
    const reasons = new Map<string, RequestFailureReason>([['127.0.1.2:7000', RequestFailureReason.READ_TOO_MANY_TOMBSTONES], ['[::1]:7000', RequestFailureReason.UNKNOWN]]);
    const read = new ReadFailureError(Consistency.QUORUM, 1, 2, 2, true, reasons);
    const r = bodyOf(encodeError(3, read, 5));
    assert.equal(r.readInt(), ErrorCode.READ_FAILURE);
    assert.equal(r.readString(), read.message);
    assert.equal(r.readConsistency(), Consistency.QUORUM);
    assert.deepEqual([r.readInt(), r.readInt(), r.readInt()], [1, 2, 2]);
    assert.equal(r.readByte(), 4);
    assert.deepEqual([...r.buf.subarray(r.pos, r.pos + 4)], [127, 0, 1, 2]);
    r.pos += 4;
    assert.equal(r.readShort(), RequestFailureReason.READ_TOO_MANY_TOMBSTONES);
    assert.equal(r.readByte(), 16);
    r.pos += 16;
    assert.equal(r.readShort(), RequestFailureReason.UNKNOWN);
    assert.equal(r.readByte(), 1, 'data_present');
    assert.equal(r.remaining, 0);
    const write = new WriteFailureError(Consistency.ONE, 0, 1, 1, 'SIMPLE', new Map([['10.0.0.1:7000', RequestFailureReason.TIMEOUT]]));
    const w = bodyOf(encodeError(3, write, 5));
    w.readInt();
    w.readString();
    w.readConsistency();
    assert.deepEqual([w.readInt(), w.readInt(), w.readInt(), w.readByte()], [0, 1, 1, 4]);
    w.pos += 4;
    assert.equal(w.readShort(), RequestFailureReason.TIMEOUT);
    assert.equal(w.readString(), 'SIMPLE');
    // v4: the count only.
    const w4 = bodyOf(encodeError(3, write, 4));
    w4.readInt();
    w4.readString();
    w4.readConsistency();
    assert.deepEqual([w4.readInt(), w4.readInt(), w4.readInt(), w4.readString()], [0, 1, 1, 'SIMPLE']);
  });

  it('duration has its own type id from v5 on; v4 names it as Custom', () => {
    const ids = [3, 4, 5].map((v) => {
      const w = new BodyWriter(64);
      writeTypeOption(w, T.duration, v);
      const r = new BodyReader(Buffer.from(w.take()));
      const id = r.readShort();
      return id === TypeId.CUSTOM ? r.readString() : id;
    });
    assert.deepEqual(ids, ['org.apache.cassandra.db.marshal.DurationType', 'org.apache.cassandra.db.marshal.DurationType', TypeId.DURATION]);
  });
});

describe('v3 responses', () => {
  it('date, time, smallint and tinyint are Custom with their Cassandra classes, inside collections too', () => {
    const w = new BodyWriter(64);
    writeTypeOption(w, { kind: 'map', key: T.date, value: { kind: 'list', element: T.tinyint, frozen: true }, frozen: false }, 3);
    writeTypeOption(w, T.time, 3);
    writeTypeOption(w, T.smallint, 3);
    const bytes = Buffer.from(w.take());
    const r = new BodyReader(bytes);
    assert.equal(r.readShort(), TypeId.MAP);
    assert.deepEqual([r.readShort(), r.readString()], [TypeId.CUSTOM, 'org.apache.cassandra.db.marshal.SimpleDateType']);
    assert.equal(r.readShort(), TypeId.LIST);
    assert.deepEqual([r.readShort(), r.readString()], [TypeId.CUSTOM, 'org.apache.cassandra.db.marshal.ByteType']);
    assert.deepEqual([r.readShort(), r.readString()], [TypeId.CUSTOM, 'org.apache.cassandra.db.marshal.TimeType']);
    assert.deepEqual([r.readShort(), r.readString()], [TypeId.CUSTOM, 'org.apache.cassandra.db.marshal.ShortType']);
    // And the reader (cqlsh's client) understands them back.
    const back = new BodyReader(bytes);
    assert.deepEqual(readTypeOption(back).kind, 'map');
    assert.deepEqual(readTypeOption(back), T.time);
    assert.deepEqual(readTypeOption(back), T.smallint);
  });

  it('READ_FAILURE, WRITE_FAILURE and FUNCTION_FAILURE become what v3 has, as Cassandra converts them', () => {
    const rf = bodyOf(encodeError(1, new ReadFailureError(Consistency.ONE, 0, 1, 1, false), 3));
    assert.equal(rf.readInt(), ErrorCode.READ_TIMEOUT);
    assert.equal(rf.readString(), 'Operation timed out - received only 0 responses.');
    assert.deepEqual([rf.readConsistency(), rf.readInt(), rf.readInt(), rf.readByte()], [Consistency.ONE, 0, 1, 0]);
    const wf = bodyOf(encodeError(1, new WriteFailureError(Consistency.ALL, 2, 3, 1, 'BATCH'), 3));
    assert.equal(wf.readInt(), ErrorCode.WRITE_TIMEOUT);
    wf.readString();
    assert.deepEqual([wf.readConsistency(), wf.readInt(), wf.readInt(), wf.readString()], [Consistency.ALL, 2, 3, 'BATCH']);
    const ff = bodyOf(encodeError(1, new FunctionFailureError('boom', 'ks', 'f', ['int']), 3));
    assert.equal(ff.readInt(), ErrorCode.INVALID);
    assert.equal(ff.readString(), 'ERROR FUNCTION_FAILURE: boom');
    assert.equal(ff.remaining, 0);
  });

  it('a function change is reported as an update of its keyspace', () => {
    const ev = encodeEvent({ type: 'SCHEMA_CHANGE', change: 'CREATED', target: 'FUNCTION', keyspace: 'ks', name: 'f', argTypes: ['int'] }, undefined, 3);
    assert.equal(ev[0], 0x83);
    const r = bodyOf(ev);
    assert.deepEqual([r.readString(), r.readString(), r.readString(), r.readString(), r.readString()], ['SCHEMA_CHANGE', 'UPDATED', 'KEYSPACE', 'ks', '']);
    assert.equal(r.remaining, 0);
  });
});

describe('version names', () => {
  it('match Cassandra 5.0\'s', () => {
    assert.deepEqual([3, 4, 5, 6].map(versionName), ['3/v3', '4/v4', '5/v5', '6/v6-beta']);
    assert.equal(unsupportedVersionMessage(66), 'Invalid or unsupported protocol version (66); supported versions are (3/v3, 4/v4, 5/v5, 6/v6-beta)');
  });
});
