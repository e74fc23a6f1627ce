import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTypeRef } from '../../src/cql/parser.ts';
import { stmt, syntaxError } from './parser-helpers.ts';

describe('keyspaces', () => {
  it('CREATE / ALTER / DROP', () => {
    const c = stmt(`create keyspace if not exists Ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3} AND DURABLE_WRITES = 'false'`, 'create_keyspace');
    assert.deepEqual(c, { kind: 'create_keyspace', keyspace: 'ks', ifNotExists: true, replication: { class: 'NetworkTopologyStrategy', dc1: '3' }, durableWrites: false });
    const a = stmt(`ALTER KEYSPACE ks WITH durable_writes = true`, 'alter_keyspace');
    assert.deepEqual(a, { kind: 'alter_keyspace', keyspace: 'ks', ifExists: false, durableWrites: true });
    const a2 = stmt(`ALTER KEYSPACE IF EXISTS "Ks" WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`, 'alter_keyspace');
    assert.equal(a2.keyspace, 'Ks');
    assert.equal(a2.ifExists, true);
    assert.deepEqual(a2.replication, { class: 'SimpleStrategy', replication_factor: '1' });
    assert.deepEqual(stmt('DROP KEYSPACE IF EXISTS ks', 'drop_keyspace'), { kind: 'drop_keyspace', keyspace: 'ks', ifExists: true });
  });

  it('rejects bad keyspace options', () => {
    syntaxError(`CREATE KEYSPACE ks WITH replication = 'x'`, /should be a map/);
    syntaxError(`CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy'} AND foo = 1`, /Unknown property 'foo'/);
    syntaxError(`CREATE KEYSPACE ks WITH replication = {} AND replication = {}`, /Multiple definition for property replication/);
    syntaxError(`CREATE KEYSPACE ks`, /expecting K_WITH/);
  });
});

