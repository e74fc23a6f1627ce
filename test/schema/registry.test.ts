import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AlreadyExistsError, ConfigError, InvalidRequestError, SyntaxError, UnauthorizedError,
} from '../../src/model/errors.ts';
import { T } from '../../src/model/types.ts';
import { applyDdl, computeSchemaVersion, deserializeSchema, emptySchema, resolveType, serializeSchema } from '../../src/schema/registry.ts';
import { DEFAULT_TABLE_OPTIONS } from '../../src/schema/model.ts';
import { apply, build, ddl, deterministic } from './helpers.ts';

const KS = "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}";

function throwsWith(fn: () => unknown, cls: new (...a: never[]) => Error, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    if (typeof message === 'string') assert.equal((e as Error).message, message);
    else assert.match((e as Error).message, message);
    return true;
  });
}

test('CREATE KEYSPACE expands strategy class names and keeps options as strings', () => {
  const r = apply(emptySchema(), "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3} AND durable_writes = false");
  assert.deepEqual(r.change, { change: 'CREATED', target: 'KEYSPACE', keyspace: 'ks' });
  const ks = r.schema.keyspaces.get('ks');
  assert.deepEqual(ks?.replication, { class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '3' });
  assert.equal(ks?.durableWrites, false);

  const nts = apply(emptySchema(), "CREATE KEYSPACE n WITH replication = {'class': 'org.apache.cassandra.locator.NetworkTopologyStrategy', 'dc1': 3, 'dc2': '2'}");
  assert.deepEqual(nts.schema.keyspaces.get('n')?.replication, {
    class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '3', dc2: '2',
  });
});

test('NTS replication_factor expands to the known data centers', () => {
  const r = applyDdl(emptySchema(), ddl("CREATE KEYSPACE n WITH replication = {'class': 'NetworkTopologyStrategy', 'replication_factor': 3, 'dc2': 1}"), undefined, {
    ...deterministic, dataCenters: ['dc1', 'dc2'],
  });
  assert.deepEqual(r.schema.keyspaces.get('n')?.replication, {
    class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '3', dc2: '1',
  });
  throwsWith(
    () => applyDdl(emptySchema(), ddl("CREATE KEYSPACE n WITH replication = {'class': 'NetworkTopologyStrategy', 'dc9': 3}"), undefined, { dataCenters: ['dc1'] }),
    ConfigError, 'Unrecognized strategy option {dc9} passed to NetworkTopologyStrategy for keyspace n',
  );
});

test('keyspace errors', () => {
  const s = build([KS]);
  throwsWith(() => apply(s, KS), AlreadyExistsError, 'Cannot add existing keyspace "ks"');
  assert.equal(apply(s, KS.replace('KEYSPACE', 'KEYSPACE IF NOT EXISTS')).change, null);
  assert.equal(apply(s, KS.replace('KEYSPACE', 'KEYSPACE IF NOT EXISTS')).schema, s);
  throwsWith(
    () => apply(s, "CREATE KEYSPACE bad WITH replication = {'class': 'NetworkToplogyStrategy', 'dc1': 3}"),
    ConfigError, "Unable to find replication strategy class 'org.apache.cassandra.locator.NetworkToplogyStrategy'",
  );
  throwsWith(() => apply(s, "CREATE KEYSPACE x WITH replication = {'class': 'SimpleStrategy'}"), ConfigError,
    'SimpleStrategy requires a replication_factor strategy option.');
  throwsWith(() => apply(s, "CREATE KEYSPACE x WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 'abc'}"), ConfigError,
    'For input string: "abc"');
  throwsWith(() => apply(s, "CREATE KEYSPACE x WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1, 'dc1': 2}"), ConfigError,
    'Unrecognized strategy option {dc1} passed to SimpleStrategy for keyspace x');
  throwsWith(() => apply(s, "CREATE KEYSPACE x WITH replication = {'replication_factor': 1}"), ConfigError, 'Missing replication strategy class');
  throwsWith(() => apply(s, "DROP KEYSPACE nope"), InvalidRequestError, "Keyspace 'nope' doesn't exist");
  assert.equal(apply(s, 'DROP KEYSPACE IF EXISTS nope').change, null);
  throwsWith(() => apply(s, "ALTER KEYSPACE nope WITH durable_writes = false"), InvalidRequestError, "Keyspace 'nope' doesn't exist");
  throwsWith(() => apply(s, KS.replace(' ks ', ' system_auth ')), AlreadyExistsError, 'Cannot add existing keyspace "system_auth"');
});

