// Cross-check against the Node driver's own token map and replica computation (cassandra-driver
// lib/metadata: buildTokens + schema-parser's SimpleStrategy / NetworkTopologyStrategy mappers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_TOKEN, MIN_TOKEN } from '../../src/model/murmur3.ts';
import { TokenRing, type RingEndpoint } from '../../src/cluster/ring.ts';
import { replicasFor } from '../../src/cluster/replication.ts';
import { buildCluster, driverReplicas, seededRng, type DcLayout } from './ring-helpers.ts';

const NTS = 'org.apache.cassandra.locator.NetworkTopologyStrategy';
const SIMPLE = 'org.apache.cassandra.locator.SimpleStrategy';

function tokensToProbe(ring: TokenRing, n: number, seed: number): bigint[] {
  const rng = seededRng(seed);
  const out = [MIN_TOKEN, MAX_TOKEN, ring.tokens[0]!, ring.tokens[ring.size - 1]! + 1n];
  while (out.length < n) out.push(BigInt.asIntN(64, (BigInt(Math.floor(rng() * 2 ** 32)) << 32n) | BigInt(Math.floor(rng() * 2 ** 32))));
  return out;
}

/**
 * Order check independent of the driver's ordering: Cassandra returns replicas in the order the clockwise walk
 * first meets them. The driver appends rack-repeat replicas after the walk has seen every rack, so when a DC has
 * fewer racks than RF the driver's order differs (same set); sorting its list by walk position must give ours.
 */
function walkOrder(ring: TokenRing, token: bigint, addresses: readonly string[]): string[] {
  const start = ring.indexFor(token);
  const first = new Map<string, number>();
  for (let j = 0; j < ring.size; j++) {
    const a = ring.owners[(start + j) % ring.size]!.address;
    if (!first.has(a)) first.set(a, j);
  }
  return [...addresses].sort((x, y) => first.get(x)! - first.get(y)!);
}

interface Case {
  readonly name: string;
  readonly layout: readonly DcLayout[];
  readonly replication: Record<string, string>;
}

const CASES: Case[] = [
  { name: '8 nodes / 4 racks, NTS RF 3', layout: [{ name: 'WESTUS', nodes: 8, racks: 4 }], replication: { class: NTS, WESTUS: '3' } },
  {
    name: '16 nodes / 2 DCs, NTS 3+3',
    layout: [{ name: 'WESTUS', nodes: 8, racks: 4 }, { name: 'EASTUS', nodes: 8, racks: 4 }],
    replication: { class: NTS, WESTUS: '3', EASTUS: '3' },
  },
  { name: '6 nodes / 2 racks, NTS RF 3', layout: [{ name: 'dc1', nodes: 6, racks: 2 }], replication: { class: NTS, dc1: '3' } },
  { name: '9 nodes / 3 racks, NTS RF 3', layout: [{ name: 'dc1', nodes: 9, racks: 3 }], replication: { class: NTS, dc1: '3' } },
  { name: '8 nodes / 4 racks, SimpleStrategy RF 3', layout: [{ name: 'WESTUS', nodes: 8, racks: 4 }], replication: { class: SIMPLE, replication_factor: '3' } },
  {
    name: '16 nodes / 2 DCs, SimpleStrategy RF 3',
    layout: [{ name: 'WESTUS', nodes: 8, racks: 4 }, { name: 'EASTUS', nodes: 8, racks: 4 }],
    replication: { class: SIMPLE, replication_factor: '3' },
  },
];

let driverDuplicateLists = 0;

function crossCheck(eps: RingEndpoint[], replication: Record<string, string>, probes: bigint[], exactOrder: boolean): void {
  const ring = new TokenRing(eps);
  const driver = driverReplicas(eps, replication);
  for (const t of probes) {
    const ours = replicasFor(ring, replication, t).map((e) => e.address);
    const theirs = driver(t);
    if (exactOrder) {
      assert.deepEqual(ours, theirs, `token ${t}`);
    } else if (new Set(theirs).size < theirs.length) {
      // Driver bug (racks < RF with vnodes): its skipped-host list can hold one host twice (one entry per vnode) and
      // it appends both, so a replica is listed twice and another is missing. Cassandra's endpoint set cannot do that;
      // ours must still contain everything the driver found.
      driverDuplicateLists++;
      for (const a of theirs) assert.ok(ours.includes(a), `token ${t}: driver replica ${a} missing from ${ours}`);
    } else {
      assert.deepEqual(ours, walkOrder(ring, t, theirs), `token ${t}`);
    }
  }
}

for (const c of CASES) {
  for (const vnodes of [16, 256]) {
    test(`driver cross-check: ${c.name}, num_tokens ${vnodes}, 1000 tokens`, () => {
      const eps = buildCluster(c.layout, vnodes, vnodes * 31 + c.name.length);
      const ring = new TokenRing(eps);
      // Rack-repeat replicas are the only place the driver's order differs from Cassandra's (see walkOrder).
      const exact = c.replication['class'] === SIMPLE || c.layout.every((l) => l.racks >= 3);
      const probes = tokensToProbe(ring, 1000, vnodes);
      // Exact ring tokens and their neighbours exercise the (prev, own] boundaries.
      for (let i = 0; i < ring.size; i += Math.max(1, Math.floor(ring.size / 50))) probes.push(ring.tokens[i]!, ring.tokens[i]! + 1n);
      crossCheck(eps, c.replication, probes, exact);
    });
  }
}

test('driver cross-check property: random single-DC layouts and RFs (NTS and Simple)', (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 10 }),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 5 }),
      fc.constantFrom(1, 8, 32),
      fc.integer(),
      (nodes, racks, rf, vnodes, seed) => {
        const eps = buildCluster([{ name: 'dc1', nodes, racks: Math.min(racks, nodes) }], vnodes, seed);
        const ring = new TokenRing(eps);
        const probes = tokensToProbe(ring, 60, seed);
        crossCheck(eps, { class: NTS, dc1: String(rf) }, probes, Math.min(racks, nodes) >= rf);
        crossCheck(eps, { class: SIMPLE, replication_factor: String(rf) }, probes, true);
      },
    ),
    { numRuns: 150 },
  );
  if (driverDuplicateLists > 0) t.diagnostic(`driver listed a replica twice for ${driverDuplicateLists} tokens (racks < RF); ours were complete`);
});

test('driver cross-check property: multi-DC layouts with at least RF racks per DC', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ nodes: fc.integer({ min: 1, max: 6 }), rf: fc.integer({ min: 0, max: 3 }) }), { minLength: 2, maxLength: 3 }),
      fc.constantFrom(1, 8, 32),
      fc.integer(),
      (dcs, vnodes, seed) => {
        // racks = nodes ≥ RF, or RF capped by nodes: the driver's shared skipped-host list never comes into play
        const eps = buildCluster(dcs.map((d, i) => ({ name: `dc${i}`, nodes: d.nodes, racks: d.nodes })), vnodes, seed);
        const repl: Record<string, string> = { class: NTS };
        dcs.forEach((d, i) => (repl[`dc${i}`] = String(d.rf)));
        crossCheck(eps, repl, tokensToProbe(new TokenRing(eps), 60, seed), true);
      },
    ),
    { numRuns: 100 },
  );
});
