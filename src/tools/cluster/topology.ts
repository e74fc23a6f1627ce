// Cluster layouts for the launcher: presets modelled on the seed deployments (Azure availability sets and regions, AWS
// availability zones), ccm's `-n 3` / `-n 3:3`, and YAML topology files. Pure: expands to one NodeSpec per node.
import YAML from 'yaml';
import type { SnitchName } from '../../server/config.ts';

export interface RackSpec {
  name: string;
  /** Ec2Snitch only: the availability zone the rack stands for (us-east-1a); dc and rack derive from it. */
  az?: string;
  nodes: string[];
}

export interface DatacenterSpec {
  name: string;
  racks: RackSpec[];
  /** Address of the DC's internal load balancer (`--ilb`), as the seed's 10.1.2.101. */
  ilb?: string;
}

/** Latency the launcher injects into every node's network model (PUT /network) once the cluster is up. */
export interface LatencySpec {
  /** One-way ms between nodes of different data centres. */
  dcMs?: number;
  /** One-way ms between racks of the same data centre. */
  rackMs?: number;
  /** Extra NetworkConfig rules (messaging/network-model.ts LinkRule JSON), appended after the generated ones. */
  rules?: unknown[];
}

export interface ClusterTopology {
  /** cluster_name in every cassandra.yaml. */
  clusterName: string;
  /** The preset it came from, if any (recorded in the manifest). */
  preset?: string;
  vnodes: number;
  snitch: SnitchName;
  datacenters: DatacenterSpec[];
  seeds: string[];
  network: LatencySpec;
  /** `cluster up --secure`: TLS, authentication and authorization, and the application role's keyspace. */
  secure?: { appKeyspace: string };
}

export interface NodeSpec {
  /** node1, node2, …: the node's directory under the cluster directory. */
  name: string;
  address: string;
  dataCenter: string;
  rack: string;
  seed: boolean;
  ec2AvailabilityZone?: string;
}

export const DEFAULT_VNODES = 16;
export const PRESETS = ['azure-single-region', 'azure-two-region', 'aws-multi-az', 'aws-two-az'] as const;
export type PresetName = (typeof PRESETS)[number];

export interface PresetOptions {
  vnodes?: number;
  latencyDcMs?: number;
  latencyRackMs?: number;
}

const range = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);

/** The seed's layout: 8 nodes, two per availability-set rack, rack1–rack4 in address order. */
function azureDc(name: string, prefix: string, ilb: string): DatacenterSpec {
  const addrs = range(prefix, 4, 11);
  return { name, ilb, racks: [0, 1, 2, 3].map((r) => ({ name: `rack${r + 1}`, nodes: addrs.slice(2 * r, 2 * r + 2) })) };
}

/** AWS zones of us-east-1 named as Ec2Snitch's legacy scheme does: dc `us-east`, racks `1a`, `1b`, `1c`. */
function awsDc(zones: string[], perZone: number, prefix: string): DatacenterSpec {
  let n = 1;
  return {
    name: 'us-east',
    racks: zones.map((z) => ({ name: `1${z}`, az: `us-east-1${z}`, nodes: Array.from({ length: perZone }, () => `${prefix}${n++}`) })),
  };
}

/** Seeds as the seed deployment picks them: the first node of every rack (one per availability set). */
export function firstNodePerRack(dcs: readonly DatacenterSpec[]): string[] {
  return dcs.flatMap((dc) => dc.racks.map((r) => r.nodes[0]).filter((a): a is string => a !== undefined));
}

export function presetTopology(name: string, opts: PresetOptions = {}): ClusterTopology {
  const vnodes = opts.vnodes ?? DEFAULT_VNODES;
  const network: LatencySpec = { ...(opts.latencyDcMs ? { dcMs: opts.latencyDcMs } : {}), ...(opts.latencyRackMs ? { rackMs: opts.latencyRackMs } : {}) };
  const base = { preset: name, vnodes, network };
  switch (name) {
    case 'azure-single-region': {
      const dcs = [azureDc('WESTUS', '127.1.2.', '127.1.2.101')];
      return { ...base, clusterName: 'CustomerService', snitch: 'GossipingPropertyFileSnitch', datacenters: dcs, seeds: firstNodePerRack(dcs) };
    }
    case 'azure-two-region': {
      const dcs = [azureDc('WESTUS', '127.1.2.', '127.1.2.101'), azureDc('EASTUS', '127.2.2.', '127.2.2.101')];
      return { ...base, clusterName: 'CustomerService', snitch: 'GossipingPropertyFileSnitch', datacenters: dcs, seeds: firstNodePerRack(dcs) };
    }
    case 'aws-multi-az': {
      const dcs = [awsDc(['a', 'b', 'c'], 3, '127.3.0.')];
      return { ...base, clusterName: 'aws-multi-az', snitch: 'Ec2Snitch', datacenters: dcs, seeds: firstNodePerRack(dcs) };
    }
    case 'aws-two-az': {
      const dcs = [awsDc(['a', 'b'], 3, '127.4.0.')];
      return { ...base, clusterName: 'aws-two-az', snitch: 'Ec2Snitch', datacenters: dcs, seeds: firstNodePerRack(dcs) };
    }
    default:
      throw new Error(`unknown preset "${name}" (presets: ${PRESETS.join(', ')})`);
  }
}

