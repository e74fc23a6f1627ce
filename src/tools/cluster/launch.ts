// Creating and running a cluster from a topology: per-node cassandra.yaml + cassandra-rackdc.properties, the manifest,
// node and ILB processes, the network model, and the operator-facing summary. Shared by `cluster up` and `sibyl start`.
import { secureConnectLines, secureNodeSettings } from './secure.ts';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import type { NodeReport, StatusReport } from '../../server/admin-types.ts';
import { writeConfigFiles } from '../../server/config.ts';
import { ADMIN_TOKEN_FILE, createAdminTokenFile, readAdminTokenFile } from '../../server/admin-token.ts';
import { adminCall } from '../admin-client.ts';
import { formatStatus } from '../nodetool-format.ts';
import { existsManifest, readManifest, writeManifest, type ClusterManifest, type ManifestIlb, type ManifestNode } from './manifest.ts';
import { isAlive, spawnCli } from './processes.ts';
import { expandNodes, networkConfig, type ClusterTopology, type NodeSpec } from './topology.ts';
import { allocateTokens, type RingEndpoint } from '../../cluster/ring.ts';
import { allocateTokensForReplication } from '../../cluster/token-allocation.ts';

const NATIVE_PORT = 9042;
const ADMIN_PORT = 7199;

/**
 * The cluster in `dir`: an existing manifest is reused as it is (its configs may have been edited, its data is kept);
 * otherwise every node's configuration is written and a new manifest recorded.
 */
/** The cluster's admin token, if it has one (clusters made before tokens have none). */
function clusterAdminToken(dir: string): string | undefined {
  const path = join(dir, ADMIN_TOKEN_FILE);
  return existsSync(path) ? readAdminTokenFile(path) : undefined;
}

export function prepareCluster(dir: string, topology: ClusterTopology): { manifest: ClusterManifest; created: boolean } {
  const abs = resolve(dir);
  if (existsManifest(abs)) return { manifest: readManifest(abs), created: false };
  mkdirSync(abs, { recursive: true });
  // Every node of the cluster requires this token for admin mutations; nodetool and the launcher send it.
  const adminTokenFile = join(abs, ADMIN_TOKEN_FILE);
  createAdminTokenFile(adminTokenFile);
  const specs = expandNodes(topology);
  const tokens = allocateClusterTokens(specs, topology.vnodes);
  const secure = topology.secure === undefined ? undefined : secureNodeSettings(abs, topology.clusterName, specs, topology.datacenters.flatMap((d) => (d.ilb !== undefined ? [d.ilb] : [])));
  const nodes: ManifestNode[] = specs.map((spec) => {
    const home = join(abs, spec.name);
    const configPath = writeConfigFiles(join(home, 'conf'), {
      clusterName: topology.clusterName,
      numTokens: topology.vnodes,
      initialTokens: tokens.get(spec.name)!,
      listenAddress: spec.address,
      rpcAddress: spec.address,
      nativeTransportPort: NATIVE_PORT,
      adminPort: ADMIN_PORT,
      seeds: topology.seeds,
      endpointSnitch: topology.snitch,
      ...(topology.snitch === 'Ec2Snitch' ? { ec2AvailabilityZone: spec.ec2AvailabilityZone! } : { dataCenter: spec.dataCenter, rack: spec.rack }),
      dataDir: join(home, 'data'),
      hintsDirectory: join(home, 'hints'),
      adminTokenFile,
      ...secure?.get(spec.address),
    });
    return { ...spec, configPath, logPath: join(home, 'logs', 'system.log'), nativePort: NATIVE_PORT, adminPort: ADMIN_PORT };
  });
  const manifest: ClusterManifest = {
    version: 1,
    dir: abs,
    clusterName: topology.clusterName,
    ...(topology.preset ? { preset: topology.preset } : {}),
    topology,
    createdAt: new Date().toISOString(),
    nodes,
    ilbs: [],
  };
  writeManifest(manifest);
  return { manifest, created: true };
}

/**
 * Every node's tokens, chosen here rather than at random by each node: the nodes of a new cluster start together,
 * so none could see the others' tokens, and random tokens leave effective ownership anywhere from 17% to 34% on the
 * 8-node preset. Nodes are placed as an operator adds them, one rack after another in turn within each DC, with
 * Cassandra 4's default local replication factor of 3 (`allocate_tokens_for_local_replication_factor`).
 */