describe('tables', () => {
  it('composite keys, static columns, clustering order, compact storage, options', () => {
    const t = stmt(
      `CREATE COLUMNFAMILY IF NOT EXISTS ks.t (a int, b text, c timeuuid, d varchar, s set<int> STATIC,
        m frozen<map<text, list<int>>>, PRIMARY KEY ((a, b), c, d))
       WITH CLUSTERING ORDER BY (c DESC, d ASC) AND COMPACT STORAGE AND comment = 'hi' AND gc_grace_seconds = 10
        AND bloom_filter_fp_chance = 0.01 AND read_repair_chance = -1 AND cdc = false AND caching = {'keys': 'ALL', 'rows_per_partition': 10}
        AND Speculative_Retry = '99p' AND id = 5bc52802-de25-11e7-80c1-9a214cf093ae`,
      'create_table',
    );
    assert.deepEqual(t.table, { keyspace: 'ks', name: 't' });
    assert.equal(t.ifNotExists, true);
    assert.deepEqual(t.partitionKey, ['a', 'b']);
    assert.deepEqual(t.clusteringColumns, ['c', 'd']);
    assert.deepEqual(t.clusteringOrder, [{ column: 'c', order: 'DESC' }, { column: 'd', order: 'ASC' }]);
    assert.equal(t.compactStorage, true);
    assert.deepEqual(t.columns.find((c) => c.name === 's'), { name: 's', type: { kind: 'set', element: { kind: 'native', name: 'int' }, frozen: false }, isStatic: true });
    assert.deepEqual(t.columns.find((c) => c.name === 'd')!.type, { kind: 'native', name: 'text' });
    assert.deepEqual(t.options, {
      comment: 'hi', gc_grace_seconds: 10, bloom_filter_fp_chance: 0.01, read_repair_chance: -1, cdc: false,
      caching: { keys: 'ALL', rows_per_partition: '10' }, speculative_retry: '99p', id: '5bc52802-de25-11e7-80c1-9a214cf093ae',
    });
  });

  it('single-column PRIMARY KEY clause and trailing comma', () => {
    const t = stmt('CREATE TABLE t (k int, v int, PRIMARY KEY (k),)', 'create_table');
    assert.deepEqual(t.partitionKey, ['k']);
    assert.deepEqual(t.clusteringColumns, []);
    assert.deepEqual(stmt('CREATE TABLE t (k int)', 'create_table').partitionKey, []);
    syntaxError('CREATE TABLE t (k int PRIMARY KEY, v int PRIMARY KEY)', /Multiple PRIMARY KEYs/);
  });

  it('ALTER TABLE actions', () => {
    assert.deepEqual(stmt('ALTER TABLE t ADD a int', 'alter_table').action, { kind: 'add', columns: [{ name: 'a', type: { kind: 'native', name: 'int' }, isStatic: false }] });
    assert.deepEqual(stmt('ALTER TABLE ks.t ADD (a int, b text static)', 'alter_table').action, {
      kind: 'add',
      columns: [{ name: 'a', type: { kind: 'native', name: 'int' }, isStatic: false }, { name: 'b', type: { kind: 'native', name: 'text' }, isStatic: true }],
    });
    assert.deepEqual(stmt('ALTER TABLE t ADD a int, b list<text>', 'alter_table').action.kind, 'add');
    assert.deepEqual(stmt('ALTER TABLE t DROP a', 'alter_table').action, { kind: 'drop', columns: ['a'] });
    assert.deepEqual(stmt('ALTER TABLE t DROP (a, "B")', 'alter_table').action, { kind: 'drop', columns: ['a', 'B'] });
    assert.deepEqual(stmt('ALTER TABLE t RENAME a TO b AND c TO d', 'alter_table').action, { kind: 'rename', renames: [['a', 'b'], ['c', 'd']] });
    assert.deepEqual(stmt(`ALTER COLUMNFAMILY t WITH comment = 'x' AND default_time_to_live = 5`, 'alter_table').action, { kind: 'options', options: { comment: 'x', default_time_to_live: 5 } });
    assert.equal(stmt('ALTER TABLE IF EXISTS t DROP a', 'alter_table').ifExists, true);
    syntaxError('ALTER TABLE t ALTER a TYPE text', /no longer supported/);
  });

  it('DROP TABLE, TRUNCATE', () => {
    assert.deepEqual(stmt('DROP TABLE IF EXISTS ks.t', 'drop_table'), { kind: 'drop_table', table: { keyspace: 'ks', name: 't' }, ifExists: true });
    assert.deepEqual(stmt('DROP COLUMNFAMILY t', 'drop_table'), { kind: 'drop_table', table: { name: 't' }, ifExists: false });
    assert.deepEqual(stmt('TRUNCATE t', 'truncate'), { kind: 'truncate', table: { name: 't' } });
    assert.deepEqual(stmt('TRUNCATE TABLE ks.t', 'truncate'), { kind: 'truncate', table: { keyspace: 'ks', name: 't' } });
  });
});

describe('user types', () => {
  it('CREATE / ALTER / DROP TYPE', () => {
    const c = stmt('CREATE TYPE IF NOT EXISTS ks.address (street text, "Zip" int, tags frozen<set<text>>)', 'create_type');
    assert.deepEqual(c.type, { keyspace: 'ks', name: 'address' });
    assert.equal(c.ifNotExists, true);
    assert.deepEqual(c.fields.map((f) => f.name), ['street', 'Zip', 'tags']);
    assert.deepEqual(stmt('ALTER TYPE address ADD phone text', 'alter_type').action, { kind: 'add', field: 'phone', fieldType: { kind: 'native', name: 'text' } });
    assert.deepEqual(stmt('ALTER TYPE ks.address RENAME a TO b AND c TO d', 'alter_type').action, { kind: 'rename', renames: [['a', 'b'], ['c', 'd']] });
    assert.deepEqual(stmt('DROP TYPE IF EXISTS address', 'drop_type'), { kind: 'drop_type', type: { name: 'address' }, ifExists: true });
    syntaxError('CREATE TYPE int (a int)', /Invalid \(reserved\) user type name int/);
  });
});

