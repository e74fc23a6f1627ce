// Where a plan's ring and replication come from: a preset or topology file (tokens simulated the way nodes choose
// them, at random, from a fixed seed), or a cluster directory (the tokens the running nodes report through the admin
// API, or those the launcher recorded when they last ran), and the keyspace's replication read from a live node.
import { readFileSync } from 'node:fs';
import { randomTokens, TokenRing, type RingEndpoint } from '../../cluster/ring.ts';
import { parseReplication, type ReplicationSpec } from '../../schema/replication.ts';
import type { StatusReport } from '../../server/admin-types.ts';
import { adminCall } from '../admin-client.ts';
import { nodeAlive } from '../cluster/launch.ts';
import { readManifest, findClusterDir, type ClusterManifest } from '../cluster/manifest.ts';
import { expandNodes, parseTopologyYaml, presetTopology, type ClusterTopology, type NodeSpec } from '../cluster/topology.ts';
import { seededRandom } from '../stress/distribution.ts';

export interface RingSource {
  ring: TokenRing;
  clusterName: string;
  /** How the tokens were obtained, for the report's header. */
  tokens: 'simulated' | 'running nodes' | 'recorded';
  /** Rack → AZ name (Ec2Snitch), so a drill can be asked for `--rack us-east-1a`. */
  azOf: Map<string, string>;
}

/** Random tokens per node from a fixed seed: the shape of a real ring (nodes pick random tokens), reproducibly. */
export function simulatedRing(t: ClusterTopology, seed = 1): TokenRing {
  const random = seededRandom(seed);
  const eps: RingEndpoint[] = [];
  for (const n of expandNodes(t)) eps.push({ id: `sim-${n.name}`, address: n.address, dc: n.dataCenter, rack: n.rack, tokens: randomTokens(t.vnodes, eps, random) });
  return new TokenRing(eps);
}

function azMap(nodes: readonly NodeSpec[]): Map<string, string> {
  return new Map(nodes.filter((n) => n.ec2AvailabilityZone !== undefined).map((n) => [`${n.dataCenter}/${n.rack}`, n.ec2AvailabilityZone!]));
}

export function fromTopology(t: ClusterTopology): RingSource {
  return { ring: simulatedRing(t), clusterName: t.clusterName, tokens: 'simulated', azOf: azMap(expandNodes(t)) };
}

export function fromPreset(name: string, vnodes?: number): RingSource {
  return fromTopology(presetTopology(name, vnodes !== undefined ? { vnodes } : {}));
}

export function fromTopologyFile(path: string): RingSource {
  return fromTopology(parseTopologyYaml(readFileSync(path, 'utf8')));
}

/** The first running node's view of the whole ring (down nodes included), or the tokens the launcher recorded. */
export async function fromCluster(dir: string | undefined): Promise<RingSource & { manifest: ClusterManifest }> {
  const m = readManifest(findClusterDir(dir));
  const azOf = azMap(m.nodes);
  for (const n of m.nodes.filter(nodeAlive)) {
    let status: StatusReport;
    try {
      status = await adminCall<StatusReport>(n.address, n.adminPort, '/status', { timeoutMs: 3000 });
    } catch {
      continue;
    }
    if (status.nodes.length < m.nodes.length) continue;
    // In the launcher's node order (the topology's), not the order a node happens to report: plans must compare.
    const order = new Map(m.nodes.map((x, i) => [x.address, i]));
    const eps = status.nodes
      .map((x) => ({ id: x.hostId, address: x.address, dc: x.dataCenter, rack: x.rack, tokens: x.tokens.map(BigInt) }))
      .sort((a, b) => (order.get(a.address) ?? Infinity) - (order.get(b.address) ?? Infinity));
    return { ring: new TokenRing(eps), clusterName: m.clusterName, tokens: 'running nodes', azOf, manifest: m };
  }
  if (m.nodes.some((n) => n.tokens === undefined || n.hostId === undefined)) {
    throw new Error(`no running node of ${m.dir} reports the whole ring, and the launcher has not recorded every node's tokens yet: start the cluster (sibyl cluster up)`);
  }
  const eps = m.nodes.map((n) => ({ id: n.hostId!, address: n.address, dc: n.dataCenter, rack: n.rack, tokens: n.tokens!.map(BigInt) }));
  return { ring: new TokenRing(eps), clusterName: m.clusterName, tokens: 'recorded', azOf, manifest: m };
}

/** `--rf us-east:3,EASTUS:3` (also `DC=N`) → NetworkTopologyStrategy; a bare `--rf 3` → SimpleStrategy. */
export function parseRf(text: string): ReplicationSpec {
  const t = text.trim();
  if (/^\d+$/.test(t)) return { kind: 'simple', rf: Number(t) };
  const dcs = new Map<string, number>();
  for (const part of t.split(',')) {
    const m = /^\s*([^:=\s]+)\s*[:=]\s*(\d+)\s*$/.exec(part);
    if (m === null) throw new Error(`--rf: expected DC:N[,DC:N…] or N, got "${part.trim()}"`);
    dcs.set(m[1]!, Number(m[2]));
  }
  return { kind: 'network', dcs };
}

/** The default when neither --keyspace nor --rf is given: per DC, RF = its number of racks (AZs), at most 3. */
export function defaultRf(ring: TokenRing): ReplicationSpec {
  return { kind: 'network', dcs: new Map([...ring.datacenters].map(([dc, info]) => [dc, Math.min(3, info.racks.size)])) };
}

/** A keyspace's replication, read from system_schema on a live node of the cluster. */
export async function keyspaceReplication(m: ClusterManifest, keyspace: string): Promise<ReplicationSpec> {
  const n = m.nodes.find(nodeAlive);
  if (n === undefined) throw new Error(`--keyspace needs a running node to read ${keyspace}'s replication from`);
  const { default: cassandra } = await import('cassandra-driver');
  const contact = `${n.address}:${n.nativePort}`;
  const c = new cassandra.Client({
    contactPoints: [contact],
    localDataCenter: n.dataCenter,
    policies: { loadBalancing: new cassandra.policies.loadBalancing.AllowListPolicy(new cassandra.policies.loadBalancing.DCAwareRoundRobinPolicy(n.dataCenter), [contact]) },
  });
  try {
    await c.connect();
    const row = (await c.execute('SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?', [keyspace], { prepare: true })).first();
    if (row === null) throw new Error(`keyspace ${keyspace} does not exist`);
    return parseReplication(row.get('replication') as Record<string, string>);
  } finally {
    await c.shutdown().catch(() => undefined);
  }
}

export function describeSpec(spec: ReplicationSpec): string {
  switch (spec.kind) {
    case 'simple':
      return `SimpleStrategy, RF ${spec.rf}`;
    case 'network':
      return `NetworkTopologyStrategy {${[...spec.dcs].map(([d, rf]) => `${d}: ${rf}`).join(', ')}}`;
    default:
      return spec.kind === 'local' ? 'LocalStrategy' : 'EverywhereStrategy';
  }
}