export function allocateClusterTokens(specs: readonly NodeSpec[], vnodes: number): Map<string, bigint[]> {
  const placed: RingEndpoint[] = [];
  const out = new Map<string, bigint[]>();
  for (const spec of interleaveRacks(specs)) {
    const node = { id: spec.name, address: spec.address, dc: spec.dataCenter, rack: spec.rack };
    // The search scores every trial token on the whole ring, which is cheap at 16 tokens a node but not at 256, where
    // many small ranges already even out and raw balance per DC is enough.
    const tokens = vnodes <= MAX_VNODES_FOR_REPLICATION_AWARE
      ? allocateTokensForReplication(vnodes, placed, node, LOCAL_REPLICATION_FACTOR)
      : allocateTokens(vnodes, placed, undefined, node.dc);
    placed.push({ ...node, tokens });
    out.set(spec.name, tokens);
  }
  return out;
}

const LOCAL_REPLICATION_FACTOR = 3;
const MAX_VNODES_FOR_REPLICATION_AWARE = 32;

/** rack1's first node, rack2's first node, …, then each rack's second node, and so on; DCs kept in order. */
function interleaveRacks(specs: readonly NodeSpec[]): NodeSpec[] {
  const out: NodeSpec[] = [];
  for (const dc of new Set(specs.map((s) => s.dataCenter))) {
    const racks = new Map<string, NodeSpec[]>();
    for (const s of specs) {
      if (s.dataCenter !== dc) continue;
      const list = racks.get(s.rack);
      if (list === undefined) racks.set(s.rack, [s]);
      else list.push(s);
    }
    const longest = Math.max(...[...racks.values()].map((l) => l.length));
    for (let i = 0; i < longest; i++) for (const list of racks.values()) if (i < list.length) out.push(list[i]!);
  }
  return out;
}

export const nodeAlive = (n: ManifestNode): boolean => isAlive(n.pid, n.configPath);
export const ilbAlive = (i: ManifestIlb): boolean => isAlive(i.pid, `${i.address}:${i.port}`);

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = connect({ host, port });
    const finish = (ok: boolean): void => {
      s.destroy();
      done(ok);
    };
    s.setTimeout(500, () => finish(false));
    s.once('connect', () => finish(true));
    s.once('error', () => finish(false));
  });
}

/** Refuses to start a node whose address is taken (another cluster, or a stale process), naming the culprit. */
export async function checkAddressesFree(nodes: readonly ManifestNode[]): Promise<void> {
  const busy = (await Promise.all(nodes.map(async (n) => ((await answers(n.address, n.nativePort)) || (await answers(n.address, n.adminPort)) ? n : undefined)))).filter(
    (n): n is ManifestNode => n !== undefined,
  );
  if (busy.length > 0) {
    throw new Error(`address already in use: ${busy.map((n) => `${n.address}:${n.nativePort}/${n.adminPort}`).join(', ')} (another cluster or node running there?)`);
  }
}

/** Starts every node of `nodes` that is not running; records pids in the manifest. */
export function startNodes(m: ClusterManifest, nodes: readonly ManifestNode[], background: boolean, runtime: readonly string[]): Map<ManifestNode, ChildProcess> {
  const children = new Map<ManifestNode, ChildProcess>();
  for (const n of nodes) {
    if (nodeAlive(n)) continue;
    const child = spawnCli({ runtime, args: ['node', '--config', n.configPath], logPath: n.logPath, background });
    n.pid = child.pid;
    children.set(n, child);
  }
  writeManifest(m);
  return children;
}

/** One load balancer per data centre that has an ILB address, in front of that DC's native ports. */
export function startIlbs(m: ClusterManifest, ilbAddress: string | undefined, background: boolean, runtime: readonly string[]): Map<ManifestIlb, ChildProcess> {
  const children = new Map<ManifestIlb, ChildProcess>();
  for (const dc of m.topology.datacenters) {
    const address = ilbAddress ?? dc.ilb;
    if (address === undefined) continue;
    let ilb = m.ilbs.find((i) => i.dataCenter === dc.name);
    if (!ilb) {
      ilb = { dataCenter: dc.name, address, port: NATIVE_PORT, logPath: join(m.dir, `ilb-${dc.name}.log`) };
      m.ilbs.push(ilb);
    }
    if (ilbAlive(ilb)) continue;
    const targets = m.nodes.filter((n) => n.dataCenter === dc.name).map((n) => `${n.address}:${n.nativePort}`);
    const child = spawnCli({ runtime, args: ['cluster', 'ilb', '--listen', `${ilb.address}:${ilb.port}`, '--targets', targets.join(',')], logPath: ilb.logPath, background });
    ilb.pid = child.pid;
    children.set(ilb, child);
    // --ilb-address overrides a single DC's address; more DCs would all want the same one.
    if (ilbAddress !== undefined) break;
  }
  writeManifest(m);
  return children;
}

