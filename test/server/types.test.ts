// Every CQL type through a real node (127.0.4.x) and cassandra-driver: round trips prepared, unprepared with type hints
// and as CQL literals, edge values, nulls, unset, empty collections, and invalid values (0x2200) that leave the node serving.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { types, type Client } from 'cassandra-driver';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.ts';
import { connectClient, expectServerError, nodeConfig, releaseVersion } from '../fixtures/driver.ts';

const ADDRESS = '127.0.4.1';
const { Long, Integer, BigDecimal, LocalDate, LocalTime, InetAddress, Uuid, TimeUuid, Duration, Tuple } = types;

/** Column name, CQL type, and the driver hint for unprepared statements (undefined: no hint expresses it, e.g. UDTs). */
const COLUMNS: Array<[string, string, string | undefined]> = [
  ['c_ascii', 'ascii', 'ascii'],
  ['c_bigint', 'bigint', 'bigint'],
  ['c_blob', 'blob', 'blob'],
  ['c_boolean', 'boolean', 'boolean'],
  ['c_date', 'date', 'date'],
  ['c_decimal', 'decimal', 'decimal'],
  ['c_double', 'double', 'double'],
  ['c_duration', 'duration', 'duration'],
  ['c_float', 'float', 'float'],
  ['c_inet', 'inet', 'inet'],
  ['c_int', 'int', 'int'],
  ['c_smallint', 'smallint', 'smallint'],
  ['c_text', 'text', 'text'],
  ['c_time', 'time', 'time'],
  ['c_timestamp', 'timestamp', 'timestamp'],
  ['c_timeuuid', 'timeuuid', 'timeuuid'],
  ['c_tinyint', 'tinyint', 'tinyint'],
  ['c_uuid', 'uuid', 'uuid'],
  ['c_varchar', 'varchar', 'varchar'],
  ['c_varint', 'varint', 'varint'],
  ['c_list', 'list<int>', 'list<int>'],
  ['c_set', 'set<text>', 'set<text>'],
  ['c_map', 'map<text, int>', 'map<text,int>'],
  ['c_frozen_list', 'frozen<list<int>>', 'list<int>'],
  ['c_tuple', 'tuple<int, text>', 'tuple<int,text>'],
  ['c_frozen_udt', 'frozen<address>', undefined],
  ['c_udt', 'point', undefined],
  ['c_list_of_maps', 'list<frozen<map<int, text>>>', 'list<map<int,text>>'],
];
const NAMES = COLUMNS.map(([n]) => n);
type Row = Record<string, unknown>;

/** Plain, comparable form of a driver value: class instances by their string form, sets/maps as the driver gives them. */
function norm(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (Buffer.isBuffer(v)) return `0x${v.toString('hex')}`;
  if (v instanceof Date) return `timestamp:${v.getTime()}`;
  if (v instanceof Tuple) return { tuple: v.values().map(norm) };
  if (Array.isArray(v)) return v.map(norm);
  for (const [name, cls] of [
    ['long', Long], ['varint', Integer], ['decimal', BigDecimal], ['date', LocalDate], ['time', LocalTime],
    ['inet', InetAddress], ['uuid', Uuid], ['duration', Duration],
  ] as const) {
    if (v instanceof cls) return `${name}:${String(v)}`;
  }
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, norm(x)]));
  return v;
}

function assertRow(actual: Row | undefined, expected: Row, what: string): void {
  assert.ok(actual, `${what}: row not found`);
  for (const name of NAMES) {
    const want = name in expected ? expected[name] : null;
    assert.deepEqual(norm(actual[name]), norm(want), `${what}: column ${name}`);
  }
}

const tu = TimeUuid.fromDate(new Date('2024-02-29T12:34:56.789Z'), 1234, Buffer.from('0a0b0c0d0e0f', 'hex'), Buffer.from('abcd', 'hex'));