function parseIpv4(a: string): number[] {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);
  const parts = m ? m.slice(1).map(Number) : [];
  if (parts.length !== 4 || parts.some((p) => p > 255)) throw new Error(`not an IPv4 address: ${a}`);
  return parts;
}

/** base + i, carrying into the higher octets (127.0.0.254 + 3 = 127.0.1.1 would skip .255/.0: refused instead). */
function addressAt(base: string, i: number): string {
  const p = parseIpv4(base);
  const last = p[3]! + i;
  if (last > 254) throw new Error(`too many nodes for base address ${base}`);
  return `${p[0]}.${p[1]}.${p[2]}.${last}`;
}

/**
 * ccm's `-n 3` (one DC `dc1`) or `-n 3:3` (dc1, dc2, …): rack `r1`, node N on base+N-1 (127.0.0.1, .2, …) with
 * continuous numbering across DCs, GossipingPropertyFileSnitch so the DC names stick.
 */
export function countTopology(spec: string, opts: PresetOptions & { baseAddress?: string; name?: string } = {}): ClusterTopology {
  if (!/^\d+(:\d+)*$/.test(spec)) throw new Error(`-n expects node counts per data centre such as 3 or 3:3, got "${spec}"`);
  const counts = spec.split(':').map(Number);
  if (counts.some((c) => c < 1)) throw new Error(`-n: every data centre needs at least one node ("${spec}")`);
  const base = opts.baseAddress ?? '127.0.0.1';
  let n = 0;
  const dcs: DatacenterSpec[] = counts.map((c, d) => ({
    name: `dc${d + 1}`,
    racks: [{ name: 'r1', nodes: Array.from({ length: c }, () => addressAt(base, n++)) }],
  }));
  const network: LatencySpec = { ...(opts.latencyDcMs ? { dcMs: opts.latencyDcMs } : {}), ...(opts.latencyRackMs ? { rackMs: opts.latencyRackMs } : {}) };
  return {
    clusterName: opts.name ?? 'test',
    vnodes: opts.vnodes ?? DEFAULT_VNODES,
    snitch: 'GossipingPropertyFileSnitch',
    datacenters: dcs,
    seeds: firstNodePerRack(dcs),
    network,
  };
}

const SNITCHES: readonly SnitchName[] = ['SimpleSnitch', 'GossipingPropertyFileSnitch', 'Ec2Snitch'];

function fail(msg: string): never {
  throw new Error(`topology: ${msg}`);
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.trim() === '') fail(`${what} must be a non-empty string`);
  return v.trim();
}

function nonNegative(v: unknown, what: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(`${what} must be a non-negative number of ms`);
  return v;
}

/**
 * A YAML topology file:
 * ```yaml
 * name: my-cluster          # cluster_name
 * vnodes: 16
 * snitch: GossipingPropertyFileSnitch   # optional; Ec2Snitch racks carry `az: us-east-1a`
 * datacenters:
 *   - name: dc1
 *     ilb: 127.5.0.101      # optional
 *     racks:
 *       - name: r1
 *         nodes: [127.5.0.1, 127.5.0.2]
 * seeds: [127.5.0.1]        # optional: first node of each rack
 * network: { latency_dc_ms: 70, latency_rack_ms: 1, rules: [...] }   # optional
 * ```
 */
