// Infrastructure for the two seed clouds as Terraform JSON (`*.tf.json`): Azure (seed 000: a vnet per region with
// "web" and "data" subnets, NSGs admitting only what nodeAdmissions allows, an availability set per rack, the internal
// load balancer on 9042 with a TCP probe, a VNet-to-VNet VPN between two regions) and AWS (seed 004: a VPC, a subnet
// per availability zone, a security group, the instances per zone). Each VM boots from its host's cloud-init.yaml.
import { nodeAdmissions } from './firewall.ts';
import { nodeHosts, type DeployHost, type DeployLayout, type RegionLayout } from './layout.ts';

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
type Block = Record<string, Record<string, Json>>;

/** A Terraform identifier from a name such as WESTUS or data-1a. */
const id = (...parts: string[]): string => parts.join('_').toLowerCase().replace(/[^a-z0-9_]/g, '_');
const ref = (type: string, name: string, attr = 'id'): string => `\${${type}.${name}.${attr}}`;
const cloudInit = (h: DeployHost): string => `\${path.module}/../hosts/${h.name}/cloud-init.yaml`;

function add(resources: Record<string, Block>, type: string, name: string, body: Record<string, Json>): void {
  (resources[type] ??= {})[name] = body;
}

/** NSG rules of a data subnet: the admissions in priority order, then a deny of the rest of the virtual network. */
export function nsgRules(l: DeployLayout): Json[] {
  const ilbs = new Set(l.regions.flatMap((r) => (r.ilb ? [r.ilb] : [])));
  const rules: Json[] = nodeAdmissions(l).map((a, i) => {
    // Azure's load balancer keeps the client's address, so the ILB is never a source; its health probes come from the
    // AzureLoadBalancer service tag, which must be admitted to the probed port.
    const sources = a.sources.filter((s) => !ilbs.has(s)).map((s) => (s === '0.0.0.0/0' ? '*' : s));
    if (a.sources.some((s) => ilbs.has(s))) sources.push('AzureLoadBalancer');
    return {
      name: `allow-${a.ports.join('-')}`,
      description: a.why,
      priority: 100 + 10 * i,
      direction: 'Inbound',
      access: 'Allow',
      protocol: 'Tcp',
      source_port_range: '*',
      destination_port_ranges: a.ports.map(String),
      source_address_prefixes: sources,
      destination_address_prefix: '*',
    };
  });
  // Azure's default rules admit all traffic from inside the virtual network (and over the VPN); the seed does not.
  rules.push({
    name: 'deny-vnet', description: 'everything else from the virtual networks', priority: 4000, direction: 'Inbound', access: 'Deny', protocol: '*',
    source_port_range: '*', destination_port_range: '*', source_address_prefix: 'VirtualNetwork', destination_address_prefix: '*',
  });
  return rules;
}

const gatewaySubnet = (r: RegionLayout): string => r.cidr.replace(/\.0\.0\/16$/, '.255.0/27');

function azureRegion(l: DeployLayout, r: RegionLayout, res: Record<string, Block>): void {
  const rg = ref('azurerm_resource_group', 'sibyl', 'name');
  const k = id(r.dc);
  add(res, 'azurerm_virtual_network', k, { name: `vnet-sibyl-${r.cloudRegion}`, location: r.cloudRegion, resource_group_name: rg, address_space: [r.cidr] });
  for (const s of [...r.dataSubnets, r.webSubnet]) {
    add(res, 'azurerm_subnet', id(r.dc, s.name), { name: s.name, resource_group_name: rg, virtual_network_name: ref('azurerm_virtual_network', k, 'name'), address_prefixes: [s.cidr] });
  }
  add(res, 'azurerm_network_security_group', id(r.dc, 'data'), { name: `nsg-${r.cloudRegion}-data`, location: r.cloudRegion, resource_group_name: rg, security_rule: nsgRules(l) });
  for (const s of r.dataSubnets) {
    add(res, 'azurerm_subnet_network_security_group_association', id(r.dc, s.name), {
      subnet_id: ref('azurerm_subnet', id(r.dc, s.name)), network_security_group_id: ref('azurerm_network_security_group', id(r.dc, 'data')),
    });
  }
  for (const rack of r.racks) {
    add(res, 'azurerm_availability_set', id(r.dc, rack.name), {
      name: rack.availabilitySet!, location: r.cloudRegion, resource_group_name: rg, platform_fault_domain_count: 2, platform_update_domain_count: 5, managed: true,
    });
  }
  if (r.ilb !== undefined) azureIlb(l, r, res);
}

