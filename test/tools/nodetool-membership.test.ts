// removenode's plan (which next owner pulls which ranges from which survivor) and gossipinfo's output shape.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenRing, type RingEndpoint } from '../../src/cluster/ring.ts';
import { replicasFor } from '../../src/cluster/replication.ts';
import { parseReplication } from '../../src/schema/replication.ts';
import type { KeyspaceDef } from '../../src/schema/model.ts';
import { removalTransfers } from '../../src/bootstrap/removenode.ts';
import { formatGossipInfo } from '../../src/tools/nodetool-membership.ts';
import { formatCompactionStats, formatDescribeRing, formatVersion } from '../../src/tools/nodetool-ops.ts';

const ep = (i: number, tokens: bigint[], dc = 'dc1'): RingEndpoint => ({ id: `10.0.0.${i}:7000`, address: `10.0.0.${i}`, dc, rack: 'r1', tokens });

test('removalTransfers: every range of the removed node goes to its new replica, from a live survivor of that range', () => {
  const nodes = [1, 2, 3, 4, 5].map((i) => ep(i, [BigInt(i * 1000), BigInt(i * 1000 + 500) - 10_000n]));
  const current = new TokenRing(nodes);
  const removed = nodes[3]!.id;
  const future = new TokenRing(nodes.filter((n) => n.id !== removed));
  const ks = { name: 'ks', strategy: parseReplication({ class: 'NetworkTopologyStrategy', dc1: '3' }), tables: new Map() } as unknown as KeyspaceDef;
  const down = nodes[0]!.id;
  const transfers = removalTransfers(ks, current, future, removed, (e) => e !== down && e !== removed);
  assert.ok(transfers.length > 0);
  let ranges = 0;
  for (const t of transfers) {
    assert.notEqual(t.source, removed);
    assert.notEqual(t.source, down, 'never from a node that is down');
    assert.notEqual(t.source, t.target);
    for (const r of t.ranges) {
      ranges++;
      const before = replicasFor(current, ks.strategy, r.right).map((x) => x.id);
      const after = replicasFor(future, ks.strategy, r.right).map((x) => x.id);
      assert.ok(before.includes(removed) && before.includes(t.source), 'the source replicated the range');
      assert.ok(after.includes(t.target) && !before.includes(t.target), 'the target is its new replica');
    }
  }
  // Each of the removed node's 2 tokens' ranges, and the 2 before each of them (RF 3), gains one new replica.
  assert.equal(ranges, 6);
});

test('removalTransfers: RF 1 has nothing to stream from, and says so', () => {
  const nodes = [1, 2, 3].map((i) => ep(i, [BigInt(i * 1000)]));
  const ks = { name: 'ks', strategy: parseReplication({ class: 'SimpleStrategy', replication_factor: '1' }), tables: new Map() } as unknown as KeyspaceDef;
  const lost: unknown[] = [];
  const t = removalTransfers(ks, new TokenRing(nodes), new TokenRing(nodes.slice(0, 2)), nodes[2]!.id, () => true, (r) => lost.push(r));
  assert.deepEqual(t, []);
  assert.equal(lost.length, 1);
});

test('gossipinfo: Cassandra 4 GossipInfo shape, states in ApplicationState order, TOKENS hidden', () => {
  const out = formatGossipInfo([
    { address: '10.0.0.2', generation: 17, heartbeat: 40, states: [
      { key: 'TOKENS', version: 3, value: '1,2' }, { key: 'HOST_ID', version: 2, value: 'h2' }, { key: 'STATUS', version: 9, value: 'removed,h2,123' },
      { key: 'DC', version: 4, value: 'dc1' },
    ] },
    { address: '10.0.0.10', generation: 5, heartbeat: 6, states: [{ key: 'STATUS', version: 1, value: 'NORMAL,1' }] },
  ]);
  assert.equal(out, [
    '/10.0.0.2', '  generation:17', '  heartbeat:40', '  STATUS:9:removed,h2,123', '  DC:4:dc1', '  HOST_ID:2:h2', '  TOKENS:3:<hidden>',
    '/10.0.0.10', '  generation:5', '  heartbeat:6', '  STATUS:1:NORMAL,1', '  TOKENS: not present', '',
  ].join('\n'));
});

test('describering, version and compactionstats: Cassandra 4 shapes', () => {
  assert.equal(formatDescribeRing({
    schemaVersion: 'abc', ranges: [{ startToken: '-5', endToken: '7', endpoints: ['10.0.0.1', '10.0.0.2'],
      endpointDetails: [{ host: '10.0.0.1', datacenter: 'dc1', rack: 'r1' }, { host: '10.0.0.2', datacenter: 'dc1', rack: 'r2' }] }],
  }), 'Schema Version:abc\nTokenRange: \n\tTokenRange(start_token:-5, end_token:7, endpoints:[10.0.0.1, 10.0.0.2], rpc_endpoints:[10.0.0.1, 10.0.0.2], '
    + 'endpoint_details:[EndpointDetails(host:10.0.0.1, datacenter:dc1, rack:r1), EndpointDetails(host:10.0.0.2, datacenter:dc1, rack:r2)])\n');
  assert.equal(formatVersion({ releaseVersion: '4.0.11' }), 'ReleaseVersion: 4.0.11\n');
  assert.equal(formatCompactionStats({ pendingTasks: 0 }), 'pending tasks: 0\n\n');
});
