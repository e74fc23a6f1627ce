// A deployment layout: the cluster topology on real addresses plus the networks around it — one virtual network per
// region (data centre) with its "data" subnet(s) and a "web" subnet for the application tier, gateways, the internal
// load balancer and the VPN transit between regions. `deploy render` writes files from it and `lab up` builds network
// namespaces from it, so what the lab runs is what a user would copy to real machines. Pure: no I/O.
import { expandNodes, firstNodePerRack, type ClusterTopology, type DatacenterSpec } from '../cluster/topology.ts';

export type Cloud = 'azure' | 'aws';

export interface Subnet {
  /** `data`, `web`, or `data-1a` (one subnet per AWS availability zone). */
  name: string;
  /** a.b.c.0/24 */
  cidr: string;
  /** a.b.c.1: the region router's address on the subnet (Azure and AWS both reserve .1 for it). */
  gateway: string;
}

export interface RackLayout {
  name: string;
  /** The subnet the rack's nodes are on. */
  subnet: string;
  /** Ec2Snitch: the availability zone (us-east-1a). */
  az?: string;
  /** Azure: the availability set standing for the rack. */
  availabilitySet?: string;
}

export interface RegionLayout {
  /** The data centre name (WESTUS, us-east). */
  dc: string;
  /** The cloud's region name (westus, us-east-1). */
  cloudRegion: string;
  /** The virtual network (VPC) address space, a.b.0.0/16. */
  cidr: string;
  dataSubnets: Subnet[];
  webSubnet: Subnet;
  racks: RackLayout[];
  ilb?: string;
  /** This region's end of the VPN transit link between region routers (two-region layouts only). */
  transitAddress?: string;
}

export interface DeployHost {
  /** node1…, web1…: the host's directory under hosts/ and its lab namespace. */
  name: string;
  role: 'node' | 'web';
  address: string;
  dc: string;
  subnet: string;
  rack?: string;
  az?: string;
  seed?: boolean;
}

export interface Ports {
  native: number;
  storage: number;
  admin: number;
  ssh: number;
}

export interface DeployLayout {
  cloud: Cloud;
  preset?: string;
  /** The cluster on its real addresses (seeds included). */
  topology: ClusterTopology;
  regions: RegionLayout[];
  hosts: DeployHost[];
  ports: Ports;
}

export const PORTS: Ports = { native: 9042, storage: 7000, admin: 7199, ssh: 22 };
/** The /30 joining the region routers, standing in for the VNet-to-VNet VPN tunnel. */
export const TRANSIT = ['10.255.0.1', '10.255.0.2'] as const;
const WEB_HOSTS_PER_REGION = 2;

/**
 * Where each preset's loopback prefix lives in the seeds' own networks: seed 000's WESTUS 10.1.2.4–11 and EASTUS
 * 10.2.2.4–11 (ILBs at .101), and for seed 004 (which names no addresses) a VPC 10.3.0.0/16 with one /24 per zone.
 */
const AZURE_PREFIXES: Record<string, string> = { '127.1.2.': '10.1.2.', '127.2.2.': '10.2.2.' };
const AWS_VPC: Record<string, string> = { 'aws-multi-az': '10.3', 'aws-two-az': '10.4' };
const AZURE_REGIONS: Record<string, string> = { WESTUS: 'westus', EASTUS: 'eastus' };

function octets(a: string): number[] {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);
  if (!m) throw new Error(`not an IPv4 address: ${a}`);
  return m.slice(1).map(Number);
}

const slash24 = (a: string): string => octets(a).slice(0, 3).join('.');
const isLoopback = (a: string): boolean => octets(a)[0] === 127;

/** The preset's addresses moved into the seed's networks (see AZURE_PREFIXES, AWS_VPC). */
export function realAddresses(t: ClusterTopology): ClusterTopology {
  const vpc = t.preset !== undefined ? AWS_VPC[t.preset] : undefined;
  let move: (a: string, dc: DatacenterSpec, rackIndex: number, i: number) => string;
  if (vpc !== undefined) move = (_a, _dc, r, i) => `${vpc}.${r + 1}.${4 + i}`;
  else {
    move = (a) => {
      const prefix = Object.keys(AZURE_PREFIXES).find((p) => a.startsWith(p));
      return prefix === undefined ? a : AZURE_PREFIXES[prefix] + a.slice(prefix.length);
    };
  }
  const moved = new Map<string, string>();
  const datacenters = t.datacenters.map((dc) => ({
    ...dc,
    racks: dc.racks.map((r, ri) => ({ ...r, nodes: r.nodes.map((a, i) => { const b = move(a, dc, ri, i); moved.set(a, b); return b; }) })),
    ...(dc.ilb !== undefined ? { ilb: move(dc.ilb, dc, 0, 97) } : {}),
  }));
  const all = [...moved.values(), ...datacenters.flatMap((d) => (d.ilb ? [d.ilb] : []))];
  const loop = all.filter(isLoopback);
  if (loop.length > 0) throw new Error(`deploy needs the hosts' real addresses, not loopback ones: ${loop.join(', ')}`);
  return { ...t, datacenters, seeds: t.seeds.map((s) => moved.get(s) ?? s), network: {} };
}

