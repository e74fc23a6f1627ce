// `sibyl cluster add`: a new node for a launcher cluster, as an operator adds one to a live cluster. Its
// cassandra.yaml has the cluster's seeds and no initial_token: with auto_bootstrap (the default) it picks its tokens
// with the allocator once it has learnt the ring, and streams its ranges before it serves (node/node-core.ts,
// bootstrap/); with --no-bootstrap it joins at once with tokens the allocator picks here from the live ring, as a
// node of a new data centre does before `nodetool rebuild`.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_TOKEN_FILE } from '../../server/admin-token.ts';
import { secureNodeSettings } from './secure.ts';
import type { StatusReport } from '../../server/admin-types.ts';
import { writeConfigFiles } from '../../server/config.ts';
import { allocateTokensForReplication } from '../../cluster/token-allocation.ts';
import type { RingEndpoint } from '../../cluster/ring.ts';
import { adminCall } from '../admin-client.ts';
import { nodeAlive } from './launch.ts';
import { writeManifest, type ClusterManifest, type ManifestNode } from './manifest.ts';

export interface AddOptions {
  dc: string;
  rack: string;
  address?: string;
  bootstrap: boolean;
  /** replace_address_first_boot: the dead node (its address) whose tokens and data the new node takes. */
  replace?: string;
}

const NATIVE_PORT = 9042;
const ADMIN_PORT = 7199;

/** The address after the highest one of the cluster (same /24), for a node added without --address. */
export function nextAddress(m: ClusterManifest): string {
  const octets = m.nodes.map((n) => n.address.split('.').map(Number));
  const last = octets.reduce((a, b) => (b[0]! * 2 ** 24 + b[1]! * 2 ** 16 + b[2]! * 2 ** 8 + b[3]! > a[0]! * 2 ** 24 + a[1]! * 2 ** 16 + a[2]! * 2 ** 8 + a[3]! ? b : a));
  if (last[3]! >= 254) throw new Error(`no address left after ${last.join('.')}: give --address`);
  return [last[0], last[1], last[2], last[3]! + 1].join('.');
}

/** Tokens for a node joining without bootstrap: the allocator over the ring a live node reports. */
async function allocateFromLiveRing(m: ClusterManifest, node: { id: string; address: string; dc: string; rack: string }): Promise<bigint[]> {
  const live = m.nodes.find(nodeAlive);
  if (live === undefined) throw new Error('no node of the cluster is running: start it first (sibyl cluster up)');
  const status = await adminCall<StatusReport>(live.address, live.adminPort, '/status');
  const ring: RingEndpoint[] = status.nodes.filter((n) => n.tokens.length > 0)
    .map((n) => ({ id: n.address, address: n.address, dc: n.dataCenter, rack: n.rack, tokens: n.tokens.map(BigInt) }));
  return allocateTokensForReplication(m.topology.vnodes, ring, node, 3);
}

/** Writes the new node's configuration and records it in the manifest (not started). */
export async function addNodeToManifest(m: ClusterManifest, o: AddOptions): Promise<ManifestNode> {
  if (m.topology.snitch === 'Ec2Snitch') throw new Error('cluster add supports GossipingPropertyFileSnitch clusters only');
  const address = o.address ?? nextAddress(m);
  if (m.nodes.some((n) => n.address === address)) throw new Error(`${address} is already a node of '${m.clusterName}'`);
  const name = `node${m.nodes.length + 1}`;
  const home = join(m.dir, name);
  if (o.replace !== undefined && !o.bootstrap) throw new Error('--replace streams the dead node\'s data: it cannot be combined with --no-bootstrap');
  const initialTokens = o.bootstrap ? [] : await allocateFromLiveRing(m, { id: address, address, dc: o.dc, rack: o.rack });
  const configPath = writeConfigFiles(join(home, 'conf'), {
    clusterName: m.clusterName, numTokens: m.topology.vnodes, initialTokens, autoBootstrap: o.bootstrap,
    ...(o.replace !== undefined ? { replaceAddressFirstBoot: o.replace } : {}),
    listenAddress: address, rpcAddress: address, nativeTransportPort: NATIVE_PORT, adminPort: ADMIN_PORT,
    seeds: m.topology.seeds, endpointSnitch: m.topology.snitch, dataCenter: o.dc, rack: o.rack,
    dataDir: join(home, 'data'), hintsDirectory: join(home, 'hints'),
    // The cluster's admin token and, for a --secure cluster, a certificate from its CA and the same lock-down.
    ...(existsSync(join(m.dir, ADMIN_TOKEN_FILE)) ? { adminTokenFile: join(m.dir, ADMIN_TOKEN_FILE) } : {}),
    ...(m.topology.secure !== undefined ? secureNodeSettings(m.dir, m.clusterName, [{ name, address }], m.topology.datacenters.flatMap((d) => (d.ilb !== undefined ? [d.ilb] : []))).get(address) : {}),
  });
  const node: ManifestNode = {
    name, address, dataCenter: o.dc, rack: o.rack, seed: false, configPath, logPath: join(home, 'logs', 'system.log'),
    nativePort: NATIVE_PORT, adminPort: ADMIN_PORT,
  };
  m.nodes.push(node);
  let dc = m.topology.datacenters.find((d) => d.name === o.dc);
  if (dc === undefined) m.topology.datacenters.push((dc = { name: o.dc, racks: [] }));
  let rack = dc.racks.find((r) => r.name === o.rack);
  if (rack === undefined) dc.racks.push((rack = { name: o.rack, nodes: [] }));
  rack.nodes.push(address);
  writeManifest(m);
  return node;
}
