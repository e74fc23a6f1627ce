// Cross-checks against the real Node.js driver: its request classes produce the frames we must decode, and its
// stream parser must read the frames we produce.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { T } from '../../src/model/types.ts';
import {
  AlreadyExistsError, Consistency, ReadTimeoutError, UnavailableError, UnpreparedError, WriteTimeoutError,
  type CqlError,
} from '../../src/model/errors.ts';
import { FrameDecoder, type Frame } from '../../src/protocol/frame.ts';
import { Opcode, UNSET, type ColumnSpec, type Request, type Response } from '../../src/protocol/messages.ts';
import { decodeFrameRequest } from '../../src/protocol/requests.ts';
import { encodeError, encodeEvent, encodeFrames, encodeResponse } from '../../src/protocol/responses.ts';

const require = createRequire(import.meta.url);

interface DriverRequest {
  write(encoder: unknown, streamId: number): Buffer;
}
type Ctor = new (...args: unknown[]) => DriverRequest;
const dreq = require('cassandra-driver/lib/requests.js') as Record<string, Ctor> & { options: DriverRequest };
const Encoder = require('cassandra-driver/lib/encoder.js') as new (v: number, o: object) => unknown;
const { ExecutionOptions } = require('cassandra-driver/lib/execution-options.js') as { ExecutionOptions: new () => object };
const dtypes = require('cassandra-driver/lib/types/index.js') as {
  Long: { fromNumber(n: number): unknown };
  unset: unknown;
};
const { Protocol, Parser } = require('cassandra-driver/lib/streams.js') as {
  Protocol: new (o: object) => NodeJS.ReadWriteStream;
  Parser: new (o: object, e: unknown) => NodeJS.ReadWriteStream;
};

const encoder = new Encoder(4, {});

interface OptValues {
  consistency?: number;
  fetchSize?: number;
  pageState?: Buffer;
  serialConsistency?: number;
  timestamp?: number;
  hints?: unknown[];
  logged?: boolean;
  counter?: boolean;
  customPayload?: Record<string, Buffer>;
}

/** The driver's ExecutionOptions with fixed answers, as DefaultExecutionOptions would compute from a client. */
function options(o: OptValues): object {
  const opts = new ExecutionOptions() as Record<string, unknown>;
  Object.assign(opts, {
    getConsistency: () => o.consistency,
    getFetchSize: () => o.fetchSize,
    getPageState: () => o.pageState,
    getSerialConsistency: () => o.serialConsistency,
    getOrGenerateTimestamp: () => (o.timestamp === undefined ? null : dtypes.Long.fromNumber(o.timestamp)),
    getHints: () => o.hints,
    getCustomPayload: () => o.customPayload,
    isQueryTracing: () => false,
    getKeyspace: () => undefined,
    isBatchLogged: () => o.logged ?? true,
    isBatchCounter: () => o.counter ?? false,
  });
  return opts;
}

function decodeOne(buf: Buffer, expectedStream: number): Request {
  const d = new FrameDecoder();
  for (let i = 0; i < buf.length; i += 3) d.push(buf.subarray(i, i + 3));
  const items = d.drain();
  assert.equal(items.length, 1);
  const item = items[0]!;
  assert.ok(item.kind === 'frame', JSON.stringify(item));
  const frame: Frame = item.frame;
  assert.equal(frame.version, 4);
  assert.equal(frame.stream, expectedStream);
  return decodeFrameRequest(frame);
}

const int = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

