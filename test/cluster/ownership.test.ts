import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenRing, type RingEndpoint } from '../../src/cluster/ring.ts';
import { describeRing, effectiveOwnership, rawOwnership, ringTokens } from '../../src/cluster/ownership.ts';
import { buildCluster } from './ring-helpers.ts';

const NTS = 'NetworkTopologyStrategy';
const near = (a: number, b: number, msg?: string): void => assert.ok(Math.abs(a - b) < 1e-9, msg ?? `${a} ≈ ${b}`);
const sumWhere = (own: Map<string, number>, eps: readonly RingEndpoint[], pred: (e: RingEndpoint) => boolean): number =>
  eps.filter(pred).reduce((s, e) => s + own.get(e.id)!, 0);

test('raw ownership sums to 100% and follows range widths', () => {
  const ring = new TokenRing([
    { id: 'a', address: 'a', dc: 'd', rack: 'r', tokens: [0n] },
    { id: 'b', address: 'b', dc: 'd', rack: 'r', tokens: [1n << 62n] }, // a quarter of the ring after a
  ]);
  const own = rawOwnership(ring);
  near(own.get('b')!, 0.25);
  near(own.get('a')!, 0.75);
  for (const vnodes of [1, 16, 256]) {
    const r = new TokenRing(buildCluster([{ name: 'WESTUS', nodes: 8, racks: 4 }, { name: 'EASTUS', nodes: 8, racks: 4 }], vnodes, 3));
    near([...rawOwnership(r).values()].reduce((s, x) => s + x, 0), 1);
  }
});

test('effective ownership: 300% per DC for RF 3 (8 nodes / 4 racks, and 8+8 in two DCs)', () => {
  const single = buildCluster([{ name: 'WESTUS', nodes: 8, racks: 4 }], 16, 1);
  const own1 = effectiveOwnership(new TokenRing(single), { class: NTS, WESTUS: '3' });
  near(sumWhere(own1, single, () => true), 3);
  for (const v of own1.values()) assert.ok(v > 0 && v <= 1);

  const two = buildCluster([{ name: 'WESTUS', nodes: 8, racks: 4 }, { name: 'EASTUS', nodes: 8, racks: 4 }], 256, 2);
  const ring = new TokenRing(two);
  const own2 = effectiveOwnership(ring, { class: NTS, WESTUS: '3', EASTUS: '3' });
  near(sumWhere(own2, two, (e) => e.dc === 'WESTUS'), 3);
  near(sumWhere(own2, two, (e) => e.dc === 'EASTUS'), 3);
  // 256 vnodes over 8 nodes: every node close to 3/8
  for (const v of own2.values()) assert.ok(Math.abs(v - 3 / 8) < 0.08, String(v));
  // one-DC keyspace: the other DC owns nothing
  const own3 = effectiveOwnership(ring, { class: NTS, EASTUS: '2' });
  near(sumWhere(own3, two, (e) => e.dc === 'WESTUS'), 0);
  near(sumWhere(own3, two, (e) => e.dc === 'EASTUS'), 2);
});

test('effective ownership is capped by the DC size and every replica of a small DC owns 100%', () => {
  const eps = buildCluster([{ name: 'big', nodes: 5, racks: 5 }, { name: 'small', nodes: 2, racks: 1 }], 8, 4);
  const own = effectiveOwnership(new TokenRing(eps), { class: NTS, big: '3', small: '3' });
  near(sumWhere(own, eps, (e) => e.dc === 'big'), 3);
  for (const e of eps.filter((x) => x.dc === 'small')) near(own.get(e.id)!, 1);
  const simple = effectiveOwnership(new TokenRing(eps), { class: 'SimpleStrategy', replication_factor: '2' });
  near([...simple.values()].reduce((s, x) => s + x, 0), 2);
  for (const v of effectiveOwnership(new TokenRing(eps), { class: 'LocalStrategy' }).values()) near(v, 1);
});

test('describeRing: one entry per range, decimal tokens, replicas primary first', () => {
  const eps: RingEndpoint[] = [
    { id: 'ia', address: '10.0.0.1', dc: 'dc1', rack: 'r1', tokens: [-9223372036854775807n, 100n] },
    { id: 'ib', address: '10.0.0.2', dc: 'dc1', rack: 'r2', tokens: [0n] },
  ];
  const ring = new TokenRing(eps);
  const desc = describeRing(ring, { class: NTS, dc1: '2' });
  assert.deepEqual(desc.map((d) => [d.startToken, d.endToken]), [
    ['100', '-9223372036854775807'],
    ['-9223372036854775807', '0'],
    ['0', '100'],
  ]);
  assert.deepEqual(desc[1]!.endpoints, ['10.0.0.2', '10.0.0.1']);
  assert.deepEqual(desc[1]!.hostIds, ['ib', 'ia']);
  assert.deepEqual(desc[1]!.endpointDetails[0], { host: '10.0.0.2', datacenter: 'dc1', rack: 'r2' });
  assert.deepEqual(ringTokens(ring).map((r) => [r.token, r.endpoint.address]), [
    ['-9223372036854775807', '10.0.0.1'],
    ['0', '10.0.0.2'],
    ['100', '10.0.0.1'],
  ]);
  const solo = describeRing(new TokenRing([{ id: 's', address: 's', dc: 'd', rack: 'r', tokens: [5n] }]), { class: NTS, d: '1' });
  assert.deepEqual(solo.map((d) => [d.startToken, d.endToken, d.endpoints]), [['5', '5', ['s']]]);
});
