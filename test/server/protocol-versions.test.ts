// Native protocol v3, v4 and v5 against a real node process (127.0.32.1), on a bare socket where the wire is the
// point (version negotiation, compression, segments, v5's keyspace and metadata ids) and through cassandra-driver,
// which speaks v3 and v4 (its 4.10 release stops there: it negotiates v4 with a v5 server). Expected messages and
// bytes are Cassandra 5.0.9's. test/drivers/protocol.drivers.ts does the same through the Python driver, over v5.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, types } from 'cassandra-driver';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.ts';
import { RawClient, type Envelope } from '../helpers/raw-client.ts';
import { DC, nodeConfig, withTimeout } from '../fixtures/driver.ts';
import { BodyReader, BodyWriter } from '../../src/protocol/buffers.ts';
import { ErrorCode } from '../../src/model/errors.ts';
import { Opcode } from '../../src/protocol/messages.ts';
import { QueryFlag } from '../../src/protocol/requests.ts';
import { RowsFlag } from '../../src/protocol/responses.ts';
import { readTypeOption } from '../../src/protocol/type-option.ts';
import { typeToCql } from '../../src/model/types.ts';

const ADDRESS = '127.0.32.1';
const ONE = 0x0001;

let node: NodeProcess;
before(async () => {
  node = await startNodeProcess({ address: ADDRESS, config: nodeConfig() });
});
after(async () => {
  await node?.cleanup();
});

interface QueryOpts {
  values?: Buffer[];
  keyspace?: string;
  skipMetadata?: boolean;
}

/** <query_parameters> with [byte] flags before v5 and [int] flags from v5 on. */
function writeParams(w: BodyWriter, version: number, o: QueryOpts): void {
  w.writeShort(ONE);
  let flags = 0;
  if (o.values) flags |= QueryFlag.VALUES;
  if (o.skipMetadata) flags |= QueryFlag.SKIP_METADATA;
  if (o.keyspace !== undefined) flags |= QueryFlag.WITH_KEYSPACE;
  if (version >= 5) w.writeInt(flags);
  else w.writeByte(flags);
  if (o.values) {
    w.writeShort(o.values.length);
    for (const v of o.values) w.writeBytes(v);
  }
  if (o.keyspace !== undefined) w.writeString(o.keyspace);
}

function queryBody(version: number, query: string, o: QueryOpts = {}): Buffer {
  const w = new BodyWriter(256);
  w.writeLongString(query);
  writeParams(w, version, o);
  return Buffer.from(w.take());
}

function prepareBody(version: number, query: string, keyspace?: string): Buffer {
  const w = new BodyWriter(256);
  w.writeLongString(query);
  if (version >= 5) {
    w.writeInt(keyspace === undefined ? 0 : 1);
    if (keyspace !== undefined) w.writeString(keyspace);
  }
  return Buffer.from(w.take());
}

function executeBody(version: number, id: Buffer, metadataId: Buffer | undefined, o: QueryOpts): Buffer {
  const w = new BodyWriter(256);
  w.writeShortBytes(id);
  if (version >= 5) w.writeShortBytes(metadataId ?? Buffer.alloc(0));
  writeParams(w, version, o);
  return Buffer.from(w.take());
}

interface Rows {
  flags: number;
  newMetadataId?: Buffer;
  columns: Array<{ name: string; type: string }>;
  rows: Array<Array<Buffer | null>>;
}

function errorOf(e: Envelope): { code: number; message: string } {
  assert.equal(e.opcode, Opcode.ERROR, `expected an ERROR, got opcode ${e.opcode}`);
  const r = new BodyReader(e.body);
  return { code: r.readInt(), message: r.readString() };
}

function rowsOf(e: Envelope): Rows {
  if (e.opcode === Opcode.ERROR) assert.fail(`ERROR ${JSON.stringify(errorOf(e))}`);
  const r = new BodyReader(e.body);
  assert.equal(r.readInt(), 2, 'a ROWS result');
  const flags = r.readInt();
  const n = r.readInt();
  const out: Rows = { flags, columns: [], rows: [] };
  if (flags & RowsFlag.HAS_MORE_PAGES) r.readBytes();
  if (flags & RowsFlag.METADATA_CHANGED) out.newMetadataId = Buffer.from(r.readShortBytes());
  if (!(flags & RowsFlag.NO_METADATA)) {
    const skipTableSpec = (): void => {
      r.readString();
      r.readString();
    };
    if (flags & RowsFlag.GLOBAL_TABLES_SPEC) skipTableSpec();
    for (let i = 0; i < n; i++) {
      if (!(flags & RowsFlag.GLOBAL_TABLES_SPEC)) skipTableSpec();
      out.columns.push({ name: r.readString(), type: typeToCql(readTypeOption(r)) });
    }
  }
  const count = r.readInt();
  for (let i = 0; i < count; i++) out.rows.push(Array.from({ length: n }, () => r.readBytes()));
  return out;
}