/** What is written; `readBack` overrides the expectations where Cassandra normalises (set order, map key order). */
const TYPICAL: Row = {
  c_ascii: 'plain ASCII !~', c_bigint: Long.fromString('1234567890123'), c_blob: Buffer.from('00ff10', 'hex'),
  c_boolean: true, c_date: LocalDate.fromString('2024-02-29'), c_decimal: BigDecimal.fromString('-12345678901234567890.123456789'),
  c_double: 3.141592653589793, c_duration: Duration.fromString('1y2mo3d4h5m6s7ms8us9ns'), c_float: 1.5,
  c_inet: InetAddress.fromString('2001:db8::ff00:42:8329'), c_int: 42, c_smallint: 1234, c_text: 'héllo wörld — 日本語 🎉',
  c_time: LocalTime.fromString('13:45:59.123456789'), c_timestamp: new Date('2024-02-29T12:34:56.789Z'), c_timeuuid: tu,
  c_tinyint: 7, c_uuid: Uuid.fromString('123e4567-e89b-42d3-a456-426614174000'), c_varchar: 'ünïcødé ✓',
  c_varint: Integer.fromString('-123456789012345678901234567890'), c_list: [3, 1, 2, 1], c_set: ['b', 'a', 'c'],
  c_map: { b: 2, a: 1 }, c_frozen_list: [5, 5, 4], c_tuple: new Tuple(7, 'seven'),
  c_frozen_udt: { street: '1 Infinity Dr', zip: 78701, tags: ['x', 'y'] }, c_udt: { x: 1.5, y: -2.5 },
  c_list_of_maps: [{ 2: 'two', 1: 'one' }, { 3: 'three' }],
};
// A set nested in a bound UDT value is stored as the client serialised it (Cassandra keeps bound UDT fields as bytes), so
// TYPICAL sends it sorted; top-level sets and maps, and sets in literals, are sorted by the server.
const TYPICAL_READ: Row = { ...TYPICAL, c_set: ['a', 'b', 'c'] };

const MAXIMA: Row = {
  c_ascii: '', c_bigint: Long.MAX_VALUE, c_blob: Buffer.alloc(0), c_boolean: false, c_date: LocalDate.fromString('9999-12-31'),
  c_decimal: BigDecimal.fromString('98765432109876543210987654321098765432.1'), c_double: Infinity,
  c_duration: Duration.fromString('-3d4h'), c_float: -Infinity, c_inet: InetAddress.fromString('::1'), c_int: 2147483647,
  c_smallint: 32767, c_text: '', c_time: LocalTime.fromString('23:59:59.999999999'), c_timestamp: new Date('9999-12-31T23:59:59.999Z'),
  c_timeuuid: TimeUuid.now(), c_tinyint: 127, c_uuid: Uuid.random(), c_varchar: '',
  c_varint: Integer.fromString('170141183460469231731687303715884105728'), c_list: [2147483647, -2147483648], c_set: ['', 'z'],
  c_map: { '': 0 }, c_frozen_list: [0], c_tuple: new Tuple(null, ''), c_frozen_udt: { street: '', zip: null, tags: null },
  c_udt: { x: Number.MAX_VALUE, y: Number.MIN_VALUE }, c_list_of_maps: [{ [-1]: '' }],
};
const MINIMA: Row = {
  c_ascii: '\u0000\u007f', c_bigint: Long.MIN_VALUE, c_blob: Buffer.from([0]), c_boolean: true, c_date: LocalDate.fromString('1000-01-01'),
  c_decimal: BigDecimal.fromString('-0.000000000000000000001'), c_double: NaN, c_duration: Duration.fromString('0s'), c_float: NaN,
  c_inet: InetAddress.fromString('192.168.0.1'), c_int: -2147483648, c_smallint: -32768, c_text: '\u0000 nul and 𝄞',
  c_time: LocalTime.fromString('00:00:00'), c_timestamp: new Date(-1), c_timeuuid: TimeUuid.now(), c_tinyint: -128,
  c_uuid: Uuid.fromString('00000000-0000-0000-0000-000000000000'), c_varchar: 'x', c_varint: Integer.fromString('-129'),
  c_list: [-1], c_set: ['only'], c_map: { k: -2147483648 }, c_frozen_list: [-2147483648, 2147483647], c_tuple: new Tuple(-1, null),
  c_frozen_udt: { street: 'x', zip: -1, tags: ['a'] }, c_udt: { x: -0, y: NaN }, c_list_of_maps: [{ 0: 'zero' }, { 0: 'zero' }],
};

