// Consistency of a rendered deployment, read back from the files themselves (not from the objects that wrote them):
// every node's cassandra.yaml loads and names its own address, DC and rack as the layout has them; the seeds are nodes,
// one per rack; the Terraform JSON parses and puts every node on its address, in a subnet holding it, in the right
// availability set or zone, behind the load balancer the layout names. `deploy render` refuses an output that fails.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../server/config.ts';
import { nodeHosts, type DeployHost, type DeployLayout } from './layout.ts';
import { LAYOUT_FILE } from './render.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});

/** Whether `address` is inside `cidr` (IPv4). */
export function inCidr(address: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const bits = Number(bitsText ?? 32);
  const toInt = (a: string): number => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  // Whole numbers up to 2^32 are exact in a double, so dividing by the block size compares the network parts.
  const size = 2 ** (32 - bits);
  return Math.floor(toInt(address) / size) === Math.floor(toInt(net!) / size);
}

function checkNodeConfig(dir: string, l: DeployLayout, h: DeployHost, problems: string[]): void {
  const path = join(dir, 'hosts', h.name, 'cassandra.yaml');
  if (!existsSync(path)) {
    problems.push(`${h.name}: ${path} is missing`);
    return;
  }
  const c = loadConfig(path);
  const want: Array<[string, unknown, unknown]> = [
    ['listen_address', c.listenAddress, h.address],
    ['rpc_address', c.rpcAddress, h.address],
    ['cluster_name', c.clusterName, l.topology.clusterName],
    ['endpoint_snitch', c.endpointSnitch, l.topology.snitch],
    ['data centre', c.dataCenter, h.dc],
    ['rack', c.rack, h.rack],
    ['initial_token count', c.initialTokens.length, c.numTokens],
  ];
  for (const [what, got, expected] of want) if (got !== expected) problems.push(`${h.name}: ${what} is ${String(got)}, the layout says ${String(expected)}`);
  const seeds = c.seeds.map((s) => s.replace(/:\d+$/, ''));
  const nodes = new Map(nodeHosts(l).map((n) => [n.address, n]));
  for (const s of seeds) if (!nodes.has(s)) problems.push(`${h.name}: seed ${s} is not a node`);
  const perRack = new Map<string, number>();
  for (const s of seeds) {
    const n = nodes.get(s);
    if (n) perRack.set(`${n.dc}/${n.rack}`, (perRack.get(`${n.dc}/${n.rack}`) ?? 0) + 1);
  }
  for (const n of nodes.values()) {
    const k = `${n.dc}/${n.rack}`;
    if (perRack.get(k) !== 1) problems.push(`${h.name}: rack ${k} has ${perRack.get(k) ?? 0} seeds, the seed deployment wants one`);
  }
}

function checkAzure(tf: Obj, l: DeployLayout, problems: string[]): void {
  const res = obj(tf['resource']);
  const nics = obj(res['azurerm_network_interface']);
  const vms = obj(res['azurerm_linux_virtual_machine']);
  const subnets = obj(res['azurerm_subnet']);
  const asets = obj(res['azurerm_availability_set']);
  for (const h of nodeHosts(l)) {
    const ipc = obj((obj(nics[h.name])['ip_configuration'] as unknown[] | undefined)?.[0]);
    if (ipc['private_ip_address'] !== h.address) problems.push(`azure: ${h.name}'s NIC has ${String(ipc['private_ip_address'])}, not ${h.address}`);
    const subnetKey = /azurerm_subnet\.(\w+)\.id/.exec(String(ipc['subnet_id']))?.[1] ?? '';
    const prefixes = (obj(subnets[subnetKey])['address_prefixes'] as string[] | undefined) ?? [];
    if (!prefixes.some((p) => inCidr(h.address, p))) problems.push(`azure: ${h.name} (${h.address}) is not inside its subnet ${subnetKey} ${prefixes.join(',')}`);
    const asetKey = /azurerm_availability_set\.(\w+)\.id/.exec(String(obj(vms[h.name])['availability_set_id']))?.[1] ?? '';
    const region = l.regions.find((r) => r.dc === h.dc)!;
    const wanted = region.racks.find((r) => r.name === h.rack)?.availabilitySet;
    if (obj(asets[asetKey])['name'] !== wanted) problems.push(`azure: ${h.name} is in availability set ${String(obj(asets[asetKey])['name'])}, its rack ${h.rack} is ${String(wanted)}`);
  }
  const lbs = obj(res['azurerm_lb']);
  for (const r of l.regions) {
    if (r.ilb === undefined) continue;
    const key = r.dc.toLowerCase().replace(/[^a-z0-9_]/g, '_');
    const fe = obj((obj(lbs[key])['frontend_ip_configuration'] as unknown[] | undefined)?.[0]);
    if (fe['private_ip_address'] !== r.ilb) problems.push(`azure: ${r.dc}'s load balancer is on ${String(fe['private_ip_address'])}, not ${r.ilb}`);
    const probe = obj(obj(res['azurerm_lb_probe'])[key]);
    if (probe['protocol'] !== 'Tcp' || probe['port'] !== l.ports.native) problems.push(`azure: ${r.dc}'s probe is not TCP on ${l.ports.native}`);
  }
  if (l.regions.length === 2 && Object.keys(obj(res['azurerm_virtual_network_gateway_connection'])).length !== 2) problems.push('azure: two regions need a VPN connection each way');
}

function checkAws(tf: Obj, l: DeployLayout, problems: string[]): void {
  const res = obj(tf['resource']);
  const instances = obj(res['aws_instance']);
  const subnets = obj(res['aws_subnet']);
  for (const h of nodeHosts(l)) {
    const i = obj(instances[h.name]);
    if (i['private_ip'] !== h.address) problems.push(`aws: ${h.name} has ${String(i['private_ip'])}, not ${h.address}`);
    const s = obj(subnets[/aws_subnet\.(\w+)\.id/.exec(String(i['subnet_id']))?.[1] ?? '']);
    if (!inCidr(h.address, String(s['cidr_block'] ?? '0.0.0.0/32'))) problems.push(`aws: ${h.name} (${h.address}) is not inside its subnet ${String(s['cidr_block'])}`);
    if (s['availability_zone'] !== h.az) problems.push(`aws: ${h.name}'s subnet is in ${String(s['availability_zone'])}, its rack is zone ${String(h.az)}`);
  }
}

/** Problems found in the rendered directory; empty when it is consistent. */
export function checkRendered(dirIn: string): string[] {
  const dir = resolve(dirIn);
  const problems: string[] = [];
  const l = JSON.parse(readFileSync(join(dir, LAYOUT_FILE), 'utf8')) as DeployLayout;
  for (const h of nodeHosts(l)) checkNodeConfig(dir, l, h, problems);
  const tfPath = join(dir, 'terraform', `${l.cloud}.tf.json`);
  let tf: Obj;
  try {
    tf = obj(JSON.parse(readFileSync(tfPath, 'utf8')));
  } catch (e) {
    return [...problems, `${tfPath}: ${(e as Error).message}`];
  }
  if (l.cloud === 'azure') checkAzure(tf, l, problems);
  else checkAws(tf, l, problems);
  return problems;
}