function prepared(e: Envelope, version: number): { id: Buffer; metadataId?: Buffer } {
  if (e.opcode === Opcode.ERROR) assert.fail(`ERROR ${JSON.stringify(errorOf(e))}`);
  const r = new BodyReader(e.body);
  assert.equal(r.readInt(), 4, 'a PREPARED result');
  const id = Buffer.from(r.readShortBytes());
  return version >= 5 ? { id, metadataId: Buffer.from(r.readShortBytes()) } : { id };
}

const int = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

async function raw(): Promise<RawClient> {
  return RawClient.connect(ADDRESS);
}

async function ok(c: RawClient, version: number, query: string, stream = 1): Promise<void> {
  const e = await c.request(version, Opcode.QUERY, queryBody(version, query), stream);
  if (e.opcode === Opcode.ERROR) assert.fail(`${query}: ${JSON.stringify(errorOf(e))}`);
}

describe('version negotiation over a real socket', () => {
  test('a DSE_V2 (0x42) probe gets Cassandra\'s PROTOCOL_ERROR in v5, on its stream, and the connection closes', async () => {
    const c = await raw();
    c.sendRaw(Buffer.from([0x42, 0, 0, 7, Opcode.OPTIONS, 0, 0, 0, 0]));
    const e = await c.next();
    assert.deepEqual([e.version, e.stream], [0x85, 7]);
    assert.deepEqual(errorOf(e), { code: ErrorCode.PROTOCOL_ERROR, message: 'Invalid or unsupported protocol version (66); supported versions are (3/v3, 4/v4, 5/v5, 6/v6-beta)' });
    await c.waitClosed();
  });

  test('v1 is refused in its own 8-byte header; v6 needs USE_BETA', async () => {
    const v1 = await raw();
    v1.sendRaw(Buffer.from([1, 0, 0, Opcode.OPTIONS, 0, 0, 0, 0]));
    const e1 = await v1.next();
    assert.equal(e1.version, 0x81);
    assert.match(errorOf(e1).message, /^Invalid or unsupported protocol version \(1\); supported versions are \(3\/v3, 4\/v4, 5\/v5, 6\/v6-beta\)$/);
    v1.close();
    const v6 = await raw();
    v6.sendRaw(Buffer.from([6, 0, 0, 2, Opcode.OPTIONS, 0, 0, 0, 0]));
    const e6 = await v6.next();
    assert.deepEqual([e6.version, e6.flags, e6.stream], [0x86, 0x10, 2]);
    assert.equal(errorOf(e6).message, 'Beta version of the protocol used (6/v6-beta), but USE_BETA flag is unset');
    v6.close();
  });

  test('OPTIONS is answered in the version asked, with Cassandra\'s SUPPORTED', async () => {
    const c = await raw();
    for (const v of [3, 4, 5]) {
      const e = await c.request(v, Opcode.OPTIONS, Buffer.alloc(0), v);
      assert.equal(e.version, 0x80 | v);
      assert.deepEqual({ ...new BodyReader(e.body).readStringMultimap() }, {
        PROTOCOL_VERSIONS: ['3/v3', '4/v4', '5/v5', '6/v6-beta'],
        COMPRESSION: ['snappy', 'lz4'],
        CQL_VERSION: ['3.4.5'],
      });
    }
    c.close();
  });

  test('STARTUP refusals: Snappy on v5, an unknown algorithm, CQL versions, a second STARTUP, another version afterwards', async () => {
    const c = await raw();
    const startup = async (v: number, opts: Record<string, string>): Promise<Envelope> => {
      const w = new BodyWriter(64);
      w.writeStringMap(opts);
      return c.request(v, Opcode.STARTUP, Buffer.from(w.take()), 3);
    };
    assert.equal(errorOf(await startup(5, { CQL_VERSION: '3.0.0', COMPRESSION: 'snappy' })).message, 'Snappy compression is not supported in protocol V5');
    assert.equal(errorOf(await startup(4, { CQL_VERSION: '3.0.0', COMPRESSION: 'zstd' })).message, 'Unknown compression algorithm: zstd');
    assert.equal(errorOf(await startup(4, { CQL_VERSION: '3' })).message, 'Invalid version value: 3');
    assert.equal(errorOf(await startup(4, { CQL_VERSION: '2.0.0' })).message, 'CQL version 2.0.0 is not supported by the binary protocol (supported version are >= 3.0.0)');
    assert.equal((await startup(4, { CQL_VERSION: '3.4.7' })).opcode, Opcode.READY);
    assert.equal(errorOf(await startup(4, { CQL_VERSION: '3.0.0' })).message, 'Unexpected message STARTUP, the connection is already initialized');
    const wrong = await c.request(3, Opcode.OPTIONS, Buffer.alloc(0), 4);
    assert.equal(wrong.version, 0x84);
    assert.equal(errorOf(wrong).message, 'Invalid message version. Got 3/v3 but previous messages on this connection had version 4/v4');
    assert.equal((await c.request(4, Opcode.OPTIONS, Buffer.alloc(0), 5)).opcode, Opcode.SUPPORTED, 'the connection goes on');
    c.close();
  });
});

