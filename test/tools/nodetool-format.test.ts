// nodetool output formats on fixed reports: the seed's 8 nodes in 4 racks, and 16 nodes in two data centres.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DescribeClusterReport, InfoReport, NodeReport, RingEntry, StatusReport } from '../../src/server/admin-types.ts';
import {
  DIFFERENT_REPLICATION_NOTE, decimalFormat, fileSize, formatDescribeCluster, formatEndpoints, formatInfo, formatRing, formatStatus, percent,
} from '../../src/tools/nodetool-format.ts';

const tokens = (n: number, seed: number): string[] => Array.from({ length: n }, (_, i) => String(BigInt(seed) * 1_000_000n + BigInt(i) * 7_000_000_000_000n - 9_000_000_000_000_000_000n));
const hostId = (i: number): string => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

/** The seed's `nodetool status`: 10.1.2.4–11, two nodes per rack, 256 vnodes. */
function westus(prefix = '10.1.2.', dc = 'WESTUS', idBase = 0): NodeReport[] {
  const loads = [89917, 42066, 56617, 56617, 56617, 56617, 56617, 56617];
  const owns = [0.38, 0.689, 0.688, 0.688, 0.688, 0.688, 0.688, 0.688];
  return loads.map((l, i) => ({
    address: `${prefix}${i + 4}`,
    hostId: hostId(idBase + i + 1),
    dataCenter: dc,
    rack: `rack${Math.floor(i / 2) + 1}`,
    state: 'UN',
    loadBytes: l,
    tokens: tokens(256, idBase + i),
    ownsRaw: 0.125,
    ownsEffective: owns[i]!,
  }));
}

describe('number formats', () => {
  test('DecimalFormat rounding is HALF_EVEN', () => {
    assert.equal(decimalFormat(0.125, 2), '0.12');
    assert.equal(decimalFormat(0.375, 2), '0.38');
    assert.equal(decimalFormat(2.5, 0), '2');
    assert.equal(decimalFormat(1.5, 2), '1.5');
    assert.equal(decimalFormat(1, 2), '1');
  });
  test('file sizes like Cassandra 4 (binary units, #.##)', () => {
    assert.equal(fileSize(0), '0 bytes');
    assert.equal(fileSize(1023), '1023 bytes');
    assert.equal(fileSize(1024), '1 KiB');
    assert.equal(fileSize(1536), '1.5 KiB');
    assert.equal(fileSize(56617), '55.29 KiB');
    assert.equal(fileSize(2.5 * 1024 ** 3), '2.5 GiB');
    assert.equal(fileSize(3 * 1024 ** 4), '3 TiB');
  });
  test('percentages', () => {
    assert.equal(percent(0.688, 1), '68.8%');
    assert.equal(percent(3, 1), '300.0%');
    assert.equal(percent(1, 2), '100.00%');
  });
});

