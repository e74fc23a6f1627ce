import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_TOKEN, MIN_TOKEN } from '../../src/model/murmur3.ts';
import { TokenRing, type RingEndpoint } from '../../src/cluster/ring.ts';
import { parseReplication, replicaTable, replicasFor, replicationFactors } from '../../src/cluster/replication.ts';
import { buildCluster, seededRng, type DcLayout } from './ring-helpers.ts';

const NTS = 'org.apache.cassandra.locator.NetworkTopologyStrategy';
const SIMPLE = 'org.apache.cassandra.locator.SimpleStrategy';

const ep = (name: string, tokens: bigint[], dc = 'dc1', rack = 'r1'): RingEndpoint => ({ id: `id-${name}`, address: name, dc, rack, tokens });

function probes(n: number, seed: number): bigint[] {
  const rng = seededRng(seed);
  const out = [MIN_TOKEN, MAX_TOKEN, 0n];
  while (out.length < n) out.push(BigInt.asIntN(64, (BigInt(Math.floor(rng() * 2 ** 32)) << 32n) | BigInt(Math.floor(rng() * 2 ** 32))));
  return out;
}

test('parseReplication accepts short and full class names and transient factors', () => {
  assert.deepEqual(parseReplication({ class: 'SimpleStrategy', replication_factor: '2' }), { kind: 'simple', rf: 2 });
  assert.deepEqual(parseReplication({ class: SIMPLE, replication_factor: '3/1' }), { kind: 'simple', rf: 3 });
  const nts = parseReplication({ class: 'NetworkTopologyStrategy', WESTUS: '3', EASTUS: '2' });
  assert.equal(nts.kind, 'network');
  assert.deepEqual(nts.kind === 'network' ? [...nts.dcs] : [], [['WESTUS', 3], ['EASTUS', 2]]);
  assert.deepEqual(parseReplication({ class: 'org.apache.cassandra.locator.LocalStrategy' }), { kind: 'local' });
  assert.deepEqual(parseReplication({ class: 'EverywhereStrategy' }), { kind: 'everywhere' });
  assert.throws(() => parseReplication({ class: 'Bogus' }), /unsupported/);
  assert.throws(() => parseReplication({ class: SIMPLE, replication_factor: 'x' }), /invalid/);
});

test('SimpleStrategy: next RF distinct endpoints clockwise, skipping repeated vnodes', () => {
  const ring = new TokenRing([ep('a', [0n, 10n]), ep('b', [20n]), ep('c', [30n, 40n]), ep('d', [50n])]);
  const r = (t: bigint, rf: number): string[] =>
    replicasFor(ring, { class: SIMPLE, replication_factor: String(rf) }, t).map((e) => e.address);
  assert.deepEqual(r(-5n, 3), ['a', 'b', 'c']); // a(0), a(10) skipped, b, c
  assert.deepEqual(r(5n, 3), ['a', 'b', 'c']);
  assert.deepEqual(r(25n, 3), ['c', 'd', 'a']);
  assert.deepEqual(r(45n, 2), ['d', 'a']);
  assert.deepEqual(r(51n, 3), ['a', 'b', 'c']); // wrap
  assert.deepEqual(r(45n, 10), ['d', 'a', 'b', 'c']); // capped at node count
  assert.deepEqual(r(45n, 0), []);
});

test('LocalStrategy is the local node; EverywhereStrategy is every node', () => {
  const ring = new TokenRing([ep('a', [0n]), ep('b', [20n]), ep('c', [30n])]);
  assert.deepEqual(replicasFor(ring, { class: 'LocalStrategy' }, 25n, { localId: 'id-b' }).map((e) => e.address), ['b']);
  assert.deepEqual(replicasFor(ring, { class: 'LocalStrategy' }, 25n).map((e) => e.address), ['c']);
  assert.deepEqual(replicasFor(ring, { class: 'EverywhereStrategy' }, 25n).map((e) => e.address), ['c', 'a', 'b']);
  assert.deepEqual(replicasFor(new TokenRing([]), { class: SIMPLE, replication_factor: '3' }, 1n), []);
});

function racksOf(reps: readonly RingEndpoint[], dc: string): string[] {
  return reps.filter((e) => e.dc === dc).map((e) => e.rack);
}

test('seed layout: 8 nodes in 4 racks, WESTUS RF 3 → 3 replicas in 3 distinct racks', () => {
  for (const vnodes of [1, 16, 256]) {
    const ring = new TokenRing(buildCluster([{ name: 'WESTUS', nodes: 8, racks: 4 }], vnodes, 42));
    const repl = { class: NTS, WESTUS: '3' };
    for (const t of probes(1000, 1)) {
      const reps = replicasFor(ring, repl, t);
      assert.equal(reps.length, 3);
      assert.equal(new Set(racksOf(reps, 'WESTUS')).size, 3, `token ${t}`);
      assert.equal(reps[0], ring.primaryFor(t)); // the primary always comes first
    }
  }
});

