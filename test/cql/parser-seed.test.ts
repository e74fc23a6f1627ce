import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse, stmt } from './parser-helpers.ts';

const SEED = [
  `CREATE KEYSPACE customers_ks WITH REPLICATION = { 'class' : 'SimpleStrategy', 'replication_factor' : 3 };`,
  `USE customers_ks;`,
  `CREATE TABLE Customers(customer_id int PRIMARY KEY, firstname text, lastname text);`,
  `INSERT INTO Customers(customer_id, firstname, lastname) VALUES(1, 'John', 'Doe');`,
  `SELECT * FROM Customers;`,
  `CREATE KEYSPACE customers_ks WITH REPLICATION = { 'class' : 'NetworkToplogyStrategy', 'WESTUS' : 3, 'EASTUS' : 3};`,
  `UPDATE customers_cf SET custname=?,custaddress=? where custid=?`,
  `SELECT * FROM customers_cf WHERE custid IN (1,2)`,
  `CREATE KEYSPACE IF NOT EXISTS "keyspace1" WITH replication = {'class':'SimpleStrategy','replication_factor':'1'} AND durable_writes = true;`,
  `CREATE TABLE IF NOT EXISTS keyspace1.standard1 (key blob PRIMARY KEY, "C0" blob, "C1" blob, "C2" blob, "C3" blob, "C4" blob) WITH compression = {}`,
  `SELECT * FROM system.local WHERE key='local'`,
  `SELECT * FROM system_schema.functions WHERE keyspace_name = 'ks' AND function_name = 'f' AND argument_types = ['int', 'text']`,
];

describe('seed statements', () => {
  it('all parse', () => {
    for (const q of SEED) assert.doesNotThrow(() => parse(q), q);
  });

  it('produce the expected trees', () => {
    assert.deepEqual(stmt(SEED[0]!, 'create_keyspace'), {
      kind: 'create_keyspace', keyspace: 'customers_ks', ifNotExists: false,
      replication: { class: 'SimpleStrategy', replication_factor: '3' },
    });
    assert.deepEqual(stmt(SEED[1]!, 'use'), { kind: 'use', keyspace: 'customers_ks' });
    const t = stmt(SEED[2]!, 'create_table');
    assert.deepEqual(t.table, { name: 'customers' });
    assert.deepEqual(t.partitionKey, ['customer_id']);
    assert.deepEqual(t.clusteringColumns, []);
    assert.deepEqual(t.columns.map((c) => [c.name, c.type]), [
      ['customer_id', { kind: 'native', name: 'int' }],
      ['firstname', { kind: 'native', name: 'text' }],
      ['lastname', { kind: 'native', name: 'text' }],
    ]);
    const ins = stmt(SEED[3]!, 'insert');
    assert.deepEqual(ins.columns, ['customer_id', 'firstname', 'lastname']);
    assert.deepEqual(ins.values, [
      { kind: 'literal', type: 'integer', text: '1' },
      { kind: 'literal', type: 'string', text: 'John' },
      { kind: 'literal', type: 'string', text: 'Doe' },
    ]);
    assert.equal(stmt(SEED[4]!, 'select').selectors, '*');
    // The misspelled strategy must parse; rejecting it is the executor's job.
    assert.deepEqual(stmt(SEED[5]!, 'create_keyspace').replication, { class: 'NetworkToplogyStrategy', WESTUS: '3', EASTUS: '3' });
    const up = parse(SEED[6]!);
    assert.equal(up.bindMarkers.length, 3);
    const sel = stmt(SEED[7]!, 'select');
    assert.deepEqual(sel.where[0], {
      lhs: { kind: 'column', name: 'custid' }, op: 'IN',
      rhs: { kind: 'list', elements: [{ kind: 'literal', type: 'integer', text: '1' }, { kind: 'literal', type: 'integer', text: '2' }] },
    });
    const ks = stmt(SEED[8]!, 'create_keyspace');
    assert.equal(ks.keyspace, 'keyspace1');
    assert.equal(ks.ifNotExists, true);
    assert.equal(ks.durableWrites, true);
    assert.deepEqual(ks.replication, { class: 'SimpleStrategy', replication_factor: '1' });
    const st = stmt(SEED[9]!, 'create_table');
    assert.deepEqual(st.table, { keyspace: 'keyspace1', name: 'standard1' });
    assert.deepEqual(st.columns.map((c) => c.name), ['key', 'C0', 'C1', 'C2', 'C3', 'C4']);
    assert.deepEqual(st.options, { compression: {} });
    const local = stmt(SEED[10]!, 'select');
    assert.deepEqual(local.table, { keyspace: 'system', name: 'local' });
    assert.deepEqual(local.where[0]!.lhs, { kind: 'column', name: 'key' });
    const fns = stmt(SEED[11]!, 'select');
    assert.equal(fns.where.length, 3);
    assert.equal(fns.where[2]!.rhs.kind, 'list');
  });
});