describe('decoding what cassandra-driver 4.10 sends', () => {
  it('STARTUP, OPTIONS, REGISTER, PREPARE, AUTH_RESPONSE', () => {
    const s = decodeOne(new dreq.StartupRequest!({ clientId: 'abc' }).write(encoder, 0), 0);
    assert.ok(s.opcode === Opcode.STARTUP);
    assert.equal(s.options.CQL_VERSION, '3.0.0');
    assert.equal(s.options.CLIENT_ID, 'abc');
    assert.equal(decodeOne(dreq.options.write(encoder, 5), 5).opcode, Opcode.OPTIONS);
    const reg = decodeOne(new dreq.RegisterRequest!(['TOPOLOGY_CHANGE', 'STATUS_CHANGE', 'SCHEMA_CHANGE']).write(encoder, 1), 1);
    assert.deepEqual(reg, { opcode: Opcode.REGISTER, events: ['TOPOLOGY_CHANGE', 'STATUS_CHANGE', 'SCHEMA_CHANGE'] });
    assert.deepEqual(decodeOne(new dreq.PrepareRequest!('SELECT * FROM ks.t WHERE k = ?').write(encoder, 2), 2), {
      opcode: Opcode.PREPARE, query: 'SELECT * FROM ks.t WHERE k = ?',
    });
    const auth = decodeOne(new dreq.AuthResponseRequest!(Buffer.from('\0u\0p')).write(encoder, 3), 3);
    assert.deepEqual(auth, { opcode: Opcode.AUTH_RESPONSE, token: Buffer.from('\0u\0p') });
  });

  it('QUERY with values, page size, paging state, serial consistency, timestamp and unset', () => {
    const opts = options({
      consistency: Consistency.LOCAL_ONE, fetchSize: 5000, pageState: Buffer.from('cafe', 'hex'),
      serialConsistency: Consistency.LOCAL_SERIAL, timestamp: 1_712_345_678_901_234, hints: ['int', 'text'],
    });
    const buf = new dreq.QueryRequest!('INSERT INTO t (k, v, w) VALUES (?, ?, ?)', [7, 'hé', dtypes.unset], opts).write(encoder, 42);
    const q = decodeOne(buf, 42);
    assert.ok(q.opcode === Opcode.QUERY);
    assert.equal(q.query, 'INSERT INTO t (k, v, w) VALUES (?, ?, ?)');
    assert.equal(q.params.consistency, Consistency.LOCAL_ONE);
    assert.deepEqual(q.params.values, [int(7), Buffer.from('hé'), UNSET]);
    assert.equal(q.params.pageSize, 5000);
    assert.deepEqual(q.params.pagingState, Buffer.from('cafe', 'hex'));
    assert.equal(q.params.serialConsistency, Consistency.LOCAL_SERIAL);
    assert.equal(q.params.timestamp, 1_712_345_678_901_234);
    assert.equal(q.params.skipMetadata, false);
    assert.equal(q.params.names, undefined);
  });

  it('QUERY with named values and a custom payload', () => {
    const opts = options({ consistency: Consistency.ONE, timestamp: 1, customPayload: { k: Buffer.from('v') } });
    const params = [{ name: 'a', value: 'x' }, { name: 'b', value: null }];
    const q = decodeOne(new dreq.QueryRequest!('SELECT * FROM t WHERE a = :a AND b = :b', params, opts, true).write(encoder, 9), 9);
    assert.ok(q.opcode === Opcode.QUERY);
    assert.deepEqual(q.params.names, ['a', 'b']);
    assert.deepEqual(q.params.values, [Buffer.from('x'), null]);
    assert.equal(q.params.timestamp, 1);
  });

  it('EXECUTE with typed values from prepared metadata', () => {
    const id = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const meta = { columns: [{ type: { code: 0x09 } }, { type: { code: 0x0d } }, { type: { code: 0x02 } }] };
    const opts = options({ consistency: Consistency.QUORUM, fetchSize: 100, timestamp: 99 });
    const e = decodeOne(new dreq.ExecuteRequest!('q', id, [1, 'two', dtypes.Long.fromNumber(3)], opts, meta).write(encoder, 300), 300);
    assert.ok(e.opcode === Opcode.EXECUTE);
    assert.deepEqual(e.id, id);
    assert.deepEqual(e.params.values, [int(1), Buffer.from('two'), Buffer.from([0, 0, 0, 0, 0, 0, 0, 3])]);
    assert.equal(e.params.consistency, Consistency.QUORUM);
    assert.equal(e.params.pageSize, 100);
    assert.equal(e.params.timestamp, 99);
  });

  it('BATCH mixing query strings and prepared ids', () => {
    const id = Buffer.from('ffeeddccbbaa99887766554433221100', 'hex');
    const queries = [
      { query: 'INSERT INTO t (k) VALUES (?)', params: ['a'] },
      { queryId: id, params: [5, null], meta: { columns: [{ type: { code: 0x09 } }, { type: { code: 0x0d } }] } },
    ];
    const opts = options({ consistency: Consistency.TWO, serialConsistency: Consistency.SERIAL, timestamp: 123456789, logged: false });
    const b = decodeOne(new dreq.BatchRequest!(queries, opts).write(encoder, 77), 77);
    assert.ok(b.opcode === Opcode.BATCH);
    assert.deepEqual(b.batch, {
      type: 1,
      children: [
        { query: 'INSERT INTO t (k) VALUES (?)', values: [Buffer.from('a')] },
        { id, values: [int(5), null] },
      ],
      consistency: Consistency.TWO,
      serialConsistency: Consistency.SERIAL,
      timestamp: 123456789,
    });
  });
});