/**
 * Injects the topology's latencies into every running node's network model. Skipped when there are none, unless
 * `always` (to clear what an earlier call injected).
 */
export async function applyNetwork(m: ClusterManifest, always = false): Promise<void> {
  const cfg = networkConfig(m.topology);
  if (cfg.rules.length === 0 && !always) return;
  await Promise.all(m.nodes.filter(nodeAlive).map((n) => adminCall(n.address, n.adminPort, '/network', { method: 'PUT', body: cfg, token: clusterAdminToken(m.dir) })));
}

/**
 * `nodetool status` for the whole cluster. When the first node already sees every node, that is its answer; while
 * nodes are single-node rings (membership not yet wired in) the view is assembled from each node's report of itself,
 * without ownership, which would otherwise claim 100% for every node.
 */
export async function clusterStatus(m: ClusterManifest): Promise<{ report: StatusReport; assembled: boolean }> {
  const reports = await Promise.all(
    m.nodes.map((n) => (nodeAlive(n) ? adminCall<StatusReport>(n.address, n.adminPort, '/status', { timeoutMs: 3000 }).catch(() => undefined) : Promise.resolve(undefined))),
  );
  const full = reports.find((r) => r !== undefined && m.nodes.every((n) => r.nodes.some((x) => x.address === n.address)));
  if (full) return { report: full, assembled: false };
  const nodes: NodeReport[] = m.nodes.map((n, i) => {
    const own = reports[i]?.nodes.find((x) => x.address === n.address);
    if (own) {
      const { ownsEffective: _drop, ...rest } = own;
      return rest;
    }
    return { address: n.address, hostId: n.hostId ?? '?', dataCenter: n.dataCenter, rack: n.rack, state: 'DN', tokens: n.tokens ?? [], ownsRaw: 0 };
  });
  const any = reports.find((r) => r !== undefined);
  return {
    report: {
      clusterName: m.clusterName,
      partitioner: any?.partitioner ?? 'org.apache.cassandra.dht.Murmur3Partitioner',
      nodes,
      ownershipNote: 'assembled from each node\'s report of itself (the nodes do not share a ring yet), so ownership is not shown',
    },
    assembled: true,
  };
}

/** Remembers host ids and tokens so status can still show a node after it is stopped or killed. */
export async function recordIdentities(m: ClusterManifest): Promise<void> {
  const { report } = await clusterStatus(m);
  for (const n of m.nodes) {
    const r = report.nodes.find((x) => x.address === n.address && x.hostId !== '?');
    if (r) Object.assign(n, { hostId: r.hostId, tokens: r.tokens });
  }
  writeManifest(m);
}

/** What the operator needs after `up`: the status table and how to connect. */
export async function summary(m: ClusterManifest): Promise<string> {
  const { report } = await clusterStatus(m);
  const lines = [formatStatus(report).trimEnd(), ''];
  const dcs = m.topology.datacenters;
  lines.push(`Cluster '${m.clusterName}' is up: ${m.nodes.length} node${m.nodes.length === 1 ? '' : 's'} in ${dcs.map((d) => d.name).join(', ')} (${m.dir})`);
  lines.push('Connect:');
  for (const dc of dcs) {
    const first = m.nodes.find((n) => n.dataCenter === dc.name)!;
    const ilb = m.ilbs.find((i) => i.dataCenter === dc.name && ilbAlive(i));
    const contact = ilb ? ilb.address : first.address;
    lines.push(`  cqlsh ${contact} ${NATIVE_PORT}${ilb ? `   # ${dc.name} internal load balancer` : ''}`);
    lines.push(`  new cassandra.Client({ contactPoints: ['${first.address}:${NATIVE_PORT}'], localDataCenter: '${dc.name}' })`);
  }
  lines.push(`  npx sibyl nodetool -h ${m.nodes[0]!.address} status`);
  if (m.topology.secure !== undefined) lines.push(...secureConnectLines(m, m.topology.secure.appKeyspace));
  return `${lines.join('\n')}\n`;
}