test('seed layout: 8+8 nodes, WESTUS:3 EASTUS:3 → 3 + 3 replicas, distinct racks per DC', () => {
  const layout: DcLayout[] = [{ name: 'WESTUS', nodes: 8, racks: 4 }, { name: 'EASTUS', nodes: 8, racks: 4 }];
  const ring = new TokenRing(buildCluster(layout, 16, 5));
  const repl = { class: NTS, WESTUS: '3', EASTUS: '3' };
  for (const t of probes(1000, 2)) {
    const reps = replicasFor(ring, repl, t);
    assert.equal(reps.length, 6);
    for (const dc of ['WESTUS', 'EASTUS']) assert.equal(new Set(racksOf(reps, dc)).size, 3);
  }
  // A keyspace replicated to one DC only places nothing in the other.
  for (const t of probes(100, 3)) assert.deepEqual(racksOf(replicasFor(ring, { class: NTS, EASTUS: '2' }, t), 'WESTUS'), []);
});

test('NTS with 2 racks and RF 3 uses both racks; the first-met same-rack node fills the gap', () => {
  // walk from token 0: a(r1) b(r1) c(r1) d(r2): a new rack, b a permitted repeat (rf 3 − 2 racks = 1), c refused, d new rack
  const ring = new TokenRing([ep('a', [0n], 'dc', 'r1'), ep('b', [10n], 'dc', 'r1'), ep('c', [20n], 'dc', 'r1'), ep('d', [30n], 'dc', 'r2')]);
  assert.deepEqual(replicasFor(ring, { class: NTS, dc: '3' }, 0n).map((e) => e.address), ['a', 'b', 'd']);
  const big = new TokenRing(buildCluster([{ name: 'dc', nodes: 6, racks: 2 }], 16, 9));
  for (const t of probes(500, 4)) {
    const reps = replicasFor(big, { class: NTS, dc: '3' }, t);
    assert.equal(reps.length, 3);
    assert.equal(new Set(racksOf(reps, 'dc')).size, 2);
  }
});

test('NTS: RF above the DC node count is capped; unknown DCs and RF 0 place nothing', () => {
  const ring = new TokenRing(buildCluster([{ name: 'a', nodes: 2, racks: 2 }, { name: 'b', nodes: 5, racks: 1 }], 8, 10));
  const repl = { class: NTS, a: '5', b: '3', nowhere: '3' };
  for (const t of probes(200, 5)) {
    const reps = replicasFor(ring, repl, t);
    assert.equal(racksOf(reps, 'a').length, 2);
    assert.equal(racksOf(reps, 'b').length, 3); // one rack only: all three from it
    assert.equal(new Set(reps).size, reps.length);
  }
  assert.deepEqual([...replicationFactors(ring, parseReplication(repl))], [['a', 2], ['b', 3], ['nowhere', 0]]);
  assert.deepEqual(replicasFor(ring, { class: NTS, nowhere: '3', a: '0' }, 1n), []);
});

test('replica tables are cached per ring and replication, whatever the spelling', () => {
  const eps = buildCluster([{ name: 'dc1', nodes: 4, racks: 2 }], 4, 12);
  const ring = new TokenRing(eps);
  const t1 = replicaTable(ring, { class: NTS, dc1: '3', dc2: '1' });
  assert.equal(replicaTable(ring, { class: 'NetworkTopologyStrategy', dc2: '1', dc1: '3' }), t1);
  assert.notEqual(replicaTable(ring, { class: NTS, dc1: '2' }), t1);
  const ring2 = new TokenRing(eps);
  assert.ok(ring2.version > ring.version);
  assert.notEqual(replicaTable(ring2, { class: NTS, dc1: '3', dc2: '1' }), t1);
});

// Property: arbitrary topologies and RFs. Clusters are drawn from fast-check, tokens from a seeded rng.
const clusterArb = fc.record({
  dcs: fc.array(fc.record({ nodes: fc.integer({ min: 1, max: 7 }), racks: fc.integer({ min: 1, max: 4 }), rf: fc.integer({ min: 0, max: 5 }) }), { minLength: 1, maxLength: 3 }),
  vnodes: fc.constantFrom(1, 4, 16),
  seed: fc.integer(),
});