function subnet(name: string, prefix: string): Subnet {
  return { name, cidr: `${prefix}.0/24`, gateway: `${prefix}.1` };
}

/** Seed 000's convention: the web subnet is the /24 just below the (first) data subnet (10.1.1.0 beside 10.1.2.0). */
function regionOf(dc: DatacenterSpec, cloud: Cloud, transit: string | undefined): RegionLayout {
  const perRack = cloud === 'aws';
  const first = dc.racks[0]!.nodes[0]!;
  const [a, b, c] = octets(first);
  if (c === 0) throw new Error(`${dc.name}: no room for a web subnet below ${first}'s /24`);
  const dataSubnets = perRack ? dc.racks.map((r) => subnet(`data-${r.name}`, slash24(r.nodes[0]!))) : [subnet('data', slash24(first))];
  const racks: RackLayout[] = dc.racks.map((r) => {
    const sn = perRack ? `data-${r.name}` : 'data';
    const prefix = dataSubnets.find((s) => s.name === sn)!.cidr.replace(/\.0\/24$/, '');
    for (const n of r.nodes) if (slash24(n) !== prefix || octets(n)[3]! < 4) throw new Error(`${dc.name}/${r.name}: ${n} is not a host address of subnet ${sn} (${prefix}.4 and up)`);
    return { name: r.name, subnet: sn, ...(r.az ? { az: r.az } : {}), ...(cloud === 'azure' ? { availabilitySet: `aset-${dc.name.toLowerCase()}-${r.name}` } : {}) };
  });
  for (const r of dc.racks) if (octets(r.nodes[0]!)[0] !== a || octets(r.nodes[0]!)[1] !== b) throw new Error(`${dc.name}: every node must be in ${a}.${b}.0.0/16`);
  const cloudRegion = cloud === 'aws' ? (dc.racks[0]!.az ?? 'us-east-1a').replace(/[a-z]$/, '') : (AZURE_REGIONS[dc.name] ?? dc.name.toLowerCase());
  return {
    dc: dc.name,
    cloudRegion,
    cidr: `${a}.${b}.0.0/16`,
    dataSubnets,
    webSubnet: subnet('web', `${a}.${b}.${c! - 1}`),
    racks,
    ...(dc.ilb !== undefined ? { ilb: dc.ilb } : {}),
    ...(transit !== undefined ? { transitAddress: transit } : {}),
  };
}

/** The layout of a topology whose addresses are already real (realAddresses for the presets). */
export function layoutOf(t: ClusterTopology): DeployLayout {
  const cloud: Cloud = t.snitch === 'Ec2Snitch' ? 'aws' : 'azure';
  if (t.datacenters.length > 2) throw new Error('deploy: at most two regions (one VPN link) are supported');
  const two = t.datacenters.length === 2;
  const regions = t.datacenters.map((dc, i) => regionOf(dc, cloud, two ? TRANSIT[i] : undefined));
  const cidrs = new Set(regions.map((r) => r.cidr));
  if (cidrs.size !== regions.length) throw new Error('deploy: every region needs its own /16 address space');
  const nodes: DeployHost[] = expandNodes(t).map((n) => ({
    name: n.name,
    role: 'node',
    address: n.address,
    dc: n.dataCenter,
    subnet: regions.find((r) => r.dc === n.dataCenter)!.racks.find((r) => r.name === n.rack)!.subnet,
    rack: n.rack,
    ...(n.ec2AvailabilityZone ? { az: n.ec2AvailabilityZone } : {}),
    seed: n.seed,
  }));
  let w = 0;
  const web: DeployHost[] = regions.flatMap((r) =>
    Array.from({ length: WEB_HOSTS_PER_REGION }, (_, i) => ({
      name: `web${++w}`,
      role: 'web' as const,
      address: r.webSubnet.gateway.replace(/\.1$/, `.${4 + i}`),
      dc: r.dc,
      subnet: 'web',
    })),
  );
  return { cloud, ...(t.preset ? { preset: t.preset } : {}), topology: t, regions, hosts: [...nodes, ...web], ports: PORTS };
}

/** Seeds as seed 000 picks them (one node per availability set), recomputed to check a layout against. */
export const expectedSeeds = (t: ClusterTopology): string[] => firstNodePerRack(t.datacenters);

export const nodeHosts = (l: DeployLayout): DeployHost[] => l.hosts.filter((h) => h.role === 'node');
export const webHosts = (l: DeployLayout): DeployHost[] => l.hosts.filter((h) => h.role === 'web');
