// Launcher topologies: presets modelled on the seeds, ccm's -n forms, YAML files, and the network rules they inject.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { countTopology, expandNodes, networkConfig, parseTopologyYaml, presetTopology } from '../../src/tools/cluster/topology.ts';
import { selectNodes, type ClusterManifest } from '../../src/tools/cluster/manifest.ts';

const addrs = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);

describe('presets', () => {
  test('azure-single-region: the seed deployment on 127.1.2.4–11', () => {
    const t = presetTopology('azure-single-region');
    assert.equal(t.clusterName, 'CustomerService');
    assert.equal(t.snitch, 'GossipingPropertyFileSnitch');
    assert.equal(t.vnodes, 16);
    const nodes = expandNodes(t);
    assert.deepEqual(nodes.map((n) => n.address), addrs('127.1.2.', 4, 11));
    assert.deepEqual(nodes.map((n) => n.rack), ['rack1', 'rack1', 'rack2', 'rack2', 'rack3', 'rack3', 'rack4', 'rack4']);
    assert.ok(nodes.every((n) => n.dataCenter === 'WESTUS'));
    assert.deepEqual(t.seeds, ['127.1.2.4', '127.1.2.6', '127.1.2.8', '127.1.2.10']);
    assert.deepEqual(nodes.filter((n) => n.seed).map((n) => n.address), t.seeds);
    assert.equal(t.datacenters[0]!.ilb, '127.1.2.101');
    assert.deepEqual(nodes.map((n) => n.name), addrs('node', 1, 8));
    assert.equal(presetTopology('azure-single-region', { vnodes: 256 }).vnodes, 256);
    assert.deepEqual(networkConfig(t).rules, []);
  });

  test('azure-two-region: EASTUS on 127.2.2.4–11, 8 seeds, an ILB per region, optional DC latency', () => {
    const t = presetTopology('azure-two-region', { latencyDcMs: 70 });
    const nodes = expandNodes(t);
    assert.equal(nodes.length, 16);
    assert.deepEqual(nodes.slice(8).map((n) => n.address), addrs('127.2.2.', 4, 11));
    assert.ok(nodes.slice(8).every((n) => n.dataCenter === 'EASTUS'));
    assert.deepEqual(t.seeds, ['127.1.2.4', '127.1.2.6', '127.1.2.8', '127.1.2.10', '127.2.2.4', '127.2.2.6', '127.2.2.8', '127.2.2.10']);
    assert.deepEqual(t.datacenters.map((d) => d.ilb), ['127.1.2.101', '127.2.2.101']);
    assert.deepEqual(networkConfig(t).rules, [{ from: { dc: 'WESTUS' }, to: { dc: 'EASTUS' }, latencyMs: 70 }]);
    assert.deepEqual(networkConfig(presetTopology('azure-two-region')).rules, []);
  });

  test('aws-multi-az: 9 nodes over us-east-1a/b/c, Ec2Snitch naming', () => {
    const t = presetTopology('aws-multi-az', { latencyRackMs: 1 });
    assert.equal(t.snitch, 'Ec2Snitch');
    const nodes = expandNodes(t);
    assert.deepEqual(nodes.map((n) => n.address), addrs('127.3.0.', 1, 9));
    assert.deepEqual(nodes.map((n) => n.rack), ['1a', '1a', '1a', '1b', '1b', '1b', '1c', '1c', '1c']);
    assert.deepEqual(nodes.map((n) => n.ec2AvailabilityZone), ['a', 'a', 'a', 'b', 'b', 'b', 'c', 'c', 'c'].map((z) => `us-east-1${z}`));
    assert.ok(nodes.every((n) => n.dataCenter === 'us-east'));
    assert.deepEqual(t.seeds, ['127.3.0.1', '127.3.0.4', '127.3.0.7']);
    assert.equal(networkConfig(t).rules.length, 3); // 1a-1b, 1a-1c, 1b-1c
  });

  test('aws-two-az: 6 nodes over 2 zones', () => {
    const nodes = expandNodes(presetTopology('aws-two-az'));
    assert.deepEqual(nodes.map((n) => n.address), addrs('127.4.0.', 1, 6));
    assert.deepEqual(nodes.map((n) => n.rack), ['1a', '1a', '1a', '1b', '1b', '1b']);
  });

  test('unknown preset', () => {
    assert.throws(() => presetTopology('gcp'), /unknown preset "gcp"/);
  });
});