test('system keyspaces are protected as in Cassandra 4', () => {
  const s = build([KS]);
  throwsWith(() => apply(s, 'DROP KEYSPACE system'), UnauthorizedError, 'system keyspace is not user-modifiable.');
  throwsWith(() => apply(s, "ALTER KEYSPACE system_schema WITH durable_writes = false"), UnauthorizedError,
    'system_schema keyspace is not user-modifiable.');
  throwsWith(() => apply(s, 'DROP KEYSPACE system_auth'), UnauthorizedError, 'Cannot DROP <keyspace system_auth>');
  throwsWith(() => apply(s, 'CREATE TABLE system_auth.x (a int PRIMARY KEY)'), UnauthorizedError, 'Cannot CREATE <keyspace system_auth>');
  throwsWith(() => apply(s, 'DROP TABLE system_auth.roles'), UnauthorizedError, 'Cannot DROP <table system_auth.roles>');
  throwsWith(() => apply(s, 'CREATE TABLE system.x (a int PRIMARY KEY)'), UnauthorizedError, 'system keyspace is not user-modifiable.');
  // Replicated system keyspaces may have their replication changed.
  const r = apply(s, "ALTER KEYSPACE system_auth WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
  assert.deepEqual(r.change, { change: 'UPDATED', target: 'KEYSPACE', keyspace: 'system_auth' });
  assert.equal(r.schema.keyspaces.get('system_auth')?.replication.replication_factor, '3');
  assert.notEqual(r.schema.version, s.version);
});

test('ALTER KEYSPACE changes replication and durable_writes', () => {
  const s = build([KS]);
  const r = apply(s, "ALTER KEYSPACE ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 2} AND durable_writes = false");
  assert.deepEqual(r.schema.keyspaces.get('ks')?.replication, { class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '2' });
  assert.equal(r.schema.keyspaces.get('ks')?.durableWrites, false);
  const d = apply(r.schema, 'DROP KEYSPACE ks');
  assert.deepEqual(d.change, { change: 'DROPPED', target: 'KEYSPACE', keyspace: 'ks' });
  assert.equal(d.schema.keyspaces.has('ks'), false);
});

test('CREATE TABLE builds columns in Cassandra order with options and defaults', () => {
  const s = build([KS, 'CREATE TYPE ks.addr (street text, zip int)']);
  const r = apply(s,
    "CREATE TABLE t (b int, a text, z int static, m map<text, int>, y frozen<addr>, c timeuuid, d int, PRIMARY KEY ((b, a), c, d)) " +
    "WITH CLUSTERING ORDER BY (c DESC, d ASC) AND comment = 'hi' AND gc_grace_seconds = 10 AND compaction = {'class': 'LeveledCompactionStrategy'}",
    'ks');
  assert.deepEqual(r.change, { change: 'CREATED', target: 'TABLE', keyspace: 'ks', name: 't' });
  const t = r.schema.keyspaces.get('ks')?.tables.get('t');
  assert.ok(t);
  assert.deepEqual(t.partitionKey.map((c) => [c.name, c.position, c.kind]), [['b', 0, 'partition_key'], ['a', 1, 'partition_key']]);
  assert.deepEqual(t.clustering.map((c) => [c.name, c.position, c.order]), [['c', 0, 'desc'], ['d', 1, 'asc']]);
  assert.deepEqual(t.regular.map((c) => [c.name, c.kind, c.position, c.order]), [
    ['m', 'regular', -1, 'none'], ['y', 'regular', -1, 'none'], ['z', 'static', -1, 'none'],
  ]);
  assert.equal(t.columns.size, 7);
  const y = t.columns.get('y')?.type;
  assert.ok(y?.kind === 'udt' && y.frozen && y.keyspace === 'ks' && y.fieldNames.join() === 'street,zip');
  assert.equal(t.options.comment, 'hi');
  assert.equal(t.options.gc_grace_seconds, 10);
  assert.deepEqual(t.options.compaction, {
    class: 'org.apache.cassandra.db.compaction.LeveledCompactionStrategy', max_threshold: '32', min_threshold: '4',
  });
  assert.deepEqual(t.options.caching, DEFAULT_TABLE_OPTIONS.caching);
  assert.match(t.id, /^[0-9a-f-]{36}$/);
  assert.equal(t.version, 1);
});

test('CREATE TABLE validation errors', () => {
  const s = build([KS, 'CREATE TYPE ks.addr (street text)', 'CREATE TABLE ks.t (a int PRIMARY KEY)']);
  const e = (cql: string, cls: new (...a: never[]) => Error, msg: string | RegExp, current: string | null = 'ks'): void =>
    throwsWith(() => apply(s, cql, current ?? undefined), cls, msg);
  e('CREATE TABLE t (a int PRIMARY KEY)', AlreadyExistsError, 'Cannot add already existing table "t" to keyspace "ks"');
  assert.equal(apply(s, 'CREATE TABLE IF NOT EXISTS t (a int PRIMARY KEY)', 'ks').change, null);
  e('CREATE TABLE x (a int PRIMARY KEY)', InvalidRequestError,
    'No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename', null);
  e('CREATE TABLE nope.x (a int PRIMARY KEY)', InvalidRequestError, "Keyspace 'nope' doesn't exist");
  e('CREATE TABLE x (a int, b int, PRIMARY KEY (a, c))', InvalidRequestError, "Unknown column 'c' referenced in PRIMARY KEY for table 'x'");
  e('CREATE TABLE x (a int, a int, PRIMARY KEY (a))', InvalidRequestError, "Duplicate column 'a' declaration for table 'x'");
  e('CREATE TABLE x (a int, b int, PRIMARY KEY (a, a))', InvalidRequestError, "Duplicate column 'a' in PRIMARY KEY clause for table 'x'");
  e('CREATE TABLE x (a list<int>, b int, PRIMARY KEY (a))', InvalidRequestError,
    "Invalid non-frozen collection type list<int> for PRIMARY KEY column 'a'");
  e('CREATE TABLE x (a addr, b int, PRIMARY KEY (a))', InvalidRequestError,
    "Invalid non-frozen user-defined type addr for PRIMARY KEY column 'a'");
  e('CREATE TABLE x (a int, b int static, PRIMARY KEY (a))', InvalidRequestError,
    'Static columns are only useful (and thus allowed) if the table has at least one clustering column');
  e('CREATE TABLE x (a int, b counter, c int, PRIMARY KEY (a))', InvalidRequestError, 'Cannot mix counter and non counter columns in the same table');
  e('CREATE TABLE x (a counter PRIMARY KEY, b counter)', InvalidRequestError, "counter type is not supported for PRIMARY KEY column 'a'");
  e('CREATE TABLE x (a int, b int, c int, PRIMARY KEY (a, b, c)) WITH CLUSTERING ORDER BY (c DESC, b ASC)', InvalidRequestError,
    'The order of columns in the CLUSTERING ORDER directive must match that of the clustering columns (b must appear before c)');
  e('CREATE TABLE x (a int, b int, c int, PRIMARY KEY (a, b, c)) WITH CLUSTERING ORDER BY (c DESC)', InvalidRequestError,
    'Missing CLUSTERING ORDER for column b');
  e('CREATE TABLE x (a int, b int, PRIMARY KEY (a)) WITH CLUSTERING ORDER BY (b DESC)', InvalidRequestError,
    'Only clustering columns can be defined in CLUSTERING ORDER directive');
  e('CREATE TABLE x (a int PRIMARY KEY, b frozen<nope>)', InvalidRequestError, 'Unknown type ks.nope');
  e('CREATE TABLE x (a int PRIMARY KEY, b list<list<int>>)', InvalidRequestError,
    'Non-frozen collections are not allowed inside collections: list<list<int>>');
  e("CREATE TABLE x (a int PRIMARY KEY) WITH foo = 'bar'", SyntaxError, "Unknown property 'foo'");
  e('CREATE TABLE x (a int PRIMARY KEY) WITH gc_grace_seconds = -1', ConfigError, 'gc_grace_seconds must be greater than or equal to 0 (got -1)');
  e("CREATE TABLE x (a int PRIMARY KEY) WITH gc_grace_seconds = 'abc'", SyntaxError, "Invalid integer value abc for 'gc_grace_seconds'");
});

test('counter tables and options', () => {
  const s = build([KS, 'CREATE TABLE ks.c (a int PRIMARY KEY, n counter)']);
  throwsWith(() => apply(s, 'ALTER TABLE ks.c WITH default_time_to_live = 10'), InvalidRequestError,
    'Cannot set default_time_to_live on a table with counters');
  throwsWith(() => apply(s, 'ALTER TABLE ks.c ADD x int'), ConfigError, 'ks.c: Cannot have a non counter column ("x") in a counter table');
  const r = apply(s, "ALTER TABLE ks.c WITH comment = 'counts' AND speculative_retry = '95PERCENTILE' AND caching = {'keys': 'none'}");
  const t = r.schema.keyspaces.get('ks')?.tables.get('c');
  assert.equal(t?.options.comment, 'counts');
  assert.equal(t?.options.speculative_retry, '95p');
  assert.deepEqual(t?.options.caching, { keys: 'NONE', rows_per_partition: 'NONE' });
  assert.equal(t?.version, 1, 'option changes do not invalidate prepared statements');
});

test('ALTER TABLE ADD / DROP / RENAME bump the table version', () => {
  const s = build([KS, 'CREATE TABLE ks.t (a int, b int, v text, PRIMARY KEY (a, b))']);
  const t0 = s.keyspaces.get('ks')?.tables.get('t');
  const add = apply(s, 'ALTER TABLE ks.t ADD (w int, s int static)');
  const t1 = add.schema.keyspaces.get('ks')?.tables.get('t');
  assert.deepEqual(add.change, { change: 'UPDATED', target: 'TABLE', keyspace: 'ks', name: 't' });
  assert.deepEqual(t1?.regular.map((c) => `${c.name}:${c.kind}`), ['s:static', 'v:regular', 'w:regular']);
  assert.equal(t1?.version, (t0?.version ?? 0) + 1);
  assert.equal(t1?.id, t0?.id);

  const drop = apply(add.schema, 'ALTER TABLE ks.t DROP v');
  const t2 = drop.schema.keyspaces.get('ks')?.tables.get('t');
  assert.equal(t2?.columns.has('v'), false);
  assert.equal(t2?.dropped?.get('v')?.droppedTime, deterministic.nowMicros);
  assert.equal(t2?.version, (t1?.version ?? 0) + 1);

  const ren = apply(drop.schema, 'ALTER TABLE ks.t RENAME b TO bb');
  const t3 = ren.schema.keyspaces.get('ks')?.tables.get('t');
  assert.deepEqual(t3?.clustering.map((c) => c.name), ['bb']);
  assert.equal(t3?.columns.get('bb')?.kind, 'clustering');
  assert.equal(t3?.version, (t2?.version ?? 0) + 1);

  const e = (cql: string, cls: new (...a: never[]) => Error, msg: string): void => throwsWith(() => apply(ren.schema, cql), cls, msg);
  e('ALTER TABLE ks.t ADD w int', InvalidRequestError, "Column with name 'w' already exists");
  e('ALTER TABLE ks.t ADD v bigint', InvalidRequestError,
    "Cannot re-add previously dropped column 'v' of type bigint, incompatible with previous type text");
  e('ALTER TABLE ks.t DROP nope', InvalidRequestError, "Column nope was not found in table 'ks.t'");
  e('ALTER TABLE ks.t DROP a', InvalidRequestError, 'Cannot drop PRIMARY KEY column a');
  e('ALTER TABLE ks.t RENAME w TO ww', InvalidRequestError, 'Cannot rename non PRIMARY KEY column w');
  e('ALTER TABLE ks.t RENAME a TO w', InvalidRequestError,
    "Cannot rename column a to w in table 'ks.t'; another column with that name already exists");
  e('ALTER TABLE ks.nope ADD x int', InvalidRequestError, "Table 'ks.nope' doesn't exist");
  e('DROP TABLE ks.nope', InvalidRequestError, "Table 'ks.nope' doesn't exist");
  assert.equal(apply(ren.schema, 'DROP TABLE IF EXISTS ks.nope').change, null);
  assert.equal(apply(ren.schema, 'ALTER TABLE IF EXISTS ks.nope ADD x int').change, null);

  const re = apply(ren.schema, 'ALTER TABLE ks.t ADD v text');
  assert.equal(re.schema.keyspaces.get('ks')?.tables.get('t')?.columns.get('v')?.kind, 'regular');
  const dt = apply(re.schema, 'DROP TABLE ks.t');
  assert.deepEqual(dt.change, { change: 'DROPPED', target: 'TABLE', keyspace: 'ks', name: 't' });
  assert.equal(dt.schema.keyspaces.get('ks')?.tables.size, 0);
});

test('user types: create, alter (propagated to tables), drop', () => {
  const s = build([KS, 'CREATE TYPE ks.addr (street text, zip int)', 'CREATE TYPE ks.person (name text, home frozen<addr>)',
    'CREATE TABLE ks.t (a int PRIMARY KEY, p frozen<person>)']);
  throwsWith(() => apply(s, 'CREATE TYPE ks.addr (x int)'), InvalidRequestError, "A user type with name 'addr' already exists");
  assert.equal(apply(s, 'CREATE TYPE IF NOT EXISTS ks.addr (x int)').change, null);
  throwsWith(() => apply(s, 'CREATE TYPE ks.u (x int, x text)'), InvalidRequestError, "Duplicate field name 'x' in type 'u'");
  throwsWith(() => apply(s, 'CREATE TYPE ks.u (x counter)'), InvalidRequestError, 'A user type cannot contain counters');
  throwsWith(() => apply(s, 'CREATE TYPE ks.u (x addr)'), InvalidRequestError, 'A user type cannot contain non-frozen UDTs');

  const alt = apply(s, 'ALTER TYPE ks.addr ADD city text');
  assert.deepEqual(alt.change, { change: 'UPDATED', target: 'TYPE', keyspace: 'ks', name: 'addr' });
  const ks = alt.schema.keyspaces.get('ks');
  assert.deepEqual(ks?.types.get('addr')?.fieldNames, ['street', 'zip', 'city']);
  const home = ks?.types.get('person')?.fieldTypes[1];
  assert.ok(home?.kind === 'udt' && home.fieldNames.join() === 'street,zip,city');
  const p = ks?.tables.get('t')?.columns.get('p')?.type;
  assert.ok(p?.kind === 'udt' && p.fieldTypes[1].kind === 'udt' && p.fieldTypes[1].fieldNames.length === 3);
  assert.equal(ks?.tables.get('t')?.version, 2);

  const ren = apply(alt.schema, 'ALTER TYPE ks.addr RENAME street TO road');
  assert.deepEqual(ren.schema.keyspaces.get('ks')?.types.get('addr')?.fieldNames, ['road', 'zip', 'city']);
  throwsWith(() => apply(s, 'ALTER TYPE ks.addr ADD zip int'), InvalidRequestError,
    'Cannot add field zip to type ks.addr: a field with name zip already exists');
  throwsWith(() => apply(s, 'ALTER TYPE ks.addr RENAME nope TO x'), InvalidRequestError, 'Unkown field nope in user type ks.addr');
  throwsWith(() => apply(s, 'ALTER TYPE ks.nope ADD x int'), InvalidRequestError, "Type ks.nope doesn't exist");

  throwsWith(() => apply(s, 'DROP TYPE ks.addr'), InvalidRequestError, "Cannot drop user type 'ks.addr' as it is still used by user types person");
  throwsWith(() => apply(s, 'DROP TYPE ks.person'), InvalidRequestError, "Cannot drop user type 'ks.person' as it is still used by tables t");
  throwsWith(() => apply(s, 'DROP TYPE ks.nope'), InvalidRequestError, "Type 'ks.nope' doesn't exist");
  assert.equal(apply(s, 'DROP TYPE IF EXISTS ks.nope').change, null);
  const d = build(['DROP TABLE ks.t', 'DROP TYPE ks.person', 'DROP TYPE ks.addr'], undefined, s);
  assert.equal(d.keyspaces.get('ks')?.types.size, 0);
});

test('resolveType resolves UDTs and freezes nested types', () => {
  const s = build([KS, 'CREATE TYPE ks.addr (street text)']);
  assert.deepEqual(resolveType({ kind: 'native', name: 'int' }, 'ks', s), T.int);
  const t = resolveType({ kind: 'list', element: { kind: 'udt', name: 'addr', frozen: true }, frozen: false }, 'ks', s);
  assert.ok(t.kind === 'list' && !t.frozen && t.element.kind === 'udt' && t.element.frozen);
  const f = resolveType({ kind: 'list', element: { kind: 'list', element: T.int, frozen: false }, frozen: true }, 'ks', s);
  assert.ok(f.kind === 'list' && f.element.kind === 'list' && f.element.frozen);
  assert.throws(() => resolveType({ kind: 'udt', keyspace: 'other', name: 'addr', frozen: true }, 'ks', s), /cannot refer to a user type in keyspace other/);
});

test('schema version: changes with every DDL, stable for equal schemas, survives serialization', () => {
  const statements = [
    KS, 'CREATE TYPE ks.addr (street text)', 'CREATE TABLE ks.t (a int PRIMARY KEY, b frozen<addr>)',
    'ALTER TABLE ks.t ADD c int', "ALTER TABLE ks.t WITH comment = 'x'", 'ALTER TABLE ks.t DROP c', 'ALTER TYPE ks.addr ADD zip int',
    'ALTER TYPE ks.addr RENAME zip TO z', "ALTER KEYSPACE ks WITH durable_writes = false", 'DROP TABLE ks.t', 'DROP TYPE ks.addr', 'DROP KEYSPACE ks',
  ];
  const seen = new Set<string>();
  let s = emptySchema();
  seen.add(s.version);
  for (const q of statements) {
    s = apply(s, q).schema;
    assert.ok(!seen.has(s.version) || q === 'DROP KEYSPACE ks', `version must change after ${q}`);
    seen.add(s.version);
    assert.match(s.version, /^[0-9a-f]{8}-[0-9a-f]{4}-3[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  }
  assert.equal(s.version, emptySchema().version, 'back to the empty schema');

  const a = build(statements.slice(0, 7));
  const json = JSON.parse(JSON.stringify(serializeSchema(a))) as unknown;
  const b = deserializeSchema(json);
  assert.equal(computeSchemaVersion(b), a.version);
  assert.equal(b.version, a.version);
  assert.deepEqual(b, a);
  const ta = a.keyspaces.get('ks')?.tables.get('t');
  const tb = b.keyspaces.get('ks')?.tables.get('t');
  assert.deepEqual([...(tb?.columns.keys() ?? [])], [...(ta?.columns.keys() ?? [])]);
  assert.ok(tb?.dropped?.has('c'));
  assert.throws(() => deserializeSchema({ nope: 1 }), /invalid serialized schema/);
});