describe('compression on v3 and v4', () => {
  for (const [version, compression] of [[4, 'lz4'], [4, 'snappy'], [3, 'lz4'], [3, 'snappy']] as const) {
    test(`v${version} with ${compression}: compressed READY, requests and results`, async () => {
      const c = await raw();
      const ready = await c.startup(version, compression);
      assert.deepEqual([ready.opcode, ready.flags & 0x01], [Opcode.READY, 0x01], 'READY comes compressed, as Cassandra sends it');
      const ks = `comp_${compression}_v${version}`;
      await ok(c, version, `CREATE KEYSPACE IF NOT EXISTS ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
      await ok(c, version, `CREATE TABLE IF NOT EXISTS ${ks}.t (k int PRIMARY KEY, v text)`);
      const text = 'compressible '.repeat(2000);
      const ins = await c.request(version, Opcode.QUERY, queryBody(version, `INSERT INTO ${ks}.t (k, v) VALUES (?, ?)`, { values: [int(1), Buffer.from(text)] }), 2);
      assert.equal(ins.opcode, Opcode.RESULT);
      const sel = await c.request(version, Opcode.QUERY, queryBody(version, `SELECT k, v FROM ${ks}.t WHERE k = 1`), 3);
      assert.equal(sel.flags & 0x01, 0x01, 'the result is compressed');
      const rows = rowsOf(sel);
      assert.deepEqual(rows.rows, [[int(1), Buffer.from(text)]]);
      c.close();
    });
  }
});

describe('v5 over a bare socket', () => {
  for (const compression of [undefined, 'lz4'] as const) {
    test(`segments${compression ? ' with LZ4' : ''}: keyspace per query, PREPARE in a keyspace, metadata ids, a result over 128 KiB`, { timeout: 60_000 }, async () => {
      const c = await raw();
      assert.equal((await c.startup(5, compression)).opcode, Opcode.READY);
      const ks = `v5_${compression ?? 'plain'}`;
      await ok(c, 5, `CREATE KEYSPACE IF NOT EXISTS ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
      await ok(c, 5, `CREATE TABLE IF NOT EXISTS ${ks}.t (k int PRIMARY KEY, v blob)`);
      // No USE: the keyspace comes with each request.
      const big = Buffer.alloc(300_000, 0x5a);
      const ins = await c.request(5, Opcode.QUERY, queryBody(5, 'INSERT INTO t (k, v) VALUES (?, ?)', { values: [int(1), big], keyspace: ks }), 2);
      assert.equal(ins.opcode, Opcode.RESULT, JSON.stringify(ins.opcode === Opcode.ERROR && errorOf(ins)));
      const unqualified = await c.request(5, Opcode.QUERY, queryBody(5, 'SELECT k FROM t'), 3);
      assert.equal(errorOf(unqualified).code, ErrorCode.INVALID, 'the connection itself still has no keyspace');

      const p = prepared(await c.request(5, Opcode.PREPARE, prepareBody(5, 'SELECT k, v FROM t WHERE k = ?', ks), 4), 5);
      assert.equal(p.metadataId?.length, 16);
      const same = await c.request(5, Opcode.EXECUTE, executeBody(5, p.id, p.metadataId, { values: [int(1)], skipMetadata: true }), 5);
      const r1 = rowsOf(same);
      assert.ok(r1.flags & RowsFlag.NO_METADATA && r1.newMetadataId === undefined, 'the held metadata is current: skipped');
      assert.deepEqual(r1.rows, [[int(1), big]], 'a 300 kB value comes back whole, over several segments');
      const stale = await c.request(5, Opcode.EXECUTE, executeBody(5, p.id, Buffer.alloc(16), { values: [int(1)], skipMetadata: true }), 6);
      const r2 = rowsOf(stale);
      assert.ok(r2.flags & RowsFlag.METADATA_CHANGED && !(r2.flags & RowsFlag.NO_METADATA));
      assert.deepEqual(r2.newMetadataId, p.metadataId, 'Metadata_changed carries the id PREPARED gave');
      assert.deepEqual(r2.columns, [{ name: 'k', type: 'int' }, { name: 'v', type: 'blob' }]);
      assert.ok(c.received.length > 1);
      c.close();
    });
  }

  test('a segment with a bad CRC gets a PROTOCOL_ERROR, framed, and the connection closes', async () => {
    const c = await raw();
    await c.startup(5);
    // An unframed envelope where a segment header is due: its first bytes fail the header CRC.
    c.sendRaw(Buffer.from([5, 0, 0, 1, Opcode.OPTIONS, 0, 0, 0, 0]));
    const e = await c.next();
    assert.equal(e.version, 0x85);
    assert.match(errorOf(e).message, /CRC mismatch detected in frame header/);
    await c.waitClosed();
  });
});

describe('cassandra-driver', () => {
  async function connect(maxVersion?: number): Promise<Client> {
    const client = new Client({ contactPoints: [ADDRESS], localDataCenter: DC, ...(maxVersion ? { protocolOptions: { maxVersion } } : {}) });
    await withTimeout(client.connect(), 20_000, 'connect');
    return client;
  }

  test('negotiates v4 by default (it speaks at most v4) after the server refuses its DSE_V2 probe', async () => {
    const client = await connect();
    try {
      assert.equal((client as unknown as { controlConnection: { protocolVersion: number } }).controlConnection.protocolVersion, 4);
      const rs = await client.execute('SELECT release_version FROM system.local');
      assert.equal(rs.rows.length, 1);
    } finally {
      await client.shutdown();
    }
  });

  test('v3: UDTs and tuples round-trip, prepared and not; date, time, smallint and tinyint come as Custom, as from Cassandra', { timeout: 60_000 }, async () => {
    const client = await connect(3);
    try {
      assert.equal((client as unknown as { controlConnection: { protocolVersion: number } }).controlConnection.protocolVersion, 3);
      await client.execute("CREATE KEYSPACE IF NOT EXISTS v3ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
      await client.execute('CREATE TYPE IF NOT EXISTS v3ks.pt (x int, y text)');
      await client.execute('CREATE TABLE IF NOT EXISTS v3ks.t (k int PRIMARY KEY, p frozen<pt>, tu frozen<tuple<int, text>>, l list<int>, d date, s smallint)');
      const tuple = new types.Tuple(7, 'seven');
      await client.execute('INSERT INTO v3ks.t (k, p, tu, l) VALUES (?, ?, ?, ?)', [1, { x: 1, y: 'one' }, tuple, [1, 2]], { prepare: true });
      await client.execute("INSERT INTO v3ks.t (k, p, tu, d, s) VALUES (2, {x: 2, y: 'two'}, (8, 'eight'), '2024-03-01', 5)");
      // Cassandra 5.0.9 does the same to this driver: v3 has no ids for date and smallint, so they are Custom, which
      // the driver can neither encode nor decode (it hands back the raw bytes).
      await assert.rejects(client.execute('INSERT INTO v3ks.t (k, d) VALUES (?, ?)', [3, types.LocalDate.fromString('2024-02-29')], { prepare: true }),
        /No encoding handler found for type/);
      for (const prepare of [true, false]) {
        const rs = await client.execute('SELECT * FROM v3ks.t WHERE k IN (1, 2)', [], { prepare });
        const byKey = new Map(rs.rows.map((r) => [r.get('k') as number, r]));
        const one = byKey.get(1)!;
        assert.deepEqual({ ...one.get('p') }, { x: 1, y: 'one' });
        assert.equal(one.get('tu').toString(), tuple.toString());
        assert.deepEqual(one.get('l'), [1, 2]);
        const two = byKey.get(2)!;
        assert.deepEqual([two.get('p').y, two.get('tu').get(1)], ['two', 'eight']);
        assert.deepEqual([...(two.get('d') as Buffer)], [0x80, 0x00, 0x4d, 0x47], '2024-03-01 as its raw bytes (19783 days after the epoch)');
        assert.deepEqual([...(two.get('s') as Buffer)], [0, 5]);
        const typeOf = (name: string) => rs.columns.find((c) => c.name === name)?.type as unknown as { code: number; info: string };
        assert.deepEqual({ ...typeOf('d') }, { code: types.dataTypes.custom, type: null, info: 'org.apache.cassandra.db.marshal.SimpleDateType' });
        assert.equal(typeOf('s').info, 'org.apache.cassandra.db.marshal.ShortType');
      }
    } finally {
      await client.shutdown();
    }
  });
});