describe('-n forms', () => {
  test('-n 3: dc1, rack r1, 127.0.0.1-3', () => {
    const t = countTopology('3');
    const nodes = expandNodes(t);
    assert.deepEqual(nodes.map((n) => [n.address, n.dataCenter, n.rack]), [['127.0.0.1', 'dc1', 'r1'], ['127.0.0.2', 'dc1', 'r1'], ['127.0.0.3', 'dc1', 'r1']]);
    assert.deepEqual(t.seeds, ['127.0.0.1']);
  });
  test('-n 3:3: continuous numbering, dc1 then dc2', () => {
    const nodes = expandNodes(countTopology('3:3', { vnodes: 4 }));
    assert.deepEqual(nodes.map((n) => `${n.address}/${n.dataCenter}`), ['1/dc1', '2/dc1', '3/dc1', '4/dc2', '5/dc2', '6/dc2'].map((s) => `127.0.0.${s}`));
    assert.deepEqual(nodes.filter((n) => n.seed).map((n) => n.address), ['127.0.0.1', '127.0.0.4']);
  });
  test('--base-address', () => {
    assert.deepEqual(expandNodes(countTopology('2', { baseAddress: '127.0.12.1' })).map((n) => n.address), ['127.0.12.1', '127.0.12.2']);
    assert.throws(() => countTopology('300', { baseAddress: '127.0.12.1' }), /too many nodes/);
    assert.throws(() => countTopology('3x'), /-n expects/);
    assert.throws(() => countTopology('3:0'), /at least one node/);
  });
});

describe('YAML topology', () => {
  test('datacenters, racks, seeds, ilb and network', () => {
    const t = parseTopologyYaml(`
name: drills
vnodes: 8
datacenters:
  - name: east
    ilb: 127.5.0.101
    racks:
      - { name: a, nodes: [127.5.0.1, 127.5.0.2] }
      - { name: b, nodes: [127.5.0.3] }
  - name: west
    racks:
      - { name: a, nodes: [127.6.0.1] }
network:
  latency_dc_ms: 30
  rules: [{ from: { address: 127.5.0.1 }, to: { address: 127.6.0.1 }, drop: 0.5 }]
`);
    assert.equal(t.clusterName, 'drills');
    assert.equal(t.vnodes, 8);
    assert.deepEqual(t.seeds, ['127.5.0.1', '127.5.0.3', '127.6.0.1']);
    assert.equal(t.datacenters[0]!.ilb, '127.5.0.101');
    assert.deepEqual(expandNodes(t).map((n) => `${n.name}:${n.dataCenter}/${n.rack}`), ['node1:east/a', 'node2:east/a', 'node3:east/b', 'node4:west/a']);
    assert.deepEqual(networkConfig(t).rules, [
      { from: { dc: 'east' }, to: { dc: 'west' }, latencyMs: 30 },
      { from: { address: '127.5.0.1' }, to: { address: '127.6.0.1' }, drop: 0.5 },
    ]);
  });
  test('Ec2Snitch racks carry their zone', () => {
    const t = parseTopologyYaml('snitch: Ec2Snitch\ndatacenters: [{ name: us-west-2, racks: [{ name: 2a, az: us-west-2a, nodes: [127.7.0.1] }] }]');
    assert.equal(expandNodes(t)[0]!.ec2AvailabilityZone, 'us-west-2a');
    assert.throws(() => parseTopologyYaml('snitch: Ec2Snitch\ndatacenters: [{ name: x, racks: [{ name: a, nodes: [127.7.0.1] }] }]'), /needs az/);
  });
  test('mistakes are refused with the offending field', () => {
    assert.throws(() => parseTopologyYaml('datacenters: []'), /datacenters must be a non-empty list/);
    assert.throws(() => parseTopologyYaml('datacenters: [{ name: d, racks: [{ name: r, nodes: [127.0.0.1, 127.0.0.1] }] }]'), /used twice/);
    assert.throws(() => parseTopologyYaml('datacenters: [{ name: d, racks: [{ name: r, nodes: [nope] }] }]'), /not an IPv4 address/);
    assert.throws(() => parseTopologyYaml('seeds: [127.0.0.9]\ndatacenters: [{ name: d, racks: [{ name: r, nodes: [127.0.0.1] }] }]'), /seed 127\.0\.0\.9/);
    assert.throws(() => parseTopologyYaml('snitch: Foo\ndatacenters: [{ name: d, racks: [{ name: r, nodes: [127.0.0.1] }] }]'), /snitch must be one of/);
  });
});

describe('node selection for drills', () => {
  const t = presetTopology('azure-two-region');
  const m = {
    nodes: expandNodes(t).map((n) => ({ ...n, configPath: '', logPath: '', nativePort: 9042, adminPort: 7199 })),
  } as unknown as ClusterManifest;
  test('--node, --dc, --rack --dc', () => {
    assert.deepEqual(selectNodes(m, { node: '127.2.2.5' }).map((n) => n.address), ['127.2.2.5']);
    assert.deepEqual(selectNodes(m, { node: 'node1' }).map((n) => n.address), ['127.1.2.4']);
    assert.equal(selectNodes(m, { dc: 'EASTUS' }).length, 8);
    assert.deepEqual(selectNodes(m, { dc: 'WESTUS', rack: 'rack3' }).map((n) => n.address), ['127.1.2.8', '127.1.2.9']);
    assert.throws(() => selectNodes(m, { rack: 'rack3' }), /--rack needs --dc/);
    assert.throws(() => selectNodes(m, {}), /choose nodes/);
    assert.throws(() => selectNodes(m, { node: '10.0.0.1' }), /no node 10\.0\.0\.1/);
  });
});