describe('USE and DESCRIBE', () => {
  it('USE', () => {
    assert.deepEqual(stmt('USE "MyKs"', 'use'), { kind: 'use', keyspace: 'MyKs' });
  });

  it('every DESCRIBE target', () => {
    const d = (q: string): unknown => {
      const s = stmt(q, 'describe');
      return s.withInternals ? { ...s.target, internals: true } : s.target;
    };
    assert.deepEqual(d('DESCRIBE CLUSTER'), { kind: 'cluster' });
    assert.deepEqual(d('DESC KEYSPACES'), { kind: 'keyspaces' });
    assert.deepEqual(d('DESCRIBE KEYSPACE'), { kind: 'keyspace', only: false });
    assert.deepEqual(d('DESCRIBE KEYSPACE ks'), { kind: 'keyspace', only: false, name: 'ks' });
    assert.deepEqual(d('describe only keyspace "Ks" with internals'), { kind: 'keyspace', only: true, name: 'Ks', internals: true });
    assert.deepEqual(d('DESCRIBE TABLES'), { kind: 'tables' });
    assert.deepEqual(d('DESCRIBE TABLE ks.t'), { kind: 'table', name: { keyspace: 'ks', name: 't' } });
    assert.deepEqual(d('DESCRIBE COLUMNFAMILY t'), { kind: 'table', name: { name: 't' } });
    assert.deepEqual(d('DESCRIBE TYPES'), { kind: 'types' });
    assert.deepEqual(d('DESCRIBE TYPE ks.addr'), { kind: 'type', name: { keyspace: 'ks', name: 'addr' } });
    assert.deepEqual(d('DESCRIBE SCHEMA'), { kind: 'schema', full: false });
    assert.deepEqual(d('DESCRIBE FULL SCHEMA WITH INTERNALS;'), { kind: 'schema', full: true, internals: true });
    assert.deepEqual(d('DESCRIBE ks.t'), { kind: 'name', name: { keyspace: 'ks', name: 't' } });
    assert.deepEqual(d('DESC users'), { kind: 'name', name: { name: 'users' } });
  });
});

describe('parseTypeRef', () => {
  it('native, collections, frozen, tuples, UDTs', () => {
    assert.deepEqual(parseTypeRef('int'), { kind: 'native', name: 'int' });
    assert.deepEqual(parseTypeRef('VARCHAR'), { kind: 'native', name: 'text' });
    assert.deepEqual(parseTypeRef('frozen<map<text, list<int>>>'), {
      kind: 'map', key: { kind: 'native', name: 'text' }, value: { kind: 'list', element: { kind: 'native', name: 'int' }, frozen: false }, frozen: true,
    });
    assert.deepEqual(parseTypeRef('tuple<int, text>'), { kind: 'tuple', elements: [{ kind: 'native', name: 'int' }, { kind: 'native', name: 'text' }] });
    assert.deepEqual(parseTypeRef('frozen<tuple<int>>'), { kind: 'tuple', elements: [{ kind: 'native', name: 'int' }] });
    assert.deepEqual(parseTypeRef('"MyUdt"'), { kind: 'udt', name: 'MyUdt', frozen: false });
    assert.deepEqual(parseTypeRef('ks.udt'), { kind: 'udt', keyspace: 'ks', name: 'udt', frozen: false });
    assert.deepEqual(parseTypeRef('frozen<Addr>'), { kind: 'udt', name: 'addr', frozen: true });
    assert.deepEqual(parseTypeRef('set<frozen<list<timestamp>>>'), {
      kind: 'set', element: { kind: 'list', element: { kind: 'native', name: 'timestamp' }, frozen: true }, frozen: false,
    });
  });

  it('rejects malformed types with SyntaxError', () => {
    for (const bad of ['', 'map<int>', 'list<int', 'frozen<int>', 'int int', 'list', 'tuple<>']) {
      assert.throws(() => parseTypeRef(bad), (e: Error) => e.constructor.name === 'SyntaxError' && /^line /.test(e.message), bad);
    }
    // A custom type naming no marshal class: Cassandra's TypeParser message, without a position.
    assert.throws(() => parseTypeRef("'org.Custom'"), (e: Error) => e.constructor.name === 'SyntaxError'
      && e.message === "Error setting type org.Custom: Unable to find abstract-type class 'org.Custom'");
  });
});