test('property: NTS lists have no duplicates, min(RF, nodes) per DC, distinct racks when racks ≥ RF', () => {
  fc.assert(
    fc.property(clusterArb, ({ dcs, vnodes, seed }) => {
      const layout = dcs.map((d, i) => ({ name: `dc${i}`, nodes: d.nodes, racks: Math.min(d.racks, d.nodes) }));
      const ring = new TokenRing(buildCluster(layout, vnodes, seed));
      const repl: Record<string, string> = { class: NTS };
      dcs.forEach((d, i) => (repl[`dc${i}`] = String(d.rf)));
      for (const t of [...ring.tokens, ...probes(50, seed)]) {
        const reps = replicasFor(ring, repl, t);
        assert.equal(new Set(reps.map((e) => e.id)).size, reps.length);
        layout.forEach((l, i) => {
          const racks = racksOf(reps, l.name);
          assert.equal(racks.length, Math.min(dcs[i]!.rf, l.nodes));
          if (l.racks >= dcs[i]!.rf) assert.equal(new Set(racks).size, racks.length);
          else assert.equal(new Set(racks).size, Math.min(l.racks, racks.length)); // every rack used
        });
      }
    }),
    { numRuns: 150 },
  );
});

test('property: SimpleStrategy lists have min(RF, nodes) distinct endpoints starting at the primary', () => {
  fc.assert(
    fc.property(clusterArb, fc.integer({ min: 1, max: 6 }), ({ dcs, vnodes, seed }, rf) => {
      const ring = new TokenRing(buildCluster(dcs.map((d, i) => ({ name: `dc${i}`, nodes: d.nodes, racks: d.racks })), vnodes, seed));
      for (const t of probes(50, seed)) {
        const reps = replicasFor(ring, { class: SIMPLE, replication_factor: String(rf) }, t);
        assert.equal(reps.length, Math.min(rf, ring.endpoints.length));
        assert.equal(new Set(reps).size, reps.length);
        assert.equal(reps[0], ring.primaryFor(t));
      }
    }),
    { numRuns: 100 },
  );
});

/**
 * Independent oracle: the older formulation of the same rule (Cassandra 2.x/3.0): per DC, endpoints met in an
 * already used rack are queued until every rack of the DC has a replica, then the queue fills up to RF. It yields the
 * same replica set as the rack-repeat counting used in replication.ts (only the order of the repeats differs), so it
 * checks multi-DC layouts with fewer racks than RF, where the Node driver cannot serve as a reference.
 */
function queuedRackOracle(ring: TokenRing, dcs: ReadonlyMap<string, number>, token: bigint): Set<string> {
  const out = new Set<string>();
  const chosen = new Map<string, Set<string>>();
  const seen = new Map<string, Set<string>>();
  const skipped = new Map<string, string[]>();
  const want = (dc: string): number => Math.min(dcs.get(dc) ?? 0, ring.datacenters.get(dc)?.endpoints.length ?? 0);
  const enough = (dc: string): boolean => (chosen.get(dc)?.size ?? 0) >= want(dc);
  const add = (dc: string, id: string): void => {
    if (!chosen.has(dc)) chosen.set(dc, new Set());
    chosen.get(dc)!.add(id);
    out.add(id);
  };
  const start = ring.indexFor(token);
  for (let j = 0; j < ring.size; j++) {
    const e = ring.owners[(start + j) % ring.size]!;
    if (!dcs.has(e.dc) || enough(e.dc)) continue;
    const racks = seen.get(e.dc) ?? new Set<string>();
    seen.set(e.dc, racks);
    const allRacks = ring.datacenters.get(e.dc)!.racks.size;
    if (racks.size === allRacks) {
      add(e.dc, e.id);
    } else if (racks.has(e.rack)) {
      const q = skipped.get(e.dc) ?? [];
      skipped.set(e.dc, q);
      if (!q.includes(e.id)) q.push(e.id);
    } else {
      add(e.dc, e.id);
      racks.add(e.rack);
      if (racks.size === allRacks) for (const id of skipped.get(e.dc) ?? []) if (!enough(e.dc)) add(e.dc, id);
    }
  }
  return out;
}

test('property: NTS replica sets equal the queued-rack formulation on multi-DC layouts with few racks', () => {
  fc.assert(
    fc.property(clusterArb, ({ dcs, vnodes, seed }) => {
      const layout = dcs.map((d, i) => ({ name: `dc${i}`, nodes: d.nodes, racks: Math.min(d.racks, d.nodes) }));
      const ring = new TokenRing(buildCluster(layout, vnodes, seed));
      const repl: Record<string, string> = { class: NTS };
      dcs.forEach((d, i) => (repl[`dc${i}`] = String(d.rf)));
      const spec = parseReplication(repl);
      const rfs = spec.kind === 'network' ? spec.dcs : new Map<string, number>();
      for (const t of [...ring.tokens, ...probes(40, seed)]) {
        const ours = replicasFor(ring, repl, t).map((e) => e.id);
        assert.deepEqual(new Set(ours), queuedRackOracle(ring, rfs, t), `token ${t}`);
      }
    }),
    { numRuns: 200 },
  );
});
