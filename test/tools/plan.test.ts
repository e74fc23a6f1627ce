// The outage planner: seed 004's Figure 2 (RF 2 over 2 AZs and RF 3 over 3 AZs, one AZ down) and its capacity
// figures, node and region outages, the guidelines, and the per-range shortcut checked against key-by-key placement.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TokenRing } from '../../src/cluster/ring.ts';
import { replicasFor } from '../../src/cluster/replication.ts';
import { murmur3Token } from '../../src/model/murmur3.ts';
import { parseTopologyYaml, presetTopology } from '../../src/tools/cluster/topology.ts';
import { formatPlan } from '../../src/tools/plan/format.ts';
import { failures, keyspaceFor, plan, type Scenario } from '../../src/tools/plan/model.ts';
import { defaultRf, fromPreset, parseRf, simulatedRing } from '../../src/tools/plan/source.ts';
import { seededRandom } from '../../src/tools/stress/distribution.ts';
import { runCli } from '../helpers/cli.ts';

const sorted = (xs: readonly string[]): string[] => [...xs].sort();
const scenario = (scenarios: Scenario[], kind: Scenario['kind'], name: string): Scenario => {
  const s = scenarios.find((x) => x.kind === kind && x.name === name);
  assert.ok(s, `no ${kind} scenario ${name}`);
  return s;
};

describe("seed 004's Figure 2: one AZ down", () => {
  test('RF 2 over 2 AZs (6 nodes): ONE succeeds, QUORUM and ALL fail; half the capacity is lost', () => {
    const src = fromPreset('aws-two-az');
    const p = plan(src.ring, parseRf('us-east:2'));
    for (const az of ['us-east/1a', 'us-east/1b']) {
      const s = scenario(p.scenarios, 'rack', az);
      for (const o of [s.reads, s.writes]) {
        assert.ok(o.all.includes('ONE') && o.all.includes('LOCAL_ONE'), `${az}: ONE serves every key`);
        assert.ok(o.none.includes('QUORUM') && o.none.includes('ALL') && o.none.includes('LOCAL_QUORUM'), `${az}: QUORUM and ALL serve no key`);
        assert.deepEqual(o.some, []);
      }
      assert.equal(s.capacityLeftPct, 50);
    }
  });

  test('RF 3 over 3 AZs (9 nodes): ONE and QUORUM succeed, ALL fails; a third of the capacity is lost', () => {
    const src = fromPreset('aws-multi-az');
    const p = plan(src.ring, parseRf('us-east:3'));
    for (const az of ['us-east/1a', 'us-east/1b', 'us-east/1c']) {
      const s = scenario(p.scenarios, 'rack', az);
      for (const o of [s.reads, s.writes]) {
        for (const cl of ['ONE', 'TWO', 'QUORUM', 'LOCAL_ONE', 'LOCAL_QUORUM']) assert.ok(o.all.includes(cl), `${az}: ${cl}`);
        assert.ok(o.none.includes('ALL') && o.none.includes('THREE'), `${az}: ALL and THREE fail`);
      }
      assert.equal(s.capacityLeftPct, 66.7);
    }
    assert.ok(p.guidelines.every((g) => g.ok), JSON.stringify(p.guidelines));
  });

  test('the default replication is RF = AZs per DC (at most 3), which is what the seed chose', () => {
    assert.deepEqual(defaultRf(fromPreset('aws-two-az').ring), { kind: 'network', dcs: new Map([['us-east', 2]]) });
    assert.deepEqual(defaultRf(fromPreset('aws-multi-az').ring), { kind: 'network', dcs: new Map([['us-east', 3]]) });
    assert.deepEqual(defaultRf(fromPreset('azure-two-region').ring), { kind: 'network', dcs: new Map([['WESTUS', 3], ['EASTUS', 3]]) });
  });
});