describe('status', () => {
  test('8 nodes in 4 racks, with effective ownership (the seed deployment)', () => {
    const out = formatStatus({ clusterName: 'CustomerService', partitioner: 'M3', keyspace: 'customers_ks', nodes: westus() });
    const id = (i: number): string => hostId(i);
    assert.equal(
      out,
      [
        'Datacenter: WESTUS',
        '==================',
        'Status=Up/Down',
        '|/ State=Normal/Leaving/Joining/Moving',
        '--  Address    Load       Tokens  Owns (effective)  Host ID                               Rack ',
        `UN  10.1.2.4   87.81 KiB  256     38.0%             ${id(1)}  rack1`,
        `UN  10.1.2.5   41.08 KiB  256     68.9%             ${id(2)}  rack1`,
        `UN  10.1.2.6   55.29 KiB  256     68.8%             ${id(3)}  rack2`,
        `UN  10.1.2.7   55.29 KiB  256     68.8%             ${id(4)}  rack2`,
        `UN  10.1.2.8   55.29 KiB  256     68.8%             ${id(5)}  rack3`,
        `UN  10.1.2.9   55.29 KiB  256     68.8%             ${id(6)}  rack3`,
        `UN  10.1.2.10  55.29 KiB  256     68.8%             ${id(7)}  rack4`,
        `UN  10.1.2.11  55.29 KiB  256     68.8%             ${id(8)}  rack4`,
        '',
        '',
      ].join('\n'),
    );
  });

  test('16 nodes in two data centres: sorted DCs, shared column widths, a blank line between DCs', () => {
    const east = westus('10.2.2.', 'EASTUS', 100);
    east[2] = { ...east[2]!, state: 'DN', loadBytes: undefined };
    const out = formatStatus({ clusterName: 'C', partitioner: 'M3', nodes: [...westus(), ...east].map(({ ownsEffective: _e, ...n }) => n) });
    const lines = out.split('\n');
    assert.equal(lines[0], 'Datacenter: EASTUS');
    assert.equal(lines[1], '==================');
    // No keyspace and no effective ownership: "Owns" with "?" and Cassandra's note.
    assert.equal(lines[4], '--  Address    Load       Tokens  Owns  Host ID                               Rack ');
    assert.equal(lines[7], `DN  10.2.2.6   ?          256     ?     ${hostId(103)}  rack2`);
    assert.equal(lines[13], '');
    assert.equal(lines[14], 'Datacenter: WESTUS');
    assert.equal(lines[18], lines[4]);
    assert.equal(lines.length, 30);
    assert.equal(lines[27], '');
    assert.equal(lines[28], `Note: ${DIFFERENT_REPLICATION_NOTE}`);
    assert.equal(lines[29], '');
  });

  test("the node's own note when it gives one, and Token instead of Tokens without vnodes", () => {
    const n: NodeReport = { address: '127.0.0.1', hostId: hostId(1), dataCenter: 'dc1', rack: 'r1', state: 'UJ', loadBytes: 2048, tokens: ['-42'], ownsRaw: 1 };
    const out = formatStatus({ clusterName: 'C', partitioner: 'M3', keyspace: 'system', ownershipNote: 'Ownership values for keyspaces with LocalStrategy are meaningless', nodes: [n] });
    assert.match(out, /^--  Address    Load   Owns  Host ID {31}Token  Rack\nUJ  127\.0\.0\.1  2 KiB  \?     0{8}-0{4}-4000-8000-0{11}1  -42    r1  \n\nNote: Ownership values/m);
  });
});

describe('ring', () => {
  const status = (nodes: NodeReport[], eff: boolean): StatusReport => ({
    clusterName: 'C', partitioner: 'M3', nodes: nodes.map((n) => (eff ? n : { ...n, ownsEffective: undefined })),
  });
  const entries = (nodes: NodeReport[], perNode: number): RingEntry[] =>
    nodes.flatMap((n) => n.tokens.slice(0, perNode).map((token) => ({ address: n.address, dataCenter: n.dataCenter, rack: n.rack, state: n.state, loadBytes: n.loadBytes, ownsRaw: n.ownsRaw, token })));

  test('rows in token order per DC, the last token on top, the vnode warning', () => {
    const nodes = westus().slice(0, 2);
    const out = formatRing(entries(nodes, 2), status(nodes, true));
    const lines = out.split('\n');
    assert.equal(lines[0], '');
    assert.equal(lines[1], 'Datacenter: WESTUS');
    assert.equal(lines[2], '==========');
    assert.equal(lines[3], `${'Address'.padEnd(8)}  ${'Rack'.padEnd(12)}${'Status'.padEnd(7)}${'State'.padEnd(8)}${'Load'.padEnd(16)}${'Owns'.padEnd(20)}${'Token'.padEnd(44)}`);
    const sorted = [...nodes[0]!.tokens.slice(0, 2), ...nodes[1]!.tokens.slice(0, 2)].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    assert.equal(lines[4]!.trim(), sorted[3]);
    assert.equal(lines[5], `${'10.1.2.4'.padEnd(8)}  ${'rack1'.padEnd(12)}${'Up'.padEnd(7)}${'Normal'.padEnd(8)}${'87.81 KiB'.padEnd(16)}${'38.00%'.padEnd(20)}${sorted[0]!.padEnd(44)}`);
    assert.ok(out.includes('  Warning: "nodetool ring" is used to output all the tokens of a node.\n'));
    assert.ok(out.endsWith('\n\n  '));
  });

  test('without effective ownership: "?" and the note', () => {
    const nodes = westus().slice(0, 1);
    const out = formatRing(entries(nodes, 1), status(nodes, false));
    assert.ok(out.includes(`${'87.81 KiB'.padEnd(16)}${'?'.padEnd(20)}`));
    assert.ok(out.endsWith(`\n  Note: ${DIFFERENT_REPLICATION_NOTE}\n`));
    assert.ok(!out.includes('Warning'));
  });
});

