// The lab's network, planned from a deploy layout without touching anything: one network namespace per host (node,
// web host, internal load balancer) with the layout's own address, and per region a router namespace holding the
// switches — one bridge per rack (availability set or zone) with an uplink to the region's data subnet (or, where each
// zone has its own subnet, to the router's gateway address on it), a bridge for the web subnet — and, for two regions,
// a veth between the two routers standing in for the VPN gateways. Every interface and bridge lives inside a namespace
// the lab made, so deleting the namespaces removes all of it and the host's own network is never configured.
import { inCidr } from '../deploy/check.ts';
import type { DeployHost, DeployLayout, RegionLayout } from '../deploy/layout.ts';

/** One `ip` invocation (arguments after `ip`). */
export type IpCommand = string[];

/** A link the lab can pull: `ip -n ns link set dev down`. */
export interface LabLink {
  ns: string;
  dev: string;
}

export interface LabPlan {
  prefix: string;
  /** Every namespace, in creation order: routers first. */
  namespaces: string[];
  /** Host (or ILB / router) name → namespace. */
  nsOf: Record<string, string>;
  commands: IpCommand[];
  /** Commands run inside a namespace through `ip netns exec` (sysctls). */
  execs: Array<{ ns: string; argv: string[] }>;
  /** The switch-side port of each host, by host name: pulling it isolates the host. */
  hostLinks: Record<string, LabLink>;
  /** Each rack's uplink, by `dc/rack`. */
  rackLinks: Record<string, LabLink>;
  /** Each region's VPN link, by dc (two-region layouts). */
  dcLinks: Record<string, LabLink>;
  ilbs: Array<{ dc: string; name: string; address: string; targets: string[] }>;
}

const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '-');

/** Namespace names: `sbl-<tag>-<what>`, so a lab's leftovers are recognisable and never collide with another's. */
export function labPrefix(tag: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,15}$/.test(tag)) throw new Error(`lab name must be 1-16 of a-z, 0-9 and -, got "${tag}"`);
  return `sbl-${tag}-`;
}

