// Seed 000's two regions on live node processes, and the no-lost-acknowledged-writes guarantee across a replica
// crash. Addresses: 127.0.16.x (WESTUS 1-3, EASTUS 4-6) and 127.0.17.x (3 nodes, RF 3).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { types, type Client } from 'cassandra-driver';
import type { NodeProcess } from '../helpers/node-process.ts';
import { clientFor, eventually, layout, startCluster, waitForPeers } from '../fixtures/cluster.ts';
import { expectServerError, sleep } from '../fixtures/driver.ts';

const CL = types.consistencies;

describe('two regions: WESTUS and EASTUS, RF 3 each', { timeout: 240_000 }, () => {
  const specs = layout('127.0.16.', [
    { dc: 'WESTUS', rack: 'rack1', count: 1 }, { dc: 'WESTUS', rack: 'rack2', count: 1 }, { dc: 'WESTUS', rack: 'rack3', count: 1 },
    { dc: 'EASTUS', rack: 'rack1', count: 1 }, { dc: 'EASTUS', rack: 'rack2', count: 1 }, { dc: 'EASTUS', rack: 'rack3', count: 1 },
  ]);
  const clients: Client[] = [];
  after(async () => {
    await Promise.all(clients.map((c) => c.shutdown()));
  });

  test('rows written in WESTUS are read in EASTUS; a region outage leaves LOCAL_QUORUM working and EACH_QUORUM failing', { timeout: 200_000 }, async () => {
    const nodes: NodeProcess[] = await startCluster('regions', specs);
    const west = await clientFor(specs[0].address, 'WESTUS');
    const east = await clientFor(specs[3].address, 'EASTUS');
    clients.push(west, east);
    await west.execute("CREATE KEYSPACE customers_ks WITH replication = {'class': 'NetworkTopologyStrategy', 'WESTUS': 3, 'EASTUS': 3}");
    await west.execute('CREATE TABLE customers_ks.customers (customer_id int PRIMARY KEY, firstname text, lastname text)');
    const insert = 'INSERT INTO customers_ks.customers (customer_id, firstname, lastname) VALUES (?, ?, ?)';
    const select = 'SELECT firstname FROM customers_ks.customers WHERE customer_id = ?';
    // EACH_QUORUM: acknowledged once both regions hold a quorum, so EASTUS reads it at once.
    await west.execute(insert, [1, 'John', 'Doe'], { prepare: true, consistency: CL.eachQuorum });
    assert.equal((await east.execute(select, [1], { prepare: true, consistency: CL.localQuorum })).first()?.get('firstname'), 'John');
    // LOCAL_QUORUM in WESTUS: replication to EASTUS continues in the background.
    await west.execute(insert, [2, 'Jane', 'Doe'], { prepare: true, consistency: CL.localQuorum });
    await eventually('Jane reaches EASTUS', 10_000, async () => {
      assert.equal((await east.execute(select, [2], { prepare: true, consistency: CL.localQuorum })).first()?.get('firstname'), 'Jane');
    });
    // SimpleStrategy ignores DCs when placing replicas, but LOCAL_* levels still count only local replicas (as
    // Cassandra's ReplicaPlans does): with RF 1 some tokens live only in EASTUS, so a LOCAL_ONE scan from WESTUS is
    // Unavailable (1 required, 0 alive), not a timeout, while ONE reads every row.
    await west.execute("CREATE KEYSPACE simple_ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    await west.execute('CREATE TABLE simple_ks.t (k int PRIMARY KEY)');
    for (let k = 0; k < 20; k++) await west.execute('INSERT INTO simple_ks.t (k) VALUES (?)', [k], { prepare: true, consistency: CL.one });
    const scan = await expectServerError(west.execute('SELECT k FROM simple_ks.t', [], { consistency: CL.localOne }), 0x1000, 'LOCAL_ONE scan');
    assert.deepEqual([scan['required'], scan['alive']], [1, 0]);
    assert.equal((await west.execute('SELECT k FROM simple_ks.t', [], { consistency: CL.one })).rowLength, 20);
    // Region outage: EASTUS goes away entirely.
    await Promise.all(nodes.slice(3).map((n) => n.kill()));
    await eventually('WESTUS sees EASTUS down', 45_000, async () => {
      const e = await expectServerError(west.execute(insert, [3, 'Tom', 'Doe'], { prepare: true, consistency: CL.eachQuorum }), 0x1000, 'EACH_QUORUM write');
      assert.equal(e['alive'], 0);
    });
    await west.execute(insert, [4, 'Ann', 'Doe'], { prepare: true, consistency: CL.localQuorum });
    assert.equal((await west.execute(select, [4], { prepare: true, consistency: CL.localQuorum })).first()?.get('firstname'), 'Ann');
    assert.equal((await west.execute(select, [1], { prepare: true, consistency: CL.localQuorum })).first()?.get('firstname'), 'John');
  });
});

describe('no acknowledged write is lost when a replica crashes and comes back', { timeout: 240_000 }, () => {
  const specs = layout('127.0.17.', [1, 2, 3].map((i) => ({ dc: 'dc1', rack: `rack${i}`, count: 1 })));
  const clients: Client[] = [];
  after(async () => {
    await Promise.all(clients.map((c) => c.shutdown()));
  });

  test('QUORUM writes during a SIGKILL are all readable at QUORUM, and at ONE from the restarted node after hints replay', { timeout: 200_000 }, async () => {
    const nodes = await startCluster('hints', specs);
    const coord = await clientFor(specs[0].address, 'dc1');
    clients.push(coord);
    await coord.execute("CREATE KEYSPACE h WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
    await coord.execute('CREATE TABLE h.t (k int PRIMARY KEY, v int)');
    const acked: number[] = [];
    let stop = false;
    const writer = (async () => {
      for (let k = 0; !stop && k < 100_000; k++) {
        try {
          await coord.execute('INSERT INTO h.t (k, v) VALUES (?, ?)', [k, k * 10], { prepare: true, consistency: CL.quorum });
          acked.push(k);
        } catch {
          // Not acknowledged: no promise was made about this row.
        }
      }
    })();
    await sleep(1500);
    await nodes[2].kill();
    await sleep(6000);
    await nodes[2].start();
    await sleep(1500);
    stop = true;
    await writer;
    assert.ok(acked.length > 100, `only ${acked.length} writes were acknowledged`);
    for (const k of acked) {
      const rs = await coord.execute('SELECT v FROM h.t WHERE k = ?', [k], { prepare: true, consistency: CL.quorum });
      assert.equal(rs.first()?.get('v'), k * 10, `acknowledged row ${k} read at QUORUM`);
    }
    // The restarted node alone: the coordinator replays its hints once it sees the node up again.
    await waitForPeers([specs[2]], 2, 30_000);
    const restarted = await clientFor(specs[2].address, 'dc1');
    clients.push(restarted);
    await eventually('hints replayed to the restarted node', 60_000, async () => {
      for (const k of acked) {
        const rs = await restarted.execute('SELECT v FROM h.t WHERE k = ?', [k], { prepare: true, consistency: CL.one });
        assert.equal(rs.first()?.get('v'), k * 10, `row ${k} on the restarted node`);
      }
    });
  });
});