function azureIlb(l: DeployLayout, r: RegionLayout, res: Record<string, Block>): void {
  const rg = ref('azurerm_resource_group', 'sibyl', 'name');
  const k = id(r.dc);
  const subnet = r.dataSubnets.find((s) => r.ilb!.startsWith(s.cidr.replace(/0\/24$/, '')))!;
  add(res, 'azurerm_lb', k, {
    name: `ilb-${r.cloudRegion}`, location: r.cloudRegion, resource_group_name: rg, sku: 'Standard',
    frontend_ip_configuration: [{ name: 'cql', subnet_id: ref('azurerm_subnet', id(r.dc, subnet.name)), private_ip_address_allocation: 'Static', private_ip_address: r.ilb! }],
  });
  add(res, 'azurerm_lb_backend_address_pool', k, { name: 'nodes', loadbalancer_id: ref('azurerm_lb', k) });
  // The seed's probe: TCP on the load-balanced port every 10 s.
  add(res, 'azurerm_lb_probe', k, { name: 'cql-tcp', loadbalancer_id: ref('azurerm_lb', k), protocol: 'Tcp', port: l.ports.native, interval_in_seconds: 10, number_of_probes: 2 });
  add(res, 'azurerm_lb_rule', k, {
    name: 'cql', loadbalancer_id: ref('azurerm_lb', k), protocol: 'Tcp', frontend_port: l.ports.native, backend_port: l.ports.native,
    frontend_ip_configuration_name: 'cql', backend_address_pool_ids: [ref('azurerm_lb_backend_address_pool', k)], probe_id: ref('azurerm_lb_probe', k),
  });
}