function regionPlan(l: DeployLayout, r: RegionLayout, p: LabPlan, hostIndex: Map<string, number>): void {
  const rtr = p.nsOf[`rtr-${slug(r.dc)}`]!;
  const cmd = (...args: string[]): void => void p.commands.push(['-n', rtr, ...args]);
  const bridge = (name: string, address?: string, prefixLen = 24): void => {
    cmd('link', 'add', name, 'type', 'bridge');
    if (address !== undefined) cmd('addr', 'add', `${address}/${prefixLen}`, 'dev', name);
    cmd('link', 'set', name, 'up');
  };
  p.execs.push({ ns: rtr, argv: ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1'] });
  cmd('link', 'set', 'lo', 'up');
  bridge('br-web', r.webSubnet.gateway);
  const shared = r.dataSubnets.length === 1 && r.racks.length > 1 ? r.dataSubnets[0]! : undefined;
  if (shared) bridge('br-data', shared.gateway);
  r.racks.forEach((rack, i) => {
    const br = `br-r${i + 1}`;
    bridge(br);
    // The uplink: a veth whose rack end is a port of the rack's bridge and whose other end joins the shared data
    // subnet's bridge or holds the router's address on the rack's own subnet.
    cmd('link', 'add', `up-r${i + 1}`, 'type', 'veth', 'peer', 'name', `gw-r${i + 1}`);
    cmd('link', 'set', `up-r${i + 1}`, 'master', br, 'up');
    if (shared) cmd('link', 'set', `gw-r${i + 1}`, 'master', 'br-data', 'up');
    else {
      cmd('addr', 'add', `${r.dataSubnets.find((s) => s.name === rack.subnet)!.gateway}/24`, 'dev', `gw-r${i + 1}`);
      cmd('link', 'set', `gw-r${i + 1}`, 'up');
    }
    p.rackLinks[`${r.dc}/${rack.name}`] = { ns: rtr, dev: `up-r${i + 1}` };
  });
  const attach = (name: string, address: string, gateway: string, br: string, port: string): void => {
    const ns = p.nsOf[name]!;
    p.commands.push(['-n', ns, 'link', 'set', 'lo', 'up']);
    p.commands.push(['-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', port, 'netns', rtr]);
    p.commands.push(['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
    p.commands.push(['-n', ns, 'link', 'set', 'eth0', 'up']);
    p.commands.push(['-n', ns, 'route', 'add', 'default', 'via', gateway]);
    cmd('link', 'set', port, 'master', br, 'up');
    p.hostLinks[name] = { ns: rtr, dev: port };
  };
  for (const h of l.hosts.filter((x) => x.dc === r.dc)) {
    const i = hostIndex.get(h.name)!;
    if (h.role === 'web') attach(h.name, h.address, r.webSubnet.gateway, 'br-web', `w-${i}`);
    else {
      const rackIdx = r.racks.findIndex((x) => x.name === h.rack);
      const gw = r.dataSubnets.find((s) => s.name === h.subnet)!.gateway;
      attach(h.name, h.address, gw, `br-r${rackIdx + 1}`, `n-${i}`);
    }
  }
  if (r.ilb !== undefined) ilbPlan(l, r, p, attach);
}

function ilbPlan(l: DeployLayout, r: RegionLayout, p: LabPlan, attach: (name: string, a: string, gw: string, br: string, port: string) => void): void {
  const name = `ilb-${slug(r.dc)}`;
  const subnet = r.dataSubnets.find((s) => inCidr(r.ilb!, s.cidr));
  if (!subnet) throw new Error(`lab: ${r.dc}'s ILB ${r.ilb} is outside its data subnets`);
  const rackIdx = r.racks.findIndex((x) => x.subnet === subnet.name);
  // On a data subnet shared by the racks the balancer hangs off the subnet's own switch, so that cutting a rack
  // leaves it serving the others, as Azure's does.
  const br = r.dataSubnets.length === 1 && r.racks.length > 1 ? 'br-data' : `br-r${rackIdx + 1}`;
  attach(name, r.ilb!, subnet.gateway, br, `lb-${slug(r.dc).slice(0, 10)}`);
  const targets = l.hosts.filter((h) => h.role === 'node' && h.dc === r.dc).map((h) => `${h.address}:${l.ports.native}`);
  p.ilbs.push({ dc: r.dc, name, address: r.ilb!, targets });
}

export function planLab(l: DeployLayout, tag: string): LabPlan {
  const prefix = labPrefix(tag);
  const p: LabPlan = { prefix, namespaces: [], nsOf: {}, commands: [], execs: [], hostLinks: {}, rackLinks: {}, dcLinks: {}, ilbs: [] };
  const addNs = (name: string): void => {
    p.nsOf[name] = `${prefix}${name}`;
    p.namespaces.push(`${prefix}${name}`);
  };
  for (const r of l.regions) addNs(`rtr-${slug(r.dc)}`);
  for (const h of l.hosts) addNs(h.name);
  for (const r of l.regions) if (r.ilb !== undefined) addNs(`ilb-${slug(r.dc)}`);
  p.commands.push(...p.namespaces.map((ns) => ['netns', 'add', ns]));
  const hostIndex = new Map<string, number>(l.hosts.map((h: DeployHost, i) => [h.name, i + 1]));
  for (const r of l.regions) regionPlan(l, r, p, hostIndex);
  if (l.regions.length === 2) vpnPlan(l, p);
  return p;
}

/** The router pair: a veth between the region routers on the transit /30, and a route to the other region's vnet. */
function vpnPlan(l: DeployLayout, p: LabPlan): void {
  const [a, b] = l.regions as [RegionLayout, RegionLayout];
  const ra = p.nsOf[`rtr-${slug(a.dc)}`]!;
  const rb = p.nsOf[`rtr-${slug(b.dc)}`]!;
  p.commands.push(['-n', ra, 'link', 'add', 'vpn0', 'type', 'veth', 'peer', 'name', 'vpn0', 'netns', rb]);
  for (const [r, ns, other] of [[a, ra, b], [b, rb, a]] as const) {
    p.commands.push(['-n', ns, 'addr', 'add', `${r.transitAddress!}/30`, 'dev', 'vpn0']);
    p.commands.push(['-n', ns, 'link', 'set', 'vpn0', 'up']);
    p.commands.push(['-n', ns, 'route', 'add', other.cidr, 'via', other.transitAddress!]);
    p.dcLinks[r.dc] = { ns, dev: 'vpn0' };
  }
}