let node: NodeProcess;
let client: Client;
const insertAll = `INSERT INTO types_ks.all_types (id, ${NAMES.join(', ')}) VALUES (?, ${NAMES.map(() => '?').join(', ')})`;

async function readRow(id: number): Promise<Row | undefined> {
  const rs = await client.execute('SELECT * FROM types_ks.all_types WHERE id = ?', [id], { prepare: true });
  assert.ok(rs.rowLength <= 1);
  return rs.rowLength === 1 ? (rs.first() as unknown as Row) : undefined;
}
async function readRowUnprepared(id: number): Promise<Row | undefined> {
  const rs = await client.execute(`SELECT * FROM types_ks.all_types WHERE id = ${id}`);
  return rs.rowLength === 1 ? (rs.first() as unknown as Row) : undefined;
}

before(async () => {
  node = await startNodeProcess({ address: ADDRESS, config: nodeConfig() });
  client = await connectClient(ADDRESS);
  await client.execute("CREATE KEYSPACE types_ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await client.execute('CREATE TYPE types_ks.address (street text, zip int, tags frozen<set<text>>)');
  await client.execute('CREATE TYPE types_ks.point (x double, y double)');
  await client.execute(`CREATE TABLE types_ks.all_types (id int PRIMARY KEY, ${COLUMNS.map(([n, t]) => `${n} ${t}`).join(', ')})`);
});

after(async () => {
  await client?.shutdown();
  await node?.cleanup();
});

describe('round trips', () => {
  const sets: Array<[string, number, Row, Row]> = [
    ['typical values', 1, TYPICAL, TYPICAL_READ],
    ['maxima, empty strings and blobs, IPv6 loopback, +/-Infinity', 2, MAXIMA, MAXIMA],
    ['minima, NaN, -0, negative varint/decimal, pre-epoch timestamp', 3, MINIMA, MINIMA],
  ];

  for (const [label, id, written, readBack] of sets) {
    test(`prepared: ${label}`, { timeout: 20_000 }, async () => {
      await client.execute(insertAll, [id, ...NAMES.map((n) => written[n])], { prepare: true });
      const row = await readRow(id);
      assertRow(row, readBack, `prepared read of ${label}`);
      if (id === 1) assert.deepEqual(Object.keys(row!['c_map'] as object), ['a', 'b'], 'map entries come back in key order');
      assertRow(await readRowUnprepared(id), readBack, `unprepared read of ${label}`);
    });

    test(`unprepared with type hints: ${label}`, { timeout: 20_000 }, async () => {
      const hinted = COLUMNS.filter(([, , h]) => h !== undefined);
      const q = `INSERT INTO types_ks.all_types (id, ${hinted.map(([n]) => n).join(', ')}) VALUES (?, ${hinted.map(() => '?').join(', ')})`;
      const hints = ['int', ...hinted.map(([, , h]) => h!)];
      await client.execute(q, [id + 100, ...hinted.map(([n]) => written[n])], { prepare: false, hints });
      // UDTs have no hint syntax in the driver: written as CQL literals.
      const udt = (v: unknown): string => {
        const o = v as Record<string, unknown>;
        const lit = (x: unknown): string =>
          x === null ? 'null' : typeof x === 'string' ? `'${x.replace(/'/g, "''")}'` : Array.isArray(x) ? `{${x.map(lit).join(', ')}}` : Number.isNaN(x) ? 'NaN' : Object.is(x, -0) ? '-0.0' : String(x);
        return `{${Object.entries(o).map(([k, x]) => `${k}: ${lit(x)}`).join(', ')}}`;
      };
      await client.execute(`UPDATE types_ks.all_types SET c_frozen_udt = ${udt(written['c_frozen_udt'])}, c_udt = ${udt(written['c_udt'])} WHERE id = ?`, [id + 100], {
        prepare: false,
        hints: ['int'],
      });
      assertRow(await readRow(id + 100), readBack, `read of unprepared ${label}`);
    });
  }

  test('CQL literals for every type', { timeout: 20_000 }, async () => {
    await client.execute(`INSERT INTO types_ks.all_types (id, ${NAMES.join(', ')}) VALUES (300, 'ascii', -9223372036854775808, 0x00ff10, true,
      '2024-02-29', -12345678901234567890.123456789, NaN, 1y2mo3d4h5m6s7ms8us9ns, -Infinity, '2001:db8::ff00:42:8329', -2147483648,
      -32768, 'it''s 日本語', '13:45:59.123456789', '2024-02-29 12:34:56.789+0000', 50554d6e-29bb-11e5-b345-feff819cdc9f, -128,
      123e4567-e89b-12d3-a456-426614174000, 'vc', -123456789012345678901234567890, [3, 1, 2], {'b', 'a'}, {'b': 2, 'a': 1},
      [5, 5, 4], (7, 'seven'), {street: 'Main', zip: 1, tags: {'y', 'x'}}, {x: 1.5, y: -2.5}, [{2: 'two', 1: 'one'}, {3: 'three'}])`);
    assertRow(await readRow(300), {
      c_ascii: 'ascii', c_bigint: Long.MIN_VALUE, c_blob: Buffer.from('00ff10', 'hex'), c_boolean: true,
      c_date: LocalDate.fromString('2024-02-29'), c_decimal: BigDecimal.fromString('-12345678901234567890.123456789'), c_double: NaN,
      c_duration: Duration.fromString('1y2mo3d4h5m6s7ms8us9ns'), c_float: -Infinity, c_inet: InetAddress.fromString('2001:db8::ff00:42:8329'),
      c_int: -2147483648, c_smallint: -32768, c_text: "it's 日本語", c_time: LocalTime.fromString('13:45:59.123456789'),
      c_timestamp: new Date('2024-02-29T12:34:56.789Z'), c_timeuuid: TimeUuid.fromString('50554d6e-29bb-11e5-b345-feff819cdc9f'),
      c_tinyint: -128, c_uuid: Uuid.fromString('123e4567-e89b-12d3-a456-426614174000'), c_varchar: 'vc',
      c_varint: Integer.fromString('-123456789012345678901234567890'), c_list: [3, 1, 2], c_set: ['a', 'b'], c_map: { a: 1, b: 2 },
      c_frozen_list: [5, 5, 4], c_tuple: new Tuple(7, 'seven'), c_frozen_udt: { street: 'Main', zip: 1, tags: ['x', 'y'] },
      c_udt: { x: 1.5, y: -2.5 }, c_list_of_maps: [{ 1: 'one', 2: 'two' }, { 3: 'three' }],
    }, 'literal row');
  });

  test('bound frozen sets and maps are stored sorted and without duplicate elements, like literals', { timeout: 10_000 }, async () => {
    await client.execute('CREATE TABLE IF NOT EXISTS types_ks.frozen_sorting (id int PRIMARY KEY, fs frozen<set<text>>, fm frozen<map<text, int>>)');
    await client.execute('INSERT INTO types_ks.frozen_sorting (id, fs, fm) VALUES (?, ?, ?)', [1, ['b', 'a', 'b'], { b: 2, a: 1 }], { prepare: true });
    await client.execute("INSERT INTO types_ks.frozen_sorting (id, fs, fm) VALUES (2, {'b', 'a', 'b'}, {'b': 2, 'a': 1})");
    for (const id of [1, 2]) {
      const r = (await client.execute('SELECT fs, fm FROM types_ks.frozen_sorting WHERE id = ?', [id], { prepare: true })).first();
      assert.deepEqual(r.get('fs'), ['a', 'b'], `row ${id}: frozen set`);
      assert.deepEqual(Object.entries(r.get('fm') as object), [['a', 1], ['b', 2]], `row ${id}: frozen map`);
    }
    // Equal frozen values compare equal whichever order the client sent them in.
    const rs = await client.execute("SELECT id FROM types_ks.frozen_sorting WHERE fs = {'a', 'b'} ALLOW FILTERING");
    assert.deepEqual(rs.rows.map((r) => r.get('id') as number).sort(), [1, 2]);
  });

  test('result metadata announces v4 type ids (text as varchar, duration as Custom DurationType, UDT with its fields)', { timeout: 10_000 }, async () => {
    const rs = await client.execute('SELECT * FROM types_ks.all_types WHERE id = 1');
    const byName = new Map(rs.columns.map((c) => [c.name, c.type]));
    const code = (n: string): number => byName.get(n)!.code as number;
    assert.equal(code('c_text'), types.dataTypes.varchar);
    assert.equal(code('c_varchar'), types.dataTypes.varchar);
    assert.equal(code('c_ascii'), types.dataTypes.ascii);
    assert.equal(code('c_duration'), types.dataTypes.custom);
    assert.equal(byName.get('c_duration')!.info, 'org.apache.cassandra.db.marshal.DurationType');
    assert.equal(code('c_set'), types.dataTypes.set);
    assert.equal(code('c_frozen_list'), types.dataTypes.list);
    assert.equal(code('c_tuple'), types.dataTypes.tuple);
    assert.equal(code('c_udt'), types.dataTypes.udt);
    const udt = byName.get('c_frozen_udt')!.info as { keyspace: string; name: string; fields: Array<{ name: string }> };
    assert.equal(udt.keyspace, 'types_ks');
    assert.equal(udt.name, 'address');
    assert.deepEqual(udt.fields.map((f) => f.name), ['street', 'zip', 'tags']);
    assert.deepEqual([...byName.keys()], ['id', ...[...NAMES].sort()], 'SELECT *: key, then regular columns by name');
  });
});

describe('nulls, unset and empty collections', () => {
  test('a row with only its key reads back all nulls', { timeout: 10_000 }, async () => {
    await client.execute('INSERT INTO types_ks.all_types (id) VALUES (?)', [10], { prepare: true });
    assertRow(await readRow(10), {}, 'key-only row');
  });

  test('explicit nulls (prepared and unprepared) delete previously written values', { timeout: 10_000 }, async () => {
    await client.execute(insertAll, [11, ...NAMES.map((n) => TYPICAL[n])], { prepare: true });
    await client.execute(insertAll, [11, ...NAMES.map(() => null)], { prepare: true });
    assertRow(await readRow(11), {}, 'row 11 after null INSERT');
    await client.execute(insertAll, [12, ...NAMES.map((n) => TYPICAL[n])], { prepare: true });
    await client.execute('UPDATE types_ks.all_types SET c_int = ?, c_text = ?, c_list = ? WHERE id = ?', [null, null, null, 12], {
      prepare: false,
      hints: ['int', 'text', 'list<int>', 'int'],
    });
    assertRow(await readRow(12), { ...TYPICAL_READ, c_int: null, c_text: null, c_list: null }, 'row 12 after null UPDATE');
  });

  test('unset (undefined, prepared) leaves a previously written column untouched', { timeout: 10_000 }, async () => {
    const ins = 'INSERT INTO types_ks.all_types (id, c_int, c_text, c_list, c_map) VALUES (?, ?, ?, ?, ?)';
    await client.execute(ins, [20, 1, 'first', [1, 2], { a: 1 }], { prepare: true });
    await client.execute(ins, [20, undefined, 'second', undefined, undefined], { prepare: true });
    await client.execute('UPDATE types_ks.all_types SET c_int = ?, c_double = ? WHERE id = ?', [undefined, 2.5, 20], { prepare: true });
    assertRow(await readRow(20), { c_int: 1, c_text: 'second', c_list: [1, 2], c_map: { a: 1 }, c_double: 2.5 }, 'row 20');
  });

  test('an empty collection reads back as null; an empty frozen list is a value', { timeout: 10_000 }, async () => {
    // (cassandra-driver itself sends an empty JS array as null; an empty map it sends as a 0-entry map.)
    const q = 'INSERT INTO types_ks.all_types (id, c_list, c_set, c_map, c_list_of_maps) VALUES (?, ?, ?, ?, ?)';
    await client.execute(q, [30, [], [], {}, []], { prepare: true });
    assertRow(await readRow(30), {}, 'row 30 (prepared)');
    await client.execute(q, [31, [], [], {}, []], { prepare: false, hints: ['int', 'list<int>', 'set<text>', 'map<text,int>', 'list<map<int,text>>'] });
    assertRow(await readRow(31), {}, 'row 31 (unprepared)');
    // Serialized empty collections ([int] 0), sent as raw bytes: empty for a non-frozen list, a value for a frozen one.
    await client.execute('INSERT INTO types_ks.all_types (id, c_list, c_set, c_map, c_frozen_list) VALUES (?, ?, ?, ?, ?)', [33, ...Array.from({ length: 4 }, () => Buffer.alloc(4))], {
      prepare: false,
      hints: ['int', 'blob', 'blob', 'blob', 'blob'],
    });
    assertRow(await readRow(33), { c_frozen_list: [] }, 'row 33 (serialized empty collections)');
    await client.execute('INSERT INTO types_ks.all_types (id, c_frozen_list) VALUES (34, [])');
    assertRow(await readRow(34), { c_frozen_list: [] }, 'row 34 (literal empty frozen list)');
    await client.execute('INSERT INTO types_ks.all_types (id, c_list, c_set, c_map, c_list_of_maps, c_frozen_list) VALUES (?, ?, ?, ?, ?, ?)', [32, [1], ['a'], { a: 1 }, [{ 1: 'x' }], [1]], { prepare: true });
    await client.execute('UPDATE types_ks.all_types SET c_list = ?, c_set = ?, c_map = ? WHERE id = ?', [[], [], {}, 32], { prepare: true });
    await client.execute('UPDATE types_ks.all_types SET c_list_of_maps = [], c_frozen_list = [] WHERE id = 32');
    assertRow(await readRow(32), { c_frozen_list: [] }, 'row 32 after overwriting with empty collections');
  });
});

describe('invalid values', () => {
  const cases: Array<[string, string, unknown, string]> = [
    ['an 8-byte value for an int column', 'c_int', Long.fromNumber(1), 'bigint'],
    ['a 2-byte value for an int column', 'c_int', 1, 'smallint'],
    ['a 2-byte value for a boolean column', 'c_boolean', 1, 'smallint'],
    ['an 8-byte value for a uuid column', 'c_uuid', Long.fromNumber(1), 'bigint'],
    ['a version 4 uuid for a timeuuid column', 'c_timeuuid', Uuid.fromString('123e4567-e89b-42d3-a456-426614174000'), 'uuid'],
    ['invalid UTF-8 for a text column', 'c_text', Buffer.from([0xc3, 0x28]), 'blob'],
    ['a non-ASCII byte for an ascii column', 'c_ascii', 'é', 'text'],
    ['8-byte elements for a list<int> column', 'c_list', [Long.fromNumber(1)], 'list<bigint>'],
    ['a 3-byte value for a time column', 'c_time', Buffer.from([1, 2, 3]), 'blob'],
  ];
  for (const [label, col, value, hint] of cases) {
    test(`${label} is an Invalid error (0x2200) and writes nothing`, { timeout: 10_000 }, async () => {
      await expectServerError(
        client.execute(`INSERT INTO types_ks.all_types (id, ${col}) VALUES (?, ?)`, [900, value], { prepare: false, hints: ['int', hint] }),
        0x2200,
        label,
      );
      assert.equal(await readRow(900), undefined, 'nothing was written');
    });
  }

  test('an 8-byte key for an int partition key is 0x2200 too, and the node keeps serving', { timeout: 10_000 }, async () => {
    await expectServerError(
      client.execute('SELECT * FROM types_ks.all_types WHERE id = ?', [Long.fromNumber(5)], { prepare: false, hints: ['bigint'] }),
      0x2200,
      'bigint key',
    );
    assert.match(await releaseVersion(client), /^4\./);
    assertRow(await readRow(1), TYPICAL_READ, 'earlier row still readable');
  });
});