type ParsedItem = Record<string, unknown> & { header: { streamId: number; opcode: number } };

/** Runs our bytes through the driver's Protocol → Parser pipeline, split into small chunks. */
async function driverParse(buf: Buffer): Promise<ParsedItem[]> {
  const protocol = new Protocol({ objectMode: true });
  const parser = new Parser({ objectMode: true }, encoder);
  const out: ParsedItem[] = [];
  parser.on('data', (x: ParsedItem) => {
    if (!x.frameEnded) out.push(x);
  });
  const done = new Promise<void>((resolve, reject) => {
    parser.on('end', resolve);
    parser.on('error', reject);
    protocol.on('error', reject);
  });
  protocol.pipe(parser);
  for (let i = 0; i < buf.length; i += 50) protocol.write(buf.subarray(i, i + 50));
  protocol.end();
  await done;
  return out;
}

const cols: ColumnSpec[] = [
  { keyspace: 'ks', table: 'users', name: 'id', type: T.int },
  { keyspace: 'ks', table: 'users', name: 'name', type: T.text },
  { keyspace: 'ks', table: 'users', name: 'tags', type: { kind: 'set', element: T.text, frozen: false } },
  { keyspace: 'ks', table: 'users', name: 'd', type: T.duration },
];

describe('cassandra-driver 4.10 parsing what we send', () => {
  it('reads Rows (metadata, cells, paging state) and Prepared results', async () => {
    const set = Buffer.from('000000010000000161', 'hex'); // {'a'}
    const rows: Response = {
      opcode: Opcode.RESULT,
      result: { kind: 'rows', columns: cols, rows: [[int(1), Buffer.from('ann'), set, null], [int(2), null, null, null]], pagingState: Buffer.from('next') },
    };
    const prepared: Response = {
      opcode: Opcode.RESULT,
      result: { kind: 'prepared', id: Buffer.from('abcd', 'hex'), variables: [cols[0]!], pkIndexes: [0], resultColumns: cols },
    };
    const dml: Response = {
      opcode: Opcode.RESULT,
      result: { kind: 'prepared', id: Buffer.from('ef', 'hex'), variables: [cols[0]!, cols[1]!], pkIndexes: [0], resultColumns: [] },
    };
    const items = await driverParse(encodeFrames([
      { stream: 1, response: rows }, { stream: 2, response: prepared }, { stream: 3, response: dml },
    ]));
    const rowItems = items.filter((x) => x.header.streamId === 1);
    assert.equal(rowItems.length, 2);
    const r0 = rowItems[0]!.row as Record<string, unknown>;
    assert.equal(r0.id, 1);
    assert.equal(r0.name, 'ann');
    assert.deepEqual(r0.tags, ['a']);
    assert.equal(r0.d, null);
    assert.equal((rowItems[1]!.row as Record<string, unknown>).name, null);
    const meta = rowItems[0]!.meta as { keyspace: string; table: string; pageState: Buffer; columns: Array<{ name: string; type: { code: number; info: unknown } }> };
    assert.equal(meta.keyspace, 'ks');
    assert.equal(meta.table, 'users');
    assert.deepEqual(meta.pageState, Buffer.from('next'));
    assert.deepEqual(meta.columns.map((c) => c.type.code), [0x09, 0x0d, 0x22, 0x00]);
    assert.equal(meta.columns[3]!.type.info, 'org.apache.cassandra.db.marshal.DurationType');

    const p = items.find((x) => x.header.streamId === 2)!;
    assert.deepEqual(p.id, Buffer.from('abcd', 'hex'));
    const pm = p.meta as { partitionKeys: number[]; keyspace: string; columns: Array<{ name: string }> };
    assert.deepEqual(pm.partitionKeys, [0]);
    assert.equal(pm.keyspace, 'ks');
    assert.deepEqual(pm.columns.map((c) => c.name), ['id']);
    const d = items.find((x) => x.header.streamId === 3)!;
    assert.deepEqual((d.meta as { columns: unknown[] }).columns.length, 2);
  });

  it('reads READY, SUPPORTED, Set_keyspace, Void and Schema_change results', async () => {
    const items = await driverParse(encodeFrames([
      { stream: 0, response: { opcode: Opcode.SUPPORTED, options: { CQL_VERSION: ['3.4.5'], COMPRESSION: [] } } },
      { stream: 1, response: { opcode: Opcode.READY } },
      { stream: 2, response: { opcode: Opcode.RESULT, result: { kind: 'set_keyspace', keyspace: 'ks' } } },
      { stream: 3, response: { opcode: Opcode.RESULT, result: { kind: 'void' } } },
      { stream: 4, response: { opcode: Opcode.RESULT, result: { kind: 'schema_change', change: 'CREATED', target: 'TABLE', keyspace: 'ks', name: 't' } } },
    ]));
    const by = (s: number) => items.find((x) => x.header.streamId === s)!;
    assert.deepEqual(by(0).supported, { CQL_VERSION: ['3.4.5'], COMPRESSION: [] });
    assert.equal(by(1).ready, true);
    assert.equal(by(2).keyspaceSet, 'ks');
    const sc = by(4).schemaChange as { keyspace: string; table: string; target: string };
    assert.deepEqual([sc.keyspace, sc.table, sc.target], ['ks', 't', 'TABLE']);
  });

  it('reads ERROR frames with their code-specific fields', async () => {
    const errs: CqlError[] = [
      new UnavailableError(Consistency.QUORUM, 3, 1),
      new WriteTimeoutError(Consistency.ONE, 0, 1, 'SIMPLE'),
      new ReadTimeoutError(Consistency.ALL, 1, 2, false),
      new AlreadyExistsError('ks', 't'),
      new UnpreparedError(Buffer.from('0102', 'hex')),
    ];
    const items = await driverParse(Buffer.concat(errs.map((e, i) => encodeError(i, e))));
    const got = items.map((x) => x.error as Record<string, unknown>);
    assert.deepEqual(got.map((e) => e.code), errs.map((e) => e.code));
    assert.deepEqual([got[0]!.consistencies, got[0]!.required, got[0]!.alive], [4, 3, 1]);
    assert.deepEqual([got[1]!.received, got[1]!.blockFor, got[1]!.writeType], [0, 1, 'SIMPLE']);
    assert.deepEqual([got[2]!.received, got[2]!.blockFor, got[2]!.isDataPresent], [1, 2, 0]);
    assert.deepEqual([got[3]!.keyspace, got[3]!.table], ['ks', 't']);
    assert.deepEqual(got[4]!.queryId, Buffer.from('0102', 'hex'));
  });

  it('reads EVENT frames on stream -1', async () => {
    const items = await driverParse(Buffer.concat([
      encodeEvent({ type: 'STATUS_CHANGE', change: 'DOWN', address: '10.0.0.2', port: 9042 }),
      encodeEvent({ type: 'SCHEMA_CHANGE', change: 'UPDATED', target: 'AGGREGATE', keyspace: 'ks', name: 'a', argTypes: ['int'] }),
    ]));
    assert.deepEqual(items.map((x) => x.header.streamId), [-1, -1]);
    const st = items[0]!.event as { up: boolean; inet: { address: { toString(): string }; port: number } };
    assert.equal(st.up, false);
    assert.equal(st.inet.address.toString(), '10.0.0.2');
    assert.equal(st.inet.port, 9042);
    const sc = items[1]!.event as { aggregate: string; signature: string[] };
    assert.equal(sc.aggregate, 'a');
    assert.deepEqual(sc.signature, ['int']);
  });

  it('sees the downgrade error (in v5) on the STARTUP stream, and so picks version 4', async () => {
    const startup = new dreq.StartupRequest!({}).write(new Encoder(0x42, {}), 0);
    assert.equal(startup[0], 0x42);
    const d = new FrameDecoder();
    d.push(startup);
    const [item] = d.drain();
    assert.ok(item?.kind === 'error');
    const buf = encodeError(item.stream, item.error, item.version);
    const [parsed] = await driverParse(buf);
    assert.equal(parsed!.header.streamId, 0);
    const answered = (parsed!.header as unknown as { version: number }).version;
    assert.equal(answered, 5);
    // The driver (4.10) speaks at most v4: it steps down from the version the server answered in.
    const pv = require('cassandra-driver/lib/types/protocol-version.js') as { isSupported(v: number): boolean; getLowerSupported(v: number): number };
    assert.equal(pv.isSupported(answered), false);
    assert.equal(pv.getLowerSupported(answered), 4);
    const e = parsed!.error as { code: number; message: string };
    assert.equal(e.code, 0x000a);
    assert.ok(e.message.startsWith('Invalid or unsupported protocol version'));
  });

  it('accepts a response from encodeResponse on the default shared writer', async () => {
    const a = encodeResponse(10, { opcode: Opcode.READY });
    const b = encodeResponse(11, { opcode: Opcode.RESULT, result: { kind: 'void' } });
    const items = await driverParse(Buffer.concat([a, b]));
    assert.deepEqual(items.map((x) => x.header.streamId), [10, 11]);
  });
});