describe('info, describecluster, getendpoints', () => {
  const info: InfoReport = {
    hostId: hostId(1), address: '10.1.2.4', gossipActive: true, nativeTransportActive: true, loadBytes: 89917, generation: 1700000000,
    uptimeSeconds: 44681.7, heapUsedMb: 121.3, heapTotalMb: 975.125, dataCenter: 'WESTUS', rack: 'rack1', tokens: ['1', '2'],
  };
  test('info', () => {
    const lines = formatInfo(info).split('\n');
    assert.equal(lines[0], `ID                     : ${hostId(1)}`);
    assert.equal(lines[1], 'Gossip active          : true');
    assert.equal(lines[2], 'Native Transport active: true');
    assert.equal(lines[3], 'Load                   : 87.81 KiB');
    assert.equal(lines[4], 'Generation No          : 1700000000');
    assert.equal(lines[5], 'Uptime (seconds)       : 44681');
    assert.equal(lines[6], 'Heap Memory (MB)       : 121.30 / 975.13');
    assert.equal(lines[8], 'Data Center            : WESTUS');
    assert.equal(lines[9], 'Rack                   : rack1');
    assert.equal(lines.at(-2), 'Token                  : (invoke with -T/--tokens to see all 2 tokens)');
    assert.deepEqual(formatInfo(info, { tokens: true }).split('\n').slice(-3, -1), ['Token                  : 1', 'Token                  : 2']);
    assert.match(formatInfo({ ...info, gossipActive: false }), /Generation No {10}: 0\n/);
  });

  test('describecluster', () => {
    const d: DescribeClusterReport = {
      name: 'CustomerService', snitch: 'GossipingPropertyFileSnitch', dynamicEndpointSnitch: true, partitioner: 'org.apache.cassandra.dht.Murmur3Partitioner',
      schemaVersions: { 'aaaa-bbbb': ['10.1.2.10', '10.1.2.4'], UNREACHABLE: ['10.2.2.6'] },
    };
    const east = westus('10.2.2.', 'EASTUS', 100).map((n, i) => (i === 2 ? { ...n, state: 'DN' as const } : n));
    const out = formatDescribeCluster(d, { clusterName: 'CustomerService', partitioner: 'M3', nodes: [...westus(), ...east] });
    assert.equal(
      out,
      [
        'Cluster Information:',
        '\tName: CustomerService',
        '\tSnitch: org.apache.cassandra.locator.GossipingPropertyFileSnitch',
        '\tDynamicEndPointSnitch: enabled',
        '\tPartitioner: org.apache.cassandra.dht.Murmur3Partitioner',
        '\tSchema versions:',
        '\t\taaaa-bbbb: [10.1.2.4, 10.1.2.10]',
        '',
        '\t\tUNREACHABLE: [10.2.2.6]',
        '',
        'Stats for all nodes:',
        '\tLive: 15',
        '\tJoining: 0',
        '\tMoving: 0',
        '\tLeaving: 0',
        '\tUnreachable: 1',
        '',
        'Data Centers: ',
        '\tEASTUS #Nodes: 8 #Down: 1',
        '\tWESTUS #Nodes: 8 #Down: 0',
        '',
      ].join('\n'),
    );
  });

  test('getendpoints prints one address per line', () => {
    assert.equal(formatEndpoints(['10.1.2.4', '10.1.2.6', '10.1.2.8']), '10.1.2.4\n10.1.2.6\n10.1.2.8\n');
    assert.equal(formatEndpoints([]), '');
  });
});