export function parseTopologyYaml(text: string, opts: PresetOptions = {}): ClusterTopology {
  const doc: unknown = YAML.parse(text);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) fail('the file must be a mapping');
  const d = doc as Record<string, unknown>;
  const snitch = (d['snitch'] === undefined ? 'GossipingPropertyFileSnitch' : str(d['snitch'], 'snitch').replace(/^org\.apache\.cassandra\.locator\./, '')) as SnitchName;
  if (!SNITCHES.includes(snitch)) fail(`snitch must be one of ${SNITCHES.join(', ')}`);
  if (!Array.isArray(d['datacenters']) || d['datacenters'].length === 0) fail('datacenters must be a non-empty list');
  const seen = new Set<string>();
  const dcs: DatacenterSpec[] = (d['datacenters'] as unknown[]).map((raw, i) => {
    const dc = (raw ?? {}) as Record<string, unknown>;
    const name = str(dc['name'], `datacenters[${i}].name`);
    if (!Array.isArray(dc['racks']) || dc['racks'].length === 0) fail(`datacenter ${name}: racks must be a non-empty list`);
    const racks = (dc['racks'] as unknown[]).map((rr, j) => {
      const r = (rr ?? {}) as Record<string, unknown>;
      const rack = str(r['name'], `datacenter ${name} racks[${j}].name`);
      if (!Array.isArray(r['nodes']) || r['nodes'].length === 0) fail(`rack ${name}/${rack}: nodes must be a non-empty list of addresses`);
      const nodes = (r['nodes'] as unknown[]).map((a) => {
        const addr = str(a, `rack ${name}/${rack} node`);
        parseIpv4(addr);
        if (seen.has(addr)) fail(`address ${addr} is used twice`);
        seen.add(addr);
        return addr;
      });
      const az = r['az'] === undefined ? undefined : str(r['az'], `rack ${name}/${rack} az`);
      if (snitch === 'Ec2Snitch' && az === undefined) fail(`rack ${name}/${rack}: Ec2Snitch needs az (e.g. us-east-1a)`);
      return { name: rack, nodes, ...(az ? { az } : {}) };
    });
    return { name, racks, ...(dc['ilb'] !== undefined ? { ilb: str(dc['ilb'], `datacenter ${name} ilb`) } : {}) };
  });
  const seeds = d['seeds'] === undefined ? firstNodePerRack(dcs) : Array.isArray(d['seeds']) ? d['seeds'].map((s) => str(s, 'seeds[]')) : fail('seeds must be a list');
  for (const s of seeds) if (!seen.has(s)) fail(`seed ${s} is not one of the nodes`);
  const vnodes = opts.vnodes ?? (d['vnodes'] === undefined ? DEFAULT_VNODES : Number(d['vnodes']));
  if (!Number.isInteger(vnodes) || vnodes < 1 || vnodes > 16384) fail('vnodes must be an integer between 1 and 16384');
  const net = (d['network'] ?? {}) as Record<string, unknown>;
  const dcMs = opts.latencyDcMs ?? nonNegative(net['latency_dc_ms'], 'network.latency_dc_ms');
  const rackMs = opts.latencyRackMs ?? nonNegative(net['latency_rack_ms'], 'network.latency_rack_ms');
  if (net['rules'] !== undefined && !Array.isArray(net['rules'])) fail('network.rules must be a list');
  return {
    clusterName: d['name'] === undefined ? 'test' : str(d['name'], 'name'),
    vnodes,
    snitch,
    datacenters: dcs,
    seeds,
    network: { ...(dcMs ? { dcMs } : {}), ...(rackMs ? { rackMs } : {}), ...(net['rules'] ? { rules: net['rules'] as unknown[] } : {}) },
  };
}

/** One spec per node, numbered node1… in data centre, rack, listed order. */
export function expandNodes(t: ClusterTopology): NodeSpec[] {
  const seeds = new Set(t.seeds);
  let n = 0;
  return t.datacenters.flatMap((dc) =>
    dc.racks.flatMap((r) =>
      r.nodes.map((address) => ({
        name: `node${++n}`,
        address,
        dataCenter: dc.name,
        rack: r.name,
        seed: seeds.has(address),
        ...(r.az ? { ec2AvailabilityZone: r.az } : {}),
      })),
    ),
  );
}

/**
 * The network model document (messaging/network-model.ts NetworkConfig JSON) for the topology's latencies: one rule
 * per pair of DCs, one per pair of racks inside each DC, then the topology's own rules.
 */
export function networkConfig(t: ClusterTopology): { defaults: { latencyMs: number; jitterMs: number; drop: number }; rules: unknown[]; partitions: unknown[] } {
  const rules: unknown[] = [];
  const pairs = <T>(xs: readonly T[]): Array<[T, T]> => xs.flatMap((a, i) => xs.slice(i + 1).map((b): [T, T] => [a, b]));
  if (t.network.rackMs) {
    for (const dc of t.datacenters) {
      for (const [a, b] of pairs(dc.racks)) rules.push({ from: { dc: dc.name, rack: a.name }, to: { dc: dc.name, rack: b.name }, latencyMs: t.network.rackMs });
    }
  }
  if (t.network.dcMs) for (const [a, b] of pairs(t.datacenters)) rules.push({ from: { dc: a.name }, to: { dc: b.name }, latencyMs: t.network.dcMs });
  rules.push(...(t.network.rules ?? []));
  return { defaults: { latencyMs: 0, jitterMs: 0, drop: 0 }, rules, partitions: [] };
}