function azureNode(r: RegionLayout, h: DeployHost, res: Record<string, Block>): void {
  const rg = ref('azurerm_resource_group', 'sibyl', 'name');
  const k = id(h.name);
  add(res, 'azurerm_network_interface', k, {
    name: `nic-${h.name}`, location: r.cloudRegion, resource_group_name: rg,
    ip_configuration: [{ name: 'internal', subnet_id: ref('azurerm_subnet', id(r.dc, h.subnet)), private_ip_address_allocation: 'Static', private_ip_address: h.address }],
  });
  add(res, 'azurerm_linux_virtual_machine', k, {
    name: h.name, location: r.cloudRegion, resource_group_name: rg, size: '${var.vm_size}', admin_username: '${var.admin_username}',
    availability_set_id: ref('azurerm_availability_set', id(r.dc, h.rack!)), network_interface_ids: [ref('azurerm_network_interface', k)],
    admin_ssh_key: [{ username: '${var.admin_username}', public_key: '${var.ssh_public_key}' }],
    os_disk: [{ caching: 'ReadWrite', storage_account_type: 'Premium_LRS' }],
    source_image_reference: [{ publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' }],
    custom_data: `\${filebase64("${cloudInit(h)}")}`,
    tags: { 'sibyl-dc': h.dc, 'sibyl-rack': h.rack!, 'sibyl-seed': String(h.seed === true) },
  });
  if (r.ilb !== undefined) {
    add(res, 'azurerm_network_interface_backend_address_pool_association', k, {
      network_interface_id: ref('azurerm_network_interface', k), ip_configuration_name: 'internal', backend_address_pool_id: ref('azurerm_lb_backend_address_pool', id(r.dc)),
    });
  }
}

/** The VNet-to-VNet VPN of seed 000's two regions: a gateway per vnet and a connection each way with one shared key. */
function azureVpn(l: DeployLayout, res: Record<string, Block>): void {
  const rg = ref('azurerm_resource_group', 'sibyl', 'name');
  for (const r of l.regions) {
    const k = id(r.dc);
    add(res, 'azurerm_subnet', id(r.dc, 'gateway'), { name: 'GatewaySubnet', resource_group_name: rg, virtual_network_name: ref('azurerm_virtual_network', k, 'name'), address_prefixes: [gatewaySubnet(r)] });
    add(res, 'azurerm_public_ip', id(r.dc, 'vpn'), { name: `pip-vpn-${r.cloudRegion}`, location: r.cloudRegion, resource_group_name: rg, allocation_method: 'Static', sku: 'Standard' });
    add(res, 'azurerm_virtual_network_gateway', k, {
      name: `vgw-${r.cloudRegion}`, location: r.cloudRegion, resource_group_name: rg, type: 'Vpn', vpn_type: 'RouteBased', sku: 'VpnGw1',
      ip_configuration: [{ name: 'vpn', public_ip_address_id: ref('azurerm_public_ip', id(r.dc, 'vpn')), private_ip_address_allocation: 'Dynamic', subnet_id: ref('azurerm_subnet', id(r.dc, 'gateway')) }],
    });
  }
  const [a, b] = l.regions as [RegionLayout, RegionLayout];
  for (const [from, to] of [[a, b], [b, a]] as const) {
    add(res, 'azurerm_virtual_network_gateway_connection', id(from.dc, 'to', to.dc), {
      name: `${from.cloudRegion}-to-${to.cloudRegion}`, location: from.cloudRegion, resource_group_name: rg, type: 'Vnet2Vnet',
      virtual_network_gateway_id: ref('azurerm_virtual_network_gateway', id(from.dc)), peer_virtual_network_gateway_id: ref('azurerm_virtual_network_gateway', id(to.dc)),
      shared_key: '${var.vpn_shared_key}',
    });
  }
}

export function azureTerraform(l: DeployLayout): Record<string, Json> {
  const res: Record<string, Block> = {};
  add(res, 'azurerm_resource_group', 'sibyl', { name: '${var.resource_group}', location: l.regions[0]!.cloudRegion });
  for (const r of l.regions) azureRegion(l, r, res);
  for (const h of nodeHosts(l)) azureNode(l.regions.find((r) => r.dc === h.dc)!, h, res);
  if (l.regions.length === 2) azureVpn(l, res);
  const variable: Record<string, Json> = {
    resource_group: { type: 'string', default: `rg-${l.topology.clusterName.toLowerCase()}` },
    admin_username: { type: 'string', default: 'localadmin' },
    ssh_public_key: { type: 'string', description: 'OpenSSH public key for admin_username' },
    vm_size: { type: 'string', default: 'Standard_D2s_v5' },
  };
  if (l.regions.length === 2) variable['vpn_shared_key'] = { type: 'string', sensitive: true, description: 'IPsec key shared by both VPN gateways' };
  const output: Record<string, Json> = {};
  for (const r of l.regions) if (r.ilb) output[`ilb_${id(r.dc)}`] = { value: r.ilb, description: `cqlsh ${r.ilb} ${l.ports.native} from the ${r.dc} web subnet` };
  return {
    terraform: { required_providers: { azurerm: { source: 'hashicorp/azurerm', version: '~> 3.100' } } },
    provider: { azurerm: { features: {} } },
    variable,
    resource: res,
    output,
  };
}

export function awsTerraform(l: DeployLayout): Record<string, Json> {
  const res: Record<string, Block> = {};
  const r = l.regions[0]!;
  if (l.regions.length !== 1) throw new Error('deploy: the AWS layout is one region (Ec2Snitch); use Ec2MultiRegionSnitch-style setups by hand');
  add(res, 'aws_vpc', 'sibyl', { cidr_block: r.cidr, enable_dns_support: true, enable_dns_hostnames: true, tags: { Name: `vpc-${l.topology.clusterName}` } });
  const firstAz = r.racks[0]!.az!;
  for (const rack of r.racks) {
    const s = r.dataSubnets.find((x) => x.name === rack.subnet)!;
    add(res, 'aws_subnet', id(s.name), { vpc_id: ref('aws_vpc', 'sibyl'), cidr_block: s.cidr, availability_zone: rack.az!, tags: { Name: `${l.topology.clusterName}-${s.name}` } });
  }
  add(res, 'aws_subnet', 'web', { vpc_id: ref('aws_vpc', 'sibyl'), cidr_block: r.webSubnet.cidr, availability_zone: firstAz, tags: { Name: `${l.topology.clusterName}-web` } });
  add(res, 'aws_security_group', 'nodes', { name: `${l.topology.clusterName}-nodes`, description: 'Sibyl nodes: the seed lock-down', vpc_id: ref('aws_vpc', 'sibyl') });
  nodeAdmissions(l).forEach((a, i) => {
    for (const port of a.ports) {
      add(res, 'aws_security_group_rule', `in_${i}_${port}`, {
        type: 'ingress', description: a.why, protocol: 'tcp', from_port: port, to_port: port, security_group_id: ref('aws_security_group', 'nodes'),
        cidr_blocks: a.sources.map((s) => (s.includes('/') ? s : `${s}/32`)),
      });
    }
  });
  add(res, 'aws_security_group_rule', 'out_all', { type: 'egress', protocol: '-1', from_port: 0, to_port: 0, cidr_blocks: ['0.0.0.0/0'], security_group_id: ref('aws_security_group', 'nodes') });
  for (const h of nodeHosts(l)) {
    add(res, 'aws_instance', id(h.name), {
      ami: '${var.ami}', instance_type: '${var.instance_type}', key_name: '${var.key_name}', subnet_id: ref('aws_subnet', id(h.subnet)), private_ip: h.address,
      vpc_security_group_ids: [ref('aws_security_group', 'nodes')], user_data: `\${file("${cloudInit(h)}")}`,
      tags: { Name: h.name, 'sibyl-dc': h.dc, 'sibyl-rack': h.rack!, 'sibyl-az': h.az!, 'sibyl-seed': String(h.seed === true) },
    });
  }
  return {
    terraform: { required_providers: { aws: { source: 'hashicorp/aws', version: '~> 5.0' } } },
    provider: { aws: { region: r.cloudRegion } },
    variable: {
      ami: { type: 'string', description: 'an Ubuntu 24.04 AMI of the region' },
      instance_type: { type: 'string', default: 'm5.large' },
      key_name: { type: 'string', description: 'EC2 key pair for SSH' },
    },
    resource: res,
  };
}
