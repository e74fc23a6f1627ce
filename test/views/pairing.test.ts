// Cassandra's pairing of base and view replicas (src/views/pairing.ts): in ring order within the local DC, the i-th
// base replica not also a view replica sends to the i-th view replica not also a base replica; a node that is both
// keeps the update; a node that is no base replica sends to every view replica of its DC.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenRing, type RingEndpoint } from '../../src/cluster/ring.ts';
import { parseReplication } from '../../src/schema/replication.ts';
import type { KeyspaceDef } from '../../src/schema/model.ts';
import { viewReplicasFor } from '../../src/views/pairing.ts';

// Four nodes, one token each: the replicas of a token are the owner of its range and the next ones clockwise.
const ends: RingEndpoint[] = ['a', 'b', 'c', 'd'].map((id, i) => ({ id, address: id, dc: 'dc1', rack: 'r1', tokens: [BigInt(i * 100)] }));
const ring = new TokenRing(ends);
const replication = { class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '2' };
const ks = { name: 'ks', replication, strategy: parseReplication(replication), tables: new Map(), types: new Map(), durableWrites: true } as KeyspaceDef;
const topo = (self: string) => ({ self, localDc: 'dc1', localRack: 'r1', ring: () => ring, isAlive: () => true });

test('base replicas pair with view replicas in ring order; shared replicas stay local', () => {
  // Token 50 is owned by b (range (0, 100]), then c: base replicas [b, c]. Token 250: d, then a: view replicas [d, a].
  assert.deepEqual(viewReplicasFor(topo('b'), ks, 50n, 250n), ['d']);
  assert.deepEqual(viewReplicasFor(topo('c'), ks, 50n, 250n), ['a']);
  // View token 150: [c, d]. c is both a base and a view replica: it keeps its update; b pairs with d.
  assert.deepEqual(viewReplicasFor(topo('c'), ks, 50n, 150n), ['c']);
  assert.deepEqual(viewReplicasFor(topo('b'), ks, 50n, 150n), ['d']);
  // a is no base replica of token 50: every view replica gets the update.
  assert.deepEqual(viewReplicasFor(topo('a'), ks, 50n, 150n), ['c', 'd']);
  assert.deepEqual(viewReplicasFor(topo('a'), ks, 50n, 250n), ['a'], 'a view replica keeps it');
});