describe('other failures', () => {
  test('one node of RF 3: ALL serves only the keys it does not hold, QUORUM every key', () => {
    const p = plan(fromPreset('aws-multi-az').ring, parseRf('us-east:3'));
    const s = scenario(p.scenarios, 'node', '127.3.0.5');
    assert.deepEqual(s.reads.some, ['THREE', 'ALL']);
    assert.ok(s.reads.all.includes('QUORUM'));
    assert.equal(s.capacityLeftPct, 88.9);
    // Two AZs down: one replica left per key.
    const two = scenario(p.scenarios, 'two-racks', 'us-east/1a+us-east/1c');
    assert.deepEqual(sorted(two.reads.all), ['LOCAL_ONE', 'ONE']);
    assert.equal(two.capacityLeftPct, 33.3);
    const dc = scenario(p.scenarios, 'dc', 'us-east');
    assert.deepEqual(dc.writes.all, []);
    assert.ok(dc.writes.none.includes('ANY'), 'no coordinator left, not even ANY');
  });

  test('two regions, RF 3 each: a region down keeps LOCAL_QUORUM from the other, loses QUORUM and EACH_QUORUM', () => {
    const p = plan(fromPreset('azure-two-region').ring, parseRf('WESTUS:3,EASTUS:3'));
    const s = scenario(p.scenarios, 'dc', 'WESTUS');
    assert.ok(s.reads.all.includes('LOCAL_QUORUM') && s.writes.all.includes('LOCAL_QUORUM'));
    assert.ok(s.reads.none.includes('QUORUM') && s.writes.none.includes('EACH_QUORUM'));
    assert.ok(!s.reads.all.includes('EACH_QUORUM') && !s.reads.some.includes('EACH_QUORUM') && !s.reads.none.includes('EACH_QUORUM'), 'EACH_QUORUM reads are refused, so in no list');
    assert.equal(s.capacityLeftPct, 50);
    // Two racks of one region: keys with two replicas there lose LOCAL_QUORUM from that region only.
    const r = scenario(p.scenarios, 'two-racks', 'WESTUS/rack1+WESTUS/rack2');
    assert.ok(r.reads.some.includes('LOCAL_QUORUM'));
    assert.equal(p.scenarios.filter((x) => x.kind === 'two-racks').length, 28, '8 racks: 28 pairs');
    assert.equal(p.scenarios.filter((x) => x.kind === 'node').length, 16);
  });

  test('guidelines: more AZs than RF, unequal AZs', () => {
    const t = parseTopologyYaml(`
name: lopsided
vnodes: 8
datacenters:
  - name: dc1
    racks:
      - { name: a, nodes: [127.9.0.1, 127.9.0.2, 127.9.0.3] }
      - { name: b, nodes: [127.9.0.4] }
      - { name: c, nodes: [127.9.0.5] }
      - { name: d, nodes: [127.9.0.6] }
`);
    const p = plan(simulatedRing(t), parseRf('dc1:2'));
    const g = new Map(p.guidelines.map((x) => [x.id, x]));
    assert.equal(g.get('azs-le-rf')!.ok, false);
    assert.equal(g.get('full-copy-per-az')!.ok, false);
    assert.equal(g.get('equal-nodes-per-az')!.ok, false);
    assert.equal(g.get('equal-nodes-per-az')!.detail, 'a: 3, b: 1, c: 1, d: 1');
    assert.equal(g.get('survives-az-loss')!.ok, false);
    const text = formatPlan(p, ['header']);
    assert.match(text, /^ {2}✗ dc1: AZs ≤ RF, so each AZ can hold a full copy — 4 AZ\/racks for RF 2: some AZs cannot hold a full copy$/m);
  });

  test('per-range outcomes equal key-by-key placement (5,000 random keys)', () => {
    const ring = simulatedRing(presetTopology('azure-two-region'), 7);
    const spec = parseRf('WESTUS:3,EASTUS:3');
    const ks = keyspaceFor(spec);
    const p = plan(ring, spec);
    const random = seededRandom(11);
    const tokens = Array.from({ length: 5000 }, () => murmur3Token(Buffer.from(String(Math.floor(random() * 1e9)))));
    for (const f of failures(ring).filter((x) => x.kind === 'node' || x.kind === 'rack')) {
      // ALL from WESTUS: served iff every replica of the key is up.
      const served = tokens.filter((t) => replicasFor(ring, ks.strategy, t).every((r) => !f.down.has(r.id))).length;
      const expected = served === tokens.length ? 'all' : served === 0 ? 'none' : 'some';
      const s = scenario(p.scenarios, f.kind, f.name);
      const actual = s.reads.all.includes('ALL') ? 'all' : s.reads.some.includes('ALL') ? 'some' : 'none';
      assert.equal(actual, expected, `${f.kind} ${f.name}`);
    }
  });

  test('--rf forms; JSON shape', () => {
    assert.deepEqual(parseRf('3'), { kind: 'simple', rf: 3 });
    assert.deepEqual(parseRf('us-east:3, us-west=2'), { kind: 'network', dcs: new Map([['us-east', 3], ['us-west', 2]]) });
    assert.throws(() => parseRf('us-east'), /expected DC:N/);
    const ring = new TokenRing(fromPreset('aws-two-az').ring.endpoints);
    const p = JSON.parse(JSON.stringify(plan(ring, parseRf('2')))) as { scenarios: Array<Record<string, unknown>>; guidelines: unknown[] };
    assert.deepEqual(Object.keys(p), ['scenarios', 'guidelines']);
    assert.deepEqual(Object.keys(p.scenarios[0]!), ['kind', 'name', 'reads', 'writes', 'capacityLeftPct']);
    assert.deepEqual(Object.keys(p.scenarios[0]!['reads'] as object), ['all', 'some', 'none']);
    assert.deepEqual([...new Set(p.scenarios.map((s) => s['kind']))], ['node', 'rack', 'dc', 'two-racks']);
  });
});

describe('sibyl plan (CLI)', () => {
  test('--preset aws-two-az --json, the table, and refusals', async () => {
    const r = await runCli(['plan', '--preset', 'aws-two-az', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const p = JSON.parse(r.stdout) as { scenarios: Scenario[]; guidelines: Array<{ id: string; ok: boolean }> };
    assert.equal(p.scenarios.length, 6 + 2 + 1 + 1);
    assert.equal(scenario(p.scenarios, 'rack', 'us-east/1a').capacityLeftPct, 50);
    assert.equal(p.guidelines.find((g) => g.id === 'survives-az-loss')!.ok, false);
    const t = await runCli(['plan', '--preset', 'aws-multi-az', '--rf', 'us-east:3']);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /^Replication: NetworkTopologyStrategy \{us-east: 3\} \(--rf\)$/m);
    assert.match(t.stdout, /^AZ\/rack us-east\/1a +66\.7% /m);
    const bad = await runCli(['plan', '--preset', 'aws-multi-az', '--keyspace', 'ks']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^sibyl plan: --keyspace reads the replication from a running cluster/m);
    const unknown = await runCli(['plan', '--preset', 'nope']);
    assert.match(unknown.stderr, /^sibyl plan: unknown preset "nope"/m);
  });
});
